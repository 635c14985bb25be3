// SPDX-License-Identifier: GPL-2.0-only
/* A log-linear histogram merged into at most 100 values: the error is derived in hist_dist.h. */
#include <errno.h>
#include <string.h>

#include "probes/hist_dist.h"

/* Non-empty groups of 2^level buckets. */
static unsigned int groups_at(const struct hist *h, unsigned int level)
{
	unsigned int n = 0, last = HIST_BUCKETS;

	for (unsigned int b = 0; b < HIST_BUCKETS; b++) {
		if (h->buckets[b] && b >> level != last) {
			last = b >> level;
			n++;
		}
	}
	return n;
}

static unsigned int merge_level(const struct hist *h)
{
	unsigned int level = 0;

	while (level < HIST_DIST_MAX_LEVEL && groups_at(h, level) > METRIC_DIST_MAX)
		level++;
	return level;
}

int hist_to_dist(const struct hist *h, enum hist_estimate how, double per_unit,
		 struct metric_dist *d)
{
	unsigned int level = merge_level(h), span = 1u << level;
	uint64_t count;

	memset(d, 0, sizeof(*d));
	for (unsigned int g = 0; g < HIST_BUCKETS; g += span) {
		unsigned int top = g + span - 1 < HIST_BUCKETS ? g + span - 1 : HIST_BUCKETS - 1;
		uint64_t rep;

		count = 0;
		for (unsigned int b = g; b <= top; b++)
			count += h->buckets[b];
		if (!count)
			continue;
		rep = hist_range_estimate(hist_bucket_lo(g), hist_bucket_hi(top), h->max, how);
		d->values[d->n] = rep / per_unit;
		d->counts[d->n++] = count;
		d->count += count;
	}
	if (!d->n)
		return -ENODATA;
	d->sum = h->sum / per_unit;
	d->min = d->values[0];
	/* max is exact; a stale one below the top group must not undercut a value. */
	d->max = h->max / per_unit > d->values[d->n - 1] ? h->max / per_unit :
							    d->values[d->n - 1];
	return level;
}

double hist_dist_error(unsigned int level, enum hist_estimate how, double v)
{
	double span = 1u << level;

	if (v < 2 * HIST_SUBS)
		return how == HIST_LOWER ? span - 1 : span / 2;
	return (how == HIST_LOWER ? span / 16 : span / 32) * v;
}
