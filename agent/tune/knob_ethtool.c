// SPDX-License-Identifier: GPL-2.0-only
/*
 * The [ethtool] backend. Each value becomes a knob per interface whose
 * driver matches drivers (ena unless the profile says otherwise) and whose
 * name matches interfaces (globs):
 *
 *   rx_ring, tx_ring     ethtool:IF:rx_ring   ring entries ("max" and numbers
 *                        above the device's maximum resolved against it,
 *                        rounded down to a power of two)
 *   channels             ethtool:IF:channels  combined channels (rx and tx on
 *                        drivers without combined ones), never above the
 *                        device's maximum nor the vCPUs
 *   adaptive_rx, rx_usecs, tx_usecs           interrupt coalescing
 *   rps                  ethtool:IF:rps:rx-N  one knob per receive queue, the
 *                        file /sys/class/net/IF/queues/rx-N/rps_cpus; "auto"
 *                        only when the vCPUs outnumber the queues
 *   rfs                  ethtool:IF:rfs:rx-N  RFS flow entries for the
 *                        interface, split over its receive queues: the file
 *                        rx-N/rps_flow_cnt (kernel Documentation/networking/
 *                        scaling.rst); with RPS only, 0 turns it off
 *
 * Device settings go through ethtool.h's ops, in the current network
 * namespace; their path, /sys/class/net/IF, only names the device (and lets
 * the journal check it like any other). Nothing here touches the MTU,
 * addresses, offloads or irqbalance (whose banned CPUs are an [irqbalance]
 * knob: knob_irqbalance.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/ethtool.h"
#include "net/nic_cpus.h"
#include "tune/formula.h"
#include "tune/knob.h"
#include "core/util.h"

#define ETHTOOL_PREFIX "ethtool:"

/* The settings the driver holds, by profile key. */
enum setting {
	S_RX_RING,
	S_TX_RING,
	S_CHANNELS,
	S_ADAPTIVE_RX,
	S_RX_USECS,
	S_TX_USECS,
	S_COUNT,
};

static const char *const setting_keys[S_COUNT] = {
	"rx_ring", "tx_ring", "channels", "adaptive_rx", "rx_usecs", "tx_usecs",
};

static int setting_of_key(const char *key)
{
	for (int i = 0; i < S_COUNT; i++) {
		if (!strcmp(key, setting_keys[i]))
			return i;
	}
	return -1;
}

/* "ethtool:IF:KEY" -> IF and the setting; -EINVAL for rps and anything else. */
static int parse_id(const char *id, char *ifname, size_t size, enum setting *s)
{
	const char *name = id + strlen(ETHTOOL_PREFIX), *colon;
	int i;

	if (strncmp(id, ETHTOOL_PREFIX, strlen(ETHTOOL_PREFIX)))
		return -EINVAL;
	colon = strchr(name, ':');
	if (!colon || colon == name || (size_t)(colon - name) >= size)
		return -EINVAL;
	i = setting_of_key(colon + 1);
	if (i < 0)
		return -EINVAL;
	memcpy(ifname, name, colon - name);
	ifname[colon - name] = '\0';
	*s = i;
	return 0;
}

/* ---- values ---- */

/* "N", or "rx N tx M" when a driver's separate counts differ. */
static int format_chans(const struct ethtool_chans *c, char *buf, size_t size)
{
	if (c->combined_max || (!c->rx_max && !c->tx_max))
		return util_join(buf, size, "%u", c->combined);
	if (c->rx == c->tx)
		return util_join(buf, size, "%u", c->rx);
	return util_join(buf, size, "rx %u tx %u", c->rx, c->tx);
}

/* What format_chans() printed, as counts to set. */
static int parse_chans(const char *s, const struct ethtool_chans *now, struct ethtool_chans *c)
{
	uint32_t rx, tx;

	memset(c, 0, sizeof(*c));
	if (ethtool_parse_u32(s, &rx)) {
		tx = rx;
	} else if (sscanf(s, "rx %u tx %u", &rx, &tx) != 2) {
		return -EINVAL;
	}
	if (!rx || !tx)
		return -EINVAL;
	if (now->combined_max) {
		if (rx != tx)
			return -EINVAL;
		c->combined = rx;
	} else {
		c->rx = rx;
		c->tx = tx;
	}
	return 0;
}

