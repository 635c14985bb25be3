// SPDX-License-Identifier: GPL-2.0-only
/* Running a program and waiting for it (spawn.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/spawn.h"
#include "core/util.h"

/* "systemctl daemon-reload": the program's base name and its arguments. */
static void command_text(const char *const argv[], char *buf, size_t size)
{
	const char *base = strrchr(argv[0], '/');
	size_t off = (size_t)snprintf(buf, size, "%s", base ? base + 1 : argv[0]);

	for (size_t i = 1; argv[i] && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, " %s", argv[i]);
}

static int start(const char *const argv[], int out, pid_t *pid)
{
	static char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int ret;

	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	ret = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!ret)
		ret = posix_spawn_file_actions_adddup2(&fa, out, 1);
	if (!ret)
		ret = posix_spawn_file_actions_adddup2(&fa, out, 2);
	if (!ret)
		ret = posix_spawnattr_setsigmask(&attr, &none);
	if (!ret)
		ret = posix_spawnattr_setsigdefault(&attr, &dfl);
	if (!ret)
		ret = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (!ret)
		ret = posix_spawn(pid, argv[0], &fa, &attr, (char *const *)argv, env);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return -ret;
}

/* Reads the child's output until it closes it or the deadline; keeps the start. */
static bool collect(int fd, uint64_t deadline, char *buf, size_t size)
{
	size_t len = 0;

	for (;;) {
		uint64_t now = util_now_mono_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char chunk[512];
		ssize_t n;

		if (now >= deadline)
			break;
		if (poll(&p, 1, (int)(deadline - now)) < 0 && errno != EINTR)
			break;
		if (!p.revents)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			buf[len] = '\0';
			return true;
		}
		if (len + 1 < size) {
			size_t take = (size_t)n < size - 1 - len ? (size_t)n : size - 1 - len;

			memcpy(buf + len, chunk, take);
			len += take;
		}
	}
	buf[len] = '\0';
	return false;
}

/* Waits for pid until the deadline, then kills it; its status, or -ETIMEDOUT. */
static int reap(pid_t pid, uint64_t deadline, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (util_now_mono_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
}

int spawn_wait(const char *const argv[], unsigned int timeout_ms, char *err, size_t errsz)
{
	uint64_t deadline = util_now_mono_ms() + (timeout_ms ? timeout_ms : SPAWN_TIMEOUT_MS);
	char cmd[160], out[256];
	int fds[2], status = 0, ret;
	pid_t pid;

	command_text(argv, cmd, sizeof(cmd));
	if (pipe2(fds, O_CLOEXEC) < 0) {
		ret = -errno;
		util_err(err, errsz, "cannot run %s: %s", cmd, strerror(-ret));
		return ret;
	}
	ret = start(argv, fds[1], &pid);
	close(fds[1]);
	if (ret) {
		close(fds[0]);
		util_err(err, errsz, "cannot run %s: %s", cmd, strerror(-ret));
		return ret;
	}
	collect(fds[0], deadline, out, sizeof(out));
	close(fds[0]);
	ret = reap(pid, deadline, &status);
	out[strcspn(out, "\n")] = '\0';
	if (ret == -ETIMEDOUT) {
		util_err(err, errsz, "%s did not finish within %u ms and was killed", cmd,
			 timeout_ms ? timeout_ms : SPAWN_TIMEOUT_MS);
		return ret;
	}
	if (ret) {
		util_err(err, errsz, "cannot wait for %s: %s", cmd, strerror(-ret));
		return ret;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	/* posix_spawn reports a missing program as the child's exit status 127. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && access(argv[0], X_OK) < 0) {
		util_err(err, errsz, "cannot run %s: %s", cmd, strerror(ENOENT));
		return -ENOENT;
	}
	if (WIFEXITED(status))
		util_err(err, errsz, "%s exited with status %d%s%s", cmd, WEXITSTATUS(status),
			 out[0] ? ": " : "", out);
	else
		util_err(err, errsz, "%s was killed by signal %d", cmd, WTERMSIG(status));
	return -EIO;
}
