// SPDX-License-Identifier: GPL-2.0-only
/*
 * ena.c: the recorded ENA statistics tables (tests/fixtures/ena) through the
 * name parser, counter deltas across resets and wraps, metrics per
 * interval, the 5-minute window and its wording, collecting from a fake
 * tree with a test ethtool_io, the status JSON (ENA Express readiness
 * included) and its human lines; the health counters (per-queue sums, XDP
 * queues left out, resets), driver version and large LLQ findings, every
 * item of AWS's ENA Express checker.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/ena.h"
#include "net/ena_health.h"
#include "net/softnet.h"
#include "core/util.h"

#define FIXTURES "tests/fixtures/ena/"
#define FIXTURE_MAX 512
#define MIN_MS (60 * 1000ULL)

/* ---- the fixtures, in the kernel's binary form ---- */

struct fixture_table {
	size_t n;
	unsigned char raw[FIXTURE_MAX * ETHTOOL_NAME_LEN];
	uint64_t values[FIXTURE_MAX];
};

/* Reads "name: value" lines into the 32-bytes-a-name table the kernel gives. */
static void fixture_load(const char *file, struct fixture_table *ft)
{
	char path[PATH_MAX], line[256];
	FILE *f;

	memset(ft, 0, sizeof(*ft));
	snprintf(path, sizeof(path), FIXTURES "%s", file);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (line[0] == '#' || !colon)
			continue;
		assert_true(ft->n < FIXTURE_MAX);
		*colon = '\0';
		assert_true(strlen(line) < ETHTOOL_NAME_LEN);
		memcpy(ft->raw + ft->n * ETHTOOL_NAME_LEN, line, strlen(line));
		ft->values[ft->n++] = strtoull(colon + 1, NULL, 10);
	}
	fclose(f);
}

static void fixture_parse(const struct fixture_table *ft, struct ethtool_stat_table *t)
{
	assert_int_equal(ethtool_table_parse(ft->raw, ft->n * ETHTOOL_NAME_LEN, ft->n, t), 0);
	memcpy(t->values, ft->values, ft->n * sizeof(uint64_t));
}

static uint64_t stat_of(const struct ethtool_stat_table *t, const char *name)
{
	uint64_t v = 0;

	assert_int_equal(ethtool_table_find(t, name, &v), 0);
	return v;
}

static void test_fixture_tables(void **state)
{
	static const char *const allowances[] = {
		"bw_in_allowance_exceeded", "bw_out_allowance_exceeded", "pps_allowance_exceeded",
		"conntrack_allowance_exceeded", "linklocal_allowance_exceeded",
	};
	struct fixture_table ft;
	struct ethtool_stat_table t;
	uint64_t v;

	fixture_load("ena-2.x-customer-metrics.txt", &ft);
	fixture_parse(&ft, &t);
	assert_int_equal(t.n, 106);
	assert_int_equal(stat_of(&t, "pps_allowance_exceeded"), 1204);
	assert_int_equal(stat_of(&t, "bw_out_allowance_exceeded"), 312);
	assert_int_equal(stat_of(&t, "linklocal_allowance_exceeded"), 17);
	assert_int_equal(stat_of(&t, "conntrack_allowance_available"), 48213);
	assert_int_equal(stat_of(&t, "ena_srd_mode"), 0);
	for (size_t i = 0; i < ARRAY_SIZE(allowances); i++)
		assert_string_equal(ena_counter_source(i), allowances[i]);
	/* the longest names of the table, whole */
	assert_int_equal(ethtool_table_find(&t, "queue_1_tx_xsk_need_wakeup_set", &v), 0);
	ethtool_table_free(&t);

	fixture_load("ena-2.4-eni-stats.txt", &ft);
	fixture_parse(&ft, &t);
	assert_int_equal(stat_of(&t, "pps_allowance_exceeded"), 88);
	assert_int_equal(ethtool_table_find(&t, "conntrack_allowance_available", &v), -ENOENT);
	ethtool_table_free(&t);

	fixture_load("ena-1.x-no-allowances.txt", &ft);
	fixture_parse(&ft, &t);
	for (size_t i = 0; i < ARRAY_SIZE(allowances); i++)
		assert_int_equal(ethtool_table_find(&t, allowances[i], &v), -ENOENT);
	assert_int_equal(stat_of(&t, "interface_up"), 1);
	ethtool_table_free(&t);
}

/* ---- deltas ---- */

static uint64_t delta(struct ena_counter *c, uint64_t now, unsigned int bits)
{
	uint64_t d = UINT64_MAX;

	assert_true(ena_counter_delta(c, now, bits, &d));
	return d;
}

static void test_delta(void **state)
{
	struct ena_counter c = { 0 };
	uint64_t d;

	assert_false(ena_counter_delta(&c, 1000, 64, &d));     /* the baseline */
	assert_int_equal(delta(&c, 1500, 64), 500);
	assert_int_equal(delta(&c, 1500, 64), 0);
	/* a driver reset: counted from 0 since, no negative or 2^64 spike */
	assert_int_equal(delta(&c, 40, 64), 40);
	assert_int_equal(delta(&c, 0, 64), 0);
	assert_int_equal(delta(&c, 7, 64), 7);

	/* a 32-bit counter wraps through 2^32 */
	c = (struct ena_counter){ 0 };
	assert_false(ena_counter_delta(&c, 4294967000ULL, 32, &d));
	assert_int_equal(delta(&c, 200, 32), 496);
	/* a drop from the middle of the range is a reset, not a wrap */
	c = (struct ena_counter){ .last = 2000000000ULL, .have = true };
	assert_int_equal(delta(&c, 100, 32), 100);
	/* nor is a value above 32 bits going down */
	c = (struct ena_counter){ .last = 5000000000ULL, .have = true };
	assert_int_equal(delta(&c, 100, 32), 100);

	/* 64-bit wrap, for completeness */
	c = (struct ena_counter){ .last = UINT64_MAX - 9, .have = true };
	assert_int_equal(delta(&c, 5, 64), 15);
}

/* ---- metrics and the window ---- */

static const struct metric *metric(const struct metric_entity *e, const char *name)
{
	for (size_t i = 0; i < e->n; i++) {
		if (!strcmp(e->metrics[i].name, name))
			return &e->metrics[i];
	}
	return NULL;
}

static double value(const struct metric_entity *e, const char *name)
{
	const struct metric *m = metric(e, name);

	if (!m)
		fail_msg("no metric %s", name);
	return m->value;
}

