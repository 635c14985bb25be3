// SPDX-License-Identifier: GPL-2.0-only
/*
 * Formulas relative to the machine: each term and modifier, exact arithmetic,
 * conversion and rounding, pow2, the order of min and max, every error with
 * the token its message names, overflow when parsing and when resolving,
 * unknown facts, the explanation line, which values count as formulas, and
 * the canonical text parsing back to the same formula.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tune/formula.h"

#define GIB (1ULL << 30)

static const struct machine_facts small = { .mem_bytes = 1 * GIB, .vcpus = 1, .queues = 1 };
static const struct machine_facts m8g = { .mem_bytes = 8 * GIB, .vcpus = 8, .queues = 8 };
static const struct machine_facts m8g_16k = {
	.mem_bytes = 8 * GIB, .vcpus = 8, .queues = 8, .page_size = 16384
};
static const struct machine_facts m16g = { .mem_bytes = 16 * GIB, .vcpus = 4, .queues = 3 };
static const struct machine_facts big = { .mem_bytes = 768 * GIB, .vcpus = 192, .queues = 32 };
static const struct machine_facts huge = {
	.mem_bytes = UINT64_MAX, .vcpus = UINT32_MAX, .queues = UINT32_MAX
};

/* The value of text on m; fails the test on any error. */
static uint64_t eval(const char *text, const struct machine_facts *m)
{
	struct formula f;
	char err[512];
	uint64_t v = 0;

	if (formula_parse(text, &f, err, sizeof(err)))
		fail_msg("'%s' does not parse: %s", text, err);
	if (formula_resolve(&f, m, &v, NULL, 0, err, sizeof(err)))
		fail_msg("'%s' does not resolve: %s", text, err);
	return v;
}

/* The explanation of text on m. */
static const char *why(const char *text, const struct machine_facts *m)
{
	static char line[512];
	struct formula f;
	char err[512];
	uint64_t v;

	assert_int_equal(formula_parse(text, &f, err, sizeof(err)), 0);
	assert_int_equal(formula_resolve(&f, m, &v, line, sizeof(line), err, sizeof(err)), 0);
	return line;
}

/* text must not parse, with a message holding each of the (up to two) needles. */
static void expect_error(const char *text, const char *needle, const char *needle2)
{
	struct formula f;
	char err[512] = "";

	if (formula_parse(text, &f, err, sizeof(err)) != -EINVAL)
		fail_msg("'%s' parses; expected an error naming %s", text, needle);
	if (!strstr(err, needle) || (needle2 && !strstr(err, needle2)))
		fail_msg("'%s': message '%s' lacks '%s'%s%s", text, err, needle,
			 needle2 ? " or " : "", needle2 ? needle2 : "");
}

/* text parses but does not resolve on m: ret, and a message holding needle. */
static void expect_resolve_error(const char *text, const struct machine_facts *m, int ret,
				 const char *needle)
{
	struct formula f;
	char err[512] = "", line[256] = "x";
	uint64_t v = 12345;

	assert_int_equal(formula_parse(text, &f, err, sizeof(err)), 0);
	assert_int_equal(formula_resolve(&f, m, &v, line, sizeof(line), err, sizeof(err)), ret);
	assert_int_equal(v, 12345);
	if (!strstr(err, needle))
		fail_msg("'%s': message '%s' lacks '%s'", text, err, needle);
}

static void test_terms(void **state)
{
	assert_int_equal(eval("4096", NULL), 4096);
	assert_int_equal(eval("256M", NULL), 256ULL << 20);
	assert_int_equal(eval("64K", NULL), 65536);
	assert_int_equal(eval("64KiB", NULL), 65536);
	assert_int_equal(eval("2MiB", NULL), 2ULL << 20);
	assert_int_equal(eval("1G", NULL), GIB);
	assert_int_equal(eval("3GiB", NULL), 3 * GIB);
	assert_int_equal(eval("1T", NULL), 1ULL << 40);
	assert_int_equal(eval("2TiB", NULL), 2ULL << 40);
	assert_int_equal(eval("1%mem", &big), 8246337208ULL);
	assert_int_equal(eval("100%mem", &m8g), 8 * GIB);
	assert_int_equal(eval("0%mem", &m8g), 0);
	assert_int_equal(eval("1024*vcpus", &m8g), 8192);
	assert_int_equal(eval("1024*vcpus", &big), 196608);
	assert_int_equal(eval("4096*queues", &m8g), 32768);
	assert_int_equal(eval("4096*queues", &m16g), 12288);
	/* whitespace of any kind between tokens, none needed around the value */
	assert_int_equal(eval(" \t1G\tin\nKiB \r", NULL), 1048576);
}

