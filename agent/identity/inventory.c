// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the host has, read from /sys and /proc under the sysroot: vCPUs,
 * memory, network interfaces and block devices (with EBS volume ids). Every
 * piece is optional; what cannot be read stays zero or empty.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity/inventory.h"
#include "core/util.h"

#define INV_EBS_MODEL "Amazon Elastic Block Store"
#define INV_STORE_MODEL "Amazon EC2 NVMe Instance Storage"
#define INV_MAX_CPUS 65536

/* Bounded copy; callers filter names that do not fit before. */
static void inv_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Reads sysroot + the printf-formatted absolute path into buf as one line. */
static ssize_t inv_read_attr(const struct pa_paths *p, char *buf, size_t size,
			     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int inv_path(const struct pa_paths *p, char *buf, size_t size, const char *fmt,
		    va_list ap)
{
	char rel[PATH_MAX];
	int n;

	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -ENAMETOOLONG;
	return paths_sys(p, buf, size, rel);
}

static ssize_t inv_read_attr(const struct pa_paths *p, char *buf, size_t size,
			     const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	ssize_t ret;

	buf[0] = '\0';
	va_start(ap, fmt);
	ret = inv_path(p, path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	ret = util_read_line(path, buf, size);
	if (ret < 0)
		buf[0] = '\0';
	util_make_printable(buf);	/* models, drivers, serials: shown as they are */
	return ret;
}

static int inv_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "0-3,6,8-9" -> 7. Returns the count or -EINVAL. */
static int inv_count_cpu_list(const char *s)
{
	unsigned long lo, hi;
	int count = 0;
	char *end;

	while (*s) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		lo = strtoul(s, &end, 10);
		hi = lo;
		s = end;
		if (*s == '-') {
			s++;
			if (!isdigit((unsigned char)*s))
				return -EINVAL;
			hi = strtoul(s, &end, 10);
			s = end;
		}
		if (hi < lo || hi >= INV_MAX_CPUS || count + (hi - lo + 1) > INV_MAX_CPUS)
			return -EINVAL;
		count += hi - lo + 1;
		if (*s == ',')
			s++;
		else if (*s)
			return -EINVAL;
	}
	return count;
}

static void inv_read_cpus(const struct pa_paths *p, struct inventory *inv)
{
	char line[1024];
	int n;

	if (inv_read_attr(p, line, sizeof(line), "/sys/devices/system/cpu/online") <= 0)
		return;
	n = inv_count_cpu_list(line);
	if (n > 0)
		inv->vcpus = n;
}

static void inv_read_meminfo(const struct pa_paths *p, struct inventory *inv)
{
	char path[PATH_MAX], *data = NULL, *line;
	uint64_t kib;

	if (paths_sys(p, path, sizeof(path), "/proc/meminfo") ||
	    util_read_file(path, 64 * 1024, &data) < 0)
		return;
	line = strstr(data, "MemTotal:");
	if (line && (line == data || line[-1] == '\n')) {
		line += strlen("MemTotal:");
		while (*line == ' ' || *line == '\t')
			line++;
		if (!inv_parse_u64(line, &kib) && kib < UINT64_MAX / 1024)
			inv->mem_bytes = kib * 1024;
	}
	free(data);
}

/* The last component of the symlink sysroot + rel, or -errno. */
static int inv_link_base(const struct pa_paths *p, const char *rel, char *buf, size_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	if (paths_sys_link(p, path, sizeof(path), rel))
		return -ENAMETOOLONG;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	while (n > 1 && target[n - 1] == '/')
		target[--n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!*base || strlen(base) >= size)
		return -EINVAL;
	strcpy(buf, base);
	return 0;
}

/*
 * The module behind the interface's device (it names the driver as users
 * know it: "ena", "ixgbevf"), else the driver's name; "" when the interface
 * has no device (virtual: bridges, veth, tunnels).
 */
static void inv_nic_driver(const struct pa_paths *p, const char *name, char *buf, size_t size)
{
	char rel[PATH_MAX];

	buf[0] = '\0';
	snprintf(rel, sizeof(rel), "/sys/class/net/%s/device/driver/module", name);
	if (!inv_link_base(p, rel, buf, size))
		return;
	snprintf(rel, sizeof(rel), "/sys/class/net/%s/device/driver", name);
	if (inv_link_base(p, rel, buf, size))
		buf[0] = '\0';
}

static void inv_read_nic(const struct pa_paths *p, const char *name, struct inv_nic *nic)
{
	char line[128];
	uint64_t mtu;

	memset(nic, 0, sizeof(*nic));
	inv_copy(nic->name, sizeof(nic->name), name);
	inv_nic_driver(p, name, nic->driver, sizeof(nic->driver));
	/* Longer hardware addresses (InfiniBand) do not fit and stay empty. */
	if (inv_read_attr(p, line, sizeof(line), "/sys/class/net/%s/address", name) > 0 &&
	    strlen(line) < sizeof(nic->mac))
		strcpy(nic->mac, line);
	if (inv_read_attr(p, line, sizeof(line), "/sys/class/net/%s/mtu", name) > 0 &&
	    !inv_parse_u64(line, &mtu) && mtu <= UINT_MAX)
		nic->mtu = mtu;
	if (inv_read_attr(p, line, sizeof(line), "/sys/class/net/%s/operstate", name) > 0 &&
	    strlen(line) < sizeof(nic->operstate))
		strcpy(nic->operstate, line);
}

static int inv_nic_filter(const struct dirent *d)
{
	if (d->d_name[0] == '.' || !strcmp(d->d_name, "lo"))
		return 0;
	return strlen(d->d_name) < IF_NAMESIZE;
}

static int inv_blk_filter(const struct dirent *d)
{
	static const char *const skip[] = { "loop", "ram", "zram" };
	size_t i;

	if (d->d_name[0] == '.')
		return 0;
	for (i = 0; i < ARRAY_SIZE(skip); i++) {
		if (!strncmp(d->d_name, skip[i], strlen(skip[i])))
			return 0;
	}
	return strlen(d->d_name) < sizeof(((struct inv_blockdev *)0)->name);
}

/* Sorted (natural order: nvme2n1 before nvme10n1) entries of a sysfs dir. */
static int inv_scan(const struct pa_paths *p, const char *abs, struct dirent ***list,
		    int (*filter)(const struct dirent *))
{
	char path[PATH_MAX];

	*list = NULL;
	if (paths_sys(p, path, sizeof(path), abs))
		return -ENAMETOOLONG;
	return scandir(path, list, filter, versionsort);
}

static void inv_free_scan(struct dirent **list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static void inv_read_nics(const struct pa_paths *p, struct inventory *inv)
{
	struct dirent **list;
	int i, n;

	n = inv_scan(p, "/sys/class/net", &list, inv_nic_filter);
	if (n < 0)
		return;
	for (i = 0; i < n && inv->n_nics < INV_MAX_NICS; i++)
		inv_read_nic(p, list[i]->d_name, &inv->nics[inv->n_nics++]);
	inv_free_scan(list, n);
}

int inventory_ebs_volume_id(const char *serial, char *buf, size_t size)
{
	const char *hex;
	size_t n, i;

	if (!serial || strncmp(serial, "vol", 3))
		return -EINVAL;
	hex = serial + 3;
	/* NVMe serials drop the dash ("vol0abc..."); accept it if present. */
	if (*hex == '-')
		hex++;
	n = strlen(hex);
	if (n < 8 || n > 17)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)hex[i]) && !(hex[i] >= 'a' && hex[i] <= 'f'))
			return -EINVAL;
	}
	if (!buf || size < n + 5)
		return -EINVAL;
	snprintf(buf, size, "vol-%s", hex);
	return 0;
}

