// SPDX-License-Identifier: GPL-2.0-only
/*
 * ENA device health (see ena_health.h): per-queue sums, the driver's state,
 * and findings in words.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "net/ena_health.h"

#define TX_RING_EXPRESS 1024U   /* the Tx ring large LLQ halves (ENA best practices) */

int ena_queue_sum(const struct ethtool_stat_table *t, const char *suffix, uint64_t *sum)
{
	size_t sl = strlen(suffix);
	bool found = false;

	*sum = 0;
	for (size_t i = 0; i < t->n; i++) {
		const char *p = t->names[i];

		if (strncmp(p, "queue_", 6))
			continue;
		p += 6;
		if (!isdigit((unsigned char)*p))
			continue;
		while (isdigit((unsigned char)*p))
			p++;
		/* "_tx_queue_stop", not "_xdp_tx_queue_stop" nor a longer name */
		if (*p != '_' || strncmp(p + 1, suffix, sl) || p[1 + sl])
			continue;
		*sum += t->values[i];
		found = true;
	}
	return found ? 0 : -ENOENT;
}

int ena_version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		unsigned long x = strtoul(a, (char **)&a, 10), y = strtoul(b, (char **)&b, 10);

		if (x != y)
			return x < y ? -1 : 1;
		/* past the number: a dot goes on, anything else ("g", "K") ends it */
		a = *a == '.' ? a + 1 : "";
		b = *b == '.' ? b + 1 : "";
	}
	return 0;
}

/* A parameter or attribute that prints a number: its value, -1 when absent or not one. */
static int64_t read_num(const struct pa_paths *paths, const char *fmt, const char *arg)
{
	uint64_t v;
	bool have;

	if (ena_sys_u64(paths, &v, &have, fmt, arg) || v > INT32_MAX)
		return -1;
	return (int64_t)v;
}

void ena_driver_info_read(const struct pa_paths *paths, const char *ifname,
			  struct ena_driver_info *d)
{
	struct ethtool_push p;

	memset(d, 0, sizeof(*d));
	ena_sys_line(paths, d->version, sizeof(d->version), "/sys/module/%s/version", ENA_DRIVER);
	d->large_llq = (int)read_num(paths, "/sys/class/net/%s/device/large_llq_header", ifname);
	if (d->large_llq > 1)
		d->large_llq = -1;      /* the attribute prints 0 or 1: anything else is not it */
	d->force_large_llq = read_num(paths, "/sys/module/%s/parameters/force_large_llq_header",
				      ENA_DRIVER);
	d->enable_bql = read_num(paths, "/sys/module/%s/parameters/enable_bql", ENA_DRIVER);
	d->tx_push = -1;
	if (ethtool_io_usable(paths) && ethtool_io()->get_push &&
	    !ethtool_io()->get_push(ifname, &p)) {
		d->tx_push = p.tx_push;
		d->push_buf_len = p.buf_len;
	}
	/* the kernel's own driver has no sysfs attribute: the push buffer tells */
	if (d->large_llq < 0 && d->push_buf_len)
		d->large_llq = d->push_buf_len > ENA_LLQ_HEADER_STD;
}

static struct json_object *tri_json(int v)
{
	return v < 0 ? NULL : json_object_new_boolean(v);
}

static struct json_object *u64_json(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static int version_ok(const struct ena_driver_info *d)
{
	return d->version[0] ? ena_version_cmp(d->version, ENA_MIN_VERSION) >= 0 : -1;
}

struct json_object *ena_driver_json(const struct ena_driver_info *d,
				    const struct ethtool_rings *r, bool have_rings)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "version", d->version[0] ?
			       json_object_new_string(d->version) : NULL);
	json_object_object_add(o, "version_ok", tri_json(version_ok(d)));
	json_object_object_add(o, "version_want",
			       json_object_new_string(ENA_MIN_VERSION " or later"));
	json_object_object_add(o, "large_llq", tri_json(d->large_llq));
	json_object_object_add(o, "tx_push", tri_json(d->tx_push));
	json_object_object_add(o, "tx_push_buf_len", d->push_buf_len ?
			       u64_json(d->push_buf_len) : NULL);
	json_object_object_add(o, "force_large_llq_header", d->force_large_llq < 0 ? NULL :
			       json_object_new_int64(d->force_large_llq));
	json_object_object_add(o, "enable_bql", d->enable_bql < 0 ? NULL :
			       json_object_new_int64(d->enable_bql));
	json_object_object_add(o, "tx_ring_max", have_rings && r->tx_max ? u64_json(r->tx_max) :
			       NULL);
	return o;
}

/* ---- findings ---- */

