/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Network interface counters per collection interval, and the ENA view of
 * `perfagent status`.
 *
 * Every interface but lo gets packets, bytes and drops from
 * /sys/class/net/IF/statistics (cheap). ENA interfaces also get the ENA
 * allowance counters, read by name from the driver's ethtool statistics
 * (ethtool.h: ETHTOOL_GSSET_INFO, GSTRINGS, GSTATS), never from the ethtool
 * program. Metrics, one ENTITY_INTERFACE entity per interface:
 *
 *   metric                      unit   meaning (per interval unless a gauge)
 *   BwInAllowanceExceeded       Count  packets queued or dropped because the
 *                                      inbound aggregate bandwidth exceeded
 *                                      the instance's maximum (ENA only)
 *   BwOutAllowanceExceeded      Count  the same for outbound bandwidth
 *   PpsAllowanceExceeded        Count  packets queued or dropped because the
 *                                      packets per second (both directions)
 *                                      exceeded the instance's maximum
 *   ConntrackAllowanceExceeded  Count  packets dropped because security-group
 *                                      connection tracking was at the
 *                                      instance's maximum (new connections
 *                                      failed)
 *   LinklocalAllowanceExceeded  Count  packets dropped because traffic to
 *                                      link-local services (Amazon DNS
 *                                      resolver, IMDS, Time Sync) exceeded
 *                                      the per-ENI packet rate
 *   ConntrackAllowanceAvailable Count  gauge: tracked connections still
 *                                      available before that maximum (Nitro,
 *                                      ENA driver 2.8.1 and later)
 *   RxOverruns                  Count  packets the device dropped because a
 *                                      receive ring had no free buffer (ENA
 *                                      only, device-wide: the statistic
 *                                      rx_overruns by name where the driver
 *                                      lists it, else statistics/
 *                                      rx_over_errors, where ENA 2.8.8 and
 *                                      later report it): the evidence of the
 *                                      network overlay's receive-ring rule
 *   TxQueueStops                Count  times a transmit queue stopped because
 *                                      its ring was full (queue_N_tx_queue_stop
 *                                      summed over queues; ENA only)
 *   TxQueueWakeups              Count  times a stopped queue was started again
 *                                      (queue_N_tx_queue_wakeup summed)
 *   TxMissedCompletions         Count  sent packets whose completion the device
 *                                      did not report in time
 *                                      (queue_N_tx_missed_tx summed)
 *   TxTimeouts                  Count  transmit timeouts the kernel's watchdog
 *                                      reported (tx_timeout): each resets the
 *                                      device
 *   KeepAliveTimeouts           Count  times the device's keep-alive was not
 *                                      heard in time (wd_expired): a reset
 *   ResetFailures               Count  device resets that failed (reset_fail)
 *   InterfaceUps                Count  times the driver brought the device up
 *                                      (interface_up): after each reset, or an
 *                                      administrator's link down and up
 *   DriverResets                Count  device resets the driver made, every
 *                                      reason (total_resets, driver 2.10 and
 *                                      later, with a counter per reason)
 *   MissingTxCompletionResets   Count  resets because Tx completions went
 *                                      missing (missing_tx_cmpl, 2.10 and later)
 *   RxPackets, TxPackets        Count  packets received, sent
 *   RxBytes, TxBytes            Bytes  bytes received, sent
 *   RxDrops, TxDrops            Count  packets the kernel or driver dropped
 *                                      (statistics rx_dropped, tx_dropped)
 *
 * A metric is left out when its counter cannot be read (an older ENA driver
 * lacks conntrack_allowance_available) and in an interface's first interval.
 *
 * Counters are cumulative in the kernel; a metric is what its counter
 * counted during the interval (ena_counter_delta()):
 *   - the first sample of an interface is its baseline, not a delta;
 *   - a counter lower than before was reset (ENA device reset, driver
 *     reload, interface re-created): it counted from 0 since, so the delta
 *     is its new value, never a negative number or a spike of 2^64. A reset
 *     after which the counter passed its old value within one interval
 *     cannot be seen and counts too little;
 *   - a counter that is bits wide (sysfs counters of a 32-bit kernel) and
 *     went from the top quarter of its range to the bottom quarter wrapped
 *     around: the delta goes through 2^bits;
 *   - an interval whose sample lacks a counter keeps its previous value, so
 *     the next delta covers both intervals and nothing is lost.
 *
 * For status, each interface keeps the driver statistics' deltas of its last
 * intervals (ENA_WINDOW_S, 5 minutes, at most ENA_WINDOW_SLOTS intervals),
 * so it can say "pps allowance exceeded 1,204 times in the last 5 min: ...".
 */
