// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the clock read costs without the kernel's calls around it: the
 * same TSC read and conversion the timekeeper does, done in userspace,
 * where no return thunk or retpoline applies. Beside bench/block_floor's
 * floor:clock, floor:call and floor:call2 (bench/README.md), it splits
 * the block probe's one clock read into the read itself and the calls
 * that reach it. Not part of the agent; x86 only.
 *
 *   cc -O2 bench/clock_cost.c -o /tmp/clock_cost && /tmp/clock_cost [ROUNDS]
 *
 * Prints, per round, ns per call of clock_gettime(CLOCK_MONOTONIC) (the
 * vDSO: a seqcount, an ordered TSC read, the same scaling as the kernel's
 * ktime_get_mono_fast_ns), of a bare rdtsc and of rdtscp.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

#define CALLS 20000000

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	volatile uint64_t sink = 0;	/* keeps every read */
	struct timespec t;
	unsigned int aux;

	if (rounds < 1) {
		fprintf(stderr, "usage: %s [ROUNDS >= 1]\n", argv[0]);
		return 2;
	}
	printf("clock_gettime_ns rdtsc_ns rdtscp_ns\n");
	for (int r = 0; r < rounds; r++) {
		double start = now_ns(), gettime, rdtsc, rdtscp;

		for (int i = 0; i < CALLS; i++) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			sink += t.tv_nsec;
		}
		gettime = now_ns();
		for (int i = 0; i < CALLS; i++)
			sink += __rdtsc();
		rdtsc = now_ns();
		for (int i = 0; i < CALLS; i++)
			sink += __rdtscp(&aux);
		rdtscp = now_ns();
		printf("%.1f %.1f %.1f\n", (gettime - start) / CALLS,
		       (rdtsc - gettime) / CALLS, (rdtscp - rdtsc) / CALLS);
	}
	return 0;
}
