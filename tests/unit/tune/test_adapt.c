// SPDX-License-Identifier: GPL-2.0-only
/* Adaptive rules: parsing, steps and the decision over recorded counter series. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tune/adapt.h"

static void rule(struct adapt_rule *r, const char *const *kv)
{
	char err[256];

	adapt_rule_init(r, "t", "test.conf:1");
	for (; kv[0]; kv += 2) {
		if (adapt_rule_set(r, kv[0], kv[1], err, sizeof(err)))
			fail_msg("%s = %s: %s", kv[0], kv[1], err);
	}
	if (adapt_rule_check(r, err, sizeof(err)))
		fail_msg("check: %s", err);
}

static const char *const somaxconn[] = {
	"knob", "net.core.somaxconn", "when", "TcpListenOverflows > 0 over 2", "step", "double",
	"floor", "4096", "cap", "65535", "cooldown", "60", "guard", "RunqLatencyP99", NULL,
};

static int set_err(const char *key, const char *value, char *err, size_t size)
{
	struct adapt_rule r;

	adapt_rule_init(&r, "t", "x");
	return adapt_rule_set(&r, key, value, err, size);
}

static void test_parse_errors(void **state)
{
	struct adapt_rule r;
	char err[256];

	assert_int_equal(set_err("when", "Bogus > 0 over 2", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown metric 'Bogus'"));
	assert_int_equal(set_err("when", "TcpListenOverflows > -1", err, sizeof(err)), -EINVAL);
	assert_int_equal(set_err("when", "TcpListenOverflows > 0 over 0", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(set_err("when", "TcpListenOverflows > 0 during 2", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(set_err("step", "+0", err, sizeof(err)), -EINVAL);
	assert_int_equal(set_err("step", "*1", err, sizeof(err)), -EINVAL);
	assert_int_equal(set_err("step", "-5", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "a step must grow the value"));
	assert_int_equal(set_err("cap", "-1", err, sizeof(err)), -EINVAL);
	assert_int_equal(set_err("cap", "1%bananas", err, sizeof(err)), -EINVAL);
	assert_int_equal(set_err("guard", "TcpSrttP99, Nope", err, sizeof(err)), -EINVAL);
	assert_int_equal(set_err("knob", "../../etc/passwd", err, sizeof(err)), -EINVAL);
	assert_int_equal(set_err("colour", "blue", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown key 'colour'"));

	adapt_rule_init(&r, "t", "x");
	assert_int_equal(adapt_rule_set(&r, "knob", "net.core.somaxconn", err, sizeof(err)), 0);
	assert_int_equal(adapt_rule_set(&r, "when", "TcpListenOverflows > 0", err, sizeof(err)), 0);
	assert_int_equal(adapt_rule_check(&r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "has no cap"));
	assert_int_equal(adapt_rule_set(&r, "floor", "8192", err, sizeof(err)), 0);
	assert_int_equal(adapt_rule_set(&r, "cap", "4096", err, sizeof(err)), 0);
	assert_int_equal(adapt_rule_check(&r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "cap 4096 is below floor 8192"));
}

static void test_next_value(void **state)
{
	struct adapt_rule r;
	char out[128];
	static const char *const rmem[] = {
		"knob", "net.ipv4.tcp_rmem", "when", "TcpRetransmits > 1", "step", "*1.5",
		"cap", "16M", "fields", "3", NULL,
	};
	static const char *const budget_usecs[] = {
		"knob", "net.core.netdev_budget_usecs", "when", "SoftnetTimeSqueezes > 10 over 3",
		"step", "*2.5", "floor", "2000", "cap", "10000", NULL,
	};

	rule(&r, somaxconn);
	assert_int_equal(adapt_next_value(&r, "128", 4096, 65535, out, sizeof(out)), 0);
	assert_string_equal(out, "4096");       /* the floor */
	assert_int_equal(adapt_next_value(&r, "40000", 4096, 65535, out, sizeof(out)), 0);
	assert_string_equal(out, "65535");      /* the cap */
	assert_int_equal(adapt_next_value(&r, "100000", 4096, 65535, out, sizeof(out)), 0);
	assert_string_equal(out, "100000");     /* never lowered */
	/* a cap below the floor (a 512 MiB machine's 1% of RAM): the cap wins */
	assert_int_equal(adapt_next_value(&r, "128", 6291456, 5368709, out, sizeof(out)), 0);
	assert_string_equal(out, "5368709");
	assert_int_equal(adapt_next_value(&r, "many", 0, 10, out, sizeof(out)), -EINVAL);
	rule(&r, rmem);
	assert_int_equal(adapt_next_value(&r, "4096\t131072\t6291456", 0, 16 << 20, out,
					  sizeof(out)), 0);
	assert_string_equal(out, "4096 131072 9437184");
	assert_int_equal(adapt_next_value(&r, "4096 131072", 0, 16 << 20, out, sizeof(out)),
			 -EINVAL);       /* no third field */
	/* base.conf's softnet-time: a tick more at HZ = 250 each step, then the cap */
	rule(&r, budget_usecs);
	assert_int_equal(adapt_next_value(&r, "2000", 2000, 10000, out, sizeof(out)), 0);
	assert_string_equal(out, "5000");
	assert_int_equal(adapt_next_value(&r, "5000", 2000, 10000, out, sizeof(out)), 0);
	assert_string_equal(out, "10000");
}

