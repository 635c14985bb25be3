// SPDX-License-Identifier: GPL-2.0-only
/*
 * The static machine table: its shape (sorted, unique, parseable names,
 * figures that hang together), spot checks of rows against the sources
 * named at the top of agent/identity/machine_table.c, and the Xen answers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "identity/itype.h"
#include "identity/machine_table.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct spot {
	const char *type;
	unsigned int vcpus;
	unsigned int mem_mib;
	unsigned int net_mbps;
	unsigned int net_baseline_mbps;
	bool net_up_to;
	const char *net_desc;           /* NULL: the table must have none */
	unsigned int network_cards;
	unsigned int ena_default;
	unsigned int ena_max;
	bool xen;
};

/*
 * Each figure as its source prints it: vCPUs and MiB from Karpenter's
 * instance-types.md (DescribeInstanceTypes), cross-checked with the GiB of
 * the AWS Instance Types guide; bandwidth and network cards from the
 * guide's network tables (co, ac, mo, hpc, gp, pg, so .html); ENA queues
 * from gp.html and the ENA queues page; net_desc from the 2023 user guide.
 */
static const struct spot spots[] = {
	/* type                  vCPU  MiB       peak     base     up_to  net_desc           cards ENA d/max  xen */
	/* co.html: "3.0 / 25.0", 1 card; 2023 guide: "Up to 25 Gigabit". */
	{ "c5n.large",            2,   5376,     25000,   3000,    true,  "Up to 25 Gigabit",  1,  0,   0,  false },
	{ "c5n.18xlarge",        72,   196608,   100000,  100000,  false, "100 Gigabit",       1,  0,   0,  false },
	/* ac.html: "3200 Gigabit", 32 network cards; 2048 GiB. */
	{ "p5.48xlarge",        192,   2097152,  3200000, 3200000, false, "3200 Gigabit",     32,  0,   0,  false },
	/* ac.html: "4x 100 Gigabit", 4 network cards; 1152 GiB. */
	{ "p4d.24xlarge",        96,   1179648,  400000,  400000,  false, "4x 100 Gigabit",    4,  0,   0,  false },
	{ "trn1n.32xlarge",     128,   524288,   1600000, 1600000, false, "16x 100 Gigabit",  16,  0,   0,  false },
	/* mo.html: "200 Gigabit", 2 network cards; 16384 GiB. */
	{ "u7in-16tb.224xlarge", 896,  16777216, 200000,  200000,  false, "200 Gigabit",       2,  0,   0,  false },
	/* hpc.html: 192 vCPUs, 768 GiB, "300 Gigabit", 2 network cards. */
	{ "hpc7a.96xlarge",     192,   786432,   300000,  300000,  false, "300 Gigabit",       2,  0,   0,  false },
	/* co.html: 2 cards; ena-queues.html: 32 default, 128 maximum per interface. */
	{ "c8gn.48xlarge",      192,   393216,   600000,  600000,  false, "600 Gigabit",       2, 32, 128,  false },
	/* gp.html: "8 / 32" ENA queues; 512 GiB. */
	{ "m6i.32xlarge",       128,   524288,   50000,   50000,   false, "50 Gigabit",        1,  8,  32,  false },
	/* gp.html: "0.39 / 12.5", 1 queue; no stored source prints its string. */
	{ "m7i-flex.large",       2,   8192,     12500,   390,     true,  NULL,                1,  1,   1,  false },
	/* gp.html: "Low to Moderate", Xen; 2023 guide: 0.064 / 1.024 Gbps. */
	{ "t2.micro",             1,   1024,     1024,    64,      true,  "Low to Moderate",   1,  1,   1,  true  },
	/* pg.html: 0.61 GiB, "Very Low", Xen; DescribeInstanceTypes: 627 MiB. */
	{ "t1.micro",             1,   627,      280,     70,      true,  "Very Low",          1,  0,   0,  true  },
	/* so.html: I3 is Xen except i3.metal; 488 and 512 GiB. */
	{ "i3.16xlarge",         64,   499712,   25000,   25000,   false, "25 Gigabit",        1,  0,   0,  true  },
	{ "i3.metal",            72,   524288,   25000,   25000,   false, "25 Gigabit",        1,  0,   0,  false },
	/* mo.html: X1e is Xen; 3904 GiB. */
	{ "x1e.32xlarge",       128,   3997696,  25000,   25000,   false, "25 Gigabit",        1,  0,   0,  true  },
};

