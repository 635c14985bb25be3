/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ENA device health: what the driver's statistics say beyond the allowance
 * counters, and the driver's own state, turned into findings that say what
 * happened and what to do.
 *
 * The statistics' names are those of amzn/amzn-drivers
 * kernel/linux/ena/ena_ethtool.c (ena_stats_global_strings: tx_timeout,
 * wd_expired, interface_up, interface_down, reset_fail; per queue,
 * ena_stats_tx_strings printed "queue_%u_tx_%s": queue_stop,
 * queue_wakeup, missed_tx); since r2.10 ("Improve reset reason statistics")
 * the global ones also count every reset (total_resets) and each reason
 * (missing_tx_cmpl among them; tx_timeout and wd_expired are reasons too),
 * and the accumulated "total_tx_*" are not summed again. XDP Tx queues of
 * 2.x drivers are printed "queue_N_xdp_tx_..." and are not summed: they
 * carry no socket traffic.
 *
 * The driver state: its version from /sys/module/ena/version (the GitHub
 * driver's MODULE_VERSION, "2.13.0g"; the kernel's own driver has none),
 * checked against 2.2.9, which AWS asks for on the newer ENA generations
 * (shared/reference/tuning-v2.md "Device health"; tuning.md 2.11: full
 * ENA Express bandwidth); large LLQ from the device's sysfs attribute
 * large_llq_header (amzn-drivers ena_sysfs.c) and the module parameter
 * force_large_llq_header (ena_netdev.c; ENA README and
 * ENA_Linux_Best_Practices.rst: large LLQ halves the Tx ring, 1024 -> 512).
 * Where that attribute is missing (the kernel's own ena driver), `ethtool
 * -g`'s "TX push buff len" says it (ethtool netlink, kernel 6.4 and later:
 * 224 bytes of headers with large LLQ, 96 without), and "TX push" whether
 * LLQ is used at all.
 */
#ifndef PA_ENA_HEALTH_H
#define PA_ENA_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "net/ena.h"

#define ENA_MIN_VERSION "2.2.9"

/*
 * The sum of queue_N_<suffix> over every N ("tx_queue_stop" sums
 * queue_0_tx_queue_stop, queue_1_tx_queue_stop, ...); 0, or -ENOENT when
 * no queue has it.
 */
int ena_queue_sum(const struct ethtool_stat_table *t, const char *suffix, uint64_t *sum);

/* Dotted versions compared number by number ("2.13.0g" > "2.2.9"); a suffix is ignored. */
int ena_version_cmp(const char *a, const char *b);

/*
 * force_large_llq_header is 0 (off), 1 (on), or 65535 when not given: the
 * device's recommendation then decides (amzn-drivers ena_netdev.c,
 * FORCE_LARGE_LLQ_HEADER_UNINIT_VALUE); large_llq_header is the device's
 * state after that (ena_sysfs.c prints 0 or 1).
 */
#define ENA_LLQ_PARAM_UNSET 65535

#define ENA_LLQ_HEADER_STD 96     /* bytes of headers a standard LLQ entry carries */

struct ena_driver_info {
	char version[64];           /* "" when the module has no version file */
	int large_llq;              /* large_llq_header, else the push buffer; -1 unknown */
	int tx_push;                /* LLQ in use (ethtool netlink tx-push); -1 unknown */
	uint32_t push_buf_len;      /* tx-push-buf-len: 96, 224 with large LLQ; 0 unknown */
	int64_t force_large_llq;    /* module parameter force_large_llq_header; -1 absent */
	int64_t enable_bql;         /* module parameter enable_bql; -1 absent */
};

/* Reads the driver's state for ifname under the sysroot (and, when
 * ethtool_io_usable(), the push state from the kernel). */
void ena_driver_info_read(const struct pa_paths *paths, const char *ifname,
			  struct ena_driver_info *d);

/*
 * {"version": "2.13.0g", "version_ok": true, "version_want": "2.2.9 or later",
 *  "large_llq": false, "force_large_llq_header": 0, "enable_bql": 0,
 *  "tx_ring_max": 1024}: null for what is unknown.
 */
struct json_object *ena_driver_json(const struct ena_driver_info *d,
				    const struct ethtool_rings *r, bool have_rings);

/*
 * Appends to arr the findings of nic's last window_s seconds and of its
 * driver: {"counter": "tx_timeout", "metric": "TxTimeouts", "count": 2,
 * "severity": "problem", "message": "..."}. Counters that did not move
 * give none.
 */
void ena_health_findings(const struct ena_nic *nic, uint64_t now_ms, unsigned int window_s,
			 const struct ena_driver_info *d, const struct ethtool_rings *r,
			 bool have_rings, struct json_object *arr);

#endif
