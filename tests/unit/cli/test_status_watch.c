// SPDX-License-Identifier: GPL-2.0-only
/*
 * status --watch on a terminal: how much of a screen fits the window, long
 * lines taking the rows they wrap onto, whole lines only, and how many
 * lines were cut; --watch's SECONDS.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cli/status_watch.h"

static size_t fit(const char *text, unsigned int rows, unsigned int cols, unsigned int *cut)
{
	return status_watch_fit(text, strlen(text), rows, cols, cut);
}

static void test_fits_whole(void **state)
{
	const char *text = "a\nbb\nccc\n";
	unsigned int cut = 99;

	assert_int_equal(fit(text, 3, 80, &cut), strlen(text));
	assert_int_equal(cut, 0);
	/* Unknown size (not a terminal): all of it. */
	assert_int_equal(fit(text, 0, 80, &cut), strlen(text));
	assert_int_equal(fit(text, 2, 0, &cut), strlen(text));
	assert_int_equal(cut, 0);
}

static void test_cut_by_lines(void **state)
{
	unsigned int cut;

	assert_int_equal(fit("a\nbb\nccc\ndddd\n", 2, 80, &cut), strlen("a\nbb\n"));
	assert_int_equal(cut, 2);
	/* The last line without a newline counts as a line. */
	assert_int_equal(fit("a\nbb\nccc", 2, 80, &cut), strlen("a\nbb\n"));
	assert_int_equal(cut, 1);
	/* An empty line takes a row. */
	assert_int_equal(fit("\n\n\nx\n", 3, 80, &cut), 3);
	assert_int_equal(cut, 1);
}

static void test_long_lines_wrap(void **state)
{
	unsigned int cut;

	/* 10 characters on 4 columns take 3 rows: with 1 more, 4 rows. */
	assert_int_equal(fit("0123456789\nx\n", 4, 4, &cut), strlen("0123456789\nx\n"));
	assert_int_equal(cut, 0);
	assert_int_equal(fit("0123456789\nx\n", 3, 4, &cut), strlen("0123456789\n"));
	assert_int_equal(cut, 1);
	/* Exactly the width: one row. */
	assert_int_equal(fit("0123\n0123\n", 2, 4, &cut), 10);
	assert_int_equal(cut, 0);
	/* A first line taller than the window: nothing fits, all of it cut. */
	assert_int_equal(fit("0123456789\nx\n", 2, 4, &cut), 0);
	assert_int_equal(cut, 2);
}

static void test_seconds(void **state)
{
	unsigned int s;

	assert_int_equal(status_watch_seconds(NULL, &s), 0);
	assert_int_equal(s, STATUS_WATCH_DEFAULT_S);
	assert_int_equal(status_watch_seconds("5", &s), 0);
	assert_int_equal(s, 5);
	assert_int_equal(status_watch_seconds("0", &s), -22);
	assert_int_equal(status_watch_seconds("3601", &s), -22);
	assert_int_equal(status_watch_seconds("2s", &s), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits_whole),
		cmocka_unit_test(test_cut_by_lines),
		cmocka_unit_test(test_long_lines_wrap),
		cmocka_unit_test(test_seconds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
