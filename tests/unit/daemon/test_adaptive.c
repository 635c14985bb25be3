// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's adaptive rules on receive rings (daemon/adaptive.c), end to
 * end but for the NIC: a fake /sys tree with ENA interfaces and their
 * receive queues, a test ethtool_io serving their rings (fake_ethtool.h:
 * no virtual device here has ring parameters, and no ENA NIC is on this
 * machine), the interval's metrics as ena.c would give them, then the real
 * engine: one-value plans for one interface, the journal, revert. What it
 * cannot show: a real ENA device taking the ring (ETHTOOL_SRINGPARAM), its
 * traffic pause, and rx_overruns falling on real traffic.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/jsonutil.h"
#include "core/util.h"
#include "daemon/adaptive.h"
#include "net/ethtool.h"
#include "tune/journal.h"
#include "tune/tune.h"

struct fixture {
	char dir[PATH_MAX];
	struct pa_paths paths;
	struct tune_ctx ctx;
	struct profile prof;
	struct tuning_state st;
	struct tuning_opts opts;
	struct profile_value ring;      /* the network overlay's rx_ring, composed */
	struct adapt_rule rule;
	struct adaptive a;
};

#include "../tune/fake_tree.h"
#include "../tune/fake_ethtool.h"

#define BOOT_ID "0f2b7c8e-5d0a-4c39-9d6e-1a2b3c4d5e6f"
#define OTHER_BOOT "7d1e2a4b-0c9f-4e6d-8b3a-5f6e7d8c9b0a"

static const char *const rule_keys[] = {
	"knob", "ethtool.rx_ring", "drivers", "ena", "interfaces", "eth*",
	"when", "RxOverruns > 0 over 1", "step", "double", "cap", "16384", "cooldown", "1",
	NULL,
};

/* An interface's receive queues rx-0 .. rx-(n-1) in the fake tree. */
static void queues(struct fixture *f, const char *ifname, int n)
{
	char rel[PATH_MAX];

	for (int i = 0; i < n; i++) {
		assert_int_equal(util_join(rel, sizeof(rel), "/sys/class/net/%s/queues/rx-%d/"
					   "rps_cpus", ifname, i), 0);
		put(f, rel, "0\n");
	}
}

/*
 * eth0: ENA, ring 1024 of at most 2048; eth1: ENA, 1024 of at most 16384;
 * eth2: ixgbevf (never a ring rule's); 4 receive queues each. The budget
 * covers eth0 and eth1: 8 queues x 2048 entries x the page size.
 */
static int setup(void **state)
{
	struct fixture *f = fake_tree_new("test_adaptive");
	long page = sysconf(_SC_PAGESIZE);
	char err[256];

	memset(fake_nics, 0, sizeof(fake_nics));
	fake_nics[0] = (struct fake_nic){ .name = "eth0",
		.rings = { .rx = 1024, .tx = 1024, .rx_max = 2048, .tx_max = 1024 } };
	fake_nics[1] = (struct fake_nic){ .name = "eth1",
		.rings = { .rx = 1024, .tx = 1024, .rx_max = 16384, .tx_max = 1024 } };
	nic(f, "eth0", "ena");
	nic(f, "eth1", "ena");
	nic(f, "eth2", "ixgbevf");
	queues(f, "eth0", 4);
	queues(f, "eth1", 4);
	queues(f, "eth2", 4);
	put(f, "/proc/sys/kernel/random/boot_id", BOOT_ID "\n");
	assert_int_equal(util_mkdir_p(f->paths.state_dir, 0755), 0);
	ethtool_io_set(&fake_io);

	f->ring = (struct profile_value){ .kind = KNOB_ETHTOOL, .op = VALUE_RAISE };
	strcpy(f->ring.section, "ethtool");
	strcpy(f->ring.key, "rx_ring");
	strcpy(f->ring.value, "4096");
	strcpy(f->ring.devices, "*");
	strcpy(f->ring.drivers, "ena");
	strcpy(f->ring.origin, "network.conf:60");
	f->ring.ring_budget = 8ULL * 2048 * (uint64_t)page;

	adapt_rule_init(&f->rule, "ena-rx-ring", "network.conf:150");
	for (const char *const *kv = rule_keys; kv[0]; kv += 2)
		assert_int_equal(adapt_rule_set(&f->rule, kv[0], kv[1], err, sizeof(err)), 0);
	assert_int_equal(adapt_rule_check(&f->rule, err, sizeof(err)), 0);

	f->st.ran = true;
	f->st.at_wall_ms = 1;
	strcpy(f->st.plan.profile, "test");
	f->st.rules = &f->rule;
	f->st.n_rules = 1;
	f->st.rings = &f->ring;
	f->st.n_rings = 1;
	f->opts.mode = "apply";
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ethtool_io_set(NULL);
	adaptive_free(&f->a);
	fake_tree_free(f);
	return 0;
}

