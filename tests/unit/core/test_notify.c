// SPDX-License-Identifier: GPL-2.0-only
/* sd_notify without libsystemd: the datagram, and the watchdog period. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/notify.h"

static void set_pid_env(const char *name, long pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", pid);
	setenv(name, buf, 1);
}

static void test_watchdog_off_without_usec(void **state)
{
	(void)state;
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(notify_watchdog_period_ms(), 0);
}

static void test_watchdog_half_the_period(void **state)
{
	(void)state;
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "60000000", 1);     /* WatchdogSec=60s */
	assert_int_equal(notify_watchdog_period_ms(), 30000);
	setenv("WATCHDOG_USEC", "400000", 1);
	assert_int_equal(notify_watchdog_period_ms(), 200);
}

static void test_watchdog_for_this_pid_only(void **state)
{
	(void)state;
	setenv("WATCHDOG_USEC", "60000000", 1);
	set_pid_env("WATCHDOG_PID", (long)getpid());
	assert_int_equal(notify_watchdog_period_ms(), 30000);
	set_pid_env("WATCHDOG_PID", (long)getpid() + 1);
	assert_int_equal(notify_watchdog_period_ms(), 0);
	setenv("WATCHDOG_PID", "12x", 1);
	assert_int_equal(notify_watchdog_period_ms(), 0);
	unsetenv("WATCHDOG_PID");
}

static void test_watchdog_garbage_is_off(void **state)
{
	static const char *const bad[] = { "", "0", "1999", "-60000000", "60s", "1e6",
					   "99999999999999999999999" };

	(void)state;
	unsetenv("WATCHDOG_PID");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("WATCHDOG_USEC", bad[i], 1);
		assert_int_equal(notify_watchdog_period_ms(), 0);
	}
	unsetenv("WATCHDOG_USEC");
}

static void test_send_reaches_the_socket(void **state)
{
	char dir[] = "/tmp/test_notify.XXXXXX", path[64], buf[64];
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	ssize_t n;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(notify_send("WATCHDOG=1"), 0);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_int_equal(n, 10);
	buf[n] = '\0';
	assert_string_equal(buf, "WATCHDOG=1");
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_send("WATCHDOG=1"), 0);   /* not under systemd: nothing */
	assert_int_equal(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	close(fd);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watchdog_off_without_usec),
		cmocka_unit_test(test_watchdog_half_the_period),
		cmocka_unit_test(test_watchdog_for_this_pid_only),
		cmocka_unit_test(test_watchdog_garbage_is_off),
		cmocka_unit_test(test_send_reaches_the_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
