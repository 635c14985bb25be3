/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tuning profiles (tuning-profiles/NAME.conf): a [profile] section with
 * summary=, include= and kind=, then one section per knob kind. A loaded
 * profile is flattened: every value of its include chain, a child's value
 * replacing its parent's for the same knob, each value remembering where it
 * came from. A host's tuning composes layers (profile_compose.h): one class
 * profile, then overlays (kind = overlay), which include only overlays.
 *
 *   [profile]
 *   summary = Compute optimized
 *   include = general
 *   kind = class                        or overlay; class when not said
 *
 *   [sysctl]
 *   # why, and the source of the value
 *   net.core.somaxconn = >4096          ">" only raise, "<" only lower
 *   vm.min_free_kbytes = 1%mem max 1G in KiB   relative to the machine (formula.h)
 *
 *   [vm]
 *   transparent_hugepage = madvise
 *
 *   [block]                             more groups: [block.NAME]
 *   devices = nvme*                     comma-separated globs (required)
 *   kind = instance-store               optional: ebs, instance-store, other
 *   rotational = yes                    optional: yes, no (queue/rotational)
 *   read_ahead_kb = 128
 *
 *   [ethtool]                           more groups: [ethtool.NAME]
 *   drivers = ena                       default ena
 *   interfaces = eth*,ens*              default *
 *   rx_ring = max
 *   rx_ring_budget = 1%mem max 4G       bytes all receive rings may pin
 *
 *   [pmqos]                             held by the daemon while it runs
 *   cpu_dma_latency = state1            us, or the exit latency of cpuidle state N
 *
 *   [irqbalance]                        a drop-in for irqbalance.service
 *   banned_cpus = rps                   rps (the CPUs the plan's RPS knobs spread
 *                                       to), none, or a CPU list such as 2-7,12
 */
#ifndef PA_PROFILE_H
#define PA_PROFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/lineparse.h"
#include "tune/adapt_rule.h"

struct json_object;

#define PROFILE_NAME_MAX 64
#define PROFILE_MAX_DEPTH 8     /* include chain length */
#define PROFILE_VALUE_MAX 256
#define PROFILE_MAX_LAYERS 8    /* class profile + overlays */
#define PROFILE_MAX_OVERRIDDEN 4

enum knob_kind {
	KNOB_SYSCTL,    /* /proc/sys/<key with '.' as '/'> */
	KNOB_VM,        /* named sysfs knobs: transparent_hugepage, ... */
	KNOB_BLOCK,     /* /sys/block/<dev>/queue/<key> */
	KNOB_ETHTOOL,   /* NIC settings through the ethtool ioctl, and RPS masks */
	KNOB_PMQOS,     /* a CPU latency held on /dev/cpu_dma_latency (pmqos.h) */
	KNOB_IRQBALANCE, /* irqbalance's banned CPUs, a systemd drop-in (irqbalance.h) */
};

enum value_op {
	VALUE_EXACT,    /* "value" */
	VALUE_RAISE,    /* ">value": only when the current value is lower */
	VALUE_LOWER,    /* "<value": only when the current value is higher */
};
/*
 * ">" and "<" take numbers only. With several numbers ("4096 131072 16777216")
 * they compare field by field: each field is raised (lowered) on its own.
 */

/* A value of an earlier layer that a later one replaced (or kept: merge). */
struct profile_overridden {
	char layer[PROFILE_NAME_MAX];
	enum value_op op;
	char value[PROFILE_VALUE_MAX];
	char origin[256];                   /* "compute.conf:12" */
};

struct profile_value {
	enum knob_kind kind;
	char section[64];                   /* "sysctl", "block", "block.nvme" */
	char key[128];                      /* "net.core.somaxconn", "read_ahead_kb" */
	enum value_op op;
	char value[PROFILE_VALUE_MAX];      /* without the op prefix and quotes */
	/* block and ethtool groups: the section's selectors */
	char devices[128];                  /* block: globs; ethtool: interface globs */
	char dev_kind[24];                  /* block: "ebs", "instance-store", "other", "" any */
	char drivers[64];                   /* ethtool: driver names */
	char rotational[4];                 /* block: "yes", "no", "" any */
	/* ethtool rx_ring: the section's rx_ring_budget in bytes, once composed
	 * for a machine (0: none); the backend cuts the ring to fit it. */
	uint64_t ring_budget;
	/* where the value came from */
	char profile[PROFILE_NAME_MAX];     /* the profile file that set it */
	char origin[PATH_MAX + 16];         /* "path/compute.conf:12" */
	char comment[LP_MAX_COMMENT];       /* the comment lines just above it, joined */
	/* Relative to the machine: the formula as written; value holds the
	 * resolved number once composed (profile_compose), "" otherwise. */
	char formula[PROFILE_VALUE_MAX];
	char resolved[256];                 /* how it resolved, or why it could not */
	bool unresolved;                    /* needs a fact unknown here: not applied */
	/* Composed: the layer whose chain set it, and what it replaced. */
	char layer[PROFILE_NAME_MAX];
	char merge[256];                    /* how the layers combined, "" when it simply won */
	int n_overridden;                   /* may exceed PROFILE_MAX_OVERRIDDEN */
	struct profile_overridden overridden[PROFILE_MAX_OVERRIDDEN];
};

