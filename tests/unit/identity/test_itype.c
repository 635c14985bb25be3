// SPDX-License-Identifier: GPL-2.0-only
/*
 * itype_parse() against tables of real EC2 instance type names and of names
 * that must be refused; every row runs as its own named cmocka test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "identity/itype.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct good_case {
	const char *name;
	const char *family;
	const char *class_;
	int generation;
	char processor;
	const char *options;
	const char *variant;
	bool flex;
	const char *size;
	bool metal;
};

static const struct good_case good_cases[] = {
	/* name                  family         class  gen proc opts   variant  flex   size         metal */
	{ "c6in.32xlarge",       "c6in",        "c",     6, 'i', "n",   "",      false, "32xlarge",  false },
	{ "m7i-flex.large",      "m7i-flex",    "m",     7, 'i', "",    "",      true,  "large",     false },
	{ "c7i-flex.2xlarge",    "c7i-flex",    "c",     7, 'i', "",    "",      true,  "2xlarge",   false },
	{ "u-6tb1.metal",        "u-6tb1",      "u",     1,  0,  "",    "6tb",   false, "metal",     true  },
	{ "u-12tb1.112xlarge",   "u-12tb1",     "u",     1,  0,  "",    "12tb",  false, "112xlarge", false },
	{ "u7i-12tb.224xlarge",  "u7i-12tb",    "u",     7, 'i', "",    "12tb",  false, "224xlarge", false },
	{ "u7in-16tb.224xlarge", "u7in-16tb",   "u",     7, 'i', "n",   "16tb",  false, "224xlarge", false },
	{ "mac1.metal",          "mac1",        "mac",   1,  0,  "",    "",      false, "metal",     true  },
	{ "mac2-m2pro.metal",    "mac2-m2pro",  "mac",   2,  0,  "",    "m2pro", false, "metal",     true  },
	{ "mac-m4.metal",        "mac-m4",      "mac",   0,  0,  "",    "m4",    false, "metal",     true  },
	{ "mac-m4pro.metal",     "mac-m4pro",   "mac",   0,  0,  "",    "m4pro", false, "metal",     true  },
	{ "p6-b200.48xlarge",    "p6-b200",     "p",     6,  0,  "",    "b200",  false, "48xlarge",  false },
	{ "p6e-gb200.36xlarge",  "p6e-gb200",   "p",     6,  0,  "e",   "gb200", false, "36xlarge",  false },
	{ "p4de.24xlarge",       "p4de",        "p",     4,  0,  "de",  "",      false, "24xlarge",  false },
	{ "x2iedn.xlarge",       "x2iedn",      "x",     2, 'i', "edn", "",      false, "xlarge",    false },
	{ "trn1n.32xlarge",      "trn1n",       "trn",   1,  0,  "n",   "",      false, "32xlarge",  false },
	{ "hpc7g.16xlarge",      "hpc7g",       "hpc",   7, 'g', "",    "",      false, "16xlarge",  false },
	{ "hpc6id.32xlarge",     "hpc6id",      "hpc",   6, 'i', "d",   "",      false, "32xlarge",  false },
	{ "is4gen.xlarge",       "is4gen",      "is",    4, 'g', "en",  "",      false, "xlarge",    false },
	{ "im4gn.large",         "im4gn",       "im",    4, 'g', "n",   "",      false, "large",     false },
	{ "i4i.metal",           "i4i",         "i",     4, 'i', "",    "",      false, "metal",     true  },
	{ "i3en.24xlarge",       "i3en",        "i",     3,  0,  "en",  "",      false, "24xlarge",  false },
	{ "r7iz.large",          "r7iz",        "r",     7, 'i', "z",   "",      false, "large",     false },
	{ "r5b.large",           "r5b",         "r",     5,  0,  "b",   "",      false, "large",     false },
	{ "m5zn.metal",          "m5zn",        "m",     5,  0,  "zn",  "",      false, "metal",     true  },
	{ "c7i.metal-24xl",      "c7i",         "c",     7, 'i', "",    "",      false, "metal-24xl", true },
	{ "c7gd.metal",          "c7gd",        "c",     7, 'g', "d",   "",      false, "metal",     true  },
	{ "t4g.nano",            "t4g",         "t",     4, 'g', "",    "",      false, "nano",      false },
	{ "t2.micro",            "t2",          "t",     2,  0,  "",    "",      false, "micro",     false },
	{ "t3a.small",           "t3a",         "t",     3, 'a', "",    "",      false, "small",     false },
	{ "a1.medium",           "a1",          "a",     1,  0,  "",    "",      false, "medium",    false },
	{ "m5.large",            "m5",          "m",     5,  0,  "",    "",      false, "large",     false },
	{ "dl2q.24xlarge",       "dl2q",        "dl",    2,  0,  "q",   "",      false, "24xlarge",  false },
	{ "inf2.xlarge",         "inf2",        "inf",   2,  0,  "",    "",      false, "xlarge",    false },
	{ "g5g.xlarge",          "g5g",         "g",     5, 'g', "",    "",      false, "xlarge",    false },
	{ "vt1.3xlarge",         "vt1",         "vt",    1,  0,  "",    "",      false, "3xlarge",   false },
	{ "gr6.4xlarge",         "gr6",         "gr",    6,  0,  "",    "",      false, "4xlarge",   false },
	{ "f2.6xlarge",          "f2",          "f",     2,  0,  "",    "",      false, "6xlarge",   false },
	{ "m6a.999xlarge",       "m6a",         "m",     6, 'a', "",    "",      false, "999xlarge", false },
	/* An option letter we have no meaning for is still accepted. */
	{ "u7inh-32tb.480xlarge", "u7inh-32tb", "u",     7, 'i', "nh",  "32tb",  false, "480xlarge", false },
};

