// SPDX-License-Identifier: GPL-2.0-only
/*
 * softnet.c: /proc/net/softnet_stat of three kernel generations
 * (tests/fixtures/softnet), per-CPU deltas with a wrap, a reset and CPUs
 * going and coming, the worst CPU, the metrics, and status' findings.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/jsonutil.h"
#include "core/util.h"
#include "net/softnet.h"

#define FIXTURES "tests/fixtures/softnet/"

static char *load(const char *file)
{
	char path[PATH_MAX], *text = NULL;

	snprintf(path, sizeof(path), FIXTURES "%s", file);
	assert_true(util_read_file(path, 1 << 20, &text) > 0);
	return text;
}

static void test_parse_formats(void **state)
{
	struct softnet_row row;

	/* 6.x: the 13th of 15 columns is the CPU */
	assert_int_equal(softnet_parse_line("00100000 00000004 0000000a 00000000 00000000 "
					    "00000000 00000000 00000000 00000000 00000000 "
					    "00000000 00000000 0000005f 00000000 00000000\n", 3,
					    &row), 0);
	assert_true(row.cpu_column);
	assert_int_equal(row.cpu, 95);
	assert_int_equal(row.dropped, 4);
	assert_int_equal(row.squeezed, 10);
	/* 4.14: 11 columns, the position stands for the CPU */
	assert_int_equal(softnet_parse_line("00001000 00000001 00000002 00000000 00000000 "
					    "00000000 00000000 00000000 00000000 00000000 "
					    "00000000", 6, &row), 0);
	assert_false(row.cpu_column);
	assert_int_equal(row.cpu, 6);
	/* bad: too few columns, not hex, wider than the kernel's unsigned int */
	assert_int_equal(softnet_parse_line("00000001 00000002\n", 0, &row), -EINVAL);
	assert_int_equal(softnet_parse_line("00000001 zz 00000003\n", 0, &row), -EINVAL);
	assert_int_equal(softnet_parse_line("00000001 100000000 00000003\n", 0, &row), -EINVAL);
	assert_int_equal(softnet_parse_line("", 0, &row), -EINVAL);
	/* a CPU number no kernel has */
	assert_int_equal(softnet_parse_line("1 2 3 0 0 0 0 0 0 0 0 0 10000\n", 0, &row), -EINVAL);
}

static void test_96_cpus(void **state)
{
	struct softnet_state s = { 0 };
	struct softnet_interval iv;
	char *a = load("softnet-6.x-96cpu-a.txt"), *b = load("softnet-6.x-96cpu-b.txt");
	struct metric_set set;
	struct metric_entity *e;

	assert_int_equal(softnet_update(&s, a, 60, &iv), 0);     /* the baselines */
	assert_int_equal(s.n, 96);
	assert_true(s.cpu_column);
	assert_false(s.have_interval);
	assert_int_equal(softnet_update(&s, b, 60, &iv), 1);
	assert_int_equal(iv.cpus, 96);
	/* 1204 + 3 + the wrap of CPU 50 (0xfffffff0 -> 0x10: 32) */
	assert_int_equal(iv.dropped, 1239);
	assert_int_equal(iv.worst_drop_cpu, 7);
	assert_int_equal(iv.worst_drop, 1204);
	assert_int_equal(iv.squeezed, 125);
	assert_int_equal(iv.worst_squeeze_cpu, 3);
	assert_int_equal(iv.worst_squeeze, 120);

	metric_set_init(&set, 0, 60);
	e = metric_set_entity(&set, ENTITY_INSTANCE, "");
	assert_non_null(e);
	assert_int_equal(softnet_add_metrics(&iv, e), 0);
	assert_int_equal(e->n, 4);
	for (size_t i = 0; i < e->n; i++) {
		if (!strcmp(e->metrics[i].name, "SoftnetDrops"))
			assert_float_equal(e->metrics[i].value, 1239 / 60.0, 1e-9);
		else if (!strcmp(e->metrics[i].name, "SoftnetDropsWorstCpu"))
			assert_float_equal(e->metrics[i].value, 1204 / 60.0, 1e-9);
		else if (!strcmp(e->metrics[i].name, "SoftnetTimeSqueezesWorstCpu"))
			assert_float_equal(e->metrics[i].value, 2.0, 1e-9);
		else
			assert_string_equal(e->metrics[i].name, "SoftnetTimeSqueezes");
	}
	metric_set_free(&set);

	/* the same text again: a quiet interval */
	assert_int_equal(softnet_update(&s, b, 60, &iv), 1);
	assert_int_equal(iv.dropped, 0);
	assert_int_equal(iv.worst_drop_cpu, -1);
	assert_int_equal(s.total_dropped, 1239);
	assert_int_equal(s.total_squeezed, 125);
	softnet_free(&s);
	free(a);
	free(b);
}

