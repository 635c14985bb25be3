/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /proc/net/softnet_stat per CPU: the packets each CPU dropped because its
 * input backlog was full (net.core.netdev_max_backlog) and the times its
 * receive softirq ran out of budget with packets left (time squeezes:
 * net.core.netdev_budget, netdev_budget_usecs). AWS's ENA best practices
 * name both as signs of a host that cannot keep up with its NICs.
 *
 * The file has one line of hex columns per online CPU: processed, dropped,
 * time_squeeze, then counters that changed over kernel versions. Kernels
 * since 5.10 print 13 columns or more, the 13th being the CPU's number
 * (net/core/net-procfs.c softnet_seq_show(), commit 7d58e6555870 "net-sysfs:
 * add backlog len and CPU id to softnet data": offline CPUs are not shown,
 * so user space could not map lines to CPUs); later kernels add two queue
 * lengths (15 columns). Older ones print 10 or 11, so there a line's
 * position stands for the CPU, which is only right while all are online.
 *
 * The counters are unsigned int in the kernel (struct softnet_data), so
 * they wrap at 2^32 on a busy host; deltas go through ena_counter_delta()
 * per CPU with 32 bits, which also takes a counter lower than before (a CPU
 * brought back online with its data cleared) as counted from 0. A CPU that
 * is gone from the file is forgotten; one that appears gets a baseline.
 */
#ifndef PA_SOFTNET_H
#define PA_SOFTNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "core/metrics.h"
#include "net/ena.h"

#define SOFTNET_BITS 32         /* unsigned int counters in struct softnet_data */
#define SOFTNET_CPU_COLUMN 13   /* 1-based column of the CPU number, 5.10 and later */
#define SOFTNET_CPU_MAX 65536   /* a CPU number at or above: not a CPU's line */

/* One line of the file. */
struct softnet_row {
	unsigned int cpu;           /* the 13th column, else the line's position */
	uint32_t dropped, squeezed;
	bool cpu_column;            /* the cpu came from the file, not the position */
};

/* Parses one line; 0, or -EINVAL when it has fewer than 3 hex columns or
 * a CPU number of SOFTNET_CPU_MAX or more. */
int softnet_parse_line(const char *line, unsigned int position, struct softnet_row *row);

struct softnet_cpu {
	unsigned int cpu;
	bool seen;
	struct ena_counter dropped, squeezed;
};

/* What one interval counted. */
struct softnet_interval {
	uint64_t dropped, squeezed;         /* summed over CPUs */
	unsigned int cpus;                  /* CPUs with a delta */
	int worst_drop_cpu;                 /* -1: none dropped */
	uint64_t worst_drop;
	int worst_squeeze_cpu;              /* -1: none squeezed */
	uint64_t worst_squeeze;
	double seconds;
};

struct softnet_state {
	size_t n, cap;
	struct softnet_cpu *cpus;
	bool have_interval;                 /* last holds an interval */
	struct softnet_interval last;
	uint64_t intervals;
	uint64_t total_dropped, total_squeezed;     /* since the first sample */
	bool cpu_column;                    /* the file numbers its CPUs */
	char error[128];                    /* why the last read failed; "" when it did not */
};

void softnet_free(struct softnet_state *s);

/*
 * Feeds the file's text: per-CPU deltas into *iv (and s->last). Returns 1
 * when this was an interval, 0 for the first sample (baselines only),
 * -EINVAL for a text with a bad line (nothing is changed), -ENOMEM.
 */
int softnet_update(struct softnet_state *s, const char *text, double seconds,
		   struct softnet_interval *iv);

/*
 * Adds SoftnetDrops, SoftnetTimeSqueezes and their worst CPU's
 * (SoftnetDropsWorstCpu, SoftnetTimeSqueezesWorstCpu), per second, to the
 * instance entity.
 */
int softnet_add_metrics(const struct softnet_interval *iv, struct metric_entity *inst);

/*
 * For status: {"intervals": N, "interval_s": 60, "dropped": 0,
 * "squeezed": 12, "worst_drop_cpu": null, "worst_squeeze_cpu": 7, ...,
 * "since_start": {"dropped": .., "squeezed": ..}, "findings": [{"counter":
 * "time_squeeze", "message": "..."}]}. NULL when out of memory.
 */
struct json_object *softnet_status_json(const struct softnet_state *s);

/* Its human lines, in status' layout. */
void softnet_status_print(struct json_object *softnet, FILE *out);

#endif
