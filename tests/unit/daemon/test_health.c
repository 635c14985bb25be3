// SPDX-License-Identifier: GPL-2.0-only
/*
 * health: each area's figures (units in the key names), its verdict against
 * the thresholds of health.h, problems first, idle disks and quiet ENA
 * interfaces left out, the partial window at start; pressure: PSI's "some"
 * total parsed from /proc/pressure/cpu text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/status.h"
#include "core/jsonutil.h"
#include "cpu/pressure.h"
#include "daemon/health.h"

static const struct health_window full = { .span_s = 10, .interval_s = 10 };
static const struct health_tuning applied = { .ran = true, .changes = 7 };

/* The line of area (and entity, when given); NULL when absent. */
static struct json_object *line_of(struct json_object *h, const char *area, const char *entity)
{
	for (size_t i = 0; i < json_at_len(h, "lines"); i++) {
		struct json_object *l = json_object_array_get_idx(json_at(h, "lines"), i);

		if (!strcmp(json_at_str(l, "area", ""), area) &&
		    (!entity || !strcmp(json_at_str(l, "entity", ""), entity)))
			return l;
	}
	return NULL;
}

static void test_all_ok(void **unused)
{
	struct metric_set set;
	struct metric_entity *inst, *disk;
	struct json_object *h, *l;

	metric_set_init(&set, 1000, 10);
	inst = metric_set_entity(&set, ENTITY_INSTANCE, "");
	metric_add(inst, "RunqLatencyP50", UNIT_MICROSECONDS, 4);
	metric_add(inst, "RunqLatencyP99", UNIT_MICROSECONDS, 120);
	metric_add(inst, "RunqWaitPercent", UNIT_PERCENT, 1.5);
	metric_add(inst, "CPUUtilization", UNIT_PERCENT, 30);
	metric_add(inst, "StealPercent", UNIT_PERCENT, 0);
	metric_add(inst, "TcpRetransmits", UNIT_COUNT_PER_SECOND, 2);
	metric_add(inst, "TcpOutSegs", UNIT_COUNT_PER_SECOND, 10000);
	metric_add(inst, "TcpSrttP99", UNIT_MICROSECONDS, 800);
	metric_add(inst, "PacketDrops", UNIT_COUNT_PER_SECOND, 6);
	metric_add(inst, "PacketDropsNoSocket", UNIT_COUNT_PER_SECOND, 1);
	metric_add(inst, "PacketDropsTcpCsum", UNIT_COUNT_PER_SECOND, 5);
	disk = metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "nvme1n1");
	strcpy(disk->volume_id, "vol-0123");
	metric_add(disk, "ReadOps", UNIT_COUNT_PER_SECOND, 300);
	metric_add(disk, "ReadBytes", UNIT_BYTES_PER_SECOND, 300 * 4096);
	metric_add(disk, "ReadLatencyP50", UNIT_MICROSECONDS, 500);
	metric_add(disk, "ReadLatencyP99", UNIT_MICROSECONDS, 2000);
	metric_add(disk, "WriteOps", UNIT_COUNT_PER_SECOND, 0);
	/* An idle disk gets no line. */
	metric_add(metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "nvme2n1"), "ReadOps",
		   UNIT_COUNT_PER_SECOND, 0);
	h = health_json(&set, &full, &applied, NULL, 0);
	assert_string_equal(json_at_str(h, "verdict", ""), "ok");
	assert_false(json_at_bool(h, "window.partial"));
	l = line_of(h, "disk", "nvme1n1");
	assert_non_null(l);
	assert_string_equal(json_at_str(l, "volume_id", ""), "vol-0123");
	assert_true(json_at_double(l, "read_iops") == 300);
	assert_true(json_at_double(l, "read_bytes_per_s") == 300 * 4096);
	assert_true(json_at_double(l, "read_p99_us") == 2000);
	assert_null(line_of(h, "disk", "nvme2n1"));
	l = line_of(h, "tcp", NULL);
	assert_true(json_at_double(l, "retransmit_pct") == 0.02);
	assert_true(json_at_double(l, "rtt_p99_us") == 800);
	assert_string_equal(json_at_str(json_object_array_get_idx(json_at(l, "top_drop_reasons"),
								   0), "reason", ""), "TcpCsum");
	assert_true(json_at_double(line_of(h, "runqueue", NULL), "waited_pct") == 1.5);
	assert_true(json_at_int(line_of(h, "tuning", NULL), "knobs_applied") == 7);
	assert_string_equal(json_at_str(line_of(h, "cpu", NULL), "reason", ""),
			    "within thresholds");
	json_object_put(h);
	metric_set_free(&set);
}

