/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Amazon NVMe statistics log page, parsed from its bytes (no I/O here).
 *
 * EBS volumes on Nitro instances, and NVMe instance-store devices, answer
 * the NVMe admin command Get Log Page for the vendor log page 0xD0 with
 * cumulative statistics (AWS EBS User Guide, "Amazon EBS detailed
 * performance statistics", nvme-detailed-performance-stats.html; AWS EC2
 * User Guide, "Amazon EC2 instance store volumes detailed performance
 * statistics"). The layout below is the one four public readers agree on:
 *
 *   amazonlinux/amazon-ec2-utils, ebsnvme (AWS's own `ebsnvme stats`),
 *     class nvme_get_amzn_stats_logpage;
 *   linux-nvme/nvme-cli, plugins/amzn/amzn-nvme.c (`nvme amzn stats`),
 *     struct amzn_latency_log_page_base;
 *   prometheus/node_exporter, collector/ebsnvme_linux.go, struct ebsMetrics
 *     (after kubernetes-sigs/aws-ebs-csi-driver pkg/metrics/nvme.go);
 *   aws/amazon-cloudwatch-agent, receiver/awsnvmereceiver (EBS and
 *     instancestore parsers).
 *
 * All little-endian, no padding:
 *
 *   offset size
 *        0    4  magic: 0x3C23B510 EBS, 0xEC2C0D7E instance store
 *        4    4  version (nvme-cli; "reserved" in ebsnvme): 0, or 1 where
 *                the instance-store page carries per-I/O-size histograms
 *        8    8  total_read_ops
 *       16    8  total_write_ops
 *       24    8  total_read_bytes
 *       32    8  total_write_bytes
 *       40    8  total_read_time     microseconds, all completed reads
 *       48    8  total_write_time    microseconds
 *       56    8  ebs_volume_performance_exceeded_iops   microseconds that
 *                IOPS demand exceeded the volume's provisioned IOPS
 *       64    8  ebs_volume_performance_exceeded_tp     ... throughput
 *       72    8  ec2_instance_ebs_performance_exceeded_iops  microseconds
 *                the volume's I/O exceeded the instance's EBS IOPS maximum
 *                (instance store: the instance's local storage maximum)
 *       80    8  ec2_instance_ebs_performance_exceeded_tp    ... throughput
 *       88    8  volume_queue_length  a gauge: I/Os waiting now
 *       96  416  reserved
 *      512 1544  read_io_latency_histogram  (EBS page)
 *     2056 1544  write_io_latency_histogram (EBS page)
 *     3600  496  reserved (nvme-cli: num_of_hists, hist_io_sizes[8], ...)
 *     4096       end of the page perfagent reads
 *
 *   histogram: u64 num_bins (at most 64), then 64 bins of
 *              { u64 lower; u64 upper; u32 count; u32 reserved }, bounds in
 *              microseconds, count cumulative (32 bits: it wraps).
 *
 * node_exporter reads the magic and the version as one u64 and each bin's
 * count as a u64 with its reserved word; AWS's ebsnvme and nvme-cli read
 * u32 + u32, which is what this parser does (the same bytes while the
 * version and the reserved words are 0).
 *
 * Instance store: the sources agree on the first 96 bytes only. nvme-cli
 * reads the histograms at the EBS offsets; the CloudWatch agent's
 * instancestore parser puts a different histogram block right after the
 * queue length (offset 96). Without a device to settle it, perfagent reads
 * only the counters of an instance-store page and no histograms.
 */
#ifndef PA_NVME_PAGE_H
#define PA_NVME_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NVME_STATS_LOG_PAGE 0xD0
#define NVME_STATS_PAGE_SIZE 4096       /* what perfagent asks for */
#define NVME_STATS_HEAD_SIZE 96         /* the counters, both kinds */
#define NVME_MAGIC_EBS 0x3C23B510u
#define NVME_MAGIC_STORE 0xEC2C0D7Eu
#define NVME_HIST_BINS_MAX 64
#define NVME_HIST_READ_OFF 512
#define NVME_HIST_WRITE_OFF 2056
#define NVME_HIST_SIZE (8 + NVME_HIST_BINS_MAX * 24)
#define NVME_VERSION_MAX 1              /* versions this parser knows: 0, 1 */

enum nvme_page_kind {
	NVME_PAGE_EBS,
	NVME_PAGE_STORE,
};

/* The cumulative counters, in page order. */
enum nvme_counter_id {
	NVME_READ_OPS,
	NVME_WRITE_OPS,
	NVME_READ_BYTES,
	NVME_WRITE_BYTES,
	NVME_READ_TIME_US,
	NVME_WRITE_TIME_US,
	NVME_VOL_IOPS_EXCEEDED_US,
	NVME_VOL_TP_EXCEEDED_US,
	NVME_INST_IOPS_EXCEEDED_US,
	NVME_INST_TP_EXCEEDED_US,
	NVME_N_COUNTERS,
};

struct nvme_hist_bin {
	uint64_t lower, upper;          /* microseconds */
	uint32_t count;                 /* cumulative */
};

struct nvme_hist {
	unsigned int n;                 /* 0: none */
	struct nvme_hist_bin bins[NVME_HIST_BINS_MAX];
};

enum nvme_op { NVME_OP_READ, NVME_OP_WRITE, NVME_N_OPS };

struct nvme_page {
	enum nvme_page_kind kind;
	uint32_t version;
	uint64_t counter[NVME_N_COUNTERS];
	uint64_t queue_length;
	bool have_hist;                 /* EBS page with both histograms valid */
	struct nvme_hist hist[NVME_N_OPS];
	char hist_note[96];             /* why have_hist is false, or "" */
};

/*
 * Parses len bytes. 0, or a negative errno with a sentence in err:
 * -EBADMSG for a page too short for its counters, -ENOMSG for a magic that
 * is neither EBS's nor instance store's, -EPROTO for a version this parser
 * does not know (its counters may have moved: none are trusted). A page
 * whose histograms do not hold together (more than 64 bins, bounds not
 * rising) keeps its counters: have_hist is false and hist_note says why.
 */
int nvme_page_parse(const void *buf, size_t len, struct nvme_page *page, char *err,
		    size_t errsz);

/* "ebs", "instance-store" */
const char *nvme_page_kind_name(enum nvme_page_kind kind);

/* The page's field name of a counter: "total_read_ops", ... */
const char *nvme_counter_field(enum nvme_counter_id id);

/*
 * The bin holding quantile q (0 < q <= 1) of a histogram's counts, given as
 * per-interval counts (count[i] for bins[i]); its upper bound in *us. False
 * when the counts are all 0.
 */
bool nvme_hist_quantile(const struct nvme_hist *h, const uint64_t *count, double q,
			uint64_t *us);

#endif
