// SPDX-License-Identifier: GPL-2.0-only
/* match.conf: the shipped rules over real instance types, and rule file errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tune/match.h"

#define SHIPPED "tuning-profiles/" MATCH_FILE

struct case_ {
	const char *type;
	const char *profile;
};

static const struct case_ cases[] = {
	/* burstable */
	{ "t1.micro", "burstable" },
	{ "t2.nano", "burstable" },
	{ "t2.micro", "burstable" },
	{ "t2.2xlarge", "burstable" },
	{ "t3.medium", "burstable" },
	{ "t3a.small", "burstable" },
	{ "t4g.nano", "burstable" },
	{ "t4g.2xlarge", "burstable" },
	/* network: n option, hpc */
	{ "c5n.large", "network" },
	{ "c5n.18xlarge", "network" },
	{ "c5n.metal", "network" },
	{ "c6gn.16xlarge", "network" },
	{ "c6in.32xlarge", "network" },
	{ "c6in.metal", "network" },
	{ "c7gn.large", "network" },
	{ "c8gn.48xlarge", "network" },
	{ "m5n.large", "network" },
	{ "m5dn.24xlarge", "network" },
	{ "m5zn.large", "network" },
	{ "m5zn.metal", "network" },
	{ "m6in.large", "network" },
	{ "m6idn.xlarge", "network" },
	{ "r5n.xlarge", "network" },
	{ "r5dn.large", "network" },
	{ "r6in.large", "network" },
	{ "r6idn.2xlarge", "network" },
	{ "x2iedn.xlarge", "network" },
	{ "x2iezn.2xlarge", "network" },        /* memory class, but 'n' (100 Gbps) */
	{ "u7in-32tb.224xlarge", "network" },   /* memory class, but 'n' (200 Gbps) */
	{ "hpc6a.48xlarge", "network" },
	{ "hpc6id.32xlarge", "network" },
	{ "hpc7a.96xlarge", "network" },
	{ "hpc7g.16xlarge", "network" },
	/* general */
	{ "m1.small", "general" },
	{ "m4.large", "general" },
	{ "m5.large", "general" },
	{ "m5d.large", "general" },
	{ "m6a.metal", "general" },
	{ "m6gd.large", "general" },
	{ "m7a.medium", "general" },
	{ "m7g.xlarge", "general" },
	{ "m7i-flex.large", "general" },
	{ "m8g.metal-24xl", "general" },
	{ "a1.medium", "general" },
	{ "a1.metal", "general" },
	{ "mac1.metal", "general" },
	{ "mac2-m2pro.metal", "general" },
	/* compute: a d option does not make it storage */
	{ "c4.large", "compute" },
	{ "c5.large", "compute" },
	{ "c5d.9xlarge", "compute" },
	{ "c6gd.large", "compute" },
	{ "c6id.large", "compute" },
	{ "c7a.large", "compute" },
	{ "c7g.medium", "compute" },
	{ "c7i-flex.large", "compute" },
	{ "c8g.large", "compute" },
	{ "cc2.8xlarge", "compute" },
	/* memory */
	{ "r5.large", "memory" },
	{ "r6i.large", "memory" },
	{ "r6id.large", "memory" },
	{ "r7iz.large", "memory" },
	{ "r8g.large", "memory" },
	{ "x1.16xlarge", "memory" },
	{ "x1e.xlarge", "memory" },
	{ "x2gd.large", "memory" },
	{ "x8g.metal-24xl", "memory" },
	{ "u-6tb1.metal", "memory" },
	{ "u-24tb1.112xlarge", "memory" },
	{ "u7i-12tb.224xlarge", "memory" },
	{ "z1d.large", "memory" },
	{ "z1d.metal", "memory" },
	{ "cr1.8xlarge", "memory" },
	/* storage: instance store families, n or e options included */
	{ "i2.xlarge", "storage" },
	{ "i3.large", "storage" },
	{ "i3.metal", "storage" },
	{ "i3en.24xlarge", "storage" },
	{ "i4g.large", "storage" },
	{ "i4i.xlarge", "storage" },
	{ "i7ie.large", "storage" },
	{ "i8g.large", "storage" },
	{ "im4gn.large", "storage" },
	{ "is4gen.xlarge", "storage" },
	{ "d2.xlarge", "storage" },
	{ "d3.xlarge", "storage" },
	{ "d3en.xlarge", "storage" },
	{ "h1.2xlarge", "storage" },
	{ "hs1.8xlarge", "storage" },
	/* accelerated, before network for the n ones */
	{ "p3.2xlarge", "accelerated" },
	{ "p3dn.24xlarge", "accelerated" },
	{ "p4d.24xlarge", "accelerated" },
	{ "p4de.24xlarge", "accelerated" },
	{ "p5.48xlarge", "accelerated" },
	{ "p5en.48xlarge", "accelerated" },
	{ "p6-b200.48xlarge", "accelerated" },
	{ "g4ad.xlarge", "accelerated" },
	{ "g4dn.xlarge", "accelerated" },
	{ "g5.xlarge", "accelerated" },
	{ "g5g.xlarge", "accelerated" },
	{ "g6e.xlarge", "accelerated" },
	{ "gr6.4xlarge", "accelerated" },
	{ "inf1.xlarge", "accelerated" },
	{ "inf2.xlarge", "accelerated" },
	{ "trn1.32xlarge", "accelerated" },
	{ "trn1n.32xlarge", "accelerated" },
	{ "trn2.48xlarge", "accelerated" },
	{ "dl1.24xlarge", "accelerated" },
	{ "dl2q.24xlarge", "accelerated" },
	{ "f1.2xlarge", "accelerated" },
	{ "f2.12xlarge", "accelerated" },
	{ "vt1.3xlarge", "accelerated" },
	{ "cg1.4xlarge", "accelerated" },
	/* a well-formed name no rule knows: the catch-all */
	{ "q9.large", "base" },
};