static void test_exact(void **state)
{
	/* 85899345.92 and 42949672.96: rounded down, no float on the way */
	assert_int_equal(eval("1%mem", &m8g), 85899345);
	assert_int_equal(eval("0.5%mem", &m8g), 42949672);
	assert_int_equal(eval("1.5G", NULL), 1610612736);
	assert_int_equal(eval("1.5K", NULL), 1536);
	assert_int_equal(eval("0.3K", NULL), 307);
	assert_int_equal(eval("0.000001T", NULL), 1099511);
	assert_int_equal(eval("1.50G", NULL), 1610612736);
	assert_int_equal(eval("1.500000000000G", NULL), 1610612736);
	assert_int_equal(eval("0.0000010000*vcpus", &(struct machine_facts){ .vcpus = 2000000 }), 2);
	assert_int_equal(eval("1.5*vcpus", &m16g), 6);
	assert_int_equal(eval("1.5*queues", &m16g), 4);
	assert_int_equal(eval("0.000001*vcpus", &(struct machine_facts){ .vcpus = 3000000 }), 3);
	/* 300 x 33.333333% = 99.999999: a float could well give 100 */
	assert_int_equal(eval("33.333333%mem", &(struct machine_facts){ .mem_bytes = 300 }), 99);
}

static void test_units_out(void **state)
{
	assert_int_equal(eval("1G in B", NULL), GIB);
	assert_int_equal(eval("1G in KiB", NULL), 1048576);
	assert_int_equal(eval("1G in MiB", NULL), 1024);
	assert_int_equal(eval("1G in pages", NULL), 262144);
	/* 83886.07 KiB, 20971.52 pages, 81.92 MiB: rounded down */
	assert_int_equal(eval("1%mem in KiB", &m8g), 83886);
	assert_int_equal(eval("1%mem in pages", &m8g), 20971);
	/* pages are the kernel's: 16 KiB ones on an arm64 kernel built so */
	assert_int_equal(eval("1%mem in pages", &m8g_16k), 5242);
	assert_int_equal(eval("1%mem in MiB", &m8g), 81);
	assert_int_equal(eval("1.99K in KiB", NULL), 1);
	/* a number without a unit is bytes as a bound of a bytes term */
	assert_int_equal(eval("1%mem min 65536 in KiB",
			      &(struct machine_facts){ .mem_bytes = 1000 }), 64);
}

static void test_min_max(void **state)
{
	/* 2% of 1 GiB = 20 MiB: the floor; of 16 GiB: inside; of 768 GiB: the cap */
	assert_int_equal(eval("2%mem min 64M max 1G in KiB", &small), 65536);
	assert_int_equal(eval("2%mem min 64M max 1G in KiB", &m16g), 335544);
	assert_int_equal(eval("2%mem min 64M max 1G in KiB", &big), 1048576);
	/* bounds are bytes before the conversion: max 1G in KiB is 1048576 */
	assert_int_equal(eval("1%mem max 1G in KiB", &big), 1048576);
	assert_int_equal(eval("5%mem max 4G", &big), 4 * GIB);
	assert_int_equal(eval("5%mem max 4G", &m8g), 429496729);
	assert_int_equal(eval("1024*vcpus min 1000 max 65536", &small), 1024);
	assert_int_equal(eval("1024*vcpus min 2000 max 65536", &small), 2000);
	assert_int_equal(eval("1024*vcpus min 1000 max 65536", &big), 65536);
	assert_int_equal(eval("0.9*vcpus min 1", &small), 1);
	/* modifiers in any order, one meaning; a floor equal to the cap is fine */
	assert_int_equal(eval("1%mem in KiB max 1G", &big), 1048576);
	assert_int_equal(eval("1024*vcpus max 65536 min 1000", &small), 1024);
	assert_int_equal(eval("1%mem min 1G max 1G", &small), GIB);
	/* min then max then conversion then pow2 */
	assert_int_equal(eval("1%mem min 3M max 5M in MiB pow2", &small), 4);
}

