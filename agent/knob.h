/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Knobs: the concrete, file-backed settings a profile value turns into.
 *
 *   id                              file (under the sysroot)
 *   sysctl:net.core.somaxconn       /proc/sys/net/core/somaxconn
 *   vm:transparent_hugepage         /sys/kernel/mm/transparent_hugepage/enabled
 *   block:nvme0n1:read_ahead_kb     /sys/block/nvme0n1/queue/read_ahead_kb
 *   ethtool:eth0:rx_ring            (none yet: planned as a skip)
 *
 * One backend per knob kind expands a profile value into knobs: a sysctl or
 * vm value is one knob, a block value one knob per matching device, an
 * ethtool value one per matching interface. A value that cannot become a
 * usable knob (no device matches, unknown key, ethtool) still yields one knob
 * whose skip says why, so the plan shows every profile value.
 *
 * Values are compared normalised: trailing newline gone, runs of blanks one
 * space, and for sysfs choice files ("always [madvise] never") the word in
 * brackets. Revert writes back the original as read (a sysctl accepts what it
 * printed, tabs included), or the bracketed word for a choice file.
 */
#ifndef PA_KNOB_H
#define PA_KNOB_H

#include <stdbool.h>
#include <stddef.h>

#include "paths.h"
#include "profile.h"

#define KNOB_ID_MAX 192
#define KNOB_PATH_MAX 256       /* host path, without the sysroot */
#define KNOB_VALUE_MAX 512      /* normalised value */
#define KNOB_SKIP_MAX 192
#define KNOB_FILE_MAX 65536     /* largest attribute file read */

struct knob {
	char id[KNOB_ID_MAX];
	enum knob_kind kind;
	char path[KNOB_PATH_MAX];   /* "/proc/sys/...": host path; "" when skip is set */
	char skip[KNOB_SKIP_MAX];   /* "" or why it cannot be applied at all */
};

/* A growing array; never truncates (-ENOMEM instead). */
struct knob_list {
	size_t n, cap;
	struct knob *v;
};

/* Appends a zeroed knob; NULL when out of memory. */
struct knob *knob_list_add(struct knob_list *l);
void knob_list_free(struct knob_list *l);

struct knob_backend {
	enum knob_kind kind;
	const char *name;       /* "sysctl", also the id prefix */
	/* Appends the knobs of pv to out; 0 or -ENOMEM. Never fails on content. */
	int (*expand)(const struct pa_paths *paths, const struct profile_value *pv,
		      struct knob_list *out);
};

extern const struct knob_backend knob_sysctl_backend;   /* knob_sysctl.c */
extern const struct knob_backend knob_vm_backend;       /* knob_sysfs.c */
extern const struct knob_backend knob_block_backend;    /* knob_sysfs.c */
extern const struct knob_backend knob_ethtool_backend;  /* knob_sysfs.c */

/* The backend of a kind, or NULL. */
const struct knob_backend *knob_backend_of(enum knob_kind kind);

/* "sysctl" for "sysctl:net.core.somaxconn"; the kind of a journal entry. */
int knob_kind_of_id(const char *id, enum knob_kind *kind);

/* "net.core.somaxconn" -> "/proc/sys/net/core/somaxconn" (systemd's rules
 * for '/' in a dotted key); -EINVAL for an unsafe key ("..", empty part). */
int knob_sysctl_path(const char *key, char *buf, size_t size);

/* What one read of a knob's file gives. */
struct knob_value {
	char norm[KNOB_VALUE_MAX];  /* normalised, for comparing and showing */
	char *original;             /* what revert writes back (malloc'd, NUL-terminated) */
};

/*
 * Reads sysroot + k->path. Returns 0, -ENOENT when missing on this kernel,
 * -E2BIG when the value is longer than KNOB_VALUE_MAX, or another -errno.
 * The caller frees v with knob_value_free() (also after an error).
 */
int knob_read(const struct pa_paths *paths, const struct knob *k, struct knob_value *v);
void knob_value_free(struct knob_value *v);

/*
 * Writes data in one write(2) to sysroot + path, as attribute files want.
 * Returns 0 or -errno (-EINVAL: the kernel refused the value).
 */
int knob_write(const struct pa_paths *paths, const char *path, const char *data);

/*
 * Normalises raw into out (see above); brackets: pick the [chosen] word.
 * Returns 0 or -E2BIG when the result does not fit.
 */
int knob_normalise(const char *raw, bool brackets, char *out, size_t size);

/* Whether values of this kind are choice files with a [chosen] word. */
bool knob_kind_has_brackets(enum knob_kind kind);

#endif
