// SPDX-License-Identifier: GPL-2.0-only
/* The decision of an adaptive rule, one interval at a time (adapt.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tune/adapt.h"

/* A guard counts as worse only past this absolute change too: 0 -> 0.001 is noise. */
#define GUARD_MIN_DELTA 1e-3

const char *adapt_phase_name(enum adapt_phase p)
{
	static const char *const names[] = {
		[ADAPT_QUIET] = "quiet",       [ADAPT_WATCHING] = "watching",
		[ADAPT_CHECKING] = "checking", [ADAPT_SETTLED] = "settled",
		[ADAPT_TAKEN_BACK] = "taken back", [ADAPT_AT_CAP] = "at cap",
		[ADAPT_GAVE_UP] = "gave up",
	};

	return p <= ADAPT_GAVE_UP ? names[p] : "?";
}

void adapt_state_init(struct adapt_state *s)
{
	memset(s, 0, sizeof(*s));
	s->backoff = 1;
	snprintf(s->why, sizeof(s->why), "quiet");
}

/* The largest power of two at most v (0 for 0). */
static uint64_t pow2_floor(uint64_t v)
{
	while (v & (v - 1))
		v &= v - 1;
	return v;
}

/* The smallest power of two at least v (v 0: 1; none above 2^63: 2^63). */
static uint64_t pow2_ceil(uint64_t v)
{
	uint64_t p = pow2_floor(v);

	return !v ? 1 : p == v || p == UINT64_C(1) << 63 ? p : p << 1;
}

static uint64_t grow(const struct adapt_rule *r, uint64_t v)
{
	double next;

	if (r->target == ADAPT_TARGET_RX_RING)
		return pow2_ceil(v + (v < UINT64_MAX));    /* the next power of two above */
	switch (r->step) {
	case ADAPT_STEP_DOUBLE:
		return v > UINT64_MAX / 2 ? UINT64_MAX : (v ? v * 2 : 1);
	case ADAPT_STEP_ADD:
		next = (double)v + r->step_by;
		break;
	default:
		next = ceil((double)v * r->step_by);
		break;
	}
	return next >= 1.8e19 ? UINT64_MAX : (uint64_t)next;
}

/* current's whole-number fields into v[]: how many, or -EINVAL. */
static int parse_fields(const char *current, uint64_t v[ADAPT_MAX_FIELDS])
{
	const char *p = current;
	int n = 0;

	for (;;) {
		char *end;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return n;
		if (*p < '0' || *p > '9' || n == ADAPT_MAX_FIELDS)
			return -EINVAL;
		errno = 0;
		v[n++] = strtoull(p, &end, 10);
		if (errno || (*end && *end != ' ' && *end != '\t'))
			return -EINVAL;
		p = end;
	}
}

/* n for a field holding v: within [floor, cap] (the cap wins), never below v. */
static uint64_t bounded(uint64_t n, uint64_t v, uint64_t floor, uint64_t cap)
{
	/* The cap wins over a floor above it (a small machine). */
	n = n < floor ? floor : n;
	n = n > cap ? cap : n;
	/* Never below the live value: a rule only raises. */
	return n > v ? n : v;
}

int adapt_next_value(const struct adapt_rule *r, const char *current, uint64_t floor,
		     uint64_t cap, char *out, size_t size)
{
	uint64_t v[ADAPT_MAX_FIELDS], n[ADAPT_MAX_FIELDS];
	int fields = parse_fields(current, v), least = -1;
	double factor = 0;
	size_t off = 0;

	out[0] = '\0';
	if (fields <= 0 || r->field > (unsigned int)fields)
		return -EINVAL;
	if (r->target == ADAPT_TARGET_RX_RING) {
		floor = pow2_ceil(floor);
		cap = pow2_floor(cap);
	}
	for (int i = 0; i < fields; i++) {
		bool stepped = !r->field || r->field == (unsigned int)i + 1;

		n[i] = stepped ? bounded(grow(r, v[i]), v[i], floor, cap) : v[i];
		/* The field held back most (by the cap): its growth sets the others'. */
		if (stepped && v[i] && (least < 0 || (double)n[i] / v[i] < factor)) {
			least = i;
			factor = (double)n[i] / v[i];
		}
	}
	/*
	 * Every field steps (tcp_mem's min, pressure and max): by one factor,
	 * so that they keep their order and ratios when the largest meets the
	 * cap, rather than the smaller ones catching up with it.
	 */
	for (int i = 0; !r->field && fields > 1 && least >= 0 && i < fields; i++) {
		uint64_t scaled = (uint64_t)((double)v[i] * factor);

		if (i != least && scaled < n[i])
			n[i] = bounded(scaled, v[i], floor, cap);
	}
	for (int i = 0; i < fields; i++) {
		off += (size_t)snprintf(out + off, off < size ? size - off : 0, "%s%llu",
					i ? " " : "", (unsigned long long)n[i]);
		if (off >= size)
			return -EINVAL;
	}
	return 0;
}

