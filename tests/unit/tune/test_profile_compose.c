// SPDX-License-Identifier: GPL-2.0-only
/*
 * Composition of a class profile and overlays: a later layer wins and the
 * earlier value is remembered; two "only raise" (or "only lower") values
 * keep the larger (smaller); formulas resolve for the machine or stay
 * unresolved with the reason; the kinds of layers and of includes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tune/profile_compose.h"

#include "profile_dir.h"

static int compose(const char *const *layers, int n, const struct machine_facts *facts,
		   struct profile *p, struct lp_error *err)
{
	struct profile_dirs d = { .n = 1, .dirs = { tmpdir } };

	memset(err, 0, sizeof(*err));
	return profile_compose(&d, layers, n, facts, p, err);
}

static const struct profile_value *value_of(const struct profile *p, const char *key)
{
	for (size_t i = 0; i < p->n_values; i++)
		if (!strcmp(p->values[i].key, key))
			return &p->values[i];
	fail_msg("no value %s", key);
	return NULL;
}

static void write_stack(void)
{
	write_profile("base", "[profile]\nsummary = b\n[sysctl]\n"
		      "net.core.somaxconn = >4096\nnet.ipv4.tcp_rmem = >4096 131072 6291456\n");
	write_profile("memory", "[profile]\nsummary = m\ninclude = base\n[sysctl]\n"
		      "vm.swappiness = <1\nnet.ipv4.tcp_slow_start_after_idle = 0\n"
		      "[vm]\ntransparent_hugepage = madvise\n");
	write_profile("network", "[profile]\nsummary = n\nkind = overlay\n[sysctl]\n"
		      "net.core.somaxconn = >1024\nnet.ipv4.tcp_rmem = >8192 65536 16777216\n"
		      "vm.swappiness = <10\n[ethtool]\nrx_ring = >4096\n");
	write_profile("latency", "[profile]\nsummary = l\nkind = overlay\n[sysctl]\n"
		      "net.ipv4.tcp_slow_start_after_idle = 1\n[vm]\ntransparent_hugepage = never\n"
		      "[ethtool]\nrx_ring = 1024\n");
}

static void test_layers_and_overrides(void **state)
{
	const char *layers[] = { "memory", "network", "latency" };
	const struct profile_value *v;
	struct lp_error err;
	struct profile p;
	char text[128];

	write_stack();
	assert_int_equal(compose(layers, 3, NULL, &p, &err), 0);
	assert_string_equal(p.name, "memory");
	assert_int_equal(p.n_layers, 3);
	profile_layers_text(p.layers, p.n_layers, text, sizeof(text));
	assert_string_equal(text, "memory + network, latency");

	/* memory's own value, untouched by the overlays: its layer is memory. */
	v = value_of(&p, "net.core.somaxconn");
	assert_string_equal(v->value, "4096");          /* >4096 vs >1024: the larger */
	assert_string_equal(v->layer, "memory");
	assert_int_equal(v->n_overridden, 1);
	assert_string_equal(v->overridden[0].layer, "network");
	assert_non_null(strstr(v->merge, "kept the larger"));

	/* field by field: 8192 and 16777216 from network, 131072 from base */
	v = value_of(&p, "net.ipv4.tcp_rmem");
	assert_string_equal(v->value, "8192 131072 16777216");

	/* both "only lower": the smaller, 1 */
	v = value_of(&p, "vm.swappiness");
	assert_string_equal(v->value, "1");
	assert_int_equal(v->op, VALUE_LOWER);

	/* an exact value of a later layer wins; the earlier is remembered */
	v = value_of(&p, "transparent_hugepage");
	assert_string_equal(v->value, "never");
	assert_string_equal(v->layer, "latency");
	assert_int_equal(v->n_overridden, 1);
	assert_string_equal(v->overridden[0].layer, "memory");
	assert_string_equal(v->overridden[0].value, "madvise");

	/* ">4096" then exact 1024: the later layer wins, even lower */
	v = value_of(&p, "rx_ring");
	assert_string_equal(v->value, "1024");
	assert_int_equal(v->op, VALUE_EXACT);
	assert_string_equal(v->overridden[0].layer, "network");
	assert_string_equal(v->merge, "");

	v = value_of(&p, "net.ipv4.tcp_slow_start_after_idle");
	assert_string_equal(v->value, "1");
	assert_string_equal(v->overridden[0].value, "0");
	profile_free(&p);
}