/* Every field of tcp_mem steps: together, in proportion, never one onto another. */
static void test_next_value_all_fields(void **state)
{
	struct adapt_rule r;
	char out[128];
	static const char *const mem[] = {
		"knob", "net.ipv4.tcp_mem", "when", "TcpMemoryPressures > 0", "step", "*1.5",
		"cap", "15728", NULL,
	};

	(void)state;
	rule(&r, mem);
	assert_int_equal(adapt_next_value(&r, "5160 6880 10320", 0, 15728, out, sizeof(out)), 0);
	assert_string_equal(out, "7740 10320 15480");
	/* the maximum meets the cap: the others grow by its factor (15728 / 15480) */
	assert_int_equal(adapt_next_value(&r, "7740 10320 15480", 0, 15728, out, sizeof(out)), 0);
	assert_string_equal(out, "7864 10485 15728");
	/* at the cap: nothing moves, so the rule says "at cap" */
	assert_int_equal(adapt_next_value(&r, "7864 10485 15728", 0, 15728, out, sizeof(out)), 0);
	assert_string_equal(out, "7864 10485 15728");
	assert_int_equal(adapt_next_value(&r, "1 2 3 4 5 6 7 8 9", 0, 100, out, sizeof(out)),
			 -EINVAL);       /* more fields than a knob has */
	/* A floor holds for every field, scaled or not (a 0 grows to it). */
	assert_int_equal(adapt_next_value(&r, "0 100 15000", 64, 15728, out, sizeof(out)), 0);
	assert_string_equal(out, "64 104 15728");
}

/* Feeds one interval; returns the verdict. */
static enum adapt_verdict feed(const struct adapt_rule *r, struct adapt_state *s, uint64_t t,
			       double trigger, double guard, const char *current, bool may,
			       char *value)
{
	struct adapt_input in = {
		.now_s = t, .have_trigger = true, .trigger = trigger, .current = current,
		.floor = 4096, .cap = 65535, .may_change = may,
	};
	struct adapt_action act;

	in.have_guard[0] = true;
	in.guard[0] = guard;
	adapt_decide(r, s, &in, &act);
	if (value)
		strcpy(value, act.value);
	return act.verdict;
}

