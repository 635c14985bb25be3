// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sysfs backends: [vm] named knobs (their files are profile.c's,
 * profile_vm_path()) and [block] queue attributes per device.
 *
 * Two [vm] knobs are pairs: vm.dirty_bytes and vm.dirty_background_bytes
 * share their threshold with vm.dirty_ratio and vm.dirty_background_ratio,
 * and the kernel zeroes one file of a pair when the other is written. Their
 * value reads as the bytes when those are in force, else as "ratio:N"; so
 * the original the journal keeps is the one in force, and revert writes
 * "ratio:N" back to the ratio file, which gives the host its ratio again
 * (writing 0 to the bytes file would leave both at 0).
 *
 * A [vm] knob whose choices the kernel lists in another file (clocksource:
 * available_clocksource) is not applicable when the profile's value is not
 * among them: writing it would be refused or ignored (a TSC the kernel found
 * unstable is not offered).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tune/knob.h"
#include "core/util.h"

/* The same model strings inventory.c classifies by; read per device here so
 * that hosts with more block devices than the inventory holds are covered. */
#define KNOB_EBS_MODEL "Amazon Elastic Block Store"
#define KNOB_STORE_MODEL "Amazon EC2 NVMe Instance Storage"

/* A key used as one path component: letters, digits, '_' and '-'. */
static bool key_is_simple(const char *key)
{
	if (!*key)
		return false;
	for (const char *p = key; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	}
	return true;
}

#define RATIO_PREFIX "ratio:"

