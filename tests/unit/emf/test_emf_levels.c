// SPDX-License-Identifier: GPL-2.0-only
/*
 * What goes to CloudWatch: distributions as Values/Counts, metrics_level
 * (basic, detailed, custom with include/exclude globs, names checked with a
 * did-you-mean), a disk's instance-wide latencies in their own directive,
 * and the custom-metric count and price of the documents,
 * on the reference host of the catalogue (2 ENA interfaces, 4 EBS volumes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "emf/cost.h"
#include "emf/distribution.h"
#include "emf/emf.h"
#include "emf/metric_level.h"

#define TS 1767225600123ULL

static void encoder(struct emf_encoder *e, const struct metric_filter *f)
{
	const struct emf_opts opts = { .namespace = "PerfAgent", .log_group = "/perfagent/metrics",
				       .filter = f };
	struct identity ident;

	memset(&ident, 0, sizeof(ident));
	strcpy(ident.instance_id, "i-0abc123def4567890");
	strcpy(ident.instance_type, "m7i.large");
	strcpy(ident.auto_scaling_group, "web");
	emf_encoder_init(e, &opts, &ident);
}

static struct metric_dist three_values(void)
{
	struct metric_dist d = { .n = 3, .values = { 10, 20.5, 40 }, .counts = { 5, 3, 1 },
				 .count = 9, .sum = 151.5, .min = 10, .max = 41 };

	return d;
}

struct docs {
	int n;
	struct json_object *json[16];
};

static int keep(void *ctx, const char *doc, size_t len)
{
	struct docs *o = ctx;

	assert_true(o->n < 16);
	o->json[o->n] = json_tokener_parse(doc);
	assert_non_null(o->json[o->n]);
	o->n++;
	return 0;
}

static void docs_free(struct docs *o)
{
	for (int i = 0; i < o->n; i++)
		json_object_put(o->json[i]);
	memset(o, 0, sizeof(*o));
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no member %s", key);
	return v;
}

static void test_distribution_json(void **state)
{
	struct metric_dist d = three_values();
	struct json_object *o = emf_dist_json(&d), *values, *counts;

	assert_true(emf_dist_ok(&d));
	values = member(o, "Values");
	counts = member(o, "Counts");
	assert_int_equal(json_object_array_length(values), 3);
	assert_int_equal(json_object_array_length(counts), 3);
	assert_true(json_object_get_double(json_object_array_get_idx(values, 1)) == 20.5);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(counts, 0)), 5);
	assert_true(json_object_get_double(member(o, "Sum")) == 151.5);
	assert_int_equal(json_object_get_int(member(o, "Count")), 9);
	/* The exact extremes, not the representative values' (41 is above 40). */
	assert_true(json_object_get_double(member(o, "Min")) == 10);
	assert_true(json_object_get_double(member(o, "Max")) == 41);
	assert_string_equal(json_object_to_json_string_ext(values, JSON_C_TO_STRING_PLAIN),
			    "[10,20.5,40]");
	json_object_put(o);

	/* What EMF refuses is not sent. */
	d.counts[2] = 0;
	assert_false(emf_dist_ok(&d));
	d = three_values();
	d.values[0] = NAN;
	assert_false(emf_dist_ok(&d));
	d = three_values();
	d.n = 0;
	assert_false(emf_dist_ok(&d));
	d.n = METRIC_DIST_MAX + 1;
	assert_false(emf_dist_ok(&d));
}

