// SPDX-License-Identifier: GPL-2.0-only
/* Host-wide CPU time from /proc/stat. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/procstat.h"
#include "core/util.h"

int procstat_parse(const char *text, size_t len, long ticks_per_s, struct cpu_times *out)
{
	unsigned long long v[10] = { 0 };
	char line[512];
	const char *nl;
	size_t n;
	int got;

	/* The aggregate line comes first and starts with "cpu " (not "cpu0"). */
	if (len < 4 || strncmp(text, "cpu ", 4) != 0 || ticks_per_s <= 0)
		return -EINVAL;
	nl = memchr(text, '\n', len);
	n = nl ? (size_t)(nl - text) : len;
	if (n >= sizeof(line))
		return -EINVAL;
	memcpy(line, text, n);
	line[n] = '\0';
	got = sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		     &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
	/* steal arrived in 2.6.11; without it there is nothing to say about credits. */
	if (got < 8)
		return -EINVAL;
	out->busy_s = (double)(v[0] + v[1] + v[2] + v[5] + v[6]) / ticks_per_s;
	out->idle_s = (double)(v[3] + v[4]) / ticks_per_s;
	out->steal_s = (double)v[7] / ticks_per_s;
	return 0;
}

int procstat_read(const struct pa_paths *paths, struct cpu_times *out)
{
	char path[PATH_MAX], *text;
	ssize_t len;
	int ret;

	ret = paths_sys(paths, path, sizeof(path), "/proc/stat");
	if (ret)
		return ret;
	len = util_read_file(path, 1 << 20, &text);
	if (len < 0)
		return len;
	ret = procstat_parse(text, len, sysconf(_SC_CLK_TCK), out);
	free(text);
	return ret;
}

static double delta(double a, double b)
{
	return b > a ? b - a : 0;
}

struct cpu_times procstat_delta(const struct cpu_times *a, const struct cpu_times *b)
{
	return (struct cpu_times){
		.busy_s = delta(a->busy_s, b->busy_s),
		.idle_s = delta(a->idle_s, b->idle_s),
		.steal_s = delta(a->steal_s, b->steal_s),
	};
}