static void raw_set(struct ena_raw *raw, enum ena_counter_id id, uint64_t v)
{
	raw->have[id] = true;
	raw->value[id] = v;
}

static void test_update_metrics(void **state)
{
	struct metric_set set;
	struct metric_entity *e;
	struct ena_nic nic = { .name = "eth0", .ena = true };
	struct ena_raw raw = { .have_available = true, .available = 5000 };

	for (int i = 0; i < ENA_N_COUNTERS; i++)
		raw_set(&raw, i, 1000);
	metric_set_init(&set, 0, 60);
	e = metric_set_entity(&set, ENTITY_INTERFACE, "eth0");
	assert_int_equal(ena_nic_update(&nic, &raw, 10 * MIN_MS, e), 0);
	/* the first interval: the baseline; only the gauge */
	assert_int_equal(e->n, 1);
	assert_int_equal(value(e, "ConntrackAllowanceAvailable"), 5000);
	metric_set_free(&set);

	metric_set_init(&set, 0, 60);
	e = metric_set_entity(&set, ENTITY_INTERFACE, "eth0");
	raw_set(&raw, ENA_PPS, 2204);
	raw_set(&raw, ENA_RX_BYTES, 1000 + 1500000);
	raw_set(&raw, ENA_BW_IN, 3);                /* reset */
	raw.have[ENA_LINKLOCAL] = false;            /* unreadable this time */
	raw.available = 4000;
	assert_int_equal(ena_nic_update(&nic, &raw, 11 * MIN_MS, e), 0);
	assert_int_equal(e->n, ENA_N_COUNTERS - 1 + 1);
	assert_int_equal(value(e, "PpsAllowanceExceeded"), 1204);
	assert_int_equal(value(e, "BwInAllowanceExceeded"), 3);
	assert_int_equal(value(e, "BwOutAllowanceExceeded"), 0);
	assert_null(metric(e, "LinklocalAllowanceExceeded"));
	assert_int_equal(value(e, "RxBytes"), 1500000);
	assert_int_equal(metric(e, "RxBytes")->unit, UNIT_BYTES);
	assert_int_equal(metric(e, "RxDrops")->unit, UNIT_COUNT);
	assert_int_equal(value(e, "ConntrackAllowanceAvailable"), 4000);
	metric_set_free(&set);

	/* back: its delta covers both intervals, nothing lost */
	raw_set(&raw, ENA_LINKLOCAL, 1010);
	assert_int_equal(ena_nic_update(&nic, &raw, 12 * MIN_MS, NULL), 0);
	assert_int_equal(nic.slots[(nic.head + ENA_WINDOW_SLOTS - 1) % ENA_WINDOW_SLOTS]
			 .count[ENA_LINKLOCAL], 10);

	for (int i = 0; i < ENA_N_COUNTERS; i++)
		assert_non_null(ena_metric_name(i));
	assert_string_equal(ena_metric_name(ENA_CONNTRACK), "ConntrackAllowanceExceeded");
	assert_string_equal(ena_metric_name(ENA_TX_DROPS), "TxDrops");
	assert_int_equal(ena_metric_unit(ENA_TX_BYTES), UNIT_BYTES);
}

/* Feeds n intervals of interval_ms, pps growing by per each. */
static void feed(struct ena_nic *nic, uint64_t *now, uint64_t *pps, int n, uint64_t interval_ms,
		 uint64_t per)
{
	struct ena_raw raw = { 0 };

	for (int i = 0; i < n; i++) {
		*now += interval_ms;
		*pps += per;
		raw_set(&raw, ENA_PPS, *pps);
		assert_int_equal(ena_nic_update(nic, &raw, *now, NULL), 0);
	}
}

static void test_window(void **state)
{
	struct ena_nic *nic = calloc(1, sizeof(*nic));
	uint64_t now = 1000 * MIN_MS, pps = 0, cov;

	assert_non_null(nic);
	feed(nic, &now, &pps, 1, MIN_MS, 0);        /* baseline */
	assert_int_equal(ena_window_sum(nic, ENA_PPS, now, 300, &cov), 0);
	assert_int_equal(cov, 0);
	feed(nic, &now, &pps, 2, MIN_MS, 100);
	assert_int_equal(ena_window_sum(nic, ENA_PPS, now, 300, &cov), 200);
	assert_int_equal(cov, 2 * MIN_MS);          /* only 2 minutes so far */
	feed(nic, &now, &pps, 5, MIN_MS, 100);
	assert_int_equal(ena_window_sum(nic, ENA_PPS, now, 300, &cov), 500);
	assert_int_equal(cov, 5 * MIN_MS);
	/* quiet for 3 minutes: only the last 2 busy minutes still count */
	feed(nic, &now, &pps, 3, MIN_MS, 0);
	assert_int_equal(ena_window_sum(nic, ENA_PPS, now, 300, &cov), 200);
	/* asked later without a new sample: older intervals age out */
	assert_int_equal(ena_window_sum(nic, ENA_PPS, now + 4 * MIN_MS, 300, &cov), 0);
	assert_int_equal(ena_window_sum(nic, ENA_RX_PACKETS, now, 300, &cov), 0);

	/* 1 s intervals: more intervals than slots, the window still 5 minutes */
	feed(nic, &now, &pps, 1000, 1000, 2);
	assert_int_equal(nic->used, ENA_WINDOW_SLOTS);
	assert_int_equal(ena_window_sum(nic, ENA_PPS, now, 300, &cov), 600);
	assert_int_equal(cov, 300 * 1000);
	free(nic);
}

