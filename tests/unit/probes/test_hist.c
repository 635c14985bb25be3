// SPDX-License-Identifier: GPL-2.0-only
/*
 * hist: bucket math, per-CPU merge, interval deltas (each interval's true
 * max) and quantiles against exact computations on the raw values; the
 * bcc-style printer; and (as root) the BPF helpers run through
 * BPF_PROG_TEST_RUN, which must put every value in the same bucket as
 * agent/probes/hist.c and keep each interval's max as the epoch advances.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "probes/hist.h"
#include "hist_test.skel.h"

#define NVALS 20000

/* xorshift64*: deterministic, so a failure replays. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Values spread over every power of two up to 2^bits. */
static uint64_t rng_log(unsigned int bits)
{
	unsigned int h = rng() % (bits + 1);

	return h ? rng() & ((1ULL << h) - 1) : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One value as the programs add it (bpf/hist.bpf.h) in interval epoch. */
static void hist_record(struct hist *h, uint64_t v, uint64_t epoch)
{
	struct hist_max *m = &h->slot[epoch & 1];

	h->buckets[hist_bucket(v)]++;
	h->sum += v;
	if (m->epoch != epoch)
		*m = (struct hist_max){ .epoch = epoch, .value = v };
	else if (v > m->value)
		m->value = v;
}

/* The values in interval 0, with max set as a userspace reading would. */
static void hist_fill(struct hist *h, const uint64_t *v, size_t n)
{
	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < n; i++)
		hist_record(h, v[i], 0);
	h->max = h->slot[0].value;
}

static uint64_t max_of(const uint64_t *v, size_t n)
{
	uint64_t max = 0;

	for (size_t i = 0; i < n; i++)
		max = v[i] > max ? v[i] : max;
	return max;
}

static void test_bucket_bounds(void **state)
{
	assert_int_equal(HIST_BUCKETS, 464);
	for (unsigned int b = 0; b < HIST_BUCKETS; b++) {
		uint64_t lo = hist_bucket_lo(b), hi = hist_bucket_hi(b);

		assert_int_equal(hist_bucket(lo), b);
		assert_int_equal(hist_bucket(hi), b);
		if (b + 1 < HIST_BUCKETS) {
			assert_true(hist_bucket_lo(b + 1) == hi + 1);
			/* At most 1/16 of the lower bound wide. */
			assert_true((hi - lo + 1) * 16 <= (lo < 16 ? 16 : lo));
		}
	}
	for (uint64_t v = 0; v < 32; v++) {
		assert_int_equal(hist_bucket(v), v);
		assert_true(hist_bucket_lo(v) == v && hist_bucket_hi(v) == v);
	}
	assert_int_equal(hist_bucket(32), 32);
	assert_int_equal(hist_bucket(33), 32);
	assert_int_equal(hist_bucket(34), 33);
	assert_int_equal(hist_bucket((1ULL << 32) - 1), HIST_BUCKETS - 1);
	assert_int_equal(hist_bucket(1ULL << 32), HIST_BUCKETS - 1);
	assert_int_equal(hist_bucket(UINT64_MAX), HIST_BUCKETS - 1);
	for (int i = 0; i < NVALS; i++) {
		uint64_t v = rng_log(40);
		unsigned int b = hist_bucket(v);

		assert_true(hist_bucket_lo(b) <= v && v <= hist_bucket_hi(b));
	}
}

static void test_merge_per_cpu(void **state)
{
	enum { CPUS = 7, PER_CPU = 3000 };
	static uint64_t all[CPUS * PER_CPU];
	static struct hist cpu[CPUS], merged, direct;

	for (size_t i = 0; i < CPUS * PER_CPU; i++)
		all[i] = rng_log(30);
	memset(&merged, 0, sizeof(merged));
	for (int c = 0; c < CPUS; c++) {
		hist_fill(&cpu[c], all + c * PER_CPU, PER_CPU);
		hist_merge(&merged, &cpu[c]);
	}
	hist_fill(&direct, all, CPUS * PER_CPU);
	assert_memory_equal(&merged, &direct, sizeof(direct));
	assert_int_equal(hist_count(&merged), CPUS * PER_CPU);
}

/* Nearest-rank quantile of sorted values, the definition hist.h uses. */
static uint64_t exact_quantile(const uint64_t *sorted, size_t n,
			       unsigned int permille)
{
	size_t rank = (n * permille + 999) / 1000;

	return sorted[(rank ? rank : 1) - 1];
}

