// SPDX-License-Identifier: GPL-2.0-only
/* The CPU credit model against hand-computed traces. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/credits.h"
#include "identity/itype.h"
#include "core/paths.h"

#define HOUR 3600.0
#define EPS 1e-6
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A clock of cumulative CPU seconds that a test moves forward. */
struct cpu_clock {
	struct cpu_times t;
	int vcpus;
};

/* Runs the model for secs with each vCPU busy at util (0..1), steal as a share. */
static void run(struct credit_state *st, const struct credit_spec *spec, struct cpu_clock *c,
		double secs, double util, double steal, struct credit_step *out)
{
	double cap = c->vcpus * secs;

	c->t.busy_s += cap * util;
	c->t.steal_s += cap * steal;
	c->t.idle_s += cap * (1 - util - steal);
	credits_advance(st, spec, &c->t, secs, out);
}

static const struct credit_spec *spec(const char *type)
{
	const struct credit_spec *s = credits_spec_for(type);

	assert_non_null(s);
	return s;
}

static void test_table(void **state)
{
	/* Every row: earn/h = baseline x vCPUs x 60, max = 24 h of earnings. */
	for (size_t i = 0; i < credits_table_size(); i++) {
		const struct credit_spec *s = credits_table_entry(i);
		struct itype t;

		assert_int_equal(itype_parse(s->type, &t, NULL, 0), 0);
		assert_string_equal(t.class_, "t");
		assert_true(fabs(s->baseline_pct / 100 * s->vcpus * 60 - s->earn_per_hour) < EPS);
		assert_true(fabs(s->earn_per_hour * 24 - s->max_accrued) < EPS);
	}
	assert_int_equal(credits_table_size(), 28);
	assert_null(credits_spec_for("m5.large"));
	assert_null(credits_spec_for("t3.4xlarge"));
	assert_true(spec("t2.2xlarge")->earn_per_hour == 81.6);
}

static void test_idle_fills_to_cap(void **state)
{
	const struct credit_spec *s = spec("t3.micro");  /* 12/h, max 288 */
	struct cpu_clock c = { .vcpus = 2 };
	struct credit_state st;
	struct credit_step step;

	credits_start(&st, s, CREDIT_MODE_DEFAULT, -1, "i-0123456789abcdef0", "b", &c.t, 0);
	assert_int_equal(st.mode, CREDIT_MODE_UNLIMITED);
	assert_true(st.balance == 0 && st.launch == 0);
	run(&st, s, &c, HOUR, 0, 0, &step);
	assert_true(fabs(st.balance - 12) < EPS);
	assert_true(fabs(step.earned - 12) < EPS && step.spent == 0);
	for (int h = 1; h < 30; h++)
		run(&st, s, &c, HOUR, 0, 0, &step);
	/* 24 h fill it; the rest is discarded. */
	assert_true(fabs(st.balance - 288) < EPS);
	assert_true(step.exhaustion_s < 0);
}

static void test_full_burn_exact(void **state)
{
	const struct credit_spec *s = spec("t3.micro");
	struct cpu_clock c = { .vcpus = 2 };
	struct credit_state st;
	struct credit_step step;

	credits_start(&st, s, CREDIT_MODE_STANDARD, 288, "i-0123456789abcdef0", "b", &c.t, 0);
	/* 2 vCPUs at 100% for an hour spend 120 credits and earn 12. */
	run(&st, s, &c, HOUR, 1.0, 0, &step);
	assert_true(fabs(step.spent - 120) < EPS);
	assert_true(fabs(st.balance - 180) < EPS);
	assert_true(fabs(step.cpu_pct - 100) < EPS);
	assert_true(fabs(step.burn_ratio - 10) < EPS);
	/* 180 credits left, draining 108 an hour: 6000 s. */
	assert_true(fabs(step.exhaustion_s - 6000) < 1e-3);
	run(&st, s, &c, 2 * HOUR, 1.0, 0, &step);
	assert_true(st.balance == 0);   /* standard never goes below zero */
}