static void load_shipped(struct match_rules *r)
{
	struct lp_error err;
	char msg[1024];
	int ret = match_load(SHIPPED, r, &err);

	if (ret) {
		lp_error_format(&err, msg, sizeof(msg));
		fail_msg("%s", msg);
	}
}

static void parse_type(const char *name, struct itype *t)
{
	char err[256];

	if (itype_parse(name, t, err, sizeof(err)))
		fail_msg("itype_parse(%s): %s", name, err);
}

static void test_shipped_table(void **state)
{
	struct match_rules r;
	size_t failures = 0;

	load_shipped(&r);
	assert_true(sizeof(cases) / sizeof(cases[0]) >= 60);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct match_result res;
		struct itype t;

		parse_type(cases[i].type, &t);
		assert_int_equal(match_find(&r, &t, &res), 0);
		if (strcmp(res.profile, cases[i].profile)) {
			print_error("%s: expected %s, got %s (%s)\n", cases[i].type,
				    cases[i].profile, res.profile, res.reason);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
	match_free(&r);
}

static void test_unknown_type(void **state)
{
	struct match_rules r;
	struct match_result res;

	load_shipped(&r);
	assert_int_equal(match_find(&r, NULL, &res), 0);
	assert_string_equal(res.profile, "base");
	assert_string_equal(res.rule, "default");
	assert_true(res.catch_all);
	assert_non_null(strstr(res.reason, "rule default (match.conf:"));
	assert_non_null(strstr(res.reason, "no rule above matched, and the instance type is unknown"));
	match_free(&r);
}

static void test_reasons(void **state)
{
	struct match_rules r;
	struct match_result res;
	struct itype t;

	load_shipped(&r);
	parse_type("c6in.32xlarge", &t);
	assert_int_equal(match_find(&r, &t, &res), 0);
	assert_string_equal(res.rule, "network-optimized");
	assert_non_null(strstr(res.reason, "rule network-optimized (match.conf:"));
	assert_non_null(strstr(res.reason, "options contain 'n'"));
	assert_non_null(strstr(res.origin, SHIPPED ":"));
	assert_false(res.catch_all);

	parse_type("g4dn.xlarge", &t);
	assert_int_equal(match_find(&r, &t, &res), 0);
	assert_string_equal(res.rule, "accelerated");
	assert_non_null(strstr(res.reason, "class g"));

	parse_type("q9.large", &t);
	assert_int_equal(match_find(&r, &t, &res), 0);
	assert_non_null(strstr(res.reason, "no rule above matched q9.large"));

	/* Why the rules above the winner did not match. */
	parse_type("c6id.large", &t);
	assert_int_equal(match_find(&r, &t, &res), 0);
	assert_string_equal(res.profile, "compute");
	assert_string_equal(res.reason + strlen(res.reason) - 9, ": class c");
	assert_int_equal(res.n_skipped, 6);
	assert_string_equal(res.skipped[0].rule, "accelerated");
	assert_string_equal(res.skipped[2].rule, "storage");
	assert_string_equal(res.skipped[2].why, "class c is not i, im, is, d, h, hs, hi");
	assert_string_equal(res.skipped[4].rule, "network-optimized");
	assert_string_equal(res.skipped[4].why, "options 'd' lack 'n'");

	assert_int_equal(match_find(&r, NULL, &res), 0);
	assert_string_equal(res.skipped[0].why, "the instance type is unknown");
	match_free(&r);
}

static int parse_rules(const char *text, struct match_rules *r, char *msg, size_t size)
{
	struct lp_error err;
	int ret = match_parse_buf(text, strlen(text), "rules.conf", r, &err);

	if (ret)
		lp_error_format(&err, msg, size);
	return ret;
}

static void find(const struct match_rules *r, const char *name, const char *want)
{
	struct match_result res;
	struct itype t;

	parse_type(name, &t);
	assert_int_equal(match_find(r, &t, &res), 0);
	if (strcmp(res.profile, want))
		fail_msg("%s: expected %s, got %s (%s)", name, want, res.profile, res.reason);
}

static void test_conditions(void **state)
{
	const char *text =
		"[rule.old-intel]\n"
		"class = c, m\n"
		"generation = <=4\n"
		"processor = unstated, intel\n"
		"profile = old\n"
		"[rule.metal-graviton]\n"
		"processor = graviton\n"
		"metal = yes\n"
		"profile = gmetal\n"
		"[rule.flex]\n"
		"flex = yes\n"
		"profile = flex\n"
		"[rule.big-dn]\n"
		"options = nd\n"
		"size = *xlarge, metal*\n"
		"profile = bigdn\n"
		"[rule.family]\n"
		"family = c7*\n"
		"generation = >=7\n"
		"flex = no\n"
		"metal = no\n"
		"profile = c7\n"
		"[rule.amd]\n"
		"processor = amd\n"
		"generation = 6\n"
		"profile = amd6\n";
	struct match_rules r;
	struct match_result res;
	struct itype t;
	char msg[1024];

	assert_int_equal(parse_rules(text, &r, msg, sizeof(msg)), 0);
	assert_int_equal(r.n, 6);
	find(&r, "c4.large", "old");
	find(&r, "m3.medium", "old");
	find(&r, "m7g.metal", "gmetal");
	find(&r, "c7i-flex.large", "flex");
	find(&r, "m5dn.24xlarge", "bigdn");
	find(&r, "c7g.large", "c7");
	find(&r, "m6a.large", "amd6");

	parse_type("m5dn.large", &t);    /* size glob does not match "large" */
	assert_int_equal(match_find(&r, &t, &res), -ENOENT);
	assert_non_null(strstr(res.reason, "no rule in rules.conf matches m5dn.large"));
	assert_int_equal(res.n_skipped, 6);
	assert_string_equal(res.skipped[3].why, "size large matches none of *xlarge, metal*");
	/* Conditions never match an unknown type. */
	assert_int_equal(match_find(&r, NULL, &res), -ENOENT);
	assert_non_null(strstr(res.reason, "unknown instance type"));

	parse_type("c7g.large", &t);
	assert_int_equal(match_find(&r, &t, &res), 0);
	assert_non_null(strstr(res.reason, "family c7g matches 'c7*'"));
	assert_non_null(strstr(res.reason, "generation 7 >= 7"));
	assert_non_null(strstr(res.reason, "not a -flex type"));
	parse_type("m5dn.metal", &t);
	assert_int_equal(match_find(&r, &t, &res), 0);
	assert_non_null(strstr(res.reason, "options contain 'n' and 'd'"));

	parse_type("m6a.large", &t);
	assert_int_equal(match_find(&r, &t, &res), 0);
	assert_string_equal(res.skipped[0].why, "generation 6 is not <=4");
	assert_string_equal(res.skipped[3].why, "the name has no option letters ('n' needed)");
	assert_string_equal(res.skipped[4].why, "family m6a matches none of c7*");
	parse_type("c6g.large", &t);
	assert_int_equal(match_find(&r, &t, &res), -ENOENT);
	assert_string_equal(res.skipped[0].why, "generation 6 is not <=4");
	assert_string_equal(res.skipped[5].why, "processor graviton is not amd");
	match_free(&r);
}

static void test_bad_rule_files(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "[rule.a]\nclas = c\nprofile = x\n", "rules.conf:2: unknown key 'clas' in rule a" },
		{ "[rule.a]\ngeneration = 6+\nprofile = x\n", "rules.conf:2: bad generation '6+'" },
		{ "[rule.a]\ngeneration = >6\nprofile = x\n", "expected N, >=N or <=N" },
		{ "[rule.a]\ngeneration = =>6\nprofile = x\n", "bad generation '=>6'" },
		{ "[rule.a]\ngeneration = 0\nprofile = x\n", "bad generation '0'" },
		{ "[rule.a]\ngeneration = 1000\nprofile = x\n", "bad generation '1000'" },
		{ "[rule.a]\nclass = c\n", "rules.conf:1: rule a has no profile" },
		{ "[rule.a]\nprofile = x\n[rule.b]\nclass = m\n\n", "rules.conf:3: rule b has no profile" },
		{ "[rules.a]\nprofile = x\n", "rules.conf:1: unknown section [rules.a]" },
		{ "[rule.]\nprofile = x\n", "unknown section [rule.]" },
		{ "profile = x\n", "rules.conf:1: 'profile' comes before any rule" },
		{ "[rule.a]\nprofile = x\n[rule.a]\nprofile = y\n", "rules.conf:3: rule a appears twice" },
		{ "[rule.a]\nprocessor = arm\nprofile = x\n", "bad processor 'arm'" },
		{ "[rule.a]\nmetal = true\nprofile = x\n", "bad metal 'true'" },
		{ "[rule.a]\nflex = 1\nprofile = x\n", "bad flex '1'" },
		{ "[rule.a]\noptions = N\nprofile = x\n", "bad options 'N'" },
		{ "[rule.a]\nclass = c,,m\nprofile = x\n", "bad class 'c,,m'" },
		{ "[rule.a]\nfamily = c5/n\nprofile = x\n", "bad family 'c5/n'" },
		{ "[rule.a]\nclass = c\nclass = m\nprofile = x\n", "rules.conf:3: class is set twice" },
		{ "[rule.a]\nprofile = ../x\n", "rules.conf:2: bad profile '../x'" },
		{ "[rule.a]\nprofile = x\nprofile = y\n", "profile is set twice" },
	};
	struct match_rules r;
	char msg[1024];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_not_equal(parse_rules(bad[i].text, &r, msg, sizeof(msg)), 0);
		if (!strstr(msg, bad[i].msg))
			fail_msg("case %zu: expected '%s' in '%s'", i, bad[i].msg, msg);
		assert_int_equal(r.n, 0);
		assert_null(r.rules);
	}
}