static void check_one(const struct hist *h, const uint64_t *sorted, size_t n,
		      unsigned int q, enum hist_estimate how)
{
	uint64_t exact = exact_quantile(sorted, n, q);
	uint64_t est = hist_quantile(h, q, how);
	unsigned int b = hist_bucket(exact);
	uint64_t lo = hist_bucket_lo(b), hi = hist_bucket_hi(b);
	uint64_t err = est > exact ? est - exact : exact - est;
	bool ok;

	if (how == HIST_MIDDLE)	/* half a bucket: under 1/32 */
		ok = err <= (hi - lo) / 2 && err * 32 <= exact;
	else			/* the lower bound: under 1/16, never above */
		ok = est == lo && est <= exact && err * 16 <= exact;
	if (!ok || (exact < 32 && err))
		fail_msg("n %zu q %u/1000 (%s): estimate %llu, exact %llu, "
			 "bucket [%llu, %llu]", n, q,
			 how == HIST_MIDDLE ? "middle" : "lower",
			 (unsigned long long)est, (unsigned long long)exact,
			 (unsigned long long)lo, (unsigned long long)hi);
}

static void check_quantiles(uint64_t *v, size_t n)
{
	static const unsigned int qs[] = { 1, 100, 500, 900, 990, 999, 1000 };
	static struct hist h;

	hist_fill(&h, v, n);
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		check_one(&h, v, n, qs[i], HIST_MIDDLE);
		check_one(&h, v, n, qs[i], HIST_LOWER);
	}
	assert_true(hist_quantile(&h, 1000, HIST_MIDDLE) <= v[n - 1]);
}

static void test_quantiles_exact_bound(void **state)
{
	static uint64_t v[NVALS];
	static const size_t sizes[] = { 1, 2, 3, 10, 99, 1000, NVALS };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (size_t i = 0; i < sizes[s]; i++)
			v[i] = rng_log(31);
		check_quantiles(v, sizes[s]);
		for (size_t i = 0; i < sizes[s]; i++)	/* a narrow band */
			v[i] = 5000 + rng() % 300;
		check_quantiles(v, sizes[s]);
		for (size_t i = 0; i < sizes[s]; i++)	/* exact region */
			v[i] = rng() % 32;
		check_quantiles(v, sizes[s]);
	}
	for (size_t i = 0; i < 100; i++)
		v[i] = 123456;
	check_quantiles(v, 100);
}

/* Usual I/O sizes are bucket lower bounds: HIST_LOWER reports them exactly. */
static void test_quantile_sizes_exact(void **state)
{
	static const uint64_t sizes[] = { 512, 1024, 4096, 4608, 8192, 12288,
					  16384, 20480, 32768, 61440, 65536,
					  131072, 262144, 524288, 1048576 };
	static struct hist h;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&h, 0, sizeof(h));
		h.buckets[hist_bucket(sizes[i])] = 3;
		h.buckets[hist_bucket(2 * sizes[i])] = 1;
		h.sum = 5 * sizes[i];
		h.max = 2 * sizes[i];
		assert_true(hist_bucket_lo(hist_bucket(sizes[i])) == sizes[i]);
		assert_true(hist_quantile(&h, 500, HIST_LOWER) == sizes[i]);
		assert_true(hist_quantile(&h, 999, HIST_LOWER) == 2 * sizes[i]);
	}
}

static void test_quantile_edges(void **state)
{
	static struct hist h;
	struct hist_summary s;

	memset(&h, 0, sizeof(h));
	assert_int_equal(hist_quantile(&h, 500, HIST_MIDDLE), 0);
	hist_summarize(&h, HIST_MIDDLE, &s);
	assert_true(s.count == 0 && s.max == 0 && s.p99 == 0);

	/* 0.9 * 10 is 9.000000000000002 in doubles: rank must be 9, not 10. */
	for (uint64_t i = 1; i <= 10; i++)
		h.buckets[hist_bucket(i)]++;
	h.max = 10;
	assert_int_equal(hist_quantile(&h, 900, HIST_MIDDLE), 9);
	assert_int_equal(hist_quantile(&h, 1000, HIST_MIDDLE), 10);
	assert_int_equal(hist_quantile(&h, 0, HIST_MIDDLE), 1);

	/* Capped at the max inside its bucket. */
	memset(&h, 0, sizeof(h));
	h.buckets[hist_bucket(1000)] = 1;
	h.max = 1000;
	assert_int_equal(hist_quantile(&h, 500, HIST_MIDDLE), 1000);
	assert_int_equal(hist_quantile(&h, 500, HIST_LOWER), 992);
	/* Clamped values: the estimate is the max. */
	memset(&h, 0, sizeof(h));
	h.buckets[hist_bucket(1ULL << 40)] = 1;
	h.max = 1ULL << 40;
	assert_true(hist_quantile(&h, 990, HIST_MIDDLE) == 1ULL << 40);
	assert_true(hist_quantile(&h, 990, HIST_LOWER) == 1ULL << 40);
}