struct bad_case {
	const char *label;	/* test name; some inputs are not printable */
	const char *name;
};

static const struct bad_case bad_cases[] = {
	{ "uppercase",               "C6IN.large" },
	{ "uppercase size",          "m5.Large" },
	{ "empty",                   "" },
	{ "no dot",                  "m5" },
	{ "two dots",                "m5.large.x" },
	{ "only a dot",              "." },
	{ "no family",               ".large" },
	{ "no size",                 "m5." },
	{ "unknown size",            "m5.huge" },
	{ "zero multiplier",         "m5.0xlarge" },
	{ "leading zero multiplier", "m5.01xlarge" },
	{ "multiplier of one",       "m5.1xlarge" },
	{ "multiplier too big",      "m5.1000xlarge" },
	{ "multiplier without xlarge", "m5.2large" },
	{ "metal without number",    "c7i.metal-xl" },
	{ "metal with zero",         "c7i.metal-0xl" },
	{ "metal with xlarge",       "c7i.metal-24xlarge" },
	{ "metal dash only",         "c7i.metal-" },
	{ "leading dash",            "-m5.large" },
	{ "trailing dash",           "m5-.large" },
	{ "double dash",             "m7i--flex.large" },
	{ "two suffixes",            "m7i-flex-x.large" },
	{ "digits only",             "5.large" },
	{ "no generation",           "m.large" },
	{ "no generation flex",      "m-flex.large" },
	{ "zero generation",         "m0.large" },
	{ "leading zero generation", "m05.large" },
	{ "generation too long",     "m1234.large" },
	{ "digits after options",    "m5a5.large" },
	{ "bare u",                  "u.metal" },
	{ "u without generation",    "u-6tb.metal" },
	{ "u with flex",             "u-flex.metal" },
	{ "bare mac",                "mac.metal" },
	{ "class too long",          "abcdefghijklmnopq1.large" },
	{ "options too long",        "m5abcdefghijklmnopq.large" },
	{ "space inside",            "m5 .large" },
	{ "leading space",           " m5.large" },
	{ "trailing newline",        "m5.large\n" },
	{ "tab",                     "m5.\tlarge" },
	{ "underscore",              "m5_large.xlarge" },
	{ "slash",                   "m5/large" },
	{ "high byte",               "m5.l\xc3\xa4rge" },
	{ "too long", "m5-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.xlarge" },
};

/* All-zero, as itype_parse() must leave *out on failure. */
static bool is_zeroed(const struct itype *t)
{
	static const struct itype zero;

	return memcmp(t, &zero, sizeof(zero)) == 0;
}