static void test_pow2(void **state)
{
	assert_int_equal(eval("4096*queues pow2 max 65536", &m16g), 8192);
	assert_int_equal(eval("4096*queues pow2 max 65536", &m8g), 32768);
	assert_int_equal(eval("4096*queues pow2 max 65536", &big), 65536);
	assert_int_equal(eval("4096*queues pow2 max 100000", &big), 65536);
	assert_int_equal(eval("1 pow2", NULL), 1);
	assert_int_equal(eval("3 pow2", NULL), 2);
	assert_int_equal(eval("9223372036854775807 pow2", NULL), 1ULL << 62);
	/* after the conversion: 81.92 MiB -> 81 -> 64 */
	assert_int_equal(eval("1%mem in MiB pow2", &m8g), 64);
	/* pow2 rounds down, below a floor that is no power of two */
	assert_int_equal(eval("1*vcpus min 1000 pow2", &small), 512);
}

static void test_why(void **state)
{
	assert_string_equal(why("1%mem max 1G in KiB", &big),
			    "1% of 768 GiB RAM = 7.68 GiB, capped at 1 GiB = 1048576 KiB");
	assert_string_equal(why("2%mem min 64M max 1G in KiB", &small),
			    "2% of 1 GiB RAM = 20.48 MiB, raised to the floor of 64 MiB = 65536 KiB");
	assert_string_equal(why("4096*queues", &m8g), "4096 x 8 queues = 32768");
	assert_string_equal(why("4096*queues pow2 max 65536", &m16g),
			    "4096 x 3 queues = 12288, rounded down to a power of two = 8192");
	assert_string_equal(why("4096*queues pow2 max 65536", &big),
			    "4096 x 32 queues = 131072, capped at 65536, a power of two");
	assert_string_equal(why("1024*vcpus min 2000", &small),
			    "1024 x 1 vCPU = 1024, raised to the floor of 2000");
	assert_string_equal(why("256M", NULL), "256 MiB = 268435456 bytes");
	assert_string_equal(why("4096", NULL), "4096");
	assert_string_equal(why("0.5%mem in pages", &m8g),
			    "0.5% of 8 GiB RAM = 40.96 MiB = 10485 pages of 4 KiB (assumed: the "
			    "host's kernel decides)");
	assert_string_equal(why("0.5%mem in pages", &m8g_16k),
			    "0.5% of 8 GiB RAM = 40.96 MiB = 2621 pages of 16 KiB");
	assert_string_equal(why("1%mem in MiB pow2", &m8g),
			    "1% of 8 GiB RAM = 81.92 MiB = 81 MiB, rounded down to a power of two = "
			    "64 MiB");
	/* a short buffer is cut, still terminated */
	{
		struct formula f;
		char line[16], err[128];
		uint64_t v;

		assert_int_equal(formula_parse("1%mem max 1G in KiB", &f, err, sizeof(err)), 0);
		assert_int_equal(formula_resolve(&f, &big, &v, line, sizeof(line), err,
						 sizeof(err)), 0);
		assert_string_equal(line, "1% of 768 GiB R");
		assert_int_equal(v, 1048576);
	}
}