/* CPUs by their number: one going offline and coming back, not mixed up. */
static void test_cpus_come_and_go(void **state)
{
	struct softnet_state s = { 0 };
	struct softnet_interval iv;
	char *off = load("softnet-5.10-13col-offline.txt");
	const char *tail = "00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
			   "00000000 00000000";
	char text[1024];

	assert_int_equal(softnet_update(&s, off, 1, &iv), 0);
	assert_int_equal(s.n, 3);
	/* CPU 2 back online (baseline), CPU 3 dropped 5 more, CPU 1 was reset to 0 */
	snprintf(text, sizeof(text),
		 "000003e8 00000000 00000000 %s 00000000\n"
		 "000003e9 00000000 0000000a %s 00000001\n"
		 "000003ea 00000009 00000000 %s 00000002\n"
		 "000003eb 00000008 0000001e %s 00000003\n", tail, tail, tail, tail);
	assert_int_equal(softnet_update(&s, text, 1, &iv), 1);
	assert_int_equal(s.n, 4);
	assert_int_equal(iv.cpus, 3);           /* CPU 2 only has its baseline */
	assert_int_equal(iv.dropped, 5);        /* CPU 1's reset counts its new 0 */
	assert_int_equal(iv.worst_drop_cpu, 3);
	assert_int_equal(iv.squeezed, 0);
	/* CPU 0 gone: forgotten */
	snprintf(text, sizeof(text),
		 "000003e9 00000000 0000000a %s 00000001\n"
		 "000003ea 0000000b 00000000 %s 00000002\n"
		 "000003eb 00000008 0000001e %s 00000003\n", tail, tail, tail);
	assert_int_equal(softnet_update(&s, text, 1, &iv), 1);
	assert_int_equal(s.n, 3);
	assert_int_equal(iv.dropped, 2);
	assert_int_equal(iv.worst_drop_cpu, 2);
	/* a CPU listed twice: its first line counts */
	snprintf(text, sizeof(text),
		 "000003e9 00000000 0000000a %s 00000001\n"
		 "000003ea 0000000b 00000000 %s 00000002\n"
		 "000003eb 00000009 0000001e %s 00000003\n"
		 "000003eb 000000ff 0000001e %s 00000003\n", tail, tail, tail, tail);
	assert_int_equal(softnet_update(&s, text, 1, &iv), 1);
	assert_int_equal(s.n, 3);
	assert_int_equal(iv.dropped, 1);
	/* a torn text changes nothing */
	assert_int_equal(softnet_update(&s, "000003e9 0000\n", 1, &iv), -EINVAL);
	assert_int_equal(s.n, 3);
	softnet_free(&s);
	free(off);
}

static void test_old_format(void **state)
{
	struct softnet_state s = { 0 };
	struct softnet_interval iv;
	char *t = load("softnet-4.14-11col.txt");

	assert_int_equal(softnet_update(&s, t, 1, &iv), 0);
	assert_int_equal(s.n, 8);
	assert_false(s.cpu_column);
	assert_int_equal(s.cpus[7].cpu, 7);
	t[9] = 'f';     /* CPU 0's dropped: 0x0 -> 0xf0000000 */
	assert_int_equal(softnet_update(&s, t, 1, &iv), 1);
	assert_int_equal(iv.dropped, 0xf0000000ULL);
	assert_int_equal(iv.worst_drop_cpu, 0);
	softnet_free(&s);
	free(t);
}

static void test_status(void **state)
{
	struct softnet_state s = { 0 };
	struct softnet_interval iv;
	char *a = load("softnet-6.x-96cpu-a.txt"), *b = load("softnet-6.x-96cpu-b.txt");
	struct json_object *o;
	char *text = NULL;
	size_t len;
	FILE *mem;

	o = softnet_status_json(&s);
	assert_null(json_at(o, "dropped"));
	json_object_put(o);
	softnet_update(&s, a, 60, &iv);
	softnet_update(&s, b, 60, &iv);
	o = softnet_status_json(&s);
	assert_int_equal(json_at_int(o, "dropped"), 1239);
	assert_int_equal(json_at_int(o, "worst_drop_cpu"), 7);
	assert_int_equal(json_at_int(o, "worst_squeeze_cpu"), 3);
	assert_int_equal(json_at_len(o, "findings"), 2);
	mem = open_memstream(&text, &len);
	softnet_status_print(o, mem);
	fclose(mem);
	if (getenv("TEST_SOFTNET_SHOW"))
		fputs(text, stderr);
	assert_non_null(strstr(text, "softnet      1,239 packets dropped in the last interval, "
			       "1,204 of them on CPU 7: a CPU's input backlog was full"));
	assert_non_null(strstr(text, "ran out of budget 125 times in the last interval, 120 on "
			       "CPU 3"));
	assert_non_null(strstr(text, "netdev_budget_usecs"));
	free(text);
	json_object_put(o);

	softnet_update(&s, b, 60, &iv);
	o = softnet_status_json(&s);
	mem = open_memstream(&text, &len);
	softnet_status_print(o, mem);
	fclose(mem);
	assert_string_equal(text, "softnet      no drops or time squeezes on 96 CPUs in the last "
			    "interval (since start: 1,239 dropped, 125 squeezed)\n");
	free(text);
	json_object_put(o);
	softnet_free(&s);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_formats),
		cmocka_unit_test(test_96_cpus),
		cmocka_unit_test(test_cpus_come_and_go),
		cmocka_unit_test(test_old_format),
		cmocka_unit_test(test_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
