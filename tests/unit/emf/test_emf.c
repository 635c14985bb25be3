// SPDX-License-Identifier: GPL-2.0-only
/*
 * EMF encoder: document shape, splitting over 100 metrics, non-finite
 * values, odd interface and device names, metric names, value formatting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emf/emf.h"
#include "core/util.h"

#define TS 1767225600123ULL
#define MAX_DOCS 16

struct out {
	int n;
	char *docs[MAX_DOCS];
	struct json_object *json[MAX_DOCS];
};

static int collect(void *ctx, const char *doc, size_t len)
{
	struct out *o = ctx;

	assert_true(o->n < MAX_DOCS);
	assert_int_equal(strlen(doc), len);
	assert_null(memchr(doc, '\n', len));
	o->docs[o->n] = strdup(doc);
	o->json[o->n] = json_tokener_parse(doc);
	assert_non_null(o->json[o->n]);
	o->n++;
	return 0;
}

static void out_free(struct out *o)
{
	for (int i = 0; i < o->n; i++) {
		free(o->docs[i]);
		json_object_put(o->json[i]);
	}
	memset(o, 0, sizeof(*o));
}

/* The value at a dotted path ("_aws.Timestamp"); fails the test when absent. */
static struct json_object *at(struct json_object *o, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
		if (!json_object_object_get_ex(o, k, &o))
			fail_msg("no member %s in %s", k, path);
	}
	return o;
}

