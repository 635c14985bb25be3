/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Knobs: the concrete settings a profile value turns into.
 *
 *   id                              where (paths under the sysroot)
 *   sysctl:net.core.somaxconn       /proc/sys/net/core/somaxconn
 *   vm:transparent_hugepage         /sys/kernel/mm/transparent_hugepage/enabled
 *   block:nvme0n1:read_ahead_kb     /sys/block/nvme0n1/queue/read_ahead_kb
 *   ethtool:eth0:rps:rx-0           /sys/class/net/eth0/queues/rx-0/rps_cpus
 *   ethtool:eth0:rx_ring            the driver, through ethtool (path
 *                                   /sys/class/net/eth0 names the device)
 *   pmqos:cpu_dma_latency           /dev/cpu_dma_latency, held open (pmqos.h)
 *   irqbalance:banned_cpus          /run/systemd/system/irqbalance.service.d/
 *                                   50-perfagent.conf, a drop-in (irqbalance.h)
 *
 * One backend per knob kind expands a profile value into knobs: a sysctl or
 * vm value is one knob, a block value one knob per matching device, an
 * ethtool value one per matching interface (rps: one per receive queue). A
 * value that cannot become a usable knob (no device matches, unknown key)
 * still yields one knob whose skip says why, so the plan shows every profile
 * value.
 *
 * Most knobs are files, read and written by knob_file_read() and
 * knob_file_write(). A backend whose settings live elsewhere (ethtool: the
 * driver's ring, coalescing and channel settings) provides read and write
 * itself; knob_read() and knob_write() pick the backend's or the file's.
 *
 * A derived knob's value depends on the rest of the plan: irqbalance
 * banned_cpus = rps bans the CPUs the plan's RPS knobs spread receive work
 * to. Its backend's derive fills it in once every profile value is
 * expanded, from the knobs the plan applies.
 *
 * A held knob (PM QoS) is in force only while a process keeps its device
 * open: the kernel drops the request when the holder closes it or exits.
 * Its backend reads the value in force; the engine holds it through the
 * tune_ctx's holder instead of writing a file, never journals it (there is
 * nothing to write back), and its revert is the release (tune.h).
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

#include "core/paths.h"
#include "tune/profile.h"

#define KNOB_ID_MAX 192
#define KNOB_PATH_MAX 256       /* host path, without the sysroot */
#define KNOB_VALUE_MAX 512      /* normalised value */
#define KNOB_SKIP_MAX 192
#define KNOB_FILE_MAX 65536     /* largest attribute file read */
#define KNOB_WANT_MAX 256       /* PROFILE_VALUE_MAX */

struct knob {
	char id[KNOB_ID_MAX];
	enum knob_kind kind;
	char path[KNOB_PATH_MAX];   /* "/proc/sys/...": host path; "" when skip is set;
				     * ethtool settings: /sys/class/net/IF, the device */
	char skip[KNOB_SKIP_MAX];   /* "" or why it cannot be applied at all */
	/* Set by backends that resolve the profile's value against the device
	 * (ethtool: "max", clamping): the value to use instead, and why. */
	char want[KNOB_WANT_MAX];
	char note[KNOB_SKIP_MAX];
};

/* A growing array; never truncates (-ENOMEM instead). */
struct knob_list {
	size_t n, cap;
	struct knob *v;
};

/* Appends a zeroed knob; NULL when out of memory. */
struct knob *knob_list_add(struct knob_list *l);
void knob_list_free(struct knob_list *l);

struct knob_value;

struct knob_backend {
	enum knob_kind kind;
	const char *name;       /* "sysctl", also the id prefix */
	/* Appends the knobs of pv to out; 0 or -ENOMEM. Never fails on content. */
	int (*expand)(const struct pa_paths *paths, const struct profile_value *pv,
		      struct knob_list *out);
	/* Optional: as knob_read() and knob_write(); NULL for file knobs. */
	int (*read)(const struct pa_paths *paths, const struct knob *k, struct knob_value *v);
	int (*write)(const struct pa_paths *paths, const struct knob *k, const char *data);
	/* Optional: what messages call a knob that is not a file; NULL if it is one. */
	const char *(*where)(const struct knob *k, char *buf, size_t size);
	/* In force only while held open (see above); write is then unused. */
	bool held;
	/* Optional: completes a derived knob (see above): sets want and note, or
	 * skip. planned are the n knobs the plan applies (not excluded, not
	 * skipped), the derived ones included. */
	void (*derive)(const struct pa_paths *paths, struct knob *k,
		       const struct knob *const *planned, size_t n);
	/* Optional: what a journaled original reads as, for comparing it with
	 * what read() gives (knob_normalise_original()); NULL: knob_normalise(). */
	int (*normalise)(const char *raw, char *out, size_t size);
};

extern const struct knob_backend knob_sysctl_backend;   /* knob_sysctl.c */
extern const struct knob_backend knob_vm_backend;       /* knob_sysfs.c */
extern const struct knob_backend knob_block_backend;    /* knob_sysfs.c */
extern const struct knob_backend knob_ethtool_backend;  /* knob_ethtool.c */
extern const struct knob_backend knob_pmqos_backend;    /* knob_pmqos.c */
extern const struct knob_backend knob_irqbalance_backend; /* knob_irqbalance.c */

/* The backend of a kind, or NULL. */
const struct knob_backend *knob_backend_of(enum knob_kind kind);

/* Whether knobs of this kind are held rather than written (see above). */
bool knob_kind_is_held(enum knob_kind kind);