static void test_step_settle_cooldown(void **state)
{
	struct adapt_rule r;
	struct adapt_state s;
	char v[128];

	rule(&r, somaxconn);
	adapt_state_init(&s);
	assert_int_equal(feed(&r, &s, 0, 0, 1, "4096", true, v), ADAPT_NONE);
	assert_int_equal(s.phase, ADAPT_QUIET);
	/* two intervals over the threshold: a step */
	assert_int_equal(feed(&r, &s, 1, 50, 1, "4096", true, v), ADAPT_NONE);
	assert_int_equal(s.phase, ADAPT_WATCHING);
	assert_int_equal(feed(&r, &s, 2, 30, 1, "4096", true, v), ADAPT_STEP);
	assert_string_equal(v, "8192");
	assert_int_equal(s.phase, ADAPT_CHECKING);
	assert_non_null(strstr(s.why, "stepped from 4096 to 8192 because TcpListenOverflows was 40/s"));
	/* it helped: settled */
	assert_int_equal(feed(&r, &s, 3, 0, 1, "8192", true, v), ADAPT_NONE);
	assert_int_equal(feed(&r, &s, 4, 0, 1, "8192", true, v), ADAPT_NONE);
	assert_int_equal(s.phase, ADAPT_SETTLED);
	assert_non_null(strstr(s.why, "it fell to 0/s"));
	/* fires again within the cooldown (60 s after the step): watching only */
	assert_int_equal(feed(&r, &s, 10, 5, 1, "8192", true, v), ADAPT_NONE);
	assert_int_equal(feed(&r, &s, 11, 5, 1, "8192", true, v), ADAPT_NONE);
	assert_non_null(strstr(s.why, "cooling down"));
	/* after it: the next step; then the cap */
	assert_int_equal(feed(&r, &s, 63, 5, 1, "8192", true, v), ADAPT_STEP);
	assert_string_equal(v, "16384");
	assert_int_equal(s.steps, 2);
	adapt_state_init(&s);
	feed(&r, &s, 100, 5, 1, "65535", true, v);
	assert_int_equal(feed(&r, &s, 101, 5, 1, "65535", true, v), ADAPT_NONE);
	assert_int_equal(s.phase, ADAPT_AT_CAP);
	/* the host's hourly limit */
	adapt_state_init(&s);
	feed(&r, &s, 200, 5, 1, "4096", false, v);
	assert_int_equal(feed(&r, &s, 201, 5, 1, "4096", false, v), ADAPT_NONE);
	assert_non_null(strstr(s.why, "hourly limit"));
}

static void test_take_back(void **state)
{
	struct adapt_rule r;
	struct adapt_state s;
	char v[128];

	rule(&r, somaxconn);
	adapt_state_init(&s);
	feed(&r, &s, 1, 10, 1, "4096", true, v);
	assert_int_equal(feed(&r, &s, 2, 10, 1, "4096", true, v), ADAPT_STEP);
	/* the trigger did not fall: taken back, cooldown doubled */
	feed(&r, &s, 3, 12, 1, "8192", true, v);
	assert_int_equal(feed(&r, &s, 4, 9, 1, "8192", true, v), ADAPT_TAKE_BACK);
	assert_string_equal(v, "4096");
	assert_int_equal(s.phase, ADAPT_TAKEN_BACK);
	assert_non_null(strstr(s.why, "did not fall"));
	assert_int_equal(s.backoff, 2);
	assert_int_equal(s.cooldown_until_s, 4 + 120);
	assert_int_equal(s.taken_back, 1);
	/* a guard that got worse: taken back although the trigger fell */
	adapt_state_init(&s);
	feed(&r, &s, 1, 10, 1.0, "4096", true, v);
	assert_int_equal(feed(&r, &s, 2, 10, 1.0, "4096", true, v), ADAPT_STEP);
	feed(&r, &s, 3, 0, 2.0, "8192", true, v);
	assert_int_equal(feed(&r, &s, 4, 0, 2.0, "8192", true, v), ADAPT_TAKE_BACK);
	assert_non_null(strstr(s.why, "guard RunqLatencyP99 got worse (1 -> 2)"));
	/* a refused write holds the rule off and does not count as a step */
	adapt_state_init(&s);
	feed(&r, &s, 1, 10, 1, "4096", true, v);
	assert_int_equal(feed(&r, &s, 2, 10, 1, "4096", true, v), ADAPT_STEP);
	adapt_refused(&r, &s, 2, "set by /etc/sysctl.d/99-admin.conf:1");
	assert_int_equal(s.steps, 0);
	assert_int_equal(s.phase, ADAPT_WATCHING);
	assert_int_equal(feed(&r, &s, 3, 10, 1, "4096", true, v), ADAPT_NONE);
	assert_int_equal(feed(&r, &s, 4, 10, 1, "4096", true, v), ADAPT_NONE);
}

