// SPDX-License-Identifier: GPL-2.0-only
/*
 * status's long lines folded to the terminal's width (cli/text_wrap.c):
 * where a line folds, where its rows start, what is left whole; and over
 * many widths, that no row runs past the width but one holding a single
 * overlong word, and that the words come out as they went in; the width
 * taken from COLUMNS.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/text_wrap.h"

/* text_wrap() of text at cols, indent 13 (status's text column), as a string. */
static char *wrapped(const char *text, unsigned int cols)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	text_wrap(text, strlen(text), cols, 13, f);
	assert_int_equal(fclose(f), 0);
	return out;
}

struct wrap_case {
	const char *why, *in, *want;
	unsigned int cols;
};

static const struct wrap_case cases[] = {
	{ "short lines as they are", "a b\n\nccc\n", "a b\n\nccc\n", 40 },
	{ "a label's line continues under its text",
	  "instance     not an EC2 instance (no Amazon EC2 DMI vendor; IMDS disabled by "
	  "config); using the generic profile\n",
	  "instance     not an EC2 instance (no\n"
	  "             Amazon EC2 DMI vendor; IMDS\n"
	  "             disabled by config); using\n"
	  "             the generic profile\n", 40 },
	{ "a line indented deeper continues at its own indent",
	  "              why: mode advise: 2 changes planned, none written (status lists them)",
	  "              why: mode advise: 2\n"
	  "              changes planned, none\n"
	  "              written (status lists\n"
	  "              them)", 40 },
	{ "a word longer than a row is not cut, and not folded off its label",
	  "host         /a/very/long/path/that/does/not/fit/in/forty/columns/at/all and more\n",
	  "host         /a/very/long/path/that/does/not/fit/in/forty/columns/at/all\n"
	  "             and more\n", 40 },
	{ "the first row never folds inside its label",
	  "sink         unavailable: tcp://127.0.0.1:25888, 0 sent, 2 waiting, 0 dropped\n",
	  "sink         unavailable:\n"
	  "             tcp://127.0.0.1:25888, 0\n"
	  "             sent, 2 waiting, 0 dropped\n", 40 },
	{ "exactly the width: one row",
	  "0123456789 0123456789 0123456789 0123456\n",
	  "0123456789 0123456789 0123456789 0123456\n", 40 },
	{ "one over the width folds at the last space",
	  "0123456789 0123456789 0123456789 01234567\n",
	  "0123456789 0123456789 0123456789\n             01234567\n", 40 },
	{ "spaces at the fold are dropped, not carried",
	  "label        0123456789 0123456789   0123456789 x\n",
	  "label        0123456789 0123456789\n             0123456789 x\n", 40 },
	{ "an indent past half the width: left whole",
	  "                         deep text that runs on past the edge of forty\n",
	  "                         deep text that runs on past the edge of forty\n", 40 },
	{ "under the minimum width: left whole",
	  "label        a b c d e f g h i j k l m n o p q r s t\n",
	  "label        a b c d e f g h i j k l m n o p q r s t\n", 39 },
	{ "no width (a pipe): left whole",
	  "label        a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d\n",
	  "label        a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d\n", 0 },
};

static void test_cases(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = wrapped(cases[i].in, cases[i].cols);

		if (strcmp(got, cases[i].want))
			fail_msg("%s (cols %u):\n--- got\n%s\n--- want\n%s", cases[i].why,
				 cases[i].cols, got, cases[i].want);
		free(got);
	}
}

/* The words of text, separated by one space. */
static char *words(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o = out;

	assert_non_null(out);
	for (const char *p = text; *p; p++) {
		if (*p != ' ' && *p != '\n')
			*o++ = *p;
		else if (o > out && o[-1] != ' ')
			*o++ = ' ';
	}
	if (o > out && o[-1] == ' ')
		o--;
	*o = 0;
	return out;
}

static void test_every_width(void **state)
{
	static const char text[] =
		"perfagent    0.1.0, pid 13484, up 11s, mode advise\n"
		"sink         unavailable: tcp://127.0.0.1:25888, 0 sent, 2 waiting, 0 dropped; "
		"cannot connect to tcp://127.0.0.1:25888: Connection refused; next try in 3.8 s\n"
		"              TCP round-trip time and connect latency (the tcp probe is disabled "
		"in the configuration)\n"
		"softnet      no drops or time squeezes on 2 CPUs in the last interval (since "
		"start: 0 dropped, 0 squeezed)\n";
	char *want = words(text);

	for (unsigned int cols = TEXT_WRAP_MIN_COLS; cols <= 200; cols++) {
		char *got = wrapped(text, cols), *line = got, *w;
		size_t lines = 0;

		while (*line) {
			size_t n = strcspn(line, "\n");
			const char *last = line + n;

			/* A row past the width holds one word after its indent. */
			while (last > line && last[-1] != ' ')
				last--;
			if (n > cols && memchr(line + 13, ' ', (size_t)(last - line) - 13 - 1))
				fail_msg("cols %u: a row of %zu: %.*s", cols, n, (int)n, line);
			line += n + (line[n] == '\n');
			lines++;
		}
		assert_true(lines >= 4);
		w = words(got);
		if (strcmp(w, want))
			fail_msg("cols %u: the words changed:\n%s\n%s", cols, w, want);
		free(w);
		free(got);
	}
	free(want);
}

/* COLUMNS when it is a number; anything else counts as unset. */
static void test_cols(void **state)
{
	static const char *const ignored[] = { "abc", "0", "-5", "80x", "100000", "" };
	unsigned int unset;

	unsetenv("COLUMNS");
	unset = text_wrap_cols();
	setenv("COLUMNS", "100", 1);
	assert_int_equal(text_wrap_cols(), 100);
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		setenv("COLUMNS", ignored[i], 1);
		if (text_wrap_cols() != unset)
			fail_msg("COLUMNS=%s: %u, not %u as unset", ignored[i], text_wrap_cols(), unset);
	}
	unsetenv("COLUMNS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_every_width),
		cmocka_unit_test(test_cols),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