/* A distribution in a document: the metric's root member is the object. */
static void test_distribution_in_document(void **state)
{
	struct metric_filter detailed = { .level = METRIC_LEVEL_DETAILED };
	struct metric_dist d = three_values();
	struct emf_encoder e;
	struct metric_set set;
	struct metric_entity *inst;
	struct docs o = { 0 };
	double v;

	encoder(&e, &detailed);
	metric_set_init(&set, TS, 60);
	inst = metric_set_entity(&set, ENTITY_INSTANCE, "");
	assert_int_equal(metric_add_dist(inst, "RunqLatency", UNIT_MICROSECONDS, &d), 0);
	assert_true(metric_find(inst, "RunqLatency", &v) && v == 151.5 / 9);
	assert_int_equal(emf_encode(&e, &set, keep, &o), 1);
	assert_int_equal(json_object_array_length(member(member(o.json[0], "RunqLatency"),
							 "Values")), 3);
	docs_free(&o);

	/* One refused distribution is left out and counted, the rest goes. */
	d.counts[0] = -1;
	metric_add_dist(inst, "TcpSrtt", UNIT_MICROSECONDS, &d);
	assert_int_equal(emf_encode(&e, &set, keep, &o), 1);
	assert_false(json_object_object_get_ex(o.json[0], "TcpSrtt", NULL));
	assert_int_equal(e.dropped_nonfinite, 1);
	docs_free(&o);
	metric_set_free(&set);
}

/* 15 full distributions (a busy device) go in documents under the size limit. */
static void test_many_distributions_split(void **state)
{
	struct metric_filter detailed = { .level = METRIC_LEVEL_DETAILED };
	static struct metric_dist d;
	struct emf_encoder e;
	struct metric_set set;
	struct metric_entity *dev;
	struct docs o = { 0 };
	char name[32];

	d.n = METRIC_DIST_MAX;
	for (size_t i = 0; i < d.n; i++) {
		d.values[i] = 123456.78901234567 * (i + 1);
		d.counts[i] = 1234567 + i;
		d.count += d.counts[i];
	}
	d.sum = 1e15, d.min = d.values[0], d.max = d.values[d.n - 1];
	encoder(&e, &detailed);
	metric_set_init(&set, TS, 60);
	dev = metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "nvme1n1");
	for (int i = 0; i < 15; i++) {
		snprintf(name, sizeof(name), "Op%dLatency", i);
		metric_add_dist(dev, name, UNIT_MICROSECONDS, &d);
	}
	assert_int_equal(emf_encode(&e, &set, keep, &o), 2);
	assert_int_equal(e.dropped_invalid, 0);
	docs_free(&o);
	metric_set_free(&set);
}

static void test_levels(void **state)
{
	struct metric_filter f = { .level = METRIC_LEVEL_BASIC };
	enum metric_level l;

	assert_true(metric_filter_sends(&f, "RunqLatency"));
	assert_true(metric_filter_sends(&f, "ReadLatency"));
	assert_true(metric_filter_sends(&f, "VolumeLimitExceeded"));
	assert_true(metric_filter_sends(&f, "EbsInstanceLimitExceeded"));
	assert_false(metric_filter_sends(&f, "VolumeIopsExceeded"));
	assert_false(metric_filter_sends(&f, "VolumeQueueLength"));
	assert_false(metric_filter_per_device(&f, "ReadLatency"));
	assert_true(metric_filter_per_device(&f, "VolumeLimitExceeded"));
	assert_false(metric_filter_sends(&f, "RunqLatencyP99"));
	assert_false(metric_filter_sends(&f, "ContextSwitches"));
	f.level = METRIC_LEVEL_DETAILED;
	assert_true(metric_filter_per_device(&f, "ReadLatency"));
	assert_true(metric_filter_sends(&f, "RunqLatencyP99"));
	assert_true(metric_filter_sends(&f, "AnythingNew"));

	/* custom: every metric by default, less the excluded ones */
	f.level = METRIC_LEVEL_CUSTOM;
	assert_int_equal(metric_filter_add_globs(f.exclude, &f.n_exclude, "*P999, *Max", NULL,
						 0), 0);
	assert_true(metric_filter_sends(&f, "RunqLatencyP99"));
	assert_false(metric_filter_sends(&f, "RunqLatencyP999"));
	assert_false(metric_filter_sends(&f, "TcpSrttMax"));
	assert_int_equal(metric_filter_add_globs(f.include, &f.n_include, "Tcp*", NULL, 0), 0);
	assert_int_equal(metric_filter_add_globs(f.include, &f.n_include, "ReadLatency", NULL,
						 0), 0);
	assert_true(metric_filter_sends(&f, "TcpRetransmits"));
	assert_true(metric_filter_sends(&f, "ReadLatency"));
	assert_false(metric_filter_sends(&f, "RunqLatency"));
	assert_false(metric_filter_sends(&f, "TcpSrttMax"));
	/* An empty value clears the list. */
	assert_int_equal(metric_filter_add_globs(f.include, &f.n_include, "", NULL, 0), 0);
	assert_true(metric_filter_sends(&f, "RunqLatency"));

	assert_int_equal(metric_level_parse("detailed", &l), 0);
	assert_int_equal(l, METRIC_LEVEL_DETAILED);
	assert_int_equal(metric_level_parse("Basic", &l), -EINVAL);
	assert_string_equal(metric_level_name(METRIC_LEVEL_CUSTOM), "custom");
}