#ifndef PA_ENA_H
#define PA_ENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>

#include <json-c/json.h>

#include "net/ethtool.h"
#include "core/metrics.h"
#include "core/paths.h"

#define ENA_WINDOW_S 300
#define ENA_WINDOW_SLOTS 320    /* 5 minutes at a 1 s interval */
#define ENA_DRIVER "ena"

/*
 * The counters: the allowance ones first, then the other driver statistics
 * (ENA only, read by name), then the sysfs statistics of every interface.
 */
enum ena_counter_id {
	ENA_BW_IN,
	ENA_BW_OUT,
	ENA_PPS,
	ENA_CONNTRACK,
	ENA_LINKLOCAL,
	ENA_N_ALLOWANCES,
	ENA_RX_OVERRUNS = ENA_N_ALLOWANCES,
	ENA_TX_QUEUE_STOPS,
	ENA_TX_QUEUE_WAKEUPS,
	ENA_TX_MISSED,
	ENA_TX_TIMEOUTS,
	ENA_WD_EXPIRED,
	ENA_RESET_FAIL,
	ENA_INTERFACE_UP,
	ENA_TOTAL_RESETS,
	ENA_MISSING_TX_CMPL,
	ENA_N_DRIVER_STATS,
	ENA_RX_PACKETS = ENA_N_DRIVER_STATS,
	ENA_TX_PACKETS,
	ENA_RX_BYTES,
	ENA_TX_BYTES,
	ENA_RX_DROPS,
	ENA_TX_DROPS,
	ENA_N_COUNTERS,
};

struct ena_counter {
	uint64_t last;
	bool have;          /* last holds a sample */
};

/* One sample of an interface's counters as read. */
struct ena_raw {
	bool have[ENA_N_COUNTERS];
	uint64_t value[ENA_N_COUNTERS];
	bool have_available;
	uint64_t available;         /* conntrack_allowance_available */
	bool have_srd_mode;
	uint64_t srd_mode;          /* ena_srd_mode: ENA Express state */
	int stats_err;              /* -errno of the ethtool statistics, or 0 */
};

/* The driver statistics' deltas of one interval (allowances and health). */
struct ena_slot {
	uint64_t start_ms, end_ms;
	uint64_t count[ENA_N_DRIVER_STATS];
};

struct ena_nic {
	char name[IF_NAMESIZE];
	char driver[ETHTOOL_DRIVER_MAX];
	bool ena;                   /* the ENA driver: allowance counters are read */
	bool seen;                  /* internal: found by the last ena_collect() */
	struct ena_counter ctr[ENA_N_COUNTERS];
	uint64_t last_ms;           /* monotonic time of the last sample; 0: none */
	struct ena_raw last;        /* the last sample (gauges, errors) */
	size_t head, used;          /* slots: a ring, head is the next to write */
	struct ena_slot slots[ENA_WINDOW_SLOTS];
};

struct ena_state {
	unsigned int window_s;      /* ENA_WINDOW_S unless set after ena_init() */
	size_t n, cap;
	struct ena_nic *nics;
};

/*
 * Whether ENA Express (SRD) is on for ifname, from the driver's ena_srd_mode
 * statistic (driver 2.8 and later); false when it is off, the driver does
 * not report it, or NIC statistics cannot be read with this sysroot.
 */
bool ena_express_on(const struct pa_paths *paths, const char *ifname);

void ena_init(struct ena_state *s);
void ena_free(struct ena_state *s);

/*
 * One collection interval: reads every interface under the sysroot (the
 * ENA ones' ethtool statistics when ethtool_io_usable()), adds its metrics
 * to set, one ENTITY_INTERFACE entity per interface, and records the
 * window. Interfaces that are gone are forgotten. now_ms is a monotonic
 * clock. Returns 0 or -ENOMEM.
 */
