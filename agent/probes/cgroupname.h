/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Cgroup v2 ids (what bpf_get_current_cgroup_id() returns) to paths in the
 * cgroup v2 tree ("/system.slice/nginx.service"): the id is the inode
 * number of the cgroup's directory on the cgroup2 mount, found by walking
 * it. Answers are cached, so a cgroup costs one walk at most.
 */
#ifndef PA_CGROUPNAME_H
#define PA_CGROUPNAME_H

#include <stdint.h>

#define CGROUPNAME_CACHE 1024
#define CGROUPNAME_MAX 192

struct cgroup_names {
	int mount_fd;				/* the cgroup2 mount; -1: none */
	char mount[256];			/* its path ("/sys/fs/cgroup") */
	struct {
		uint64_t id;			/* 0: empty */
		char path[CGROUPNAME_MAX];
	} cache[CGROUPNAME_CACHE];
	unsigned next;				/* the cache slot replaced next */
	char note[384];				/* why there are no names */
};

/*
 * Finds the cgroup2 mount in mountinfo (a path; NULL for
 * /proc/self/mountinfo). 0, or -ENOENT with c->note saying why names
 * cannot be had (a cgroup v1 only host).
 */
int cgroup_names_open(struct cgroup_names *c, const char *mountinfo);
void cgroup_names_close(struct cgroup_names *c);

/*
 * The path of cgroup id below the mount, "/" for the root; "cgroup <id>"
 * for a cgroup not found (removed since).
 * NULL when there is no cgroup2 mount.
 */
const char *cgroup_names_get(struct cgroup_names *c, uint64_t id);

#endif
