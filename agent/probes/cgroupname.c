// SPDX-License-Identifier: GPL-2.0-only
/* Cgroup v2 ids to paths (cgroupname.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probes/cgroupname.h"

/* Bounds of one search of the tree: levels, and directories visited. */
#define CGROUPNAME_DEPTH_MAX 16
#define CGROUPNAME_WALK_MAX 100000
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

/*
 * Looks for the directory whose inode number is id below dir (relative
 * path rel, depth levels deep at most), depth first; 1 when found, with its
 * path in path. *budget bounds the directories visited in one search.
 */
static int find_id(int dir_fd, const char *rel, uint64_t id, int depth, int *budget,
		   char *path, size_t size)
{
	DIR *d = fdopendir(dir_fd);
	struct dirent *e;
	int found = 0;

	if (!d) {
		close(dir_fd);
		return 0;
	}
	while (!found && (e = readdir(d)) && --*budget > 0) {
		char sub[CGROUPNAME_MAX];
		int fd;

		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name) >= (int)sizeof(sub))
			continue;
		if (e->d_ino == id) {
			snprintf(path, size, "%s", sub);
			found = 1;
		} else if (depth > 1) {
			fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
				    O_NOFOLLOW);
			if (fd >= 0)
				found = find_id(fd, sub, id, depth - 1, budget, path, size);
		}
	}
	closedir(d);
	return found;
}

/*
 * The path of id: a cgroup v2 id is the inode number of its directory.
 * Found by walking the tree rather than with open_by_handle_at(), which
 * needs CAP_DAC_READ_SEARCH, a capability the service does not keep.
 */
static void resolve(struct cgroup_names *c, uint64_t id, char *path, size_t size)
{
	int budget = CGROUPNAME_WALK_MAX;
	struct stat root;
	int fd;

	if (fstat(c->mount_fd, &root) == 0 && root.st_ino == id) {
		snprintf(path, size, "/");
		return;
	}
	fd = openat(c->mount_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !find_id(fd, "", id, CGROUPNAME_DEPTH_MAX, &budget, path, size))
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