static void test_glob_errors(void **state)
{
	char list[METRIC_FILTER_MAX_GLOBS][METRIC_GLOB_MAX];
	char err[256] = "";
	int n = 0;

	assert_int_equal(metric_filter_add_globs(list, &n, "RunqLatencyP99, Device*LatencyP99, "
						 "PacketDropsNoSocket, WriteQueueTimeMax", err,
						 sizeof(err)), 0);
	assert_int_equal(n, 4);
	assert_int_equal(metric_filter_add_globs(list, &n, "RunqLatncy", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "'RunqLatncy' matches no metric; did you mean 'RunqLatency'?");
	assert_int_equal(metric_filter_add_globs(list, &n, "Zzz*", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "'Zzz*' matches no metric of the catalogue");
	assert_int_equal(n, 4);
}

/* The reference host of the catalogue: m7i.large, 2 ENA interfaces, 4 EBS volumes. */
static void reference_host(struct metric_set *set, bool burstable)
{
	static const char *const inst[] = {
		"ContextSwitches", "RunqLatency", "RunqLatencyP50", "RunqLatencyP90",
		"RunqLatencyP99", "RunqLatencyP999", "RunqLatencyMax", "RunqWaitPercent",
		"StealPercent", "CPUUtilization", "TcpRetransmits", "TcpListenOverflows",
		"PacketDrops", "PacketDropsNoSocket", "SinkDocumentsDropped", "SinkDocumentsSent",
		"TcpSrtt", "TcpSrttP99", "TuningKnobsDrifted", "TuningKnobsApplied",
		"EbsInstanceLimitExceeded",
	};
	static const char *const ifm[] = {
		"RxPackets", "TxPackets", "BwInAllowanceExceeded", "BwOutAllowanceExceeded",
		"PpsAllowanceExceeded", "ConntrackAllowanceExceeded", "LinklocalAllowanceExceeded",
	};
	static const char *const devm[] = {
		"ReadOps", "WriteOps", "ReadLatency", "WriteLatency", "ReadLatencyP99",
		"WriteLatencyP99", "VolumeIopsExceeded", "VolumeLimitExceeded",
	};
	struct metric_dist d = three_values();
	struct metric_entity *e;
	char name[16];

	metric_set_init(set, TS, 60);
	e = metric_set_entity(set, ENTITY_INSTANCE, "");
	for (size_t i = 0; i < sizeof(inst) / sizeof(inst[0]); i++)
		metric_add(e, inst[i], UNIT_COUNT, 1);
	if (burstable) {
		metric_add(e, "CPUCreditBalanceEstimate", UNIT_COUNT, 100);
		metric_add(e, "CPUThrottled", UNIT_NONE, 0);
		metric_add(e, "CPUCreditsSpent", UNIT_COUNT, 1);
	}
	for (int i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "ens%d", 5 + i);
		e = metric_set_entity(set, ENTITY_INTERFACE, name);
		for (size_t j = 0; j < sizeof(ifm) / sizeof(ifm[0]); j++)
			metric_add(e, ifm[j], UNIT_COUNT, 0);
	}
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "nvme%dn1", i);
		e = metric_set_entity(set, ENTITY_BLOCK_DEVICE, name);
		snprintf(e->volume_id, sizeof(e->volume_id), "vol-0%d", i);
		for (size_t j = 0; j < sizeof(devm) / sizeof(devm[0]); j++) {
			if (strstr(devm[j], "Latency") && !strstr(devm[j], "P99"))
				metric_add_dist(e, devm[j], UNIT_MICROSECONDS, &d);
			else
				metric_add(e, devm[j], UNIT_COUNT, 1);
		}
	}
}

