/* SPDX-License-Identifier: GPL-2.0-only */
/* The command-line side of the control socket. */
#ifndef PA_CLIENT_H
#define PA_CLIENT_H

#include <stddef.h>

#include <json-c/json.h>

#define CLIENT_TIMEOUT_MS 5000

/*
 * Sends {"cmd": cmd} to the daemon at socket_path and waits for the reply.
 * Returns 0 with *result (the caller puts it), or a negative errno with a
 * sentence in err: -ENOENT/-ECONNREFUSED when no daemon runs, -ESRCH when
 * what listens is not root (not our daemon), -EPERM when the daemon
 * refused, -EBADMSG when it found the configuration invalid (reload),
 * -ETIMEDOUT, -EPROTO for a reply that is not ours.
 */
int client_request(const char *socket_path, const char *cmd, struct json_object **result,
		   char *err, size_t errsz);

#endif
