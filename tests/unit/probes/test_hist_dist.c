// SPDX-License-Identifier: GPL-2.0-only
/*
 * hist_dist: a histogram sent as Values/Counts. On several shapes (narrow,
 * wide, heavy tail, one value, small values, sizes, nanoseconds sent as
 * microseconds), the percentiles CloudWatch would take from the sent values
 * (nearest rank over the expanded counts) must match hist_summarize()'s
 * quantiles and the exact samples within hist_dist_error(), the bound
 * documented in hist_dist.h and the catalogue; a distribution that is off
 * by more than that must be caught, so the check can fail.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/hist_dist.h"

#define NVALS 20000

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

/* xorshift64*: deterministic, so a failure replays. */
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void fill(struct hist *h, const uint64_t *v, size_t n)
{
	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < n; i++) {
		h->buckets[hist_bucket(v[i])]++;
		h->sum += v[i];
		if (v[i] > h->max)
			h->max = v[i];
	}
}

/* CloudWatch's view: the nearest-rank percentile over the sent values. */
static double dist_percentile(const struct metric_dist *d, unsigned int permille)
{
	double rank = ceil(d->count * permille / 1000.0), seen = 0;

	if (rank < 1)
		rank = 1;
	for (size_t i = 0; i < d->n; i++) {
		seen += d->counts[i];
		if (seen >= rank)
			return d->values[i];
	}
	return d->values[d->n - 1];
}

static const unsigned int permilles[] = { 1, 100, 500, 900, 990, 999, 1000 };

/*
 * True when every percentile of d is within the stated error of h's quantile
 * and of the exact sample (sorted[]), in h's unit (d's values x per_unit).
 */
static bool dist_matches(const struct metric_dist *d, int level, const struct hist *h,
			 const uint64_t *sorted, size_t n, enum hist_estimate how,
			 double per_unit)
{
	for (size_t i = 0; i < sizeof(permilles) / sizeof(permilles[0]); i++) {
		double sent = dist_percentile(d, permilles[i]) * per_unit;
		double q = hist_quantile(h, permilles[i], how);
		size_t rank = (n * permilles[i] + 999) / 1000;
		double exact = sorted[(rank ? rank : 1) - 1];
		/* A double's rounding after the division by per_unit. */
		double slack = 1e-9 * q;

		if (fabs(sent - q) > hist_dist_error(level, how, q) + slack) {
			print_message("p%u: sent %.3f, hist_quantile %.3f, level %d\n",
				      permilles[i], sent, q, level);
			return false;
		}
		/* The top bucket reports the max, whatever the bound says. */
		if (hist_bucket(exact) < HIST_BUCKETS - 1 &&
		    fabs(sent - exact) > hist_dist_error(level, how, exact) + slack) {
			print_message("p%u: sent %.3f, exact %.0f, level %d\n", permilles[i],
				      sent, exact, level);
			return false;
		}
	}
	return true;
}

/* The EMF rules a distribution must keep, and its totals. */
static void check_shape(const struct metric_dist *d, const struct hist *h, double per_unit)
{
	double counts = 0;

	assert_true(d->n >= 1 && d->n <= METRIC_DIST_MAX);
	for (size_t i = 0; i < d->n; i++) {
		assert_true(d->counts[i] > 0);
		assert_true(i == 0 || d->values[i] > d->values[i - 1]);
		counts += d->counts[i];
	}
	assert_true(counts == d->count);
	assert_true(d->count == hist_count(h));
	assert_true(fabs(d->sum - h->sum / per_unit) <= 1e-9 * d->sum);
	assert_true(d->min == d->values[0]);
	assert_true(d->max >= d->values[d->n - 1]);
}

/* Fills h from v, checks its distribution; returns the merge level. */
static int run_shape(uint64_t *v, size_t n, enum hist_estimate how, double per_unit)
{
	static struct hist h;
	struct metric_dist d;
	int level;

	fill(&h, v, n);
	qsort(v, n, sizeof(v[0]), cmp_u64);
	level = hist_to_dist(&h, how, per_unit, &d);
	assert_in_range(level, 0, HIST_DIST_MAX_LEVEL);
	check_shape(&d, &h, per_unit);
	assert_true(dist_matches(&d, level, &h, v, n, how, per_unit));
	return level;
}

static uint64_t vals[NVALS];

static void test_narrow(void **state)
{
	for (size_t i = 0; i < NVALS; i++)
		vals[i] = 1000 + rng() % 100;
	assert_int_equal(run_shape(vals, NVALS, HIST_MIDDLE, 1), 0);
}

