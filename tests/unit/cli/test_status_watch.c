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

/* A screen, a window, and what of the screen must show: its first `shown` bytes. */
struct fit_case {
	const char *why, *text;
	unsigned int rows, cols;
	size_t shown;
	unsigned int cut;
};

static const struct fit_case cases[] = {
	{ "fits whole", "a\nbb\nccc\n", 3, 80, 9, 0 },
	{ "unknown height (not a terminal): all", "a\nbb\nccc\n", 0, 80, 9, 0 },
	{ "unknown width: all", "a\nbb\nccc\n", 2, 0, 9, 0 },
	{ "cut by lines", "a\nbb\nccc\ndddd\n", 2, 80, 5, 2 },
	{ "a last line without a newline counts", "a\nbb\nccc", 2, 80, 5, 1 },
	{ "an empty line takes a row", "\n\n\nx\n", 3, 80, 3, 1 },
	{ "10 characters on 4 columns take 3 rows", "0123456789\nx\n", 4, 4, 13, 0 },
	{ "a wrapped line pushes the next out", "0123456789\nx\n", 3, 4, 11, 1 },
	{ "exactly the width is one row", "0123\n0123\n", 2, 4, 10, 0 },
	{ "a first line taller than the window: nothing", "0123456789\nx\n", 2, 4, 0, 2 },
};

static void test_fit(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct fit_case *c = &cases[i];
		unsigned int cut = 99;
		size_t shown = status_watch_fit(c->text, strlen(c->text), c->rows, c->cols, &cut);

		if (shown != c->shown || cut != c->cut)
			fail_msg("%s: %zu bytes shown, %u lines cut; want %zu and %u", c->why, shown,
				 cut, c->shown, c->cut);
	}
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
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_seconds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
