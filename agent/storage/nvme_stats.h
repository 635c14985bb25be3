/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * EBS and instance-store NVMe statistics per collection interval, and the
 * storage view of `perfagent status`: is it the volume, the instance, or
 * the host?
 *
 * Each interval every NVMe block device under the sysroot whose model is
 * EBS's or instance store's (identity/inventory.h reads the model and the
 * volume id from the serial) has its statistics page read (nvme_read.h) and
 * parsed (nvme_page.h). Counters are cumulative on the device; a metric is
 * what happened during the interval:
 *   - a device's first page is its baseline, not a delta;
 *   - a page with any counter lower than in the previous page restarted
 *     from zero (volume detached and attached again, device reset): every
 *     delta of that interval is the counter's new value, never negative;
 *   - the 64-bit counters do not wrap in practice (2^64 microseconds is
 *     584,000 years); the histograms' 32-bit bin counts do: a bin that went
 *     from the top quarter of 2^32 to the bottom quarter wrapped, and its
 *     delta goes through 2^32 (net/ena.h's rule, ena_counter_delta());
 *   - histograms whose bins changed bounds are a new baseline;
 *   - a page that cannot be read or parsed keeps the previous good page, so
 *     the next good one covers both intervals and nothing is lost;
 *   - another volume behind the same device name is a new device.
 *
 * Metrics, on the block device's entity (Device, VolumeId), Percent of the
 * interval the demand was over a limit:
 *   basic   VolumeLimitExceeded (EBS only): the larger of the volume's IOPS
 *           and throughput shares
 *   detail  VolumeIopsExceeded, VolumeThroughputExceeded (EBS only),
 *           InstanceIopsExceeded, InstanceThroughputExceeded; and
 *           VolumeQueueLength (Count, gauge), DeviceReadOps, DeviceWriteOps
 *           (Count), DeviceReadBytes, DeviceWriteBytes (Bytes),
 *           DeviceReadLatencyMean, DeviceWriteLatencyMean (Microseconds,
 *           time / ops), and for EBS DeviceReadLatencyP50/P90/P99,
 *           DeviceWriteLatency... (the upper bound of the device histogram's
 *           bin)
 * and on the instance's entity, basic: EbsInstanceLimitExceeded, the largest
 * of the instance IOPS and throughput shares over the EBS volumes read this
 * interval (each volume's page counts the instance's limit as that volume
 * met it); left out when none was.
 *
 * For status each device keeps the exceeded times of its last intervals
 * (NVME_WINDOW_S, one minute), the block probe's host-side latency of the
 * last interval (ReadLatencyP50 + ReadQueueTimeP50 of the same entity), and
 * says which limit it is at, in words.
 */
#ifndef PA_NVME_STATS_H
#define PA_NVME_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "storage/nvme_page.h"
#include "core/metrics.h"
#include "core/paths.h"

#define NVME_WINDOW_S 60
#define NVME_WINDOW_SLOTS 120
#define NVME_LIMIT_PCT 5.0              /* share of the window that is a limit */
#define NVME_HOST_FACTOR 2.0            /* host latency this many times the device's */
#define NVME_HOST_GAP_US 1000           /* ... and at least this much more */
#define NVME_N_EXCEEDED 4               /* the four exceeded-time counters */

/* The exceeded-time counters of one interval. */
struct nvme_slot {
	uint64_t start_ms, end_ms;
	uint64_t exceeded_us[NVME_N_EXCEEDED];
};

/* Last interval's latency view of one operation. */
struct nvme_lat {
	uint64_t ops;                   /* device ops in the interval */
	bool have_mean, have_p50;
	double mean_us;                 /* device: time / ops */
	uint64_t p50_us, p90_us, p99_us;        /* device histogram (EBS) */
	bool have_host;
	double host_us, host_queue_us;  /* block probe: LatencyP50, QueueTimeP50 */
};

struct nvme_vol {
	char dev[32];                   /* "nvme1n1" */
	char id[64];                    /* EBS "vol-0abc...", instance store its serial */
	enum nvme_page_kind kind;
	bool seen;                      /* internal: found by the last collect */
	bool xen;                       /* a Xen block device: never read */
	uint64_t last_ms;               /* monotonic time of the last good page; 0 none */
	bool have_page;
	struct nvme_page page;          /* the last good page */
	uint64_t queue_length;
	unsigned int resets;            /* pages seen to restart from zero */
	struct nvme_lat lat[NVME_N_OPS];
	/* The last update's exceeded shares (Percent); false: no interval measured. */
	bool have_shares;
	double shares[NVME_N_EXCEEDED];
	int err;                        /* last read or parse: 0 or -errno */
	char error[256];
	size_t head, used;              /* slots: a ring, head is the next to write */
	struct nvme_slot slots[NVME_WINDOW_SLOTS];
};

struct nvme_state {
	unsigned int window_s;
	size_t n, cap;
	struct nvme_vol *vols;
};

void nvme_stats_init(struct nvme_state *s);
void nvme_stats_free(struct nvme_state *s);

/*
 * One interval: finds the devices under the sysroot, reads each page, adds
 * the metrics to set (which the block probe has already filled for this
 * interval: its host-side latencies are read from it), adds
 * EbsInstanceLimitExceeded to the instance's entity, and records the
 * window. Devices that are gone are forgotten. A device that does not
 * answer is kept with its error and logged once per new error. now_ms is a
 * monotonic clock. 0 or -ENOMEM.
 */
int nvme_stats_collect(struct nvme_state *s, const struct pa_paths *paths, uint64_t now_ms,
		       struct metric_set *set);

/*
 * Feeds one parsed page to vol: deltas, metrics into e (may be NULL), a
 * window slot. What nvme_stats_collect() does per device, for tests.
 * 0 or -ENOMEM.
 */
int nvme_vol_update(struct nvme_vol *vol, const struct nvme_page *page, uint64_t now_ms,
		    struct metric_entity *e);

/*
 * The largest share of the last interval any EBS volume of s spent over the
 * instance's EBS IOPS or throughput limit, in *pct; false (and 0) when no
 * EBS volume measured an interval in the last collection.
 */
bool nvme_instance_exceeded(const struct nvme_state *s, double *pct);

/* A page that could not be read: kept as the device's error, no metrics. */
void nvme_vol_fail(struct nvme_vol *vol, int err, const char *why);

/*
 * The share (percent, 0-100) of the last window_s seconds the exceeded
 * counter i (0 volume IOPS, 1 volume throughput, 2 instance IOPS, 3 instance
 * throughput) counted, over the intervals that ended within it; the span
 * they cover in *covered_ms (0: none, and 0 is returned).
 */
double nvme_window_pct(const struct nvme_vol *vol, int i, uint64_t now_ms,
		       unsigned int window_s, uint64_t *covered_ms);

/*
 * The verdict for vol now: which limit (in *limit: "volume_iops",
 * "volume_throughput", "instance_iops", "instance_throughput", "host",
 * "none", or "" when not known) and the sentence, e.g. "over its
 * provisioned IOPS 35% of the last minute: the volume is the limit;
 * consider more IOPS or gp3 throughput". 0 or -E2BIG (cut).
 */
int nvme_verdict(const struct nvme_vol *vol, uint64_t now_ms, unsigned int window_s,
		 const char **limit, char *buf, size_t size);

/*
 * The status of every device (the daemon puts it under "storage"):
 *
 *   {"window_s": 60, "limit_pct": 5, "volumes": [{"device": "nvme1n1",
 *     "id": "vol-0abc...", "kind": "ebs", "state": "ok", "error": null,
 *     "covered_s": 60, "exceeded_pct": {"volume_iops": 35.0, ...},
 *     "queue_length": 4, "resets": 0,
 *     "latency_us": {"read": {"ops": 1200, "device_mean": 510.2,
 *        "device_p50": 512, "device_p99": 2048, "host_p50": 700,
 *        "host_queue_p50": 12}, "write": {...}},
 *     "limit": "volume_iops", "verdict": "over its provisioned ..."}]}
 *
 * state: "ok", "waiting" (one page so far), "unavailable" (error says why),
 * "unsupported" (Xen). NULL when out of memory.
 */
struct json_object *nvme_status_json(const struct nvme_state *s, uint64_t now_ms);

/* Human lines of that JSON for `perfagent status` (nvme_status.c). */
void nvme_status_print(struct json_object *storage, FILE *out);

/* The metric name of exceeded counter i: "VolumeIopsExceeded", ... */
const char *nvme_exceeded_metric(int i);

#endif