/* The metrics of one dimension set's names in c, 0 when none. */
static int64_t with_dims(const struct emf_cost *c, const char *names)
{
	struct json_object *n = NULL;

	json_object_object_get_ex(c->by_dimensions, names, &n);
	return json_object_get_int64(n);
}

static size_t count_at(enum metric_level level, bool burstable, size_t *rollups,
		       struct emf_cost *c)
{
	struct metric_filter f = { .level = level };
	struct emf_encoder e;
	struct metric_set set;
	size_t n;

	encoder(&e, &f);
	reference_host(&set, burstable);
	assert_int_equal(emf_cost_init(c), 0);
	assert_true(emf_encode(&e, &set, emf_cost_add_doc, c) > 0);
	/* Twice: the same metrics again are no new custom metrics. */
	assert_true(emf_encode(&e, &set, emf_cost_add_doc, c) > 0);
	n = c->metrics;
	*rollups = c->rollups;
	assert_int_equal(c->bad_documents, 0);
	metric_set_free(&set);
	return n;
}

/*
 * The catalogue's count: 8 + 3 + 2 x 4 + 4 x 1 = 23 at basic, 25 on a
 * burstable type, per instance: the 4 disks' ReadLatency, WriteLatency and
 * VolumeLimitExceeded are one metric each with the instance's dimensions
 * (VolumeLimitExceeded per volume too); the default dimension sets add the
 * instance's and the interfaces' metrics per Auto Scaling group and per
 * instance type, series the fleet shares, but not the volumes' (a volume
 * is one instance's: no series of it is shared).
 */
static void test_basic_count_on_reference_host(void **state)
{
	struct emf_cost c;
	size_t rollups;

	assert_int_equal(count_at(METRIC_LEVEL_BASIC, false, &rollups, &c), 23);
	assert_int_equal(rollups, 2 * (23 - 4));
	/* 8 instance metrics and the disks' three; the rest per device. */
	assert_int_equal(with_dims(&c, "InstanceId"), 8 + 3);
	assert_int_equal(with_dims(&c, "InstanceId,Interface"), 2 * 4);
	assert_int_equal(with_dims(&c, "InstanceId,VolumeId"), 4 * 1);
	assert_int_equal(with_dims(&c, "AutoScalingGroupName"), 8 + 3);
	assert_int_equal(with_dims(&c, "AutoScalingGroupName,Interface"), 2 * 4);
	assert_int_equal(with_dims(&c, "AutoScalingGroupName,VolumeId"), 0);
	assert_int_equal(with_dims(&c, "InstanceType,VolumeId"), 0);
	emf_cost_free(&c);
	assert_int_equal(count_at(METRIC_LEVEL_BASIC, true, &rollups, &c), 25);
	emf_cost_free(&c);
	/* detailed: every device metric per device, and the three once more. */
	assert_int_equal(count_at(METRIC_LEVEL_DETAILED, false, &rollups, &c),
			 21 + 3 + 2 * 7 + 4 * 8);
	assert_int_equal(with_dims(&c, "InstanceId,VolumeId"), 4 * 8);
	assert_int_equal(with_dims(&c, "AutoScalingGroupName,VolumeId"), 0);
	emf_cost_free(&c);
}

/* The directive of doc whose metrics name metric; NULL when none does. */
static struct json_object *directive_of(struct json_object *doc, const char *metric)
{
	struct json_object *dirs = member(member(doc, "_aws"), "CloudWatchMetrics");

	for (size_t i = 0; i < json_object_array_length(dirs); i++) {
		struct json_object *d = json_object_array_get_idx(dirs, i);
		struct json_object *m = member(d, "Metrics");

		for (size_t j = 0; j < json_object_array_length(m); j++)
			if (!strcmp(json_object_get_string(member(json_object_array_get_idx(m, j),
								  "Name")), metric))
				return d;
	}
	return NULL;
}

