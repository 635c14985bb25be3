/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * perfagent.conf and its conf.d drop-ins: embedded defaults, then the main
 * file, then the conf.d drop-ins (*.conf) in name order, each overriding the one before.
 */
#ifndef PA_CONFIG_H
#define PA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cpu/credit_mode.h"
#include "emf/emf.h"
#include "emf/sink.h"
#include "tune/tuning.h"
#include "identity/itype.h"
#include "core/lineparse.h"
#include "core/namefilter.h"
#include "core/log.h"
#include "core/paths.h"

#define CONFIG_MAX_PROBES 8
#define CONFIG_MAX_FILES 64
#define TUNING_MAX_EXCLUDES 32
#define CONFIG_SPOOL_MAX_DOCUMENTS 1000000
#define CONFIG_SPOOL_MIN_BYTES (64u << 10)

enum pa_mode {
	MODE_APPLY = 0, /* apply the matched tuning profile */
	MODE_ADVISE,    /* plan and report, never write */
};

struct pa_config {
	unsigned int interval_s;
	enum log_level log_level;
	enum pa_mode mode;
	char instance_type[ITYPE_NAME_MAX]; /* "" = detect */
	bool imds_enabled;
	char imds_endpoint[256];            /* "" = $AWS_EC2_METADATA_SERVICE_ENDPOINT or default */
	mode_t control_socket_mode;
	char profile[64];                   /* "" = match by instance type */
	int n_overlays;                     /* workload overlays, stacked last, in order */
	char overlays[TUNING_MAX_OVERLAYS][64];
	bool revert_on_stop;
	enum credit_mode credit_mode;        /* burstable types only */
	double credit_start_balance;         /* < 0: launch credits or the saved estimate */
	int n_excludes;
	char excludes[TUNING_MAX_EXCLUDES][128]; /* globs over knob ids */
	int n_disabled_probes;
	char disabled_probes[CONFIG_MAX_PROBES][16];
	int block_sample;                   /* PROBES_SAMPLE_OFF, _AUTO, or N (probes.h) */
	bool metrics_enabled;               /* send EMF documents to the CloudWatch agent */
	/* "" = $AWS_EMF_AGENT_ENDPOINT, else tcp://127.0.0.1:25888 */
	char emf_endpoint[SINK_ENDPOINT_MAX];
	char emf_namespace[EMF_NAMESPACE_MAX];
	char emf_log_group[EMF_LOG_GROUP_MAX];
	struct emf_dimsets dimension_sets;  /* the roll-ups every metric is sent under */
	struct namefilter interfaces;       /* reported beyond/instead of real NICs that are up */
	struct namefilter devices;          /* reported beyond/instead of whole real disks */
	struct metric_filter metric_filter; /* metrics_level, metrics_include, metrics_exclude */
	unsigned int spool_max_documents;   /* waiting for the agent, in memory */
	size_t spool_max_bytes;             /* their memory, compressed */
	bool spool_persist;                 /* kept in the state directory across restarts */

	/* Where the values came from, for status and messages. */
	int n_files;
	char files[CONFIG_MAX_FILES][PATH_MAX];
	bool main_file_missing;
};

void config_defaults(struct pa_config *cfg);

/*
 * Loads defaults, the main file and the drop-ins. A missing main file means
 * embedded defaults, unless must_exist (the user named it). Every file is
 * read to its end: returns 0, or the first error's negative errno with errs
 * holding all of them, each naming file, line and the accepted values (a
 * misspelt key with the closest known one). cfg is then not to be used.
 */
int config_load(struct pa_config *cfg, const struct pa_paths *paths, bool must_exist,
		struct lp_errors *errs);

/* Parses one buffer on top of cfg; for tests and fuzzing. */
int config_parse_buf(struct pa_config *cfg, const char *buf, size_t len, const char *name,
		     struct lp_errors *errs);

const char *config_mode_name(enum pa_mode mode);

/* NULL-terminated list of exclude globs, valid while cfg lives. */
/* overlays = VALUE, as the config file says it (--overlays); 0 or -EINVAL with err. */
int config_set_overlays(struct pa_config *cfg, const char *value, char *err, size_t errsz);

void config_excludes(const struct pa_config *cfg, const char *out[TUNING_MAX_EXCLUDES + 1]);

/* The settings tuning takes (tuning.h), valid while cfg lives. */
void config_tuning_opts(const struct pa_config *cfg, struct tuning_opts *out);
/* The engine's context for paths and cfg's exclude list (tuning_ctx_init()). */
void config_tuning_ctx(const struct pa_config *cfg, const struct pa_paths *paths,
		       struct tuning_ctx *t);

/* NULL-terminated list of disabled probe names, valid while cfg lives. */
void config_disabled_probes(const struct pa_config *cfg, const char *out[CONFIG_MAX_PROBES + 1]);

#endif
