// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interface counters per interval and the ENA status (see ena.h): the
 * counter table, deltas and the window, collecting from sysfs and the
 * driver's statistics, then the status JSON and its human lines.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "net/ena.h"
#include "net/ena_express.h"
#include "net/ena_health.h"
#include "net/softnet.h"
#include "core/jsonutil.h"
#include "core/util.h"

/* sysfs statistics are unsigned long in drivers: 32 bits on 32-bit kernels */
#define SYSFS_BITS ((unsigned int)(8 * sizeof(unsigned long)))

static const struct counter_info {
	const char *source;     /* ethtool statistic, or sysfs statistics file */
	const char *metric;
	enum metric_unit unit;
	const char *what;       /* allowance counters: how the sentence names it */
	const char *meaning;    /* ... and what it means, what to do */
	bool per_queue;         /* source is queue_N_<source>, summed (ena_queue_sum()) */
} counters[ENA_N_COUNTERS] = {
	[ENA_BW_IN] = { "bw_in_allowance_exceeded", "BwInAllowanceExceeded", UNIT_COUNT,
		"inbound bandwidth allowance",
		"traffic into the instance is above its bandwidth limit and is queued or dropped; "
		"consider a larger or network-optimized type" },
	[ENA_BW_OUT] = { "bw_out_allowance_exceeded", "BwOutAllowanceExceeded", UNIT_COUNT,
		"outbound bandwidth allowance",
		"traffic out of the instance is above its bandwidth limit and is queued or "
		"dropped; consider a larger or network-optimized type" },
	[ENA_PPS] = { "pps_allowance_exceeded", "PpsAllowanceExceeded", UNIT_COUNT,
		"pps allowance",
		"the instance is at its packet-per-second limit; consider a larger or "
		"network-optimized type" },
	[ENA_CONNTRACK] = { "conntrack_allowance_exceeded", "ConntrackAllowanceExceeded",
		UNIT_COUNT, "conntrack allowance",
		"security groups track as many connections as the instance type allows and new "
		"ones are dropped; consider a larger type, or security group rules that leave "
		"the traffic untracked" },
	[ENA_LINKLOCAL] = { "linklocal_allowance_exceeded", "LinklocalAllowanceExceeded",
		UNIT_COUNT, "link-local allowance",
		"packets to the Amazon DNS resolver, instance metadata or Time Sync exceed the "
		"per-interface limit and are dropped; cache DNS answers locally and query "
		"instance metadata less often" },
	/* Device-wide: a receive ring had no free buffer (AWS ENA Linux best practices). */
	[ENA_RX_OVERRUNS] = { "rx_overruns", "RxOverruns", UNIT_COUNT, NULL, NULL },
	/* Health (ena_health.h): names as ena_ethtool.c of amzn/amzn-drivers prints them. */
	[ENA_TX_QUEUE_STOPS] = { "tx_queue_stop", "TxQueueStops", UNIT_COUNT, NULL, NULL, true },
	[ENA_TX_QUEUE_WAKEUPS] = { "tx_queue_wakeup", "TxQueueWakeups", UNIT_COUNT, NULL, NULL,
		true },
	[ENA_TX_MISSED] = { "tx_missed_tx", "TxMissedCompletions", UNIT_COUNT, NULL, NULL, true },
	[ENA_TX_TIMEOUTS] = { "tx_timeout", "TxTimeouts", UNIT_COUNT, NULL, NULL },
	[ENA_WD_EXPIRED] = { "wd_expired", "KeepAliveTimeouts", UNIT_COUNT, NULL, NULL },
	[ENA_RESET_FAIL] = { "reset_fail", "ResetFailures", UNIT_COUNT, NULL, NULL },
	[ENA_INTERFACE_UP] = { "interface_up", "InterfaceUps", UNIT_COUNT, NULL, NULL },
	/* r2.10 "Improve reset reason statistics": a total and a counter per reason */
	[ENA_TOTAL_RESETS] = { "total_resets", "DriverResets", UNIT_COUNT, NULL, NULL },
	[ENA_MISSING_TX_CMPL] = { "missing_tx_cmpl", "MissingTxCompletionResets", UNIT_COUNT, NULL,
		NULL },
	[ENA_RX_PACKETS] = { "rx_packets", "RxPackets", UNIT_COUNT, NULL, NULL },
	[ENA_TX_PACKETS] = { "tx_packets", "TxPackets", UNIT_COUNT, NULL, NULL },
	[ENA_RX_BYTES] = { "rx_bytes", "RxBytes", UNIT_BYTES, NULL, NULL },
	[ENA_TX_BYTES] = { "tx_bytes", "TxBytes", UNIT_BYTES, NULL, NULL },
	[ENA_RX_DROPS] = { "rx_dropped", "RxDrops", UNIT_COUNT, NULL, NULL },
	[ENA_TX_DROPS] = { "tx_dropped", "TxDrops", UNIT_COUNT, NULL, NULL },
};