static void test_baseline_boundary(void **state)
{
	const struct credit_spec *s = spec("t3.large");  /* 2 vCPUs, 30%, 36/h */
	struct cpu_clock c = { .vcpus = 2 };
	struct credit_state st;
	struct credit_step step;

	credits_start(&st, s, CREDIT_MODE_STANDARD, 100, "i-0123456789abcdef0", "b", &c.t, 0);
	run(&st, s, &c, HOUR, 0.30, 0, &step);
	assert_true(fabs(st.balance - 100) < 1e-6);
	assert_true(fabs(step.burn_ratio - 1.0) < 1e-9);
	assert_true(step.exhaustion_s < 0);
	/* Just above the baseline drains; just below earns. */
	run(&st, s, &c, HOUR, 0.31, 0, &step);
	assert_true(st.balance < 100 && step.exhaustion_s > 0);
	run(&st, s, &c, HOUR, 0.29, 0, &step);
	assert_true(fabs(st.balance - 100) < 1e-6);
}

static void test_t2_launch_credits(void **state)
{
	const struct credit_spec *s = spec("t2.micro");  /* 1 vCPU, 6/h, launch 30 */
	struct cpu_clock c = { .vcpus = 1 };
	struct credit_state st;
	struct credit_step step;

	credits_start(&st, s, CREDIT_MODE_DEFAULT, -1, "i-0123456789abcdef0", "b", &c.t, 0);
	assert_int_equal(st.mode, CREDIT_MODE_STANDARD);
	assert_true(st.launch == 30);
	/* 30 minutes at 100%: 30 credits from the launch credits, 3 earned. */
	run(&st, s, &c, HOUR / 2, 1.0, 0, &step);
	assert_true(fabs(st.launch) < EPS && fabs(st.balance - 3) < EPS);
	run(&st, s, &c, HOUR / 2, 1.0, 0, &step);
	assert_true(st.balance == 0);
	/* Launch credits do not count toward the maximum: 30 + 144 at rest. */
	credits_start(&st, s, CREDIT_MODE_STANDARD, -1, "i-0123456789abcdef0", "b", &c.t, 0);
	for (int h = 0; h < 30; h++)
		run(&st, s, &c, HOUR, 0, 0, &step);
	assert_true(fabs(st.balance + st.launch - 174) < EPS);
}

/*
 * One size of every family, standard mode, an hour on every vCPU at one
 * utilisation, from a configured balance; expected values by hand from the
 * table (earned = earn/h, spent = vCPUs x util x 60).
 */
static void test_every_family_by_hand(void **state)
{
	static const struct {
		const char *type;
		int vcpus;
		double start, util;
		double balance, burn_ratio, exhaustion_s;	/* -1: not draining */
	} cases[] = {
		/* 24/h, 20%: spends 60, earns 24; 64 left, draining 36/h. */
		{ "t2.medium", 2, 100, 0.50, 64, 2.5, 6400 },
		/* 96/h, 40%: spends 168, earns 96; 428 left, draining 72/h. */
		{ "t3.xlarge", 4, 500, 0.70, 428, 1.75, 21400 },
		/* 24/h, 20%: spends 12, earns 24. */
		{ "t3a.small", 2, 100, 0.10, 112, 0.5, -1 },
		/* 192/h, 40%: spends 480, earns 192; 712 left, draining 288/h. */
		{ "t4g.2xlarge", 8, 1000, 1.00, 712, 2.5, 8900 },
		/* 6/h, 5%: exactly at the baseline. */
		{ "t4g.nano", 2, 50, 0.05, 50, 1.0, -1 },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct credit_spec *s = spec(cases[i].type);
		struct cpu_clock c = { .vcpus = cases[i].vcpus };
		struct credit_state st;
		struct credit_step step;

		assert_int_equal(s->vcpus, cases[i].vcpus);
		credits_start(&st, s, CREDIT_MODE_STANDARD, cases[i].start, "i-0123456789abcdef0",
			      "b", &c.t, 0);
		/* The configured balance is the whole stock, T2 launch credits included. */
		assert_true(st.launch == 0);
		run(&st, s, &c, HOUR, cases[i].util, 0, &step);
		if (fabs(st.balance - cases[i].balance) > 1e-6 ||
		    fabs(step.burn_ratio - cases[i].burn_ratio) > 1e-9 ||
		    (cases[i].exhaustion_s < 0 ? step.exhaustion_s >= 0 :
		     fabs(step.exhaustion_s - cases[i].exhaustion_s) > 1e-3))
			fail_msg("%s: balance %f burn %f exhaustion %f", cases[i].type, st.balance,
				 step.burn_ratio, step.exhaustion_s);
	}
}

