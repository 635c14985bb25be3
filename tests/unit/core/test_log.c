// SPDX-License-Identifier: GPL-2.0-only
/* Logging: levels, journal priority prefixes, rate limiting per call site. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

/* Runs fn with stderr sent to a temporary file; returns what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
	static char buf[8192];
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return buf;
}

static int count_lines(const char *s, const char *needle)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void repeat_one_site(void)
{
	for (int i = 0; i < 20; i++)
		log_warn("disk %s is slow", "nvme0n1");
	log_warn("another message");
}

static void test_rate_limit_per_site(void **state)
{
	char *out;

	log_init(LOG_LVL_INFO, 0);
	out = capture_stderr(repeat_one_site);
	assert_int_equal(count_lines(out, "disk nvme0n1 is slow"), LOG_RATE_BURST);
	/* A different call site is not silenced by the first one. */
	assert_int_equal(count_lines(out, "another message"), 1);
	assert_non_null(strstr(out, "perfagent: warn: disk nvme0n1 is slow\n"));
}

static void levels(void)
{
	log_debug("hidden debug");
	log_info("shown info");
	log_error("shown error");
}

static void test_levels_and_prefixes(void **state)
{
	char *out;

	log_init(LOG_LVL_INFO, 0);
	out = capture_stderr(levels);
	assert_null(strstr(out, "hidden debug"));
	assert_non_null(strstr(out, "perfagent: info: shown info"));

	/* Under systemd the journal reads the syslog priority prefix. */
	log_init(LOG_LVL_DEBUG, 1);
	out = capture_stderr(levels);
	assert_non_null(strstr(out, "<7>hidden debug\n"));
	assert_non_null(strstr(out, "<6>shown info\n"));
	assert_non_null(strstr(out, "<3>shown error\n"));
}

static void test_level_names(void **state)
{
	enum log_level l;

	assert_int_equal(log_level_parse("warn", &l), 0);
	assert_int_equal(l, LOG_LVL_WARN);
	assert_int_not_equal(log_level_parse("WARN", &l), 0);
	assert_int_not_equal(log_level_parse("", &l), 0);
	assert_string_equal(log_level_name(LOG_LVL_DEBUG), "debug");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_limit_per_site),
		cmocka_unit_test(test_levels_and_prefixes),
		cmocka_unit_test(test_level_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