#define FAKE_TREE "not read: the sysroot is a fake tree, not the running kernel"
#define AVAILABLE_STAT "conntrack_allowance_available"
#define AVAILABLE_METRIC "ConntrackAllowanceAvailable"
#define SRD_MODE_STAT "ena_srd_mode"
#define OVERRUNS_SYSFS "rx_over_errors"

const char *ena_metric_name(enum ena_counter_id id)
{
	return (size_t)id < ENA_N_COUNTERS ? counters[id].metric : "?";
}

const char *ena_counter_source(enum ena_counter_id id)
{
	return (size_t)id < ENA_N_COUNTERS ? counters[id].source : "?";
}

enum metric_unit ena_metric_unit(enum ena_counter_id id)
{
	return (size_t)id < ENA_N_COUNTERS ? counters[id].unit : UNIT_NONE;
}

void ena_init(struct ena_state *s)
{
	memset(s, 0, sizeof(*s));
	s->window_s = ENA_WINDOW_S;
}

void ena_free(struct ena_state *s)
{
	free(s->nics);
	memset(s, 0, sizeof(*s));
}

/* ---- deltas and the window ---- */

bool ena_counter_delta(struct ena_counter *c, uint64_t now, unsigned int bits, uint64_t *delta)
{
	uint64_t mask = bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
	bool had = c->have;
	uint64_t last = c->last;

	c->last = now;
	c->have = true;
	if (!had)
		return false;
	if (now >= last)
		*delta = now - last;
	else if (last <= mask && last > mask - mask / 4 && now < mask / 4)
		*delta = (now - last) & mask;   /* wrapped through 2^bits */
	else
		*delta = now;                   /* reset: counted from 0 since */
	return true;
}

static void window_push(struct ena_nic *nic, const struct ena_slot *slot)
{
	nic->slots[nic->head] = *slot;
	nic->head = (nic->head + 1) % ENA_WINDOW_SLOTS;
	if (nic->used < ENA_WINDOW_SLOTS)
		nic->used++;
}

uint64_t ena_window_sum(const struct ena_nic *nic, enum ena_counter_id id, uint64_t now_ms,
			unsigned int window_s, uint64_t *covered_ms)
{
	uint64_t since = now_ms > window_s * 1000ULL ? now_ms - window_s * 1000ULL : 0;
	uint64_t sum = 0, first = UINT64_MAX;

	*covered_ms = 0;
	if ((size_t)id >= ENA_N_DRIVER_STATS)
		return 0;
	for (size_t i = 0; i < nic->used; i++) {
		const struct ena_slot *sl = &nic->slots[(nic->head + ENA_WINDOW_SLOTS - 1 - i) %
							 ENA_WINDOW_SLOTS];

		if (sl->end_ms <= since)
			break;      /* newest first: the rest is older */
		sum += sl->count[id];
		first = sl->start_ms;
	}
	if (first != UINT64_MAX)
		*covered_ms = now_ms - (first > since ? first : since);
	return sum;
}

static int add_metric(struct metric_entity *e, const char *name, enum metric_unit unit,
		      uint64_t v)
{
	return e ? metric_add(e, name, unit, (double)v) : 0;
}

int ena_nic_update(struct ena_nic *nic, const struct ena_raw *raw, uint64_t now_ms,
		   struct metric_entity *e)
{
	struct ena_slot slot = { .start_ms = nic->last_ms, .end_ms = now_ms };
	bool first = nic->last_ms == 0;
	int ret = 0;

