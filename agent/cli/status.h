/* SPDX-License-Identifier: GPL-2.0-only */
/* `perfagent status`: the daemon's status reply, for a person to read. */
#ifndef PA_STATUS_H
#define PA_STATUS_H

#include <stdio.h>

#include <json-c/json.h>

/* Prints the compact, aligned summary of a status reply (README.md, "JSON output"). */
void status_print(struct json_object *status, FILE *out);

/*
 * The same with lines longer than cols folded at word boundaries, their
 * rows continuing under the text column (text_wrap.h); cols 0: as
 * status_print.
 */
void status_print_folded(struct json_object *status, unsigned int cols, FILE *out);

/*
 * One line per other tuning agent of a "peers" array (tuning.h): whether it
 * runs and why perfagent thinks so, its profile, the knobs both set with
 * both values; then what perfagent does about them, and what could not be
 * read. Nothing for an empty or missing array.
 */
void status_print_peers(struct json_object *peers, FILE *out);

/*
 * The "health" member of a status reply (daemon/health.h): the verdict and
 * the window (PARTIAL when it is), then each line that is not ok with its
 * figures and why, problems first; then one "ok" line naming the rest with
 * their key figure. Nothing for NULL.
 */
void status_print_health(struct json_object *health, FILE *out);

#endif
