// SPDX-License-Identifier: GPL-2.0-only
/* The block probe's latency sampling: the setting and the auto choice. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/block_sample.h"
#include "probes/probes.h"

int probes_block_sample_parse(const char *s, int *out)
{
	unsigned long v;
	char *end;

	if (strcmp(s, "off") == 0) {
		*out = PROBES_SAMPLE_OFF;
		return 0;
	}
	if (strcmp(s, "auto") == 0) {
		*out = PROBES_SAMPLE_AUTO;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < BLOCK_SAMPLE_MIN || v > BLOCK_SAMPLE_MAX)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* The smallest power of two at or above x, within 1 .. BLOCK_SAMPLE_MAX. */
static unsigned int pow2_at_least(double x)
{
	unsigned int n = 1;

	while (n < x && n < BLOCK_SAMPLE_MAX)
		n <<= 1;
	return n;
}

unsigned int block_sample_auto(double rate, unsigned int current)
{
	double ideal = rate > 0 ? rate / BLOCK_SAMPLE_TARGET : 0;
	unsigned int want = pow2_at_least(ideal);

	if (current < 1 || current > BLOCK_SAMPLE_MAX)
		return want;
	if (want > current || ideal < current * 3.0 / 8)
		return want;
	return current;
}