	for (int i = 0; i < ENA_N_COUNTERS && !ret; i++) {
		unsigned int bits = i < ENA_N_DRIVER_STATS ? 64 : SYSFS_BITS;
		uint64_t d;

		if (!raw->have[i] || !ena_counter_delta(&nic->ctr[i], raw->value[i], bits, &d))
			continue;
		if (i < ENA_N_DRIVER_STATS)
			slot.count[i] = d;
		ret = add_metric(e, counters[i].metric, counters[i].unit, d);
	}
	if (!ret && raw->have_available)
		ret = add_metric(e, AVAILABLE_METRIC, UNIT_COUNT, raw->available);
	if (!first && now_ms > nic->last_ms)
		window_push(nic, &slot);
	nic->last_ms = now_ms ? now_ms : 1;
	nic->last = *raw;
	return ret;
}

/* ---- wording ---- */

void ena_format_count(uint64_t v, char *buf, size_t size)
{
	char digits[32];
	size_t n, off = 0;

	n = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, v);
	for (size_t i = 0; i < n && off + 1 < size; i++) {
		if (i && (n - i) % 3 == 0)
			buf[off++] = ',';
		if (off + 1 < size)
			buf[off++] = digits[i];
	}
	if (size)
		buf[off < size ? off : size - 1] = '\0';
}

void ena_format_span(uint64_t ms, char *buf, size_t size)
{
	uint64_t s = (ms + 500) / 1000;

	if (s >= 60)
		snprintf(buf, size, "%" PRIu64 " min", (s + 30) / 60);
	else
		snprintf(buf, size, "%" PRIu64 " s", s ? s : 1);
}

int ena_allowance_message(enum ena_counter_id id, uint64_t count, uint64_t covered_ms,
			  char *buf, size_t size)
{
	char n[32], span[32];
	int len;

	if ((size_t)id >= ENA_N_ALLOWANCES)
		return -EINVAL;
	ena_format_count(count, n, sizeof(n));
	ena_format_span(covered_ms, span, sizeof(span));
	len = snprintf(buf, size, "%s exceeded %s time%s in the last %s: %s", counters[id].what, n,
		       count == 1 ? "" : "s", span, counters[id].meaning);
	return len < 0 || (size_t)len >= size ? -E2BIG : 0;
}

/* ---- collecting ---- */

static int vsys_line(const struct pa_paths *paths, char *buf, size_t size, const char *fmt,
		     va_list ap)
{
	char rel[PATH_MAX], path[PATH_MAX];
	int n;

	buf[0] = '\0';
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	if (n < 0 || (size_t)n >= sizeof(rel) || paths_sys(paths, path, sizeof(path), rel) ||
	    util_read_line(path, buf, size) <= 0) {
		buf[0] = '\0';
		return -ENOENT;
	}
	return 0;
}

int ena_sys_line(const struct pa_paths *paths, char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsys_line(paths, buf, size, fmt, ap);
	va_end(ap);
	return ret;
}

