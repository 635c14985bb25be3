// SPDX-License-Identifier: GPL-2.0-only
/*
 * block_sample: the setting's parser, and the auto choice of N from the
 * busiest CPU's completion rate (agent/probes/block_sample.h): about
 * BLOCK_SAMPLE_TARGET timed completions a second, N a power of two, up at
 * once, down only below 3/8 of the present N's rate, bounded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "probes/block_sample.h"
#include "probes/probes.h"

#define T BLOCK_SAMPLE_TARGET

static void test_parse(void **state)
{
	int v = 123;

	(void)state;
	assert_int_equal(probes_block_sample_parse("off", &v), 0);
	assert_int_equal(v, PROBES_SAMPLE_OFF);
	assert_int_equal(probes_block_sample_parse("auto", &v), 0);
	assert_int_equal(v, PROBES_SAMPLE_AUTO);
	assert_int_equal(probes_block_sample_parse("8", &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(probes_block_sample_parse("65536", &v), 0);
	assert_int_equal(v, 65536);
	v = 7;
	/* 1 would be "off" by another name; 0, signs, junk and overflow are refused. */
	static const char *const bad[] = { "", "0", "1", "65537", "-8", "+8", "8x", " 8",
					   "Auto", "on", "99999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(probes_block_sample_parse(bad[i], &v), -EINVAL);
	assert_int_equal(v, 7);
}

/* Rates at or under the target time every completion. */
static void test_auto_low_rates(void **state)
{
	(void)state;
	assert_int_equal(block_sample_auto(0, 1), 1);
	assert_int_equal(block_sample_auto(-5, 1), 1);
	assert_int_equal(block_sample_auto(T / 2, 1), 1);
	assert_int_equal(block_sample_auto(T, 1), 1);
}

/* From every completion timed: the power of two that keeps under the target. */
static void test_auto_up(void **state)
{
	(void)state;
	assert_int_equal(block_sample_auto(T * 1.01, 1), 2);
	assert_int_equal(block_sample_auto(T * 3, 1), 4);
	assert_int_equal(block_sample_auto(T * 8, 1), 8);
	assert_int_equal(block_sample_auto(T * 8.5, 1), 16);
	/* 1 million completions a second on one CPU: 128, 7812 timed a second. */
	assert_int_equal(block_sample_auto(1e6, 1), 128);
	/* Up from any N as soon as the rate needs it. */
	assert_int_equal(block_sample_auto(T * 9, 8), 16);
	assert_int_equal(block_sample_auto(T * 100, 16), 128);
	/* Bounded, also for absurd or unknown present values. */
	assert_int_equal(block_sample_auto(1e12, 1), BLOCK_SAMPLE_MAX);
	assert_int_equal(block_sample_auto(T * 3, 0), 4);
	assert_int_equal(block_sample_auto(T * 3, BLOCK_SAMPLE_MAX * 2), 4);
}

/*
 * Down only once the rate is under 3/8 of N's: a rate wandering around a
 * boundary keeps N, and the timed rate stays within 3/8 T .. T.
 */
static void test_auto_hysteresis(void **state)
{
	unsigned int n = 1;

	(void)state;
	assert_int_equal(block_sample_auto(T * 7, 8), 8);
	assert_int_equal(block_sample_auto(T * 4.5, 8), 8);
	assert_int_equal(block_sample_auto(T * 3.01, 8), 8);
	assert_int_equal(block_sample_auto(T * 2.99, 8), 4);
	assert_int_equal(block_sample_auto(T * 0.5, 8), 1);
	assert_int_equal(block_sample_auto(T * 0.76, 2), 2);
	assert_int_equal(block_sample_auto(T * 0.74, 2), 1);
	/* A rate going 7.5 T, 8.5 T, 7.5 T, ... settles at 16 and stays. */
	for (int i = 0; i < 10; i++)
		n = block_sample_auto(T * (i % 2 ? 8.5 : 7.5), n);
	assert_int_equal(n, 16);
	/* Over a sweep up and down, the timed rate never leaves 3/8 T .. T. */
	n = 1;
	for (double r = T; r < T * 1000; r *= 1.1) {
		n = block_sample_auto(r, n);
		assert_true(r / n <= T && r / n >= T * 3 / 8);
	}
	for (double r = T * 1000; r > T; r /= 1.1) {
		n = block_sample_auto(r, n);
		assert_true(r / n <= T && r / n >= T * 3 / 8);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_auto_low_rates),
		cmocka_unit_test(test_auto_up),
		cmocka_unit_test(test_auto_hysteresis),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