/* One interval with eth0's and eth1's RxOverruns (counts over 60 s; < 0: none). */
static void interval(struct fixture *f, bool apply, double eth0, double eth1)
{
	struct adaptive_env env = { .paths = &f->paths, .opts = &f->opts, .tuning = &f->st,
				    .apply = apply };
	struct metric_set set;
	const char *names[] = { "eth0", "eth1", "eth2" };
	double v[] = { eth0, eth1, 1000 };

	metric_set_init(&set, util_now_wall_ms(), 60);
	for (int i = 0; i < 3; i++) {
		struct metric_entity *e = metric_set_entity(&set, ENTITY_INTERFACE, names[i]);

		assert_non_null(e);
		if (v[i] >= 0)
			assert_int_equal(metric_add(e, "RxOverruns", UNIT_COUNT, v[i]), 0);
	}
	adaptive_interval(&f->a, &env, &set);
	metric_set_free(&set);
}

/* The status entry of the rule on ifname. */
static struct json_object *entry(struct fixture *f, const char *ifname, struct json_object **all)
{
	*all = adaptive_json(&f->a);
	for (size_t i = 0; i < json_object_array_length(*all); i++) {
		struct json_object *o = json_object_array_get_idx(*all, i);

		if (!strcmp(json_at_str(o, "interface", ""), ifname))
			return o;
	}
	fail_msg("no status entry for %s", ifname);
	return NULL;
}

static void assert_entry(struct fixture *f, const char *ifname, const char *state,
			 const char *why)
{
	struct json_object *all, *o = entry(f, ifname, &all);

	assert_string_equal(json_at_str(o, "name", ""), "ena-rx-ring");
	assert_string_equal(json_at_str(o, "state", ""), state);
	if (!strstr(json_at_str(o, "why", ""), why))
		fail_msg("'%s' not in '%s'", why, json_at_str(o, "why", ""));
	json_object_put(all);
}

static const char *journal_original(struct fixture *f, const char *id)
{
	static char buf[64];
	char msg[256];
	struct journal j;
	const struct journal_entry *e;

	assert_int_equal(journal_load(&f->paths, &j, false, msg, sizeof(msg)), 0);
	e = journal_find(&j, id);
	snprintf(buf, sizeof(buf), "%s", e ? e->original : "(none)");
	journal_free(&j);
	return buf;
}

/*
 * Each interface on its own evidence: eth0's overruns step eth0 alone,
 * through the engine (journaled), up to the device's maximum; eth1's later
 * step stops at the ring memory budget; eth2 (ixgbevf) is never a target.
 * Revert restores both rings exactly.
 */
