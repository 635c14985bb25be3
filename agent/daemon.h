/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `perfagent daemon`: one event loop (epoll) over a signalfd, the
 * collection timerfd and the control socket.
 */
#ifndef PA_DAEMON_H
#define PA_DAEMON_H

#include <stdbool.h>

#include "paths.h"

struct daemon_opts {
	struct pa_paths paths;
	bool config_must_exist;     /* --config was given */
	const char *type_override;  /* --instance-type, wins over the config */
	const char *log_level;      /* --log-level, wins over the config */
};

/* Runs until SIGTERM or SIGINT. Returns a process exit code (see main.c). */
int daemon_run(const struct daemon_opts *opts);

#endif