struct profile {
	char name[PROFILE_NAME_MAX];
	char summary[256];
	char file[PATH_MAX];
	bool overlay;                                   /* kind = overlay */
	int n_layers;                                   /* composed: class profile, overlays */
	char layers[PROFILE_MAX_LAYERS][PROFILE_NAME_MAX];
	int depth;                                      /* entries in chain */
	char chain[PROFILE_MAX_DEPTH][PROFILE_NAME_MAX];/* [0] = name, then its parents */
	size_t n_values, cap_values;
	struct profile_value *values;
	size_t n_rules, cap_rules;                      /* [adapt.NAME] (adapt_rule.h) */
	struct adapt_rule *rules;
};

/* Adds r, or replaces the rule of the same name (a child's or a later layer's). */
int profile_add_rule(struct profile *p, const struct adapt_rule *r);

/*
 * Profile directories are searched in order; the first one holding NAME.conf
 * wins (so /etc/perfagent/profiles can shadow a shipped profile).
 */
struct profile_dirs {
	int n;
	const char *dirs[4];
};

/*
 * Loads NAME with its includes. Returns 0, or a negative errno with err set
 * (file:line and what is wrong: unknown section or key, bad value, include
 * cycle "a -> b -> a", missing include, chain deeper than PROFILE_MAX_DEPTH).
 */
int profile_load(const struct profile_dirs *dirs, const char *name, struct profile *out,
		 struct lp_error *err);

/*
 * Parses one profile file's text without resolving includes (tests, fuzzing).
 * name is the file name used in messages and origins ("dir/compute.conf");
 * the profile's name is its base name without ".conf". include receives the
 * parent's name or "" (it may be NULL). Any bytes are safe to pass. On error
 * out holds nothing (profile_free() on it is still fine).
 */
int profile_parse_buf(const char *buf, size_t len, const char *name, struct profile *out,
		      char include[PROFILE_NAME_MAX], struct lp_error *err);

void profile_free(struct profile *p);

const char *knob_kind_name(enum knob_kind kind);
const char *value_op_name(enum value_op op);          /* "exact", "raise", "lower" */

/* [a-z0-9_-]+, shorter than PROFILE_NAME_MAX, and not "match" (match.conf). */
bool profile_name_valid(const char *name);

/*
 * The sysfs file behind a [vm] key ("transparent_hugepage" ->
 * "/sys/kernel/mm/transparent_hugepage/enabled"), without any root prefix;
 * NULL for a key [vm] does not know. The file shows the choices with the
 * current one in brackets ("always [madvise] never").
 */
const char *profile_vm_path(const char *key);

/*
 * The file listing the values this kernel offers for a [vm] key, one word
 * each ("clocksource" -> ".../available_clocksource"); NULL when the key's
 * own file shows its choices, or for a key [vm] does not know.
 */
const char *profile_vm_offered_path(const char *key);

/*
 * For shipped profiles: every value and every [adapt.NAME] section has a
 * comment above it (its reason and source) and the profile has a summary.
 * Returns 0, or -EINVAL with err at the first value or rule without one.
 * Loading does not require comments (user profiles).
 */
int profile_check_comments(const struct profile *p, struct lp_error *err);

/*
 * Checks a value for a knob of kind (KNOB_SYSCTL: any integers or a word)
 * and key, as loading does: 0, or -EINVAL with why. For resolved formulas.
 */
int profile_value_check(enum knob_kind kind, const char *key, enum value_op op,
			const char *value, char *why, size_t size);

/* "dir/compute.conf" -> "compute": the name a profile file gives. */
void profile_name_from_file(const char *file, char *name, size_t size);

/* Resolved view for `perfagent profiles show`: sections, values, origins, comments. */
void profile_print(const struct profile *p, FILE *out);
struct json_object *profile_to_json(const struct profile *p);

/* `perfagent profiles list`: one entry per NAME.conf found in the directories. */
struct profile_entry {
	char name[PROFILE_NAME_MAX];
	char summary[256];
	char include[PROFILE_NAME_MAX];
	char file[PATH_MAX];
	bool overlay;           /* kind = overlay */
	bool shadowed;          /* an earlier directory has a profile of this name */
	bool active;            /* a layer of this host's tuning (set by the caller) */
	char error[640];        /* why the file does not parse; "" when it does */
};

/*
 * Lists the profiles, sorted by name, then by directory order. Directories
 * that do not exist are skipped. Returns 0 or a negative errno; free *out.
 */
int profile_list(const struct profile_dirs *dirs, struct profile_entry **out, size_t *n);
void profile_list_print(const struct profile_entry *e, size_t n, FILE *out);
struct json_object *profile_list_to_json(const struct profile_entry *e, size_t n);

#endif