static int coal_bit(enum setting s)
{
	return s == S_ADAPTIVE_RX ? ETHTOOL_COAL_ADAPTIVE_RX :
	       s == S_RX_USECS ? ETHTOOL_COAL_RX_USECS : ETHTOOL_COAL_TX_USECS;
}

static int setting_get(const char *ifname, enum setting s, char *buf, size_t size)
{
	const struct ethtool_io *io = ethtool_io();
	struct ethtool_rings r;
	struct ethtool_chans ch;
	struct ethtool_coal c;
	int ret;

	switch (s) {
	case S_RX_RING:
	case S_TX_RING:
		ret = io->get_rings(ifname, &r);
		return ret ? ret : util_join(buf, size, "%u", s == S_RX_RING ? r.rx : r.tx);
	case S_CHANNELS:
		ret = io->get_chans(ifname, &ch);
		return ret ? ret : format_chans(&ch, buf, size);
	default:
		ret = io->get_coal(ifname, &c);
		if (ret)
			return ret;
		if (!(c.supported & coal_bit(s)))
			return -EOPNOTSUPP;
		if (s == S_ADAPTIVE_RX)
			return util_join(buf, size, "%s", c.adaptive_rx ? "on" : "off");
		return util_join(buf, size, "%u", s == S_RX_USECS ? c.rx_usecs : c.tx_usecs);
	}
}

static int coal_set(const char *ifname, enum setting s, const char *val)
{
	const struct ethtool_io *io = ethtool_io();
	struct ethtool_coal c;
	uint32_t n = 0;
	int ret;

	if (s == S_ADAPTIVE_RX ? strcmp(val, "on") && strcmp(val, "off") :
				 !ethtool_parse_u32(val, &n))
		return -EINVAL;
	ret = io->get_coal(ifname, &c);
	if (ret)
		return ret;
	if (!(c.supported & coal_bit(s)))
		return -EOPNOTSUPP;
	if (s == S_ADAPTIVE_RX)
		c.adaptive_rx = !strcmp(val, "on");
	else if (s == S_RX_USECS)
		c.rx_usecs = n;
	else
		c.tx_usecs = n;
	return io->set_coal(ifname, &c);
}

static int setting_set(const char *ifname, enum setting s, const char *val)
{
	const struct ethtool_io *io = ethtool_io();
	struct ethtool_chans now, want;
	struct ethtool_rings r;
	uint32_t n;
	int ret;

	switch (s) {
	case S_RX_RING:
	case S_TX_RING:
		if (!ethtool_parse_u32(val, &n) || !n)
			return -EINVAL;
		ret = io->get_rings(ifname, &r);
		if (ret)
			return ret;
		*(s == S_RX_RING ? &r.rx : &r.tx) = n;
		return io->set_rings(ifname, &r);
	case S_CHANNELS:
		ret = io->get_chans(ifname, &now);
		if (!ret)
			ret = parse_chans(val, &now, &want);
		return ret ? ret : io->set_chans(ifname, &want);
	default:
		return coal_set(ifname, s, val);
	}
}

/* ---- the backend's read, write and where ---- */

/* "ethtool:IF:rps:rx-N" or "ethtool:IF:rfs:rx-N": a file of this backend. */
static bool is_queue_file(const struct knob *k, const char *tag)
{
	char mid[16];

	snprintf(mid, sizeof(mid), ":%s:rx-", tag);
	return !strncmp(k->id, ETHTOOL_PREFIX, strlen(ETHTOOL_PREFIX)) && strstr(k->id, mid);
}

static bool is_rps(const struct knob *k)
{
	return is_queue_file(k, "rps");
}

bool knob_is_rps(const struct knob *k, char *ifname, size_t size)
{
	return k->kind == KNOB_ETHTOOL && is_rps(k) && knob_id_device(k->id, "ethtool", ifname,
								       size);
}

/* An rps_cpus file, its mask in the canonical form (revert writes that back). */
static int rps_read(const struct pa_paths *paths, const struct knob *k, struct knob_value *v)
{
	struct cpu_mask m;
	int ret = knob_file_read(paths, k, v);

	if (ret || cpu_mask_parse_hex(v->norm, &m) || cpu_mask_format(&m, v->norm,
								       sizeof(v->norm)))
		return ret;
	free(v->original);
	v->original = strdup(v->norm);
	return v->original ? 0 : -ENOMEM;
}

