// SPDX-License-Identifier: GPL-2.0-only
/* "Did you mean": edit distances and which known word is close enough. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/suggest.h"

static void test_distance(void **state)
{
	assert_int_equal(suggest_distance("interval", "interval"), 0);
	assert_int_equal(suggest_distance("intervall", "interval"), 1);     /* insert */
	assert_int_equal(suggest_distance("intrval", "interval"), 1);       /* delete */
	assert_int_equal(suggest_distance("intexval", "interval"), 1);      /* substitute */
	assert_int_equal(suggest_distance("stauts", "status"), 1);          /* swap */
	assert_int_equal(suggest_distance("", "mode"), 4);
	assert_int_equal(suggest_distance("kitten", "sitting"), 3);
}

static void test_word(void **state)
{
	static const char *const commands[] = { "daemon", "status", "detect", "profiles",
						"apply", "verify", "revert", "metrics",
						"reload", "version", "help" };
	static const char *const keys[] = { "mode", "imds", "metrics", "interval" };
	size_t n = sizeof(commands) / sizeof(commands[0]);

	assert_string_equal(suggest_word("stauts", commands, n), "status");
	assert_string_equal(suggest_word("verfiy", commands, n), "verify");
	assert_string_equal(suggest_word("profile", commands, n), "profiles");
	assert_string_equal(suggest_word("reveert", commands, n), "revert");
	/* Too far from everything: no guess. */
	assert_null(suggest_word("frobnicate", commands, n));
	assert_null(suggest_word("xyz", commands, n));
	assert_null(suggest_word("", commands, n));
	/* Short words: one edit at most, and never a whole word replaced. */
	assert_string_equal(suggest_word("mod", keys, 4), "mode");
	assert_null(suggest_word("md", keys, 4));
	assert_null(suggest_word("a", (const char *const[]){ "b" }, 1));
	/* Equally close: the first listed wins. */
	assert_string_equal(suggest_word("imdx", keys, 4), "imds");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_word),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