static void test_unlimited_surplus(void **state)
{
	const struct credit_spec *s = spec("t3.micro");
	struct cpu_clock c = { .vcpus = 2 };
	struct credit_state st;
	struct credit_step step;

	credits_start(&st, s, CREDIT_MODE_UNLIMITED, 0, "i-0123456789abcdef0", "b", &c.t, 0);
	run(&st, s, &c, HOUR, 1.0, 0, &step);
	assert_true(st.balance == 0 && fabs(st.surplus - 108) < EPS);
	/* Nine idle hours earn 108 and pay the surplus back. */
	run(&st, s, &c, 9 * HOUR, 0, 0, &step);
	assert_true(fabs(st.surplus) < EPS && fabs(st.balance) < EPS);
	/* Surplus beyond one maximum (288) is charged. */
	run(&st, s, &c, 4 * HOUR, 1.0, 0, &step);
	assert_true(fabs(st.surplus - 288) < EPS);
	assert_true(fabs(st.charged - (4 * 108 - 288)) < EPS);
	assert_false(step.throttled);   /* unlimited is never held at baseline */

	/* Switching to standard charges the surplus; back to unlimited drops launch credits. */
	credits_set_mode(&st, CREDIT_MODE_STANDARD);
	assert_true(st.surplus == 0 && fabs(st.charged - 4 * 108) < EPS);
	st.launch = 30;
	credits_set_mode(&st, CREDIT_MODE_UNLIMITED);
	assert_true(st.launch == 0 && st.mode == CREDIT_MODE_UNLIMITED);
}

static void test_throttling(void **state)
{
	const struct credit_spec *s = spec("t3.micro");  /* baseline 10% */
	struct cpu_clock c = { .vcpus = 2 };
	struct credit_state st;
	struct credit_step step;

	credits_start(&st, s, CREDIT_MODE_STANDARD, 0, "i-0123456789abcdef0", "b", &c.t, 0);
	/* Held at baseline: busy 10%, steal 40% of the time (demand 50%). */
	run(&st, s, &c, 60, 0.10, 0.40, &step);
	run(&st, s, &c, 60, 0.10, 0.40, &step);
	assert_false(step.throttled);
	assert_true(fabs(step.steal_pct - 40) < EPS);
	run(&st, s, &c, 60, 0.10, 0.40, &step);
	assert_true(step.throttled);     /* 180 s in a row */
	/* Steal with demand under the baseline is a noisy neighbour, not credits. */
	run(&st, s, &c, 60, 0.02, 0.05, &step);
	assert_false(step.throttled);
}

