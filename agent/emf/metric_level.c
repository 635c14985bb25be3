// SPDX-License-Identifier: GPL-2.0-only
/* Metric levels: the basic list, the catalogue's names for globs, the filter. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "core/suggest.h"
#include "core/util.h"
#include "emf/metric_level.h"
#include "probes/block_ops.h"

/*
 * The basic list. Counted per host with the dimension set each entity gets
 * (packaging/metrics-catalogue.md, "Cost"): 8 instance metrics (10 on a
 * burstable type), the disks' ReadLatency, WriteLatency and
 * VolumeLimitExceeded once for the instance (instance_wide below), 4 per ENA
 * interface, 1 per EBS volume: 8 + 3 + 2 x 4 + 4 x 1 = 23 (25) with 2
 * interfaces and 4 volumes.
 * Latencies go as distributions, which a fleet can aggregate; their
 * per-instance quantiles are detailed.
 */
static const char *const basic[] = {
	/*
	 * instance: is a CPU or the network the problem, and is the tuning
	 * still in place (the fleet dashboard's and alarms' metrics,
	 * packaging/cloudformation/perfagent-fleet.yaml)
	 */
	"RunqLatency", "RunqWaitPercent", "TcpRetransmits", "TcpSrtt",
	"TcpListenOverflows", "PacketDrops", "TuningKnobsDrifted",
	/* the instance's EBS limit, the largest share over its volumes */
	"EbsInstanceLimitExceeded",
	/* burstable types only */
	"CPUCreditBalanceEstimate", "CPUThrottled",
	/* each ENA interface: the instance's allowances */
	"BwInAllowanceExceeded", "BwOutAllowanceExceeded", "PpsAllowanceExceeded",
	"ConntrackAllowanceExceeded",
	/* each block device, with the instance's dimensions (instance_wide) */
	"ReadLatency", "WriteLatency",
	/*
	 * each EBS volume: over its provisioned IOPS or throughput (and once
	 * for the instance: its Maximum is the worst volume's)
	 */
	"VolumeLimitExceeded",
};

/*
 * A block device's metrics that also go with the instance's dimension sets
 * only (no Device or VolumeId): every disk's documents add data points to
 * one metric per instance, whose distribution CloudWatch combines (the
 * latencies) or whose Maximum is the worst disk's (VolumeLimitExceeded). At
 * basic the latencies go so only, VolumeLimitExceeded per volume as well
 * (which volume is at its limit); at the other levels all go both ways.
 */
static const struct {
	const char *name;
	bool per_device_at_basic;
} instance_wide[] = {
	{ "ReadLatency", false },
	{ "WriteLatency", false },
	{ "VolumeLimitExceeded", true },
};

const char *const metric_daemon_only[] = {
	"TuningKnobsApplied", "TuningKnobsSkipped", "TuningKnobsFailed", "TuningKnobsDrifted",
	"AdaptiveSteps", "AdaptiveTakeBacks", "SinkDocumentsSent", "SinkBytesSent",
	"SinkDocumentsQueued", "SinkDocumentsDropped", "SinkReconnects", "SinkLastAcceptedAge",
	/* from the second interval on: the first dump of listeners is the baseline */
	"TcpListenDropsAtSomaxconn",
	NULL,
};

/* Every other name of the catalogue, for globs to be checked against. */
static const char *const others[] = {
	"ContextSwitches", "RunqLatencyWorstCpuP99", "TcpRetransmitsEstablished",
	"TcpRetransmitsSynSent", "TcpRetransmitsSynRecv", "TcpRetransmitsClosing", "StealPercent",
	"TcpConnects", "TcpConnectFailures", "TcpConnectLatency", "TcpResetsSent",
	"TcpResetsReceived", "TcpRcvBufAtMax", "TcpRcvBufAtCoreMax", "TcpSndBufAtMax",
	"TcpSndBufAtCoreMax", "SoftnetDrops", "SoftnetTimeSqueezes", "TcpMemoryPressures",
	"TcpOutSegs", "CPUUtilization", "CPUCreditsEarned", "CPUCreditsSpent",
	"CPUCreditBurnRatio", "CPUCreditExhaustionSeconds", "CPUSurplusCreditsEstimate",
	"RxPackets", "TxPackets", "RxBytes", "TxBytes", "RxDrops", "TxDrops",
	"LinklocalAllowanceExceeded", "ConntrackAllowanceAvailable", "RxOverruns",
	"TxQueueStops", "TxQueueWakeups", "TxMissedCompletions", "TxTimeouts",
	"KeepAliveTimeouts", "ResetFailures", "InterfaceUps", "DriverResets",
	"MissingTxCompletionResets", "SoftnetDropsWorstCpu", "SoftnetTimeSqueezesWorstCpu",
	"VolumeIopsExceeded", "VolumeThroughputExceeded", "InstanceIopsExceeded",
	"InstanceThroughputExceeded", "VolumeQueueLength", "LatencySampledOneIn",
	"TuningReplans", "DeviceResets",	/* hot-plug following: the daemon and `metrics` */
};

/*
 * Names made of a part: block operations (probes/block_ops.h; Bytes and
 * Size only for those that move data), NVMe directions, quantile suffixes
 * (on the distributions).
 */