static int ethtool_read(const struct pa_paths *paths, const struct knob *k, struct knob_value *v)
{
	char ifname[64];
	enum setting s;
	int ret;

	if (is_rps(k))
		return rps_read(paths, k, v);
	if (is_queue_file(k, "rfs"))
		return knob_file_read(paths, k, v);
	v->norm[0] = '\0';
	v->original = NULL;
	if (parse_id(k->id, ifname, sizeof(ifname), &s))
		return -ENOENT;
	if (!ethtool_io_usable(paths))
		return -ENODEV;     /* a fake tree's interface is not the kernel's */
	ret = setting_get(ifname, s, v->norm, sizeof(v->norm));
	if (ret) {
		v->norm[0] = '\0';
		return ret;
	}
	v->original = strdup(v->norm);
	return v->original ? 0 : -ENOMEM;
}

static int ethtool_write(const struct pa_paths *paths, const struct knob *k, const char *data)
{
	char ifname[64], val[KNOB_VALUE_MAX];
	enum setting s;

	if (is_rps(k) || is_queue_file(k, "rfs"))
		return knob_file_write(paths, k->path, data);
	if (parse_id(k->id, ifname, sizeof(ifname), &s))
		return -ENOENT;
	if (!ethtool_io_usable(paths))
		return -ENODEV;
	if (knob_normalise(data, false, val, sizeof(val)))
		return -EINVAL;
	return setting_set(ifname, s, val);
}

static const char *ethtool_where(const struct knob *k, char *buf, size_t size)
{
	char ifname[64];
	enum setting s;

	if (parse_id(k->id, ifname, sizeof(ifname), &s) ||
	    util_join(buf, size, "the %s of %s (ethtool)", setting_keys[s], ifname))
		return NULL;
	return buf;
}

/* ---- expanding ---- */