static void test_spot(void **state)
{
	const struct spot *s = *state;
	const struct machine_size *m = machine_size_lookup(s->type);

	assert_non_null(m);
	assert_string_equal(m->type, s->type);
	assert_int_equal(m->vcpus, s->vcpus);
	assert_int_equal(m->mem_mib, s->mem_mib);
	assert_int_equal(m->net_mbps, s->net_mbps);
	assert_int_equal(m->net_baseline_mbps, s->net_baseline_mbps);
	assert_int_equal(m->net_up_to, s->net_up_to);
	if (s->net_desc)
		assert_string_equal(m->net_desc, s->net_desc);
	else
		assert_null(m->net_desc);
	assert_int_equal(m->network_cards, s->network_cards);
	assert_int_equal(m->ena_queues_default, s->ena_default);
	assert_int_equal(m->ena_queues_per_eni, s->ena_max);
	assert_int_equal(m->xen, s->xen);
}

/* The brief and the profiles name these; the table must carry them. */
static void test_required_types(void **state)
{
	static const char *const required[] = {
		"c5n.large", "c5n.18xlarge", "c5n.metal", "c6gn.medium",
		"c6gn.16xlarge", "c7gn.large", "c7gn.16xlarge", "c8gn.48xlarge",
		"m5zn.large", "m5zn.12xlarge", "r6idn.large", "r6idn.32xlarge",
		"x2iedn.xlarge", "x2iedn.32xlarge", "u7in-16tb.224xlarge",
		"u-6tb1.112xlarge", "i3en.large", "i3en.24xlarge", "i4g.16xlarge",
		"im4gn.16xlarge", "d3en.12xlarge", "d3.8xlarge", "hpc6a.48xlarge",
		"hpc6id.32xlarge", "hpc7a.96xlarge", "hpc7g.16xlarge",
		"p4d.24xlarge", "p5.48xlarge", "p5en.48xlarge", "trn1.32xlarge",
		"trn1n.32xlarge", "inf2.xlarge", "inf2.48xlarge", "g5.xlarge",
		"g5.48xlarge", "g4dn.metal", "t2.micro", "t2.2xlarge", "t3.nano",
		"t3.2xlarge", "t3a.large", "t4g.micro", "t4g.2xlarge", "t1.micro",
		"a1.medium", "a1.metal", "mac1.metal", "mac2.metal", "m5.large",
		"m5.24xlarge", "m6i.large", "m6i.32xlarge", "m6i.metal",
		"m7g.medium", "m7g.16xlarge", "m7i-flex.large", "c5.large",
		"c6i.32xlarge", "c7g.medium", "c7g.16xlarge", "c7i.48xlarge",
		"r5.large", "r5.24xlarge", "r6i.32xlarge", "r7g.16xlarge",
		"r7iz.32xlarge", "x1e.32xlarge", "x2gd.16xlarge", "z1d.large",
		"z1d.12xlarge", "i3.16xlarge", "i4i.32xlarge", "i7ie.48xlarge",
		"h1.16xlarge", "m4.16xlarge", "c4.8xlarge", "r4.16xlarge",
		"m5n.24xlarge", "c6in.32xlarge",
	};
	size_t i;

	assert_true(machine_size_count() >= 70);
	for (i = 0; i < ARRAY_SIZE(required); i++) {
		if (!machine_size_lookup(required[i]))
			fail_msg("%s is not in the table", required[i]);
	}
}

/* Strictly increasing names: sorted for bsearch() and no duplicate. */
static void test_sorted_unique(void **state)
{
	size_t i, n = machine_size_count();

	for (i = 1; i < n; i++) {
		const char *a = machine_size_at(i - 1)->type;
		const char *b = machine_size_at(i)->type;

		if (strcmp(a, b) >= 0)
			fail_msg("'%s' comes before '%s'", a, b);
	}
	assert_null(machine_size_at(n));
}

/* Every row is found by its own name, through the binary search. */
static void test_lookup_each_row(void **state)
{
	size_t i;

	for (i = 0; i < machine_size_count(); i++) {
		const struct machine_size *m = machine_size_at(i);

		assert_ptr_equal(machine_size_lookup(m->type), m);
	}
}