static const char *dims_of(struct json_object *dir)
{
	return json_object_to_json_string_ext(member(dir, "Dimensions"), JSON_C_TO_STRING_PLAIN);
}

/* How many directives of doc name metric. */
static int directives_naming(struct json_object *doc, const char *metric)
{
	struct json_object *dirs = member(member(doc, "_aws"), "CloudWatchMetrics");
	int n = 0;

	for (size_t i = 0; i < json_object_array_length(dirs); i++) {
		struct json_object *m = member(json_object_array_get_idx(dirs, i), "Metrics");

		for (size_t j = 0; j < json_object_array_length(m); j++)
			n += !strcmp(json_object_get_string(member(json_object_array_get_idx(m, j),
								   "Name")), metric);
	}
	return n;
}

/*
 * A disk's ReadLatency at basic: one directive with the instance's sets
 * alone; VolumeLimitExceeded in another, with VolumeId; the value once. At
 * detailed ReadLatency is in both. A disk with nothing per device at basic
 * has the instance's directive only (no empty one).
 */
static void test_instance_wide_directive(void **state)
{
	static const char inst_sets[] =
		"[[\"InstanceId\"],[\"AutoScalingGroupName\"],[\"InstanceType\"]]";
	/* A volume is one instance's: no roll-up by its id. */
	static const char vol_sets[] = "[[\"InstanceId\",\"VolumeId\"]]";
	struct metric_filter f = { .level = METRIC_LEVEL_BASIC };
	struct metric_dist d = three_values();
	struct metric_entity *dev;
	struct emf_encoder e;
	struct metric_set set;
	struct docs o = { 0 };

	encoder(&e, &f);
	metric_set_init(&set, TS, 60);
	dev = metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "nvme1n1");
	strcpy(dev->volume_id, "vol-01");
	metric_add_dist(dev, "ReadLatency", UNIT_MICROSECONDS, &d);
	metric_add(dev, "VolumeLimitExceeded", UNIT_PERCENT, 35);
	metric_add(dev, "ReadOps", UNIT_COUNT, 5);
	dev = metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "sda");
	metric_add_dist(dev, "WriteLatency", UNIT_MICROSECONDS, &d);
	assert_int_equal(emf_encode(&e, &set, keep, &o), 2);
	assert_int_equal(json_object_array_length(member(member(o.json[0], "_aws"),
							 "CloudWatchMetrics")), 2);
	assert_string_equal(dims_of(directive_of(o.json[0], "ReadLatency")), inst_sets);
	assert_int_equal(directives_naming(o.json[0], "ReadLatency"), 1);
	/* Per volume (first) and with the instance's sets. */
	assert_string_equal(dims_of(directive_of(o.json[0], "VolumeLimitExceeded")), vol_sets);
	assert_int_equal(directives_naming(o.json[0], "VolumeLimitExceeded"), 2);
	assert_null(directive_of(o.json[0], "ReadOps"));
	assert_false(json_object_object_get_ex(o.json[0], "ReadOps", NULL));
	assert_int_equal(json_object_array_length(member(member(o.json[0], "ReadLatency"),
							 "Values")), 3);
	/* The disk's name and id stay properties, for Logs Insights. */
	assert_string_equal(json_object_get_string(member(o.json[0], "Device")), "nvme1n1");
	assert_int_equal(json_object_array_length(member(member(o.json[1], "_aws"),
							 "CloudWatchMetrics")), 1);
	assert_string_equal(dims_of(directive_of(o.json[1], "WriteLatency")), inst_sets);
	docs_free(&o);

	f.level = METRIC_LEVEL_DETAILED;
	encoder(&e, &f);
	assert_int_equal(emf_encode(&e, &set, keep, &o), 2);
	assert_int_equal(directives_naming(o.json[0], "ReadLatency"), 2);
	assert_string_equal(dims_of(directive_of(o.json[0], "ReadOps")), vol_sets);
	assert_int_equal(json_object_array_length(member(directive_of(o.json[0], "ReadOps"),
							 "Metrics")), 3);
	docs_free(&o);
	metric_set_free(&set);
}

