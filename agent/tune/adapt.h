/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The decision of an adaptive rule (adapt_rule.h), one interval at a time,
 * with no I/O: what was seen in, what to do out. The daemon feeds it the
 * interval's metrics and the knob's live value, and carries out the action
 * through the tuning engine (journaled, so revert undoes it like any other).
 *
 *   quiet      the trigger is at or below its threshold
 *   watching   above it, for fewer than `over` intervals in a row, or in
 *              cooldown, or the host's hourly limit of changes is reached
 *   checking   stepped; the next `over` intervals show whether it helped
 *   settled    it helped: the trigger fell by at least ADAPT_MIN_FALL (20%:
 *              less is within the noise of a rate) and no guard got worse by more
 *              than ADAPT_GUARD_TOLERANCE (20%, and more than a tiny
 *              absolute amount); another step may follow after the cooldown
 *   taken back it did not help: the value before the step is put back and
 *              the rule's cooldown doubles (at most ADAPT_MAX_BACKOFF times)
 *   at cap     the trigger fires but the value is already at its cap
 *   gave up    the same step was taken back ADAPT_GIVE_UP_AFTER times in a
 *              row: on this host the knob does not cure the evidence (a
 *              server that listens once never sees a new somaxconn), and
 *              stepping it again and again only churns it; the rule stays
 *              off until the daemon restarts or the rule changes
 */
#ifndef PA_ADAPT_H
#define PA_ADAPT_H

#include <stdbool.h>
#include <stdint.h>

#include "tune/adapt_rule.h"

#define ADAPT_VALUE_MAX 128
#define ADAPT_WHY_MAX 256
/*
 * 20%: a design choice, not a measured bound. A smaller fall or rise of a
 * rate is taken as too close to its interval-to-interval noise to judge a
 * step by.
 */
#define ADAPT_GUARD_TOLERANCE 0.2
#define ADAPT_MIN_FALL 0.2
#define ADAPT_MAX_BACKOFF 8
#define ADAPT_MAX_FIELDS 8              /* of a multi-field value (tcp_mem: 3) */
#define ADAPT_GIVE_UP_AFTER 2           /* take-backs of one step: a pattern, not noise */

enum adapt_phase {
	ADAPT_QUIET,
	ADAPT_WATCHING,
	ADAPT_CHECKING,
	ADAPT_SETTLED,
	ADAPT_TAKEN_BACK,
	ADAPT_AT_CAP,
	ADAPT_GAVE_UP,
};

/* One interval as seen by a rule. */
struct adapt_input {
	uint64_t now_s;                 /* monotonic seconds */
	bool have_trigger;              /* the metric was collected this interval */
	double trigger;
	bool have_guard[ADAPT_MAX_GUARDS];
	double guard[ADAPT_MAX_GUARDS];
	const char *current;            /* the knob's live value ("4096", "4096 87380 6291456") */
	uint64_t floor, cap;            /* resolved for this machine */
	const char *cap_why;            /* what sets cap, for "at cap" (NULL: the rule's) */
	bool may_change;                /* the host-wide hourly limit is not reached */
};

struct adapt_state {
	enum adapt_phase phase;
	unsigned int hot;               /* intervals in a row above the threshold */
	double hot_sum;                 /* the trigger over them */
	double guard_sum[ADAPT_MAX_GUARDS];
	unsigned int guard_n[ADAPT_MAX_GUARDS];
	uint64_t cooldown_until_s;
	unsigned int backoff;           /* 1, 2, 4 ... ADAPT_MAX_BACKOFF */
	/* The last step, while checking it and after. */
	uint64_t stepped_at_s;
	char before[ADAPT_VALUE_MAX], after[ADAPT_VALUE_MAX];
	double trigger_before;
	double guard_before[ADAPT_MAX_GUARDS];
	bool guard_before_known[ADAPT_MAX_GUARDS];
	unsigned int checked;
	double after_sum;
	double guard_after_sum[ADAPT_MAX_GUARDS];
	unsigned int guard_after_n[ADAPT_MAX_GUARDS];
	unsigned int steps, taken_back;
	/* The step last taken back (its value) and how many times in a row. */
	char failed[ADAPT_VALUE_MAX];
	unsigned int failed_times;
	char why[ADAPT_WHY_MAX];        /* the state in words, for status and the log */
	char subject[32];               /* "eth0": begins why (a rule per interface) */
};

enum adapt_verdict {
	ADAPT_NONE,
	ADAPT_STEP,                     /* write value */
	ADAPT_TAKE_BACK,                /* write value (the one before the step) */
};

struct adapt_action {
	enum adapt_verdict verdict;
	char value[ADAPT_VALUE_MAX];
};

void adapt_state_init(struct adapt_state *s);

/*
 * One interval: updates s and says what to do. A step or take-back the
 * caller could not carry out (the engine skipped it: an administrator's
 * value, exclude =, a write refused) is reported back with adapt_refused().
 */
void adapt_decide(const struct adapt_rule *r, struct adapt_state *s, const struct adapt_input *in,
		  struct adapt_action *act);

/* The engine did not write act's value: the rule holds off for its cooldown. */
void adapt_refused(const struct adapt_rule *r, struct adapt_state *s, uint64_t now_s,
		   const char *why);

/*
 * The value a step makes of current: the rule's step on its fields, each
 * kept within [floor, cap]. Where every field of a multi-field value steps,
 * all grow by the factor of the one held back most (by the cap), so that
 * they keep their order and ratios; a field the factor leaves below the
 * floor is raised to it. A receive ring's steps are powers of
 * two: the next one above current, within floor rounded up and cap rounded
 * down to powers of two. 0, or -EINVAL when current is not whole numbers
 * (at most ADAPT_MAX_FIELDS, and having the rule's field).
 */
int adapt_next_value(const struct adapt_rule *r, const char *current, uint64_t floor,
		     uint64_t cap, char *out, size_t size);

const char *adapt_phase_name(enum adapt_phase p);

#endif