static bool has(struct json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

static struct json_object *directive(struct json_object *doc)
{
	struct json_object *d = at(doc, "_aws.CloudWatchMetrics");

	assert_int_equal(json_object_array_length(d), 1);
	return json_object_array_get_idx(d, 0);
}

static struct json_object *metric_defs(struct json_object *doc)
{
	return at(directive(doc), "Metrics");
}

static void encoder(struct emf_encoder *e, const char *id, const char *type)
{
	/* The config's defaults (test_config checks that they are these). */
	const struct emf_opts opts = { .namespace = "PerfAgent", .log_group = "/perfagent/metrics" };
	struct identity ident;

	memset(&ident, 0, sizeof(ident));
	snprintf(ident.instance_id, sizeof(ident.instance_id), "%s", id);
	snprintf(ident.instance_type, sizeof(ident.instance_type), "%s", type);
	emf_encoder_init(e, &opts, &ident);
}

static int encode(struct emf_encoder *e, const struct metric_set *set, struct out *o)
{
	return emf_encode(e, set, collect, o);
}

static void test_document_shape(void **state)
{
	struct emf_encoder e;
	struct metric_set set;
	struct metric_entity *inst;
	struct out o = { 0 };
	struct json_object *doc, *dims, *m0;

	encoder(&e, "i-0abc123def4567890", "c6in.large");
	metric_set_init(&set, TS, 10);
	inst = metric_set_entity(&set, ENTITY_INSTANCE, "");
	metric_add(inst, "ContextSwitchesPerSecond", UNIT_COUNT_PER_SECOND, 1234.5);
	metric_add(inst, "SinkBytesSent", UNIT_BYTES, 4096);
	assert_int_equal(encode(&e, &set, &o), 1);
	doc = o.json[0];

	assert_true(json_object_is_type(at(doc, "_aws.Timestamp"), json_type_int));
	assert_int_equal(json_object_get_int64(at(doc, "_aws.Timestamp")), TS);
	assert_string_equal(json_object_get_string(at(doc, "_aws.LogGroupName")),
			    "/perfagent/metrics");
	assert_string_equal(json_object_get_string(at(directive(doc), "Namespace")), "PerfAgent");
	/* The default sets but the group's, which this host does not know. */
	dims = at(directive(doc), "Dimensions");
	assert_string_equal(json_object_to_json_string(dims),
			    "[ [ \"InstanceId\" ], [ \"InstanceType\" ] ]");
	assert_string_equal(json_object_get_string(at(doc, "InstanceId")), "i-0abc123def4567890");
	assert_string_equal(json_object_get_string(at(doc, "InstanceType")), "c6in.large");
	m0 = json_object_array_get_idx(metric_defs(doc), 0);
	assert_string_equal(json_object_get_string(at(m0, "Name")), "ContextSwitchesPerSecond");
	assert_string_equal(json_object_get_string(at(m0, "Unit")), "Count/Second");
	/* Under a minute: high resolution. */
	assert_int_equal(json_object_get_int(at(m0, "StorageResolution")), 1);
	assert_true(json_object_get_double(at(doc, "ContextSwitchesPerSecond")) == 1234.5);
	assert_int_equal(json_object_get_int(at(doc, "PerfAgentSeq")), 1);
	assert_int_equal(strlen(json_object_get_string(at(doc, "PerfAgentRun"))), 16);
	assert_false(has(doc, "AutoScalingGroupName"));
	assert_false(has(doc, "ImageId"));
	/* Compact, and "/" left alone. */
	assert_null(strstr(o.docs[0], ": "));
	assert_null(strstr(o.docs[0], "\\/"));
	assert_non_null(strstr(o.docs[0], "\"Unit\":\"Bytes\""));
	out_free(&o);

	/* The sequence goes on across intervals, the run stays. */
	assert_int_equal(encode(&e, &set, &o), 1);
	assert_int_equal(json_object_get_int(at(o.json[0], "PerfAgentSeq")), 2);
	out_free(&o);
	metric_set_free(&set);
}

static void test_standard_resolution(void **state)
{
	struct emf_encoder e;
	struct metric_set set;
	struct out o = { 0 };

	encoder(&e, "i-1", "m5.large");
	metric_set_init(&set, TS, 60);
	metric_add(metric_set_entity(&set, ENTITY_INSTANCE, ""), "A", UNIT_COUNT, 1);
	assert_int_equal(encode(&e, &set, &o), 1);
	assert_false(has(json_object_array_get_idx(metric_defs(o.json[0]), 0),
			 "StorageResolution"));
	out_free(&o);
	metric_set_free(&set);
}

static void test_split_over_100(void **state)
{
	static const size_t sizes[] = { 100, 100, 50 };
	struct emf_encoder e;
	struct metric_set set;
	struct metric_entity *dev;
	struct out o = { 0 };
	bool seen[250] = { false };
	char name[32];

	encoder(&e, "i-1", "m5.large");
	metric_set_init(&set, TS, 1);
	dev = metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "nvme1n1");
	snprintf(dev->volume_id, sizeof(dev->volume_id), "vol-0123456789abcdef0");
	for (int i = 0; i < 250; i++) {
		snprintf(name, sizeof(name), "M%d", i);
		assert_int_equal(metric_add(dev, name, UNIT_COUNT, i), 0);
	}
	assert_int_equal(encode(&e, &set, &o), 3);
	for (int d = 0; d < 3; d++) {
		struct json_object *doc = o.json[d], *defs = metric_defs(doc);

		assert_int_equal(json_object_array_length(defs), sizes[d]);
		/* Every part is a whole document: dimensions, group, timestamp. */
		assert_string_equal(json_object_get_string(at(doc, "Device")), "nvme1n1");
		assert_string_equal(json_object_get_string(at(doc, "VolumeId")),
				    "vol-0123456789abcdef0");
		assert_string_equal(json_object_get_string(at(doc, "_aws.LogGroupName")),
				    "/perfagent/metrics");
		assert_int_equal(json_object_get_int64(at(doc, "_aws.Timestamp")), TS);
		assert_int_equal(json_object_get_int(at(doc, "PerfAgentSeq")), d + 1);
		for (size_t i = 0; i < sizes[d]; i++) {
			const char *n = json_object_get_string(
				at(json_object_array_get_idx(defs, i), "Name"));
			int k = atoi(n + 1);

			assert_false(seen[k]);
			seen[k] = true;
			assert_int_equal(json_object_get_int(at(doc, n)), k);
		}
	}
	for (int i = 0; i < 250; i++)
		assert_true(seen[i]);
	out_free(&o);

	/* Exactly 100: one document. */
	dev->n = 100;
	assert_int_equal(encode(&e, &set, &o), 1);
	out_free(&o);
	metric_set_free(&set);
}

