/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Log-linear histograms (layout in bpf/hist.h): bucket math, merging the
 * per-CPU copies, the difference between two snapshots (one interval),
 * quantiles, JSON, and printing in the power-of-two layout of bcc's
 * biolatency/runqlat (print_log2_hist), so that numbers can be compared
 * with those tools row by row.
 *
 * Quantiles use the nearest-rank definition (the smallest recorded value
 * with at least q of the samples at or below it) and report a value of the
 * bucket that holds it, capped at the max. Values below 32 are exact. Above:
 *  - HIST_MIDDLE, the middle of the bucket: |estimate - exact| <=
 *    (hist_bucket_hi(b) - hist_bucket_lo(b)) / 2 < exact / 32 (3.1 %);
 *  - HIST_LOWER, its lower bound: exact - estimate < exact / 16 (6.25 %),
 *    never above; and exact for the usual I/O sizes, since a multiple of
 *    512 below 8 KiB, of 1 KiB below 16 KiB, ..., of 4 KiB below 64 KiB is
 *    the lower bound of its bucket (sizes report 4096, not 4223).
 * The top bucket (values >= 2^31 + 15 * 2^27, and everything clamped into
 * it) is the exception: its estimate is the max.
 */
#ifndef PA_HIST_H
#define PA_HIST_H

#include <stdint.h>
#include <stdio.h>

#include "bpf/hist.h"

struct json_object;

/* The bucket of a value; the smallest and largest value of bucket b. */
unsigned int hist_bucket(uint64_t v);
uint64_t hist_bucket_lo(unsigned int b);
uint64_t hist_bucket_hi(unsigned int b);	/* UINT64_MAX for the top */

/* Number of samples: the sum of the buckets. */
uint64_t hist_count(const struct hist *h);

/*
 * dst += src: buckets and sums add, the max is the larger one; each max
 * slot keeps the newer interval's value, the larger of the same interval.
 */
void hist_merge(struct hist *dst, const struct hist *src);
/* One max slot of that: the newer interval's value, the larger of the same interval. */
void hist_slot_merge(struct hist_max *dst, const struct hist_max *src);

/*
 * out = now - prev, the samples recorded between two snapshots of the same
 * histogram, epoch the interval they belong to (hist.h: the one just closed
 * at a collection, the running one before the first). The max is the
 * interval's true max from now's slots; only where the slots and the
 * buckets disagree (a value that completed while the maps were read, see
 * interval_max()) is it the top bucket's edge. out's slots are zeroed: its
 * max is in max.
 */
void hist_delta(struct hist *out, const struct hist *now,
		const struct hist *prev, uint64_t epoch);

enum hist_estimate {
	HIST_MIDDLE,		/* latencies */
	HIST_LOWER,		/* sizes */
};

/*
 * The value quantiles report for samples in [lo, hi] (a bucket, or adjacent
 * buckets merged): the middle or lo as how says, capped at max when max is
 * in the range; hi = UINT64_MAX (the top bucket) always takes the middle.
 */
uint64_t hist_range_estimate(uint64_t lo, uint64_t hi, uint64_t max,
			     enum hist_estimate how);

/* The permille-th quantile (500 = p50, 999 = p99.9); 0 when empty. */
uint64_t hist_quantile(const struct hist *h, unsigned int permille,
		       enum hist_estimate how);

struct hist_summary {
	uint64_t count, sum, max;
	uint64_t p50, p90, p99, p999;
};

void hist_summarize(const struct hist *h, enum hist_estimate how,
		    struct hist_summary *s);

/* What a histogram is, for JSON and printing. */
struct hist_meta {
	const char *probe;	/* "sched" */
	const char *name;	/* "runq_latency": stable, for programs */
	const char *title;	/* "run-queue latency": for people */
	const char *entity;	/* "host", "cpu 3", "nvme0n1 read" */
	const char *unit;	/* "usecs", "bytes" (bcc's column header) */
	enum hist_estimate estimate;	/* for the quantiles */
	const char *span;	/* "interval" or "since start" */
	double seconds;		/* length of that span */
};

/*
 * A new JSON object: the meta fields, "count", "sum", "max", "p50", "p90",
 * "p99", "p99.9", and "buckets": [[lo, hi, count], ...] for the non-empty
 * buckets in order (hi capped at INT64_MAX). NULL when out of memory.
 */
struct json_object *hist_json(const struct hist *h, const struct hist_meta *m);

/*
 * Prints the histograms of probes_histograms_json() (an object with a
 * "histograms" array of hist_json() objects and a "counters" array): for
 * each histogram, a title line, the quantiles, then the log2 table of bcc's
 * print_log2_hist ("     usecs               : count    distribution",
 * rows "0 -> 1", "2 -> 3", "4 -> 7", ..., 40-character star bars, 20 when
 * the table has more than 33 rows); then one line per run of counters with
 * the same title ("tcp drops by reason (interval, 10.0 s): NO_SOCKET 3,
 * TCP_CSUM 1"). Malformed entries are skipped.
 */
void hist_print_json(struct json_object *histograms, FILE *out);

#endif
