// SPDX-License-Identifier: GPL-2.0-only
/*
 * The knob core above the backends: the table of backends, the kind of a
 * knob id, and reading, writing and naming a knob through its backend or,
 * for file knobs, through knob_util.c.
 */
#include <errno.h>
#include <string.h>

#include "core/util.h"
#include "tune/knob.h"

const struct knob_backend *knob_backend_of(enum knob_kind kind)
{
	static const struct knob_backend *const all[] = {
		&knob_sysctl_backend, &knob_vm_backend, &knob_block_backend,
		&knob_ethtool_backend, &knob_pmqos_backend, &knob_irqbalance_backend,
	};

	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		if (all[i]->kind == kind)
			return all[i];
	}
	return NULL;
}

int knob_kind_of_id(const char *id, enum knob_kind *kind)
{
	static const enum knob_kind kinds[] = {
		KNOB_SYSCTL, KNOB_VM, KNOB_BLOCK, KNOB_ETHTOOL, KNOB_PMQOS, KNOB_IRQBALANCE,
	};

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

bool knob_kind_is_held(enum knob_kind kind)
{
	const struct knob_backend *b = knob_backend_of(kind);

	return b && b->held;
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

int knob_normalise_original(enum knob_kind kind, const char *raw, char *out, size_t size)
{
	const struct knob_backend *b = knob_backend_of(kind);

	if (b && b->normalise)
		return b->normalise(raw, out, size);
	return knob_normalise(raw, knob_kind_has_brackets(kind), out, size);
}

const char *knob_where(const struct knob *k, char *buf, size_t size)
{
	const struct knob_backend *b = knob_backend_of(k->kind);
	const char *where = b && b->where ? b->where(k, buf, size) : NULL;

	return where ? where : k->path;
}