static void test_layer_kinds(void **state)
{
	const char *overlay_first[] = { "network", "memory" };
	const char *class_later[] = { "memory", "base" };
	const char *twice[] = { "memory", "network", "network" };
	const char *missing[] = { "memory", "nosuch" };
	struct lp_error err;
	struct profile p;

	write_stack();
	assert_int_not_equal(compose(overlay_first, 2, NULL, &p, &err), 0);
	assert_non_null(strstr(err.msg, "network is an overlay"));
	assert_int_not_equal(compose(class_later, 2, NULL, &p, &err), 0);
	assert_non_null(strstr(err.msg, "base is a class profile, not an overlay"));
	assert_int_not_equal(compose(twice, 3, NULL, &p, &err), 0);
	assert_non_null(strstr(err.msg, "named twice"));
	assert_int_not_equal(compose(missing, 2, NULL, &p, &err), 0);
	assert_non_null(strstr(err.msg, "no profile named 'nosuch'"));
	assert_int_not_equal(compose(missing, 0, NULL, &p, &err), 0);

	/* An overlay that includes a class profile would bring the class along. */
	write_profile("bad", "[profile]\nkind = overlay\ninclude = base\n");
	const char *bad[] = { "memory", "bad" };

	assert_int_not_equal(compose(bad, 2, NULL, &p, &err), 0);
	assert_non_null(strstr(err.msg, "base is a class profile, and bad may include only overlays"));
	assert_int_equal(err.line, 3);

	write_profile("badkind", "[profile]\nkind = sometimes\n");
	const char *bk[] = { "badkind" };

	assert_int_not_equal(compose(bk, 1, NULL, &p, &err), 0);
	assert_non_null(strstr(err.msg, "bad kind 'sometimes'"));
}

static void test_formulas(void **state)
{
	const char *layers[] = { "fclass", "fover" };
	struct machine_facts small = { .mem_bytes = 8ULL << 30, .vcpus = 2, .queues = 2 };
	struct machine_facts big = { .mem_bytes = 768ULL << 30, .vcpus = 96, .queues = 32 };
	const struct profile_value *v;
	struct lp_error err;
	struct profile p;

	write_profile("fclass", "[profile]\nsummary = f\n[sysctl]\n"
		      "vm.min_free_kbytes = 1%mem max 1G in KiB\n"
		      "net.core.netdev_max_backlog = >1000*vcpus max 65536\n");
	write_profile("fover", "[profile]\nkind = overlay\n[sysctl]\n"
		      "net.core.netdev_max_backlog = >8192\n"
		      "[ethtool]\nrx_ring = 1024*queues pow2 max 16384\n");

	assert_int_equal(compose(layers, 2, &small, &p, &err), 0);
	v = value_of(&p, "vm.min_free_kbytes");
	assert_string_equal(v->value, "83886");         /* 1% of 8 GiB, in KiB, rounded down */
	assert_false(v->unresolved);
	assert_string_equal(v->formula, "1%mem max 1G in KiB");
	/* >2000 (1000 x 2 vCPUs) against >8192: the larger, resolved first */
	v = value_of(&p, "net.core.netdev_max_backlog");
	assert_string_equal(v->value, "8192");
	v = value_of(&p, "rx_ring");
	assert_string_equal(v->value, "2048");
	profile_free(&p);

	assert_int_equal(compose(layers, 2, &big, &p, &err), 0);
	assert_string_equal(value_of(&p, "vm.min_free_kbytes")->value, "1048576");      /* capped */
	assert_string_equal(value_of(&p, "net.core.netdev_max_backlog")->value, "65536");
	assert_string_equal(value_of(&p, "rx_ring")->value, "16384");
	profile_free(&p);

	/* No machine: formulas stay formulas, marked not applicable. */
	assert_int_equal(compose(layers, 2, NULL, &p, &err), 0);
	v = value_of(&p, "vm.min_free_kbytes");
	assert_true(v->unresolved);
	assert_string_equal(v->value, "1%mem max 1G in KiB");
	profile_free(&p);

	/* A fact unknown here: that value only. */
	struct machine_facts no_queues = { .mem_bytes = 8ULL << 30, .vcpus = 2 };

	assert_int_equal(compose(layers, 2, &no_queues, &p, &err), 0);
	v = value_of(&p, "rx_ring");
	assert_true(v->unresolved);
	assert_non_null(strstr(v->resolved, "not applied"));
	assert_false(value_of(&p, "vm.min_free_kbytes")->unresolved);
	profile_free(&p);

	/* Resolved outside the knob's range: not applied, and why. */
	write_profile("fover", "[profile]\nkind = overlay\n[ethtool]\nrx_ring = 1024*queues\n");
	assert_int_equal(compose(layers, 2, &big, &p, &err), 0);
	v = value_of(&p, "rx_ring");
	assert_true(v->unresolved);
	assert_non_null(strstr(v->resolved, "32768"));
	profile_free(&p);
}