static void test_delta_interval(void **state)
{
	enum { N1 = 4000, N2 = 2500 };
	static uint64_t v[N1 + N2];
	static struct hist before, after, delta, direct;

	for (size_t i = 0; i < N1 + N2; i++)
		v[i] = rng_log(24);
	hist_fill(&before, v, N1);
	after = before;
	for (size_t i = N1; i < N1 + N2; i++)
		hist_record(&after, v[i], 1);
	hist_fill(&direct, v + N1, N2);
	hist_delta(&delta, &after, &before, 1);
	assert_memory_equal(delta.buckets, direct.buckets, sizeof(direct.buckets));
	assert_true(delta.sum == direct.sum);
	assert_true(delta.max == direct.max);

	/* Nothing new: empty, max 0. */
	hist_delta(&delta, &after, &after, 2);
	assert_int_equal(hist_count(&delta), 0);
	assert_int_equal(delta.max, 0);
}

/*
 * Reads per-CPU copies as the block and tcp probes do (merged, then the
 * interval since prev, which becomes the merged copies); the interval's
 * max, its count in *n.
 */
static uint64_t read_interval(const struct hist *cpu, int ncpus,
			      struct hist *prev, uint64_t epoch, uint64_t *n)
{
	static struct hist now, delta;

	memset(&now, 0, sizeof(now));
	for (int c = 0; c < ncpus; c++)
		hist_merge(&now, &cpu[c]);
	hist_delta(&delta, &now, prev, epoch);
	*prev = now;
	*n = hist_count(&delta);
	return delta.max;
}

/*
 * Each interval's true max: below the max since the start and in the
 * middle of its bucket (the old estimate gave the bucket's top), over
 * per-CPU copies whose slots hold older intervals; and the values that
 * complete between the epoch's advance and the read.
 */
static void test_delta_true_max(void **state)
{
	static struct hist cpu[2], prev;
	const uint64_t big = 1ULL << 26, mid = 5000;
	unsigned int b = hist_bucket(mid);
	uint64_t n;

	assert_true(mid > hist_bucket_lo(b) && mid < hist_bucket_hi(b));
	memset(cpu, 0, sizeof(cpu));
	memset(&prev, 0, sizeof(prev));

	/* Interval 1: the max since the start, on CPU 1. */
	hist_record(&cpu[0], 700, 1);
	hist_record(&cpu[1], big, 1);
	assert_true(read_interval(cpu, 2, &prev, 1, &n) == big);

	/* Interval 2: CPU 0 only, its largest value mid-bucket. */
	for (uint64_t v = 1000; v < mid; v += 7)
		hist_record(&cpu[0], v, 2);
	hist_record(&cpu[0], mid, 2);
	assert_int_equal(read_interval(cpu, 2, &prev, 2, &n), mid);

	/* Interval 3: CPU 1's slot 1 still holds interval 1's max: older, it loses. */
	hist_record(&cpu[0], 3000, 3);
	hist_record(&cpu[0], 2000, 3);
	assert_int_equal(read_interval(cpu, 2, &prev, 3, &n), 3000);

	/* Interval 4, and a value completed after the advance to 5, before the read. */
	hist_record(&cpu[1], 4000, 4);
	hist_record(&cpu[1], 6000, 5);
	assert_int_equal(read_interval(cpu, 2, &prev, 4, &n), 6000);
	assert_int_equal(n, 2);

	/*
	 * Interval 5 has smaller values only, but its slot says 6000, counted
	 * in interval 4: the estimate is the top bucket's upper edge.
	 */
	hist_record(&cpu[0], 3000, 5);
	assert_true(read_interval(cpu, 2, &prev, 5, &n) ==
		    hist_bucket_hi(hist_bucket(3000)));
	assert_int_equal(n, 1);

	/* Nothing in interval 6. */
	assert_int_equal(read_interval(cpu, 2, &prev, 6, &n), 0);
	assert_int_equal(n, 0);
}