/*
 * The same step taken back twice in a row: the knob does not cure the
 * evidence here, and the rule stops (no third step, however hot); a step
 * that settles in between starts the count again.
 */
static void test_gives_up(void **state)
{
	struct adapt_rule r;
	struct adapt_state s;
	char v[128];
	uint64_t t = 1;

	(void)state;
	rule(&r, somaxconn);
	adapt_state_init(&s);
	for (int round = 1; round <= 2; round++) {
		/* hot until the cooldown ends and it steps, then no better: taken back */
		while (feed(&r, &s, t++, 10, 1, "4096", true, v) != ADAPT_STEP)
			assert_true(t < 10000);
		feed(&r, &s, t++, 10, 1, "8192", true, v);
		assert_int_equal(feed(&r, &s, t++, 10, 1, "8192", true, v), ADAPT_TAKE_BACK);
		assert_string_equal(v, "4096");
	}
	assert_int_equal(s.phase, ADAPT_GAVE_UP);
	assert_string_equal(adapt_phase_name(s.phase), "gave up");
	assert_non_null(strstr(s.why, "gave up: the step from 4096 to 8192 was taken back 2 "
			       "times in a row"));
	for (uint64_t end = t + 100000; t < end; t += 7)
		assert_int_equal(feed(&r, &s, t, 10, 1, "4096", true, v), ADAPT_NONE);
	assert_int_equal(s.steps, 2);

	/*
	 * The same step taken back, then kept (it helped), then taken back
	 * again: not twice in a row, no pattern; for either way of judging.
	 */
	for (int by_guards = 0; by_guards <= 1; by_guards++) {
		r.judge_by_guards = by_guards;
		adapt_state_init(&s);
		t = 1;
		while (feed(&r, &s, t++, 10, 1, "4096", true, v) != ADAPT_STEP)
			;
		feed(&r, &s, t++, 10, by_guards ? 5 : 1, "8192", true, v);
		assert_int_equal(feed(&r, &s, t++, 10, by_guards ? 5 : 1, "8192", true, v),
				 ADAPT_TAKE_BACK);
		while (feed(&r, &s, t++, 10, 1, "4096", true, v) != ADAPT_STEP)
			;
		feed(&r, &s, t++, 1, 1, "8192", true, v);
		feed(&r, &s, t++, 1, 1, "8192", true, v);
		assert_int_equal(s.phase, ADAPT_SETTLED);
		/* back at 4096 (someone, or a re-plan), the same step again, not helping */
		while (feed(&r, &s, t++, 10, 1, "4096", true, v) != ADAPT_STEP)
			;
		feed(&r, &s, t++, 10, by_guards ? 5 : 1, "8192", true, v);
		assert_int_equal(feed(&r, &s, t++, 10, by_guards ? 5 : 1, "8192", true, v),
				 ADAPT_TAKE_BACK);
		assert_int_equal(s.phase, ADAPT_TAKEN_BACK);
	}
}

/*
 * judge = guards: evidence that persists after a step that helped (a buffer
 * maximum still short) keeps the step; a guard that got worse takes it back;
 * such a rule without a guard is an error.
 */
