// SPDX-License-Identifier: GPL-2.0-only
/*
 * cpushare: the hour window of on-CPU time by cgroup and process name
 * (exact sums, the minute buckets expiring, pairs forgotten), its bounds
 * (the "other" bucket once the table is full), rankings and their JSON;
 * cgroupname: the cgroup2 mount found in mountinfo, and (as root) ids
 * turned into paths for real.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probes/cgroupname.h"
#include "cpu/cpushare.h"

#define MIN_MS 60000ULL
#define SEC_NS 1000000000ULL
/* An arbitrary monotonic start, not on a minute boundary. */
#define T0 (7 * 3600 * 1000ULL + 12345)

static void test_sums_and_rankings(void **unused)
{
	struct cpushare *s = cpushare_new();
	struct cpushare_group top[4];
	struct cpushare_totals t;
	size_t n;

	cpushare_add(s, T0, "/system.slice/nginx.service", "nginx", 6 * SEC_NS);
	cpushare_add(s, T0 + 1000, "/system.slice/nginx.service", "nginx-worker", 3 * SEC_NS);
	cpushare_add(s, T0 + 2000, "/system.slice/cron.service", "nginx", 1 * SEC_NS);
	cpushare_add(s, T0 + 3000, "/", "kworker/0:1", 2 * SEC_NS);
	cpushare_add_other(s, T0 + 3000, 3 * SEC_NS);

	n = cpushare_top(s, T0 + 4000, CPUSHARE_BY_CGROUP, top, 4, &t);
	assert_int_equal(n, 3);
	assert_string_equal(top[0].name, "/system.slice/nginx.service");
	assert_int_equal(top[0].ns, 9 * SEC_NS);
	assert_string_equal(top[1].name, "/");
	assert_int_equal(top[1].ns, 2 * SEC_NS);
	assert_string_equal(top[2].name, "/system.slice/cron.service");
	assert_int_equal(t.ns, 15 * SEC_NS);
	assert_int_equal(t.other_ns, 3 * SEC_NS);
	assert_int_equal(t.window_ms, 4000);

	n = cpushare_top(s, T0 + 4000, CPUSHARE_BY_PROCESS, top, 2, NULL);
	assert_int_equal(n, 2);
	assert_string_equal(top[0].name, "nginx");
	assert_int_equal(top[0].ns, 7 * SEC_NS);
	assert_string_equal(top[1].name, "nginx-worker");
	cpushare_free(s);
}

static void test_window_expires(void **unused)
{
	struct cpushare *s = cpushare_new();
	struct cpushare_group top[2];
	struct cpushare_totals t;

	/* One second in each of the first 30 minutes, then only b. */
	for (int m = 0; m < 30; m++)
		cpushare_add(s, T0 + m * MIN_MS, "/a", "a", SEC_NS);
	cpushare_add(s, T0 + 70 * MIN_MS, "/b", "b", SEC_NS);
	cpushare_top(s, T0 + 70 * MIN_MS, CPUSHARE_BY_CGROUP, top, 2, &t);
	/* Minutes 0..10 fell out of the hour (70 - 59 = 11 is the oldest kept). */
	assert_int_equal(t.ns, (19 + 1) * SEC_NS);
	assert_true(t.window_ms > 59 * MIN_MS && t.window_ms <= 60 * MIN_MS);

	/* Two hours later only b's last minute is left, then nothing. */
	cpushare_add(s, T0 + 130 * MIN_MS, "/b", "b", SEC_NS);
	assert_int_equal(cpushare_top(s, T0 + 130 * MIN_MS, CPUSHARE_BY_CGROUP, top, 2, &t), 1);
	assert_string_equal(top[0].name, "/b");
	assert_int_equal(t.ns, SEC_NS);
	assert_int_equal(cpushare_top(s, T0 + 200 * MIN_MS, CPUSHARE_BY_CGROUP, top, 2, &t), 0);
	assert_int_equal(t.ns, 0);
	cpushare_free(s);
}

static void test_full_table_goes_to_other(void **unused)
{
	struct cpushare *s = cpushare_new();
	struct cpushare_group top[1];
	struct cpushare_totals t;
	char comm[16];

	for (int i = 0; i < CPUSHARE_MAX_PAIRS + 100; i++) {
		snprintf(comm, sizeof(comm), "p%d", i);
		cpushare_add(s, T0, "/", comm, 1000);
	}
	/* A pair already in the table still adds up. */
	cpushare_add(s, T0, "/", "p0", 5000);
	cpushare_top(s, T0, CPUSHARE_BY_PROCESS, top, 1, &t);
	assert_string_equal(top[0].name, "p0");
	assert_int_equal(top[0].ns, 6000);
	assert_int_equal(t.other_ns, 100 * 1000);
	assert_int_equal(t.ns, (CPUSHARE_MAX_PAIRS + 100) * 1000ULL + 5000);

	/* An hour later the table has room again. */
	cpushare_add(s, T0 + 61 * MIN_MS, "/", "late", 1000);
	cpushare_top(s, T0 + 61 * MIN_MS, CPUSHARE_BY_PROCESS, top, 1, &t);
	assert_string_equal(top[0].name, "late");
	assert_int_equal(t.other_ns, 0);
	cpushare_free(s);
}

