/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CloudWatch Embedded Metric Format: turns one interval's metric_set into
 * compact JSON documents, one per entity (the instance, each interface, each
 * block device) and per 100 metrics. Every document carries
 * _aws.LogGroupName (the agent drops lines without it), a millisecond
 * timestamp, finite values only, units from the EMF list, and two
 * properties outside the metric directive: PerfAgentRun (random, one per
 * daemon run) and PerfAgentSeq (1, 2, 3... within the run), so a reader can
 * check order and gaps. A metric's value is a number or a distribution
 * (emf/distribution.h); only the metrics the configured metrics_level sends
 * are written (emf/metric_level.h). A block device's document has a second
 * directive for its instance-wide metrics (metric_instance_wide()): the
 * instance's dimension sets without the device's, so that every disk's
 * documents add data points to one metric of the instance.
 */
#ifndef PA_EMF_H
#define PA_EMF_H

#include <stddef.h>
#include <stdint.h>

#include "emf/dimensions.h"
#include "identity/identity.h"
#include "core/metrics.h"
#include "emf/metric_level.h"

#define EMF_MAX_METRICS 100         /* per directive, by the EMF spec */
/* Far below the agent's 1 MiB line limit, and fits one UDP datagram. */
#define EMF_DOC_MAX (60 * 1024)
/*
 * Distribution values per document: 800 x 2 numbers of at most 24
 * characters (38 KiB) and 100 metric definitions stay under EMF_DOC_MAX.
 */
#define EMF_DOC_VALUES_MAX 800
/* CloudWatch rejects values beyond +-2^360; smaller ones round to 0. */
#define EMF_VALUE_MAX 0x1p360
#define EMF_VALUE_MIN 0x1p-360
#define EMF_NAMESPACE_MAX 256       /* 255 characters: CloudWatch's limit */
#define EMF_LOG_GROUP_MAX 513       /* 512 characters: CloudWatch Logs' limit */

/* What the encoder takes from the configuration. */
struct emf_opts {
	const char *namespace;      /* CloudWatch namespace */
	const char *log_group;      /* _aws.LogGroupName */
	const struct emf_dimsets *dimsets;  /* NULL: emf_dimsets_default() */
	const struct metric_filter *filter; /* metrics_level; NULL: send every metric */
};

struct emf_encoder {
	char namespace[EMF_NAMESPACE_MAX];
	char log_group[EMF_LOG_GROUP_MAX];
	struct emf_dimsets dimsets;
	/*
	 * The instance's dimension values, fixed before the first document so
	 * that no series splits: InstanceId is the host name outside EC2,
	 * InstanceType "unknown" when not known; "" (ImageId, group): the sets
	 * naming it are left out.
	 */
	char dims[EMF_DIM_N][EMF_DIM_VALUE_SIZE];
	struct metric_filter filter;            /* which metrics are sent */
	char run_id[17];                        /* 16 hex digits */
	uint64_t next_seq;                      /* PerfAgentSeq of the next document */
	/* "" or a SinkLastError property for the next instance document. */
	char sink_error[256];
	/* Totals since init: metrics left out, and why. */
	uint64_t dropped_nonfinite;             /* NaN, infinite or beyond +-2^360 */
	uint64_t dropped_invalid;               /* bad or duplicate name, bad entity */
};

/* A new run: fresh run id, sequence from 1, then emf_encoder_configure(). */
void emf_encoder_init(struct emf_encoder *e, const struct emf_opts *opts,
		      const struct identity *id);

/* Namespace, log group, dimension sets and values from opts and id; keeps run and sequence. */
void emf_encoder_configure(struct emf_encoder *e, const struct emf_opts *opts,
			   const struct identity *id);

/* Receives one document: compact JSON, no newline, len < EMF_DOC_MAX. */
typedef int (*emf_emit_fn)(void *ctx, const char *doc, size_t len);

/*
 * Encodes set and calls emit once per document, in entity order. Returns
 * the number of documents, or a negative errno (-ENOMEM, or emit's own
 * error, which stops the encoding).
 */
int emf_encode(struct emf_encoder *e, const struct metric_set *set, emf_emit_fn emit,
	       void *ctx);

#endif