static const struct adapt_rule *rule_of(const struct profile *p, const char *name)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (!strcmp(p->rules[i].name, name))
			return &p->rules[i];
	fail_msg("no rule %s", name);
	return NULL;
}

/* The class profile of the rule tests: a cap relative to RAM, and one in numbers. */
static void write_rules(void)
{
	write_profile("rclass", "[profile]\nsummary = r\n"
		      "# Memory pressure.\n# Source: ip-sysctl.rst (tcp_mem).\n[adapt.mem]\n"
		      "knob = net.ipv4.tcp_mem\nwhen = TcpMemoryPressures > 0\nstep = *1.5\n"
		      "floor = 64*vcpus\ncap = 12%mem in pages\n"
		      "# Overflows. Source: listen(2).\n[adapt.q]\nknob = net.core.somaxconn\n"
		      "when = TcpListenOverflows > 0\nfloor = 4096\ncap = 65535\n");
}

/* Rules' bounds are resolved for the machine as static formulas are, and say why not. */
static void test_rule_bounds(void **state)
{
	const char *layers[] = { "rclass" };
	struct machine_facts m5_large = { .mem_bytes = 8ULL << 30, .vcpus = 2, .page_size = 4096 };
	struct machine_facts no_mem = { .vcpus = 2 };
	const struct adapt_rule *r;
	struct lp_error err;
	struct profile p;

	write_rules();
	assert_int_equal(compose(layers, 1, &m5_large, &p, &err), 0);
	r = rule_of(&p, "mem");
	assert_string_equal(r->comment, "Memory pressure. Source: ip-sysctl.rst (tcp_mem).");
	assert_false(r->unresolved);
	/* 12% of 8 GiB = 1030792151 bytes, in 4 KiB pages rounded down */
	assert_true(r->cap_for.known);
	assert_int_equal(r->cap_for.value, 251658);
	assert_string_equal(r->cap_for.why, "12% of 8 GiB RAM = 983.04 MiB = 251658 pages of 4 KiB");
	assert_true(r->floor_for.known);
	assert_int_equal(r->floor_for.value, 128);
	assert_non_null(strstr(r->floor_for.why, "128"));
	/* Numbers as written: known, nothing to explain. */
	r = rule_of(&p, "q");
	assert_string_equal(r->comment, "Overflows. Source: listen(2).");
	assert_true(r->floor_for.known && r->cap_for.known);
	assert_int_equal(r->floor_for.value, 4096);
	assert_int_equal(r->cap_for.value, 65535);
	assert_string_equal(r->cap_for.why, "");
	profile_free(&p);

	/* Memory unknown: the cap is not, the rule does not run, and it says why. */
	assert_int_equal(compose(layers, 1, &no_mem, &p, &err), 0);
	r = rule_of(&p, "mem");
	assert_true(r->unresolved);
	assert_false(r->cap_for.known);
	assert_true(r->floor_for.known);
	assert_string_equal(r->cap_for.why, "the rule does not run: '12%mem' needs the size of "
			    "the memory, which is unknown here");
	assert_false(rule_of(&p, "q")->unresolved);
	profile_free(&p);

	/* No machine (profiles show): formulas stay formulas. */
	assert_int_equal(compose(layers, 1, NULL, &p, &err), 0);
	r = rule_of(&p, "mem");
	assert_true(r->unresolved);
	assert_false(r->cap_for.known);
	assert_non_null(strstr(r->cap_for.why, "resolved on the host"));
	profile_free(&p);
}

