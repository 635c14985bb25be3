// SPDX-License-Identifier: GPL-2.0-only
/*
 * EMF dimensions: the dimension_sets syntax (sets, the empty set, errors
 * with the closest name), and values as CloudWatch takes them (UTF-8 kept,
 * bad sequences and controls replaced, 1024 characters, no cut character).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "emf/dimensions.h"

static void expect_sets(const char *text, const char *formatted)
{
	struct emf_dimsets s;
	char err[160] = "", buf[256];

	if (emf_dimsets_parse(text, &s, err, sizeof(err)))
		fail_msg("'%s' refused: %s", text, err);
	emf_dimsets_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, formatted);
}

static void expect_error(const char *text, const char *words)
{
	struct emf_dimsets s, before;
	char err[160] = "";

	emf_dimsets_default(&s);
	before = s;
	assert_int_equal(emf_dimsets_parse(text, &s, err, sizeof(err)), -EINVAL);
	if (!strstr(err, words))
		fail_msg("error for '%s' is \"%s\", not about \"%s\"", text, err, words);
	assert_memory_equal(&s, &before, sizeof(s));
}

static void test_parse(void **state)
{
	struct emf_dimsets s;
	char buf[256];

	emf_dimsets_default(&s);
	emf_dimsets_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "InstanceId; AutoScalingGroupName; InstanceType");
	expect_sets("InstanceId; AutoScalingGroupName; InstanceType",
		    "InstanceId; AutoScalingGroupName; InstanceType");
	/* Names in a set come out in one order: a set is a set. */
	expect_sets(" InstanceType , AutoScalingGroupName ;[]; ImageId;",
		    "InstanceType, AutoScalingGroupName; []; ImageId");
	expect_error("AutoScalingGroup", "did you mean 'AutoScalingGroupName'?");
	expect_error("InstanceId; instanceid", "did you mean 'InstanceId'?");
	expect_error("Region", "unknown dimension 'Region'");
	expect_error("InstanceId, InstanceId", "named twice in one set");
	expect_error("InstanceId; InstanceId", "a set is named twice");
	expect_error("InstanceType, ImageId; ImageId, InstanceType", "a set is named twice");
	expect_error("", "no dimension set");
	expect_error(" ; ", "no dimension set");
	expect_error("[]; InstanceId; ImageId; InstanceType; AutoScalingGroupName; "
		     "InstanceId, ImageId; InstanceId, InstanceType; ImageId, InstanceType; "
		     "ImageId, AutoScalingGroupName", "more than 8 sets");
}

static void test_value(void **state)
{
	static char big[5000], out[EMF_DIM_VALUE_SIZE];
	size_t chars = 0;

	emf_dim_value("web-fleet 50% \"prod\"", out, sizeof(out));
	assert_string_equal(out, "web-fleet 50% \"prod\"");
	emf_dim_value("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80", out, sizeof(out));
	assert_string_equal(out, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80");
	/* A lone continuation byte, an overlong '/', a surrogate, a cut sequence. */
	emf_dim_value("a\x80" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe2\x82", out, sizeof(out));
	assert_string_equal(out, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd"
			    "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "d\xef\xbf\xbd\xef\xbf\xbd");
	emf_dim_value("tab\there\x7f", out, sizeof(out));
	assert_string_equal(out, "tab\xef\xbf\xbdhere\xef\xbf\xbd");
	/* 1024 characters, counted as characters, not bytes. */
	for (size_t i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	emf_dim_value(big, out, sizeof(out));
	assert_int_equal(strlen(out), 2048);
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		chars += (*p & 0xc0) != 0x80;
	assert_int_equal(chars, EMF_DIM_CHARS_MAX);
	/* A small buffer never gets half a character. */
	emf_dim_value("ab\xe2\x82\xac", out, 5);
	assert_string_equal(out, "ab");
	emf_dim_value("", out, sizeof(out));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
