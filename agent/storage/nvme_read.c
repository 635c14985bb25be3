// SPDX-License-Identifier: GPL-2.0-only
/*
 * One statistics page from a device (NVMe admin passthrough) or, on a fake
 * tree, from a regular file: see nvme_read.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/nvme_ioctl.h>

#include "storage/nvme_page.h"
#include "storage/nvme_read.h"
#include "core/util.h"

#define NVME_ADMIN_GET_LOG_PAGE 0x02

/* The fake tree's page file: regular files only, at most size bytes read. */
static int read_file_page(const struct pa_paths *paths, const char *dev, void *buf,
			  size_t size, size_t *len, char *err, size_t errsz)
{
	char rel[PATH_MAX], path[PATH_MAX];
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, ret = 0;

	snprintf(rel, sizeof(rel), "/dev/%s", dev);
	if (paths_sys_link(paths, path, sizeof(path), rel)) {
		snprintf(err, errsz, "path of %s too long", dev);
		return -ENAMETOOLONG;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errsz, "cannot open the test page %s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s is not a regular file: a fake tree holds each page as "
			 "a file", path);
		close(fd);
		return -EBADF;
	}
	while (got < size && (n = read(fd, (char *)buf + got, size - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			snprintf(err, errsz, "cannot read %s: %s", path, strerror(errno));
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return ret;
}

/* The namespace id from sysfs; 1 (EBS's, as AWS's tools use) when unknown. */
static uint32_t namespace_id(const char *dev)
{
	char path[PATH_MAX], line[32], *end;
	unsigned long v;

	snprintf(path, sizeof(path), "/sys/block/%s/nsid", dev);
	if (util_read_line(path, line, sizeof(line)) <= 0)
		return 1;
	errno = 0;
	v = strtoul(line, &end, 10);
	return errno || *end || !v || v > UINT32_MAX ? 1 : (uint32_t)v;
}

/* Opens /dev/dev and checks it is the block device /sys/block/dev/dev names. */
static int open_device(const char *dev, char *err, size_t errsz)
{
	char path[PATH_MAX], sys[PATH_MAX], numbers[32];
	unsigned int maj, min;
	struct stat st;
	int fd, ret;

	snprintf(path, sizeof(path), "/dev/%s", dev);
	snprintf(sys, sizeof(sys), "/sys/block/%s/dev", dev);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			snprintf(err, errsz, "no device node %s (/dev hidden from the daemon, "
				 "e.g. systemd PrivateDevices=yes?)", path);
		else
			snprintf(err, errsz, "cannot open %s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode) ||
	    util_read_line(sys, numbers, sizeof(numbers)) <= 0 ||
	    sscanf(numbers, "%u:%u", &maj, &min) != 2 ||
	    major(st.st_rdev) != maj || minor(st.st_rdev) != min) {
		snprintf(err, errsz, "%s is not the block device %s names: not read", path, sys);
		close(fd);
		return -ENOTBLK;
	}
	return fd;
}

static int ioctl_error(int e, const char *dev, char *err, size_t errsz)
{
	if (e == EACCES || e == EPERM)
		snprintf(err, errsz, "permission denied: the kernel lets only CAP_SYS_ADMIN send "
			 "NVMe admin commands (the packaged unit keeps it)");
	else if (e == ENOTTY || e == EINVAL)
		snprintf(err, errsz, "%s takes no NVMe admin command (not an NVMe namespace, "
			 "or an old driver)", dev);
	else
		snprintf(err, errsz, "NVMe Get Log Page on %s failed: %s", dev, strerror(e));
	return -e;
}

static int read_device_page(const char *dev, void *buf, size_t size, size_t *len, char *err,
			    size_t errsz)
{
	struct nvme_admin_cmd cmd;
	int fd, ret;

	if (size < NVME_STATS_PAGE_SIZE) {
		snprintf(err, errsz, "buffer of %zu bytes for a %d-byte page", size,
			 NVME_STATS_PAGE_SIZE);
		return -EINVAL;
	}
	fd = open_device(dev, err, errsz);
	if (fd < 0)
		return fd;
	memset(buf, 0, NVME_STATS_PAGE_SIZE);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opcode = NVME_ADMIN_GET_LOG_PAGE;
	cmd.nsid = namespace_id(dev);
	cmd.addr = (uint64_t)(uintptr_t)buf;
	cmd.data_len = NVME_STATS_PAGE_SIZE;
	/* NVMe Get Log Page: LID in bits 7:0, NUMDL (dwords, 0-based) in 31:16. */
	cmd.cdw10 = NVME_STATS_LOG_PAGE | ((NVME_STATS_PAGE_SIZE / 4 - 1) << 16);
	cmd.timeout_ms = NVME_CMD_TIMEOUT_MS;
	ret = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);
	if (ret < 0)
		ret = ioctl_error(errno, dev, err, errsz);
	else if (ret > 0) {
		snprintf(err, errsz, "the device refused Get Log Page 0x%02X (NVMe status 0x%x): "
			 "no detailed statistics on this volume, device or firmware",
			 NVME_STATS_LOG_PAGE, ret);
		ret = -EREMOTEIO;
	}
	close(fd);
	*len = ret ? 0 : NVME_STATS_PAGE_SIZE;
	return ret;
}

int nvme_read_page(const struct pa_paths *paths, const char *dev, void *buf, size_t size,
		   size_t *len, char *err, size_t errsz)
{
	*len = 0;
	err[0] = '\0';
	if (!dev[0] || strchr(dev, '/')) {
		snprintf(err, errsz, "bad device name '%s'", dev);
		return -EINVAL;
	}
	if (paths->sysroot[0])
		return read_file_page(paths, dev, buf, size, len, err, errsz);
	return read_device_page(dev, buf, size, len, err, errsz);
}