static const struct health_word {
	enum ena_counter_id id;
	const char *severity;
	const char *what;       /* "<count> <what>" */
	const char *meaning;
} words[] = {
	{ ENA_RESET_FAIL, "problem", "failed device reset|failed device resets",
	  "the driver could not bring the device back and the interface may stay down; "
	  "look for ena messages in the kernel log (dmesg), reload the driver or stop and "
	  "start the instance, and report it to AWS support" },
	{ ENA_TOTAL_RESETS, "problem", "device reset|device resets",
	  "the driver reset the device and traffic stopped for a moment each time; the "
	  "reasons are counted beside it (ethtool -S: tx_timeout, missing_tx_cmpl, "
	  "wd_expired, ...) and logged (dmesg); report repeated ones to AWS support" },
	{ ENA_MISSING_TX_CMPL, "problem", "reset for missing Tx completions|resets for "
	  "missing Tx completions", "the device did not report sent packets for too long: "
	  "CPUs too busy to run the driver's interrupt work (look at softnet and CPU "
	  "use), or a device in trouble" },
	{ ENA_TX_TIMEOUTS, "problem", "transmit timeout|transmit timeouts",
	  "a transmit queue made no progress for the kernel's watchdog time and the driver "
	  "reset the device (traffic stops for a moment); look for ena messages in dmesg "
	  "and keep the driver current" },
	{ ENA_WD_EXPIRED, "problem", "keep-alive timeout|keep-alive timeouts",
	  "the device did not answer the driver's keep-alive in time and was reset; look "
	  "for ena messages in dmesg, and report repeated ones to AWS support" },
	{ ENA_TX_MISSED, "watch", "missing Tx completion|missing Tx completions",
	  "the device reported sent packets late: CPUs too busy to run the driver's "
	  "interrupt work, or a device in trouble; too many make the driver reset it" },
	{ ENA_INTERFACE_UP, "watch", "device start|device starts",
	  "the driver brought the device up again: after each reset, or an administrator's "
	  "link down and up; unexpected ones mean resets (see dmesg)" },
	{ ENA_RX_OVERRUNS, "watch", "packet dropped on a full receive ring|packets dropped "
	  "on a full receive ring", "a receive ring had no free buffer during a burst; raise "
	  "the rx ring (the network overlay's ena-rx-ring rule does, ethtool -G rx)" },
	{ ENA_TX_QUEUE_STOPS, "watch", "transmit queue stop|transmit queue stops",
	  "a Tx ring was full and the queue waited for the device: the host sends faster "
	  "than the interface drains, or at its bandwidth or packet allowance; raise the Tx "
	  "ring to its maximum (ethtool -G tx; 1024 needs large LLQ off on Nitro v4), use "
	  "more queues, or a larger type" },
};

static void add_finding(struct json_object *arr, const char *counter, const char *metric,
			uint64_t count, const char *severity, const char *msg)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return;
	json_object_object_add(o, "counter", json_object_new_string(counter));
	json_object_object_add(o, "metric", metric ? json_object_new_string(metric) : NULL);
	json_object_object_add(o, "count", u64_json(count));
	json_object_object_add(o, "severity", json_object_new_string(severity));
	json_object_object_add(o, "message", json_object_new_string(msg));
	if (json_object_array_add(arr, o))
		json_object_put(o);
}

static void counter_findings(const struct ena_nic *nic, uint64_t now_ms, unsigned int window_s,
			     struct json_object *arr)
{
	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
		const struct health_word *w = &words[k];
		uint64_t cov, n = ena_window_sum(nic, w->id, now_ms, window_s, &cov);
		const char *bar = strchr(w->what, '|');
		char num[32], sp[32], msg[640], extra[96] = "";

		if (!n)
			continue;
		ena_format_count(n, num, sizeof(num));
		ena_format_span(cov, sp, sizeof(sp));
		if (w->id == ENA_TX_QUEUE_STOPS) {
			uint64_t c2, wake = ena_window_sum(nic, ENA_TX_QUEUE_WAKEUPS, now_ms,
							   window_s, &c2);

			char wk[32];

			ena_format_count(wake, wk, sizeof(wk));
			snprintf(extra, sizeof(extra), " (%s wake-ups)", wk);
		}
		snprintf(msg, sizeof(msg), "%s %.*s%s in the last %s: %s", num,
			 n == 1 ? (int)(bar - w->what) : (int)strlen(bar + 1),
			 n == 1 ? w->what : bar + 1, extra, sp, w->meaning);
		add_finding(arr, ena_counter_source(w->id), ena_metric_name(w->id), n, w->severity,
			    msg);
	}
}

static void version_finding(const struct ena_driver_info *d, struct json_object *arr)
{
	char msg[512];

	if (version_ok(d) == 0) {
		snprintf(msg, sizeof(msg), "ENA driver %s is older than %s, which AWS asks for on "
			 "the newer ENA generations (and ENA Express's full bandwidth); update the "
			 "ena driver (amzn-drivers, or a newer kernel package)", d->version,
			 ENA_MIN_VERSION);
		add_finding(arr, "driver_version", NULL, 0, "problem", msg);
	}
}

static void llq_finding(const struct ena_driver_info *d, const struct ethtool_rings *r,
			bool have_rings, struct json_object *arr)
{
	char msg[512];

	/* Large LLQ halves the Tx ring: say so when that is what caps it. */
	if (have_rings && r->tx_max && r->tx_max < TX_RING_EXPRESS && d->large_llq == 1) {
		snprintf(msg, sizeof(msg), "large LLQ is on, so the Tx ring is at most %u (1024 "
			 "without it): it carries 224-byte headers (IPv6 with options, tunnels); "
			 "for a 1024-entry Tx ring load the driver with force_large_llq_header=0 "
			 "where no such headers are sent", r->tx_max);
		add_finding(arr, "large_llq", NULL, 0, "info", msg);
	}
}

void ena_health_findings(const struct ena_nic *nic, uint64_t now_ms, unsigned int window_s,
			 const struct ena_driver_info *d, const struct ethtool_rings *r,
			 bool have_rings, struct json_object *arr)
{
	/* problems first, then what to watch, then what to know */
	version_finding(d, arr);
	counter_findings(nic, now_ms, window_s, arr);
	llq_finding(d, r, have_rings, arr);
}
