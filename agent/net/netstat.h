/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel network counters read from procfs, for the metrics and the adaptive
 * rules' evidence:
 *
 *   /proc/net/netstat, /proc/net/snmp   pairs of lines per group, "TcpExt:
 *                                       Name Name ..." then "TcpExt: 1 2 ..."
 *   /proc/net/softnet_stat              per CPU, through softnet.h
 *
 * All are per network namespace except softnet_stat (per host).
 */
#ifndef PA_NETSTAT_H
#define PA_NETSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "core/metrics.h"
#include "core/paths.h"
#include "net/softnet.h"

/* The value of GROUP's NAME in a netstat or snmp text; 0 or -ENOENT. */
int netstat_find(const char *text, const char *group, const char *name, int64_t *value);

/* Rates between two calls of netcounters_collect(). */
struct netcounters {
	bool have_prev;
	struct softnet_state softnet;   /* per CPU: softnet.h */
	int64_t pressures;              /* -1: not reported by this kernel */
	int64_t listen_overflows;       /* TcpExt ListenOverflows; -1: not reported */
	int64_t out_segs;               /* Tcp OutSegs of /proc/net/snmp; -1: not read */
};

/*
 * Adds SoftnetDrops, SoftnetTimeSqueezes (and their worst CPU's, softnet.h),
 * TcpMemoryPressures, TcpListenOverflows and TcpOutSegs (per second over
 * seconds) to the instance entity, from the second call on. Listen
 * overflows come from the kernel's counter because no tracepoint sees them:
 * on 6.x a SYN refused for a full accept queue is consumed, not dropped, so
 * skb:kfree_skb never reports it. Read here rather than by the tcp probe,
 * so that the metric needs no BPF.
 */
void netcounters_collect(struct netcounters *nc, const struct pa_paths *paths, double seconds,
			 struct metric_entity *inst);

void netcounters_free(struct netcounters *nc);

#endif
