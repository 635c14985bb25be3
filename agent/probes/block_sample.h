/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The block probe's latency sampling (block_sample in perfagent.conf):
 * parsing the setting and, with "auto", choosing N from the measured
 * completion rate. Pure functions, for unit tests (tests/unit/probes/
 * test_block_sample.c).
 *
 * Auto keeps about BLOCK_SAMPLE_TARGET timed completions a second on the
 * busiest CPU, N a power of two (so that the rate stated in the metrics
 * moves by halves and doubles, not by every percent of the rate). N rises
 * as soon as the rate asks for more, and falls only once the rate is below
 * 3/8 of the present N's (N / 2 would then still time fewer than 3/4 of
 * the target): a rate that wanders around a boundary does not make N
 * flap. Why 10000: bench/README.md ("Latency sampling").
 */
#ifndef PA_BLOCK_SAMPLE_H
#define PA_BLOCK_SAMPLE_H

#include <stddef.h>

#include "bpf/block.h"

/* probes.h's PROBES_SAMPLE_OFF and PROBES_SAMPLE_AUTO, or N >= 2. */
#define BLOCK_SAMPLE_TARGET	10000.0	/* timed completions per second, per CPU */
#define BLOCK_SAMPLE_MIN	2

/*
 * N for a busiest CPU completing rate I/Os a second, when current is the N
 * in use (1: every completion timed). 1 .. BLOCK_SAMPLE_MAX.
 */
unsigned int block_sample_auto(double rate, unsigned int current);

#endif
