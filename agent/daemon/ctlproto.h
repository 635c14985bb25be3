/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control protocol: one JSON object per line each way (README.md, "Control protocol").
 *   request:  {"cmd":"status"}
 *   reply:    {"ok":true,"result":{...}}
 *             {"ok":false,"error":{"code":"permission_denied","message":"..."}}
 */
#ifndef PA_CTLPROTO_H
#define PA_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/* A request line, newline included, may not be longer than this. */
#define CTL_MAX_REQUEST 4096
/* Replies are bounded too, so a client can size its buffer. */
#define CTL_MAX_REPLY (1024 * 1024)
#define CTL_MAX_MESSAGE 4096            /* an error reply's message */

struct ctl_command {
	const char *name;
	bool mutating;      /* only root may send it */
	const char *help;
};

/* Every command the daemon answers. */
extern const struct ctl_command ctl_commands[];
extern const size_t ctl_n_commands;

/* Accumulates bytes from a stream until a whole line is there. */
struct ctl_linebuf {
	char buf[CTL_MAX_REQUEST + 1];
	size_t len;
};

/*
 * Appends n bytes. Returns 0, or -EMSGSIZE when a line would exceed
 * CTL_MAX_REQUEST (the buffer is then unusable: drop the client).
 */
int ctl_linebuf_append(struct ctl_linebuf *lb, const char *data, size_t n);

/*
 * Moves the first complete line (without its newline) into line, which must
 * hold CTL_MAX_REQUEST + 1 bytes. Returns its length, or -EAGAIN when no
 * line is complete yet.
 */
int ctl_linebuf_take(struct ctl_linebuf *lb, char *line);

/*
 * Parses a request line. Returns the command, or NULL with code and message
 * set ("bad_request" or "unknown_command").
 */
const struct ctl_command *ctl_request_parse(const char *line, size_t len, const char **code,
					     char *msg, size_t msgsize);

/* Reply lines, newline included; the caller frees. result is consumed. */
char *ctl_reply_ok(struct json_object *result);
char *ctl_reply_error(const char *code, const char *message);

#endif
