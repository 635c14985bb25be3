/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `perfagent daemon`: one event loop (epoll) over a signalfd, the
 * collection timerfd and the control socket.
 */
#ifndef PA_DAEMON_H
#define PA_DAEMON_H

#include <stdbool.h>

#include "core/paths.h"

struct daemon_opts {
	struct pa_paths paths;
	bool config_must_exist;     /* --config was given */
	const char *type_override;  /* --instance-type, wins over the config */
	const char *log_level;      /* --log-level, wins over the config */
};

/* Runs until SIGTERM or SIGINT. Returns a process exit code (see main.c). */
int daemon_run(const struct daemon_opts *opts);

struct pa_config;
struct identity;

struct daemon_metrics_opts {
	const struct pa_paths *paths;
	const struct pa_config *cfg;
	const struct identity *id;
	unsigned int interval_s;
	bool once;
	bool emf;                   /* EMF documents as sent, else a table */
	bool cost;                  /* one interval's custom metrics and price, then exit */
	bool json;                  /* the cost as JSON */
};

/*
 * `perfagent metrics`: the daemon's collection without a daemon. Starts the
 * probes, and every interval_s (once: just once) prints what the daemon
 * would send; cost: what one interval's documents cost, once. Returns a
 * process exit code.
 */
int daemon_metrics(const struct daemon_metrics_opts *o);

#endif