static void inv_classify(struct inv_blockdev *bd)
{
	if (!strcmp(bd->model, INV_EBS_MODEL)) {
		strcpy(bd->kind, "ebs");
		if (inventory_ebs_volume_id(bd->serial, bd->ebs_volume_id,
					    sizeof(bd->ebs_volume_id)))
			bd->ebs_volume_id[0] = '\0';
	} else if (!strcmp(bd->model, INV_STORE_MODEL)) {
		strcpy(bd->kind, "instance-store");
	} else {
		strcpy(bd->kind, "other");
	}
}

void inventory_read_blockdev(const struct pa_paths *p, const char *name,
			     struct inv_blockdev *bd)
{
	char line[128];
	uint64_t sectors;

	memset(bd, 0, sizeof(*bd));
	inv_copy(bd->name, sizeof(bd->name), name);
	/* util_read_line trims, so padded NVMe model strings compare cleanly. */
	if (inv_read_attr(p, line, sizeof(line), "/sys/block/%s/device/model", name) > 0 &&
	    strlen(line) < sizeof(bd->model))
		strcpy(bd->model, line);
	if (inv_read_attr(p, line, sizeof(line), "/sys/block/%s/device/serial", name) > 0 &&
	    strlen(line) < sizeof(bd->serial))
		strcpy(bd->serial, line);
	if (inv_read_attr(p, line, sizeof(line), "/sys/block/%s/size", name) > 0 &&
	    !inv_parse_u64(line, &sectors) && sectors <= UINT64_MAX / 512)
		bd->size_bytes = sectors * 512;
	if (inv_read_attr(p, line, sizeof(line), "/sys/block/%s/queue/rotational", name) > 0)
		bd->rotational = !strcmp(line, "1");
	inv_classify(bd);
}

static void inv_read_blockdevs(const struct pa_paths *p, struct inventory *inv)
{
	struct dirent **list;
	int i, n;

	n = inv_scan(p, "/sys/block", &list, inv_blk_filter);
	if (n < 0)
		return;
	for (i = 0; i < n && inv->n_blockdevs < INV_MAX_BLOCKDEVS; i++)
		inventory_read_blockdev(p, list[i]->d_name, &inv->blockdevs[inv->n_blockdevs++]);
	inv_free_scan(list, n);
}

void inventory_read(const struct pa_paths *paths, struct inventory *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv_read_cpus(paths, inv);
	inv_read_meminfo(paths, inv);
	inv_read_nics(paths, inv);
	inv_read_blockdevs(paths, inv);
}

uint64_t inventory_boot_wall_ms(const struct pa_paths *paths, uint64_t now_ms)
{
	char path[PATH_MAX], line[64];
	double up;

	if (paths_sys(paths, path, sizeof(path), "/proc/uptime") ||
	    util_read_line(path, line, sizeof(line)) < 0 || sscanf(line, "%lf", &up) != 1 ||
	    up < 0 || up * 1000 > now_ms)
		return 0;
	return now_ms - (uint64_t)(up * 1000);
}

int inventory_boot_id(const struct pa_paths *paths, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;

	buf[0] = '\0';
	if (paths_sys(paths, path, sizeof(path), "/proc/sys/kernel/random/boot_id"))
		return -ENAMETOOLONG;
	n = util_read_line(path, buf, size);
	if (n == -ENAMETOOLONG)
		return -EBADMSG;	/* longer than any boot id */
	if (n < 0)
		return (int)n;
	if (!util_is_printable(buf)) {
		buf[0] = '\0';
		return -EBADMSG;
	}
	return n > 0 ? 0 : -ENODATA;
}