/* Every power of two to 2^32: the most buckets a histogram can fill. */
static void test_wide(void **state)
{
	for (size_t i = 0; i < NVALS; i++) {
		unsigned int bits = rng() % 33;

		vals[i] = bits ? rng() & ((1ULL << bits) - 1) : 0;
	}
	assert_true(run_shape(vals, NVALS, HIST_MIDDLE, 1) >= 2);
}

/* Most samples about 100 us, 2% up to a second: the tail must keep its own values. */
static void test_heavy_tail(void **state)
{
	for (size_t i = 0; i < NVALS; i++)
		vals[i] = i % 50 ? 80 + rng() % 40 : 1000 + rng() % 1000000;
	run_shape(vals, NVALS, HIST_MIDDLE, 1);
}

static void test_single_value(void **state)
{
	static struct hist h;
	struct metric_dist d;

	for (size_t i = 0; i < 1000; i++)
		vals[i] = 4096;
	assert_int_equal(run_shape(vals, 1000, HIST_LOWER, 1), 0);
	fill(&h, vals, 1000);
	hist_to_dist(&h, HIST_LOWER, 1, &d);
	assert_int_equal(d.n, 1);
	assert_true(d.values[0] == 4096 && d.counts[0] == 1000 && d.max == 4096);
}

/* Below 32 each value has a bucket: sent exactly. */
static void test_small_values(void **state)
{
	for (size_t i = 0; i < NVALS; i++)
		vals[i] = rng() % 32;
	assert_int_equal(run_shape(vals, NVALS, HIST_MIDDLE, 1), 0);
}

/* I/O sizes, lower bounds: 4 KiB to 1 MiB in 512-byte steps. */
static void test_sizes(void **state)
{
	for (size_t i = 0; i < NVALS; i++)
		vals[i] = 4096 + 512 * (rng() % 2041);
	run_shape(vals, NVALS, HIST_LOWER, 1);
}

/* Block latencies: nanoseconds in the kernel, microseconds sent. */
static void test_scaled(void **state)
{
	for (size_t i = 0; i < NVALS; i++)
		vals[i] = 50000 + rng() % 5000000;
	run_shape(vals, NVALS, HIST_MIDDLE, 1000);
}

static void test_empty(void **state)
{
	static struct hist h;
	struct metric_dist d;

	memset(&h, 0, sizeof(h));
	assert_int_equal(hist_to_dist(&h, HIST_MIDDLE, 1, &d), -ENODATA);
}

/* The check above can fail: values 10% high, or merged one level coarser than said. */
static void test_check_can_fail(void **state)
{
	static struct hist h;
	struct metric_dist d;
	int level;

	for (size_t i = 0; i < NVALS; i++)
		vals[i] = 1000 + rng() % 100000;
	fill(&h, vals, NVALS);
	qsort(vals, NVALS, sizeof(vals[0]), cmp_u64);
	level = hist_to_dist(&h, HIST_MIDDLE, 1, &d);
	assert_true(dist_matches(&d, level, &h, vals, NVALS, HIST_MIDDLE, 1));
	for (size_t i = 0; i < d.n; i++)
		d.values[i] *= 1.1;
	assert_false(dist_matches(&d, level, &h, vals, NVALS, HIST_MIDDLE, 1));
	/* Values sent at level + 2 claimed as level: off by more than its bound. */
	level = hist_to_dist(&h, HIST_MIDDLE, 1, &d);
	for (size_t i = 0; i < d.n; i++)
		d.values[i] = hist_range_estimate(hist_bucket_lo(hist_bucket(d.values[i]) & ~7u),
						  hist_bucket_hi(hist_bucket(d.values[i]) | 7u),
						  h.max, HIST_MIDDLE);
	assert_false(dist_matches(&d, level, &h, vals, NVALS, HIST_MIDDLE, 1));
}

/* The bound itself: 3.1 % at level 0 (the quantiles' own), doubling per level. */
static void test_error_bound(void **state)
{
	assert_true(hist_dist_error(0, HIST_MIDDLE, 1000) == 1000 / 32.0);
	assert_true(hist_dist_error(1, HIST_MIDDLE, 1000) == 1000 / 16.0);
	assert_true(hist_dist_error(3, HIST_MIDDLE, 1000) == 1000 / 4.0);
	assert_true(hist_dist_error(0, HIST_LOWER, 1000) == 1000 / 16.0);
	assert_true(hist_dist_error(2, HIST_MIDDLE, 10) == 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_narrow),
		cmocka_unit_test(test_wide),
		cmocka_unit_test(test_heavy_tail),
		cmocka_unit_test(test_single_value),
		cmocka_unit_test(test_small_values),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_scaled),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_check_can_fail),
		cmocka_unit_test(test_error_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