static void test_per_interface_steps(void **state)
{
	struct fixture *f = *state;
	struct tune_report r;
	struct json_object *all;
	char path[PATH_MAX], line[1024];
	FILE *fp;
	int n = 0;

	interval(f, true, 120, 0);
	assert_int_equal(fake_nics[0].rings.rx, 2048);
	assert_int_equal(fake_nics[1].rings.rx, 1024);
	assert_int_equal(fake_nics[1].writes, 0);
	assert_entry(f, "eth0", "checking", "eth0: stepped from 1024 to 2048 because "
		     "RxOverruns was 2/s over 1 interval; checking");
	assert_entry(f, "eth1", "quiet", "eth1: quiet");
	assert_string_equal(journal_original(f, "ethtool:eth0:rx_ring"), "1024");
	assert_string_equal(journal_original(f, "ethtool:eth1:rx_ring"), "(none)");
	entry(f, "eth0", &all);
	assert_int_equal(json_object_array_length(all), 2);     /* eth2 is not ENA */
	json_object_put(all);

	interval(f, true, 0, 60);           /* eth0 helped; eth1's turn */
	assert_entry(f, "eth0", "settled", "eth0: stepped from 1024 to 2048 because RxOverruns "
		     "was 2/s; it fell to 0/s");
	assert_int_equal(fake_nics[1].rings.rx, 2048);
	sleep(2);                           /* the 1 s cooldown */
	interval(f, true, 60, 0);
	assert_int_equal(fake_nics[0].rings.rx, 2048);
	assert_entry(f, "eth0", "at cap", "eth0: at cap: RxOverruns at 1/s, but ethtool.rx_ring "
		     "is at its cap 2048, the device's maximum (ethtool -g)");
	assert_entry(f, "eth1", "settled", "eth1: stepped from 1024 to 2048");
	interval(f, true, 0, 60);
	assert_int_equal(fake_nics[1].rings.rx, 2048);
	assert_entry(f, "eth1", "at cap", "is at its cap 2048, the ring memory budget of");
	assert_entry(f, "eth1", "at cap", "(8 receive queues of");

	/* each change in adaptive.log with its interface */
	assert_int_equal(util_join(path, sizeof(path), "%s/adaptive.log", f->paths.state_dir), 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		assert_non_null(strstr(line, "\"knob\":\"ethtool.rx_ring\""));
		assert_non_null(strstr(line, n ? "\"interface\":\"eth1\"" :
				       "\"interface\":\"eth0\""));
		assert_non_null(strstr(line, "\"before\":\"1024\",\"after\":\"2048\""));
		assert_non_null(strstr(line, "\"boot_id\":\"" BOOT_ID "\",\"mono_s\":"));
		n++;
	}
	fclose(fp);
	assert_int_equal(n, 2);

	/* revert puts back the rings as they were */
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(fake_nics[0].rings.rx, 1024);
	assert_int_equal(fake_nics[1].rings.rx, 1024);
	tune_report_free(&r);
}

/* A step that did not help is taken back on that interface only, through the engine. */
static void test_take_back(void **state)
{
	struct fixture *f = *state;

	interval(f, true, 600, -1);
	assert_int_equal(fake_nics[0].rings.rx, 2048);
	interval(f, true, 600, -1);        /* 10/s before and after */
	assert_int_equal(fake_nics[0].rings.rx, 1024);
	assert_entry(f, "eth0", "taken back", "eth0: taken back to 1024: RxOverruns did not fall "
		     "by 20% after the step to 2048 (10/s before, 10/s after)");
	assert_int_equal(fake_nics[0].writes, 2);
	assert_int_equal(fake_nics[1].writes, 0);
}

/* mode = advise writes nothing and says what it would do, per interface. */
static void test_advise(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];

	interval(f, false, 120, 60);
	assert_int_equal(fake_nics[0].writes + fake_nics[1].writes, 0);
	assert_entry(f, "eth0", "watching", "eth0: held: mode advise, nothing written: would "
		     "have stepped from 1024 to 2048 because RxOverruns was 2/s");
	assert_entry(f, "eth1", "watching", "eth1: held: mode advise, nothing written");
	assert_int_equal(util_join(path, sizeof(path), "%s/journal.json", f->paths.state_dir),
			 0);
	assert_int_equal(access(path, F_OK), -1);
}

/* exclude = and an administrator's value are respected as for static values. */
static void test_exclude_and_admin(void **state)
{
	struct fixture *f = *state;

	f->opts.excludes[0] = "ethtool:eth1:*";
	interval(f, true, 120, 120);
	assert_int_equal(fake_nics[0].rings.rx, 2048);
	assert_int_equal(fake_nics[1].rings.rx, 1024);
	assert_entry(f, "eth1", "watching", "eth1: held: ethtool.rx_ring step to 2048 not made: "
		     "excluded");
	/* the administrator sets eth0's ring after perfagent: not fought */
	fake_nics[0].rings.rx_max = 16384;
	fake_nics[0].rings.rx = 1024;
	interval(f, true, 0, -1);           /* settled */
	sleep(2);
	interval(f, true, 120, -1);
	assert_int_equal(fake_nics[0].rings.rx, 1024);
	assert_entry(f, "eth0", "watching", "eth0: held: ethtool.rx_ring step to 2048 not made");
}

/*
 * A sysctl rule whose knob is excluded: refused once, said once, then off
 * (not retried and logged again after every cooldown) until a re-plan.
 */
