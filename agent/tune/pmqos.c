// SPDX-License-Identifier: GPL-2.0-only
/* PM QoS CPU latency: read the limit in force, hold one, release it (pmqos.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/jsonutil.h"
#include "core/util.h"
#include "tune/pmqos.h"

/* Opens sysroot + PMQOS_DEVICE: a character device, or a test root's regular file. */
static int device_open(const struct pa_paths *paths, int flags)
{
	char path[PATH_MAX];
	int fd, ret;

	ret = paths_sys(paths, path, sizeof(path), PMQOS_DEVICE);
	if (ret)
		return ret;
	/* O_NONBLOCK: a FIFO planted there must not block the open. */
	fd = open(path, flags | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	ret = util_fd_check_kind(fd);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int pmqos_read(const struct pa_paths *paths, int32_t *latency_us)
{
	char *raw = NULL;
	ssize_t len;
	int fd;

	fd = device_open(paths, O_RDONLY);
	if (fd < 0)
		return fd;
	len = util_read_fd(fd, 8, &raw);
	close(fd);
	if (len == sizeof(*latency_us))
		memcpy(latency_us, raw, sizeof(*latency_us));
	free(raw);
	if (len < 0)
		return (int)len;
	return len == sizeof(*latency_us) ? 0 : -EINVAL;
}

/* One write of the binary value, as the device wants it. */
static int write_value(int fd, int32_t latency_us)
{
	ssize_t n;

	do {
		n = write(fd, &latency_us, sizeof(latency_us));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == sizeof(latency_us) ? 0 : -EIO;
}

int pmqos_hold(struct pmqos *q, const struct pa_paths *paths, int32_t latency_us)
{
	int fd, ret;

	if (latency_us < 0 || latency_us > PMQOS_NO_LIMIT)
		return -EINVAL;
	if (pmqos_holds(q, latency_us))
		return 0;
	/* O_TRUNC: nothing to the device; a test root's file holds the value alone. */
	fd = device_open(paths, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return fd;
	ret = write_value(fd, latency_us);
	if (ret) {
		close(fd);
		return ret;
	}
	/* The new request is in: the old one can go (a test root's file
	 * already holds the new value). */
	if (q->held)
		close(q->fd);
	q->fd = fd;
	q->held = true;
	q->latency_us = latency_us;
	q->since_wall_ms = util_now_wall_ms();
	return 0;
}

bool pmqos_holds(const struct pmqos *q, int32_t latency_us)
{
	return q->held && q->latency_us == latency_us;
}

void pmqos_release(struct pmqos *q)
{
	struct stat st;

	if (!q->held)
		return;
	/*
	 * Closing is all the device needs. A test root's regular file cannot
	 * drop a request by itself, so it is told what the kernel would then
	 * report: no limit (this is the only holder a test root has).
	 */
	if (fstat(q->fd, &st) == 0 && S_ISREG(st.st_mode) && ftruncate(q->fd, 0) == 0 &&
	    lseek(q->fd, 0, SEEK_SET) == 0)
		(void)!write_value(q->fd, PMQOS_NO_LIMIT);
	close(q->fd);
	memset(q, 0, sizeof(*q));
}

struct json_object *pmqos_json(const struct pmqos *q, const struct pa_paths *paths)
{
	struct json_object *o = json_object_new_object();
	int32_t now;

	json_object_object_add(o, "held", json_object_new_boolean(q->held));
	json_object_object_add(o, "latency_us", q->held ?
			       json_object_new_int64(q->latency_us) : NULL);
	json_object_object_add(o, "since", q->held ? json_time_or_null(q->since_wall_ms) : NULL);
	json_object_object_add(o, "device", json_object_new_string(PMQOS_DEVICE));
	json_object_object_add(o, "in_force_us", pmqos_read(paths, &now) ? NULL :
			       json_object_new_int64(now));
	return o;
}