static void test_judge_by_guards(void **state)
{
	static const char *const judged[] = {
		"knob", "net.core.somaxconn", "when", "TcpListenOverflows > 0 over 2", "step",
		"double", "floor", "4096", "cap", "65535", "cooldown", "60", "guard",
		"RunqLatencyP99", "judge", "guards", NULL,
	};
	struct adapt_rule r;
	struct adapt_state s;
	char v[128], err[256];

	rule(&r, judged);
	adapt_state_init(&s);
	feed(&r, &s, 1, 10, 1, "4096", true, v);
	assert_int_equal(feed(&r, &s, 2, 10, 1, "4096", true, v), ADAPT_STEP);
	feed(&r, &s, 3, 12, 1, "8192", true, v);
	assert_int_equal(feed(&r, &s, 4, 11, 1, "8192", true, v), ADAPT_NONE);
	assert_int_equal(s.phase, ADAPT_SETTLED);
	assert_non_null(strstr(s.why, "no guard got worse"));
	/* after the cooldown, still at the (new) maximum: the next step */
	feed(&r, &s, 61, 10, 1, "8192", true, v);
	assert_int_equal(feed(&r, &s, 62, 10, 1, "8192", true, v), ADAPT_STEP);
	assert_string_equal(v, "16384");
	/* a guard that got worse still takes it back */
	feed(&r, &s, 63, 10, 3, "16384", true, v);
	assert_int_equal(feed(&r, &s, 64, 10, 3, "16384", true, v), ADAPT_TAKE_BACK);
	assert_string_equal(v, "8192");
	assert_non_null(strstr(s.why, "guard RunqLatencyP99 got worse"));

	assert_int_equal(set_err("judge", "vibes", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "expected evidence"));
	adapt_rule_init(&r, "t", "x");
	assert_int_equal(adapt_rule_set(&r, "knob", "net.core.somaxconn", err, sizeof(err)), 0);
	assert_int_equal(adapt_rule_set(&r, "when", "TcpListenOverflows > 0", err, sizeof(err)), 0);
	assert_int_equal(adapt_rule_set(&r, "cap", "65535", err, sizeof(err)), 0);
	assert_int_equal(adapt_rule_set(&r, "judge", "guards", err, sizeof(err)), 0);
	assert_int_equal(adapt_rule_check(&r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "judge = guards needs a guard"));
}

/* ---- a rule on each interface's receive ring ---- */

static const char *const rx_ring[] = {
	"knob", "ethtool.rx_ring", "drivers", "ena", "interfaces", "eth*, ens*",
	"when", "RxOverruns > 0 over 2", "step", "double", "cap", "16384", "cooldown", "3600",
	NULL,
};

/* The check's message for a ring rule with one key changed (NULL: removed). */
static int ring_err(const char *key, const char *value, char *err, size_t size)
{
	struct adapt_rule r;

	adapt_rule_init(&r, "ring", "x");
	for (const char *const *kv = rx_ring; kv[0]; kv += 2) {
		const char *v = strcmp(kv[0], key) ? kv[1] : value;

		if (v && adapt_rule_set(&r, kv[0], v, err, size))
			return -1;      /* refused by the key itself */
	}
	return adapt_rule_check(&r, err, size);
}