static void test_non_finite(void **state)
{
	struct emf_encoder e;
	struct metric_set set;
	struct metric_entity *inst, *nic;
	struct out o = { 0 };
	struct json_object *doc;

	encoder(&e, "i-1", "m5.large");
	metric_set_init(&set, TS, 1);
	inst = metric_set_entity(&set, ENTITY_INSTANCE, "");
	metric_add(inst, "Nan", UNIT_COUNT, NAN);
	metric_add(inst, "PosInf", UNIT_COUNT, INFINITY);
	metric_add(inst, "NegInf", UNIT_COUNT, -INFINITY);
	metric_add(inst, "Huge", UNIT_COUNT, 1e200);
	metric_add(inst, "Tiny", UNIT_COUNT, 1e-200);
	metric_add(inst, "Negative", UNIT_COUNT, -0.5);
	/* An entity with nothing finite sends no document at all. */
	nic = metric_set_entity(&set, ENTITY_INTERFACE, "ens5");
	metric_add(nic, "RxPps", UNIT_COUNT_PER_SECOND, NAN);
	assert_int_equal(encode(&e, &set, &o), 1);
	doc = o.json[0];
	assert_int_equal(json_object_array_length(metric_defs(doc)), 2);
	assert_false(has(doc, "Nan"));
	assert_false(has(doc, "PosInf"));
	assert_false(has(doc, "NegInf"));
	assert_false(has(doc, "Huge"));
	assert_true(json_object_get_double(at(doc, "Tiny")) == 0);
	assert_true(json_object_get_double(at(doc, "Negative")) == -0.5);
	assert_int_equal(e.dropped_nonfinite, 5);
	assert_null(strstr(o.docs[0], "NaN"));
	assert_null(strstr(o.docs[0], "Infinity"));
	out_free(&o);
	metric_set_free(&set);
}

static void test_odd_names(void **state)
{
	struct emf_encoder e;
	struct metric_set set;
	struct out o = { 0 };
	struct json_object *doc;

	encoder(&e, "i-1", "m5.large");
	metric_set_init(&set, TS, 1);
	metric_add(metric_set_entity(&set, ENTITY_INTERFACE, "we\"ird\\x"), "A", UNIT_COUNT, 1);
	metric_add(metric_set_entity(&set, ENTITY_INTERFACE, "tab\there\x01%"), "A", UNIT_COUNT, 2);
	metric_add(metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "d\xc3\xa9v \xff"), "A", UNIT_COUNT, 3);
	metric_add(metric_set_entity(&set, ENTITY_INTERFACE, ""), "A", UNIT_COUNT, 4);
	assert_int_equal(encode(&e, &set, &o), 3);
	/* JSON escaping keeps quotes and backslashes; the value round-trips. */
	doc = o.json[0];
	assert_string_equal(json_object_get_string(at(doc, "Interface")), "we\"ird\\x");
	assert_non_null(strstr(o.docs[0], "\"Interface\":\"we\\\"ird\\\\x\""));
	/* Sent as they are, '%' and blanks too; controls and bad UTF-8 become U+FFFD. */
	assert_string_equal(json_object_get_string(at(o.json[1], "Interface")),
			    "tab\xef\xbf\xbdhere\xef\xbf\xbd%");
	assert_string_equal(json_object_get_string(at(o.json[2], "Device")),
			    "d\xc3\xa9v \xef\xbf\xbd");
	/* An interface without a name cannot be a dimension value. */
	assert_int_equal(e.dropped_invalid, 1);
	out_free(&o);
	metric_set_free(&set);
}

static void test_metric_names(void **state)
{
	struct emf_encoder e;
	struct metric_set set;
	struct metric_entity *inst;
	struct out o = { 0 };

	encoder(&e, "i-1", "m5.large");
	metric_set_init(&set, TS, 1);
	inst = metric_set_entity(&set, ENTITY_INSTANCE, "");
	metric_add(inst, "Good", UNIT_COUNT, 1);
	metric_add(inst, "Good", UNIT_COUNT, 2);        /* duplicate */
	metric_add(inst, "InstanceId", UNIT_COUNT, 3);  /* a dimension's name */
	metric_add(inst, "_aws", UNIT_COUNT, 4);
	metric_add(inst, "with space", UNIT_COUNT, 5);
	metric_add(inst, "", UNIT_COUNT, 6);
	metric_add(inst, "Also.Good-1", UNIT_PERCENT, 7);
	assert_int_equal(encode(&e, &set, &o), 1);
	assert_int_equal(json_object_array_length(metric_defs(o.json[0])), 2);
	assert_int_equal(json_object_get_int(at(o.json[0], "Good")), 1);
	assert_string_equal(json_object_get_string(at(o.json[0], "InstanceId")), "i-1");
	assert_int_equal(e.dropped_invalid, 5);
	out_free(&o);
	metric_set_free(&set);
}