int ena_sys_u64(const struct pa_paths *paths, uint64_t *v, bool *have, const char *fmt, ...)
{
	char line[64], *end;
	va_list ap;
	int ret;

	*have = false;
	va_start(ap, fmt);
	ret = vsys_line(paths, line, sizeof(line), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	errno = 0;
	*v = strtoull(line, &end, 10);
	if (errno || *end || line[0] == '-' || !line[0])
		return -EINVAL;
	*have = true;
	return 0;
}

/*
 * The allowance and health counters and rx_overruns, by name, from the
 * driver's statistics. A per-queue sum that falls (queues re-created with
 * fewer, or zeroed, by ethtool -L or a reset) is taken as a reset by
 * ena_counter_delta(): counted from its new value.
 */
static void read_ena_stats(const char *ifname, struct ena_raw *raw)
{
	struct ethtool_stat_table t;

	raw->stats_err = ethtool_io()->get_stats(ifname, &t);
	if (raw->stats_err)
		return;
	for (int i = 0; i < ENA_N_DRIVER_STATS; i++)
		raw->have[i] = counters[i].per_queue ?
			       !ena_queue_sum(&t, counters[i].source, &raw->value[i]) :
			       !ethtool_table_find(&t, counters[i].source, &raw->value[i]);
	raw->have_available = !ethtool_table_find(&t, AVAILABLE_STAT, &raw->available);
	raw->have_srd_mode = !ethtool_table_find(&t, SRD_MODE_STAT, &raw->srd_mode);
	ethtool_table_free(&t);
}

static void read_raw(const struct pa_paths *paths, const struct ena_nic *nic,
		     struct ena_raw *raw)
{
	memset(raw, 0, sizeof(*raw));
	for (int i = ENA_N_DRIVER_STATS; i < ENA_N_COUNTERS; i++)
		ena_sys_u64(paths, &raw->value[i], &raw->have[i], "/sys/class/net/%s/statistics/%s",
			nic->name, counters[i].source);
	if (!nic->ena)
		return;
	if (ethtool_io_usable(paths))
		read_ena_stats(nic->name, raw);
	else
		raw->stats_err = -ENODEV;   /* a fake tree's NIC is not the kernel's */
	/*
	 * ENA 2.8.8 and later report the device's overruns as the net device's
	 * rx_over_errors, not in ethtool -S (amzn-drivers RELEASENOTES r2.8.8,
	 * ena_get_stats64()): the same keep-alive counter, read there when the
	 * statistics table has no rx_overruns.
	 */
	if (!raw->have[ENA_RX_OVERRUNS])
		ena_sys_u64(paths, &raw->value[ENA_RX_OVERRUNS], &raw->have[ENA_RX_OVERRUNS],
			"/sys/class/net/%s/statistics/%s", nic->name, OVERRUNS_SYSFS);
}

static struct ena_nic *nic_get(struct ena_state *s, const char *name)
{
	struct ena_nic *nic;

	for (size_t i = 0; i < s->n; i++) {
		if (!strcmp(s->nics[i].name, name))
			return &s->nics[i];
	}
	nic = array_grow(s->nics, &s->cap, s->n + 1, sizeof(*nic), 8);
	if (!nic)
		return NULL;
	s->nics = nic;
	nic = &s->nics[s->n++];
	memset(nic, 0, sizeof(*nic));
	strcpy(nic->name, name);
	return nic;
}

static void forget_unseen(struct ena_state *s)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (!s->nics[i].seen)
			continue;
		if (k != i)
			s->nics[k] = s->nics[i];
		k++;
	}
	s->n = k;
}

static int nic_filter(const struct dirent *d)
{
	return d->d_name[0] != '.' && strcmp(d->d_name, "lo") && strlen(d->d_name) < IF_NAMESIZE;
}

static int collect_one(struct ena_state *s, const struct pa_paths *paths, const char *name,
		       uint64_t now_ms, struct metric_set *set)
{
	struct ena_nic *nic = nic_get(s, name);
	struct metric_entity *e;
	struct ena_raw raw;

	if (!nic)
		return -ENOMEM;
	nic->seen = true;
	ethtool_nic_driver(paths, name, nic->driver, sizeof(nic->driver));
	nic->ena = !strcmp(nic->driver, ENA_DRIVER);
	read_raw(paths, nic, &raw);
	e = set ? metric_set_entity(set, ENTITY_INTERFACE, name) : NULL;
	if (set && !e)
		return -ENOMEM;
	return ena_nic_update(nic, &raw, now_ms, e);
}

int ena_collect(struct ena_state *s, const struct pa_paths *paths, uint64_t now_ms,
		struct metric_set *set)
{
	char dir[PATH_MAX];
	struct dirent **list = NULL;
	int n, ret = 0;

	for (size_t i = 0; i < s->n; i++)
		s->nics[i].seen = false;
	if (paths_sys(paths, dir, sizeof(dir), "/sys/class/net"))
		return 0;
	n = scandir(dir, &list, nic_filter, versionsort);
	for (int i = 0; i < n; i++) {
		if (!ret)
			ret = collect_one(s, paths, list[i]->d_name, now_ms, set);
		free(list[i]);
	}
	free(list);
	forget_unseen(s);
	return ret;
}