static void test_excluded_sysctl_rule_off(void **state)
{
	static const char *const keys[] = {
		"knob", "net.core.somaxconn", "when", "TcpListenOverflows > 0 over 1",
		"step", "double", "floor", "4096", "cap", "65535", "cooldown", "1", NULL,
	};
	struct fixture *f = *state;
	struct adaptive_env env = { .paths = &f->paths, .opts = &f->opts, .tuning = &f->st,
				    .apply = true };
	struct json_object *all, *o;
	struct adapt_rule r;
	char err[256];

	put(f, "/proc/sys/net/core/somaxconn", "4096\n");
	adapt_rule_init(&r, "accept-queue", "base.conf:81");
	for (const char *const *kv = keys; kv[0]; kv += 2)
		assert_int_equal(adapt_rule_set(&r, kv[0], kv[1], err, sizeof(err)), 0);
	assert_int_equal(adapt_rule_check(&r, err, sizeof(err)), 0);
	f->st.rules = &r;
	f->opts.excludes[0] = "sysctl:net.core.somaxconn";
	for (int i = 0; i < 3; i++) {
		struct metric_set set;

		metric_set_init(&set, util_now_wall_ms(), 60);
		assert_int_equal(metric_add(metric_set_entity(&set, ENTITY_INSTANCE, ""),
					    "TcpListenOverflows", UNIT_COUNT, 600), 0);
		adaptive_interval(&f->a, &env, &set);
		metric_set_free(&set);
		if (i == 0)
			sleep(2);       /* past the cooldown: a rule still on would try again */
	}
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "4096\n");
	all = adaptive_json(&f->a);
	o = json_object_array_get_idx(all, 0);
	assert_string_equal(json_at_str(o, "state", ""), "off");
	assert_non_null(strstr(json_at_str(o, "why", ""), "net.core.somaxconn step to 8192 not "
			       "made: excluded by config"));
	assert_int_equal(json_at_int(o, "steps"), 0);
	json_object_put(all);
	/* a re-plan (reload) starts it again */
	f->opts.excludes[0] = NULL;
	f->st.at_wall_ms++;
	interval(f, true, -1, -1);
	all = adaptive_json(&f->a);
	assert_string_equal(json_at_str(json_object_array_get_idx(all, 0), "state", ""), "quiet");
	json_object_put(all);
}

/* No budget covers the interface: it is not stepped, and status says why. */
static void test_no_budget(void **state)
{
	struct fixture *f = *state;

	f->st.n_rings = 0;
	interval(f, true, 120, 120);
	assert_int_equal(fake_nics[0].writes + fake_nics[1].writes, 0);
	assert_entry(f, "eth0", "off", "eth0: not stepped: no [ethtool] rx_ring_budget of the "
		     "profile covers it");
}

/* No interface matches: one status entry that says so. */
static void test_no_interface(void **state)
{
	struct fixture *f = *state;
	struct json_object *all;

	strcpy(f->rule.interfaces, "ens*");
	interval(f, true, 120, 120);
	all = adaptive_json(&f->a);
	assert_int_equal(json_object_array_length(all), 1);
	assert_string_equal(json_at_str(json_object_array_get_idx(all, 0), "why", ""),
			    "no interface matches interfaces = ens*, drivers = ena");
	json_object_put(all);
}

/* Appends to STATE_DIR/NAME n lines of a change of boot (NULL: none) at mono_s (< 0: none). */
static void log_lines(struct fixture *f, const char *name, int n, const char *boot,
		      int64_t mono_s, const char *after)
{
	char path[PATH_MAX];
	FILE *fp;

	assert_int_equal(util_join(path, sizeof(path), "%s/%s", f->paths.state_dir, name), 0);
	fp = fopen(path, "a");
	assert_non_null(fp);
	for (int i = 0; i < n; i++) {
		fprintf(fp, "{\"at\":\"2026-12-07T10:00:00Z\",");
		if (boot)
			fprintf(fp, "\"boot_id\":\"%s\",", boot);
		if (mono_s >= 0)
			fprintf(fp, "\"mono_s\":%lld,", (long long)mono_s + i);
		fprintf(fp, "\"rule\":\"ena-rx-ring\",\"knob\":\"ethtool.rx_ring\",\"interface\":"
			"\"eth0\",\"action\":\"step\",\"before\":\"1024\",\"after\":\"%s\","
			"\"why\":\"from the log\"}\n", after);
	}
	fclose(fp);
}

