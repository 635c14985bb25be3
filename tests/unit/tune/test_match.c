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
	const char *overlays;      /* in order, comma-separated */
};

static const struct case_ cases[] = {
	/* burstable */
	{ "t1.micro", "burstable", "" },
	{ "t2.nano", "burstable", "" },
	{ "t2.micro", "burstable", "" },
	{ "t2.2xlarge", "burstable", "" },
	{ "t3.medium", "burstable", "" },
	{ "t3a.small", "burstable", "" },
	{ "t4g.nano", "burstable", "graviton" },
	{ "t4g.2xlarge", "burstable", "graviton" },
	/* n option and hpc: their class, with the network overlay (hpc: latency last) */
	{ "c5n.large", "compute", "network" },
	{ "c5n.18xlarge", "compute", "network" },
	{ "c5n.metal", "compute", "network" },
	{ "c6gn.16xlarge", "compute", "network,graviton" },
	{ "c6in.32xlarge", "compute", "network" },
	{ "c6in.metal", "compute", "network" },
	{ "c7gn.large", "compute", "network,graviton" },
	{ "c8gn.48xlarge", "compute", "network,graviton" },
	{ "m5n.large", "general", "network" },
	{ "m5dn.24xlarge", "general", "network" },
	{ "m5zn.large", "general", "network" },
	{ "m5zn.metal", "general", "network" },
	{ "m6in.large", "general", "network" },
	{ "m6idn.xlarge", "general", "network" },
	{ "r5n.xlarge", "memory", "network" },
	{ "r5dn.large", "memory", "network" },
	{ "r6in.large", "memory", "network" },
	{ "r6idn.2xlarge", "memory", "network" },
	{ "x2iedn.xlarge", "memory", "network" },
	{ "x2iezn.2xlarge", "memory", "network" },        /* memory class, but 'n' (100 Gbps) */
	{ "u7in-32tb.224xlarge", "memory", "network" },   /* memory class, but 'n' (200 Gbps) */
	{ "hpc6a.48xlarge", "compute", "network,latency" },
	{ "hpc6id.32xlarge", "compute", "network,latency" },
	{ "hpc7a.96xlarge", "compute", "network,latency" },
	{ "hpc7g.16xlarge", "compute", "network,graviton,latency" },
	/* general */
	{ "m1.small", "general", "xen" },
	{ "m4.large", "general", "xen" },
	{ "m5.large", "general", "" },
	{ "m5d.large", "general", "" },
	{ "m6a.metal", "general", "" },
	{ "m6gd.large", "general", "graviton" },
	{ "m7a.medium", "general", "" },
	{ "m7g.xlarge", "general", "graviton" },
	{ "m7i-flex.large", "general", "" },
	{ "m8g.metal-24xl", "general", "graviton" },
	{ "a1.medium", "general", "graviton" },
	{ "a1.metal", "general", "graviton" },
	{ "mac1.metal", "general", "" },
	{ "mac2-m2pro.metal", "general", "" },
	/* compute: a d option does not make it storage */
	{ "c4.large", "compute", "xen" },
	{ "c5.large", "compute", "" },
	{ "c5d.9xlarge", "compute", "" },
	{ "c6gd.large", "compute", "graviton" },
	{ "c6id.large", "compute", "" },
	{ "c7a.large", "compute", "" },
	{ "c7g.medium", "compute", "graviton" },
	{ "c7i-flex.large", "compute", "" },
	{ "c8g.large", "compute", "graviton" },
	{ "cc2.8xlarge", "compute", "xen" },
	/* memory */
	{ "r5.large", "memory", "" },
	{ "r6i.large", "memory", "" },
	{ "r6id.large", "memory", "" },
	{ "r7iz.large", "memory", "" },
	{ "r8g.large", "memory", "graviton" },
	{ "x1.16xlarge", "memory", "xen" },
	{ "x1e.xlarge", "memory", "xen" },
	{ "x2gd.large", "memory", "graviton" },
	{ "x8g.metal-24xl", "memory", "graviton" },
	{ "u-6tb1.metal", "memory", "" },
	{ "u-24tb1.112xlarge", "memory", "" },
	{ "u7i-12tb.224xlarge", "memory", "" },
	{ "z1d.large", "memory", "" },
	{ "z1d.metal", "memory", "" },
	{ "cr1.8xlarge", "memory", "xen" },
	/* storage: instance store families, n or e options included */
	{ "i2.xlarge", "storage", "instance-store,xen" },
	{ "i3.large", "storage", "instance-store,xen" },
	{ "i3.metal", "storage", "instance-store" },
	{ "i3en.24xlarge", "storage", "network,instance-store" },
	{ "i4g.large", "storage", "instance-store,graviton" },
	{ "i4i.xlarge", "storage", "instance-store" },
	{ "i7ie.large", "storage", "instance-store" },
	{ "i8g.large", "storage", "instance-store,graviton" },
	{ "im4gn.large", "storage", "network,instance-store,graviton" },
	{ "is4gen.xlarge", "storage", "network,instance-store,graviton" },
	{ "d2.xlarge", "storage", "instance-store,hdd,xen" },
	{ "d3.xlarge", "storage", "instance-store,hdd" },
	{ "d3en.xlarge", "storage", "network,instance-store,hdd" },
	{ "h1.2xlarge", "storage", "instance-store,hdd,xen" },
	{ "hs1.8xlarge", "storage", "instance-store,xen" },
	/* accelerated, before any class for the n ones; all get the network overlay */
	{ "p3.2xlarge", "accelerated", "network,instance-store,xen" },
	{ "p3dn.24xlarge", "accelerated", "network,instance-store" },
	{ "p4d.24xlarge", "accelerated", "network,instance-store" },
	{ "p4de.24xlarge", "accelerated", "network,instance-store" },
	{ "p5.48xlarge", "accelerated", "network,instance-store" },
	{ "p5en.48xlarge", "accelerated", "network,instance-store" },
	{ "p6-b200.48xlarge", "accelerated", "network,instance-store" },
	{ "g4ad.xlarge", "accelerated", "network,instance-store" },
	{ "g4dn.xlarge", "accelerated", "network,instance-store" },
	{ "g5.xlarge", "accelerated", "network,instance-store" },
	{ "g5g.xlarge", "accelerated", "network,instance-store,graviton" },
	{ "g6e.xlarge", "accelerated", "network,instance-store" },
	{ "gr6.4xlarge", "accelerated", "network,instance-store" },
	{ "inf1.xlarge", "accelerated", "network,instance-store" },
	{ "inf2.xlarge", "accelerated", "network,instance-store" },
	{ "trn1.32xlarge", "accelerated", "network,instance-store" },
	{ "trn1n.32xlarge", "accelerated", "network,instance-store" },
	{ "trn2.48xlarge", "accelerated", "network,instance-store" },
	{ "dl1.24xlarge", "accelerated", "network,instance-store" },
	{ "dl2q.24xlarge", "accelerated", "network,instance-store" },
	{ "f1.2xlarge", "accelerated", "network,instance-store,xen" },
	{ "f2.12xlarge", "accelerated", "network,instance-store" },
	{ "vt1.3xlarge", "accelerated", "network,instance-store" },
	{ "cg1.4xlarge", "accelerated", "network,instance-store" },
	/* a well-formed name no rule knows: the catch-all */
	{ "q9.large", "base", "" },
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

		char overlays[256] = "";
		size_t off = 0;

		parse_type(cases[i].type, &t);
		assert_int_equal(match_find(&r, &t, NULL, &res), 0);
		for (int k = 0; k < res.n_overlays; k++)
			off += snprintf(overlays + off, sizeof(overlays) - off, "%s%s", k ? "," : "",
					res.overlays[k].name);
		if (strcmp(res.profile, cases[i].profile) || strcmp(overlays, cases[i].overlays)) {
			print_error("%s: expected %s + [%s], got %s + [%s] (%s)\n", cases[i].type,
				    cases[i].profile, cases[i].overlays, res.profile, overlays,
				    res.reason);
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
	assert_int_equal(match_find(&r, NULL, NULL, &res), 0);
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
	assert_int_equal(match_find(&r, &t, NULL, &res), 0);
	assert_string_equal(res.rule, "compute");
	assert_non_null(strstr(res.reason, "rule compute (match.conf:"));
	assert_non_null(strstr(res.origin, SHIPPED ":"));
	assert_false(res.catch_all);
	assert_int_equal(res.n_overlays, 1);
	assert_string_equal(res.overlays[0].rule, "network-option");
	assert_non_null(strstr(res.overlays[0].reason, "rule network-option (match.conf:"));
	assert_non_null(strstr(res.overlays[0].reason, "options contain 'n'"));

	/* A Xen-based type gets the xen overlay; its Nitro sibling does not. */
	parse_type("i3.16xlarge", &t);
	assert_int_equal(match_find(&r, &t, NULL, &res), 0);
	assert_non_null(strstr(res.overlays[res.n_overlays - 1].reason, "Xen-based"));
	parse_type("i3.metal", &t);
	assert_int_equal(match_find(&r, &t, NULL, &res), 0);
	for (int k = 0; k < res.n_overlays; k++)
		assert_string_not_equal(res.overlays[k].name, "xen");

	parse_type("g4dn.xlarge", &t);
	assert_int_equal(match_find(&r, &t, NULL, &res), 0);
	assert_string_equal(res.rule, "accelerated");
	assert_non_null(strstr(res.reason, "class g"));

	parse_type("q9.large", &t);
	assert_int_equal(match_find(&r, &t, NULL, &res), 0);
	assert_non_null(strstr(res.reason, "no rule above matched q9.large"));

	/* Why the rules above the winner did not match. */
	parse_type("c6id.large", &t);
	assert_int_equal(match_find(&r, &t, NULL, &res), 0);
	assert_string_equal(res.profile, "compute");
	assert_string_equal(res.reason + strlen(res.reason) - 9, ": class c");
	assert_int_equal(res.n_skipped, 5);     /* overlay rules are not tried for the class */
	assert_string_equal(res.skipped[0].rule, "accelerated");
	assert_string_equal(res.skipped[2].rule, "storage");
	assert_string_equal(res.skipped[2].why, "class c is not i, im, is, d, h, hs, hi");
	assert_string_equal(res.skipped[3].why, "class c is not hpc");
	assert_string_equal(res.skipped[4].rule, "memory");
	assert_int_equal(res.n_overlays, 0);   /* options 'd' lack 'n'; Nitro; Intel */

	assert_int_equal(match_find(&r, NULL, NULL, &res), 0);
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
	assert_int_equal(match_find(r, &t, NULL, &res), 0);
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
	assert_int_equal(match_find(&r, &t, NULL, &res), -ENOENT);
	assert_non_null(strstr(res.reason, "no rule in rules.conf matches m5dn.large"));
	assert_int_equal(res.n_skipped, 6);
	assert_string_equal(res.skipped[3].why, "size large matches none of *xlarge, metal*");
	/* Conditions never match an unknown type. */
	assert_int_equal(match_find(&r, NULL, NULL, &res), -ENOENT);
	assert_non_null(strstr(res.reason, "unknown instance type"));

	parse_type("c7g.large", &t);
	assert_int_equal(match_find(&r, &t, NULL, &res), 0);
	assert_non_null(strstr(res.reason, "family c7g matches 'c7*'"));
	assert_non_null(strstr(res.reason, "generation 7 >= 7"));
	assert_non_null(strstr(res.reason, "not a -flex type"));
	parse_type("m5dn.metal", &t);
	assert_int_equal(match_find(&r, &t, NULL, &res), 0);
	assert_non_null(strstr(res.reason, "options contain 'n' and 'd'"));

	parse_type("m6a.large", &t);
	assert_int_equal(match_find(&r, &t, NULL, &res), 0);
	assert_string_equal(res.skipped[0].why, "generation 6 is not <=4");
	assert_string_equal(res.skipped[3].why, "the name has no option letters ('n' needed)");
	assert_string_equal(res.skipped[4].why, "family m6a matches none of c7*");
	parse_type("c6g.large", &t);
	assert_int_equal(match_find(&r, &t, NULL, &res), -ENOENT);
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
		{ "[rule.a]\nprofile = x\nprofile = y\n", "rule a already names profile x" },
		{ "[rule.a]\nprofile = x\noverlay = y\n", "a rule picks one profile or adds one overlay" },
		{ "[rule.a]\noverlay = ../y\n", "rules.conf:2: bad overlay '../y'" },
		{ "[rule.a]\nhypervisor = kvm\noverlay = y\n", "bad hypervisor 'kvm' in rule a: expected xen or nitro" },
		{ "[rule.a]\nclass = c\n", "rule a has no profile = NAME or overlay = NAME" },
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
	assert_int_equal(match_find(&r, &t, NULL, &res), 0);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	match_explain_print(&res, &t, out);
	fclose(out);
	assert_non_null(strstr(buf, "instance type  r5dn.large"));
	assert_non_null(strstr(buf, "profile        memory"));
	assert_non_null(strstr(buf, "overlays       network: rule network-option"));
	assert_non_null(strstr(buf, "'n' network optimized"));
	assert_non_null(strstr(buf, "rules before   accelerated: class r is not p, g"));
	free(buf);

	j = match_result_to_json(&res, &t);
	assert_true(json_object_object_get_ex(j, "profile", &v));
	assert_string_equal(json_object_get_string(v), "memory");
	assert_true(json_object_object_get_ex(j, "rule", &v));
	assert_string_equal(json_object_get_string(v), "memory");
	assert_true(json_object_object_get_ex(j, "overlays", &v));
	assert_int_equal(json_object_array_length(v), 1);
	v = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(v, "overlay", &v));
	assert_string_equal(json_object_get_string(v), "network");
	json_object_put(j);

	assert_int_equal(match_find(&r, NULL, NULL, &res), 0);
	j = match_result_to_json(&res, NULL);
	assert_true(json_object_object_get_ex(j, "instance_type", &v));
	assert_null(v);
	json_object_put(j);
	match_free(&r);
}