static void say(struct adapt_state *s, enum adapt_phase phase, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct adapt_state *s, enum adapt_phase phase, const char *fmt, ...)
{
	size_t off = 0;
	va_list ap;

	s->phase = phase;
	if (s->subject[0])
		off = (size_t)snprintf(s->why, sizeof(s->why), "%s: ", s->subject);
	va_start(ap, fmt);
	vsnprintf(s->why + off, sizeof(s->why) - off, fmt, ap);
	va_end(ap);
}

static void reset_hot(struct adapt_state *s, int n_guards)
{
	s->hot = 0;
	s->hot_sum = 0;
	for (int i = 0; i < n_guards; i++)
		s->guard_sum[i] = 0, s->guard_n[i] = 0;
}

/*
 * A take-back: the same step failing again and again is the knob not
 * curing the evidence here, not noise; after ADAPT_GIVE_UP_AFTER in a row
 * the rule stops (the take-back itself still happens).
 */
static void count_failure(const struct adapt_rule *r, struct adapt_state *s)
{
	if (s->failed_times && !strcmp(s->failed, s->after)) {
		s->failed_times++;
	} else {
		snprintf(s->failed, sizeof(s->failed), "%s", s->after);
		s->failed_times = 1;
	}
	if (s->failed_times < ADAPT_GIVE_UP_AFTER)
		return;
	say(s, ADAPT_GAVE_UP, "gave up: the step from %s to %s was taken back %u times in a row "
	    "(%s did not fall enough, or a guard got worse): %s does not cure it here; off "
	    "until the daemon restarts or the rule changes", s->before, s->after,
	    s->failed_times, r->metric, r->knob);
}

/* After a step: did it help? Decides once `over` intervals were seen. */
static void check_step(const struct adapt_rule *r, struct adapt_state *s,
		       const struct adapt_input *in, struct adapt_action *act)
{
	double after;

	if (in->have_trigger)
		s->after_sum += in->trigger;
	for (int i = 0; i < r->n_guards; i++) {
		if (in->have_guard[i]) {
			s->guard_after_sum[i] += in->guard[i];
			s->guard_after_n[i]++;
		}
	}
	if (++s->checked < r->over)
		return;
	after = s->after_sum / s->checked;
	for (int i = 0; i < r->n_guards; i++) {
		double g;

		if (!s->guard_before_known[i] || !s->guard_after_n[i])
			continue;
		g = s->guard_after_sum[i] / s->guard_after_n[i];
		if (g > s->guard_before[i] * (1 + ADAPT_GUARD_TOLERANCE) &&
		    g - s->guard_before[i] > GUARD_MIN_DELTA) {
			say(s, ADAPT_TAKEN_BACK, "taken back to %s: guard %s got worse (%.4g -> %.4g) "
			    "after the step to %s", s->before, r->guards[i], s->guard_before[i], g,
			    s->after);
			goto take_back;
		}
	}
	if (r->judge_by_guards) {
		say(s, ADAPT_SETTLED, "stepped from %s to %s because %s was %.4g/s; no guard got "
		    "worse (%s %.4g/s after: judged by its guards)", s->before, s->after, r->metric,
		    s->trigger_before, r->metric, after);
		s->cooldown_until_s = s->stepped_at_s + (uint64_t)r->cooldown_s * s->backoff;
		s->failed_times = 0;
		return;
	}
	if (after > s->trigger_before * (1 - ADAPT_MIN_FALL)) {
		say(s, ADAPT_TAKEN_BACK, "taken back to %s: %s did not fall by %d%% after the step "
		    "to %s (%.4g/s before, %.4g/s after)", s->before, r->metric,
		    (int)(ADAPT_MIN_FALL * 100), s->after, s->trigger_before, after);
		goto take_back;
	}
	say(s, ADAPT_SETTLED, "stepped from %s to %s because %s was %.4g/s; it fell to %.4g/s",
	    s->before, s->after, r->metric, s->trigger_before, after);
	s->cooldown_until_s = s->stepped_at_s + (uint64_t)r->cooldown_s * s->backoff;
	s->failed_times = 0;
	return;
take_back:
	act->verdict = ADAPT_TAKE_BACK;
	snprintf(act->value, sizeof(act->value), "%s", s->before);
	s->taken_back++;
	if (s->backoff < ADAPT_MAX_BACKOFF)
		s->backoff *= 2;
	s->cooldown_until_s = in->now_s + (uint64_t)r->cooldown_s * s->backoff;
	count_failure(r, s);
}