static void test_problems_first(void **unused)
{
	struct metric_set set;
	struct metric_entity *inst, *eth;
	struct json_object *h, *first;
	struct health_tuning advise = { .ran = true, .advise = true, .changes = 3 };

	metric_set_init(&set, 1000, 10);
	inst = metric_set_entity(&set, ENTITY_INSTANCE, "");
	metric_add(inst, "CPUUtilization", UNIT_PERCENT, 10);
	metric_add(inst, "RunqLatencyP99", UNIT_MICROSECONDS, 2500);
	metric_add(inst, "TcpRetransmits", UNIT_COUNT_PER_SECOND, 50);
	metric_add(inst, "TcpOutSegs", UNIT_COUNT_PER_SECOND, 100);
	eth = metric_set_entity(&set, ENTITY_INTERFACE, "ens5");
	metric_add(eth, "BwOutAllowanceExceeded", UNIT_COUNT, 42);
	metric_add(eth, "PpsAllowanceExceeded", UNIT_COUNT, 0);
	/* A quiet interface gets no line. */
	metric_add(metric_set_entity(&set, ENTITY_INTERFACE, "ens6"), "BwOutAllowanceExceeded",
		   UNIT_COUNT, 0);
	/* device events: a Tx timeout is a reset, a missing completion only worth watching */
	eth = metric_set_entity(&set, ENTITY_INTERFACE, "ens7");
	metric_add(eth, "TxTimeouts", UNIT_COUNT, 1);
	metric_add(eth, "TxMissedCompletions", UNIT_COUNT, 3);
	metric_add(metric_set_entity(&set, ENTITY_INTERFACE, "ens8"), "TxMissedCompletions",
		   UNIT_COUNT, 2);
	h = health_json(&set, &full, &advise, NULL, 0);
	assert_string_equal(json_at_str(h, "verdict", ""), "problem");
	first = json_object_array_get_idx(json_at(h, "lines"), 0);
	assert_string_equal(json_at_str(first, "verdict", ""), "problem");
	assert_string_equal(json_at_str(line_of(h, "tcp", NULL), "verdict", ""), "problem");
	assert_true(json_at_double(line_of(h, "tcp", NULL), "retransmit_pct") == 50);
	assert_string_equal(json_at_str(line_of(h, "ena", "ens5"), "verdict", ""), "problem");
	assert_non_null(strstr(json_at_str(line_of(h, "ena", "ens5"), "reason", ""),
			       "bandwidth allowance exceeded: the instance sent more"));
	assert_null(line_of(h, "ena", "ens6"));
	assert_string_equal(json_at_str(line_of(h, "ena", "ens7"), "verdict", ""), "problem");
	assert_non_null(strstr(json_at_str(line_of(h, "ena", "ens7"), "reason", ""),
			       "transmit timeouts: the driver reset the device; see dmesg and keep "
			       "the driver current (1 in the interval)"));
	assert_true(json_at_int(line_of(h, "ena", "ens7"), "tx_missed_completions") == 3);
	/* As text: the counters that moved, not "allowance counters" for a reset. */
	{
		char *text = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&text, &len);

		status_print_health(h, out);
		fclose(out);
		assert_non_null(strstr(text, "ens7: 1 Tx timeouts, 3 missed Tx completions\n"));
		assert_non_null(strstr(text, "ens5:"));
		assert_null(strstr(text, "allowance counters moved"));
		free(text);
	}
	assert_string_equal(json_at_str(line_of(h, "ena", "ens8"), "verdict", ""), "watch");
	assert_string_equal(json_at_str(line_of(h, "runqueue", NULL), "verdict", ""), "watch");
	assert_string_equal(json_at_str(line_of(h, "tuning", NULL), "verdict", ""), "watch");
	assert_true(json_at_int(line_of(h, "tuning", NULL), "changes_planned") == 3);
	/* ok lines after the others */
	assert_string_equal(json_at_str(json_object_array_get_idx(json_at(h, "lines"),
		json_at_len(h, "lines") - 1), "verdict", ""), "ok");
	json_object_put(h);
	metric_set_free(&set);
}