static void test_ring_parse(void **state)
{
	struct adapt_rule r;
	char err[256], text[512];

	rule(&r, rx_ring);
	assert_int_equal(r.target, ADAPT_TARGET_RX_RING);
	assert_string_equal(r.interfaces, "eth*, ens*");
	assert_string_equal(r.drivers, "ena");
	assert_true(adapt_metric_per_interface("RxOverruns"));
	assert_false(adapt_metric_per_interface("TcpListenOverflows"));
	adapt_rule_text(&r, text, sizeof(text));
	assert_string_equal(text, "ethtool.rx_ring of eth*, ens* (ena): when RxOverruns > 0/s "
			    "over 2 intervals, step double within 0..16384, the device's maximum "
			    "and the ring memory budget, cooldown 3600 s");
	rule(&r, somaxconn);
	assert_int_equal(r.target, ADAPT_TARGET_SYSCTL);

	/* the knob itself */
	assert_int_equal(set_err("knob", "ethtool.tx_ring", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "bad knob 'ethtool.tx_ring': of the [ethtool] settings only "
			    "ethtool.rx_ring can be stepped (each interface's receive ring)");
	assert_int_equal(set_err("drivers", "ena;rm -rf", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "';' is not a name or glob character"));
	assert_int_equal(set_err("interfaces", "eth0,,eth1", err, sizeof(err)), -EINVAL);
	assert_int_equal(set_err("interfaces", "", err, sizeof(err)), -EINVAL);
	assert_int_equal(set_err("interfaces", "eth[0-3], ens*", err, sizeof(err)), 0);

	/* combinations, at the end of the section */
	assert_int_equal(ring_err("when", "TcpListenOverflows > 0 over 2", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "[adapt.ring]: ethtool.rx_ring is stepped per interface on that "
			    "interface's own evidence, and TcpListenOverflows is not a metric of "
			    "an interface: use RxOverruns, RxDrops or TxDrops");
	assert_int_equal(ring_err("step", "*1.5", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "[adapt.ring]: ring sizes are powers of two: ethtool.rx_ring "
			    "takes step = double");
	assert_int_equal(ring_err("cap", "12000", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "cap 12000 is not a power of two"));
	assert_int_equal(ring_err("cap", "1%mem", err, sizeof(err)), 0);  /* rounded per host */
	assert_int_equal(ring_err("drivers", NULL, err, sizeof(err)), 0); /* ena by default */
	assert_int_equal(ring_err("knob", "net.core.somaxconn", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "[adapt.ring]: interfaces = chooses the interfaces of "
			    "ethtool.rx_ring; knob = net.core.somaxconn is a sysctl, one for the "
			    "host");
	adapt_rule_init(&r, "ring", "x");
	for (const char *const *kv = rx_ring; kv[0]; kv += 2)
		assert_int_equal(adapt_rule_set(&r, kv[0], kv[1], err, sizeof(err)), 0);
	assert_int_equal(adapt_rule_set(&r, "fields", "1", err, sizeof(err)), 0);
	assert_int_equal(adapt_rule_check(&r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "fields = is for sysctls of several fields"));
	/* a sysctl rule may still sum a per-interface metric over the interfaces */
	assert_int_equal(set_err("when", "RxDrops > 10", err, sizeof(err)), 0);
}

/* Ring steps are powers of two, within the floor and the cap (its power of two). */
static void test_ring_steps(void **state)
{
	struct adapt_rule r;
	char out[32];

	rule(&r, rx_ring);
	assert_int_equal(adapt_next_value(&r, "1024", 0, 16384, out, sizeof(out)), 0);
	assert_string_equal(out, "2048");
	assert_int_equal(adapt_next_value(&r, "1000", 0, 16384, out, sizeof(out)), 0);
	assert_string_equal(out, "1024");       /* not a power of two: the next one */
	assert_int_equal(adapt_next_value(&r, "512", 3000, 16384, out, sizeof(out)), 0);
	assert_string_equal(out, "4096");       /* the floor, up to a power of two */
	assert_int_equal(adapt_next_value(&r, "4096", 0, 6000, out, sizeof(out)), 0);
	assert_string_equal(out, "4096");       /* the cap's power of two is 4096: none */
	assert_int_equal(adapt_next_value(&r, "2048", 0, 6000, out, sizeof(out)), 0);
	assert_string_equal(out, "4096");
	assert_int_equal(adapt_next_value(&r, "16384", 0, 8192, out, sizeof(out)), 0);
	assert_string_equal(out, "16384");      /* above the cap: never lowered */
	assert_int_equal(adapt_next_value(&r, "0", 0, 8192, out, sizeof(out)), 0);
	assert_string_equal(out, "1");
}

/* One interface's ring over intervals: its state is its own (another interface's is apart). */
static enum adapt_verdict ring_feed(const struct adapt_rule *r, struct adapt_state *s,
				    uint64_t t, double overruns, const char *current,
				    uint64_t cap, char *value)
{
	struct adapt_input in = {
		.now_s = t, .have_trigger = true, .trigger = overruns, .current = current,
		.cap = cap, .cap_why = "the device's maximum (ethtool -g)", .may_change = true,
	};
	struct adapt_action act;

	adapt_decide(r, s, &in, &act);
	strcpy(value, act.value);
	return act.verdict;
}

static void test_ring_decide(void **state)
{
	struct adapt_rule r;
	struct adapt_state eth0, eth1;
	char v[128];

	rule(&r, rx_ring);
	adapt_state_init(&eth0);
	adapt_state_init(&eth1);
	strcpy(eth0.subject, "eth0");
	strcpy(eth1.subject, "eth1");
	/* eth0 overruns, eth1 does not */
	assert_int_equal(ring_feed(&r, &eth0, 60, 3, "1024", 8192, v), ADAPT_NONE);
	assert_int_equal(ring_feed(&r, &eth1, 60, 0, "1024", 8192, v), ADAPT_NONE);
	assert_string_equal(eth0.why, "eth0: watching: RxOverruns at 3/s for 1 of 2 intervals");
	assert_int_equal(ring_feed(&r, &eth0, 120, 5, "1024", 8192, v), ADAPT_STEP);
	assert_string_equal(v, "2048");
	assert_int_equal(ring_feed(&r, &eth1, 120, 0, "1024", 8192, v), ADAPT_NONE);
	assert_int_equal(eth1.phase, ADAPT_QUIET);
	assert_string_equal(eth0.why, "eth0: stepped from 1024 to 2048 because RxOverruns was 4/s "
			    "over 2 intervals; checking");
	/* it helped: settled, then the cooldown (3600 s) holds the next step */
	ring_feed(&r, &eth0, 180, 0, "2048", 8192, v);
	assert_int_equal(ring_feed(&r, &eth0, 240, 0, "2048", 8192, v), ADAPT_NONE);
	assert_int_equal(eth0.phase, ADAPT_SETTLED);
	ring_feed(&r, &eth0, 300, 2, "2048", 8192, v);
	assert_int_equal(ring_feed(&r, &eth0, 360, 2, "2048", 8192, v), ADAPT_NONE);
	assert_non_null(strstr(eth0.why, "eth0: watching: RxOverruns at 2/s, cooling down for"));
	/* after it: the next power of two, then at the device's maximum */
	ring_feed(&r, &eth0, 3700, 2, "2048", 8192, v);
	assert_int_equal(ring_feed(&r, &eth0, 3760, 2, "2048", 8192, v), ADAPT_STEP);
	assert_string_equal(v, "4096");
	ring_feed(&r, &eth0, 3820, 1, "4096", 8192, v);
	ring_feed(&r, &eth0, 3880, 1, "4096", 8192, v);
	assert_int_equal(eth0.phase, ADAPT_SETTLED);
	ring_feed(&r, &eth0, 7400, 1, "8192", 8192, v);
	assert_int_equal(ring_feed(&r, &eth0, 7460, 1, "8192", 8192, v), ADAPT_NONE);
	assert_int_equal(eth0.phase, ADAPT_AT_CAP);
	assert_string_equal(eth0.why, "eth0: at cap: RxOverruns at 1/s, but ethtool.rx_ring is at "
			    "its cap 8192, the device's maximum (ethtool -g)");
	/* eth1's own overruns: its own step from its own ring, and a take-back */
	ring_feed(&r, &eth1, 7400, 9, "1024", 8192, v);
	assert_int_equal(ring_feed(&r, &eth1, 7460, 9, "1024", 8192, v), ADAPT_STEP);
	assert_string_equal(v, "2048");
	ring_feed(&r, &eth1, 7520, 9, "2048", 8192, v);
	assert_int_equal(ring_feed(&r, &eth1, 7580, 9, "2048", 8192, v), ADAPT_TAKE_BACK);
	assert_string_equal(v, "1024");
	assert_int_equal(eth1.backoff, 2);
	assert_int_equal(eth0.taken_back, 0);
	assert_int_equal(eth0.steps, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_next_value_all_fields),
		cmocka_unit_test(test_next_value),
		cmocka_unit_test(test_step_settle_cooldown),
		cmocka_unit_test(test_take_back),
		cmocka_unit_test(test_gives_up),
		cmocka_unit_test(test_judge_by_guards),
		cmocka_unit_test(test_ring_parse),
		cmocka_unit_test(test_ring_steps),
		cmocka_unit_test(test_ring_decide),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
