// SPDX-License-Identifier: GPL-2.0-only
/* Trusted directories and files (see trust.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/trust.h"
#include "core/util.h"

/*
 * The user files are accessed as: the effective user unless setfsuid()
 * changed it (setfsuid(-1) changes nothing and returns the current one).
 */
static uid_t fs_uid(void)
{
	return (uid_t)setfsuid((uid_t)-1);
}

static bool owner_ok(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == fs_uid();
}

/* One directory of the path: the last one strictly, parents with the sticky exception. */
static int check_one(const char *dir, bool last, const char *what, const char *whole,
		     char *why, size_t whysz)
{
	const char *wrong = NULL;
	struct stat st;

	if (stat(dir, &st) < 0) {
		int ret = -errno;

		snprintf(why, whysz, "%s %s: cannot check %s: %s", what, whole, dir, strerror(-ret));
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whysz, "%s %s: %s is not a directory; remove it or use another "
			 "directory", what, whole, dir);
		return -ENOTDIR;
	}
	if (!owner_ok(&st))
		wrong = "is owned by another user";
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) && (last || !(st.st_mode & S_ISVTX)))
		wrong = "is writable by others";
	if (!wrong)
		return 0;
	if (last)
		snprintf(why, whysz, "%s %s %s (uid %u, mode %04o): perfagent trusts only a "
			 "directory that root owns and only root can write; fix it (chown root "
			 "and chmod 0755) or use another", what, whole, wrong, (unsigned)st.st_uid,
			 (unsigned)(st.st_mode & 07777));
	else
		snprintf(why, whysz, "%s %s: its parent %s %s (uid %u, mode %04o), so another user "
			 "could replace it; use a directory whose parents only root can write",
			 what, whole, dir, wrong, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	return -EPERM;
}

int trust_dir(const char *dir, const char *what, char *why, size_t whysz)
{
	char real[PATH_MAX], *slash;
	int ret;

	if (!realpath(dir, real)) {
		ret = -errno;
		snprintf(why, whysz, "%s %s: %s", what, dir, strerror(-ret));
		return ret;
	}
	ret = check_one(real, true, what, dir, why, whysz);
	/* Then each parent, up to and including "/". */
	while (!ret && (slash = strrchr(real, '/'))) {
		if (slash == real) {
			if (!real[1])
				break;
			real[1] = '\0';
		} else {
			*slash = '\0';
		}
		ret = check_one(real, false, what, dir, why, whysz);
	}
	return ret;
}

ssize_t trust_read_file(const char *path, size_t max, char **out, char *why, size_t whysz)
{
	char dir[PATH_MAX], *slash;
	struct stat st;
	ssize_t ret;
	int fd;

	*out = NULL;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	ret = trust_dir(slash ? dir : ".", "directory", why, whysz);
	if (ret)
		return ret == -ENOENT ? -ENOENT : -EPERM;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ELOOP) {
			snprintf(why, whysz, "%s is a symbolic link; perfagent reads only its own "
				 "files there: remove it", path);
			return -EPERM;
		}
		snprintf(why, whysz, "cannot read %s: %s", path, strerror((int)-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		snprintf(why, whysz, "cannot read %s: %s", path, strerror((int)-ret));
	} else if (!S_ISREG(st.st_mode) || !owner_ok(&st) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, whysz, "%s %s (uid %u, mode %04o); perfagent reads only regular files "
			 "that root owns and only root can write: remove it", path,
			 !S_ISREG(st.st_mode) ? "is not a regular file" :
			 !owner_ok(&st) ? "is owned by another user" : "is writable by others",
			 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		ret = -EPERM;
	} else {
		ret = util_read_fd(fd, max, out);
		if (ret < 0)
			snprintf(why, whysz, "cannot read %s: %s", path,
				 ret == -EFBIG ? "too large" : strerror((int)-ret));
	}
	close(fd);
	return ret;
}
