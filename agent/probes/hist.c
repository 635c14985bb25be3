// SPDX-License-Identifier: GPL-2.0-only
/*
 * Log-linear histograms: the userspace half of bpf/hist.h. The bucket
 * function is written independently of bpf/hist.bpf.h's (clz here, a
 * branch-free log2 there) so that the test comparing them checks something.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "probes/hist.h"

#define LOG2_ROWS 64
#define STARS_MAX 40

unsigned int hist_bucket(uint64_t v)
{
	unsigned int h;

	if (v >= 1ULL << HIST_MAX_BITS)
		return HIST_BUCKETS - 1;
	if (v < HIST_SUBS)
		return v;
	h = 63 - __builtin_clzll(v);
	return (h - HIST_SUB_BITS + 1) * HIST_SUBS +
	       (unsigned int)((v >> (h - HIST_SUB_BITS)) - HIST_SUBS);
}

uint64_t hist_bucket_lo(unsigned int b)
{
	unsigned int shift;

	if (b < HIST_SUBS)
		return b;
	shift = b / HIST_SUBS - 1;
	return (uint64_t)(HIST_SUBS + b % HIST_SUBS) << shift;
}

uint64_t hist_bucket_hi(unsigned int b)
{
	if (b >= HIST_BUCKETS - 1)
		return UINT64_MAX;
	return hist_bucket_lo(b + 1) - 1;
}

uint64_t hist_count(const struct hist *h)
{
	uint64_t n = 0;

	for (unsigned int b = 0; b < HIST_BUCKETS; b++)
		n += h->buckets[b];
	return n;
}

/* Per-CPU copies of a slot: the newer interval wins, else the larger value. */
void hist_slot_merge(struct hist_max *dst, const struct hist_max *src)
{
	if (src->epoch > dst->epoch ||
	    (src->epoch == dst->epoch && src->value > dst->value))
		*dst = *src;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (unsigned int b = 0; b < HIST_BUCKETS; b++)
		dst->buckets[b] += src->buckets[b];
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
	for (unsigned int i = 0; i < 2; i++)
		hist_slot_merge(&dst->slot[i], &src->slot[i]);
}

static uint64_t sub_floor0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/*
 * The max of the samples in buckets up to top, from h's slots: epoch's,
 * or epoch + 1's (values that completed between the epoch's advance and
 * the read: they are in this read's buckets). A slot value outside the
 * top bucket belongs to other samples (one that completed in the last
 * read's window, or a value the read missed): then, and only then, the
 * estimate is the top bucket's upper edge (its lower edge for the open
 * top bucket), as close as the buckets allow.
 */
static uint64_t interval_max(const struct hist *h, uint64_t epoch,
			     unsigned int top)
{
	uint64_t lo = hist_bucket_lo(top), hi = hist_bucket_hi(top), max = 0;
	bool found = false;

	for (uint64_t e = epoch; e <= epoch + 1; e++) {
		const struct hist_max *m = &h->slot[e & 1];

		if (m->epoch == e && m->value >= lo && m->value <= hi &&
		    (!found || m->value > max)) {
			max = m->value;
			found = true;
		}
	}
	if (found)
		return max;
	return top == HIST_BUCKETS - 1 ? lo : hi;
}

void hist_delta(struct hist *out, const struct hist *now,
		const struct hist *prev, uint64_t epoch)
{
	int top = -1;

	for (unsigned int b = 0; b < HIST_BUCKETS; b++) {
		out->buckets[b] = sub_floor0(now->buckets[b], prev->buckets[b]);
		if (out->buckets[b])
			top = b;
	}
	out->sum = sub_floor0(now->sum, prev->sum);
	out->max = top < 0 ? 0 : interval_max(now, epoch, top);
	memset(out->slot, 0, sizeof(out->slot));	/* its max is in max */
}

uint64_t hist_range_estimate(uint64_t lo, uint64_t hi, uint64_t max,
			     enum hist_estimate how)
{
	uint64_t est = lo + (hi - lo) / 2;

	/* The top bucket has no upper bound: its lower one says too little. */
	if (how == HIST_LOWER && hi != UINT64_MAX)
		est = lo;
	return max >= lo && max < est ? max : est;
}