static char *print_to_string(struct json_object *o)
{
	static char buf[16384];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(f);
	hist_print_json(o, f);
	fclose(f);
	return buf;
}

/* Layout of bcc's print_log2_hist for values 0, 1, 5 x 3 and 100. */
static void test_print_bcc_layout(void **state)
{
	static const char want[] =
		"\n"
		"sched run-queue latency, host (interval, 10.0 s): 6 samples\n"
		"p50 5  p90 100  p99 100  p99.9 100  max 100 usecs\n"
		"     usecs               : count    distribution\n"
		"         0 -> 1          : 2        |"
		"**************************              |\n"
		"         2 -> 3          : 0        |"
		"                                        |\n"
		"         4 -> 7          : 3        |"
		"****************************************|\n"
		"         8 -> 15         : 0        |"
		"                                        |\n"
		"        16 -> 31         : 0        |"
		"                                        |\n"
		"        32 -> 63         : 0        |"
		"                                        |\n"
		"        64 -> 127        : 1        |"
		"*************                           |\n";
	static const uint64_t vals[] = { 0, 1, 5, 5, 5, 100 };
	const struct hist_meta m = {
		.probe = "sched", .name = "runq_latency",
		.title = "run-queue latency", .entity = "host",
		.unit = "usecs", .span = "interval", .seconds = 10,
	};
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	static struct hist h;

	hist_fill(&h, vals, 6);
	json_object_array_add(arr, hist_json(&h, &m));
	json_object_object_add(root, "histograms", arr);
	assert_string_equal(print_to_string(root), want);
	json_object_put(root);
}

static void test_print_empty_and_malformed(void **state)
{
	struct json_object *root = json_tokener_parse(
		"{\"histograms\":[{\"probe\":\"tcp\",\"title\":\"rtt\","
		"\"entity\":\"host\",\"unit\":\"usecs\",\"span\":\"interval\","
		"\"seconds\":1.0,\"count\":0,\"buckets\":[]},"
		"{\"buckets\":[[1],[\"x\",2,3],[4,7,2]]}, 7]}");
	char *out;

	assert_non_null(root);
	out = print_to_string(root);
	assert_non_null(strstr(out, "tcp rtt, host (interval, 1.0 s): 0 samples\n"));
	assert_non_null(strstr(out, "         4 -> 7          : 2        |"));
	json_object_put(root);
	root = json_tokener_parse("{\"histograms\":[]}");
	assert_string_equal(print_to_string(root),
			    "no histograms: no probe is running\n");
	json_object_put(root);
}

static void test_print_counters(void **state)
{
	struct json_object *root = json_tokener_parse(
		"{\"histograms\":[],\"counters\":["
		"{\"probe\":\"tcp\",\"title\":\"retransmits by state\","
		"\"entity\":\"ESTABLISHED\",\"span\":\"interval\","
		"\"seconds\":10.0,\"count\":4},"
		"{\"probe\":\"tcp\",\"title\":\"retransmits by state\","
		"\"entity\":\"SYN_SENT\",\"span\":\"interval\","
		"\"seconds\":10.0,\"count\":2},"
		"{\"probe\":\"tcp\",\"title\":\"drops by reason\","
		"\"entity\":\"NO_SOCKET\",\"span\":\"interval\","
		"\"seconds\":10.0,\"count\":7}]}");

	assert_non_null(root);
	assert_string_equal(print_to_string(root),
		"\ntcp retransmits by state (interval, 10.0 s): ESTABLISHED 4, SYN_SENT 2\n"
		"\ntcp drops by reason (interval, 10.0 s): NO_SOCKET 7\n");
	json_object_put(root);
}

/* Runs one value through prog; returns the program's return value. */
static unsigned int bpf_run(const struct bpf_program *prog, uint64_t v)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &v,
		    .ctx_size_in = sizeof(v));

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(prog), &opts), 0);
	return opts.retval;
}