static void test_wording(void **state)
{
	char buf[512];

	assert_int_equal(ena_allowance_message(ENA_PPS, 1204, 5 * MIN_MS, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "pps allowance exceeded 1,204 times in the last 5 min: the "
			    "instance is at its packet-per-second limit; consider a larger or "
			    "network-optimized type");
	assert_int_equal(ena_allowance_message(ENA_CONNTRACK, 1, 45000, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "conntrack allowance exceeded 1 time in the last 45 s: "));
	assert_int_equal(ena_allowance_message(ENA_BW_IN, 2, 150000, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "inbound bandwidth allowance exceeded 2 times in the last "
			       "3 min: traffic into the instance is above its bandwidth limit"));
	assert_int_equal(ena_allowance_message(ENA_BW_OUT, 2, 299400, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "in the last 5 min: "));
	assert_int_equal(ena_allowance_message(ENA_LINKLOCAL, 9, 60000, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "Amazon DNS resolver"));
	assert_int_equal(ena_allowance_message(ENA_PPS, 1, 60000, buf, 16), -E2BIG);
	assert_int_equal(ena_allowance_message(ENA_RX_BYTES, 1, 60000, buf, sizeof(buf)),
			 -EINVAL);

	ena_format_count(0, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	ena_format_count(999, buf, sizeof(buf));
	assert_string_equal(buf, "999");
	ena_format_count(1000, buf, sizeof(buf));
	assert_string_equal(buf, "1,000");
	ena_format_count(1234567, buf, sizeof(buf));
	assert_string_equal(buf, "1,234,567");
	ena_format_count(UINT64_MAX, buf, sizeof(buf));
	assert_string_equal(buf, "18,446,744,073,709,551,615");
	ena_format_count(1234567, buf, 4);
	assert_string_equal(buf, "1,2");
}

/* ---- collecting and status on a fake tree, ethtool through a test io ---- */

static struct fixture_table eth0_stats;
static struct ethtool_rings eth0_rings = { 1024, 1024, 16384, 1024 };

static int test_get_stats(const char *ifname, struct ethtool_stat_table *t)
{
	memset(t, 0, sizeof(*t));
	if (strcmp(ifname, "eth0"))
		return -EOPNOTSUPP;
	fixture_parse(&eth0_stats, t);
	return 0;
}

static int test_get_rings(const char *ifname, struct ethtool_rings *r)
{
	*r = eth0_rings;
	return 0;
}

static int test_get_coal(const char *ifname, struct ethtool_coal *c)
{
	*c = (struct ethtool_coal){ .rx_usecs = 0, .tx_usecs = 64, .adaptive_rx = true,
				    .supported = ETHTOOL_COAL_RX_USECS | ETHTOOL_COAL_TX_USECS |
						 ETHTOOL_COAL_ADAPTIVE_RX };
	return 0;
}

static int test_get_chans(const char *ifname, struct ethtool_chans *c)
{
	*c = (struct ethtool_chans){ .combined = 8, .combined_max = 8 };
	return 0;
}

static int test_driver(const char *ifname, char *buf, size_t size)
{
	return -EOPNOTSUPP;
}

static struct ethtool_push eth0_push = { .tx_push = -1 };

static int test_get_push(const char *ifname, struct ethtool_push *p)
{
	*p = eth0_push;
	return strcmp(ifname, "eth0") ? -EOPNOTSUPP : 0;
}

static const struct ethtool_io test_io = {
	.name = "test",
	.driver = test_driver,
	.get_rings = test_get_rings,
	.get_coal = test_get_coal,
	.get_chans = test_get_chans,
	.get_stats = test_get_stats,
	.get_push = test_get_push,
};

struct tree {
	char dir[PATH_MAX];
	struct pa_paths paths;
	struct ena_state st;
};

static void put(struct tree *t, const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX], dir[PATH_MAX];
	va_list ap;
	FILE *f;

	assert_int_equal(util_join(path, sizeof(path), "%s%s", t->paths.sysroot, rel), 0);
	strcpy(dir, path);
	assert_int_equal(util_mkdir_p(dirname(dir), 0755), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* The statistics files of an interface, each counter at base. */
static void nic_stats(struct tree *t, const char *ifname, uint64_t base)
{
	char rel[PATH_MAX];

	for (int i = ENA_N_DRIVER_STATS; i < ENA_N_COUNTERS; i++) {
		snprintf(rel, sizeof(rel), "/sys/class/net/%s/statistics/%s", ifname,
			 ena_counter_source(i));
		put(t, rel, "%llu\n", (unsigned long long)base);
	}
	/* where ENA 2.8.8 and later report rx_overruns */
	snprintf(rel, sizeof(rel), "/sys/class/net/%s/statistics/rx_over_errors", ifname);
	put(t, rel, "%llu\n", (unsigned long long)base);
}

static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	char link[PATH_MAX];

	assert_non_null(t);
	strcpy(t->dir, "/tmp/test_ena.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->paths.sysroot, sizeof(t->paths.sysroot), "%s/root", t->dir);
	put(t, "/sys/bus/pci/drivers/ena/bind", "");
	put(t, "/sys/class/net/eth0/mtu", "9001\n");
	put(t, "/sys/class/net/veth0/mtu", "1500\n");
	put(t, "/sys/class/net/lo/mtu", "65536\n");
	put(t, "/proc/sys/net/ipv4/tcp_limit_output_bytes", "262144\n");
	assert_int_equal(util_join(link, sizeof(link), "%s/sys/class/net/eth0/device",
				   t->paths.sysroot), 0);
	assert_int_equal(util_mkdir_p(link, 0755), 0);
	strcat(link, "/driver");
	assert_int_equal(symlink("../../../../bus/pci/drivers/ena", link), 0);
	nic_stats(t, "eth0", 1000);
	nic_stats(t, "veth0", 50);
	nic_stats(t, "lo", 7);
	fixture_load("ena-2.x-customer-metrics.txt", &eth0_stats);
	ethtool_io_set(&test_io);
	ena_init(&t->st);
	*state = t;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;

	ethtool_io_set(NULL);
	ena_free(&t->st);
	nftw(t->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

/* The fixture's value of a statistic, to bump between intervals. */
static uint64_t *eth0_stat(const char *name)
{
	for (size_t i = 0; i < eth0_stats.n; i++) {
		if (!strcmp((const char *)eth0_stats.raw + i * ETHTOOL_NAME_LEN, name))
			return &eth0_stats.values[i];
	}
	fail_msg("no statistic %s in the fixture", name);
	return NULL;
}

static void collect(struct tree *t, uint64_t now, struct metric_set *set)
{
	metric_set_init(set, 0, 60);
	assert_int_equal(ena_collect(&t->st, &t->paths, now, set), 0);
}

static const struct metric_entity *entity(const struct metric_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++) {
		if (!strcmp(set->entities[i].name, name))
			return &set->entities[i];
	}
	return NULL;
}

static void test_collect(void **state)
{
	struct tree *t = *state;
	const struct metric_entity *e;
	char from[PATH_MAX], to[PATH_MAX];
	struct metric_set set;

	collect(t, 100 * MIN_MS, &set);
	assert_int_equal(t->st.n, 2);               /* eth0, veth0; never lo */
	assert_null(entity(&set, "lo"));
	e = entity(&set, "eth0");
	assert_non_null(e);
	assert_int_equal(e->kind, ENTITY_INTERFACE);
	assert_int_equal(e->n, 1);                  /* the gauge only, first time */
	assert_int_equal(value(e, "ConntrackAllowanceAvailable"), 48213);
	assert_int_equal(entity(&set, "veth0")->n, 0);
	metric_set_free(&set);

	*eth0_stat("pps_allowance_exceeded") += 1204;
	*eth0_stat("bw_out_allowance_exceeded") = 2;    /* a device reset */
	nic_stats(t, "eth0", 1500);
	nic_stats(t, "veth0", 60);
	collect(t, 101 * MIN_MS, &set);
	e = entity(&set, "eth0");
	/* every counter and the gauge, but the reset reasons of drivers 2.10 and later */
	assert_int_equal(e->n, ENA_N_COUNTERS + 1 - 2);
	assert_null(metric(e, "DriverResets"));
	assert_int_equal(value(e, "PpsAllowanceExceeded"), 1204);
	assert_int_equal(value(e, "BwOutAllowanceExceeded"), 2);
	assert_int_equal(value(e, "BwInAllowanceExceeded"), 0);
	assert_int_equal(value(e, "RxPackets"), 500);
	assert_int_equal(value(e, "TxDrops"), 500);
	/* the driver's table has no rx_overruns: the net device's rx_over_errors */
	assert_int_equal(value(e, "RxOverruns"), 500);
	assert_int_equal(metric(e, "RxOverruns")->unit, UNIT_COUNT);
	/* a NIC of another driver: sysfs counters only, no RxOverruns */
	e = entity(&set, "veth0");
	assert_int_equal(e->n, ENA_N_COUNTERS - ENA_N_DRIVER_STATS);
	assert_int_equal(value(e, "RxBytes"), 10);
	assert_null(metric(e, "PpsAllowanceExceeded"));
	assert_null(metric(e, "RxOverruns"));
	metric_set_free(&set);

	/* veth0 goes away and is forgotten */
	assert_int_equal(util_join(from, sizeof(from), "%s/sys/class/net/veth0",
				   t->paths.sysroot), 0);
	assert_int_equal(util_join(to, sizeof(to), "%s/gone", t->dir), 0);
	assert_int_equal(rename(from, to), 0);
	collect(t, 102 * MIN_MS, &set);
	assert_int_equal(t->st.n, 1);
	assert_string_equal(t->st.nics[0].name, "eth0");
	metric_set_free(&set);
}

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

static struct json_object *check(struct json_object *express, const char *name)
{
	struct json_object *arr = jget(express, "checks");

	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *c = json_object_array_get_idx(arr, i);

		if (!strcmp(json_object_get_string(jget(c, "check")), name))
			return c;
	}
	fail_msg("no check %s", name);
	return NULL;
}

static char *print_status(struct json_object *o)
{
	char *text = NULL;
	size_t len;
	FILE *mem = open_memstream(&text, &len);

	ena_status_print(o, mem);
	fclose(mem);
	if (getenv("TEST_ENA_SHOW"))
		fputs(text, stderr);
	return text;
}

static void test_status(void **state)
{
	struct tree *t = *state;
	struct json_object *o, *nic, *st, *ex, *x;
	struct metric_set set;
	char *text;

	collect(t, 100 * MIN_MS, &set);
	metric_set_free(&set);
	for (int i = 1; i <= 5; i++) {
		*eth0_stat("pps_allowance_exceeded") += 240 + (i == 5 ? 4 : 0);
		collect(t, (100 + i) * MIN_MS, &set);
		metric_set_free(&set);
	}
	o = ena_status_json(&t->st, &t->paths, 105 * MIN_MS);
	assert_non_null(o);
	assert_int_equal(json_object_get_int(jget(o, "window_s")), 300);
	assert_int_equal(json_object_array_length(jget(o, "interfaces")), 1);  /* ENA only */
	nic = json_object_array_get_idx(jget(o, "interfaces"), 0);
	assert_string_equal(json_object_get_string(jget(nic, "interface")), "eth0");
	assert_string_equal(json_object_get_string(jget(nic, "driver")), "ena");
	assert_int_equal(json_object_get_int(jget(nic, "mtu")), 9001);
	st = jget(nic, "settings");
	assert_int_equal(json_object_get_int(jget(st, "rx_ring")), 1024);
	assert_int_equal(json_object_get_int(jget(st, "rx_ring_max")), 16384);
	assert_int_equal(json_object_get_int(jget(st, "channels")), 8);
	assert_true(json_object_get_boolean(jget(st, "adaptive_rx")));
	assert_int_equal(json_object_get_int(jget(st, "tx_usecs")), 64);
	assert_null(jget(nic, "settings_error"));
	assert_int_equal(json_object_get_int(jget(nic, "covered_s")), 300);
	assert_int_equal(json_object_get_int(jget(jget(nic, "allowances"),
						  "pps_allowance_exceeded")), 1204);
	assert_int_equal(json_object_get_int(jget(nic, "conntrack_allowance_available")), 48213);
	ex = jget(nic, "exceeded");
	assert_int_equal(json_object_array_length(ex), 1);
	assert_string_equal(json_object_get_string(jget(json_object_array_get_idx(ex, 0),
							"message")),
			    "pps allowance exceeded 1,204 times in the last 5 min: the instance is "
			    "at its packet-per-second limit; consider a larger or "
			    "network-optimized type");
	/* ENA Express: MTU 9001, tcp_limit_output_bytes 256 KiB, rx ring 1024 */
	x = jget(nic, "ena_express");
	assert_false(json_object_get_boolean(jget(x, "ready")));
	assert_false(json_object_get_boolean(jget(x, "enabled")));
	assert_false(json_object_get_boolean(jget(check(x, "mtu"), "ok")));
	assert_string_equal(json_object_get_string(jget(check(x, "mtu"), "value")), "9001");
	assert_non_null(strstr(json_object_get_string(jget(check(x, "mtu"), "fix")),
			       "ip link set dev eth0 mtu 8900"));
	assert_false(json_object_get_boolean(jget(check(x, "tcp_limit_output_bytes"), "ok")));
	assert_string_equal(json_object_get_string(jget(check(x, "rx_ring"), "want")),
			    "8192 or more");
	assert_non_null(strstr(json_object_get_string(jget(check(x, "rx_ring"), "fix")),
			       "rx_ring = >8192"));

	text = print_status(o);
	assert_non_null(strstr(text, "ena eth0     ena, mtu 9001, rx ring 1024 (max 16384), tx "
			       "ring 1024 (max 1024), 8 channels (max 8), adaptive-rx on, "
			       "rx-usecs 0, tx-usecs 64\n"));
	assert_non_null(strstr(text, "             pps allowance exceeded 1,204 times in the "
			       "last 5 min: the instance is at its packet-per-second limit"));
	assert_non_null(strstr(text, "conntrack allowance: 48,213 connections still available"));
	/* mtu and tcp_limit_output_bytes; rx ring and its high-RTT floor; BQL unreadable */
	assert_non_null(strstr(text, "ENA Express: not ready (not enabled on this ENI): 2 "
			       "required, 2 recommended settings to change, 10 unreadable (status "
			       "--json lists them)\n"));
	assert_null(strstr(text, "  mtu 9001"));        /* the items only once it is on */
	free(text);
	json_object_put(o);

	/* all three right: ready; a quiet window says so */
	put(t, "/sys/class/net/eth0/mtu", "8900\n");
	put(t, "/proc/sys/net/ipv4/tcp_limit_output_bytes", "1048576\n");
	put(t, "/sys/module/ena/parameters/enable_bql", "0\n");
	eth0_rings.rx = 8192;
	assert_false(ena_express_on(&t->paths, "eth0"));  /* what the match rules read */
	*eth0_stat("ena_srd_mode") = 2;                   /* off, UDP setting kept */
	assert_false(ena_express_on(&t->paths, "eth0"));
	*eth0_stat("ena_srd_mode") = 1;
	assert_true(ena_express_on(&t->paths, "eth0"));
	collect(t, 111 * MIN_MS, &set);
	metric_set_free(&set);
	o = ena_status_json(&t->st, &t->paths, 111 * MIN_MS);
	nic = json_object_array_get_idx(jget(o, "interfaces"), 0);
	x = jget(nic, "ena_express");
	assert_true(json_object_get_boolean(jget(x, "ready")));
	assert_true(json_object_get_boolean(jget(x, "enabled")));
	assert_null(jget(check(x, "rx_ring"), "fix"));
	assert_int_equal(json_object_array_length(jget(nic, "exceeded")), 0);
	text = print_status(o);
	assert_non_null(strstr(text, "no allowance exceeded in the last 5 min"));
	assert_non_null(strstr(text, "ENA Express: ready (enabled on this ENI)"));
	free(text);
	json_object_put(o);
	eth0_rings.rx = 1024;

	/* an ENA 1.x driver: no allowance counters, and status says so */
	fixture_load("ena-1.x-no-allowances.txt", &eth0_stats);
	collect(t, 112 * MIN_MS, &set);
	assert_null(metric(entity(&set, "eth0"), "PpsAllowanceExceeded"));
	assert_non_null(metric(entity(&set, "eth0"), "RxPackets"));
	metric_set_free(&set);
	o = ena_status_json(&t->st, &t->paths, 112 * MIN_MS);
	text = print_status(o);
	assert_non_null(strstr(text, "allowances unknown: the driver reports no allowance "
			       "counters (ENA driver 2.2.10 and later do)"));
	free(text);
	json_object_put(o);
}

/*
 * rx_overruns by name where the driver's table lists it (it then wins over
 * rx_over_errors), per interval, a device reset counted from the new value.
 */
static void test_overruns(void **state)
{
	struct tree *t = *state;
	struct fixture_table *ft = &eth0_stats;
	struct metric_set set;

	assert_true(ft->n < FIXTURE_MAX);
	strcpy((char *)ft->raw + ft->n * ETHTOOL_NAME_LEN, "rx_overruns");
	ft->values[ft->n++] = 7000;
	collect(t, 100 * MIN_MS, &set);
	assert_null(metric(entity(&set, "eth0"), "RxOverruns"));   /* the baseline */
	metric_set_free(&set);

	*eth0_stat("rx_overruns") += 42;
	nic_stats(t, "eth0", 999999);       /* rx_over_errors is not read */
	collect(t, 101 * MIN_MS, &set);
	assert_int_equal(value(entity(&set, "eth0"), "RxOverruns"), 42);
	metric_set_free(&set);

	*eth0_stat("rx_overruns") = 5;      /* the device was reset */
	collect(t, 102 * MIN_MS, &set);
	assert_int_equal(value(entity(&set, "eth0"), "RxOverruns"), 5);
	metric_set_free(&set);

	collect(t, 103 * MIN_MS, &set);
	assert_int_equal(value(entity(&set, "eth0"), "RxOverruns"), 0);
	assert_int_equal(value(entity(&set, "veth0"), "RxDrops"), 0);
	assert_null(metric(entity(&set, "veth0"), "RxOverruns"));
	metric_set_free(&set);
}

/* A fake tree with the kernel's ops: nothing is asked of the host's NICs. */
static void test_status_fake_root(void **state)
{
	struct tree *t = *state;
	struct json_object *o, *nic;
	struct metric_set set;
	char *text;

	ethtool_io_set(NULL);
	collect(t, 100 * MIN_MS, &set);
	assert_int_equal(entity(&set, "eth0")->n, 0);
	metric_set_free(&set);
	o = ena_status_json(&t->st, &t->paths, 100 * MIN_MS);
	nic = json_object_array_get_idx(jget(o, "interfaces"), 0);
	assert_non_null(strstr(json_object_get_string(jget(nic, "settings_error")),
			       "not read: the sysroot is a fake tree"));
	assert_string_equal(json_object_get_string(jget(nic, "stats_error")),
			    json_object_get_string(jget(nic, "settings_error")));
	text = print_status(o);
	assert_non_null(strstr(text, "allowances unknown: "));
	free(text);
	json_object_put(o);

	o = json_object_new_object();
	json_object_object_add(o, "interfaces", json_object_new_array());
	text = print_status(o);
	assert_string_equal(text, "ena          no ENA interfaces\n");
	free(text);
	json_object_put(o);
}


/* ---- health: per-queue sums, versions, the counters per interval, findings ---- */

static void test_queue_sums(void **state)
{
	struct ethtool_stat_table t;
	struct fixture_table ft;
	uint64_t v;

	/* 2 I/O queues and 2 XDP Tx queues: the XDP ones are not summed */
	fixture_load("ena-2.13-xdp-reset.txt", &ft);
	fixture_parse(&ft, &t);
	assert_int_equal(ena_queue_sum(&t, "tx_queue_stop", &v), 0);
	assert_int_equal(v, 15);
	assert_int_equal(ena_queue_sum(&t, "tx_queue_wakeup", &v), 0);
	assert_int_equal(v, 15);
	assert_int_equal(ena_queue_sum(&t, "tx_missed_tx", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(ena_queue_sum(&t, "tx_cnt", &v), 0);
	assert_int_equal(v, 912345 + 854321);
	assert_int_equal(stat_of(&t, "tx_timeout"), 2);
	assert_int_equal(stat_of(&t, "reset_fail"), 0);
	/* a prefix of a name is not the name */
	assert_int_equal(ena_queue_sum(&t, "tx_queue", &v), -ENOENT);
	ethtool_table_free(&t);

	/* 1.x: queue stops there, missed_tx not yet, reset_fail neither */
	fixture_load("ena-1.x-no-allowances.txt", &ft);
	fixture_parse(&ft, &t);
	assert_int_equal(ena_queue_sum(&t, "tx_queue_stop", &v), 0);
	assert_int_equal(ena_queue_sum(&t, "tx_missed_tx", &v), -ENOENT);
	assert_int_equal(ethtool_table_find(&t, "reset_fail", &v), -ENOENT);
	ethtool_table_free(&t);
}

static void test_version_cmp(void **state)
{
	assert_true(ena_version_cmp("2.13.0g", ENA_MIN_VERSION) > 0);
	assert_int_equal(ena_version_cmp("2.2.9", "2.2.9"), 0);
	assert_int_equal(ena_version_cmp("2.2.9g", "2.2.9"), 0);
	assert_true(ena_version_cmp("2.2.8K", "2.2.9") < 0);
	assert_true(ena_version_cmp("2.10", "2.9.1") > 0);
	assert_true(ena_version_cmp("1.5.0g", "2.2.9") < 0);
	assert_true(ena_version_cmp("2.2", "2.2.9") < 0);
}

static struct json_object *finding(struct json_object *nic, const char *counter)
{
	struct json_object *h = jget(nic, "health");

	for (size_t i = 0; i < json_object_array_length(h); i++) {
		struct json_object *f = json_object_array_get_idx(h, i);

		if (!strcmp(json_object_get_string(jget(f, "counter")), counter))
			return f;
	}
	return NULL;
}

static void test_health_collect(void **state)
{
	struct tree *t = *state;
	struct json_object *o, *nic, *f;
	const struct metric_entity *e;
	struct metric_set set;
	char *text;

	fixture_load("ena-2.13-xdp-reset.txt", &eth0_stats);
	collect(t, 100 * MIN_MS, &set);
	assert_null(metric(entity(&set, "eth0"), "TxTimeouts"));    /* the baseline */
	metric_set_free(&set);

	*eth0_stat("tx_timeout") += 2;
	*eth0_stat("interface_up") += 2;
	*eth0_stat("queue_0_tx_queue_stop") += 30;
	*eth0_stat("queue_1_tx_queue_stop") += 12;
	*eth0_stat("queue_0_tx_queue_wakeup") += 29;
	*eth0_stat("queue_1_tx_queue_wakeup") += 12;
	*eth0_stat("queue_1_tx_missed_tx") += 7;
	*eth0_stat("queue_2_xdp_tx_queue_stop") += 1000;  /* XDP: not counted */
	collect(t, 101 * MIN_MS, &set);
	e = entity(&set, "eth0");
	assert_int_equal(value(e, "TxTimeouts"), 2);
	assert_int_equal(value(e, "InterfaceUps"), 2);
	assert_int_equal(value(e, "TxQueueStops"), 42);
	assert_int_equal(value(e, "TxQueueWakeups"), 41);
	assert_int_equal(value(e, "TxMissedCompletions"), 7);
	assert_int_equal(value(e, "KeepAliveTimeouts"), 0);
	assert_int_equal(value(e, "ResetFailures"), 0);
	assert_null(metric(entity(&set, "veth0"), "TxTimeouts"));  /* ENA only */
	metric_set_free(&set);

	/* queues re-created (ethtool -L) with their counters at 0: counted from there */
	*eth0_stat("queue_0_tx_queue_stop") = 3;
	*eth0_stat("queue_1_tx_queue_stop") = 0;
	collect(t, 102 * MIN_MS, &set);
	assert_int_equal(value(entity(&set, "eth0"), "TxQueueStops"), 3);
	metric_set_free(&set);

	/* an old driver, a large-LLQ device whose Tx ring is capped at 512 */
	put(t, "/sys/module/ena/version", "2.1.0K\n");
	put(t, "/sys/class/net/eth0/device/large_llq_header", "1\n");
	eth0_rings.tx = eth0_rings.tx_max = 512;
	o = ena_status_json(&t->st, &t->paths, 102 * MIN_MS);
	nic = json_object_array_get_idx(jget(o, "interfaces"), 0);
	assert_string_equal(json_object_get_string(jget(jget(nic, "driver_info"), "version")),
			    "2.1.0K");
	assert_false(json_object_get_boolean(jget(jget(nic, "driver_info"), "version_ok")));
	assert_true(json_object_get_boolean(jget(jget(nic, "driver_info"), "large_llq")));
	f = finding(nic, "tx_timeout");
	assert_non_null(f);
	assert_string_equal(json_object_get_string(jget(f, "severity")), "problem");
	assert_string_equal(json_object_get_string(jget(f, "metric")), "TxTimeouts");
	assert_int_equal(json_object_get_int(jget(f, "count")), 2);
	assert_non_null(strstr(json_object_get_string(jget(f, "message")),
			       "2 transmit timeouts in the last 2 min: a transmit queue made no "
			       "progress"));
	f = finding(nic, "tx_queue_stop");
	assert_non_null(strstr(json_object_get_string(jget(f, "message")),
			       "45 transmit queue stops (41 wake-ups) in the last 2 min"));
	assert_non_null(strstr(json_object_get_string(jget(finding(nic, "tx_missed_tx"),
							       "message")),
			       "7 missing Tx completions"));
	assert_null(finding(nic, "wd_expired"));               /* did not move */
	assert_non_null(strstr(json_object_get_string(jget(finding(nic, "driver_version"),
							       "message")),
			       "ENA driver 2.1.0K is older than 2.2.9"));
	assert_non_null(strstr(json_object_get_string(jget(finding(nic, "large_llq"),
							       "message")),
			       "the Tx ring is at most 512"));
	text = print_status(o);
	assert_non_null(strstr(text, "             driver 2.1.0K (older than required)\n"));
	assert_non_null(strstr(text, "             problem: 2 transmit timeouts in the last "
			       "2 min: "));
	free(text);
	json_object_put(o);

	/* a current driver: no version finding */
	put(t, "/sys/module/ena/version", "2.13.0g\n");
	o = ena_status_json(&t->st, &t->paths, 102 * MIN_MS);
	nic = json_object_array_get_idx(jget(o, "interfaces"), 0);
	assert_true(json_object_get_boolean(jget(jget(nic, "driver_info"), "version_ok")));
	assert_null(finding(nic, "driver_version"));
	json_object_put(o);
	eth0_rings.tx = eth0_rings.tx_max = 1024;
}


/* The newest driver's table: reset reasons among the global statistics. */
static void test_reset_reasons(void **state)
{
	struct tree *t = *state;
	struct json_object *o, *nic;
	const struct metric_entity *e;
	struct ethtool_stat_table tab;
	struct metric_set set;
	uint64_t v;

	fixture_load("ena-2.17-reset-reasons.txt", &eth0_stats);
	fixture_parse(&eth0_stats, &tab);
	assert_int_equal(stat_of(&tab, "total_resets"), 3);
	assert_int_equal(ena_queue_sum(&tab, "tx_missed_tx", &v), 0);
	assert_int_equal(v, 9);
	assert_int_equal(ena_queue_sum(&tab, "tx_queue_stop", &v), 0);
	assert_int_equal(v, 4);
	ethtool_table_free(&tab);
	collect(t, 100 * MIN_MS, &set);
	metric_set_free(&set);
	*eth0_stat("total_resets") += 2;
	*eth0_stat("missing_tx_cmpl") += 1;
	*eth0_stat("tx_timeout") += 1;
	collect(t, 101 * MIN_MS, &set);
	e = entity(&set, "eth0");
	assert_int_equal(value(e, "DriverResets"), 2);
	assert_int_equal(value(e, "MissingTxCompletionResets"), 1);
	assert_int_equal(value(e, "TxTimeouts"), 1);
	metric_set_free(&set);
	o = ena_status_json(&t->st, &t->paths, 101 * MIN_MS);
	nic = json_object_array_get_idx(jget(o, "interfaces"), 0);
	assert_non_null(strstr(json_object_get_string(jget(finding(nic, "total_resets"),
							       "message")),
			       "2 device resets in the last 1 min: the driver reset the device"));
	assert_non_null(strstr(json_object_get_string(jget(finding(nic, "missing_tx_cmpl"),
							       "message")),
			       "1 reset for missing Tx completions in the last 1 min"));
	/* problems first: the resets before what is only worth watching */
	assert_string_equal(json_object_get_string(jget(json_object_array_get_idx(
		jget(nic, "health"), 0), "counter")), "total_resets");
	/* no sysfs attribute, no push state: large LLQ unknown */
	assert_null(jget(jget(nic, "driver_info"), "large_llq"));
	assert_null(jget(jget(nic, "driver_info"), "tx_push"));
	json_object_put(o);

	/* the kernel's own driver: large LLQ from ethtool -g's push buffer length */
	eth0_push = (struct ethtool_push){ .tx_push = 1, .buf_len = 224, .buf_len_max = 224 };
	o = ena_status_json(&t->st, &t->paths, 101 * MIN_MS);
	nic = json_object_array_get_idx(jget(o, "interfaces"), 0);
	assert_true(json_object_get_boolean(jget(jget(nic, "driver_info"), "large_llq")));
	assert_true(json_object_get_boolean(jget(jget(nic, "driver_info"), "tx_push")));
	assert_int_equal(json_object_get_int(jget(jget(nic, "driver_info"), "tx_push_buf_len")),
			 224);
	json_object_put(o);
	eth0_push.buf_len = 96;
	o = ena_status_json(&t->st, &t->paths, 101 * MIN_MS);
	nic = json_object_array_get_idx(jget(o, "interfaces"), 0);
	assert_false(json_object_get_boolean(jget(jget(nic, "driver_info"), "large_llq")));
	json_object_put(o);
	/* the sysfs attribute, where the GitHub driver has it, wins */
	put(t, "/sys/class/net/eth0/device/large_llq_header", "1\n");
	o = ena_status_json(&t->st, &t->paths, 101 * MIN_MS);
	nic = json_object_array_get_idx(jget(o, "interfaces"), 0);
	assert_true(json_object_get_boolean(jget(jget(nic, "driver_info"), "large_llq")));
	json_object_put(o);
	eth0_push = (struct ethtool_push){ .tx_push = -1 };
}

/* ---- ENA Express: every item of the checker on the fake tree ---- */

static struct json_object *express_of(struct tree *t, struct json_object **o)
{
	struct metric_set set;

	collect(t, 100 * MIN_MS, &set);
	metric_set_free(&set);
	*o = ena_status_json(&t->st, &t->paths, 100 * MIN_MS);
	assert_non_null(*o);
	return jget(json_object_array_get_idx(jget(*o, "interfaces"), 0), "ena_express");
}

static void express_ready_tree(struct tree *t)
{
	put(t, "/sys/class/net/eth0/mtu", "8900\n");
	put(t, "/proc/sys/net/ipv4/tcp_limit_output_bytes", "4194304\n");
	put(t, "/proc/sys/net/ipv4/tcp_autocorking", "0\n");
	put(t, "/sys/module/ena/parameters/enable_bql", "0\n");
	put(t, "/sys/module/ena/parameters/force_large_llq_header", "0\n");
	put(t, "/proc/sys/net/ipv4/tcp_rmem", "4096\t131072\t8388608\n");
	put(t, "/proc/sys/net/ipv4/tcp_wmem", "4096\t16384\t8388608\n");
	put(t, "/proc/sys/net/core/rmem_default", "4194304\n");
	put(t, "/proc/sys/net/core/wmem_default", "4194304\n");
	put(t, "/proc/sys/net/core/rmem_max", "8388608\n");
	put(t, "/proc/sys/net/core/wmem_max", "8388608\n");
	put(t, "/proc/sys/net/ipv4/tcp_congestion_control", "cubic\n");
	put(t, "/sys/module/tcp_cubic/parameters/hystart_detect", "0\n");
	eth0_rings = (struct ethtool_rings){ .rx = 8192, .tx = 1024, .rx_max = 16384,
					     .tx_max = 1024 };
}

static void test_express_checks(void **state)
{
	struct tree *t = *state;
	static const char *const order[] = {
		"mtu", "tcp_limit_output_bytes", "tcp_autocorking", "bql", "tx_ring", "large_llq",
		"rx_ring", "tcp_limit_output_bytes_high_rtt", "tcp_rmem_max", "tcp_wmem_max",
		"rmem_default", "wmem_default", "rmem_max", "wmem_max", "tcp_congestion_control",
		"hystart_detect",
	};
	struct json_object *o, *x, *checks;
	char path[PATH_MAX], *text;

	fixture_load("ena-2.13-xdp-reset.txt", &eth0_stats);       /* ena_srd_mode 3 */
	express_ready_tree(t);
	x = express_of(t, &o);
	checks = jget(x, "checks");
	assert_int_equal(json_object_array_length(checks), 16);
	for (size_t i = 0; i < 16; i++) {
		struct json_object *c = json_object_array_get_idx(checks, i);

		assert_string_equal(json_object_get_string(jget(c, "check")), order[i]);
		assert_true(json_object_get_boolean(jget(c, "ok")));
		assert_null(jget(c, "fix"));
	}
	assert_true(json_object_get_boolean(jget(x, "ready")));
	assert_int_equal(json_object_get_int(jget(x, "recommended_failed")), 0);
	assert_true(json_object_get_boolean(jget(x, "enabled")));       /* ena_srd_mode 3 */
	assert_string_equal(json_object_get_string(jget(check(x, "tcp_rmem_max"), "value")),
			    "8388608");
	text = print_status(o);
	assert_non_null(strstr(text, "ENA Express: ready (enabled on this ENI)\n"));
	free(text);
	json_object_put(o);

	/* BQL read from the queues as the checker does without the parameter */
	assert_int_equal(util_join(path, sizeof(path), "%s/sys/module/ena/parameters/enable_bql",
				   t->paths.sysroot), 0);
	assert_int_equal(unlink(path), 0);
	put(t, "/sys/class/net/eth0/queues/tx-0/byte_queue_limits/limit_min", "1879048192\n");
	put(t, "/sys/class/net/eth0/queues/tx-1/byte_queue_limits/limit_min", "1879048192\n");
	x = express_of(t, &o);
	assert_true(json_object_get_boolean(jget(check(x, "bql"), "ok")));
	json_object_put(o);
	put(t, "/sys/class/net/eth0/queues/tx-1/byte_queue_limits/limit_min", "0\n");
	/* large LLQ on, Tx ring 512 of 512; buffers and cubic off the high-RTT values */
	put(t, "/sys/module/ena/parameters/force_large_llq_header", "1\n");
	eth0_rings.tx = eth0_rings.tx_max = 512;
	put(t, "/proc/sys/net/ipv4/tcp_rmem", "4096 131072 6291456\n");
	put(t, "/proc/sys/net/ipv4/tcp_congestion_control", "bbr\n");
	put(t, "/sys/module/tcp_cubic/parameters/hystart_detect", "3\n");
	put(t, "/proc/sys/net/ipv4/tcp_autocorking", "1\n");
	x = express_of(t, &o);
	assert_false(json_object_get_boolean(jget(x, "ready")));
	assert_int_equal(json_object_get_int(jget(x, "required_failed")), 1);
	assert_int_equal(json_object_get_int(jget(x, "recommended_failed")), 5);
	assert_false(json_object_get_boolean(jget(check(x, "bql"), "ok")));
	assert_string_equal(json_object_get_string(jget(check(x, "bql"), "value")),
			    "on (tx-1 byte_queue_limits/limit_min 0)");
	assert_non_null(strstr(json_object_get_string(jget(check(x, "bql"), "fix")),
			       "echo max > $q/byte_queue_limits/limit_min"));
	assert_true(json_object_get_boolean(jget(check(x, "tx_ring"), "ok")));  /* its max */
	assert_false(json_object_get_boolean(jget(check(x, "large_llq"), "ok")));
	assert_non_null(strstr(json_object_get_string(jget(check(x, "large_llq"), "fix")),
			       "force_large_llq_header=0"));
	assert_string_equal(json_object_get_string(jget(check(x, "tcp_rmem_max"), "value")),
			    "6291456");
	assert_true(json_object_get_boolean(jget(check(x, "tcp_rmem_max"), "high_rtt")));
	assert_false(json_object_get_boolean(jget(check(x, "tcp_congestion_control"), "ok")));
	assert_non_null(strstr(json_object_get_string(jget(check(x, "hystart_detect"), "fix")),
			       "/etc/modprobe.d"));
	assert_false(json_object_get_boolean(jget(check(x, "tcp_autocorking"), "required")));
	text = print_status(o);
	assert_non_null(strstr(text, "ENA Express: not ready (enabled on this ENI): 1 required, "
			       "5 recommended settings to change\n"));
	assert_non_null(strstr(text, "  tcp_congestion_control bbr, want cubic (high RTT): set "
			       "net.ipv4.tcp_congestion_control to cubic: the ena-express overlay "
			       "sets it\n"));
	free(text);
	json_object_put(o);

	/* the parameter not given (65535, the driver's unset value): not explicitly off */
	put(t, "/sys/module/ena/parameters/force_large_llq_header", "65535\n");
	x = express_of(t, &o);
	assert_false(json_object_get_boolean(jget(check(x, "large_llq"), "ok")));
	assert_string_equal(json_object_get_string(jget(check(x, "large_llq"), "value")),
			    "force_large_llq_header=65535 (not set)");
	assert_int_equal(json_object_get_int(jget(jget(json_object_array_get_idx(
		jget(o, "interfaces"), 0), "driver_info"), "force_large_llq_header")), 65535);
	json_object_put(o);
	/* a 1024-entry Tx ring: large LLQ does not matter then */
	eth0_rings.tx = eth0_rings.tx_max = 1024;
	x = express_of(t, &o);
	assert_true(json_object_get_boolean(jget(check(x, "large_llq"), "ok")));
	json_object_put(o);
	eth0_rings = (struct ethtool_rings){ 1024, 1024, 16384, 1024 };
}

/* The host-wide softnet lines follow the interfaces when the daemon adds them. */
static void test_status_softnet(void **state)
{
	struct softnet_state sn = { 0 };
	struct json_object *o = json_object_new_object();
	char *text;

	json_object_object_add(o, "interfaces", json_object_new_array());
	json_object_object_add(o, "softnet", softnet_status_json(&sn));
	text = print_status(o);
	assert_string_equal(text, "ena          no ENA interfaces\n"
			    "softnet      no interval measured yet\n");
	free(text);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_tables),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_update_metrics),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_wording),
		cmocka_unit_test_setup_teardown(test_collect, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_overruns, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_status, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_status_fake_root, tree_setup, tree_teardown),
		cmocka_unit_test(test_queue_sums),
		cmocka_unit_test(test_version_cmp),
		cmocka_unit_test_setup_teardown(test_health_collect, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_reset_reasons, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_express_checks, tree_setup, tree_teardown),
		cmocka_unit_test(test_status_softnet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
