/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BPF side of the log-linear histogram (layout in hist.h). hist_bucket() is
 * checked against agent/probes/hist.c's hist_bucket() by tests/unit/probes/test_hist.c,
 * through BPF_PROG_TEST_RUN on tests/unit/probes/hist_test.bpf.c.
 */
#ifndef PA_BPF_HIST_BPF_H
#define PA_BPF_HIST_BPF_H

#include "hist.h"

/* Index of the highest set bit of a non-zero 32-bit value, branch-free. */
static __always_inline __u32 hist_log2_32(__u32 v)
{
	__u32 r, s;

	r = (v > 0xffff) << 4;
	v >>= r;
	s = (v > 0xff) << 3;
	v >>= s;
	r |= s;
	s = (v > 0xf) << 2;
	v >>= s;
	r |= s;
	s = (v > 0x3) << 1;
	v >>= s;
	r |= s;
	return r | (v >> 1);
}

static __always_inline __u32 hist_bucket(__u64 v)
{
	__u32 h, b;

	if (v >= (1ULL << HIST_MAX_BITS))
		return HIST_BUCKETS - 1;
	if (v < HIST_SUBS)
		return v;
	h = hist_log2_32(v);
	b = (h - HIST_SUB_BITS + 1) * HIST_SUBS +
	    ((v >> (h - HIST_SUB_BITS)) & (HIST_SUBS - 1));
	return b;
}

/*
 * The bucket as an index the verifier accepts: the check is on the very
 * register used for the access (the asm stops clang from checking a copy).
 * Never out of range in fact, the check only proves it.
 */
#define HIST_INDEX(b, v)						\
	do {								\
		b = hist_bucket(v);					\
		asm volatile("" : "+r"(b));				\
		if (b >= HIST_BUCKETS)					\
			b = HIST_BUCKETS - 1;				\
	} while (0)

/*
 * The interval being counted (hist.h), advanced by userspace at each
 * collection. A section of its own, so that userspace can write the
 * variable whole without touching the object's other globals.
 */
__u64 hist_epoch SEC(HIST_EPOCH_SECTION);

/*
 * The running interval's max: its epoch's slot, restarted when the slot
 * still holds the interval before last.
 */
static __always_inline void hist_put_max(struct hist *h, __u64 v)
{
	__u64 epoch = hist_epoch;
	struct hist_max *m = &h->slot[epoch & 1];

	if (m->epoch != epoch) {
		m->epoch = epoch;
		m->value = v;
	} else if (v > m->value) {
		m->value = v;
	}
}

/* For per-CPU histograms: this CPU's copy, plain updates; the bucket and sum only. */
static __always_inline void hist_count_value(struct hist *h, __u64 v)
{
	__u64 b;

	HIST_INDEX(b, v);
	h->buckets[b]++;
	h->sum += v;
}

/* The same with the interval's max (a program that keeps its maxima elsewhere does not). */
static __always_inline void hist_add(struct hist *h, __u64 v)
{
	hist_count_value(h, v);
	hist_put_max(h, v);
}

/* For histograms shared by all CPUs: the bucket and sum, exact (atomic adds). */
static __always_inline void hist_count_value_shared(struct hist *h, __u64 v)
{
	__u64 b;

	HIST_INDEX(b, v);
	__sync_fetch_and_add(&h->buckets[b], 1);
	__sync_fetch_and_add(&h->sum, v);
}

/*
 * The same with the max, a plain compare-and-store: two CPUs racing can
 * lose the larger value of the interval, never keep another interval's (a
 * restart writes the tag and the value). cmpxchg would need -mcpu=v3.
 */
static __always_inline void hist_add_shared(struct hist *h, __u64 v)
{
	hist_count_value_shared(h, v);
	hist_put_max(h, v);
}

#endif
