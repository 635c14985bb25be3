// SPDX-License-Identifier: GPL-2.0-only
/* Control socket server: non-blocking, bounded, with per-client deadlines. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/control.h"
#include "core/log.h"
#include "core/trust.h"
#include "core/util.h"

struct ctl_client {
	struct ev_source src;
	struct ctl_server *srv;
	struct ctl_client *next;
	struct ucred peer;
	uint64_t deadline_ms;
	struct ctl_linebuf in;
	char *out;          /* reply not yet written */
	size_t out_len, out_off;
};

struct ctl_server {
	struct ev_source src;
	struct evloop *loop;
	char path[108];
	dev_t sock_dev;			/* the socket file bound at path */
	ino_t sock_ino;
	ctl_handler handler;
	void *ctx;
	struct ctl_client *clients;
	unsigned int n_clients;
};

static void client_close(struct ctl_client *c)
{
	struct ctl_server *srv = c->srv;
	struct ctl_client **pp;

	for (pp = &srv->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	evloop_del(srv->loop, &c->src);
	close(c->src.fd);
	free(c->out);
	free(c);
	srv->n_clients--;
}

static char *answer(struct ctl_client *c, const char *line, size_t len)
{
	const struct ctl_command *cmd;
	struct json_object *result = NULL;
	const char *code;
	/* Room for a reload's every configuration error (systemctl reload logs it). */
	char msg[CTL_MAX_MESSAGE];
	int ret;

	cmd = ctl_request_parse(line, len, &code, msg, sizeof(msg));
	if (!cmd)
		return ctl_reply_error(code, msg);
	if (cmd->mutating && c->peer.uid != 0) {
		snprintf(msg, sizeof(msg), "'%s' changes the daemon and needs root; you are uid %u",
			 cmd->name, (unsigned int)c->peer.uid);
		return ctl_reply_error("permission_denied", msg);
	}
	msg[0] = '\0';
	ret = c->srv->handler(c->srv->ctx, cmd, &result, msg, sizeof(msg));
	if (ret < 0)
		return ctl_reply_error(ret == CTL_INVALID_CONFIG ? "invalid_config" : "failed",
				       msg[0] ? msg : "request failed");
	return ctl_reply_ok(result);
}

/* Writes what is pending. Returns 0 when all is out, -EAGAIN, or -errno. */
static int client_flush(struct ctl_client *c)
{
	while (c->out && c->out_off < c->out_len) {
		ssize_t n = send(c->src.fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -EAGAIN : -errno;
		c->out_off += n;
	}
	free(c->out);
	c->out = NULL;
	return 0;
}

/* Answers complete lines one at a time; a pending reply pauses reading. */
static int client_process(struct ctl_client *c)
{
	char line[CTL_MAX_REQUEST + 1];
	int n, ret;

	while (!c->out && (n = ctl_linebuf_take(&c->in, line)) >= 0) {
		c->out = answer(c, line, n);
		if (!c->out)
			return -ENOMEM;
		c->out_len = strlen(c->out);
		c->out_off = 0;
		c->deadline_ms = util_now_mono_ms() + CTL_CLIENT_TIMEOUT_MS;
		ret = client_flush(c);
		if (ret && ret != -EAGAIN)
			return ret;
	}
	return evloop_mod(c->srv->loop, &c->src, c->out ? EPOLLOUT : EPOLLIN);
}

static int client_read(struct ctl_client *c)
{
	char buf[1024];
	ssize_t n;

	n = recv(c->src.fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	if (ctl_linebuf_append(&c->in, buf, n)) {
		char *reply = ctl_reply_error("bad_request", "request longer than 4096 bytes");

		if (reply)
			send(c->src.fd, reply, strlen(reply), MSG_NOSIGNAL | MSG_DONTWAIT);
		free(reply);
		return -EMSGSIZE;
	}
	return 0;
}

static void client_handle(struct ev_source *src, uint32_t events)
{
	struct ctl_client *c = (struct ctl_client *)src;
	int ret = 0;

	if (events & EPOLLOUT) {
		ret = client_flush(c);
		if (ret == -EAGAIN)
			return;
	}
	if (!ret && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->out)
		ret = client_read(c);
	if (!ret)
		ret = client_process(c);
	if (ret)
		client_close(c);
}

static void refuse_client(int fd)
{
	static const char busy[] = "{\"ok\":false,\"error\":{\"code\":\"busy\","
				   "\"message\":\"too many control clients; try again\"}}\n";

	send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void server_accept(struct ev_source *src, uint32_t events)
{
	struct ctl_server *srv = (struct ctl_server *)src;
	socklen_t len = sizeof(struct ucred);
	struct ctl_client *c;
	struct ucred peer;
	unsigned int limit;
	int fd;

	fd = accept4(srv->src.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("control socket %s: accept failed: %s", srv->path,
				 strerror(errno));
		return;
	}
	/* Without credentials the client is treated as unprivileged. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0)
		peer.uid = (uid_t)-1;
	/* The last CTL_ROOT_RESERVED slots are root's: unprivileged clients
	 * holding connections open cannot lock root out of reload or revert. */
	limit = peer.uid == 0 ? CTL_MAX_CLIENTS : CTL_MAX_CLIENTS - CTL_ROOT_RESERVED;
	if (srv->n_clients >= limit) {
		log_warn("control socket %s: %u clients already connected, refusing one more "
			 "(uid %u)", srv->path, srv->n_clients, (unsigned int)peer.uid);
		refuse_client(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->src = (struct ev_source){ .fd = fd, .handle = client_handle };
	c->srv = srv;
	c->deadline_ms = util_now_mono_ms() + CTL_CLIENT_TIMEOUT_MS;
	c->peer = peer;
	if (evloop_add(srv->loop, &c->src, EPOLLIN) < 0) {
		close(fd);
		free(c);
		return;
	}
	c->next = srv->clients;
	srv->clients = c;
	srv->n_clients++;
}

/* A socket file nobody answers on is left over from a crash: remove it. */
static int claim_path(const struct sockaddr_un *addr, char *err, size_t errsz)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int alive;

	if (fd < 0)
		return -errno;
	alive = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
	close(fd);
	if (alive) {
		snprintf(err, errsz, "another perfagent daemon is already answering on %s; "
			 "stop it first (systemctl stop perfagent)", addr->sun_path);
		return -EADDRINUSE;
	}
	if (unlink(addr->sun_path) < 0 && errno != ENOENT) {
		snprintf(err, errsz, "cannot remove stale socket %s: %s", addr->sun_path,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static void remember_socket_file(struct ctl_server *srv)
{
	struct stat st;

	if (stat(srv->path, &st) == 0) {
		srv->sock_dev = st.st_dev;
		srv->sock_ino = st.st_ino;
	}
}

/*
 * Removes the socket file only while it is still this server's: once it was
 * deleted (a runtime directory wiped under a running daemon), a daemon
 * started since may have bound its own there, which must keep answering.
 */
static void unlink_own_socket(const struct ctl_server *srv)
{
	struct stat st;

	if (stat(srv->path, &st) == 0 && st.st_dev == srv->sock_dev &&
	    st.st_ino == srv->sock_ino)
		unlink(srv->path);
}

static int bind_socket(struct ctl_server *srv, mode_t mode, char *err, size_t errsz)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	mode_t old_umask;
	int fd, ret;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", srv->path);
	ret = claim_path(&addr, err, errsz);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The socket is created with its final mode: no window with looser
	 * permissions, and no chmod() by name that a symlink could redirect. */
	old_umask = umask(~mode & 0777);
	ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? -errno : 0;
	umask(old_umask);
	if (!ret && listen(fd, 64) < 0)
		ret = -errno;
	if (ret) {
		snprintf(err, errsz, "cannot listen on %s: %s", srv->path, strerror(-ret));
		close(fd);
		return ret;
	}
	srv->src = (struct ev_source){ .fd = fd, .handle = server_accept };
	remember_socket_file(srv);
	return 0;
}

struct ctl_server *ctl_server_start(struct evloop *loop, const char *path, mode_t mode,
				    ctl_handler handler, void *ctx, char *err, size_t errsz)
{
	struct ctl_server *srv;
	char dir[PATH_MAX];
	char *slash;

	if (strlen(path) >= sizeof(srv->path)) {
		snprintf(err, errsz, "socket path %s is longer than 107 bytes; use a shorter "
			 "runtime directory", path);
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	strcpy(srv->path, path);
	srv->loop = loop;
	srv->handler = handler;
	srv->ctx = ctx;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (util_mkdir_p(dir, 0755) < 0) {
			snprintf(err, errsz, "cannot create runtime directory %s: %s", dir,
				 strerror(errno));
			goto fail;
		}
		/* Only root (or the daemon's own user) may be able to change the
		 * socket's directory or a parent: anyone else could swap the
		 * socket for their own under the clients, or for a symlink. */
		if (trust_dir(dir, "runtime directory", err, errsz))
			goto fail;
	}
	if (bind_socket(srv, mode, err, errsz))
		goto fail;
	if (evloop_add(loop, &srv->src, EPOLLIN) < 0) {
		snprintf(err, errsz, "epoll: %s", strerror(errno));
		close(srv->src.fd);
		unlink_own_socket(srv);
		goto fail;
	}
	return srv;
fail:
	free(srv);
	return NULL;
}

void ctl_server_stop(struct ctl_server *srv)
{
	if (!srv)
		return;
	while (srv->clients)
		client_close(srv->clients);
	evloop_del(srv->loop, &srv->src);
	close(srv->src.fd);
	unlink_own_socket(srv);
	free(srv);
}

int ctl_server_chmod(struct ctl_server *srv, mode_t mode)
{
	char proc[64];
	struct stat st;
	int fd, ret = 0;

	/* Never through a symlink: only the socket itself changes mode. */
	fd = open(srv->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		ret = -errno;
	else if (fstat(fd, &st) < 0)
		ret = -errno;
	else if (!S_ISSOCK(st.st_mode))
		ret = -ENOTSOCK;
	else if (snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd), chmod(proc, mode) < 0)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	if (ret)
		log_warn("control socket %s: cannot change its mode to %04o: %s", srv->path,
			 (unsigned int)mode, strerror(-ret));
	return ret;
}

int ctl_server_next_timeout(const struct ctl_server *srv, uint64_t now_ms)
{
	int best = -1;

	for (const struct ctl_client *c = srv->clients; c; c = c->next) {
		int left = c->deadline_ms > now_ms ? (int)(c->deadline_ms - now_ms) : 0;

		if (best < 0 || left < best)
			best = left;
	}
	return best;
}

void ctl_server_expire(struct ctl_server *srv, uint64_t now_ms)
{
	struct ctl_client *c = srv->clients, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->deadline_ms <= now_ms) {
			log_debug("control socket: dropping a client (uid %u) that stayed "
				  "idle for %d ms", (unsigned int)c->peer.uid,
				  CTL_CLIENT_TIMEOUT_MS);
			client_close(c);
		}
	}
}

unsigned int ctl_server_clients(const struct ctl_server *srv)
{
	return srv->n_clients;
}