bool knob_dirty_ratio_path(const char *path, char *buf, size_t size)
{
	static const char *const pairs[][2] = {
		{ "/proc/sys/vm/dirty_bytes", "/proc/sys/vm/dirty_ratio" },
		{ "/proc/sys/vm/dirty_background_bytes", "/proc/sys/vm/dirty_background_ratio" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
		if (!strcmp(path, pairs[i][0]))
			return snprintf(buf, size, "%s", pairs[i][1]) < (int)size;
	}
	return false;
}

static int vm_read(const struct pa_paths *paths, const struct knob *k, struct knob_value *v)
{
	struct knob ratio = *k;
	char text[KNOB_VALUE_MAX];
	int ret;

	ret = knob_file_read(paths, k, v);
	if (ret || strcmp(v->norm, "0") ||
	    !knob_dirty_ratio_path(k->path, ratio.path, sizeof(ratio.path)))
		return ret;
	/* The bytes file says 0: the ratio is in force, and is what to keep. */
	knob_value_free(v);
	ret = knob_file_read(paths, &ratio, v);
	if (ret)
		return ret;
	snprintf(text, sizeof(text), RATIO_PREFIX "%.32s", v->norm);
	free(v->original);
	v->original = strdup(text);
	snprintf(v->norm, sizeof(v->norm), "%s", text);
	return v->original ? 0 : -ENOMEM;
}

static int vm_write(const struct pa_paths *paths, const struct knob *k, const char *data)
{
	char ratio[KNOB_PATH_MAX];

	if (!strncmp(data, RATIO_PREFIX, strlen(RATIO_PREFIX)) &&
	    knob_dirty_ratio_path(k->path, ratio, sizeof(ratio)))
		return knob_file_write(paths, ratio, data + strlen(RATIO_PREFIX));
	return knob_file_write(paths, k->path, data);
}

/*
 * Whether the kernel offers value: one of the words of the file at abs, put
 * in list. An unreadable file says nothing (true): reading the knob tells.
 */
static bool vm_offered(const struct pa_paths *paths, const char *abs, const char *value,
		       char *list, size_t size)
{
	char path[PATH_MAX], words[KNOB_VALUE_MAX], *tok, *save = NULL;

	if (paths_sys(paths, path, sizeof(path), abs) ||
	    util_read_line(path, list, size) < 0)
		return true;
	snprintf(words, sizeof(words), "%s", list);
	for (tok = strtok_r(words, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(tok, value))
			return true;
	}
	return false;
}

static int vm_expand(const struct pa_paths *paths, const struct profile_value *pv,
		     struct knob_list *out)
{
	struct knob *k = knob_new(out, pv, NULL);
	const char *path = profile_vm_path(pv->key);     /* profile.c owns the [vm] keys */
	const char *offered = profile_vm_offered_path(pv->key);
	char list[KNOB_VALUE_MAX];

	if (!k)
		return -ENOMEM;
	if (k->skip[0])
		return 0;
	if (!path || strlen(path) >= sizeof(k->path))
		snprintf(k->skip, sizeof(k->skip), "not applicable: no [vm] knob named '%.64s'",
			 pv->key);
	else if (offered && !vm_offered(paths, offered, pv->value, list, sizeof(list)))
		snprintf(k->skip, sizeof(k->skip), "not applicable: this kernel does not offer "
			 "%.24s (%.32s: %.64s)", pv->value, strrchr(offered, '/') + 1,
			 list[0] ? list : "empty");
	else
		strcpy(k->path, path);
	return 0;
}

/* The first line of /sys/block/DEV/ATTR under the sysroot; false when unread. */
static bool block_attr(const struct pa_paths *paths, const char *dev, const char *attr,
		       char *buf, size_t size)
{
	char rel[PATH_MAX], path[PATH_MAX];

	return !util_join(rel, sizeof(rel), "/sys/block/%s/%s", dev, attr) &&
	       !paths_sys(paths, path, sizeof(path), rel) && util_read_line(path, buf, size) >= 0;
}

/* "ebs", "instance-store" or "other", from the device's NVMe model. */
static const char *block_kind(const struct pa_paths *paths, const char *dev)
{
	char model[128];

	if (!block_attr(paths, dev, "device/model", model, sizeof(model)))
		return "other";
	if (!strcmp(model, KNOB_EBS_MODEL))
		return "ebs";
	if (!strcmp(model, KNOB_STORE_MODEL))
		return "instance-store";
	return "other";
}

/* "yes" when the device reports rotational media (queue/rotational = 1). */
static const char *block_rotational(const struct pa_paths *paths, const char *dev)
{
	char flag[8];

	return block_attr(paths, dev, "queue/rotational", flag, sizeof(flag)) &&
	       !strcmp(flag, "1") ? "yes" : "no";
}

static int block_filter(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/*
 * RAM-backed and loop devices are never tuned under a broad glob such as
 * devices = * or nvme*: only a glob that names them by their prefix
 * (devices = loop*, loop3) reaches them.
 */
static bool block_named(const char *devices, const char *dev)
{
	static const char *const virt[] = { "loop", "ram", "zram" };
	char buf[256], *tok, *save = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(virt); i++) {
		size_t n = strlen(virt[i]);

		if (strncmp(dev, virt[i], n))
			continue;
		if (snprintf(buf, sizeof(buf), "%s", devices) >= (int)sizeof(buf))
			return false;
		for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
			if (!strncmp(tok, virt[i], n) && knob_match_list(tok, dev))
				return true;
		return false;
	}
	return knob_match_list(devices, dev);
}

bool knob_block_without_media(const struct pa_paths *paths, const char *dev)
{
	char size[32];

	return block_attr(paths, dev, "size", size, sizeof(size)) && !strcmp(size, "0");
}

static int block_add(struct knob_list *out, const struct profile_value *pv, const char *dev)
{
	struct knob *k = knob_new(out, pv, dev);

	if (!k)
		return -ENOMEM;
	if (!k->skip[0] && util_join(k->path, sizeof(k->path), "/sys/block/%s/queue/%s", dev,
				     pv->key))
		snprintf(k->skip, sizeof(k->skip), "knob name too long");
	return 0;
}

static int block_expand(const struct pa_paths *paths, const struct profile_value *pv,
			struct knob_list *out)
{
	char what[KNOB_SKIP_MAX];
	struct dirent **list;
	int n, found = 0, ret = 0;

	if (!key_is_simple(pv->key))
		return knob_add_unmatched(out, pv, "not a block queue attribute name");
	n = knob_scan_dir(paths, "/sys/block", &list, block_filter);
	for (int i = 0; i < n && !ret; i++) {
		const char *dev = list[i]->d_name;

		if (!block_named(pv->devices, dev) || knob_block_without_media(paths, dev))
			continue;
		if (pv->dev_kind[0] && strcmp(pv->dev_kind, block_kind(paths, dev)))
			continue;
		if (pv->rotational[0] && strcmp(pv->rotational, block_rotational(paths, dev)))
			continue;
		found++;
		ret = block_add(out, pv, dev);
	}
	knob_free_scan(list, n);
	if (ret || found)
		return ret;
	snprintf(what, sizeof(what), "no block device matches devices = %.64s%s%.24s%s%.3s",
		 pv->devices, pv->dev_kind[0] ? ", kind = " : "", pv->dev_kind,
		 pv->rotational[0] ? ", rotational = " : "", pv->rotational);
	return knob_add_unmatched(out, pv, what);
}

/*
 * io_timeout: the kernel turns any value of 2^31 ms or more into its longest
 * timeout, which it stores as a truncated jiffies count and reads back
 * lower than written, by how much depending on HZ (4294967288 at HZ=250;
 * queue_io_timeout_store() and msecs_to_jiffies()). Below 2^31 it reads back
 * what was written, so a value read at or above 2^31 can only be that
 * longest timeout: it reads as 4294967295, the number that asks for it, and
 * a host whose udev rule set it already is left alone, not rewritten.
 */
#define IO_TIMEOUT_KEY "/io_timeout"
#define IO_TIMEOUT_LONGEST "4294967295"

static int block_read(const struct pa_paths *paths, const struct knob *k, struct knob_value *v)
{
	size_t len = strlen(k->path), klen = strlen(IO_TIMEOUT_KEY);
	char *end;
	int ret;

	ret = knob_file_read(paths, k, v);
	if (ret || len < klen || strcmp(k->path + len - klen, IO_TIMEOUT_KEY) ||
	    strtoull(v->norm, &end, 10) < (1ULL << 31) || *end || v->norm[0] == '-')
		return ret;
	snprintf(v->norm, sizeof(v->norm), IO_TIMEOUT_LONGEST);
	free(v->original);
	v->original = strdup(IO_TIMEOUT_LONGEST);
	return v->original ? 0 : -ENOMEM;
}

const struct knob_backend knob_vm_backend = {
	.kind = KNOB_VM,
	.name = "vm",
	.expand = vm_expand,
	.read = vm_read,
	.write = vm_write,
};

const struct knob_backend knob_block_backend = {
	.kind = KNOB_BLOCK,
	.name = "block",
	.expand = block_expand,
	.read = block_read,
};