static uint64_t bucket_estimate(unsigned int b, uint64_t max,
				enum hist_estimate how)
{
	return hist_range_estimate(hist_bucket_lo(b), hist_bucket_hi(b), max, how);
}

uint64_t hist_quantile(const struct hist *h, unsigned int permille,
		       enum hist_estimate how)
{
	uint64_t n = hist_count(h), rank, seen = 0;

	if (!n)
		return 0;
	/* Nearest rank, ceil(n * q) in integers: doubles round 0.9 * 10 up. */
	rank = (n * permille + 999) / 1000;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	for (unsigned int b = 0; b < HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank)
			return bucket_estimate(b, h->max, how);
	}
	return h->max;
}

void hist_summarize(const struct hist *h, enum hist_estimate how,
		    struct hist_summary *s)
{
	s->count = hist_count(h);
	s->sum = h->sum;
	s->max = s->count ? h->max : 0;
	s->p50 = hist_quantile(h, 500, how);
	s->p90 = hist_quantile(h, 900, how);
	s->p99 = hist_quantile(h, 990, how);
	s->p999 = hist_quantile(h, 999, how);
}

static struct json_object *json_u64(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static struct json_object *buckets_json(const struct hist *h)
{
	struct json_object *arr = json_object_new_array(), *row;

	for (unsigned int b = 0; arr && b < HIST_BUCKETS; b++) {
		if (!h->buckets[b])
			continue;
		row = json_object_new_array();
		if (!row || json_object_array_add(arr, row)) {
			json_object_put(row);
			json_object_put(arr);
			return NULL;
		}
		json_object_array_add(row, json_u64(hist_bucket_lo(b)));
		json_object_array_add(row, json_u64(hist_bucket_hi(b)));
		json_object_array_add(row, json_u64(h->buckets[b]));
	}
	return arr;
}

struct json_object *hist_json(const struct hist *h, const struct hist_meta *m)
{
	struct json_object *o = json_object_new_object(), *buckets;
	struct hist_summary s;

	buckets = buckets_json(h);
	if (!o || !buckets) {
		json_object_put(o);
		json_object_put(buckets);
		return NULL;
	}
	hist_summarize(h, m->estimate, &s);
	json_object_object_add(o, "probe", json_object_new_string(m->probe));
	json_object_object_add(o, "name", json_object_new_string(m->name));
	json_object_object_add(o, "title", json_object_new_string(m->title));
	json_object_object_add(o, "entity", json_object_new_string(m->entity));
	json_object_object_add(o, "unit", json_object_new_string(m->unit));
	json_object_object_add(o, "span", json_object_new_string(m->span));
	json_object_object_add(o, "seconds", json_object_new_double(m->seconds));
	json_object_object_add(o, "count", json_u64(s.count));
	json_object_object_add(o, "sum", json_u64(s.sum));
	json_object_object_add(o, "max", json_u64(s.max));
	json_object_object_add(o, "p50", json_u64(s.p50));
	json_object_object_add(o, "p90", json_u64(s.p90));
	json_object_object_add(o, "p99", json_u64(s.p99));
	json_object_object_add(o, "p99.9", json_u64(s.p999));
	json_object_object_add(o, "buckets", buckets);
	return o;
}

/* bcc's log2 slot of a bucket's lower bound: 0 and 1 share slot 0. */
static unsigned int log2_row(uint64_t lo)
{
	return lo < 2 ? 0 : 63 - __builtin_clzll(lo);
}

static void print_stars(FILE *out, uint64_t val, uint64_t val_max, int width)
{
	int stars = val_max ? (int)(val * width / val_max) : 0;

	for (int i = 0; i < width; i++)
		fputc(i < stars ? '*' : ' ', out);
}

/* The table of print_log2_hist for rows[0..n_rows). */
static void print_log2(FILE *out, const uint64_t *rows, int n_rows,
		       const char *unit)
{
	bool wide = n_rows > 33;
	int width = wide ? 20 : 10, stars = wide ? STARS_MAX / 2 : STARS_MAX;
	uint64_t val_max = 0;

	for (int i = 0; i < n_rows; i++)
		if (rows[i] > val_max)
			val_max = rows[i];
	fprintf(out, "%*s%-*s : count    distribution\n", wide ? 15 : 5, "",
		wide ? 29 : 19, unit);
	for (int i = 0; i < n_rows; i++) {
		/* Row i holds [2^i, 2^(i+1)); row 0 also holds 0. */
		unsigned long long low = i ? 1ULL << i : 0;
		unsigned long long high = (2ULL << i) - 1;

		fprintf(out, "%*llu -> %-*llu : %-8llu |", width, low, width,
			high, (unsigned long long)rows[i]);
		print_stars(out, rows[i], val_max, stars);
		fputs("|\n", out);
	}
}

static const char *member_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "?";
	return json_object_get_string(v);
}

