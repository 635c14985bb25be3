/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A log-linear histogram (bpf/hist.h) as a distribution for EMF: at most
 * METRIC_DIST_MAX representative values with their counts, so that
 * CloudWatch computes any percentile over any period and, for a roll-up
 * many instances send to, over all their samples.
 *
 * The 464 buckets are merged in aligned groups of 2^L adjacent buckets,
 * L the merge level: the smallest of 0..3 that leaves at most 100
 * non-empty groups. A group never crosses a power of two (16 buckets per
 * power of two, 16-aligned), so at level L a group above 32 is 2^L
 * sub-buckets of width 2^h / 16 inside [2^h, 2^(h+1)): W = 2^L * 2^h / 16.
 * Each group sends one value, chosen as the quantiles choose a bucket's
 * (hist_range_estimate(): the middle, the lower bound for sizes, capped at
 * the max), so a sent value r and any sample v of its group differ by
 *   middle: |r - v| <= W / 2 = 2^L / 32 * 2^h <= 2^L / 32 * v
 *   lower:  0 <= v - r < W     = 2^L / 16 * 2^h <= 2^L / 16 * v
 * that is 3.1 %, 6.25 %, 12.5 %, 25 % at L = 0..3 (sizes: twice that).
 * Below 32 a bucket is one value wide: exact at L = 0, else within
 * 2^L / 2 (middle) or 2^L - 1 (lower) units. A percentile CloudWatch takes
 * over the sent values lands in the group of the sample it stands for, and
 * so does hist_summarize()'s quantile (a value of a bucket of that group):
 * the two differ by no more than the same bound. L = 3 always fits
 * (464 / 8 = 58 groups); L = 0 whenever the samples fill at most 100
 * buckets, about six powers of two, where the sent values are the
 * per-instance quantiles' own.
 */
#ifndef PA_HIST_DIST_H
#define PA_HIST_DIST_H

#include "core/metrics.h"
#include "probes/hist.h"

#define HIST_DIST_MAX_LEVEL 3

/*
 * Fills d from h, every value divided by per_unit (1000: nanoseconds sent
 * as microseconds). Returns the merge level L (0..3), or -ENODATA when h
 * has no samples.
 */
int hist_to_dist(const struct hist *h, enum hist_estimate how, double per_unit,
		 struct metric_dist *d);

/*
 * The largest difference, in h's unit, between a value sent at level and a
 * sample v it stands for (or a quantile of h near v): the bound above.
 */
double hist_dist_error(unsigned int level, enum hist_estimate how, double v);

#endif