/*
 * A rule on a knob that another layer sets exactly (or only lowers) would
 * fight every re-plan: off, and said, naming the value; "only raise" is fine.
 */
static void test_rule_value_conflict(void **state)
{
	const char *exact[] = { "rclass", "qexact" }, *raise[] = { "rclass", "qraise" };
	struct machine_facts m = { .mem_bytes = 8ULL << 30, .vcpus = 2, .page_size = 4096 };
	const struct adapt_rule *r;
	struct lp_error err;
	struct profile p;

	write_rules();
	write_profile("qexact", "[profile]\nsummary = e\nkind = overlay\n[sysctl]\n"
		      "net.core.somaxconn = 8192\n");
	write_profile("qraise", "[profile]\nsummary = e\nkind = overlay\n[sysctl]\n"
		      "net.core.somaxconn = >8192\n");
	assert_int_equal(compose(exact, 2, &m, &p, &err), 0);
	r = rule_of(&p, "q");
	assert_non_null(strstr(r->conflict, "off: the profile sets net.core.somaxconn = 8192 ("));
	assert_non_null(strstr(r->conflict, "qexact.conf:5), which every re-plan would put back"));
	assert_string_equal(rule_of(&p, "mem")->conflict, "");   /* its knob: no value */
	profile_free(&p);
	assert_int_equal(compose(raise, 2, &m, &p, &err), 0);
	assert_string_equal(rule_of(&p, "q")->conflict, "");
	profile_free(&p);
}

/* Explain's text and JSON carry a rule's source and its resolved bounds. */
static void test_rule_output(void **state)
{
	const char *layers[] = { "rclass" };
	struct machine_facts m5_large = { .mem_bytes = 8ULL << 30, .vcpus = 2, .page_size = 4096 };
	struct json_object *j, *rules, *r, *f;
	struct lp_error err;
	struct profile p;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	write_rules();
	assert_int_equal(compose(layers, 1, &m5_large, &p, &err), 0);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	profile_print(&p, out);
	fclose(out);
	assert_non_null(strstr(text, "      cap = 12%mem in pages: 12% of 8 GiB RAM = 983.04 MiB = "
				     "251658 pages of 4 KiB\n      # Memory pressure. Source: ip-sysctl.rst "
				     "(tcp_mem).\n"));
	assert_non_null(strstr(text, "      floor = 64*vcpus: "));
	/* A number as written has no line of its own. */
	assert_null(strstr(text, "cap = 65535"));
	free(text);

	j = profile_to_json(&p);
	assert_true(json_object_object_get_ex(j, "adaptive_rules", &rules));
	r = json_object_array_get_idx(rules, 0);
	assert_true(json_object_object_get_ex(r, "cap", &f));
	assert_string_equal(json_object_get_string(f), "12%mem in pages");
	assert_true(json_object_object_get_ex(r, "cap_value", &f));
	assert_int_equal(json_object_get_int64(f), 251658);
	assert_true(json_object_object_get_ex(r, "cap_resolved", &f));
	assert_string_equal(json_object_get_string(f),
			    "12% of 8 GiB RAM = 983.04 MiB = 251658 pages of 4 KiB");
	assert_true(json_object_object_get_ex(r, "comment", &f));
	assert_string_equal(json_object_get_string(f),
			    "Memory pressure. Source: ip-sysctl.rst (tcp_mem).");
	assert_true(json_object_object_get_ex(r, "applicable", &f));
	assert_true(json_object_get_boolean(f));
	r = json_object_array_get_idx(rules, 1);
	assert_true(json_object_object_get_ex(r, "floor_value", &f));
	assert_int_equal(json_object_get_int64(f), 4096);
	assert_true(json_object_object_get_ex(r, "floor_resolved", &f));
	assert_null(f);
	json_object_put(j);
	profile_free(&p);

	/* Unknown memory: no value, and why. */
	struct machine_facts no_mem = { .vcpus = 2 };

	assert_int_equal(compose(layers, 1, &no_mem, &p, &err), 0);
	j = profile_to_json(&p);
	json_object_object_get_ex(j, "adaptive_rules", &rules);
	r = json_object_array_get_idx(rules, 0);
	assert_true(json_object_object_get_ex(r, "cap_value", &f));
	assert_null(f);
	assert_true(json_object_object_get_ex(r, "applicable", &f));
	assert_false(json_object_get_boolean(f));
	json_object_put(j);
	profile_free(&p);
}