/* Whether a profile exists is the loader's business, not the matcher's. */
static void test_profile_existence_not_checked(void **state)
{
	struct match_rules r;
	char msg[1024];

	assert_int_equal(parse_rules("[rule.any]\nprofile = no-such-profile\n", &r, msg, sizeof(msg)), 0);
	find(&r, "m5.large", "no-such-profile");
	match_free(&r);
}

static void test_missing_file(void **state)
{
	struct match_rules r;
	struct lp_error err;

	assert_int_equal(match_load("/nonexistent/match.conf", &r, &err), -ENOENT);
	assert_string_equal(err.file, "/nonexistent/match.conf");
}

static void test_explain_output(void **state)
{
	struct match_rules r;
	struct match_result res;
	struct json_object *j, *v;
	struct itype t;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	load_shipped(&r);
	parse_type("r5dn.large", &t);
	assert_int_equal(match_find(&r, &t, &res), 0);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	match_explain_print(&res, &t, out);
	fclose(out);
	assert_non_null(strstr(buf, "instance type  r5dn.large"));
	assert_non_null(strstr(buf, "profile        network"));
	assert_non_null(strstr(buf, "'n' network optimized"));
	assert_non_null(strstr(buf, "rules before   accelerated: class r is not p, g"));
	free(buf);

	j = match_result_to_json(&res, &t);
	assert_true(json_object_object_get_ex(j, "profile", &v));
	assert_string_equal(json_object_get_string(v), "network");
	assert_true(json_object_object_get_ex(j, "rule", &v));
	assert_string_equal(json_object_get_string(v), "network-optimized");
	json_object_put(j);

	assert_int_equal(match_find(&r, NULL, &res), 0);
	j = match_result_to_json(&res, NULL);
	assert_true(json_object_object_get_ex(j, "instance_type", &v));
	assert_null(v);
	json_object_put(j);
	match_free(&r);
}

/* Arbitrary bytes must not crash the rule parser (the fuzz target's job, in small). */
static void test_random_bytes(void **state)
{
	static const char alphabet[] = "[]=.,#;\n rule.aclsfmyeptgnoi0123456789<>*?-_\t\r\x01\xff";
	struct match_rules r;
	char buf[512];

	srand(7);
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)rand() % sizeof(buf);
		struct lp_error err;

		for (size_t k = 0; k < n; k++)
			buf[k] = alphabet[rand() % (sizeof(alphabet) - 1)];
		if (match_parse_buf(buf, n, "fuzz", &r, &err) == 0)
			match_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_table),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_bad_rule_files),
		cmocka_unit_test(test_profile_existence_not_checked),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_explain_output),
		cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
