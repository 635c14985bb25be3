// SPDX-License-Identifier: GPL-2.0-only
/*
 * paths_sys() and paths_sys_link(): under a sysroot, a path is looked up
 * with the tree as its root, so no symlink in the tree leads outside it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/paths.h"
#include "core/util.h"

static char root[PATH_MAX];

/* root + rel, made as a directory (with its parents). */
static void dir_at(const char *rel)
{
	char path[PATH_MAX];

	assert_int_equal(util_join(path, sizeof(path), "%s%s", root, rel), 0);
	assert_int_equal(util_mkdir_p(path, 0755), 0);
}

/* root + rel as a symlink to target. */
static void link_at(const char *rel, const char *target)
{
	char path[PATH_MAX];

	assert_int_equal(util_join(path, sizeof(path), "%s%s", root, rel), 0);
	assert_int_equal(symlink(target, path), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/perfagent-test-paths.XXXXXX");
	assert_non_null(mkdtemp(root));
	dir_at("/proc/sys/net/core");
	dir_at("/etc");
	dir_at("/sys/devices/virtual/block/loop0/queue");
	dir_at("/sys/block");
	dir_at("/sys/class/net/eth0/device");
	/* The kinds of link a copied /sys or an image root holds, and worse. */
	link_at("/sys/block/loop0", "../devices/virtual/block/loop0");
	link_at("/proc/sys/net/core/somaxconn", "/etc/somaxconn");
	link_at("/proc/sys/net/core/rmem_max", "../../../../../../../../etc/rmem_max");
	link_at("/sys/class/net/eth0/device/driver", "/sys/bus/pci/drivers/ena");
	link_at("/etc/loop-a", "loop-b");
	link_at("/etc/loop-b", "loop-a");
	link_at("/etc/top", "/");
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

/* paths_sys() (or paths_sys_link() when link) of abs under root_text equals root + want. */
static void expect(const char *root_text, bool link, const char *abs, const char *want)
{
	struct pa_paths p = { 0 };
	char got[PATH_MAX], expected[PATH_MAX];

	snprintf(p.sysroot, sizeof(p.sysroot), "%s", root_text);
	assert_int_equal((link ? paths_sys_link : paths_sys)(&p, got, sizeof(got), abs), 0);
	snprintf(expected, sizeof(expected), "%s%s", root, want);
	assert_string_equal(got, expected);
}

static void test_host_paths_are_left_alone(void **state)
{
	struct pa_paths p = { 0 };
	char got[PATH_MAX];

	(void)state;
	assert_int_equal(paths_sys(&p, got, sizeof(got), "/proc/sys/net/core/somaxconn"), 0);
	assert_string_equal(got, "/proc/sys/net/core/somaxconn");
	strcpy(p.sysroot, "/");
	assert_int_equal(paths_sys(&p, got, sizeof(got), "/sys/block/../block/x"), 0);
	assert_string_equal(got, "/sys/block/../block/x");
}

static void test_plain_and_missing_components(void **state)
{
	char slashed[PATH_MAX];

	(void)state;
	expect(root, false, "/proc/sys/net/core", "/proc/sys/net/core");
	expect(root, false, "/proc/sys/net/ipv4/tcp_rmem", "/proc/sys/net/ipv4/tcp_rmem");
	expect(root, false, "//proc/./sys//net/", "/proc/sys/net");
	assert_int_equal(util_join(slashed, sizeof(slashed), "%s//", root), 0);
	expect(slashed, false, "/etc", "/etc");
}

static void test_relative_link_inside_the_tree(void **state)
{
	(void)state;
	expect(root, false, "/sys/block/loop0/queue/scheduler",
	       "/sys/devices/virtual/block/loop0/queue/scheduler");
	expect(root, true, "/sys/block/loop0/queue", "/sys/devices/virtual/block/loop0/queue");
}

static void test_absolute_link_stays_in_the_tree(void **state)
{
	(void)state;
	expect(root, false, "/proc/sys/net/core/somaxconn", "/etc/somaxconn");
	expect(root, false, "/etc/top/etc/top/proc", "/proc");
}

static void test_dotdot_stops_at_the_root(void **state)
{
	(void)state;
	expect(root, false, "/proc/sys/net/core/rmem_max", "/etc/rmem_max");
	expect(root, false, "/../../../etc/passwd", "/etc/passwd");
	/* loop0 is /sys/devices/virtual/block/loop0: ".." from where the link led. */
	expect(root, false, "/sys/block/loop0/../../../..", "/sys");
	expect(root, false, "/sys/block/loop0/../../../../..", "");
	expect(root, false, "/sys/block/loop0/../../../../../../..", "");
}

static void test_link_variant_keeps_the_last_link(void **state)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct pa_paths p = { 0 };
	ssize_t n;

	(void)state;
	expect(root, true, "/sys/class/net/eth0/device/driver", "/sys/class/net/eth0/device/driver");
	expect(root, true, "/proc/sys/net/core/somaxconn", "/proc/sys/net/core/somaxconn");
	/* ... which readlink() reads as the tree wrote it. */
	snprintf(p.sysroot, sizeof(p.sysroot), "%s", root);
	assert_int_equal(paths_sys_link(&p, path, sizeof(path), "/sys/class/net/eth0/device/driver"), 0);
	n = readlink(path, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "/sys/bus/pci/drivers/ena");
}

static void test_link_loop_is_refused(void **state)
{
	struct pa_paths p = { 0 };
	char got[PATH_MAX];

	(void)state;
	snprintf(p.sysroot, sizeof(p.sysroot), "%s", root);
	assert_int_equal(paths_sys(&p, got, sizeof(got), "/etc/loop-a"), -ELOOP);
	assert_int_equal(paths_sys(&p, got, sizeof(got), "/etc/loop-a/x"), -ELOOP);
	/* The link itself is a name like any other. */
	assert_int_equal(paths_sys_link(&p, got, sizeof(got), "/etc/loop-a"), 0);
}

static void test_too_long(void **state)
{
	struct pa_paths p = { 0 };
	char got[64];

	(void)state;
	snprintf(p.sysroot, sizeof(p.sysroot), "%s", root);
	assert_int_equal(paths_sys(&p, got, sizeof(got),
				   "/proc/sys/net/ipv4/tcp_congestion_control_and_more"),
			 -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_paths_are_left_alone),
		cmocka_unit_test(test_plain_and_missing_components),
		cmocka_unit_test(test_relative_link_inside_the_tree),
		cmocka_unit_test(test_absolute_link_stays_in_the_tree),
		cmocka_unit_test(test_dotdot_stops_at_the_root),
		cmocka_unit_test(test_link_variant_keeps_the_last_link),
		cmocka_unit_test(test_link_loop_is_refused),
		cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