/*
 * The hourly limit outlives the daemon: a daemon started again in the same
 * boot counts the last hour's changes of adaptive.log (a crash loop cannot
 * churn a dozen values per start), and holds its step.
 */
static void test_hourly_limit_after_restart(void **state)
{
	struct fixture *f = *state;
	int64_t now = (int64_t)(util_now_mono_ms() / 1000);

	log_lines(f, "adaptive.log.1", 4, BOOT_ID, now > 600 ? now - 600 : 0, "2048");
	log_lines(f, "adaptive.log", ADAPTIVE_MAX_PER_HOUR - 4, BOOT_ID, now > 60 ? now - 60 : 0,
		  "2048");
	interval(f, true, 120, 0);
	assert_int_equal(fake_nics[0].writes, 0);
	assert_entry(f, "eth0", "watching", "eth0: watching: RxOverruns at 2/s, but the host's "
		     "hourly limit of adaptive changes is reached");
}

/*
 * Changes of another boot, and lines of older versions (no boot id or no
 * monotonic time, which mean nothing after a restart), do not count.
 */
static void test_hourly_limit_this_boot_only(void **state)
{
	struct fixture *f = *state;
	int64_t now = (int64_t)(util_now_mono_ms() / 1000);

	log_lines(f, "adaptive.log", ADAPTIVE_MAX_PER_HOUR, OTHER_BOOT, now, "2048");
	log_lines(f, "adaptive.log", ADAPTIVE_MAX_PER_HOUR, NULL, now, "2048");
	log_lines(f, "adaptive.log", ADAPTIVE_MAX_PER_HOUR, BOOT_ID, -1, "2048");
	interval(f, true, 120, 0);
	assert_int_equal(fake_nics[0].rings.rx, 2048);
}

/* adaptive_log_recent(): this boot's lines since a time, the newest max, oldest first. */
static void test_log_recent(void **state)
{
	struct fixture *f = *state;
	uint64_t t[4];

	log_lines(f, "adaptive.log.1", 2, BOOT_ID, 100, "2048");        /* 100, 101 */
	log_lines(f, "adaptive.log.1", 1, OTHER_BOOT, 5000, "2048");
	log_lines(f, "adaptive.log", 3, BOOT_ID, 5000, "2048");         /* 5000 .. 5002 */
	log_lines(f, "adaptive.log", 1, BOOT_ID, 9000, "2048");
	assert_int_equal(adaptive_log_recent(&f->paths, BOOT_ID, 101, t, 4), 4);
	assert_int_equal(t[0], 5000);
	assert_int_equal(t[3], 9000);
	assert_int_equal(adaptive_log_recent(&f->paths, BOOT_ID, 0, t, 2), 2);
	assert_int_equal(t[0], 5002);
	assert_int_equal(t[1], 9000);
	assert_int_equal(adaptive_log_recent(&f->paths, BOOT_ID, 9001, t, 4), 0);
	assert_int_equal(adaptive_log_recent(&f->paths, "", 0, t, 4), 0);
}

/*
 * profiles explain's attribution (adaptive_log_in_force()): a value in
 * force is a rule's only when a change of this boot wrote it; a previous
 * boot's step to the same value says nothing of the value now.
 */
static void test_in_force_this_boot_only(void **state)
{
	struct fixture *f = *state;
	struct tune_report_item item = { .id = "ethtool:eth0:rx_ring", .expected = "2048",
					 .changed = true };
	struct tune_report verify = { .boot_id = BOOT_ID, .n = 1, .items = &item };
	struct json_object *in_force;

	log_lines(f, "adaptive.log", 1, OTHER_BOOT, 10, "2048");
	in_force = adaptive_log_in_force(&f->paths, &verify);
	assert_int_equal(json_object_array_length(in_force), 0);
	json_object_put(in_force);

	log_lines(f, "adaptive.log", 1, BOOT_ID, 20, "2048");
	in_force = adaptive_log_in_force(&f->paths, &verify);
	assert_int_equal(json_object_array_length(in_force), 1);
	assert_string_equal(json_at_str(json_object_array_get_idx(in_force, 0), "rule", ""),
			    "ena-rx-ring");
	json_object_put(in_force);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_per_interface_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_take_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_advise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exclude_and_admin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_excluded_sysctl_rule_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_interface, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hourly_limit_after_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hourly_limit_this_boot_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_recent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_force_this_boot_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