static void test_names_made_printable(void **unused)
{
	struct cpushare *s = cpushare_new();
	struct cpushare_group top[1];

	cpushare_add(s, T0, "/evil\n\x1b[2Jdir", "a\tb\x7f", SEC_NS);
	cpushare_top(s, T0, CPUSHARE_BY_CGROUP, top, 1, NULL);
	assert_string_equal(top[0].name, "/evil??[2Jdir");
	cpushare_top(s, T0, CPUSHARE_BY_PROCESS, top, 1, NULL);
	assert_string_equal(top[0].name, "a?b?");
	assert_string_equal(cpushare_cgroup_name("/system.slice/nginx.service"), "nginx.service");
	assert_string_equal(cpushare_cgroup_name("/"), "/");
	cpushare_free(s);
}

static double num(struct json_object *o, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_double(v);
}

static void test_json(void **unused)
{
	struct cpushare *s = cpushare_new();
	struct json_object *o, *by, *top, *v;

	assert_null(cpushare_json(s, T0, true));
	cpushare_add(s, T0, "/system.slice/nginx.service", "nginx", 93 * SEC_NS);
	cpushare_add(s, T0, "/", "bash", 57 * SEC_NS);
	o = cpushare_json(s, T0 + 10000, true);
	assert_non_null(o);
	assert_true(num(o, "cpu_s") == 150);
	assert_true(num(o, "credits") == 2.5);
	assert_true(num(o, "window_s") == 10);
	assert_true(json_object_object_get_ex(o, "by_cgroup", &by));
	top = json_object_array_get_idx(by, 0);
	assert_true(json_object_object_get_ex(top, "name", &v));
	assert_string_equal(json_object_get_string(v), "nginx.service");
	assert_true(num(top, "share_pct") == 62);
	assert_true(num(top, "credits") == 1.55);
	json_object_put(o);

	/* Without cgroups: no cgroup ranking, the note says why; no credits. */
	cpushare_set_note(s, "no cgroup v2 hierarchy is mounted");
	o = cpushare_json(s, T0 + 10000, false);
	assert_true(json_object_object_get_ex(o, "by_cgroup", &by));
	assert_null(by);
	assert_false(json_object_object_get_ex(o, "credits", &v));
	assert_true(json_object_object_get_ex(o, "note", &v));
	assert_string_equal(json_object_get_string(v), "no cgroup v2 hierarchy is mounted");
	json_object_put(o);
	cpushare_free(s);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_mountinfo(void **unused)
{
	char path[] = "/tmp/perfagent-mountinfo.XXXXXX";
	struct cgroup_names c;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	/* cgroup v1 only: no names, and a note that says so. */
	write_file(path, "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
			 "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n");
	assert_int_equal(cgroup_names_open(&c, path), -ENOENT);
	assert_non_null(strstr(c.note, "cgroup v1"));
	assert_null(cgroup_names_get(&c, 1));
	cgroup_names_close(&c);
	/* Hybrid: the cgroup2 line wins whatever comes before it. */
	write_file(path, "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
			 "41 31 0:38 / /tmp rw,nosuid shared:9 - cgroup2 cgroup2 rw\n");
	assert_int_equal(cgroup_names_open(&c, path), 0);
	assert_string_equal(c.mount, "/tmp");
	cgroup_names_close(&c);
	unlink(path);
}

/* As root, on this machine's cgroup2 mount: a new cgroup's id to its path. */
static void test_real_cgroup(void **unused)
{
	struct cgroup_names c;
	char dir[512];
	struct stat st;

	if (geteuid() != 0 || cgroup_names_open(&c, NULL) != 0) {
		cgroup_names_close(&c);
		print_message("skipped: %s\n", geteuid() ? "not root" :
			      "the cgroup2 tree cannot be opened here");
		skip();
	}
	snprintf(dir, sizeof(dir), "%s/perfagent-unit-%d", c.mount, getpid());
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_string_equal(cgroup_names_get(&c, 1), "/");
	char want[64];

	snprintf(want, sizeof(want), "/perfagent-unit-%d", getpid());
	assert_string_equal(cgroup_names_get(&c, st.st_ino), want);
	/* Cached: still answered once the cgroup is gone. */
	rmdir(dir);
	assert_string_equal(cgroup_names_get(&c, st.st_ino), want);
	/* An id that never existed. */
	assert_string_equal(cgroup_names_get(&c, 0x7fffffffffffULL), "cgroup 140737488355327");
	cgroup_names_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sums_and_rankings),
		cmocka_unit_test(test_window_expires),
		cmocka_unit_test(test_full_table_goes_to_other),
		cmocka_unit_test(test_names_made_printable),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_real_cgroup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