__attribute__((format(printf, 2, 3)))
static void knob_skip(struct knob *k, const char *fmt, ...)
{
	va_list ap;

	k->path[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(k->skip, sizeof(k->skip), fmt, ap);
	va_end(ap);
}

static int net_filter(const struct dirent *d)
{
	return d->d_name[0] != '.' && strcmp(d->d_name, "lo");
}

static int rx_queue_filter(const struct dirent *d)
{
	return !strncmp(d->d_name, "rx-", 3);
}

bool knob_ethtool_covers(const struct pa_paths *paths, const struct profile_value *pv,
			 const char *ifname)
{
	char drv[ETHTOOL_DRIVER_MAX];

	if (!knob_match_list(pv->devices[0] ? pv->devices : "*", ifname))
		return false;
	ethtool_nic_driver(paths, ifname, drv, sizeof(drv));
	return knob_match_list(pv->drivers[0] ? pv->drivers : "ena", drv);
}

unsigned int knob_rx_queues(const struct pa_paths *paths, const char *ifname)
{
	struct dirent **list;
	char rel[PATH_MAX];
	int n;

	if (util_join(rel, sizeof(rel), "/sys/class/net/%s/queues", ifname))
		return 0;
	n = knob_scan_dir(paths, rel, &list, rx_queue_filter);
	knob_free_scan(list, n);
	return (unsigned int)n;
}

/* The receive queues of every interface pv's section covers. */
static unsigned int section_rx_queues(const struct pa_paths *paths,
				      const struct profile_value *pv)
{
	struct dirent **list;
	unsigned int total = 0;
	int n = knob_scan_dir(paths, "/sys/class/net", &list, net_filter);

	for (int i = 0; i < n; i++)
		if (knob_ethtool_covers(paths, pv, list[i]->d_name))
			total += knob_rx_queues(paths, list[i]->d_name);
	knob_free_scan(list, n);
	return total;
}

/*
 * Every entry of every ring pins a page (amzn-drivers ENA README, "Dynamic
 * RX Buffers"): the entries per ring within the section's budget.
 */
uint32_t knob_ring_budget_entries(const struct pa_paths *paths, const struct profile_value *pv,
				  unsigned int *queues, long *page)
{
	uint32_t cap;

	*page = sysconf(_SC_PAGESIZE);
	*queues = pv->ring_budget ? section_rx_queues(paths, pv) : 0;
	if (!*queues || *page <= 0)
		return 0;
	cap = ethtool_ring_budget_cap(pv->ring_budget, *queues, (uint64_t)*page);
	return cap < 64 ? 64 : cap;     /* the smallest ring the profiles accept */
}

/* Cuts a receive ring to the section's memory budget. */
static uint32_t budget_ring(const struct pa_paths *paths, const struct profile_value *pv,
			    uint32_t v, struct knob *k)
{
	unsigned int queues;
	long page;
	uint32_t cap = knob_ring_budget_entries(paths, pv, &queues, &page);
	char human[FORMULA_HUMAN_MAX];

	if (!cap || v <= cap)
		return v;
	formula_human_bytes(pv->ring_budget, human, sizeof(human));
	snprintf(k->note, sizeof(k->note), "%u cut to %u: %u receive queues of %ld-byte pages "
		 "within the ring memory budget of %s", v, cap, queues, page, human);
	return cap;
}

static void resolve_ring(const struct pa_paths *paths, const char *ifname,
			 const struct profile_value *pv, struct knob *k)
{
	bool rx = !strcmp(pv->key, "rx_ring");
	struct ethtool_rings r;
	uint32_t max, v, budgeted;

	if (ethtool_io()->get_rings(ifname, &r))
		return;     /* read fails the same way: planned as a skip there */
	max = rx ? r.rx_max : r.tx_max;
	v = ethtool_ring_resolve(pv->value, max);
	if (!v) {
		knob_skip(k, "not applicable: the driver reports no maximum %s ring size for "
			  "max", rx ? "rx" : "tx");
		return;
	}
	snprintf(k->want, sizeof(k->want), "%u", v);
	if (!strcmp(pv->value, "max"))
		snprintf(k->note, sizeof(k->note), "max: the device's maximum is %u", max);
	else if (strcmp(pv->value, k->want))
		snprintf(k->note, sizeof(k->note), "%.16s cut to %u: the device's maximum is %u "
			 "(a power of two is used)", pv->value, v, max);
	budgeted = rx ? budget_ring(paths, pv, v, k) : v;
	snprintf(k->want, sizeof(k->want), "%u", budgeted);
}

static void resolve_chans(const struct pa_paths *paths, const char *ifname,
			  const struct profile_value *pv, struct knob *k)
{
	struct ethtool_chans ch;
	struct cpu_mask online;
	unsigned int vcpus = 0;
	uint32_t max, v;

	if (ethtool_io()->get_chans(ifname, &ch))
		return;
	if (!nic_online_cpus(paths, &online))
		vcpus = cpu_mask_count(&online);
	max = ethtool_chans_max(&ch);
	v = ethtool_chans_resolve(pv->value, max, vcpus);
	if (!v) {
		knob_skip(k, "not applicable: the driver reports no maximum channel count");
		return;
	}
	snprintf(k->want, sizeof(k->want), "%u", v);
	if (strcmp(pv->value, k->want))
		snprintf(k->note, sizeof(k->note), "%.16s: %u (the device allows %u, the instance "
			 "has %u vCPUs)", pv->value, v, max, vcpus);
}

static int setting_expand(const struct pa_paths *paths, const struct profile_value *pv,
			  const char *ifname, struct knob_list *out)
{
	struct knob *k = knob_new(out, pv, ifname);

	if (!k)
		return -ENOMEM;
	if (k->skip[0])
		return 0;
	if (setting_of_key(pv->key) < 0) {
		knob_skip(k, "not applicable: no [ethtool] setting named '%.64s'", pv->key);
	} else if (!ethtool_io_usable(paths)) {
		/* Never the host's NICs for a fake tree's interfaces. */
		knob_skip(k, "not applicable: NIC settings are read from the running kernel, "
			  "not from the tree under %.96s", paths->sysroot);
	} else if (util_join(k->path, sizeof(k->path), "/sys/class/net/%s", ifname)) {
		knob_skip(k, "knob name too long");
	} else if (!strcmp(pv->key, "rx_ring") || !strcmp(pv->key, "tx_ring")) {
		resolve_ring(paths, ifname, pv, k);
	} else if (!strcmp(pv->key, "channels")) {
		resolve_chans(paths, ifname, pv, k);
	}
	return 0;
}

/* The mask rps = auto asks for, with a note on how it was chosen; 0 or -E2BIG. */
static int rps_auto_mask(const struct pa_paths *paths, const char *ifname,
			 const struct cpu_mask *online, char *mask, size_t size, char *note,
			 size_t notesz)
{
	struct cpu_mask node, irq, sib, out;
	char cpus[256], irqs[256];

	nic_node_cpus(paths, ifname, &node);
	nic_irq_cpus(paths, ifname, &irq);
	nic_smt_siblings(paths, &irq, &sib);
	ethtool_rps_mask(online, &node, &irq, &sib, &out);
	if (cpu_mask_format_list(&out, cpus, sizeof(cpus)))
		strcpy(cpus, "many");
	if (cpu_mask_empty(&irq))
		strcpy(irqs, "none found");
	else if (cpu_mask_format_list(&irq, irqs, sizeof(irqs)))
		strcpy(irqs, "many");
	snprintf(note, notesz, "RPS on CPUs %s (interrupt CPUs: %s; their SMT siblings and "
		 "other NUMA nodes avoided)", cpus, irqs);
	return cpu_mask_format(&out, mask, size);
}

/* One knob per receive queue (file rx-N/FILE), all wanting the same value. */
static int add_queue_knobs(const struct profile_value *pv, const char *ifname,
			   struct dirent **list, int n, const char *file, const char *want,
			   const char *note, struct knob_list *out)
{
	for (int i = 0; i < n; i++) {
		const char *q = list[i]->d_name;
		struct knob *k = knob_new(out, pv, ifname);
		size_t len;

		if (!k)
			return -ENOMEM;
		len = strlen(k->id);
		if (k->skip[0] || util_join(k->id + len, sizeof(k->id) - len, ":%s", q) ||
		    util_join(k->path, sizeof(k->path), "/sys/class/net/%s/queues/%s/%s",
			      ifname, q, file)) {
			knob_skip(k, "knob name too long");
			continue;
		}
		snprintf(k->want, sizeof(k->want), "%s", want);
		snprintf(k->note, sizeof(k->note), "%s", note);
	}
	return 0;
}

/* The single knob of an interface whose rps value cannot apply, and why. */
__attribute__((format(printf, 4, 5)))
static int rps_skip(struct knob_list *out, const struct profile_value *pv, const char *ifname,
		    const char *fmt, ...)
{
	struct knob *k = knob_new(out, pv, ifname);
	va_list ap;

	if (!k)
		return -ENOMEM;
	if (k->skip[0])
		return 0;
	va_start(ap, fmt);
	vsnprintf(k->skip, sizeof(k->skip), fmt, ap);
	va_end(ap);
	return 0;
}

/*
 * The receive queues of ifname, which RPS and RFS spread over more CPUs: in
 * *list, their number returned. When there are none, or (spread) the vCPUs
 * cannot be read or do not outnumber them, adds the interface's one skip
 * knob (why: "RPS not needed") and returns 0; -ENOMEM.
 */
static int queues_to_spread(const struct pa_paths *paths, const struct profile_value *pv,
			    const char *ifname, bool spread, const char *why,
			    struct dirent ***list, struct cpu_mask *online, struct knob_list *out)
{
	char rel[PATH_MAX];
	unsigned int vcpus;
	int n = 0, ret;

	*list = NULL;
	if (!util_join(rel, sizeof(rel), "/sys/class/net/%s/queues", ifname))
		n = knob_scan_dir(paths, rel, list, rx_queue_filter);
	if (n == 0)
		ret = rps_skip(out, pv, ifname, "not applicable: %.32s has no receive queues in "
			       "sysfs", ifname);
	else if (!spread)
		return n;
	else if (nic_online_cpus(paths, online))
		ret = rps_skip(out, pv, ifname, "cannot read the online CPUs "
			       "(/sys/devices/system/cpu/online)");
	else if ((vcpus = cpu_mask_count(online)) <= (unsigned int)n)
		ret = rps_skip(out, pv, ifname, "not applicable: %d receive queues for %u vCPUs; "
			       "%s", n, vcpus, why);
	else
		return n;
	knob_free_scan(*list, n);
	*list = NULL;
	return ret;
}

static int rps_expand(const struct pa_paths *paths, const struct profile_value *pv,
		      const char *ifname, struct knob_list *out)
{
	char mask[KNOB_WANT_MAX] = "0", note[KNOB_SKIP_MAX] = "RPS off";
	bool on = strcmp(pv->value, "off") != 0;
	struct dirent **list;
	struct cpu_mask online;
	int n, ret;

	n = queues_to_spread(paths, pv, ifname, on, "RPS not needed", &list, &online, out);
	if (n <= 0)
		return n;
	if (on && rps_auto_mask(paths, ifname, &online, mask, sizeof(mask), note, sizeof(note)))
		ret = rps_skip(out, pv, ifname, "not applicable: the CPU mask of %u vCPUs is longer "
			       "than a knob value", cpu_mask_count(&online));
	else
		ret = add_queue_knobs(pv, ifname, list, n, "rps_cpus", mask, note, out);
	knob_free_scan(list, n);
	return ret;
}

/*
 * RFS: the interface's share of the flow table (net.core.rps_sock_flow_entries)
 * split over its receive queues, where RPS spreads them (vCPUs outnumber the
 * queues); 0 switches it off (kernel Documentation/networking/scaling.rst).
 */
static int rfs_expand(const struct pa_paths *paths, const struct profile_value *pv,
		      const char *ifname, struct knob_list *out)
{
	unsigned long entries = strtoul(pv->value, NULL, 10), per_queue;
	char want[32], note[KNOB_SKIP_MAX] = "RFS off";
	struct dirent **list;
	struct cpu_mask online;
	int n, ret;

	n = queues_to_spread(paths, pv, ifname, entries > 0, "RFS goes with RPS, not needed",
			     &list, &online, out);
	if (n <= 0)
		return n;
	/* The kernel rounds a count up to a power of two: round down first. */
	per_queue = entries / (unsigned long)n;
	while (per_queue & (per_queue - 1))
		per_queue &= per_queue - 1;
	snprintf(want, sizeof(want), "%lu", per_queue);
	if (entries)
		snprintf(note, sizeof(note), "RFS: %lu flow entries over %d receive queues",
			 entries, n);
	ret = add_queue_knobs(pv, ifname, list, n, "rps_flow_cnt", want, note, out);
	knob_free_scan(list, n);
	return ret;
}

static int ethtool_expand(const struct pa_paths *paths, const struct profile_value *pv,
			  struct knob_list *out)
{
	const char *ifs = pv->devices[0] ? pv->devices : "*";
	const char *drivers = pv->drivers[0] ? pv->drivers : "ena";
	char what[KNOB_SKIP_MAX];
	struct dirent **list;
	int n, found = 0, ret = 0;

	/* A constraint on rx_ring (budget_ring()), not a setting of its own. */
	if (!strcmp(pv->key, "rx_ring_budget"))
		return 0;
	n = knob_scan_dir(paths, "/sys/class/net", &list, net_filter);
	for (int i = 0; i < n && !ret; i++) {
		const char *ifname = list[i]->d_name;

		if (!knob_ethtool_covers(paths, pv, ifname))
			continue;
		found++;
		if (!strcmp(pv->key, "rps"))
			ret = rps_expand(paths, pv, ifname, out);
		else if (!strcmp(pv->key, "rfs"))
			ret = rfs_expand(paths, pv, ifname, out);
		else
			ret = setting_expand(paths, pv, ifname, out);
	}
	knob_free_scan(list, n);
	if (ret || found)
		return ret;
	snprintf(what, sizeof(what), "no interface matches interfaces = %.48s, drivers = %.48s",
		 ifs, drivers);
	return knob_add_unmatched(out, pv, what);
}

const struct knob_backend knob_ethtool_backend = {
	.kind = KNOB_ETHTOOL,
	.name = "ethtool",
	.expand = ethtool_expand,
	.read = ethtool_read,
	.write = ethtool_write,
	.where = ethtool_where,
};
