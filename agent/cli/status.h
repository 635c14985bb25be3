/* SPDX-License-Identifier: GPL-2.0-only */
/* `perfagent status`: the daemon's status reply, for a person to read. */
#ifndef PA_STATUS_H
#define PA_STATUS_H

#include <stdio.h>

#include <json-c/json.h>

/* Prints the compact, aligned summary of a status reply (README.md, "JSON output"). */
void status_print(struct json_object *status, FILE *out);

#endif