static void test_persistence(void **state)
{
	const struct credit_spec *t3 = spec("t3.micro"), *t2 = spec("t2.micro");
	char dir[] = "/tmp/perfagent-credits-XXXXXX";
	struct cpu_clock c = { .vcpus = 2 };
	struct credit_state st, back;
	struct credit_step step;
	struct pa_paths paths;
	struct credit_boot boot = { .instance_id = "i-0123456789abcdef0", .boot_id = "b1" };
	char cmd[64];

	assert_non_null(mkdtemp(dir));
	paths_init(&paths);
	snprintf(paths.state_dir, sizeof(paths.state_dir), "%s", dir);

	credits_start(&st, t3, CREDIT_MODE_STANDARD, 100, boot.instance_id, "b1", &c.t, 1000000);
	run(&st, t3, &c, HOUR, 0, 0, &step);
	st.updated_wall_ms = 1000000 + 3600000;
	assert_int_equal(credits_save(&paths, &st), 0);

	/* Daemon restart, same boot, an hour later at 100%: accounted exactly. */
	c.t.busy_s += 2 * HOUR;
	boot.wall_ms = st.updated_wall_ms + 3600000;
	boot.now = c.t;
	assert_int_equal(credits_load(&paths, &back, t3, &boot), 0);
	assert_true(back.restored);
	assert_true(fabs(back.balance - (112 - 108)) < EPS);

	/* Another instance's estimate is not used. */
	boot.instance_id = "i-0fedcba9876543210";
	assert_int_equal(credits_load(&paths, &back, t3, &boot), -ENOENT);
	boot.instance_id = "i-0123456789abcdef0";

	/* Stop/start of a T3 within 7 days keeps the balance. */
	boot.boot_id = "b2";
	boot.boot_wall_ms = st.updated_wall_ms + 3600000;   /* an hour down */
	boot.wall_ms = boot.boot_wall_ms;
	memset(&boot.now, 0, sizeof(boot.now));
	assert_int_equal(credits_load(&paths, &back, t3, &boot), 0);
	assert_true(fabs(back.balance - 112) < EPS);
	assert_non_null(strstr(back.note, "stop/start"));

	/* A T2 stopped for an hour loses its credits and gets launch credits again. */
	credits_start(&st, t2, CREDIT_MODE_STANDARD, 50, boot.instance_id, "b1", &c.t, 1000000);
	st.launch = 0;
	assert_int_equal(credits_save(&paths, &st), 0);
	boot.boot_wall_ms = 1000000 + 3600000;
	boot.wall_ms = boot.boot_wall_ms;
	assert_int_equal(credits_load(&paths, &back, t2, &boot), 0);
	assert_true(back.balance == 0 && back.launch == 30);
	/* ...but a one-minute reboot keeps them, with the minute's earnings. */
	boot.boot_wall_ms = 1000000 + 60000;
	boot.wall_ms = boot.boot_wall_ms;
	assert_int_equal(credits_load(&paths, &back, t2, &boot), 0);
	assert_true(fabs(back.balance - 50.1) < EPS && back.launch == 0);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_procstat_parse(void **state)
{
	const char *good = "cpu  100 20 30 400 50 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10\n";
	struct cpu_times a, b, d;

	assert_int_equal(procstat_parse(good, strlen(good), 100, &a), 0);
	/* busy = user + nice + system + irq + softirq; guest is inside user. */
	assert_true(fabs(a.busy_s - 1.63) < EPS);
	assert_true(fabs(a.idle_s - 4.50) < EPS);
	assert_true(fabs(a.steal_s - 0.08) < EPS);
	assert_int_not_equal(procstat_parse("cpu0 1 2 3", 10, 100, &a), 0);
	assert_int_not_equal(procstat_parse("cpu  1 2 3 4 5 6 7\n", 19, 100, &a), 0);
	assert_int_not_equal(procstat_parse("", 0, 100, &a), 0);
	assert_int_not_equal(procstat_parse(good, strlen(good), 0, &a), 0);
	/* A counter going backwards gives 0, never a negative delta. */
	b = a;
	b.busy_s -= 1;
	b.idle_s += 2;
	d = procstat_delta(&a, &b);
	assert_true(d.busy_s == 0 && fabs(d.idle_s - 2) < EPS && d.steal_s == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_idle_fills_to_cap),
		cmocka_unit_test(test_full_burn_exact),
		cmocka_unit_test(test_baseline_boundary),
		cmocka_unit_test(test_t2_launch_credits),
		cmocka_unit_test(test_every_family_by_hand),
		cmocka_unit_test(test_unlimited_surplus),
		cmocka_unit_test(test_throttling),
		cmocka_unit_test(test_persistence),
		cmocka_unit_test(test_procstat_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