/* "sysctl" for "sysctl:net.core.somaxconn"; the kind of a journal entry. */
int knob_kind_of_id(const char *id, enum knob_kind *kind);
/*
 * A disk of size 0 has no media: an unattached loop device, an empty drive.
 * Nothing to tune (attaching resets its queue settings, and its uevent gets
 * them planned then); hot-plug treats its media going away as the disk going.
 * No size file (a fake tree): media.
 */
bool knob_block_without_media(const struct pa_paths *paths, const char *dev);

/* The device of a "KIND:DEV:key" id of kind ("ethtool", "block") into buf; false if none. */
bool knob_id_device(const char *id, const char *kind, char *buf, size_t size);

/* "net.core.somaxconn" -> "/proc/sys/net/core/somaxconn" (systemd's rules
 * for '/' in a dotted key); -EINVAL for an unsafe key ("..", empty part). */
int knob_sysctl_path(const char *key, char *buf, size_t size);

/* What one read of a knob's file gives. */
struct knob_value {
	char norm[KNOB_VALUE_MAX];  /* normalised, for comparing and showing */
	char *original;             /* what revert writes back (malloc'd, NUL-terminated) */
};

/*
 * Reads a knob: its backend's read, else sysroot + k->path. Returns 0,
 * -ENOENT when missing on this kernel, -ENODEV when its interface is gone,
 * -EOPNOTSUPP when the driver does not support it, -E2BIG when the value is
 * longer than KNOB_VALUE_MAX, -EILSEQ when the file holds a NUL or a control
 * byte other than tab and line feed (no original the journal can keep), or
 * another -errno. The caller frees v with
 * knob_value_free() (also after an error).
 */
int knob_read(const struct pa_paths *paths, const struct knob *k, struct knob_value *v);
void knob_value_free(struct knob_value *v);

/*
 * Writes data (a value, maybe with a trailing newline) to a knob: its
 * backend's write, else knob_file_write() to k->path. Returns 0 or -errno
 * (-EINVAL: the kernel refused the value; -EOPNOTSUPP: the driver cannot).
 */
int knob_write(const struct pa_paths *paths, const struct knob *k, const char *data);

/* The file knob operations: sysroot + path, one write(2) as attribute files want. */
int knob_file_read(const struct pa_paths *paths, const struct knob *k, struct knob_value *v);
int knob_file_write(const struct pa_paths *paths, const char *path, const char *data);

/* What messages name as the knob: its file, or what its backend says. */
const char *knob_where(const struct knob *k, char *buf, size_t size);

/*
 * Normalises raw into out (see above); brackets: pick the [chosen] word.
 * Returns 0 or -E2BIG when the result does not fit.
 */
int knob_normalise(const char *raw, bool brackets, char *out, size_t size);

/* Whether values of this kind are choice files with a [chosen] word. */
bool knob_kind_has_brackets(enum knob_kind kind);

/*
 * A journaled original of a knob of kind, normalised as read() would show
 * the same value: the backend's normalise, else knob_normalise(). 0 or -errno.
 */
int knob_normalise_original(enum knob_kind kind, const char *raw, char *out, size_t size);

/* ---- shared by the backends that expand per device ---- */

/* A knob "kind:key", or "kind:dev:key" for a per-device one; NULL: no memory. */
struct knob *knob_new(struct knob_list *out, const struct profile_value *pv, const char *dev);
/* One knob with a skip "not applicable: what" when a group matches nothing. */
int knob_add_unmatched(struct knob_list *out, const struct profile_value *pv,
		       const char *what);
/* Whether name matches one of the comma-separated globs in list. */
bool knob_match_list(const char *list, const char *name);

/*
 * The ratio file that shares a writeback threshold with a [vm] dirty bytes
 * knob's path ("/proc/sys/vm/dirty_bytes" -> "/proc/sys/vm/dirty_ratio");
 * false for any other path (knob_sysfs.c).
 */
bool knob_dirty_ratio_path(const char *path, char *buf, size_t size);

/* Whether k is an RPS knob (ethtool:IF:rps:rx-N); its interface into ifname (knob_ethtool.c). */
bool knob_is_rps(const struct knob *k, char *ifname, size_t size);

/* The receive queues (rx-N) ifname has in sysfs under the sysroot; 0 when none. */
unsigned int knob_rx_queues(const struct pa_paths *paths, const char *ifname);

/* Whether ifname is one of an [ethtool] value's interfaces (its globs and drivers). */
bool knob_ethtool_covers(const struct pa_paths *paths, const struct profile_value *pv,
			 const char *ifname);

/*
 * The most entries per receive ring that the rx_ring_budget of pv (an
 * [ethtool] rx_ring, composed) allows: every receive queue of the interfaces
 * pv covers holding one page (*page bytes) per entry, a power of two, at
 * least 64. 0 when pv has no budget or its interfaces no queues. How the
 * planner cuts rx_ring, and the bound of an adaptive ring rule.
 */
uint32_t knob_ring_budget_entries(const struct pa_paths *paths, const struct profile_value *pv,
				  unsigned int *queues, long *page);

struct dirent;
/* Sorted entries of sysroot + abs (nvme2n1 before nvme10n1); 0 when none. */
int knob_scan_dir(const struct pa_paths *paths, const char *abs, struct dirent ***list,
		  int (*filter)(const struct dirent *));
void knob_free_scan(struct dirent **list, int n);

#endif
