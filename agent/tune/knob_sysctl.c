// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sysctl backend: one knob per [sysctl] key, a file under /proc/sys.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "tune/knob.h"
#include "core/util.h"

/* Each '/'-separated part is a real name: not empty, ".", ".." or a glob. */
static bool sysctl_rel_is_safe(const char *rel)
{
	const char *p = rel;

	for (;;) {
		size_t len = strcspn(p, "/");

		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		for (size_t i = 0; i < len; i++) {
			if (!isgraph((unsigned char)p[i]) || strchr("*?[]\\", p[i]))
				return false;
		}
		if (!p[len])
			return true;
		p += len + 1;
	}
}

int knob_sysctl_path(const char *key, char *buf, size_t size)
{
	static const char prefix[] = "/proc/sys/";
	size_t len = strlen(key), i;
	/* systemd: when the first separator is '/', '.' is part of a name. */
	bool slashes = key[strcspn(key, "./")] == '/';

	if (len + sizeof(prefix) > size)
		return -ENAMETOOLONG;
	memcpy(buf, prefix, sizeof(prefix) - 1);
	for (i = 0; i < len; i++) {
		char c = key[i];

		if (!slashes && (c == '.' || c == '/'))
			c = c == '.' ? '/' : '.';
		buf[sizeof(prefix) - 1 + i] = c;
	}
	buf[sizeof(prefix) - 1 + len] = '\0';
	return sysctl_rel_is_safe(buf + sizeof(prefix) - 1) ? 0 : -EINVAL;
}

static int sysctl_expand(const struct pa_paths *paths, const struct profile_value *pv,
			 struct knob_list *out)
{
	struct knob *k = knob_list_add(out);
	int ret;

	if (!k)
		return -ENOMEM;
	k->kind = KNOB_SYSCTL;
	if (snprintf(k->id, sizeof(k->id), "sysctl:%s", pv->key) >= (int)sizeof(k->id)) {
		snprintf(k->skip, sizeof(k->skip), "knob name too long");
		return 0;
	}
	ret = knob_sysctl_path(pv->key, k->path, sizeof(k->path));
	if (ret) {
		k->path[0] = '\0';
		snprintf(k->skip, sizeof(k->skip), "not applicable: %s",
			 ret == -EINVAL ? "not a sysctl name" : "knob name too long");
	}
	return 0;
}

const struct knob_backend knob_sysctl_backend = {
	.kind = KNOB_SYSCTL,
	.name = "sysctl",
	.expand = sysctl_expand,
};