static void test_errors(void **state)
{
	static const struct {
		const char *text, *needle, *needle2;
	} cases[] = {
		{ "", "empty", NULL },
		{ " \t\n", "empty", NULL },
		/* unknown unit or keyword, garbage after a number */
		{ "1G foo", "'foo'", "min, max, in or pow2" },
		{ "1G MAX 2G", "'MAX'", NULL },
		{ "64k", "'k'", "K, M, G, T" },
		{ "64KB", "'KB'", NULL },
		{ "12abc", "'abc'", NULL },
		{ "1e6", "'e6'", NULL },
		{ "1.2.3", "'1.2.3'", NULL },
		{ "1.", "'1.'", NULL },
		{ "12,5", "'12,5'", NULL },
		{ "abc", "'abc'", "not a number" },
		{ "max 1G 1%mem", "'max'", "not a number" },
		{ "madvise", "'madvise'", NULL },
		{ "max", "'max'", NULL },
		{ ".5G", "'.5G'", "0.5G" },
		{ "1%cpu", "'%cpu'", "%mem" },
		{ "4*cpus", "'*cpus'", "*vcpus" },
		{ "*vcpus", "'*vcpus'", "1024*vcpus" },
		{ "1024 *vcpus", "'*vcpus'", "joined" },
		{ "5 %mem", "'%mem'", "joined" },
		{ "64 K", "'K'", "64K" },
		{ "1%mem KiB", "'KiB'", "in KiB" },
		{ "4096 131072", "'131072'", NULL },
		{ "1G in GiB", "'in GiB'", "KiB, MiB or pages" },
		{ "1G in kib", "'in kib'", NULL },
		{ "1G max abc", "'abc'", "max takes a quantity" },
		{ "1G max 1e3", "'e3'", NULL },
		/* negative numbers */
		{ "-5", "'-5'", "negative" },
		{ "-1%mem", "'-1%mem'", "negative" },
		{ "1G max -1", "'-1'", "negative" },
		/* decimals: a count and a bound without a unit are whole, 6 places at most */
		{ "1.5", "'1.5'", "whole" },
		{ "1G min 1.5", "'min 1.5'", "whole" },
		{ "1024*vcpus max 1.5", "'max 1.5'", "whole" },
		{ "1.1234567G", "'1.1234567G'", "decimals" },
		{ "0.0000001*vcpus", "'0.0000001*vcpus'", "decimals" },
		{ "1.0000000001G", "'1.0000000001G'", "decimals" },
		/* overflow at parse time */
		{ "99999999T", "'99999999T'", "too large" },
		{ "8388608T", "'8388608T'", "too large" },
		{ "9223372036854775808", "'9223372036854775808'", "too large" },
		{ "99999999999999999999*vcpus", "'99999999999999999999*vcpus'", "too large" },
		{ "1G max 8388608T", "'max 8388608T'", "too large" },
		/* percent above 100 */
		{ "101%mem", "'101%mem'", "0 to 100" },
		{ "100.000001%mem", "'100.000001%mem'", NULL },
		/* a modifier without its argument */
		{ "1G max", "'max' needs", NULL },
		{ "1G min", "'min' needs", NULL },
		{ "1G in", "'in' needs", "KiB" },
		{ "1G max in KiB", "'max' needs", NULL },
		{ "1G min pow2", "'min' needs", NULL },
		/* each modifier once */
		{ "1G max 2G max 3G", "'max' is given twice", NULL },
		{ "1G min 1K min 1K", "'min' is given twice", NULL },
		{ "1G in KiB in MiB", "'in' is given twice", NULL },
		{ "1G in B in B", "'in' is given twice", NULL },
		{ "8*queues pow2 pow2", "'pow2' is given twice", NULL },
		/* counts and bytes do not mix */
		{ "1024*vcpus max 1G", "'max 1G'", "count" },
		{ "4096*queues min 64K", "'min 64K'", "count" },
		{ "4096 max 1K", "'max 1K'", "count" },
		{ "1%mem min 1%mem", "'min 1%mem'", "fixed quantity" },
		{ "1G max 8*vcpus", "'max 8*vcpus'", "fixed quantity" },
		/* in with a count term */
		{ "4096 in KiB", "'in KiB'", "'4096' is a count" },
		{ "8*queues in pages", "'in pages'", "count" },
		{ "1024*vcpus in B", "'in B'", "count" },
		/* a cap below the floor */
		{ "1G min 2G max 1G", "'max 1G'", "'min 2G'" },
		{ "1024*vcpus min 100 max 99", "'max 99'", "'min 100'" },
		/* pow2 of 0 */
		{ "0 pow2", "'pow2' of 0", "'0'" },
		{ "0%mem pow2", "'pow2' of 0", "'0%mem'" },
		{ "0*queues pow2", "'pow2' of 0", NULL },
		{ "0*queues min 0 pow2", "'pow2' of 0", NULL },
		{ "0.0001K pow2", "'pow2' of 0", "'0.0001K'" },
		{ "1K in MiB pow2", "'pow2' of 0", "'1K'" },
		{ "1%mem max 1000 in KiB pow2", "'pow2' of 0", "'max 1000'" },
		{ "8*vcpus max 0 pow2", "'pow2' of 0", "'max 0'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(cases[i].text, cases[i].needle, cases[i].needle2);
}

static void test_parse_edges(void **state)
{
	char text[FORMULA_TEXT_MAX + 8];
	struct formula f;

	/* at the limits: INT64_MAX, 8388607 TiB, 100% */
	assert_int_equal(eval("9223372036854775807", NULL), INT64_MAX);
	assert_int_equal(eval("8388607T", NULL), (8388607ULL << 40));
	assert_int_equal(eval("100.000000%mem", &small), GIB);
	assert_int_equal(eval("0*queues min 1 pow2", &m8g), 1);
	assert_int_equal(eval("007", NULL), 7);
	/* longest text and one byte more */
	memset(text, ' ', sizeof(text));
	text[0] = '1';
	text[FORMULA_TEXT_MAX - 1] = '\0';
	assert_int_equal(eval(text, NULL), 1);
	text[FORMULA_TEXT_MAX - 1] = ' ';
	text[FORMULA_TEXT_MAX] = '\0';
	expect_error(text, "longer than 255 bytes", NULL);
	/* no message buffer, NULL text: errors all the same */
	assert_int_equal(formula_parse("1G foo", &f, NULL, 0), -EINVAL);
	assert_int_equal(formula_parse(NULL, &f, NULL, 0), -EINVAL);
	/* a failed parse leaves nothing behind */
	assert_int_equal(formula_parse("1%mem max 1G in KiB pow2 foo", &f, NULL, 0), -EINVAL);
	assert_false(f.has_max || f.pow2 || f.out || f.num.digits);
}

static void test_resolve_overflow(void **state)
{
	/* 2^62 x 2 queues = 2^63, one more than INT64_MAX */
	assert_int_equal(eval("4611686018427387904*queues", &small), 1ULL << 62);
	expect_resolve_error("4611686018427387904*queues", &(struct machine_facts){ .queues = 2 },
			     -EINVAL, "'4611686018427387904*queues' comes to 9223372036854775808");
	expect_resolve_error("9223372036854775807*vcpus", &huge, -EINVAL, "max 65536");
	expect_resolve_error("100%mem", &huge, -EINVAL, "'100%mem'");
	expect_resolve_error("100%mem in KiB", &huge, -EINVAL, "add a cap");
	/* a cap keeps it in range, whatever the machine */
	assert_int_equal(eval("100%mem max 1G", &huge), GIB);
	assert_int_equal(eval("9223372036854775807*vcpus max 100", &huge), 100);
	assert_int_equal(eval("50%mem", &huge), UINT64_MAX / 2);
	assert_string_equal(why("9223372036854775807*vcpus max 100", &huge),
			    "9223372036854775807 x 4294967295 vCPUs = "
			    "39614081247908796755622232065, capped at 100");
	/* pow2 of 0 that only this machine gives */
	expect_resolve_error("0.001*vcpus pow2", &small, -EINVAL, "'pow2' of 0");
	expect_resolve_error("1%mem in MiB pow2", &(struct machine_facts){ .mem_bytes = 1000 },
			     -EINVAL, "'1%mem' comes to 0 MiB");
}

static void test_unknown_facts(void **state)
{
	const struct machine_facts none = { .mem_bytes = 0 };

	expect_resolve_error("1%mem max 1G in KiB", &none, -ENODATA,
			     "'1%mem' needs the size of the memory, which is unknown here");
	expect_resolve_error("1024*vcpus", &none, -ENODATA,
			     "needs the number of vCPUs, which is unknown here");
	expect_resolve_error("4096*queues pow2",
			     &(struct machine_facts){ .mem_bytes = 8 * GIB, .vcpus = 8 }, -ENODATA,
			     "'4096*queues' needs the number of queues");
	expect_resolve_error("0.5%mem", NULL, -ENODATA, "'0.5%mem' needs");
	/* a fact the formula does not use may be unknown; constants need none */
	assert_int_equal(eval("1024*vcpus", &(struct machine_facts){ .vcpus = 2 }), 2048);
	assert_int_equal(eval("256M in KiB", NULL), 262144);
	assert_int_equal(eval("4096 pow2 max 1000", &none), 512);
}

static void test_is_relative(void **state)
{
	static const char *const plain[] = {
		"4096", "4096 131072 16777216", "madvise", "max", "", "  ", "mq-deadline", "bbr",
		"fq_codel", "-1", "1.5", "0-3", "00000000,000000ff", "10.0.0.0/8", "always [madvise] never",
		"|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h", "|/bin/x %mem *vcpus",
		"min", "in", "pow2 max", "64k", "1 2 3 4",
	};
	static const char *const relative[] = {
		"1%mem", "0.5%mem", "1024*vcpus", "4096*queues", "64K", "1.5G", "256MiB", "1T",
		"4096 pow2", "4096 max 65536", "4096 in KiB", "1 min 1", "1024 *vcpus", "5 %mem",
		"-1%mem", "1G foo", "max 1G", "1%mem max 1G in KiB", "2%mem min 64M max 1G in KiB",
		"4096*queues pow2 max 65536", "1024*vcpus min 1000 max 65536", "256M", "5%mem max 4G",
	};

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (formula_is_relative(plain[i]))
			fail_msg("'%s' taken for a formula", plain[i]);
	for (size_t i = 0; i < sizeof(relative) / sizeof(relative[0]); i++)
		if (!formula_is_relative(relative[i]))
			fail_msg("'%s' not taken for a formula", relative[i]);
	assert_false(formula_is_relative(NULL));
}

static void assert_same(const struct formula *a, const struct formula *b)
{
	assert_int_equal(a->term, b->term);
	assert_int_equal(a->num.digits, b->num.digits);
	assert_int_equal(a->num.decimals, b->num.decimals);
	assert_int_equal(a->num.unit, b->num.unit);
	assert_int_equal(a->base, b->base);
	assert_int_equal(a->has_min, b->has_min);
	assert_int_equal(a->has_max, b->has_max);
	assert_int_equal(a->pow2, b->pow2);
	assert_int_equal(a->min, b->min);
	assert_int_equal(a->max, b->max);
	assert_int_equal(a->out, b->out);
}

static void test_format(void **state)
{
	static const struct {
		const char *text, *canonical;
	} cases[] = {
		{ "1%mem max 1G in KiB", "1%mem max 1G in KiB" },
		{ "2%mem  min 64M\tmax 1G in KiB", "2%mem min 64M max 1G in KiB" },
		{ "4096*queues pow2 max 65536", "4096*queues max 65536 pow2" },
		{ "1024*vcpus max 65536 min 1000", "1024*vcpus min 1000 max 65536" },
		{ "256M", "256M" },
		{ "256MiB in B", "256M" },
		{ "1.50GiB max 2048M", "1.5G max 2048M" },
		{ "100.000%mem", "100%mem" },
		{ "0.5%mem in pages min 4KiB pow2", "0.5%mem min 4K in pages pow2" },
		{ "0.3K", "0.3K" },
		{ "0.000001T", "0.000001T" },
		{ "1%mem min 65536 in MiB", "1%mem min 65536 in MiB" },
		{ "007", "7" },
		{ "1.25*vcpus min 1 max 9223372036854775807", "1.25*vcpus min 1 max 9223372036854775807" },
	};
	static const struct machine_facts *const machines[] = { &small, &m8g, &m16g, &big, &huge };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct formula a, b;
		char text[FORMULA_TEXT_MAX], again[FORMULA_TEXT_MAX], err[256];

		assert_int_equal(formula_parse(cases[i].text, &a, err, sizeof(err)), 0);
		formula_format(&a, text, sizeof(text));
		assert_string_equal(text, cases[i].canonical);
		if (formula_parse(text, &b, err, sizeof(err)))
			fail_msg("'%s' formatted as '%s', which does not parse: %s", cases[i].text,
				 text, err);
		assert_same(&a, &b);
		formula_format(&b, again, sizeof(again));
		assert_string_equal(text, again);
		for (size_t k = 0; k < sizeof(machines) / sizeof(machines[0]); k++) {
			uint64_t va = 1, vb = 2;
			int ra = formula_resolve(&a, machines[k], &va, NULL, 0, NULL, 0);
			int rb = formula_resolve(&b, machines[k], &vb, NULL, 0, NULL, 0);

			assert_int_equal(ra, rb);
			if (!ra)
				assert_int_equal(va, vb);
		}
	}
	/* a short buffer is cut and terminated */
	{
		struct formula f;
		char small_buf[6];

		assert_int_equal(formula_parse("2%mem min 64M", &f, NULL, 0), 0);
		formula_format(&f, small_buf, sizeof(small_buf));
		assert_string_equal(small_buf, "2%mem");
	}
}

static void test_human_bytes(void **state)
{
	static const struct {
		uint64_t bytes;
		const char *text;
	} cases[] = {
		{ 0, "0 B" },
		{ 1023, "1023 B" },
		{ 1024, "1 KiB" },
		{ 1536, "1.5 KiB" },
		{ 1048575, "1 MiB" },                   /* 1023.999 KiB rounds to 1 MiB */
		{ 85899345, "81.92 MiB" },
		{ 8246337208ULL, "7.68 GiB" },
		{ 768 * GIB, "768 GiB" },
		{ 1ULL << 40, "1 TiB" },
		{ UINT64_MAX, "16 EiB" },
	};
	char buf[FORMULA_HUMAN_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		formula_human_bytes(cases[i].bytes, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
	}
}

/* Random text from the formula's alphabet: no crash, and what parses resolves or says why. */
static void test_random_text(void **state)
{
	static const char alphabet[] = "0123456789.%*-KMGTiB memvcpusqueuesminmaxinpow2pages \t";
	static const struct machine_facts *const machines[] = { NULL, &small, &big, &huge };
	char buf[64], err[256], line[256];
	struct formula f;
	int parsed = 0;

	srand(7);
	for (int i = 0; i < 50000; i++) {
		size_t n = (size_t)rand() % (sizeof(buf) - 1);

		for (size_t k = 0; k < n; k++)
			buf[k] = alphabet[rand() % (sizeof(alphabet) - 1)];
		buf[n] = '\0';
		err[0] = '\0';
		if (formula_parse(buf, &f, err, sizeof(err))) {
			assert_true(err[0] != '\0');
			continue;
		}
		parsed++;
		for (size_t k = 0; k < sizeof(machines) / sizeof(machines[0]); k++) {
			uint64_t v;

			err[0] = '\0';
			if (formula_resolve(&f, machines[k], &v, line, sizeof(line), err, sizeof(err)))
				assert_true(err[0] != '\0');
			else
				assert_true(v <= INT64_MAX && (!f.pow2 || (v & (v - 1)) == 0));
		}
	}
	assert_true(parsed > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terms),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_units_out),
		cmocka_unit_test(test_min_max),
		cmocka_unit_test(test_pow2),
		cmocka_unit_test(test_why),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_parse_edges),
		cmocka_unit_test(test_resolve_overflow),
		cmocka_unit_test(test_unknown_facts),
		cmocka_unit_test(test_is_relative),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_human_bytes),
		cmocka_unit_test(test_random_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