/* ---- status JSON ---- */

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *u64_json(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

/* Appends "what: strerror" to err. */
static void note_error(char *err, size_t size, const char *what, int ret)
{
	size_t off = strlen(err);

	snprintf(err + off, size - off, "%s%s: %s", off ? "; " : "", what,
		 ret == -EOPNOTSUPP ? "not supported by the driver" : strerror(-ret));
}

/* The driver's settings now; rings->rx_max stays 0 when unknown. */
static struct json_object *settings_json(const struct pa_paths *paths, const char *ifname,
					 struct ethtool_rings *rings, bool *have_rings,
					 char *err, size_t errsz)
{
	const struct ethtool_io *io = ethtool_io();
	struct json_object *o = json_object_new_object();
	struct ethtool_chans ch;
	struct ethtool_coal c;
	int ret;

	*have_rings = false;
	if (!o || !ethtool_io_usable(paths))
		return o;
	if (!(ret = io->get_rings(ifname, rings))) {
		*have_rings = true;
		add(o, "rx_ring", u64_json(rings->rx));
		add(o, "rx_ring_max", u64_json(rings->rx_max));
		add(o, "tx_ring", u64_json(rings->tx));
		add(o, "tx_ring_max", u64_json(rings->tx_max));
	} else {
		note_error(err, errsz, "rings", ret);
	}
	if (!(ret = io->get_chans(ifname, &ch))) {
		add(o, "channels", u64_json(ch.combined_max ? ch.combined : ch.rx));
		add(o, "channels_max", u64_json(ethtool_chans_max(&ch)));
	} else {
		note_error(err, errsz, "channels", ret);
	}
	if (!(ret = io->get_coal(ifname, &c))) {
		if (c.supported & ETHTOOL_COAL_ADAPTIVE_RX)
			add(o, "adaptive_rx", json_object_new_boolean(c.adaptive_rx));
		if (c.supported & ETHTOOL_COAL_RX_USECS)
			add(o, "rx_usecs", u64_json(c.rx_usecs));
		if (c.supported & ETHTOOL_COAL_TX_USECS)
			add(o, "tx_usecs", u64_json(c.tx_usecs));
	} else {
		note_error(err, errsz, "coalescing", ret);
	}
	return o;
}

/* "ena_srd_mode": 0 off; 1 on; 2 off, UDP setting kept; 3 on for TCP and UDP. */
static bool srd_mode_on(uint64_t mode)
{
	return mode == 1 || mode == 3;
}

bool ena_express_on(const struct pa_paths *paths, const char *ifname)
{
	struct ethtool_stat_table t;
	uint64_t mode;
	bool on;

	if (!ethtool_io_usable(paths) || ethtool_io()->get_stats(ifname, &t))
		return false;
	on = !ethtool_table_find(&t, SRD_MODE_STAT, &mode) && srd_mode_on(mode);
	ethtool_table_free(&t);
	return on;
}

static struct json_object *allowances_json(const struct ena_nic *nic, uint64_t now_ms,
					   unsigned int window_s, struct json_object **exceeded,
					   uint64_t *covered_ms)
{
	struct json_object *o = json_object_new_object();
	char msg[512];

	*exceeded = json_object_new_array();
	*covered_ms = 0;
	for (int i = 0; o && *exceeded && i < ENA_N_ALLOWANCES; i++) {
		uint64_t cov, n = ena_window_sum(nic, i, now_ms, window_s, &cov);
		struct json_object *x;

		*covered_ms = cov > *covered_ms ? cov : *covered_ms;
		add(o, counters[i].source, nic->last.have[i] ? u64_json(n) : NULL);
		if (!n || !(x = json_object_new_object()))
			continue;
		ena_allowance_message(i, n, cov, msg, sizeof(msg));
		add(x, "counter", json_object_new_string(counters[i].source));
		add(x, "metric", json_object_new_string(counters[i].metric));
		add(x, "count", u64_json(n));
		add(x, "message", json_object_new_string(msg));
		if (json_object_array_add(*exceeded, x))
			json_object_put(x);
	}
	return o;
}

static bool has_allowances(const struct ena_raw *raw)
{
	for (int i = 0; i < ENA_N_ALLOWANCES; i++) {
		if (raw->have[i])
			return true;
	}
	return false;
}

static struct json_object *nic_json(const struct ena_state *s, const struct pa_paths *paths,
				    const struct ena_nic *nic, uint64_t now_ms)
{
	struct json_object *o = json_object_new_object(), *exceeded, *allow;
	struct ethtool_rings rings = { 0 };
	char err[512] = "", stats_err[256] = "";
	uint64_t mtu = 0, covered;
	bool have_mtu, have_rings;
	struct ena_driver_info drv;
	struct ena_express_input xin;
	struct json_object *health;

	if (!o)
		return NULL;
	ena_sys_u64(paths, &mtu, &have_mtu, "/sys/class/net/%s/mtu", nic->name);
	add(o, "interface", json_object_new_string(nic->name));
	add(o, "driver", json_object_new_string(nic->driver));
	add(o, "mtu", have_mtu ? u64_json(mtu) : NULL);
	add(o, "settings", settings_json(paths, nic->name, &rings, &have_rings, err,
					 sizeof(err)));
	add(o, "settings_error", json_str_or_null(ethtool_io_usable(paths) ? err : FAKE_TREE));
	allow = allowances_json(nic, now_ms, s->window_s, &exceeded, &covered);
	add(o, "covered_s", u64_json((covered + 500) / 1000));
	add(o, "allowances", allow);
	add(o, "exceeded", exceeded);
	add(o, "conntrack_allowance_available", nic->last.have_available ?
	    u64_json(nic->last.available) : NULL);
	if (!ethtool_io_usable(paths))
		snprintf(stats_err, sizeof(stats_err), "%s", FAKE_TREE);
	else if (nic->last.stats_err)
		note_error(stats_err, sizeof(stats_err), "cannot read the driver's statistics",
			   nic->last.stats_err);
	else if (nic->last_ms && !has_allowances(&nic->last))
		snprintf(stats_err, sizeof(stats_err), "the driver reports no allowance counters "
			 "(ENA driver 2.2.10 and later do)");
	add(o, "stats_error", json_str_or_null(stats_err));
	ena_driver_info_read(paths, nic->name, &drv);
	add(o, "driver_info", ena_driver_json(&drv, &rings, have_rings));
	if ((health = json_object_new_array()))
		ena_health_findings(nic, now_ms, s->window_s, &drv, &rings, have_rings, health);
	add(o, "health", health);
	xin = (struct ena_express_input){ .ifname = nic->name, .have_mtu = have_mtu, .mtu = mtu,
		.have_rings = have_rings, .rings = &rings, .drv = &drv,
		.srd_mode = nic->last.have_srd_mode ? (int64_t)nic->last.srd_mode : -1 };
	add(o, "ena_express", ena_express_json(paths, &xin));
	return o;
}

struct json_object *ena_status_json(const struct ena_state *s, const struct pa_paths *paths,
				    uint64_t now_ms)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();

	if (!o || !arr) {
		json_object_put(o);
		json_object_put(arr);
		return NULL;
	}
	add(o, "window_s", u64_json(s->window_s));
	add(o, "interfaces", arr);
	for (size_t i = 0; i < s->n; i++) {
		struct json_object *n;

		if (!s->nics[i].ena)
			continue;
		n = nic_json(s, paths, &s->nics[i], now_ms);
		if (!n || json_object_array_add(arr, n)) {
			json_object_put(n);
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

/* ---- human lines ---- */

#define LABEL "%-12s "

/* Appends ", text" (or text first) to buf. */
__attribute__((format(printf, 3, 4)))
static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t off = strlen(buf);
	va_list ap;

	if (off + 2 >= size)
		return;
	if (off)
		off += (size_t)snprintf(buf + off, size - off, ", ");
	va_start(ap, fmt);
	vsnprintf(buf + off, size - off, fmt, ap);
	va_end(ap);
}

static void settings_line(struct json_object *nic, char *buf, size_t size)
{
	struct json_object *st = json_at(nic, "settings"), *v;

	buf[0] = '\0';
	append(buf, size, "%s", json_at_str(nic, "driver", "?"));
	if ((v = json_at(nic, "mtu")))
		append(buf, size, "mtu %lld", (long long)json_at_int(v, ""));
	if ((v = json_at(st, "rx_ring")))
		append(buf, size, "rx ring %lld (max %lld), tx ring %lld (max %lld)",
		       (long long)json_at_int(v, ""),
		       (long long)json_at_int(st, "rx_ring_max"),
		       (long long)json_at_int(st, "tx_ring"),
		       (long long)json_at_int(st, "tx_ring_max"));
	if ((v = json_at(st, "channels")))
		append(buf, size, "%lld channels (max %lld)", (long long)json_at_int(v, ""),
		       (long long)json_at_int(st, "channels_max"));
	if ((v = json_at(st, "adaptive_rx")))
		append(buf, size, "adaptive-rx %s", json_at_bool(v, "") ? "on" : "off");
	if ((v = json_at(st, "rx_usecs")))
		append(buf, size, "rx-usecs %lld", (long long)json_at_int(v, ""));
	if ((v = json_at(st, "tx_usecs")))
		append(buf, size, "tx-usecs %lld", (long long)json_at_int(v, ""));
}

static void print_allowances(struct json_object *nic, long long window_s, FILE *out)
{
	struct json_object *ex = json_at_array(nic, "exceeded");
	struct json_object *avail = json_at(nic, "conntrack_allowance_available");
	size_t n = json_at_len(ex, "");
	char span[32], count[32];

	for (size_t i = 0; i < n; i++)
		fprintf(out, LABEL "%s\n", "",
			json_at_str(json_object_array_get_idx(ex, i), "message", ""));
	ena_format_span((uint64_t)json_at_int(nic, "covered_s") * 1000, span,
		    sizeof(span));
	if (json_at(nic, "stats_error"))
		fprintf(out, LABEL "allowances unknown: %s\n", "",
			json_at_str(nic, "stats_error", ""));
	else if (!json_at_int(nic, "covered_s"))
		fprintf(out, LABEL "allowances: no interval measured yet (window %lld min)\n", "",
			window_s / 60);
	else if (!n)
		fprintf(out, LABEL "no allowance exceeded in the last %s\n", "", span);
	if (avail) {
		ena_format_count((uint64_t)json_at_int(avail, ""), count, sizeof(count));
		fprintf(out, LABEL "conntrack allowance: %s connections still available\n", "",
			count);
	}
}

static void print_health(struct json_object *nic, FILE *out)
{
	struct json_object *h = json_at_array(nic, "health"), *d = json_at(nic, "driver_info");
	size_t n = json_at_len(h, "");

	if (json_at(d, "version"))
		fprintf(out, LABEL "driver %s%s\n", "", json_at_str(d, "version", ""),
			json_at_bool(d, "version_ok") ? "" : " (older than required)");
	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(h, i);

		fprintf(out, LABEL "%s: %s\n", "", json_at_str(f, "severity", "?"),
			json_at_str(f, "message", ""));
	}
}

void ena_status_print(struct json_object *ena, FILE *out)
{
	struct json_object *arr = json_at_array(ena, "interfaces");
	size_t n = json_at_len(arr, "");
	long long window_s = json_at_int(ena, "window_s");
	char label[IF_NAMESIZE + 8], line[512];

	if (!n)
		fprintf(out, LABEL "no ENA interfaces\n", "ena");
	for (size_t i = 0; i < n; i++) {
		struct json_object *nic = json_object_array_get_idx(arr, i);

		snprintf(label, sizeof(label), "ena %s", json_at_str(nic, "interface", "?"));
		settings_line(nic, line, sizeof(line));
		fprintf(out, LABEL "%s\n", label, line);
		if (json_at(nic, "settings_error"))
			fprintf(out, LABEL "settings: %s\n", "",
				json_at_str(nic, "settings_error", ""));
		print_allowances(nic, window_s, out);
		print_health(nic, out);
		ena_express_print(json_at(nic, "ena_express"), out);
	}
	/* host-wide, after the NICs: the daemon adds it to this object */
	softnet_status_print(json_at(ena, "softnet"), out);
}
