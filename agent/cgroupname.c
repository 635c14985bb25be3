// SPDX-License-Identifier: GPL-2.0-only
/* Cgroup v2 ids to paths (cgroupname.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroupname.h"

/* Kernfs' file handle type: the handle is the 64-bit node id. */
#define FILEID_KERNFS 0xfe
#define MOUNTINFO_LINE_MAX 4096
#define MOUNTINFO_LINES_MAX 10000

/*
 * The mount point of the first cgroup2 line of mountinfo: "ID PARENT
 * MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE SUPEROPTIONS".
 */
static int find_cgroup2(const char *mountinfo, char *mount, size_t size)
{
	char line[MOUNTINFO_LINE_MAX], point[256], fstype[32];
	FILE *f = fopen(mountinfo, "re");
	int lines = 0, ret = -ENOENT;

	if (!f)
		return -errno;
	while (ret && lines++ < MOUNTINFO_LINES_MAX && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep, " - %31s", fstype) != 1 || strcmp(fstype, "cgroup2") ||
		    sscanf(line, "%*s %*s %*s %*s %255s", point) != 1)
			continue;
		snprintf(mount, size, "%s", point);
		ret = 0;
	}
	fclose(f);
	return ret;
}

int cgroup_names_open(struct cgroup_names *c, const char *mountinfo)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->mount_fd = -1;
	err = find_cgroup2(mountinfo ? mountinfo : "/proc/self/mountinfo", c->mount,
			   sizeof(c->mount));
	if (!err) {
		c->mount_fd = open(c->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (c->mount_fd < 0)
			err = -errno;
	}
	if (err == -ENOENT && c->mount[0] == '\0')
		snprintf(c->note, sizeof(c->note), "no cgroup v2 hierarchy is mounted (a cgroup "
			 "v1 host): CPU time is told apart by process name only");
	else if (err)
		snprintf(c->note, sizeof(c->note), "cannot open the cgroup v2 mount %s: %s; CPU "
			 "time is told apart by process name only", c->mount, strerror(-err));
	return err;
}

void cgroup_names_close(struct cgroup_names *c)
{
	if (c->mount_fd >= 0)
		close(c->mount_fd);
	c->mount_fd = -1;
}

/* Asks the kernel for the directory of id and reads back its path. */
static void resolve(struct cgroup_names *c, uint64_t id, char *path, size_t size)
{
	union {
		struct file_handle fh;
		char bytes[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS } };
	char link[64], target[PATH_MAX];
	size_t mlen = strlen(c->mount);
	ssize_t len = -1;
	int fd;

	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(c->mount_fd, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		len = readlink(link, target, sizeof(target) - 1);
		close(fd);
	}
	if (len > 0) {
		target[len] = '\0';
		/* Below the mount: strip it; "" is the root. */
		if (!strncmp(target, c->mount, mlen) && (target[mlen] == '/' || !target[mlen])) {
			snprintf(path, size, "%s", target[mlen] ? target + mlen : "/");
			return;
		}
	}
	snprintf(path, size, "cgroup %llu", (unsigned long long)id);
}

const char *cgroup_names_get(struct cgroup_names *c, uint64_t id)
{
	unsigned slot;

	if (c->mount_fd < 0)
		return NULL;
	for (slot = 0; slot < CGROUPNAME_CACHE; slot++)
		if (c->cache[slot].id == id)
			return c->cache[slot].path;
	slot = c->next++ % CGROUPNAME_CACHE;
	c->cache[slot].id = id;
	resolve(c, id, c->cache[slot].path, sizeof(c->cache[slot].path));
	return c->cache[slot].path;
}
