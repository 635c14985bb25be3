/* SPDX-License-Identifier: GPL-2.0-only */
/* `perfagent status --watch [SECONDS]`: status refreshed in place, as watch(1) does. */
#ifndef PA_STATUS_WATCH_H
#define PA_STATUS_WATCH_H

#include <stdbool.h>
#include <stdio.h>

#define STATUS_WATCH_DEFAULT_S 2
#define STATUS_WATCH_MAX_S 3600

/*
 * The seconds of a --watch value: NULL is the default; 1 to 3600. 0, or
 * -EINVAL for anything else.
 */
int status_watch_seconds(const char *text, unsigned int *seconds);

/*
 * How much of text fits on rows terminal rows cols wide (a line longer
 * than cols takes more than one): its length in bytes, whole lines only;
 * *cut is the number of lines left out. rows or cols 0 (unknown): all of it.
 */
size_t status_watch_fit(const char *text, size_t len, unsigned int rows, unsigned int cols,
			unsigned int *cut);

/*
 * Every seconds: show() writes one status screen into a buffer, which
 * replaces the terminal's screen (cursor home, clear; on a pipe, screens
 * are separated by a blank line instead) under a header line. A show()
 * that fails (no daemon answers: it restarts) has written why into the
 * buffer: that is the screen, and the next round asks again. On a
 * terminal a screen is cut to its height, the last line saying how many
 * lines were left out (the header stays in view). json: the
 * documents alone, one per line, no header; a failure's words go to
 * stderr. Returns 0 on SIGINT or SIGTERM and when the reader of stdout
 * goes away (EPIPE, SIGPIPE ignored); 1, said on stderr, when a write
 * fails otherwise (a full disk).
 */
int status_watch(unsigned int seconds, bool json, int (*show)(void *arg, FILE *out),
		 void *arg);

#endif
