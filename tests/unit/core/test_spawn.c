// SPDX-License-Identifier: GPL-2.0-only
/*
 * spawn_wait(): a program's exit status, its first line of output in the
 * message, a missing program, a time limit that kills, and a child that
 * starts with no blocked signals and only the environment it is given.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/spawn.h"
#include "core/util.h"

static void test_status(void **state)
{
	const char *const ok[] = { "/bin/sh", "-c", "exit 0", NULL };
	const char *const bad[] = { "/bin/sh", "-c", "echo 'Failed to connect to bus' >&2; "
				    "echo second line >&2; exit 3", NULL };
	char err[256] = "";

	(void)state;
	assert_int_equal(spawn_wait(ok, 0, err, sizeof(err)), 0);
	assert_int_equal(spawn_wait(bad, 0, err, sizeof(err)), -EIO);
	assert_string_equal(err, "sh -c echo 'Failed to connect to bus' >&2; echo second line >&2; "
			    "exit 3 exited with status 3: Failed to connect to bus");
}

static void test_missing(void **state)
{
	const char *const argv[] = { "/nonexistent/systemctl", "daemon-reload", NULL };
	char err[256] = "";

	(void)state;
	assert_int_equal(spawn_wait(argv, 0, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "cannot run systemctl daemon-reload: No such file or directory");
}

static void test_timeout(void **state)
{
	const char *const argv[] = { "/bin/sleep", "10", NULL };
	uint64_t start = util_now_mono_ms();
	char err[256] = "";

	(void)state;
	assert_int_equal(spawn_wait(argv, 200, err, sizeof(err)), -ETIMEDOUT);
	assert_true(util_now_mono_ms() - start < 5000);
	assert_string_equal(err, "sleep 10 did not finish within 200 ms and was killed");
}

/* The daemon blocks SIGTERM and friends and ignores SIGPIPE; its children must not. */
static void test_clean_child(void **state)
{
	const char *const argv[] = { "/bin/sh", "-c",
		"grep -q '^SigBlk:[[:space:]]*0*$' /proc/self/status && "
		"ign=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/self/status) && "
		"[ $((0x$ign & 0x1000)) -eq 0 ] && "     /* SIGPIPE, 13 */
		"[ -z \"${SECRET:-}\" ] && [ \"$LC_ALL\" = C ]", NULL };
	char err[256] = "";
	sigset_t mask, old;

	(void)state;
	setenv("SECRET", "x", 1);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &old);
	assert_int_equal(spawn_wait(argv, 0, err, sizeof(err)), 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGPIPE, SIG_DFL);
	unsetenv("SECRET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_clean_child),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