static long long member_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	return json_object_get_int64(v);
}

/* Folds the [lo, hi, count] rows into log2 rows; returns the row count. */
static int fold_rows(struct json_object *buckets, uint64_t rows[LOG2_ROWS])
{
	int n_rows = 0;

	memset(rows, 0, LOG2_ROWS * sizeof(rows[0]));
	for (size_t i = 0; i < json_object_array_length(buckets); i++) {
		struct json_object *row = json_object_array_get_idx(buckets, i);
		long long lo, count;
		unsigned int r;

		if (!json_object_is_type(row, json_type_array) ||
		    json_object_array_length(row) != 3)
			continue;
		lo = json_object_get_int64(json_object_array_get_idx(row, 0));
		count = json_object_get_int64(json_object_array_get_idx(row, 2));
		if (lo < 0 || count <= 0)
			continue;
		r = log2_row(lo);
		rows[r] += count;
		if ((int)r + 1 > n_rows)
			n_rows = r + 1;
	}
	return n_rows;
}

static void print_one(struct json_object *h, FILE *out)
{
	struct json_object *buckets;
	uint64_t rows[LOG2_ROWS];
	const char *unit = member_str(h, "unit");
	int n_rows;

	fprintf(out, "\n%s %s, %s (%s, %.1f s): %lld samples\n",
		member_str(h, "probe"), member_str(h, "title"),
		member_str(h, "entity"), member_str(h, "span"),
		json_object_get_double(json_object_object_get(h, "seconds")),
		member_int(h, "count"));
	if (!json_object_object_get_ex(h, "buckets", &buckets) ||
	    !json_object_is_type(buckets, json_type_array))
		return;
	n_rows = fold_rows(buckets, rows);
	if (!n_rows)
		return;
	fprintf(out, "p50 %lld  p90 %lld  p99 %lld  p99.9 %lld  max %lld %s\n",
		member_int(h, "p50"), member_int(h, "p90"), member_int(h, "p99"),
		member_int(h, "p99.9"), member_int(h, "max"), unit);
	print_log2(out, rows, n_rows, unit);
}

/* "tcp drops by reason (interval, 10.0 s): NO_SOCKET 3, TCP_CSUM 1". */
static void print_counters(struct json_object *arr, FILE *out)
{
	const char *prev = NULL;

	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *c = json_object_array_get_idx(arr, i);
		const char *title = member_str(c, "title");

		if (!json_object_is_type(c, json_type_object))
			continue;
		if (!prev || strcmp(prev, title) != 0)
			fprintf(out, "%s\n%s %s (%s, %.1f s): ", prev ? "\n" : "",
				member_str(c, "probe"), title, member_str(c, "span"),
				json_object_get_double(json_object_object_get(c, "seconds")));
		else
			fputs(", ", out);
		fprintf(out, "%s %lld", member_str(c, "entity"), member_int(c, "count"));
		prev = title;
	}
	if (prev)
		fputc('\n', out);
}

void hist_print_json(struct json_object *histograms, FILE *out)
{
	struct json_object *arr, *counters = NULL;

	if (!json_object_object_get_ex(histograms, "histograms", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return;
	if (!json_object_object_get_ex(histograms, "counters", &counters) ||
	    !json_object_is_type(counters, json_type_array))
		counters = NULL;
	if (!json_object_array_length(arr) &&
	    (!counters || !json_object_array_length(counters)))
		fprintf(out, "no histograms: no probe is running\n");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *h = json_object_array_get_idx(arr, i);

		if (json_object_is_type(h, json_type_object))
			print_one(h, out);
	}
	if (counters)
		print_counters(counters, out);
}
