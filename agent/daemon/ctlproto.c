// SPDX-License-Identifier: GPL-2.0-only
/* Control protocol framing and request parsing: pure functions, no I/O. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ctlproto.h"

const struct ctl_command ctl_commands[] = {
	{ "ping", false, "check that the daemon answers" },
	{ "status", false, "identity, probes, collection and sink state" },
	{ "histograms", false, "the probes' latency and size histograms" },
	{ "reload", true, "re-read the configuration (like SIGHUP)" },
	{ "apply", true, "choose, plan and apply the profile now" },
	{ "revert", true, "restore the originals from the journal" },
};
const size_t ctl_n_commands = sizeof(ctl_commands) / sizeof(ctl_commands[0]);

int ctl_linebuf_append(struct ctl_linebuf *lb, const char *data, size_t n)
{
	if (n > CTL_MAX_REQUEST - lb->len)
		return -EMSGSIZE;
	memcpy(lb->buf + lb->len, data, n);
	lb->len += n;
	return 0;
}

int ctl_linebuf_take(struct ctl_linebuf *lb, char *line)
{
	char *nl = memchr(lb->buf, '\n', lb->len);
	size_t n;

	if (!nl)
		return -EAGAIN;
	n = nl - lb->buf;
	memcpy(line, lb->buf, n);
	line[n] = '\0';
	/* Tolerate CRLF from hand-typed requests (socat, nc). */
	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	lb->len -= (nl - lb->buf) + 1;
	memmove(lb->buf, nl + 1, lb->len);
	return n;
}

static const struct ctl_command *find_command(const char *name)
{
	for (size_t i = 0; i < ctl_n_commands; i++) {
		if (strcmp(ctl_commands[i].name, name) == 0)
			return &ctl_commands[i];
	}
	return NULL;
}

/* The name as the reply may echo it: printable ASCII, '?' for any other
 * byte, so that the reply stays valid UTF-8 whatever a client sent. */
static void unknown_command_message(const char *name, char *msg, size_t msgsize)
{
	char shown[65];
	size_t n = 0, off;

	for (; name[n] && n < sizeof(shown) - 1; n++)
		shown[n] = name[n] >= 0x20 && name[n] < 0x7f ? name[n] : '?';
	shown[n] = '\0';
	off = snprintf(msg, msgsize, "unknown command '%s'; known:", shown);

	for (size_t i = 0; i < ctl_n_commands && off < msgsize; i++)
		off += snprintf(msg + off, msgsize - off, " %s", ctl_commands[i].name);
}

const struct ctl_command *ctl_request_parse(const char *line, size_t len, const char **code,
					     char *msg, size_t msgsize)
{
	const struct ctl_command *cmd = NULL;
	struct json_tokener *tok;
	struct json_object *req = NULL, *name;

	*code = "bad_request";
	if (memchr(line, '\0', len)) {
		snprintf(msg, msgsize, "request contains a NUL byte");
		return NULL;
	}
	tok = json_tokener_new_ex(8);
	if (!tok) {
		snprintf(msg, msgsize, "out of memory");
		return NULL;
	}
	req = json_tokener_parse_ex(tok, line, len);
	if (!req || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		snprintf(msg, msgsize, "request is not one JSON object");
		goto out;
	}
	if (!json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "cmd", &name) ||
	    !json_object_is_type(name, json_type_string)) {
		snprintf(msg, msgsize, "request must be an object with a string \"cmd\"");
		goto out;
	}
	/* "apply\u0000" is not "apply": a NUL inside the string is refused. */
	if (strlen(json_object_get_string(name)) != (size_t)json_object_get_string_len(name)) {
		snprintf(msg, msgsize, "\"cmd\" contains a NUL character");
		goto out;
	}
	cmd = find_command(json_object_get_string(name));
	if (!cmd) {
		*code = "unknown_command";
		unknown_command_message(json_object_get_string(name), msg, msgsize);
	}
out:
	json_object_put(req);
	json_tokener_free(tok);
	return cmd;
}

static char *reply_line(struct json_object *reply)
{
	const char *s = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = strlen(s);
	char *line = malloc(n + 2);

	if (line) {
		memcpy(line, s, n);
		line[n] = '\n';
		line[n + 1] = '\0';
	}
	json_object_put(reply);
	return line;
}

char *ctl_reply_ok(struct json_object *result)
{
	struct json_object *reply = json_object_new_object();

	json_object_object_add(reply, "ok", json_object_new_boolean(1));
	json_object_object_add(reply, "result", result);
	return reply_line(reply);
}

char *ctl_reply_error(const char *code, const char *message)
{
	struct json_object *reply = json_object_new_object();
	struct json_object *err = json_object_new_object();

	json_object_object_add(err, "code", json_object_new_string(code));
	json_object_object_add(err, "message", json_object_new_string(message));
	json_object_object_add(reply, "ok", json_object_new_boolean(0));
	json_object_object_add(reply, "error", err);
	return reply_line(reply);
}