/* The same name with the same dimension values from several documents is one metric. */
static void test_cost_dedupes_instance_wide(void **state)
{
	struct metric_filter f = { .level = METRIC_LEVEL_BASIC };
	struct metric_dist d = three_values();
	const struct emf_opts opts = { .namespace = "PerfAgent", .log_group = "/g",
				       .filter = &f };
	struct emf_encoder e;
	struct metric_set set;
	struct identity ident;
	struct emf_cost c;
	char name[16];

	memset(&ident, 0, sizeof(ident));
	strcpy(ident.instance_id, "i-1");
	emf_encoder_init(&e, &opts, &ident);
	metric_set_init(&set, TS, 60);
	for (int i = 0; i < 4; i++) {
		struct metric_entity *dev;

		snprintf(name, sizeof(name), "nvme%dn1", i);
		dev = metric_set_entity(&set, ENTITY_BLOCK_DEVICE, name);
		metric_add_dist(dev, "ReadLatency", UNIT_MICROSECONDS, &d);
		metric_add_dist(dev, "WriteLatency", UNIT_MICROSECONDS, &d);
	}
	assert_int_equal(emf_cost_init(&c), 0);
	assert_int_equal(emf_encode(&e, &set, emf_cost_add_doc, &c), 4);
	assert_int_equal(c.documents, 4);
	assert_int_equal(c.metrics, 2);
	assert_int_equal(with_dims(&c, "InstanceId"), 2);
	emf_cost_free(&c);
	/* Per device at detailed: 2 per disk and the 2 of the instance. */
	f.level = METRIC_LEVEL_DETAILED;
	emf_encoder_configure(&e, &opts, &ident);
	assert_int_equal(emf_cost_init(&c), 0);
	assert_int_equal(emf_encode(&e, &set, emf_cost_add_doc, &c), 4);
	assert_int_equal(c.metrics, 2 + 4 * 2);
	assert_int_equal(with_dims(&c, "InstanceId,Device"), 4 * 2);
	emf_cost_free(&c);
	metric_set_free(&set);
}

/* A document with a dimension set without InstanceId counts as a roll-up. */
static void test_cost_rollups(void **state)
{
	static const char doc[] =
		"{\"_aws\":{\"Timestamp\":1,\"CloudWatchMetrics\":[{\"Namespace\":\"PerfAgent\","
		"\"Dimensions\":[[\"InstanceId\",\"InstanceType\"],[\"InstanceType\"]],"
		"\"Metrics\":[{\"Name\":\"A\"},{\"Name\":\"B\"}]}]},"
		"\"InstanceId\":\"i-1\",\"InstanceType\":\"m7i.large\",\"A\":1,\"B\":2}";
	struct emf_cost c;
	struct json_object *j;

	assert_int_equal(emf_cost_init(&c), 0);
	emf_cost_add_doc(&c, doc, strlen(doc));
	emf_cost_add_doc(&c, "not json", 8);
	assert_int_equal(c.metrics, 2);
	assert_int_equal(c.rollups, 2);
	assert_int_equal(c.bad_documents, 1);
	assert_int_equal(json_object_get_int(member(c.by_dimensions, "InstanceId,InstanceType")), 2);
	assert_int_equal(json_object_get_int(member(c.by_dimensions, "InstanceType")), 2);
	assert_true(fabs(emf_cost_usd(23) - 6.90) < 1e-9);
	j = emf_cost_json(&c, "basic");
	assert_string_equal(json_object_to_json_string_ext(member(j, "usd_per_month"),
							   JSON_C_TO_STRING_PLAIN), "0.60");
	json_object_put(j);
	emf_cost_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distribution_json),
		cmocka_unit_test(test_distribution_in_document),
		cmocka_unit_test(test_many_distributions_split),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_glob_errors),
		cmocka_unit_test(test_basic_count_on_reference_host),
		cmocka_unit_test(test_instance_wide_directive),
		cmocka_unit_test(test_cost_dedupes_instance_wide),
		cmocka_unit_test(test_cost_rollups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
