/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's control socket: accepts clients on a unix stream socket,
 * frames their requests, checks who may send what (SO_PEERCRED), and hands
 * each request to the daemon's handler. A client that does not finish a
 * request or read its reply in CTL_CLIENT_TIMEOUT_MS is dropped.
 */
#ifndef PA_CONTROL_H
#define PA_CONTROL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "daemon/ctlproto.h"
#include "core/evloop.h"

#define CTL_CLIENT_TIMEOUT_MS 5000
#define CTL_MAX_CLIENTS 64
/* Of CTL_MAX_CLIENTS, the slots only root (SO_PEERCRED uid 0) may take. */
#define CTL_ROOT_RESERVED 8

/*
 * Answers one request: 0 with *result set, or a negative errno with msg
 * explaining: CTL_INVALID_CONFIG is sent as error code "invalid_config"
 * (reload: the configuration does not load), any other as "failed".
 */
#define CTL_INVALID_CONFIG (-EBADMSG)

typedef int (*ctl_handler)(void *ctx, const struct ctl_command *cmd, struct json_object **result,
			   char *msg, size_t msgsize);

struct ctl_server;

/*
 * Binds path (refusing when another daemon answers there), created with
 * mode. Returns NULL with a sentence in err.
 */
struct ctl_server *ctl_server_start(struct evloop *loop, const char *path, mode_t mode,
				    ctl_handler handler, void *ctx, char *err, size_t errsz);
void ctl_server_stop(struct ctl_server *srv);
/* Changes the socket file's mode, never through a symlink. 0 or -errno (logged). */
int ctl_server_chmod(struct ctl_server *srv, mode_t mode);

/* Milliseconds until the next client deadline, or -1 when none. */
int ctl_server_next_timeout(const struct ctl_server *srv, uint64_t now_ms);
/* Drops clients whose deadline has passed. */
void ctl_server_expire(struct ctl_server *srv, uint64_t now_ms);
unsigned int ctl_server_clients(const struct ctl_server *srv);

#endif