/* ena_express is read on the host: it holds only with a host that has it on. */
static void test_host_condition(void **state)
{
	struct match_host off = { 0 }, on = { .ena_express = true, .ena_express_ifs = "eth1" };
	struct match_rules r;
	struct match_result res;
	struct itype t;

	load_shipped(&r);
	parse_type("c6in.large", &t);
	assert_int_equal(match_find(&r, &t, &on, &res), 0);
	assert_int_equal(res.n_overlays, 2);
	assert_string_equal(res.overlays[0].name, "network");
	assert_string_equal(res.overlays[1].name, "ena-express");
	assert_non_null(strstr(res.overlays[1].reason, "ENA Express on for eth1"));
	assert_int_equal(match_find(&r, &t, &off, &res), 0);
	assert_int_equal(res.n_overlays, 1);
	assert_int_equal(res.n_on_host, 0);
	/* Explaining a type (no host) never adds it, and says what would. */
	assert_int_equal(match_find(&r, &t, NULL, &res), 0);
	assert_int_equal(res.n_overlays, 1);
	assert_int_equal(res.n_on_host, 1);
	assert_string_equal(res.on_host[0].name, "ena-express");
	assert_non_null(strstr(res.on_host[0].reason, "decided on the host"));
	/* A host condition needs no instance type: ENA without IMDS still counts. */
	assert_int_equal(match_find(&r, NULL, &on, &res), 0);
	assert_string_equal(res.profile, "base");
	assert_int_equal(res.n_overlays, 1);
	assert_string_equal(res.overlays[0].name, "ena-express");
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
		cmocka_unit_test(test_host_condition),
		cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
