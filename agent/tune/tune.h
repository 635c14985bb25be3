/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tuning engine: plan, apply, verify and revert a profile's knobs.
 *
 * Plan (also mode = advise and `apply --dry-run`; never writes anything):
 * every profile value becomes knobs (knob.h), each with its current value,
 * the value apply would leave, an action and, unless set, a reason:
 *
 *   set    the knob will be written
 *   keep   already set (for ">4096": already at or above 4096)
 *   skip   excluded by config (exclude = GLOB); missing on this kernel (or
 *          the interface is gone); not supported by the driver (ethtool);
 *          set by /etc/sysctl.d/F.conf:N (= V), not overridden; changed by an
 *          administrator after perfagent set it (X -> Y), not fought; not
 *          applicable (no device or interface matches, RPS not needed, ...);
 *          or the current value cannot be read or compared
 *
 * A backend may resolve the profile's value against the device first
 * (ethtool: rx_ring = max is the device's maximum); wanted is then the
 * resolved value and the reason of a set says how it was resolved. A
 * derived knob (knob.h: irqbalance banned_cpus = rps) is resolved last,
 * against the other knobs the plan applies (not skipped, not excluded).
 *
 * ">" (only raise) and "<" (only lower) compare numbers, field by field for
 * values like "4096 131072 16777216": the result is the per-field max (min)
 * of current and wanted, and "keep" when that is the current value. Two
 * values are equal when their fields are equal numbers or equal words.
 * When two groups reach the same knob, the one later in the profile wins.
 *
 * Apply takes STATE_DIR/tune.lock (apply and revert never interleave, CLI
 * or daemon; a second one waits up to lock_timeout_ms), re-reads every knob,
 * records the originals in the journal (journal.h, atomic write + fsync)
 * before any write, writes knob by knob (one failure never stops the rest),
 * reads each back, and records the outcome in one final journal write (a
 * crash in between leaves "pending" entries, which the next apply, verify
 * and revert resolve by comparing the live value with original and desired;
 * a journal write per knob would cost an fsync each and tell nothing more).
 * A second apply finds everything kept and writes nothing, not even the
 * journal. Knobs already right are journaled as "kept", so verify checks them
 * too. Switching profiles does not revert knobs only the old profile set;
 * revert first for a clean switch.
 *
 * Verify (no lock, read-only) compares the live value of every knob in this
 * boot's journal with what perfagent applied (honouring ">" and "<"). Revert
 * (locked) writes the originals back where the live value is still
 * perfagent's, leaves knobs someone else changed alone (and says so), and
 * removes the journal, keeping only entries whose restore failed. A journal
 * from an earlier boot is void: its originals are what that boot had.
 *
 * Held knobs (knob.h: PM QoS) are planned like the others but never
 * journaled: apply holds them through ctx->pmqos (the daemon's), and lets go
 * of what the applied plan no longer sets or keeps; revert releases them.
 * Without a holder (a one-shot apply exits, and the kernel drops a request
 * with its process) they are skipped as daemon-only, and revert notes a
 * limit some running process holds.
 *
 * All paths are under ctx->paths->sysroot; the journal records the sysroot
 * and revert refuses a journal written for another one.
 */
#ifndef PA_TUNE_H
#define PA_TUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "tune/journal.h"
#include "tune/knob.h"
#include "core/paths.h"
#include "tune/pmqos.h"
#include "tune/profile.h"

#define TUNE_LOCK_TIMEOUT_MS 5000
#define TUNE_REASON_MAX 384
#define TUNE_MSG_MAX 1024
#define TUNE_TABLE_WIDTH 100

struct tune_ctx {
	const struct pa_paths *paths;
	const char *const *exclude;     /* NULL-terminated globs over knob ids, or NULL */
	unsigned int lock_timeout_ms;   /* 0: TUNE_LOCK_TIMEOUT_MS */
	struct pmqos *pmqos;            /* holds held knobs: the daemon's; NULL: none */
	/* Interfaces whose driver restored its defaults (a device reset), or NULL:
	 * a knob of theirs that perfagent set and that is back at its original
	 * value is set again instead of being reported as overridden. */
	const char *const *reset_devices;
};

enum tune_action {
	TUNE_SET,
	TUNE_KEEP,
	TUNE_SKIP,
};

enum tune_skip {
	TUNE_SKIP_NONE,
	TUNE_SKIP_EXCLUDED,
	TUNE_SKIP_MISSING,          /* missing on this kernel */
	TUNE_SKIP_SYSCTLD,          /* set by the administrator's sysctl.d */
	TUNE_SKIP_OVERRIDDEN,       /* changed by someone after perfagent set it */
	TUNE_SKIP_NOT_APPLICABLE,   /* no such device, RPS not needed, bad key */
	TUNE_SKIP_UNREADABLE,       /* cannot read or compare the current value */
	TUNE_SKIP_UNSUPPORTED,      /* the driver does not support it (ethtool) */
	TUNE_SKIP_UNKNOWN_WRITER,   /* pending, and the live value is nobody's we know */
	TUNE_SKIP_DAEMON_ONLY,      /* held knob, no holder: only the daemon holds it */
};

enum tune_result {
	TUNE_RES_NONE,              /* not written (keep, skip, or not applied yet) */
	TUNE_RES_APPLIED,
	TUNE_RES_FAILED,
};

struct tune_item {
	struct knob knob;                   /* id, kind, path */
	enum value_op op;
	char wanted[PROFILE_VALUE_MAX];     /* the profile's value, without ">"/"<",
					     * or what the backend resolved it to */
	char origin[160];                   /* the profile's "file:line", for messages */
	char layer[PROFILE_NAME_MAX];       /* the layer that wants it (profile_compose.h) */
	char current[KNOB_VALUE_MAX];       /* "" when it cannot be read */
	char desired[KNOB_VALUE_MAX];       /* set: what is written; keep: what is there */
	enum tune_action action;
	enum tune_skip skip;
	char reason[TUNE_REASON_MAX];
	enum tune_result result;            /* after tune_apply */
	char error[TUNE_REASON_MAX];        /* why the write failed, or a read-back note */
	char *original;                     /* internal: what revert would write back */
};

struct tune_counts {
	unsigned int set;           /* plan: knobs to write */
	unsigned int applied;       /* apply: written and read back */
	unsigned int kept;          /* already right */
	unsigned int skipped;       /* every skip, excluded and overridden included */
	unsigned int excluded;
	unsigned int overridden;    /* changed by someone else after perfagent */
	unsigned int failed;        /* apply or revert: the write failed */
	unsigned int ok;            /* verify: as applied */
	unsigned int drifted;       /* verify: every knob not ok, overridden included */
	unsigned int restored;      /* revert: original written back */
	unsigned int unchanged;     /* revert: nothing to restore */
	unsigned int unknown_writer; /* who wrote the live value cannot be told */
};

struct tune_plan {
	char profile[PROFILE_NAME_MAX];
	bool applied;               /* tune_apply ran on it: results are filled in */
	/*
	 * A plan of a few knobs, not of the profile (an adaptive rule's one
	 * value): tune_apply leaves the journal's other entries as they are,
	 * rather than settling those the plan does not set.
	 */
	bool partial;
	size_t n, cap;
	struct tune_item *items;
	struct tune_counts counts;
	char note[TUNE_MSG_MAX];    /* "" or something the user should know */
	char error[TUNE_MSG_MAX];   /* why tune_plan/tune_apply failed as a whole */
};

enum tune_status {
	TUNE_ST_OK,                 /* verify: as applied */
	TUNE_ST_OVERRIDDEN,         /* changed by someone else; left alone */
	TUNE_ST_MISSING,            /* the knob's file is gone */
	TUNE_ST_NOT_APPLIED,        /* verify: apply failed or was interrupted */
	TUNE_ST_RESTORED,           /* revert: original written back */
	TUNE_ST_UNCHANGED,          /* revert: already original, or kept */
	TUNE_ST_FAILED,             /* revert: the write failed (stays journaled) */
	TUNE_ST_UNKNOWN_WRITER,     /* an interrupted apply left a value nobody can
				     * attribute; left alone (stays journaled) */
};

struct tune_report_item {
	char id[KNOB_ID_MAX];
	char path[KNOB_PATH_MAX];
	char expected[KNOB_VALUE_MAX];  /* verify: what perfagent applied; revert: original */
	char live[KNOB_VALUE_MAX];      /* the live value found (before a revert) */
	bool changed;                   /* perfagent changed the knob in this boot (its
					 * journal entry is applied), not found it right */
	enum tune_status status;
	char detail[TUNE_REASON_MAX];
};

struct tune_report {
	bool revert;                /* a revert report, not a verify one */
	bool have_journal;          /* a journal of this boot was found */
	char profile[PROFILE_NAME_MAX];
	char boot_id[JOURNAL_BOOT_ID_MAX];
	size_t n, cap;
	struct tune_report_item *items;
	struct tune_counts counts;
	char note[TUNE_MSG_MAX];
	char error[TUNE_MSG_MAX];
};

/*
 * Plans profile p. Returns 0 (plan filled in, skips and all), or -ENOMEM with
 * plan->error set. Reads only; a corrupt journal is reported in plan->note.
 */
int tune_plan(const struct tune_ctx *ctx, const struct profile *p, struct tune_plan *plan);

/*
 * Applies plan (re-evaluated under the lock) and fills in results and
 * counts. Returns 0 when it ran, even if knobs failed (see counts.failed);
 * a negative errno with plan->error when nothing was written (lock timeout:
 * -EBUSY; journal cannot be read or written; boot id unreadable).
 */
int tune_apply(const struct tune_ctx *ctx, struct tune_plan *plan);

/* Returns 0 with the report filled in, or a negative errno with report->error. */
int tune_verify(const struct tune_ctx *ctx, struct tune_report *report);
int tune_revert(const struct tune_ctx *ctx, struct tune_report *report);

/* Verify passed: nothing drifted (also when nothing was applied in this boot: have_journal false). */
bool tune_verify_ok(const struct tune_report *report);

void tune_plan_free(struct tune_plan *plan);

/*
 * Hot-plug: a device of kind ("ethtool" for an interface, "block" for a
 * disk) is gone (new_name NULL): its journal entries go, there is nothing
 * left to verify or restore; or it was renamed to new_name: its entries
 * follow it. Locked like apply. Returns how many entries changed, or a
 * negative errno with err.
 */
int tune_journal_follow(const struct tune_ctx *ctx, const char *kind, const char *name,
			const char *new_name, char *err, size_t errsz);
void tune_report_free(struct tune_report *report);

/* Human output: an aligned table (knob, current, desired, action, reason) and
 * a summary line, fitting TUNE_TABLE_WIDTH columns but for very long values. */
void tune_print_plan(FILE *f, const struct tune_plan *plan);
void tune_print_report(FILE *f, const struct tune_report *report);
/* "3 set, 5 kept, 2 skipped (1 overridden)": the counts that are not zero. */
void tune_format_counts(const struct tune_counts *c, char *buf, size_t size);

/* JSON (the caller puts it): the plan, with results once applied; a report. */
struct json_object *tune_plan_json(const struct tune_plan *plan);
struct json_object *tune_report_json(const struct tune_report *report);
struct json_object *tune_counts_json(const struct tune_counts *c);
/* The plan's knobs to set (tune_plan_json()'s knob objects), a new array. */
struct json_object *tune_plan_changes_json(const struct tune_plan *plan);
/*
 * Those changes as the table of tune_print_plan(), with the layer that
 * wants each value in the action's column: KNOB CURRENT PROPOSED LAYER REASON.
 */
void tune_print_changes_json(FILE *f, struct json_object *changes);

/* Value helpers, exposed for tests. */
bool tune_values_equal(const char *a, const char *b);
/*
 * The value op leads to from current toward wanted (both normalised).
 * Returns 0; -EINVAL when ">"/"<" meets a non-number, -ERANGE when the
 * number of fields differs; -E2BIG when out is too small.
 */
int tune_resolve(enum value_op op, const char *current, const char *wanted, char *out,
		 size_t size);

/* The first of the exclude = globs (NULL-terminated, or NULL) matching knob id, or NULL. */
const char *tune_excluded_by(const char *const *exclude, const char *id);

const char *tune_action_name(enum tune_action a);
const char *tune_skip_name(enum tune_skip s);
const char *tune_status_name(enum tune_status s);
/* How plans show a value's op: ">" only raise, "<" only lower, "" exact. */
const char *tune_op_prefix(enum value_op op);

#endif
