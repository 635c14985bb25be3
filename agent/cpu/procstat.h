/* SPDX-License-Identifier: GPL-2.0-only */
/* Host-wide CPU time from /proc/stat, in seconds summed over all CPUs. */
#ifndef PA_PROCSTAT_H
#define PA_PROCSTAT_H

#include <stddef.h>

#include "core/paths.h"

struct cpu_times {
	double busy_s;      /* user + nice + system + irq + softirq (guest is in user) */
	double idle_s;      /* idle + iowait */
	double steal_s;     /* time the hypervisor ran someone else */
};

/* Parses the "cpu " line of /proc/stat text; 0 or -EINVAL. */
int procstat_parse(const char *text, size_t len, long ticks_per_s, struct cpu_times *out);

/* Reads sysroot /proc/stat; 0 or a negative errno. */
int procstat_read(const struct pa_paths *paths, struct cpu_times *out);

/* b - a, field by field; a counter that went backwards yields 0 for it. */
struct cpu_times procstat_delta(const struct cpu_times *a, const struct cpu_times *b);

#endif