static void test_names_parse(void **state)
{
	char err[256];
	struct itype t;
	size_t i;

	for (i = 0; i < machine_size_count(); i++) {
		const char *name = machine_size_at(i)->type;

		if (itype_parse(name, &t, err, sizeof(err)) != 0)
			fail_msg("%s: %s", name, err);
	}
}

/* Figures that must hold on every row; 0 is allowed only where unknown. */
static void test_rows_hang_together(void **state)
{
	size_t i;

	for (i = 0; i < machine_size_count(); i++) {
		const struct machine_size *m = machine_size_at(i);

		if (!m->vcpus || !m->mem_mib || !m->net_mbps || !m->net_baseline_mbps)
			fail_msg("%s: vCPUs, memory and bandwidth must be known", m->type);
		if (m->network_cards < 1)
			fail_msg("%s: no network card", m->type);
		if (m->net_baseline_mbps > m->net_mbps)
			fail_msg("%s: baseline above the peak", m->type);
		if (!m->net_up_to && m->net_baseline_mbps != m->net_mbps)
			fail_msg("%s: a fixed rate has one figure", m->type);
		if (m->ena_queues_default > m->ena_queues_per_eni)
			fail_msg("%s: default ENA queues above the maximum", m->type);
		if (m->ena_queues_per_eni && !m->ena_queues_default)
			fail_msg("%s: a maximum without a default", m->type);
		if (m->net_desc && !strncmp(m->net_desc, "Up to", 5) && !m->net_up_to)
			fail_msg("%s: '%s' without up_to", m->type, m->net_desc);
		/* The row's flag and the family answer come from the same lists. */
		if (m->xen != machine_type_is_xen(m->type))
			fail_msg("%s: row says xen=%d", m->type, m->xen);
	}
}

static void test_lookup_unknown(void **state)
{
	assert_null(machine_size_lookup("m5.huge"));
	assert_null(machine_size_lookup("zz9.large"));
	assert_null(machine_size_lookup("m5"));
	assert_null(machine_size_lookup("M5.large"));
	assert_null(machine_size_lookup(""));
	assert_null(machine_size_lookup(NULL));
	/* A family in the table with a size that is not. */
	assert_null(machine_size_lookup("c5n.xlarge"));
}

/* The Hypervisor column of the AWS Instance Types guide. */
static void test_xen(void **state)
{
	assert_true(machine_type_is_xen("c4"));
	assert_true(machine_type_is_xen("c4.large"));
	assert_true(machine_type_is_xen("m4"));
	assert_true(machine_type_is_xen("m4.16xlarge"));
	assert_true(machine_type_is_xen("t2"));
	assert_true(machine_type_is_xen("t2.nano"));
	assert_true(machine_type_is_xen("i3"));
	assert_true(machine_type_is_xen("i3.16xlarge"));
	assert_true(machine_type_is_xen("x1e.32xlarge"));
	/* i3.metal is built on Nitro (so.html, note to I3). */
	assert_false(machine_type_is_xen("i3.metal"));
	assert_false(machine_type_is_xen("c5"));
	assert_false(machine_type_is_xen("c5.large"));
	assert_false(machine_type_is_xen("t3.micro"));
	assert_false(machine_type_is_xen("i3en.large"));
	/* p3dn is Nitro while p3 is Xen: families match whole, not by prefix. */
	assert_true(machine_type_is_xen("p3.2xlarge"));
	assert_false(machine_type_is_xen("p3dn.24xlarge"));
	assert_false(machine_type_is_xen("x2iedn.xlarge"));
	assert_false(machine_type_is_xen(""));
	assert_false(machine_type_is_xen(NULL));
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_required_types),
		cmocka_unit_test(test_sorted_unique),
		cmocka_unit_test(test_lookup_each_row),
		cmocka_unit_test(test_names_parse),
		cmocka_unit_test(test_rows_hang_together),
		cmocka_unit_test(test_lookup_unknown),
		cmocka_unit_test(test_xen),
	};
	struct CMUnitTest tests[ARRAY_SIZE(spots) + ARRAY_SIZE(fixed)];
	size_t i, n = 0;

	/* One test per spot check, named after its row. */
	for (i = 0; i < ARRAY_SIZE(spots); i++)
		tests[n++] = (struct CMUnitTest){
			.name = spots[i].type,
			.test_func = test_spot,
			.initial_state = (void *)&spots[i],
		};
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];

	return cmocka_run_group_tests_name("machine_table", tests, NULL, NULL);
}