static void test_bad_formula_is_a_file_line_error(void **state)
{
	const char *layers[] = { "broken" };
	struct lp_error err;
	struct profile p;

	write_profile("broken", "[profile]\nsummary = x\n[sysctl]\n"
		      "vm.min_free_kbytes = 1%mem max 1Q in KiB\n");
	assert_int_not_equal(compose(layers, 1, NULL, &p, &err), 0);
	assert_int_equal(err.line, 4);
	assert_non_null(strstr(err.msg, "vm.min_free_kbytes"));
	write_profile("broken", "[profile]\nsummary = x\n[block]\ndevices = nvme*\n"
		      "read_ahead_kb = 2%mem min 1G max 1M\n");
	assert_int_not_equal(compose(layers, 1, NULL, &p, &err), 0);
	assert_int_equal(err.line, 5);
	/* an enum knob takes no formula */
	write_profile("broken", "[profile]\nsummary = x\n[vm]\ntransparent_hugepage = 1%mem\n");
	assert_int_not_equal(compose(layers, 1, NULL, &p, &err), 0);
	assert_int_equal(err.line, 4);
}

static void test_json(void **state)
{
	const char *layers[] = { "memory", "network", "latency" };
	struct json_object *j, *values, *layers_j;
	struct lp_error err;
	struct profile p;
	bool seen = false;

	write_stack();
	assert_int_equal(compose(layers, 3, NULL, &p, &err), 0);
	j = profile_to_json(&p);
	assert_true(json_object_object_get_ex(j, "layers", &layers_j));
	assert_int_equal(json_object_array_length(layers_j), 3);
	assert_true(json_object_object_get_ex(j, "values", &values));
	for (size_t i = 0; i < json_object_array_length(values); i++) {
		struct json_object *v = json_object_array_get_idx(values, i), *k, *ov, *l;

		json_object_object_get_ex(v, "key", &k);
		if (strcmp(json_object_get_string(k), "transparent_hugepage"))
			continue;
		json_object_object_get_ex(v, "layer", &l);
		assert_string_equal(json_object_get_string(l), "latency");
		json_object_object_get_ex(v, "overridden", &ov);
		assert_int_equal(json_object_array_length(ov), 1);
		seen = true;
	}
	assert_true(seen);
	json_object_put(j);
	profile_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layers_and_overrides, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_layer_kinds, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_formulas, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_bad_formula_is_a_file_line_error, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_json, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_rule_bounds, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_rule_value_conflict, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_rule_output, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
