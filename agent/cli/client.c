// SPDX-License-Identifier: GPL-2.0-only
/* The command-line side of the control socket: one request, one reply. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/client.h"
#include "core/jsonutil.h"
#include "daemon/ctlproto.h"
#include "core/util.h"

/*
 * The daemon runs as root (or as this very user, in tests): an answer from
 * anyone else is an impostor's, whatever it says. Returns fd or -ESRCH.
 */
static int check_peer(int fd, const char *path, char *err, size_t errsz)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		snprintf(err, errsz, "cannot check who listens on %s: %s", path, strerror(errno));
	} else if (cred.uid == 0 || cred.uid == geteuid()) {
		return fd;
	} else {
		snprintf(err, errsz, "the process listening on %s runs as uid %u, not root: it is "
			 "not the perfagent daemon, and nothing it says is trusted; check who can "
			 "write to the socket's directory and its parents", path, (unsigned)cred.uid);
	}
	close(fd);
	return -ESRCH;
}

static int connect_daemon(const char *path, char *err, size_t errsz)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval send_timeout = { .tv_sec = CLIENT_TIMEOUT_MS / 1000,
					.tv_usec = CLIENT_TIMEOUT_MS % 1000 * 1000 };
	int fd, ret;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errsz, "socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A wedged daemon's full backlog would block connect and send for ever. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
		return check_peer(fd, path, err, errsz);
	ret = -errno;
	close(fd);
	if (ret == -ENOENT || ret == -ECONNREFUSED)
		snprintf(err, errsz, "the perfagent daemon is not running (nothing answers on %s); "
			 "start it with 'systemctl start perfagent' or 'perfagent daemon'", path);
	else if (ret == -EAGAIN)
		snprintf(err, errsz, "the perfagent daemon did not take the connection on %s within "
			 "%d ms (its control socket's queue is full: the daemon is busy or wedged; "
			 "'systemctl status perfagent' says which)", path, CLIENT_TIMEOUT_MS);
	else if (ret == -EACCES)
		snprintf(err, errsz, "no permission to use %s; run as root or ask for access "
			 "(control_socket_mode)", path);
	else
		snprintf(err, errsz, "cannot connect to %s: %s", path, strerror(-ret));
	return ret;
}

/* Reads until the first newline, within the deadline and CTL_MAX_REPLY. */
static int read_reply(int fd, char **line, char *err, size_t errsz)
{
	uint64_t deadline = util_now_mono_ms() + CLIENT_TIMEOUT_MS;
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = util_now_mono_ms();
		int ready = now >= deadline ? 0 : poll(&pfd, 1, deadline - now);
		ssize_t n;

		/* A signal (status --watch's Ctrl-C) must not turn the wait into a
		 * blocking read with no deadline: poll again until the deadline. */
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0) {
			snprintf(err, errsz, "the daemon did not answer within %d ms",
				 CLIENT_TIMEOUT_MS);
			free(buf);
			return -ETIMEDOUT;
		}
		if (len + 1 >= cap) {
			char *bigger = cap >= CTL_MAX_REPLY ? NULL : realloc(buf, cap * 2);

			if (!bigger) {
				snprintf(err, errsz, "reply larger than %d bytes", CTL_MAX_REPLY);
				free(buf);
				return -EPROTO;
			}
			buf = bigger;
			cap *= 2;
		}
		n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errsz, "the daemon closed the connection without a reply");
			free(buf);
			return -EPROTO;
		}
		len += n;
		if (memchr(buf + len - n, '\n', n))
			break;
	}
	buf[len] = '\0';
	*line = buf;
	return 0;
}

static int parse_reply(const char *line, struct json_object **result, char *err, size_t errsz)
{
	struct json_object *reply = json_tokener_parse(line);
	struct json_object *val;
	int ret = 0;

	/* Every member is type-checked: the other end may be another version. */
	if (!json_object_is_type(json_at(reply, "ok"), json_type_boolean)) {
		snprintf(err, errsz, "the daemon's reply is not a perfagent reply (JSON with "
			 "\"ok\": true or false)");
		ret = -EPROTO;
	} else if (json_at_bool(reply, "ok")) {
		val = json_at(reply, "result");
		*result = val ? json_object_get(val) : json_object_new_object();
	} else {
		snprintf(err, errsz, "%s", json_at_str(reply, "error.message",
						       "the daemon refused the request"));
		const char *code = json_at_str(reply, "error.code", "failed");

		ret = !strcmp(code, "permission_denied") ? -EPERM :
		      !strcmp(code, "invalid_config") ? -EBADMSG : -EINVAL;
	}
	json_object_put(reply);
	return ret;
}

int client_request(const char *socket_path, const char *cmd, struct json_object **result,
		   char *err, size_t errsz)
{
	char req[128], *line = NULL;
	int fd, ret, n;

	*result = NULL;
	fd = connect_daemon(socket_path, err, errsz);
	if (fd < 0)
		return fd;
	n = snprintf(req, sizeof(req), "{\"cmd\":\"%s\"}\n", cmd);
	if (send(fd, req, n, MSG_NOSIGNAL) != n) {
		ret = errno;
		snprintf(err, errsz, "cannot send to the daemon: %s", strerror(ret));
		/* Refused at once (busy): the daemon's reason is still there to read. */
		if (ret != EPIPE && ret != ECONNRESET) {
			ret = -EIO;
			goto out;
		}
	}
	ret = read_reply(fd, &line, err, errsz);
	if (!ret)
		ret = parse_reply(line, result, err, errsz);
out:
	free(line);
	close(fd);
	return ret;
}