static void test_values_as_text(void **state)
{
	struct emf_encoder e;
	struct metric_set set;
	struct metric_entity *inst;
	struct out o = { 0 };

	encoder(&e, "i-1", "m5.large");
	metric_set_init(&set, TS, 1);
	inst = metric_set_entity(&set, ENTITY_INSTANCE, "");
	metric_add(inst, "Tenth", UNIT_NONE, 0.1);
	metric_add(inst, "Third", UNIT_NONE, 1.0 / 3);
	metric_add(inst, "Big", UNIT_BYTES, 123456789012.0);
	assert_int_equal(encode(&e, &set, &o), 1);
	assert_non_null(strstr(o.docs[0], "\"Tenth\":0.1,"));
	assert_non_null(strstr(o.docs[0], "\"Big\":123456789012"));
	assert_true(json_object_get_double(at(o.json[0], "Third")) == 1.0 / 3);
	out_free(&o);
	metric_set_free(&set);
}

static void test_outside_ec2(void **state)
{
	struct emf_encoder e;
	struct metric_set set;
	struct out o = { 0 };
	const char *id;

	encoder(&e, "", "");
	metric_set_init(&set, TS, 1);
	metric_add(metric_set_entity(&set, ENTITY_INSTANCE, ""), "A", UNIT_COUNT, 1);
	assert_int_equal(encode(&e, &set, &o), 1);
	id = json_object_get_string(at(o.json[0], "InstanceId"));
	assert_true(strlen(id) > 0);
	assert_string_equal(json_object_get_string(at(o.json[0], "InstanceType")), "unknown");
	out_free(&o);
	metric_set_free(&set);
}

static int fail_emit(void *ctx, const char *doc, size_t len)
{
	(*(int *)ctx)++;
	return -EIO;
}

static void test_emit_error_stops(void **state)
{
	struct emf_encoder e;
	struct metric_set set;
	int calls = 0;

	encoder(&e, "i-1", "m5.large");
	metric_set_init(&set, TS, 1);
	metric_add(metric_set_entity(&set, ENTITY_INSTANCE, ""), "A", UNIT_COUNT, 1);
	metric_add(metric_set_entity(&set, ENTITY_INTERFACE, "ens5"), "A", UNIT_COUNT, 1);
	assert_int_equal(emf_encode(&e, &set, fail_emit, &calls), -EIO);
	assert_int_equal(calls, 1);
	metric_set_free(&set);
}

/* Every set carries the entity's own dimension; a volume goes by its id, per instance only. */
static void test_dimension_sets(void **state)
{
	const struct emf_opts opts = { .namespace = "N", .log_group = "/g" };
	struct emf_encoder e;
	struct identity ident;
	struct metric_set set;
	struct metric_entity *dev;
	struct out o = { 0 };

	memset(&ident, 0, sizeof(ident));
	strcpy(ident.instance_id, "i-0abc123def4567890");
	strcpy(ident.instance_type, "c6in.large");
	strcpy(ident.image_id, "ami-0123456789abcdef0");
	strcpy(ident.auto_scaling_group, "web-fleet");
	emf_encoder_init(&e, &opts, &ident);
	metric_set_init(&set, TS, 60);
	metric_add(metric_set_entity(&set, ENTITY_INSTANCE, ""), "A", UNIT_COUNT, 1);
	metric_add(metric_set_entity(&set, ENTITY_INTERFACE, "ens5"), "B", UNIT_COUNT, 2);
	dev = metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "nvme1n1");
	strcpy(dev->volume_id, "vol-0123456789abcdef0");
	metric_add(dev, "C", UNIT_COUNT, 3);
	metric_add(metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "nvme2n1"), "D", UNIT_COUNT, 4);
	assert_int_equal(encode(&e, &set, &o), 4);
	assert_string_equal(json_object_to_json_string(at(directive(o.json[0]), "Dimensions")),
			    "[ [ \"InstanceId\" ], [ \"AutoScalingGroupName\" ], [ \"InstanceType\" ] ]");
	assert_string_equal(json_object_get_string(at(o.json[0], "AutoScalingGroupName")),
			    "web-fleet");
	/* Known values go along as properties even where no set names them. */
	assert_string_equal(json_object_get_string(at(o.json[0], "ImageId")),
			    "ami-0123456789abcdef0");
	assert_string_equal(json_object_to_json_string(at(directive(o.json[1]), "Dimensions")),
			    "[ [ \"InstanceId\", \"Interface\" ], [ \"AutoScalingGroupName\", "
			    "\"Interface\" ], [ \"InstanceType\", \"Interface\" ] ]");
	assert_string_equal(json_object_to_json_string(at(directive(o.json[2]), "Dimensions")),
			    "[ [ \"InstanceId\", \"VolumeId\" ] ]");
	assert_string_equal(json_object_get_string(at(o.json[2], "Device")), "nvme1n1");
	assert_string_equal(json_object_to_json_string(at(directive(o.json[3]), "Dimensions")),
			    "[ [ \"InstanceId\", \"Device\" ], [ \"AutoScalingGroupName\", "
			    "\"Device\" ], [ \"InstanceType\", \"Device\" ] ]");
	out_free(&o);
	metric_set_free(&set);
}