static void test_partial_window(void **unused)
{
	struct metric_set set;
	struct health_window first = { .span_s = 0.2, .interval_s = 10, .first = true };
	struct json_object *h;

	h = health_json(NULL, &full, &applied, NULL, 0);
	assert_true(json_at_bool(h, "window.partial"));
	assert_string_equal(json_at_str(h, "window.note", ""), "no interval collected yet: "
			    "the first ends one interval after the agent started");
	/* nothing measured: not "ok" */
	assert_string_equal(json_at_str(h, "verdict", ""), "unknown");
	json_object_put(h);
	metric_set_init(&set, 1000, 10);
	metric_set_entity(&set, ENTITY_INSTANCE, "");
	h = health_json(&set, &first, &applied, NULL, 0);
	assert_true(json_at_bool(h, "window.partial"));
	assert_true(json_at_double(h, "window.span_s") == 0.2);
	json_object_put(h);
	metric_set_free(&set);
}

/*
 * Probes that do not run: health is not "ok" for what they measure. One that
 * failed is a watch line; one disabled in the configuration is named only.
 */
static void test_probes_not_running(void **unused)
{
	static const struct probe_status probes[] = {
		{ .name = "sched", .state = PROBE_NOT_RUNNING,
		  .reason = "BPF not permitted (needs CAP_BPF and CAP_PERFMON, or root)" },
		{ .name = "block", .state = PROBE_DISABLED },
		{ .name = "tcp", .state = PROBE_RUNNING },
	};
	struct metric_set set;
	struct json_object *h, *l;

	metric_set_init(&set, 1000, 10);
	metric_add(metric_set_entity(&set, ENTITY_INSTANCE, ""), "CPUUtilization", UNIT_PERCENT,
		   30);
	h = health_json(&set, &full, &applied, probes, 3);
	assert_string_equal(json_at_str(h, "verdict", ""), "watch");
	l = line_of(h, "probe", "sched");
	assert_string_equal(json_at_str(l, "verdict", ""), "watch");
	assert_string_equal(json_at_str(l, "reason", ""), "run-queue latency: not measured, "
			    "the sched probe does not run (BPF not permitted (needs CAP_BPF and "
			    "CAP_PERFMON, or root))");
	assert_int_equal(json_at_len(h, "not_judged"), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
		json_at(h, "not_judged"), 0)), "disk latency and queue time (the block probe is "
		"disabled in the configuration)");
	json_object_put(h);
	/* before the first interval, what is already wrong is said all the same */
	h = health_json(NULL, &full, &applied, probes, 3);
	assert_string_equal(json_at_str(h, "verdict", ""), "watch");
	json_object_put(h);
	/* all running: nothing said */
	h = health_json(&set, &full, &applied, probes + 2, 1);
	assert_string_equal(json_at_str(h, "verdict", ""), "ok");
	assert_int_equal(json_at_len(h, "not_judged"), 0);
	json_object_put(h);
	metric_set_free(&set);
}

static void test_pressure_parse(void **unused)
{
	uint64_t us = 0;

	assert_int_equal(pressure_parse_some("some avg10=1.00 avg60=0.50 avg300=0.10 "
					     "total=123456\nfull avg10=0.00 avg60=0.00 "
					     "avg300=0.00 total=9\n", &us), 0);
	assert_true(us == 123456);
	assert_int_equal(pressure_parse_some("full avg10=0.00 total=9\n", &us), -EINVAL);
	assert_int_equal(pressure_parse_some("some avg10=1.00\nfull total=9\n", &us), -EINVAL);
}

/* Tuning that failed: in apply mode still "apply", and whether earlier knobs remain. */
static void test_tuning_failed(void **unused)
{
	struct health_tuning failed = { .ran = false, .error = "compute.conf:17: bad line" };
	struct json_object *h, *l;

	h = health_json(NULL, &full, &failed, NULL, 0);
	l = line_of(h, "tuning", NULL);
	assert_non_null(l);
	assert_string_equal(json_at_str(l, "mode", ""), "apply");
	assert_string_equal(json_at_str(l, "verdict", ""), "problem");
	assert_string_equal(json_at_str(l, "reason", ""),
			    "tuning failed: compute.conf:17: bad line; nothing is tuned");
	json_object_put(h);
	failed.journal = true;
	failed.advise = true;
	h = health_json(NULL, &full, &failed, NULL, 0);
	l = line_of(h, "tuning", NULL);
	assert_string_equal(json_at_str(l, "mode", ""), "advise");
	assert_non_null(strstr(json_at_str(l, "reason", ""),
			       "; the knobs applied earlier in this boot stay as they are"));
	json_object_put(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_ok),
		cmocka_unit_test(test_problems_first),
		cmocka_unit_test(test_tuning_failed),
		cmocka_unit_test(test_partial_window),
		cmocka_unit_test(test_pressure_parse),
		cmocka_unit_test(test_probes_not_running),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