static void start_step(const struct adapt_rule *r, struct adapt_state *s,
		       const struct adapt_input *in, const char *next, struct adapt_action *act)
{
	act->verdict = ADAPT_STEP;
	snprintf(act->value, sizeof(act->value), "%s", next);
	snprintf(s->before, sizeof(s->before), "%s", in->current);
	snprintf(s->after, sizeof(s->after), "%s", next);
	s->trigger_before = s->hot_sum / s->hot;
	for (int i = 0; i < r->n_guards; i++) {
		s->guard_before_known[i] = s->guard_n[i] > 0;
		s->guard_before[i] = s->guard_n[i] ? s->guard_sum[i] / s->guard_n[i] : 0;
		s->guard_after_sum[i] = 0;
		s->guard_after_n[i] = 0;
	}
	s->stepped_at_s = in->now_s;
	s->checked = 0;
	s->after_sum = 0;
	s->steps++;
	say(s, ADAPT_CHECKING, "stepped from %s to %s because %s was %.4g/s over %u interval%s; "
	    "checking", s->before, s->after, r->metric, s->trigger_before, s->hot,
	    s->hot == 1 ? "" : "s");
	reset_hot(s, r->n_guards);
}

void adapt_decide(const struct adapt_rule *r, struct adapt_state *s, const struct adapt_input *in,
		  struct adapt_action *act)
{
	char next[ADAPT_VALUE_MAX];

	memset(act, 0, sizeof(*act));
	if (s->phase == ADAPT_GAVE_UP)
		return;
	if (s->phase == ADAPT_CHECKING) {
		check_step(r, s, in, act);
		return;
	}
	if (!in->have_trigger || in->trigger <= r->threshold) {
		reset_hot(s, r->n_guards);
		/* The outcome of the last step stays in words until something new happens. */
		if (s->phase == ADAPT_WATCHING || s->phase == ADAPT_AT_CAP)
			say(s, ADAPT_QUIET, "quiet: %s at or below %g/s", r->metric, r->threshold);
		return;
	}
	s->hot++;
	s->hot_sum += in->trigger;
	for (int i = 0; i < r->n_guards; i++) {
		if (in->have_guard[i]) {
			s->guard_sum[i] += in->guard[i];
			s->guard_n[i]++;
		}
	}
	if (s->hot < r->over) {
		say(s, ADAPT_WATCHING, "watching: %s at %.4g/s for %u of %u intervals", r->metric,
		    in->trigger, s->hot, r->over);
		return;
	}
	if (in->now_s < s->cooldown_until_s) {
		say(s, ADAPT_WATCHING, "watching: %s at %.4g/s, cooling down for %" PRIu64 " s",
		    r->metric, in->trigger, s->cooldown_until_s - in->now_s);
		return;
	}
	if (adapt_next_value(r, in->current, in->floor, in->cap, next, sizeof(next))) {
		say(s, ADAPT_WATCHING, "watching: cannot step '%.60s': not whole numbers",
		    in->current);
		return;
	}
	if (!strcmp(next, in->current)) {
		say(s, ADAPT_AT_CAP, "at cap: %s at %.4g/s, but %s is at its cap %" PRIu64 "%s%.150s",
		    r->metric, in->trigger, r->knob, in->cap, in->cap_why ? ", " : "",
		    in->cap_why ? in->cap_why : "");
		return;
	}
	if (!in->may_change) {
		say(s, ADAPT_WATCHING, "watching: %s at %.4g/s, but the host's hourly limit of "
		    "adaptive changes is reached", r->metric, in->trigger);
		return;
	}
	start_step(r, s, in, next, act);
}

void adapt_refused(const struct adapt_rule *r, struct adapt_state *s, uint64_t now_s,
		   const char *why)
{
	if (s->phase == ADAPT_CHECKING && s->steps)
		s->steps--;     /* the step was not made */
	say(s, ADAPT_WATCHING, "held: %.200s", why);
	s->cooldown_until_s = now_s + r->cooldown_s;
	reset_hot(s, r->n_guards);
}
