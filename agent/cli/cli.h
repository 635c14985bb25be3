/* SPDX-License-Identifier: GPL-2.0-only */
/* The parsed command line, shared by main.c and the command modules. */
#ifndef PA_CLI_H
#define PA_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "identity/identity.h"
#include "core/paths.h"

/* Options, and which commands accept them. */
enum {
	OPT_JSON = 1 << 0,
	OPT_CONFIG = 1 << 1,
	OPT_ROOT = 1 << 2,
	OPT_STATE_DIR = 1 << 3,
	OPT_RUNTIME_DIR = 1 << 4,
	OPT_INSTANCE_TYPE = 1 << 5,
	OPT_CHECK_CONFIG = 1 << 6,
	OPT_LOG_LEVEL = 1 << 7,
	OPT_NO_IMDS = 1 << 8,
	OPT_DRY_RUN = 1 << 9,
	OPT_PROFILE = 1 << 10,
	OPT_PROFILE_DIR = 1 << 11,
	OPT_ONCE = 1 << 12,
	OPT_FORMAT = 1 << 13,
	OPT_INTERVAL = 1 << 14,
	OPT_HISTOGRAMS = 1 << 15,
	OPT_OVERLAYS = 1 << 16,
	OPT_WATCH = 1 << 17,
	OPT_COST = 1 << 18,
};

struct cli {
	struct pa_paths paths;
	bool json;
	bool check_config;
	bool no_imds;
	bool dry_run;
	bool histograms;
	bool once;
	bool cost;              /* metrics --cost */
	bool watch;             /* status --watch */
	const char *watch_s;    /* its SECONDS (--watch=N or the argument after it); NULL: default */
	const char *instance_type;
	const char *log_level;
	const char *profile;
	const char *overlays;   /* --overlays LIST: replaces the config's overlays = */
	const char *format;     /* metrics --format, checked by the command */
	const char *interval;   /* metrics --interval, checked by the command */
	int n_args;             /* positional arguments after the command */
	char **args;
};

/*
 * Loads the config, then applies the command line's --overlays; on error
 * prints it and returns -EINVAL.
 */
int cli_load_config(const struct cli *cli, struct pa_config *cfg);

/* "invalid configuration: " and the one error, or each error on a line of its own. */
void cli_print_config_errors(const struct lp_errors *errs, FILE *out);

/* Detects the identity as `perfagent detect` does; NULL when out of memory. */
struct identity *cli_detect_identity(const struct cli *cli, const struct pa_config *cfg);

/* Prints o as indented JSON on stdout. */
void cli_print_json(struct json_object *o);

/* The tuning commands (cmd_tune.c). */
int cmd_profiles(struct cli *cli);
int cmd_apply(struct cli *cli);
int cmd_verify(struct cli *cli);
int cmd_revert(struct cli *cli);

#endif
