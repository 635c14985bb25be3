// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sysctl backend (one knob per [sysctl] key, a file under /proc/sys) and
 * what every backend shares: the knob list, the kind of a knob id, and
 * reading and writing a knob through its backend or its file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tune/knob.h"
#include "core/util.h"

struct knob *knob_list_add(struct knob_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct knob *v = reallocarray(l->v, cap, sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

void knob_list_free(struct knob_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

const struct knob_backend *knob_backend_of(enum knob_kind kind)
{
	static const struct knob_backend *const all[] = {
		&knob_sysctl_backend, &knob_vm_backend, &knob_block_backend,
		&knob_ethtool_backend,
	};

	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		if (all[i]->kind == kind)
			return all[i];
	}
	return NULL;
}

int knob_kind_of_id(const char *id, enum knob_kind *kind)
{
	static const enum knob_kind kinds[] = { KNOB_SYSCTL, KNOB_VM, KNOB_BLOCK, KNOB_ETHTOOL };

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		const char *name = knob_backend_of(kinds[i])->name;
		size_t len = strlen(name);

		if (!strncmp(id, name, len) && id[len] == ':') {
			*kind = kinds[i];
			return 0;
		}
	}
	return -EINVAL;
}

int knob_read(const struct pa_paths *paths, const struct knob *k, struct knob_value *v)
{
	const struct knob_backend *b = knob_backend_of(k->kind);

	if (b && b->read)
		return b->read(paths, k, v);
	return knob_file_read(paths, k, v);
}

int knob_write(const struct pa_paths *paths, const struct knob *k, const char *data)
{
	const struct knob_backend *b = knob_backend_of(k->kind);

	if (b && b->write)
		return b->write(paths, k, data);
	return knob_file_write(paths, k->path, data);
}

const char *knob_where(const struct knob *k, char *buf, size_t size)
{
	const struct knob_backend *b = knob_backend_of(k->kind);
	const char *where = b && b->where ? b->where(k, buf, size) : NULL;

	return where ? where : k->path;
}

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