int ena_collect(struct ena_state *s, const struct pa_paths *paths, uint64_t now_ms,
		struct metric_set *set);

/*
 * Feeds one sample to nic: deltas, metrics (into e, which may be NULL) and a
 * window slot. What ena_collect() does per interface, exposed for tests.
 * Returns 0 or -ENOMEM.
 */
int ena_nic_update(struct ena_nic *nic, const struct ena_raw *raw, uint64_t now_ms,
		   struct metric_entity *e);

/*
 * The delta of a cumulative counter (see above): false for the first
 * sample (the baseline), else true with *delta. bits is the counter's
 * width, 64 for the ethtool statistics.
 */
bool ena_counter_delta(struct ena_counter *c, uint64_t now, unsigned int bits, uint64_t *delta);

/*
 * The sum of a driver statistic (an allowance or health counter) over the intervals that ended within the
 * last window_s seconds, and in *covered_ms the time those intervals span
 * (0 when none).
 */
uint64_t ena_window_sum(const struct ena_nic *nic, enum ena_counter_id id, uint64_t now_ms,
			unsigned int window_s, uint64_t *covered_ms);

/*
 * The sentence an engineer acts on, for an allowance counter exceeded count
 * times over covered_ms: "pps allowance exceeded 1,204 times in the last 5
 * min: the instance is at its packet-per-second limit; consider a larger or
 * network-optimized type". 0, or -E2BIG when buf is too small (cut).
 */
int ena_allowance_message(enum ena_counter_id id, uint64_t count, uint64_t covered_ms,
			  char *buf, size_t size);

/* "PpsAllowanceExceeded"; "pps_allowance_exceeded" for allowance counters,
 * "tx_queue_stop" (the queue_N_ suffix) for per-queue sums, the statistics
 * file ("rx_packets") for the others. */
const char *ena_metric_name(enum ena_counter_id id);
const char *ena_counter_source(enum ena_counter_id id);
enum metric_unit ena_metric_unit(enum ena_counter_id id);

/*
 * The status of every ENA interface (the daemon puts it under "ena", and
 * adds the host's "softnet" there, softnet.h):
 *
 *   {"window_s": 300, "interfaces": [{"interface": "eth0", "driver": "ena",
 *     "mtu": 9001, "settings": {"rx_ring": 1024, "rx_ring_max": 16384, ...},
 *     "settings_error": null, "covered_s": 300,
 *     "allowances": {"pps_allowance_exceeded": 1204, ...},
 *     "exceeded": [{"counter": "pps_allowance_exceeded", "count": 1204,
 *                   "message": "pps allowance exceeded 1,204 times ..."}],
 *     "conntrack_allowance_available": 48000, "stats_error": null,
 *     "driver_info": {"version": "2.13.0g", "version_ok": true, ...},
 *     "health": [{"counter": "tx_timeout", "metric": "TxTimeouts",
 *                 "count": 2, "severity": "problem", "message": "..."}],
 *     "ena_express": {"ready": false, "checks": [...], ...}}]}
 *
 * Settings (rings, channels, coalescing) are read from the driver now;
 * the rest from the sysroot (ena_health.h, ena_express.h). NULL when out
 * of memory.
 */
struct json_object *ena_status_json(const struct ena_state *s, const struct pa_paths *paths,
				    uint64_t now_ms);

/* Human lines of that JSON for `perfagent status`, in status.c's layout. */
void ena_status_print(struct json_object *ena, FILE *out);

/*
 * A file under the sysroot, the path built from fmt: its first line into buf
 * (0, or -ENOENT with buf ""), or a whole decimal number (0, -ENOENT,
 * -EINVAL; *have says whether *v holds it). What the ENA modules share.
 */
__attribute__((format(printf, 4, 5)))
int ena_sys_line(const struct pa_paths *paths, char *buf, size_t size, const char *fmt, ...);
__attribute__((format(printf, 4, 5)))
int ena_sys_u64(const struct pa_paths *paths, uint64_t *v, bool *have, const char *fmt, ...);

/* "5 min", "2 min", "45 s": how long a window covers, rounded. */
void ena_format_span(uint64_t ms, char *buf, size_t size);

/* 1204 -> "1,204" */
void ena_format_count(uint64_t v, char *buf, size_t size);

#endif