static const struct {
	const char *name;
	bool sized_only, quantiles;
} op_kinds[] = {
	{ "Ops", false, false },	{ "Bytes", true, false },   { "QueueDepth", false, false },
	{ "Latency", false, true },	{ "QueueTime", false, true }, { "Size", true, true },
};
static const char *const dev_dirs[] = { "Read", "Write" };
static const char *const dev_kinds[] = { "Ops", "Bytes", "Latency", "LatencyMean", "LatencyP50",
					 "LatencyP90", "LatencyP99" };
static const char *const quantiles[] = { "P50", "P90", "P99", "P999", "Max" };
static const char *const with_quantiles[] = { "RunqLatency", "TcpSrtt", "TcpConnectLatency" };

#define KNOWN_MAX 320

static const char *known[KNOWN_MAX];
static char made[KNOWN_MAX][METRIC_GLOB_MAX];
static size_t n_known;

static void add_known(const char *name)
{
	if (n_known < KNOWN_MAX)
		known[n_known++] = name;
}

static void add_made(const char *a, const char *b, const char *c)
{
	if (n_known >= KNOWN_MAX)
		return;
	snprintf(made[n_known], sizeof(made[0]), "%s%s%s", a, b, c);
	add_known(made[n_known]);
}

/* The catalogue's names, once: PacketDrops<Reason> stands as the family PacketDrops*. */
static void load_known(void)
{
	if (n_known)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(basic); i++)
		add_known(basic[i]);
	for (size_t i = 0; metric_daemon_only[i]; i++)
		add_known(metric_daemon_only[i]);
	for (size_t i = 0; i < ARRAY_SIZE(others); i++)
		add_known(others[i]);
	for (size_t i = 0; i < ARRAY_SIZE(with_quantiles); i++)
		for (size_t q = 0; q < ARRAY_SIZE(quantiles); q++)
			add_made(with_quantiles[i], quantiles[q], "");
	for (size_t o = 0; o < BLOCK_OPS; o++) {
		for (size_t k = 0; k < ARRAY_SIZE(op_kinds); k++) {
			if (op_kinds[k].sized_only && !block_ops[o].sized)
				continue;
			add_made(block_ops[o].metric, op_kinds[k].name, "");
			for (size_t q = 0; op_kinds[k].quantiles && q < ARRAY_SIZE(quantiles); q++)
				add_made(block_ops[o].metric, op_kinds[k].name, quantiles[q]);
		}
	}
	for (size_t o = 0; o < ARRAY_SIZE(dev_dirs); o++)
		for (size_t k = 0; k < ARRAY_SIZE(dev_kinds); k++)
			add_made("Device", dev_dirs[o], dev_kinds[k]);
}

int metric_level_parse(const char *s, enum metric_level *out)
{
	static const char *const names[] = { "basic", "detailed", "custom" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *metric_level_name(enum metric_level level)
{
	return level == METRIC_LEVEL_DETAILED ? "detailed" :
	       level == METRIC_LEVEL_CUSTOM ? "custom" : "basic";
}

static bool in_list(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

bool metric_is_basic(const char *name)
{
	return in_list(basic, ARRAY_SIZE(basic), name);
}

/* name's entry in instance_wide, or -1. */
static int instance_wide_index(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(instance_wide); i++)
		if (strcmp(name, instance_wide[i].name) == 0)
			return (int)i;
	return -1;
}

bool metric_instance_wide(const char *name)
{
	return instance_wide_index(name) >= 0;
}

bool metric_filter_per_device(const struct metric_filter *f, const char *name)
{
	int i = instance_wide_index(name);

	return f->level != METRIC_LEVEL_BASIC || i < 0 || instance_wide[i].per_device_at_basic;
}

static bool any_match(const char (*list)[METRIC_GLOB_MAX], int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (fnmatch(list[i], name, 0) == 0)
			return true;
	return false;
}

bool metric_filter_sends(const struct metric_filter *f, const char *name)
{
	switch (f->level) {
	case METRIC_LEVEL_DETAILED:
		return true;
	case METRIC_LEVEL_CUSTOM:
		return (!f->n_include || any_match(f->include, f->n_include, name)) &&
		       !any_match(f->exclude, f->n_exclude, name);
	default:
		return metric_is_basic(name);
	}
}

/* A glob some catalogue name matches (PacketDrops<Reason>: any PacketDrops...). */
static bool glob_known(const char *glob)
{
	if (strncmp(glob, "PacketDrops", 11) == 0)
		return true;
	for (size_t i = 0; i < n_known; i++)
		if (fnmatch(glob, known[i], 0) == 0)
			return true;
	return false;
}

int metric_filter_add_globs(char list[][METRIC_GLOB_MAX], int *n, const char *value,
			    char *err, size_t errsz)
{
	char buf[1024], *tok, *save = NULL;
	const char *hint;

	if (!*value) {
		*n = 0;
		return 0;
	}
	if (snprintf(buf, sizeof(buf), "%s", value) >= (int)sizeof(buf))
		return -EINVAL;
	load_known();
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (strlen(tok) >= METRIC_GLOB_MAX || !glob_known(tok)) {
			hint = suggest_word(tok, known, n_known);
			if (hint)
				snprintf(err, errsz, "'%.64s' matches no metric; did you mean '%s'?",
					 tok, hint);
			else
				snprintf(err, errsz, "'%.64s' matches no metric of the catalogue",
					 tok);
			return -EINVAL;
		}
		if (*n == METRIC_FILTER_MAX_GLOBS) {
			snprintf(err, errsz, "more than %d patterns", METRIC_FILTER_MAX_GLOBS);
			return -EINVAL;
		}
		strcpy(list[(*n)++], tok);
	}
	return 0;
}