static struct hist_test_bpf *load_or_skip(void)
{
	struct hist_test_bpf *skel = hist_test_bpf__open_and_load();

	if (!skel) {
		int err = errno;

		if (geteuid() != 0 || err == EPERM) {
			print_message("skipped: cannot load BPF (%s)\n", strerror(err));
			skip();
		}
		fail_msg("loading hist_test.bpf.o failed: %s", strerror(err));
	}
	return skel;
}

static void test_bpf_bucket_matches(void **state)
{
	struct hist_test_bpf *skel = load_or_skip();
	const struct bpf_program *prog = skel->progs.test_hist_bucket;
	int checked = 0;

	for (uint64_t v = 0; v < 2048; v++, checked++)
		assert_int_equal(bpf_run(prog, v), hist_bucket(v));
	for (int s = 0; s < 64; s++) {
		uint64_t p = 1ULL << s;

		assert_int_equal(bpf_run(prog, p - 1), hist_bucket(p - 1));
		assert_int_equal(bpf_run(prog, p), hist_bucket(p));
		assert_int_equal(bpf_run(prog, p + 1), hist_bucket(p + 1));
		checked += 3;
	}
	for (unsigned int b = 0; b < HIST_BUCKETS; b++, checked += 2) {
		assert_int_equal(bpf_run(prog, hist_bucket_lo(b)), b);
		assert_int_equal(bpf_run(prog, hist_bucket_hi(b)), b);
	}
	for (int i = 0; i < NVALS; i++, checked++) {
		uint64_t v = i & 1 ? rng_log(34) : rng();

		if (bpf_run(prog, v) != hist_bucket(v))
			fail_msg("value %llu: BPF bucket %u, userspace %u",
				 (unsigned long long)v, bpf_run(prog, v),
				 hist_bucket(v));
	}
	print_message("%d values bucketed identically by BPF and userspace\n",
		      checked);
	hist_test_bpf__destroy(skel);
}

/*
 * Values added by the programs over four intervals, the epoch advanced
 * between them as the agent does: the same histogram as hist_record()'s,
 * and each interval's max read back through hist_delta() is its largest
 * value, for both update flavours.
 */
static void test_bpf_add_matches(void **state)
{
	enum { INTERVALS = 4, PER = 1250 };
	struct hist_test_bpf *skel = load_or_skip();
	static uint64_t v[PER];
	static struct hist want, prev_plain, prev_shared, delta;

	memset(&want, 0, sizeof(want));
	memset(&prev_plain, 0, sizeof(prev_plain));
	memset(&prev_shared, 0, sizeof(prev_shared));
	for (uint64_t e = 0; e < INTERVALS; e++) {
		for (size_t i = 0; i < PER; i++) {
			v[i] = i % 10 ? rng_log(33) : rng();
			/* Later intervals below the first's max: an old slot to restart. */
			if (e)
				v[i] %= 1ULL << (20 + e);
			bpf_run(skel->progs.test_hist_add, v[i]);
			hist_record(&want, v[i], e);
		}
		skel->data_hist_epoch->hist_epoch = e + 1;
		assert_memory_equal(&skel->bss->test_hist_plain, &want, sizeof(want));
		assert_memory_equal(&skel->bss->test_hist_shared, &want, sizeof(want));
		hist_delta(&delta, &skel->bss->test_hist_plain, &prev_plain, e);
		assert_true(delta.max == max_of(v, PER));
		hist_delta(&delta, &skel->bss->test_hist_shared, &prev_shared, e);
		assert_true(delta.max == max_of(v, PER));
		prev_plain = skel->bss->test_hist_plain;
		prev_shared = skel->bss->test_hist_shared;
	}
	hist_test_bpf__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_bounds),
		cmocka_unit_test(test_merge_per_cpu),
		cmocka_unit_test(test_quantiles_exact_bound),
		cmocka_unit_test(test_quantile_sizes_exact),
		cmocka_unit_test(test_quantile_edges),
		cmocka_unit_test(test_delta_interval),
		cmocka_unit_test(test_delta_true_max),
		cmocka_unit_test(test_print_bcc_layout),
		cmocka_unit_test(test_print_empty_and_malformed),
		cmocka_unit_test(test_print_counters),
		cmocka_unit_test(test_bpf_bucket_matches),
		cmocka_unit_test(test_bpf_add_matches),
	};

	libbpf_set_print(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