static void test_good(void **state)
{
	const struct good_case *c = *state;
	char err[256] = "";
	struct itype t;

	memset(&t, 0xa5, sizeof(t));
	assert_int_equal(itype_parse(c->name, &t, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(t.name, c->name);
	assert_string_equal(t.family, c->family);
	assert_string_equal(t.class_, c->class_);
	assert_int_equal(t.generation, c->generation);
	assert_int_equal(t.processor, c->processor);
	assert_string_equal(t.options, c->options);
	assert_string_equal(t.variant, c->variant);
	assert_int_equal(t.flex, c->flex);
	assert_string_equal(t.size, c->size);
	assert_int_equal(t.metal, c->metal);
}

static void test_bad(void **state)
{
	const struct bad_case *c = *state;
	char err[256] = "";
	struct itype t;

	memset(&t, 0xa5, sizeof(t));
	assert_int_equal(itype_parse(c->name, &t, err, sizeof(err)), -EINVAL);
	assert_true(strlen(err) > 0);
	assert_true(is_zeroed(&t));
}

static void test_too_long_runtime(void **state)
{
	char name[ITYPE_NAME_MAX + 8];
	char err[256] = "";
	struct itype t;

	/* One past the limit, and a valid shape, so only the length is wrong. */
	memset(name, 'a', sizeof(name));
	memcpy(name, "m5-", 3);
	strcpy(name + ITYPE_NAME_MAX - 6, ".large");
	assert_int_equal(strlen(name), ITYPE_NAME_MAX);
	assert_int_equal(itype_parse(name, &t, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than"));
}

static void assert_err(const char *name, const char *want)
{
	char err[256] = "";
	struct itype t;

	assert_int_equal(itype_parse(name, &t, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, want);
}

/* The messages the user sees: they name the problem and show a fix. */
static void test_messages(void **state)
{
	assert_err("C6IN.large",
		   "'C6IN.large' is not an instance type: use lowercase letters, as in c6in.large");
	assert_err("m5",
		   "'m5' has no size: expected FAMILY.SIZE such as m5.large");
	assert_err("m5.huge",
		   "unknown size 'huge' in 'm5.huge': expected nano, micro, small, medium, large, xlarge, NNxlarge, metal or metal-NNxl");
	assert_err("m5.large\n",
		   "instance type name has byte 0x0a at offset 8: use only a-z, 0-9, '-' and '.'");
}

static void test_null_args(void **state)
{
	char err[8] = "x";
	struct itype t;

	assert_int_equal(itype_parse(NULL, &t, err, sizeof(err)), -EINVAL);
	assert_true(is_zeroed(&t));
	assert_int_equal(itype_parse("m5.large", NULL, err, sizeof(err)), -EINVAL);
	/* No room for a message is not an error of its own. */
	assert_int_equal(itype_parse("m5.large", &t, NULL, 0), 0);
	assert_int_equal(itype_parse("M5.large", &t, NULL, 0), -EINVAL);
	strcpy(err, "x");
	assert_int_equal(itype_parse("M5.large", &t, err, 0), -EINVAL);
	assert_string_equal(err, "x");
}

static void test_err_truncated(void **state)
{
	char err[8];
	struct itype t;

	memset(err, 'z', sizeof(err));
	assert_int_equal(itype_parse("m5.huge", &t, err, sizeof(err)), -EINVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
}

static void test_processor_name(void **state)
{
	assert_string_equal(itype_processor_name('a'), "AMD");
	assert_string_equal(itype_processor_name('g'), "AWS Graviton");
	assert_string_equal(itype_processor_name('i'), "Intel");
	assert_null(itype_processor_name(0));
	assert_null(itype_processor_name('n'));
	assert_null(itype_processor_name('A'));
}

static void test_option_meaning(void **state)
{
	static const char known[] = "bdenzq";
	size_t i;

	for (i = 0; known[i]; i++)
		assert_non_null(itype_option_meaning(known[i]));
	assert_string_equal(itype_option_meaning('d'), "local NVMe instance storage");
	assert_string_equal(itype_option_meaning('n'), "network optimized");
	assert_null(itype_option_meaning('h'));
	assert_null(itype_option_meaning('i'));
	assert_null(itype_option_meaning(0));
}

/* Every option letter the good table uses is either known or NULL, never junk. */
static void test_options_of_good_names(void **state)
{
	struct itype t;
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(good_cases); i++) {
		assert_int_equal(itype_parse(good_cases[i].name, &t, NULL, 0), 0);
		for (j = 0; t.options[j]; j++) {
			const char *m = itype_option_meaning(t.options[j]);

			assert_true(m == NULL || strlen(m) > 0);
		}
		if (t.processor)
			assert_non_null(itype_processor_name(t.processor));
	}
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_too_long_runtime),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_null_args),
		cmocka_unit_test(test_err_truncated),
		cmocka_unit_test(test_processor_name),
		cmocka_unit_test(test_option_meaning),
		cmocka_unit_test(test_options_of_good_names),
	};
	struct CMUnitTest tests[ARRAY_SIZE(good_cases) + ARRAY_SIZE(bad_cases) +
				ARRAY_SIZE(fixed)];
	size_t i, n = 0;

	/* One test per table row, named after it, so a failure names the row. */
	for (i = 0; i < ARRAY_SIZE(good_cases); i++)
		tests[n++] = (struct CMUnitTest){
			.name = good_cases[i].name,
			.test_func = test_good,
			.initial_state = (void *)&good_cases[i],
		};
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++)
		tests[n++] = (struct CMUnitTest){
			.name = bad_cases[i].label,
			.test_func = test_bad,
			.initial_state = (void *)&bad_cases[i],
		};
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];

	return cmocka_run_group_tests_name("itype", tests, NULL, NULL);
}
