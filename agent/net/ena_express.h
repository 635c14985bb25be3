/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ENA Express readiness of one interface: the items of AWS's checker,
 * amzn/amzn-ec2-ena-utilities ena-express/check-ena-express-settings.sh,
 * each with its current value, what it should be and what to change.
 *
 *   required     MTU <= 8900; tcp_limit_output_bytes >= 1 MiB; BQL off
 *                (module parameter enable_bql, else no tx queue with
 *                byte_queue_limits/limit_min 0, as the checker reads it)
 *   recommended  tcp_autocorking 0; Tx ring >= min(1024, its maximum);
 *                large LLQ off by module parameter when the Tx ring is
 *                below 1024; Rx ring >= min(8192, its maximum)
 *   high RTT     (the checker's default mode since 2026-05, per
 *                shared/reference/tuning.md 2.11) tcp_limit_output_bytes
 *                >= 4 MiB; tcp_rmem and tcp_wmem maxima >= 8 MiB;
 *                net.core.[rw]mem_default >= 4 MiB, [rw]mem_max >= 8 MiB;
 *                tcp_congestion_control cubic with tcp_cubic's
 *                hystart_detect 0
 *
 * Ready means every required item holds; the others are listed with their
 * fix. The sysctls are what tuning-profiles/ena-express.conf sets; MTU,
 * BQL, large LLQ and hystart_detect stay with the image.
 */
#ifndef PA_ENA_EXPRESS_H
#define PA_ENA_EXPRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "net/ena_health.h"

struct ena_express_input {
	const char *ifname;
	bool have_mtu;
	uint64_t mtu;
	bool have_rings;
	const struct ethtool_rings *rings;
	const struct ena_driver_info *drv;
	int64_t srd_mode;           /* ena_srd_mode; -1 when the driver lacks it */
};

/*
 * {"ready": false, "required_failed": 1, "recommended_failed": 2,
 *  "srd_mode": 0, "enabled": false, "checks": [{"check": "mtu",
 *  "required": true, "high_rtt": false, "ok": false, "value": "9001",
 *  "want": "8900 or less", "fix": "..."}, ...], "note": "..."}; a check
 * whose value cannot be read has ok and value null. NULL when out of memory.
 */
struct json_object *ena_express_json(const struct pa_paths *paths,
				     const struct ena_express_input *in);

/* Its human lines under an interface in `perfagent status`. */
void ena_express_print(struct json_object *x, FILE *out);

#endif