/* Configured sets: combined names, the empty set, and a fallback when none can be filled. */
static void test_configured_sets(void **state)
{
	struct emf_dimsets sets;
	struct emf_opts opts = { .namespace = "N", .log_group = "/g", .dimsets = &sets };
	struct emf_encoder e;
	struct identity ident;
	struct metric_set set;
	struct out o = { 0 };
	char err[128];

	memset(&ident, 0, sizeof(ident));
	strcpy(ident.instance_id, "i-1");
	strcpy(ident.instance_type, "m5.large");
	strcpy(ident.image_id, "ami-1");
	assert_int_equal(emf_dimsets_parse("ImageId, InstanceType; []", &sets, err,
					   sizeof(err)), 0);
	emf_encoder_init(&e, &opts, &ident);
	metric_set_init(&set, TS, 60);
	metric_add(metric_set_entity(&set, ENTITY_INSTANCE, ""), "A", UNIT_COUNT, 1);
	assert_int_equal(encode(&e, &set, &o), 1);
	assert_string_equal(json_object_to_json_string(at(directive(o.json[0]), "Dimensions")),
			    "[ [ \"InstanceType\", \"ImageId\" ], [ ] ]");
	out_free(&o);
	/* No set names InstanceId: a volume's metrics are per instance all the same. */
	strcpy(metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "nvme1n1")->volume_id, "vol-1");
	metric_add(metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "nvme1n1"), "V", UNIT_COUNT, 1);
	assert_int_equal(encode(&e, &set, &o), 2);
	assert_string_equal(json_object_to_json_string(at(directive(o.json[1]), "Dimensions")),
			    "[ [ \"InstanceId\", \"VolumeId\" ] ]");
	out_free(&o);
	metric_set_free(&set);
	metric_set_init(&set, TS, 60);
	metric_add(metric_set_entity(&set, ENTITY_INSTANCE, ""), "A", UNIT_COUNT, 1);
	/* Only the group, which is not known: per instance rather than nothing. */
	assert_int_equal(emf_dimsets_parse("AutoScalingGroupName", &sets, err, sizeof(err)), 0);
	emf_encoder_configure(&e, &opts, &ident);
	assert_int_equal(encode(&e, &set, &o), 1);
	assert_string_equal(json_object_to_json_string(at(directive(o.json[0]), "Dimensions")),
			    "[ [ \"InstanceId\" ] ]");
	out_free(&o);
	metric_set_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document_shape),
		cmocka_unit_test(test_standard_resolution),
		cmocka_unit_test(test_split_over_100),
		cmocka_unit_test(test_non_finite),
		cmocka_unit_test(test_odd_names),
		cmocka_unit_test(test_metric_names),
		cmocka_unit_test(test_values_as_text),
		cmocka_unit_test(test_outside_ec2),
		cmocka_unit_test(test_emit_error_stops),
		cmocka_unit_test(test_dimension_sets),
		cmocka_unit_test(test_configured_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
