// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tuning engine on fake /proc and /sys trees in a temporary directory:
 * plan actions and reasons, only-raise/only-lower, sysctl.d precedence,
 * apply (idempotent, one failure does not stop the rest), verify, revert
 * (byte for byte), administrator overrides, boot changes and crashes; and
 * [ethtool] knobs: ring, coalescing and channel settings through a test
 * ethtool_io (no virtual device has rings), RPS masks in the fake tree.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/ethtool.h"
#include "tune/journal.h"
#include "tune/sysctld.h"
#include "tune/tune.h"
#include "core/util.h"

#define NOBODY 65534

struct fixture {
	char dir[PATH_MAX];
	struct pa_paths paths;
	struct tune_ctx ctx;
	struct profile prof;
	const char *exclude[4];
};

#include "fake_tree.h"
#include "fake_ethtool.h"

static bool state_file_exists(struct fixture *f, const char *name)
{
	char path[PATH_MAX];

	assert_int_equal(util_join(path, sizeof(path), "%s/%s", f->paths.state_dir, name), 0);
	return access(path, F_OK) == 0;
}

static void sysctl(struct fixture *f, const char *key, const char *val)
{
	add_value(f, KNOB_SYSCTL, key, val, NULL, NULL);
}

static const struct tune_report_item *ritem(const struct tune_report *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++) {
		if (!strcmp(r->items[i].id, id))
			return &r->items[i];
	}
	fail_msg("no knob %s in the report", id);
	return NULL;
}

static void disk(struct fixture *f, const char *dev, const char *model, const char *ra)
{
	put_block(f, dev, "device/model", model);
	put_block(f, dev, "queue/read_ahead_kb", ra);
	put_block(f, dev, "queue/scheduler", "[none] mq-deadline kyber\n");
}

static void base_tree(struct fixture *f)
{
	put(f, "/proc/sys/kernel/random/boot_id", "11111111-2222-3333-4444-555555555555\n");
	put(f, "/proc/sys/net/core/somaxconn", "4096\n");
	put(f, "/proc/sys/net/core/netdev_max_backlog", "1000\n");
	put(f, "/proc/sys/net/ipv4/tcp_rmem", "4096\t131072\t6291456\n");
	put(f, "/proc/sys/net/ipv4/tcp_wmem", "4096\t16384\t4194304\n");
	put(f, "/proc/sys/net/ipv4/tcp_slow_start_after_idle", "1\n");
	put(f, "/proc/sys/vm/swappiness", "60\n");
	put(f, "/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
	put(f, "/sys/kernel/mm/transparent_hugepage/defrag",
	    "always defer defer+madvise [madvise] never\n");
	disk(f, "nvme0n1", "Amazon Elastic Block Store              \n", "128\n");
	disk(f, "nvme1n1", "Amazon EC2 NVMe Instance Storage        \n", "128\n");
	put(f, "/sys/block/loop0/queue/read_ahead_kb", "128\n");
}

static int setup(void **state)
{
	struct fixture *f = fake_tree_new("test_tune");

	f->ctx.exclude = f->exclude;
	base_tree(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	setfsuid(getuid());
	fake_tree_free(*state);
	return 0;
}

/* The profile most tests use: one knob of each interesting kind. */
static void common_profile(struct fixture *f)
{
	sysctl(f, "net.core.somaxconn", ">8192");
	sysctl(f, "net.core.netdev_max_backlog", ">5000");
	sysctl(f, "net.ipv4.tcp_rmem", ">4096 131072 16777216");
	sysctl(f, "net.ipv4.tcp_slow_start_after_idle", "0");
	sysctl(f, "vm.swappiness", "<10");
	add_value(f, KNOB_VM, "transparent_hugepage", "never", NULL, NULL);
	add_value(f, KNOB_BLOCK, "read_ahead_kb", ">256", "nvme*", "ebs");
}

static void plan_and_apply(struct fixture *f, struct tune_plan *p)
{
	plan(f, p);
	assert_int_equal(tune_apply(&f->ctx, p), 0);
	assert_true(p->applied);
}

/* ---- values ---- */

static void test_resolve(void **state)
{
	char out[KNOB_VALUE_MAX];

	assert_int_equal(tune_resolve(VALUE_RAISE, "4096", "8192", out, sizeof(out)), 0);
	assert_string_equal(out, "8192");
	assert_int_equal(tune_resolve(VALUE_RAISE, "16384", "8192", out, sizeof(out)), 0);
	assert_string_equal(out, "16384");
	assert_int_equal(tune_resolve(VALUE_LOWER, "60", "10", out, sizeof(out)), 0);
	assert_string_equal(out, "10");
	assert_int_equal(tune_resolve(VALUE_LOWER, "1", "10", out, sizeof(out)), 0);
	assert_string_equal(out, "1");
	/* field by field: each field on its own */
	assert_int_equal(tune_resolve(VALUE_RAISE, "4096 262144 6291456", "4096 131072 16777216",
				      out, sizeof(out)), 0);
	assert_string_equal(out, "4096 262144 16777216");
	assert_int_equal(tune_resolve(VALUE_LOWER, "4096 262144 6291456", "8192 131072 16777216",
				      out, sizeof(out)), 0);
	assert_string_equal(out, "4096 131072 6291456");
	/* numbers beyond 64 bits, negatives, leading zeros */
	assert_int_equal(tune_resolve(VALUE_RAISE, "18446744073709551615", "99999999999999999999",
				      out, sizeof(out)), 0);
	assert_string_equal(out, "99999999999999999999");
	assert_int_equal(tune_resolve(VALUE_RAISE, "-5", "-7", out, sizeof(out)), 0);
	assert_string_equal(out, "-5");
	assert_int_equal(tune_resolve(VALUE_LOWER, "-0", "0", out, sizeof(out)), 0);
	assert_int_equal(tune_resolve(VALUE_RAISE, "007", "8", out, sizeof(out)), 0);
	assert_string_equal(out, "8");
	/* what ">" cannot compare */
	assert_int_equal(tune_resolve(VALUE_RAISE, "madvise", "5", out, sizeof(out)), -EINVAL);
	assert_int_equal(tune_resolve(VALUE_RAISE, "1 2", "1 2 3", out, sizeof(out)), -ERANGE);
	assert_int_equal(tune_resolve(VALUE_RAISE, "1 2 3", "1 2", out, sizeof(out)), -ERANGE);
	assert_int_equal(tune_resolve(VALUE_RAISE, "", "1", out, sizeof(out)), -EINVAL);
	assert_int_equal(tune_resolve(VALUE_RAISE, "1", "12345", out, 4), -E2BIG);
	/* exact: the wanted value */
	assert_int_equal(tune_resolve(VALUE_EXACT, "always", "never", out, sizeof(out)), 0);
	assert_string_equal(out, "never");
}

static void test_values_equal(void **state)
{
	assert_true(tune_values_equal("10", "010"));
	assert_true(tune_values_equal("4096 131072", "4096 0131072"));
	assert_true(tune_values_equal("madvise", "madvise"));
	assert_true(tune_values_equal("", ""));
	assert_true(tune_values_equal("-0", "0"));
	assert_false(tune_values_equal("10", "11"));
	assert_false(tune_values_equal("4096 131072", "4096"));
	assert_false(tune_values_equal("madvise", "never"));
	assert_false(tune_values_equal("1a", "01a"));
}

static void test_normalise(void **state)
{
	char out[64];

	assert_int_equal(knob_normalise("4096\t131072\t6291456\n", false, out, sizeof(out)), 0);
	assert_string_equal(out, "4096 131072 6291456");
	assert_int_equal(knob_normalise("always [madvise] never\n", true, out, sizeof(out)), 0);
	assert_string_equal(out, "madvise");
	assert_int_equal(knob_normalise("[none] mq-deadline\n", true, out, sizeof(out)), 0);
	assert_string_equal(out, "none");
	assert_int_equal(knob_normalise("  kvm-clock \n", true, out, sizeof(out)), 0);
	assert_string_equal(out, "kvm-clock");
	assert_int_equal(knob_normalise("0123456789", false, out, 8), -E2BIG);
}

static void test_sysctl_path(void **state)
{
	char buf[KNOB_PATH_MAX];

	assert_int_equal(knob_sysctl_path("net.core.somaxconn", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/proc/sys/net/core/somaxconn");
	assert_int_equal(knob_sysctl_path("net.ipv4.conf.eth0/100.rp_filter", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
	assert_int_equal(knob_sysctl_path("net/ipv4/conf/eth0.100/rp_filter", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
	assert_int_equal(knob_sysctl_path("net..core", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(knob_sysctl_path("net/../../etc/passwd", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(knob_sysctl_path("net.ipv4.conf.*.rp_filter", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(knob_sysctl_path("", buf, sizeof(buf)), -EINVAL);
}

/* ---- sysctl.d ---- */

static void test_sysctld_parse(void **state)
{
	struct sysctld s = { 0 };
	const struct sysctld_entry *e;

	assert_int_equal(sysctld_add_text(&s, "/etc/sysctl.d/10-a.conf", strdup(
		"# comment\n"
		"; another\n"
		"net.core.somaxconn = 1024\n"
		"  net/ipv4/conf/eth0.100/rp_filter=2  \n"
		"-net.ipv4.tcp_fastopen = 3\n"
		"this line is not an assignment\n"
		"= no key\n"
		"net.ipv4.conf.*.rp_filter = 1\n"
		"-net.ipv4.conf.lo.rp_filter\n"
		"kernel.pid_max=4194304")), 0);
	assert_int_equal(sysctld_add_text(&s, "/etc/sysctl.d/20-b.conf", strdup(
		"net.core.somaxconn = 2048\n")), 0);
	e = sysctld_lookup(&s, "net.core.somaxconn");
	assert_non_null(e);
	assert_string_equal(e->value, "2048");   /* the later file wins */
	assert_string_equal(sysctld_file(&s, e), "/etc/sysctl.d/20-b.conf");
	assert_int_equal(e->line, 1);
	e = sysctld_lookup(&s, "net.ipv4.conf.eth0/100.rp_filter");
	assert_non_null(e);
	assert_string_equal(e->value, "2");      /* explicit beats glob */
	e = sysctld_lookup(&s, "net.ipv4.conf.eth1.rp_filter");
	assert_non_null(e);
	assert_true(e->glob);
	assert_int_equal(e->line, 8);
	assert_null(sysctld_lookup(&s, "net.ipv4.conf.lo.rp_filter"));  /* "-key" */
	e = sysctld_lookup(&s, "net.ipv4.tcp_fastopen");
	assert_non_null(e);
	assert_string_equal(e->value, "3");
	e = sysctld_lookup(&s, "kernel.pid_max");   /* no newline at the end */
	assert_non_null(e);
	assert_string_equal(e->value, "4194304");
	assert_null(sysctld_lookup(&s, "vm.swappiness"));
	sysctld_free(&s);
}

static void test_sysctld_dirs(void **state)
{
	struct fixture *f = *state;
	struct sysctld s;
	const struct sysctld_entry *e;
	char *big = malloc(SYSCTLD_FILE_MAX + 64);

	/* /etc shadows the same name in /usr/lib; other names all count */
	put(f, "/usr/lib/sysctl.d/50-vendor.conf", "vm.swappiness = 30\nkernel.a = 1\n");
	put(f, "/etc/sysctl.d/50-vendor.conf", "kernel.a = 2\n");
	put(f, "/usr/lib/sysctl.d/60-other.conf", "kernel.b = 3\n");
	put(f, "/run/sysctl.d/70-run.conf", "kernel.b = 4\n");
	put(f, "/lib/sysctl.d/99-late.conf", "kernel.c = 5\n");
	put(f, "/etc/sysctl.d/README", "kernel.d = 6\n");      /* not *.conf */
	put(f, "/etc/sysctl.conf", "kernel.c = 7\n");          /* read last */
	assert_non_null(big);
	memset(big, '#', SYSCTLD_FILE_MAX + 63);
	big[SYSCTLD_FILE_MAX + 63] = '\0';
	put(f, "/etc/sysctl.d/90-huge.conf", big);
	free(big);
	assert_int_equal(sysctld_load(&f->paths, &s), 0);
	assert_null(sysctld_lookup(&s, "vm.swappiness"));
	e = sysctld_lookup(&s, "kernel.a");
	assert_string_equal(e->value, "2");
	assert_string_equal(sysctld_file(&s, e), "/etc/sysctl.d/50-vendor.conf");
	assert_string_equal(sysctld_lookup(&s, "kernel.b")->value, "4");
	e = sysctld_lookup(&s, "kernel.c");
	assert_string_equal(e->value, "7");
	assert_string_equal(sysctld_file(&s, e), "/etc/sysctl.conf");
	assert_null(sysctld_lookup(&s, "kernel.d"));
	assert_int_equal(s.n_ignored, 1);
	/* the administrator's word only: /usr/lib and /lib are the distribution's */
	assert_string_equal(sysctld_lookup_admin(&s, "kernel.a")->value, "2");
	assert_string_equal(sysctld_lookup_admin(&s, "kernel.b")->value, "4");      /* /run */
	assert_string_equal(sysctld_lookup_admin(&s, "kernel.c")->value, "7");
	e = sysctld_lookup(&s, "kernel.b");
	assert_false(sysctld_entry_is_vendor(&s, e));
	sysctld_free(&s);
	put(f, "/etc/sysctl.conf", "\n");
	assert_int_equal(sysctld_load(&f->paths, &s), 0);
	e = sysctld_lookup(&s, "kernel.c");
	assert_string_equal(sysctld_file(&s, e), "/lib/sysctl.d/99-late.conf");
	assert_true(sysctld_entry_is_vendor(&s, e));
	assert_null(sysctld_lookup_admin(&s, "kernel.c"));
	sysctld_free(&s);
}

/* ---- plan ---- */

static void test_plan_actions(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	const struct tune_item *it;

	common_profile(f);
	sysctl(f, "net.core.rmem_max", ">16777216");         /* missing on this kernel */
	sysctl(f, "net.ipv4.tcp_wmem", ">4096 16384 16777216");
	sysctl(f, "net.ipv4.tcp_fastopen", "3");
	sysctl(f, "net.ipv4.conf.eth1.rp_filter", "2");
	add_value(f, KNOB_VM, "transparent_hugepage_defrag", "madvise", NULL, NULL);
	add_value(f, KNOB_BLOCK, "scheduler", "none", "xvd*", NULL);
	add_value(f, KNOB_ETHTOOL, "rx_ring", "max", NULL, NULL);
	put(f, "/proc/sys/net/ipv4/tcp_fastopen", "1\n");
	put(f, "/proc/sys/net/ipv4/conf/eth1/rp_filter", "1\n");
	put(f, "/usr/lib/sysctl.d/50-default.conf", "net.ipv4.conf.*.rp_filter = 1\n");
	put(f, "/etc/sysctl.d/99-x.conf", "# admin\n\nnet.ipv4.tcp_wmem = 4096 16384 1048576\n");
	put(f, "/sys/class/net/eth0/address", "02:00:00:00:00:01\n");
	f->exclude[0] = "sysctl:net.ipv4.tcp_fast*";
	plan(f, &p);

	it = item(&p, "sysctl:net.core.somaxconn");
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->current, "4096");
	assert_string_equal(it->desired, "8192");
	assert_string_equal(it->knob.path, "/proc/sys/net/core/somaxconn");
	it = item(&p, "sysctl:net.ipv4.tcp_rmem");
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->desired, "4096 131072 16777216");
	it = item(&p, "sysctl:net.ipv4.tcp_slow_start_after_idle");
	assert_int_equal(it->action, TUNE_SET);
	it = item(&p, "sysctl:vm.swappiness");
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->desired, "10");
	it = item(&p, "vm:transparent_hugepage");
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->current, "madvise");
	it = item(&p, "vm:transparent_hugepage_defrag");
	assert_int_equal(it->action, TUNE_KEEP);
	assert_string_equal(it->reason, "already set");
	/* block: the EBS volume only; never the instance store or loop0 */
	it = item(&p, "block:nvme0n1:read_ahead_kb");
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->knob.path, "/sys/block/nvme0n1/queue/read_ahead_kb");
	for (size_t i = 0; i < p.n; i++) {
		assert_null(strstr(p.items[i].knob.id, "nvme1n1"));
		assert_null(strstr(p.items[i].knob.id, "loop0"));
	}
	it = item(&p, "block:xvd*:scheduler");
	assert_int_equal(it->skip, TUNE_SKIP_NOT_APPLICABLE);
	assert_non_null(strstr(it->reason, "no block device matches devices = xvd*"));
	it = item(&p, "sysctl:net.core.rmem_max");
	assert_int_equal(it->skip, TUNE_SKIP_MISSING);
	assert_string_equal(it->reason, "missing on this kernel");
	it = item(&p, "sysctl:net.ipv4.tcp_wmem");
	assert_int_equal(it->skip, TUNE_SKIP_SYSCTLD);
	assert_string_equal(it->reason, "set by /etc/sysctl.d/99-x.conf:3 (= 4096 16384 1048576); "
			    "not overridden");
	/* a distribution's default is not the administrator's: set, and said so */
	it = item(&p, "sysctl:net.ipv4.conf.eth1.rp_filter");
	assert_int_equal(it->action, TUNE_SET);
	assert_non_null(strstr(it->reason, "over the distribution's default in "
				       "/usr/lib/sysctl.d/50-default.conf:1 (= 1)"));
	it = item(&p, "sysctl:net.ipv4.tcp_fastopen");
	assert_int_equal(it->skip, TUNE_SKIP_EXCLUDED);
	assert_string_equal(it->reason, "excluded by config (exclude = sysctl:net.ipv4.tcp_fast*)");
	assert_string_equal(it->current, "1");
	it = item(&p, "ethtool:*:rx_ring");
	assert_int_equal(it->skip, TUNE_SKIP_NOT_APPLICABLE);
	assert_int_equal(p.counts.set, 8);
	assert_int_equal(p.counts.kept, 1);
	assert_int_equal(p.counts.skipped, 5);
	assert_int_equal(p.counts.excluded, 1);
	/* a plan writes nothing, not even the state directory */
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "4096\n");
	assert_false(state_file_exists(f, "journal.json"));
	tune_plan_free(&p);
}

static void test_plan_shadowed_sysctld(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	char path[PATH_MAX];

	sysctl(f, "net.core.somaxconn", ">8192");
	/* the vendor file sets it, but /etc's file of the same name hides it */
	put(f, "/usr/lib/sysctl.d/50-net.conf", "net.core.somaxconn = 1024\n");
	put(f, "/etc/sysctl.d/50-net.conf", "# emptied by the admin\n");
	plan(f, &p);
	assert_int_equal(item(&p, "sysctl:net.core.somaxconn")->action, TUNE_SET);
	assert_null(strstr(item(&p, "sysctl:net.core.somaxconn")->reason, "distribution"));
	tune_plan_free(&p);
	/*
	 * A link to /dev/null masks it too: by its target's name, not by what
	 * the tree's /dev/null holds (here a file setting it, which a link
	 * followed, rather than seen as a mask, would make the admin's word).
	 */
	put(f, "/dev/null", "net.core.somaxconn = 2048\n");
	assert_int_equal(util_join(path, sizeof(path), "%s/etc/sysctl.d/50-net.conf",
				   f->paths.sysroot), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/dev/null", path), 0);
	plan(f, &p);
	assert_int_equal(item(&p, "sysctl:net.core.somaxconn")->action, TUNE_SET);
	assert_null(strstr(item(&p, "sysctl:net.core.somaxconn")->reason, "distribution"));
	tune_plan_free(&p);
	/* without the mask the vendor file counts, as a distribution default */
	assert_int_equal(unlink(path), 0);
	plan(f, &p);
	assert_int_equal(item(&p, "sysctl:net.core.somaxconn")->action, TUNE_SET);
	assert_non_null(strstr(item(&p, "sysctl:net.core.somaxconn")->reason,
			       "distribution's default in /usr/lib/sysctl.d/50-net.conf:1"));
	tune_plan_free(&p);
	/* the same file under /etc is the administrator's word */
	put(f, "/etc/sysctl.d/50-net.conf", "net.core.somaxconn = 1024\n");
	plan(f, &p);
	assert_int_equal(item(&p, "sysctl:net.core.somaxconn")->skip, TUNE_SKIP_SYSCTLD);
	tune_plan_free(&p);
}

static void test_plan_raise_lower_keep(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	const struct tune_item *it;

	put(f, "/proc/sys/net/core/somaxconn", "65535\n");
	put(f, "/proc/sys/net/ipv4/tcp_rmem", "4096\t262144\t33554432\n");
	put(f, "/proc/sys/net/ipv4/tcp_wmem", "8192\t16384\t4194304\n");
	put(f, "/proc/sys/vm/swappiness", "1\n");
	sysctl(f, "net.core.somaxconn", ">8192");
	sysctl(f, "net.ipv4.tcp_rmem", ">4096 131072 16777216");
	sysctl(f, "net.ipv4.tcp_wmem", ">4096 16384 16777216");
	sysctl(f, "vm.swappiness", "<10");
	sysctl(f, "net.core.netdev_max_backlog", ">1 2");
	plan(f, &p);
	it = item(&p, "sysctl:net.core.somaxconn");
	assert_int_equal(it->action, TUNE_KEEP);
	assert_string_equal(it->reason, "already at or above 8192");
	assert_int_equal(item(&p, "sysctl:net.ipv4.tcp_rmem")->action, TUNE_KEEP);
	it = item(&p, "sysctl:net.ipv4.tcp_wmem");
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->desired, "8192 16384 16777216");   /* the first field stays */
	it = item(&p, "sysctl:vm.swappiness");
	assert_int_equal(it->action, TUNE_KEEP);
	assert_string_equal(it->reason, "already at or below 10");
	it = item(&p, "sysctl:net.core.netdev_max_backlog");
	assert_int_equal(it->skip, TUNE_SKIP_UNREADABLE);
	assert_non_null(strstr(it->reason, "not as many fields"));
	tune_plan_free(&p);
}

static void test_plan_later_group_wins(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;

	add_value(f, KNOB_BLOCK, "read_ahead_kb", "512", "nvme*", NULL);
	add_value(f, KNOB_BLOCK, "read_ahead_kb", "64", "nvme1n1", "instance-store");
	plan(f, &p);
	assert_int_equal(p.n, 2);
	assert_string_equal(item(&p, "block:nvme0n1:read_ahead_kb")->desired, "512");
	assert_string_equal(item(&p, "block:nvme1n1:read_ahead_kb")->desired, "64");
	tune_plan_free(&p);
}

/* Loop and RAM disks: never under a broad glob, only when named by their prefix. */
static void test_plan_virtual_disks_named(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	const struct tune_item *it;

	add_value(f, KNOB_BLOCK, "read_ahead_kb", "512", "*", NULL);
	plan(f, &p);
	for (size_t i = 0; i < p.n; i++)
		assert_null(strstr(p.items[i].knob.id, "loop0"));
	item(&p, "block:nvme0n1:read_ahead_kb");
	tune_plan_free(&p);
	strcpy(f->prof.values[0].devices, "vd*, loop*");
	plan(f, &p);
	it = item(&p, "block:loop0:read_ahead_kb");
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->desired, "512");
	tune_plan_free(&p);
}

static void test_plan_many_values(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	char key[64], rel[128];

	for (int i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "kernel.k%d", i);
		sysctl(f, key, ">5");
		if (i % 2 == 0) {
			assert_int_equal(util_join(rel, sizeof(rel), "/proc/sys/kernel/k%d", i), 0);
			put(f, rel, "1\n");
		}
	}
	plan(f, &p);
	assert_int_equal(p.n, 3000);
	assert_int_equal(p.counts.set, 1500);
	assert_int_equal(p.counts.skipped, 1500);
	tune_plan_free(&p);
}

/* ---- apply, verify, revert ---- */

/* Every file the fake tree holds, with its bytes. */
struct snapshot {
	size_t n;
	char path[64][PATH_MAX];
	char data[64][256];
};

static struct snapshot *snap;
static const char *snap_root;

static int snap_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	int fd;
	ssize_t n;

	if (flag != FTW_F || snap->n == 64)
		return 0;
	snprintf(snap->path[snap->n], PATH_MAX, "%s", path + strlen(snap_root));
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, snap->data[snap->n], 255);
	close(fd);
	snap->data[snap->n][n > 0 ? n : 0] = '\0';
	snap->n++;
	return 0;
}

static struct snapshot *take_snapshot(struct fixture *f)
{
	snap = calloc(1, sizeof(*snap));
	assert_non_null(snap);
	snap_root = f->paths.sysroot;
	assert_int_equal(nftw(f->paths.sysroot, snap_one, 16, FTW_PHYS), 0);
	return snap;
}

/* Byte for byte, but for choice files, which take back the chosen word only. */
static void assert_restored(struct fixture *f, const struct snapshot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const char *now = get(f, s->path[i]);
		char a[256], b[256];

		assert_non_null(now);
		if (!strchr(s->data[i], '[')) {
			if (strcmp(now, s->data[i]))
				fail_msg("%s: '%s', was '%s'", s->path[i], now, s->data[i]);
			continue;
		}
		knob_normalise(now, true, a, sizeof(a));
		knob_normalise(s->data[i], true, b, sizeof(b));
		assert_string_equal(a, b);
	}
}

static void test_apply_verify_revert(void **state)
{
	struct fixture *f = *state;
	struct snapshot *before;
	struct tune_plan p;
	struct tune_report r;

	common_profile(f);
	before = take_snapshot(f);
	plan_and_apply(f, &p);
	assert_int_equal(p.counts.applied, 7);
	assert_int_equal(p.counts.failed, 0);
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "8192\n");
	assert_string_equal(get(f, "/proc/sys/net/ipv4/tcp_rmem"), "4096 131072 16777216\n");
	assert_string_equal(get(f, "/sys/kernel/mm/transparent_hugepage/enabled"), "never\n");
	assert_string_equal(get(f, "/sys/block/nvme0n1/queue/read_ahead_kb"), "256\n");
	assert_string_equal(get(f, "/sys/block/nvme1n1/queue/read_ahead_kb"), "128\n");
	assert_true(state_file_exists(f, "journal.json"));
	tune_plan_free(&p);

	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_true(tune_verify_ok(&r));
	assert_int_equal(r.counts.ok, 7);
	assert_string_equal(r.profile, "test");
	tune_report_free(&r);

	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 7);
	assert_int_equal(r.counts.failed, 0);
	assert_string_equal(ritem(&r, "sysctl:net.ipv4.tcp_rmem")->expected,
			    "4096 131072 6291456");
	tune_report_free(&r);
	assert_restored(f, before);
	assert_false(state_file_exists(f, "journal.json"));

	/* nothing left: a second revert says so; verify says so and passes (not drift) */
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_false(r.have_journal);
	assert_non_null(strstr(r.note, "nothing to revert"));
	tune_report_free(&r);
	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_false(r.have_journal);
	assert_true(tune_verify_ok(&r));
	assert_non_null(strstr(r.note, "the host has its own settings (never applied, reverted, or "
			       "mode = advise)"));
	tune_report_free(&r);
	free(before);
}

/*
 * vm.dirty_background_bytes shares its threshold with the ratio: the kernel
 * zeroes the ratio when the bytes are written and the bytes when the ratio
 * is (mm/page-writeback.c, dirty_background_bytes_handler and
 * dirty_background_ratio_handler). The fake tree's files do not, so the
 * test does it by hand after each write, as the kernel would; the engine's
 * read-back right after a revert's write cannot see that, so the revert is
 * shown through the knob's own read and write.
 */
static void test_dirty_bytes_pair(void **state)
{
	struct fixture *f = *state;
	struct knob k = { .id = "vm:dirty_background_bytes", .kind = KNOB_VM,
			  .path = "/proc/sys/vm/dirty_background_bytes" };
	struct knob_value v = { 0 };
	struct tune_plan p;
	struct tune_report r;

	put(f, "/proc/sys/vm/dirty_background_bytes", "0\n");
	put(f, "/proc/sys/vm/dirty_background_ratio", "10\n");
	/* the ratio is in force: it is the value, and the original to keep */
	assert_int_equal(knob_read(&f->paths, &k, &v), 0);
	assert_string_equal(v.norm, "ratio:10");
	assert_string_equal(v.original, "ratio:10");
	knob_value_free(&v);

	add_value(f, KNOB_VM, "dirty_background_bytes", "1073741824", NULL, NULL);
	plan_and_apply(f, &p);
	assert_string_equal(item(&p, "vm:dirty_background_bytes")->current, "ratio:10");
	assert_int_equal(p.counts.applied, 1);
	assert_string_equal(get(f, "/proc/sys/vm/dirty_background_bytes"), "1073741824\n");
	tune_plan_free(&p);
	put(f, "/proc/sys/vm/dirty_background_ratio", "0\n");         /* the kernel's side */
	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_true(tune_verify_ok(&r));
	tune_report_free(&r);
	{
		char path[PATH_MAX], *text = NULL;

		assert_int_equal(util_join(path, sizeof(path), "%s/journal.json",
					   f->paths.state_dir), 0);
		assert_true(util_read_file(path, 1 << 20, &text) > 0);
		assert_non_null(strstr(text, "\"ratio:10\""));   /* the original kept */
		free(text);
	}

	/* what revert writes: "ratio:10" goes to the ratio file, never 0 to the
	 * bytes (which would leave both at 0: writeback at once, always) */
	assert_int_equal(knob_write(&f->paths, &k, "ratio:10"), 0);
	assert_string_equal(get(f, "/proc/sys/vm/dirty_background_ratio"), "10");
	assert_string_equal(get(f, "/proc/sys/vm/dirty_background_bytes"), "1073741824\n");
	put(f, "/proc/sys/vm/dirty_background_bytes", "0\n");         /* the kernel's side */
	assert_int_equal(knob_read(&f->paths, &k, &v), 0);
	assert_string_equal(v.norm, "ratio:10");
	knob_value_free(&v);

	/* where the bytes are in force, they are the value */
	put(f, "/proc/sys/vm/dirty_background_bytes", "268435456\n");
	put(f, "/proc/sys/vm/dirty_background_ratio", "0\n");
	assert_int_equal(knob_read(&f->paths, &k, &v), 0);
	assert_string_equal(v.norm, "268435456");
	knob_value_free(&v);

	/* an administrator's vm.dirty_background_ratio in /etc owns the pair */
	put(f, "/etc/sysctl.d/90-writeback.conf", "vm.dirty_background_ratio = 5\n");
	plan(f, &p);
	assert_int_equal(item(&p, "vm:dirty_background_bytes")->skip, TUNE_SKIP_SYSCTLD);
	assert_non_null(strstr(item(&p, "vm:dirty_background_bytes")->reason,
			       "/etc/sysctl.d/90-writeback.conf:1"));
	tune_plan_free(&p);
}

static void test_apply_idempotent(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct stat st1, st2;
	char journal[PATH_MAX];

	common_profile(f);
	plan_and_apply(f, &p);
	tune_plan_free(&p);
	journal_path(&f->paths, journal, sizeof(journal));
	assert_int_equal(stat(journal, &st1), 0);

	plan(f, &p);
	assert_int_equal(p.counts.set, 0);
	assert_int_equal(p.counts.kept, 7);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	assert_int_equal(p.counts.applied, 0);
	assert_int_equal(p.counts.kept, 7);
	assert_int_equal(p.counts.overridden, 0);
	tune_plan_free(&p);
	/* not even the journal was rewritten */
	assert_int_equal(stat(journal, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	assert_int_equal(st1.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
}

/* Whatever root may do, a file it cannot write: setfsuid() away from 0
 * clears CAP_DAC_OVERRIDE, so a 0444 file is read-only again. */
static int chown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return lchown(path, NOBODY, NOBODY);
}

static int chown_root(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return lchown(path, 0, 0);
}

/* Root again, with a state directory root owns (the only kind it trusts). */
static void back_to_root(struct fixture *f)
{
	setfsuid(getuid());
	if (getuid() == 0) {
		assert_int_equal(lchown(f->dir, 0, 0), 0);
		assert_int_equal(nftw(f->paths.state_dir, chown_root, 16, FTW_PHYS), 0);
	}
}

static void make_read_only(struct fixture *f, const char *rel)
{
	char path[PATH_MAX];

	assert_int_equal(util_join(path, sizeof(path), "%s%s", f->paths.sysroot, rel), 0);
	if (getuid() == 0) {
		assert_int_equal(util_mkdir_p(f->paths.state_dir, 0755), 0);
		assert_int_equal(nftw(f->dir, chown_one, 16, FTW_PHYS), 0);
		setfsuid(NOBODY);
		assert_int_equal(setfsuid(-1), NOBODY);
	}
	assert_int_equal(chmod(path, 0444), 0);
}

static void test_apply_one_failure(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct tune_report r;
	const struct tune_item *it;
	char dir[PATH_MAX];

	common_profile(f);
	/* a directory where a file should be: cannot even be read */
	assert_int_equal(util_join(dir, sizeof(dir), "%s/proc/sys/net/core/netdev_max_backlog",
				   f->paths.sysroot), 0);
	assert_int_equal(unlink(dir), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	make_read_only(f, "/proc/sys/net/core/somaxconn");
	plan_and_apply(f, &p);
	back_to_root(f);
	it = item(&p, "sysctl:net.core.somaxconn");
	assert_int_equal(it->result, TUNE_RES_FAILED);
	assert_non_null(strstr(it->error, "Permission denied"));
	it = item(&p, "sysctl:net.core.netdev_max_backlog");
	assert_int_equal(it->skip, TUNE_SKIP_UNREADABLE);
	assert_int_equal(p.counts.applied, 5);  /* the others, after and before it */
	assert_int_equal(p.counts.failed, 1);
	assert_string_equal(get(f, "/proc/sys/vm/swappiness"), "10\n");
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "4096\n");
	tune_plan_free(&p);

	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_false(tune_verify_ok(&r));
	assert_int_equal(r.counts.drifted, 1);
	assert_int_equal(ritem(&r, "sysctl:net.core.somaxconn")->status, TUNE_ST_NOT_APPLIED);
	tune_report_free(&r);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 5);
	assert_int_equal(ritem(&r, "sysctl:net.core.somaxconn")->status, TUNE_ST_UNCHANGED);
	tune_report_free(&r);
	assert_string_equal(get(f, "/proc/sys/vm/swappiness"), "60\n");
}

/*
 * A revert that cannot write an original back keeps that knob's entry, with
 * its original, so that a later revert restores it; the others go.
 */
static void test_revert_write_fails(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct tune_report r;
	struct journal j;

	common_profile(f);
	plan_and_apply(f, &p);
	tune_plan_free(&p);
	make_read_only(f, "/proc/sys/net/core/somaxconn");
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	back_to_root(f);
	assert_int_equal(ritem(&r, "sysctl:net.core.somaxconn")->status, TUNE_ST_FAILED);
	assert_int_equal(r.counts.failed, 1);
	assert_int_equal(r.counts.restored, 6);
	tune_report_free(&r);
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "8192\n");
	assert_int_equal(journal_load(&f->paths, &j, false, NULL, 0), 0);
	assert_int_equal(j.n, 1);
	assert_string_equal(j.entries[0].id, "sysctl:net.core.somaxconn");
	assert_string_equal(j.entries[0].original, "4096\n");
	assert_int_equal(j.entries[0].state, JOURNAL_APPLIED);
	journal_free(&j);
	/* writable again (root, back_to_root()): the next revert finishes */
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 1);
	tune_report_free(&r);
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "4096\n");
	assert_false(state_file_exists(f, "journal.json"));
}

static void test_journal_keeps_first_original(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct tune_report r;

	sysctl(f, "net.core.somaxconn", "8192");
	plan_and_apply(f, &p);
	tune_plan_free(&p);
	/* a new profile value for the same knob: still the boot's original */
	strcpy(f->prof.values[0].value, "16384");
	plan_and_apply(f, &p);
	assert_int_equal(p.counts.applied, 1);
	tune_plan_free(&p);
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "16384\n");
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 1);
	tune_report_free(&r);
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "4096\n");
}

static void test_override_not_fought(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct tune_report r;
	const struct tune_item *it;
	const struct tune_report_item *ri;

	common_profile(f);
	plan_and_apply(f, &p);
	tune_plan_free(&p);
	put(f, "/proc/sys/net/core/somaxconn", "1000\n");      /* the admin */
	put(f, "/proc/sys/net/core/netdev_max_backlog", "9000\n");  /* higher: still fine */

	plan(f, &p);
	it = item(&p, "sysctl:net.core.somaxconn");
	assert_int_equal(it->skip, TUNE_SKIP_OVERRIDDEN);
	assert_string_equal(it->reason, "changed by an administrator after perfagent set it "
			    "(8192 -> 1000); not fought");
	assert_int_equal(item(&p, "sysctl:net.core.netdev_max_backlog")->action, TUNE_KEEP);
	assert_int_equal(p.counts.overridden, 1);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	assert_int_equal(p.counts.applied, 0);
	tune_plan_free(&p);
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "1000\n");

	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_false(tune_verify_ok(&r));
	assert_int_equal(r.counts.drifted, 1);
	assert_int_equal(r.counts.overridden, 1);
	ri = ritem(&r, "sysctl:net.core.somaxconn");
	assert_int_equal(ri->status, TUNE_ST_OVERRIDDEN);
	assert_string_equal(ri->live, "1000");
	assert_int_equal(ritem(&r, "sysctl:net.core.netdev_max_backlog")->status, TUNE_ST_OK);
	tune_report_free(&r);

	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(ritem(&r, "sysctl:net.core.somaxconn")->status, TUNE_ST_OVERRIDDEN);
	assert_non_null(strstr(ritem(&r, "sysctl:net.core.somaxconn")->detail, "left alone"));
	/* raised further by someone: theirs now, left alone too */
	assert_int_equal(ritem(&r, "sysctl:net.core.netdev_max_backlog")->status,
			 TUNE_ST_OVERRIDDEN);
	assert_int_equal(r.counts.restored, 5);
	tune_report_free(&r);
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "1000\n");
	assert_string_equal(get(f, "/proc/sys/net/core/netdev_max_backlog"), "9000\n");
	assert_string_equal(get(f, "/proc/sys/vm/swappiness"), "60\n");
}

/* Every journal entry in state, as an interrupted apply or revert leaves them. */
static void set_journal_states(struct fixture *f, enum journal_state state)
{
	struct journal j;

	assert_int_equal(journal_load(&f->paths, &j, false, NULL, 0), 0);
	for (size_t i = 0; i < j.n; i++)
		j.entries[i].state = state;
	assert_int_equal(journal_save(&f->paths, &j), 0);
	journal_free(&j);
}

/* The profile's value of key, changed to val (">v" or "<v" as add_value()). */
static void change_value(struct fixture *f, const char *key, const char *val)
{
	for (size_t i = 0; i < f->prof.n_values; i++) {
		struct profile_value *v = &f->prof.values[i];

		if (!strcmp(v->key, key)) {
			strcpy(v->value, val + (val[0] == '>' || val[0] == '<'));
			return;
		}
	}
	fail_msg("no value %s in the profile", key);
}

/*
 * A ">" knob someone raised past perfagent's value, then a profile wanting
 * more: theirs, not written over (nor restored by revert). The same for "<".
 */
static void test_moved_past_not_fought(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct tune_report r;
	const struct tune_item *it;

	common_profile(f);
	plan_and_apply(f, &p);
	tune_plan_free(&p);
	put(f, "/proc/sys/net/core/netdev_max_backlog", "9000\n");     /* past 5000 */
	put(f, "/proc/sys/vm/swappiness", "5\n");                      /* past 10 */
	change_value(f, "net.core.netdev_max_backlog", ">16384");
	change_value(f, "vm.swappiness", "<1");

	plan(f, &p);
	it = item(&p, "sysctl:net.core.netdev_max_backlog");
	assert_int_equal(it->skip, TUNE_SKIP_OVERRIDDEN);
	assert_string_equal(it->reason, "changed by an administrator after perfagent set it "
			    "(5000 -> 9000); not fought");
	assert_int_equal(item(&p, "sysctl:vm.swappiness")->skip, TUNE_SKIP_OVERRIDDEN);
	assert_int_equal(item(&p, "sysctl:net.core.somaxconn")->action, TUNE_KEEP);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	tune_plan_free(&p);
	assert_string_equal(get(f, "/proc/sys/net/core/netdev_max_backlog"), "9000\n");
	assert_string_equal(get(f, "/proc/sys/vm/swappiness"), "5\n");

	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(ritem(&r, "sysctl:net.core.netdev_max_backlog")->status,
			 TUNE_ST_OVERRIDDEN);
	tune_report_free(&r);
	assert_string_equal(get(f, "/proc/sys/net/core/netdev_max_backlog"), "9000\n");
	assert_string_equal(get(f, "/proc/sys/vm/swappiness"), "5\n");
}

/*
 * A knob holding a control byte has no original the journal could keep:
 * left alone, and the journal of the others stays readable.
 */
static void test_control_byte_left_alone(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct tune_report r;
	const struct tune_item *it;

	put(f, "/proc/sys/kernel/domainname", "corp\001lan\n");
	sysctl(f, "kernel.domainname", "perf");
	sysctl(f, "net.core.somaxconn", "8192");
	plan_and_apply(f, &p);
	it = item(&p, "sysctl:kernel.domainname");
	assert_int_equal(it->skip, TUNE_SKIP_UNREADABLE);
	assert_string_equal(it->reason, "/proc/sys/kernel/domainname holds a NUL or control "
			    "byte: not a value the journal can keep to restore; left alone");
	assert_int_equal(p.counts.applied, 1);
	tune_plan_free(&p);
	assert_string_equal(get(f, "/proc/sys/kernel/domainname"), "corp\001lan\n");
	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_true(tune_verify_ok(&r));
	tune_report_free(&r);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 1);
	tune_report_free(&r);
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "4096\n");
}

/*
 * A revert killed half way (or unable to record its end) leaves its
 * entries "reverting": knobs restored and knobs not yet are both
 * perfagent's. verify says so; apply sets the restored ones again (not an
 * administrator's change) and keeps the rest; revert finishes.
 */
static void test_revert_interrupted(void **state)
{
	struct fixture *f = *state;
	struct snapshot *before;
	struct tune_plan p;
	struct tune_report r;

	common_profile(f);
	before = take_snapshot(f);
	plan_and_apply(f, &p);
	tune_plan_free(&p);
	set_journal_states(f, JOURNAL_REVERTING);
	put(f, "/proc/sys/net/core/somaxconn", "4096\n");              /* restored */
	put(f, "/proc/sys/vm/swappiness", "60\n");                     /* restored */

	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_false(tune_verify_ok(&r));
	assert_int_equal(ritem(&r, "sysctl:net.core.somaxconn")->status, TUNE_ST_NOT_APPLIED);
	assert_contains(ritem(&r, "sysctl:net.core.somaxconn")->detail, "a revert was interrupted");
	assert_int_equal(r.counts.overridden, 0);
	tune_report_free(&r);

	plan(f, &p);
	assert_int_equal(p.counts.overridden, 0);
	assert_int_equal(p.counts.set, 2);
	assert_int_equal(item(&p, "sysctl:net.core.somaxconn")->action, TUNE_SET);
	assert_int_equal(item(&p, "sysctl:net.core.netdev_max_backlog")->action, TUNE_KEEP);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	tune_plan_free(&p);
	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_true(tune_verify_ok(&r));
	tune_report_free(&r);

	/* interrupted again, then revert: every original back */
	set_journal_states(f, JOURNAL_REVERTING);
	put(f, "/proc/sys/net/core/somaxconn", "4096\n");
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 6);
	assert_int_equal(r.counts.unchanged, 1);
	assert_int_equal(r.counts.overridden, 0);
	tune_report_free(&r);
	assert_restored(f, before);
	assert_false(state_file_exists(f, "journal.json"));
	free(before);
}

/*
 * A journal that cannot be written (a full disk): revert still restores
 * every knob and ends by removing the journal, which works there; the note
 * says the mark could not be made.
 */
static void test_revert_journal_unwritable(void **state)
{
	struct fixture *f = *state;
	struct snapshot *before;
	struct tune_plan p;
	struct tune_report r;
	char path[PATH_MAX];

	common_profile(f);
	before = take_snapshot(f);
	plan_and_apply(f, &p);
	tune_plan_free(&p);
	/* A directory where the journal's temporary file goes: no journal write works. */
	assert_int_equal(util_join(path, sizeof(path), "%s/journal.json.tmp.%d", f->paths.state_dir,
				   (int)getpid()), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_contains(r.note, "could not mark the journal in");
	assert_int_equal(r.counts.restored, 7);
	tune_report_free(&r);
	assert_restored(f, before);
	assert_false(state_file_exists(f, "journal.json"));
	assert_int_equal(rmdir(path), 0);
	free(before);
}

/*
 * Pending entries are not marked: a value no apply recorded stays "cannot
 * tell who wrote it" (kept, revert exits 1), not an administrator's.
 */
static void test_revert_keeps_unknown_writer(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct tune_report r;
	struct journal j;

	common_profile(f);
	plan_and_apply(f, &p);
	tune_plan_free(&p);
	set_journal_states(f, JOURNAL_PENDING);
	put(f, "/proc/sys/net/core/netdev_max_backlog", "7777\n");
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(ritem(&r, "sysctl:net.core.netdev_max_backlog")->status,
			 TUNE_ST_UNKNOWN_WRITER);
	assert_int_equal(r.counts.overridden, 0);
	tune_report_free(&r);
	assert_int_equal(journal_load(&f->paths, &j, false, NULL, 0), 0);
	assert_non_null(journal_find(&j, "sysctl:net.core.netdev_max_backlog"));
	assert_int_equal(journal_find(&j, "sysctl:net.core.netdev_max_backlog")->state,
			 JOURNAL_PENDING);
	journal_free(&j);
}

static void test_boot_id_change(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct tune_report r;
	const struct tune_item *it;

	sysctl(f, "net.core.somaxconn", "8192");
	plan_and_apply(f, &p);
	tune_plan_free(&p);
	/* "reboot": new boot id, the kernel's own value back, then someone's */
	put(f, "/proc/sys/kernel/random/boot_id", "99999999-2222-3333-4444-555555555555\n");
	put(f, "/proc/sys/net/core/somaxconn", "2048\n");

	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_true(tune_verify_ok(&r));
	assert_false(r.have_journal);
	assert_non_null(strstr(r.note, "nothing applied in this boot"));
	assert_int_equal(r.counts.drifted, 0);
	tune_report_free(&r);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_false(r.have_journal);
	assert_non_null(strstr(r.note, "nothing to revert in this boot"));
	tune_report_free(&r);
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "2048\n");

	plan(f, &p);
	it = item(&p, "sysctl:net.core.somaxconn");
	assert_int_equal(it->action, TUNE_SET);   /* not "overridden": last boot's news */
	assert_non_null(strstr(p.note, "earlier boot"));
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	tune_plan_free(&p);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 1);
	tune_report_free(&r);
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "2048\n");
}

/* A boot id that is not a line of text: apply writes nothing, verify says why. */
static void test_boot_id_not_text(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct tune_report r;

	sysctl(f, "net.core.somaxconn", "8192");
	put(f, "/proc/sys/kernel/random/boot_id", "\x1b[2J\n");
	plan(f, &p);
	assert_int_equal(tune_apply(&f->ctx, &p), -EBADMSG);
	assert_false(p.applied);
	assert_non_null(strstr(p.error, "not a boot id (one line of printable text"));
	tune_plan_free(&p);
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "4096\n");
	assert_int_equal(tune_verify(&f->ctx, &r), -EBADMSG);
	assert_non_null(strstr(r.error, "not a boot id"));
	tune_report_free(&r);
}

/* A state directory that is a file: apply says so and what to do. */
static void test_state_dir_is_a_file(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	FILE *file;

	sysctl(f, "net.core.somaxconn", "8192");
	assert_int_equal(util_join(f->paths.state_dir, sizeof(f->paths.state_dir), "%s/not-a-dir",
				   f->paths.sysroot), 0);
	file = fopen(f->paths.state_dir, "w");
	assert_non_null(file);
	fclose(file);
	plan(f, &p);
	assert_int_equal(tune_apply(&f->ctx, &p), -ENOTDIR);
	assert_non_null(strstr(p.error, "is not a directory: remove it, or choose another"));
	tune_plan_free(&p);
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "4096\n");
}

static void test_corrupt_journal(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct tune_report r;
	char path[PATH_MAX];

	sysctl(f, "net.core.somaxconn", "8192");
	assert_int_equal(util_mkdir_p(f->paths.state_dir, 0755), 0);
	journal_path(&f->paths, path, sizeof(path));
	assert_int_equal(util_write_atomic(path, "{\"version\": 1, \"entr",
					   strlen("{\"version\": 1, \"entr"), 0644), 0);

	plan(f, &p);    /* reports it, moves nothing */
	assert_non_null(strstr(p.note, "corrupt"));
	assert_int_equal(item(&p, "sysctl:net.core.somaxconn")->action, TUNE_SET);
	assert_false(state_file_exists(f, "journal.json.corrupt"));
	assert_int_equal(tune_verify(&f->ctx, &r), -EBADMSG);
	assert_non_null(strstr(r.error, "corrupt"));
	tune_report_free(&r);

	/* apply moves it aside and stops: the knobs may hold perfagent's values */
	assert_int_equal(tune_apply(&f->ctx, &p), -EBADMSG);
	assert_non_null(strstr(p.error, "moved aside"));
	assert_non_null(strstr(p.error, "Nothing was applied"));
	assert_false(p.applied);
	tune_plan_free(&p);
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "4096\n");
	assert_true(state_file_exists(f, "journal.json.corrupt"));
	/* the next apply takes the values it finds */
	plan(f, &p);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	assert_int_equal(p.counts.applied, 1);
	tune_plan_free(&p);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 1);
	tune_report_free(&r);
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "4096\n");

	/* revert on a corrupt journal: a clear error, the file moved aside */
	assert_int_equal(util_write_atomic(path, "\x01\x02garbage", 9, 0644), 0);
	assert_int_equal(tune_revert(&f->ctx, &r), -EBADMSG);
	assert_non_null(strstr(r.error, "moved aside"));
	tune_report_free(&r);
	assert_false(state_file_exists(f, "journal.json"));
	/* ... beside the first, which may hold originals someone still wants */
	assert_true(state_file_exists(f, "journal.json.corrupt"));
	assert_true(state_file_exists(f, "journal.json.corrupt.2"));
}

/*
 * A corrupt journal last written before this boot cannot describe the
 * knobs (the boot reset them): apply moves it aside and goes on.
 */
static void test_corrupt_journal_of_earlier_boot(void **state)
{
	struct fixture *f = *state;
	struct timeval hour_ago[2];
	struct tune_plan p;
	char path[PATH_MAX];

	sysctl(f, "net.core.somaxconn", "8192");
	put(f, "/proc/uptime", "60.00 100.00\n");              /* booted a minute ago */
	assert_int_equal(util_mkdir_p(f->paths.state_dir, 0755), 0);
	journal_path(&f->paths, path, sizeof(path));
	assert_int_equal(util_write_atomic(path, "garbage", 7, 0644), 0);
	gettimeofday(&hour_ago[0], NULL);
	hour_ago[0].tv_sec -= 3600;
	hour_ago[1] = hour_ago[0];
	assert_int_equal(utimes(path, hour_ago), 0);
	plan(f, &p);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	assert_non_null(strstr(p.note, "moved aside"));
	assert_int_equal(p.counts.applied, 1);
	tune_plan_free(&p);
	assert_true(state_file_exists(f, "journal.json.corrupt"));
	/* written in this boot: apply stops, as test_corrupt_journal shows */
	assert_int_equal(util_write_atomic(path, "garbage", 7, 0644), 0);
	plan(f, &p);
	assert_int_equal(tune_apply(&f->ctx, &p), -EBADMSG);
	assert_non_null(strstr(p.error, "Nothing was applied"));
	tune_plan_free(&p);
}

/* A crash between the two journal writes: entries pending, some written. */
static void test_crash_recovery(void **state)
{
	struct fixture *f = *state;
	struct snapshot *before;
	struct tune_plan p;
	struct tune_report r;
	struct journal j;

	common_profile(f);
	before = take_snapshot(f);
	plan_and_apply(f, &p);
	tune_plan_free(&p);
	assert_int_equal(journal_load(&f->paths, &j, false, NULL, 0), 0);
	for (size_t i = 0; i < j.n; i++) {
		j.entries[i].state = JOURNAL_PENDING;
		j.entries[i].applied[0] = '\0';
	}
	assert_int_equal(journal_save(&f->paths, &j), 0);
	journal_free(&j);
	put(f, "/proc/sys/vm/swappiness", "60\n");      /* never reached */

	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_int_equal(r.counts.drifted, 1);
	assert_int_equal(ritem(&r, "sysctl:vm.swappiness")->status, TUNE_ST_NOT_APPLIED);
	assert_int_equal(ritem(&r, "sysctl:net.core.somaxconn")->status, TUNE_ST_OK);
	tune_report_free(&r);

	/* the next apply settles it: written ones kept, the rest written */
	plan(f, &p);
	assert_int_equal(p.counts.overridden, 0);
	assert_int_equal(p.counts.set, 1);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	tune_plan_free(&p);
	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_true(tune_verify_ok(&r));
	tune_report_free(&r);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 7);
	tune_report_free(&r);
	assert_restored(f, before);
	free(before);
}

static void test_revert_pending(void **state)
{
	struct fixture *f = *state;
	struct snapshot *before;
	struct tune_plan p;
	struct tune_report r;

	common_profile(f);
	before = take_snapshot(f);
	plan_and_apply(f, &p);
	tune_plan_free(&p);
	set_journal_states(f, JOURNAL_PENDING);
	put(f, "/proc/sys/vm/swappiness", "60\n");
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 6);
	assert_int_equal(r.counts.unchanged, 1);
	tune_report_free(&r);
	assert_restored(f, before);
	free(before);
}

/*
 * Entries an interrupted apply left pending, for knobs the next apply does
 * not set (excluded now): settled by it, so that verify passes again.
 */
static void test_pending_not_planned(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct tune_report r;
	struct journal j;

	common_profile(f);
	plan_and_apply(f, &p);
	tune_plan_free(&p);
	set_journal_states(f, JOURNAL_PENDING);
	put(f, "/proc/sys/vm/swappiness", "60\n");                      /* never written */
	put(f, "/proc/sys/net/core/netdev_max_backlog", "7777\n");      /* who wrote it? */
	f->exclude[0] = "sysctl:vm.swappiness";
	f->exclude[1] = "sysctl:net.core.somaxconn";                  /* written: 8192 */
	f->exclude[2] = "sysctl:net.core.netdev_max_backlog";

	plan_and_apply(f, &p);
	tune_plan_free(&p);
	assert_int_equal(journal_load(&f->paths, &j, false, NULL, 0), 0);
	assert_null(journal_find(&j, "sysctl:vm.swappiness"));
	assert_int_equal(journal_find(&j, "sysctl:net.core.somaxconn")->state, JOURNAL_APPLIED);
	assert_int_equal(journal_find(&j, "sysctl:net.core.netdev_max_backlog")->state,
			 JOURNAL_PENDING);
	journal_free(&j);
	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_int_equal(r.counts.drifted, 1);          /* only the unknown writer's */
	assert_int_equal(r.counts.unknown_writer, 1);
	assert_int_equal(ritem(&r, "sysctl:net.core.somaxconn")->status, TUNE_ST_OK);
	tune_report_free(&r);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(ritem(&r, "sysctl:net.core.somaxconn")->status, TUNE_ST_RESTORED);
	tune_report_free(&r);
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "4096\n");
}

/*
 * A partial plan (an adaptive rule's one value) leaves the journal's other
 * unsettled entries alone: a failed write stays reported.
 */
static void test_partial_plan_keeps_others(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct journal j;

	common_profile(f);
	make_read_only(f, "/proc/sys/net/core/somaxconn");
	plan_and_apply(f, &p);
	back_to_root(f);
	assert_int_equal(p.counts.failed, 1);
	tune_plan_free(&p);
	put(f, "/proc/sys/net/core/somaxconn", "4096\n");     /* the original, as before */
	f->prof.n_values = 0;
	sysctl(f, "vm.swappiness", "<5");
	plan(f, &p);
	p.partial = true;
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	tune_plan_free(&p);
	assert_int_equal(journal_load(&f->paths, &j, false, NULL, 0), 0);
	assert_non_null(journal_find(&j, "sysctl:net.core.somaxconn"));
	assert_int_equal(journal_find(&j, "sysctl:net.core.somaxconn")->state, JOURNAL_FAILED);
	journal_free(&j);
}

static void test_lock_timeout(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct tune_report r;
	char path[PATH_MAX];
	int fd;

	sysctl(f, "net.core.somaxconn", "8192");
	assert_int_equal(util_mkdir_p(f->paths.state_dir, 0755), 0);
	assert_int_equal(util_join(path, sizeof(path), "%s/tune.lock", f->paths.state_dir), 0);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	assert_true(fd >= 0);
	/* another open file description: what another process would hold */
	assert_int_equal(flock(fd, LOCK_EX), 0);
	plan(f, &p);
	assert_int_equal(tune_apply(&f->ctx, &p), -EBUSY);
	assert_non_null(strstr(p.error, "another perfagent apply or revert holds"));
	assert_string_equal(get(f, "/proc/sys/net/core/somaxconn"), "4096\n");
	tune_plan_free(&p);
	assert_int_equal(tune_revert(&f->ctx, &r), -EBUSY);
	tune_report_free(&r);
	close(fd);
	plan(f, &p);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	tune_plan_free(&p);
}

static void test_other_sysroot(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct tune_report r;
	struct pa_paths other = f->paths;
	struct tune_ctx ctx = f->ctx;

	sysctl(f, "net.core.somaxconn", "8192");
	plan_and_apply(f, &p);
	tune_plan_free(&p);
	/* the same state directory, another tree: refuse, touch nothing */
	assert_int_equal(util_join(other.sysroot, sizeof(other.sysroot), "%s/other", f->dir), 0);
	ctx.paths = &other;
	util_mkdir_p(other.sysroot, 0755);
	{
		char path[PATH_MAX];

		assert_int_equal(util_join(path, sizeof(path), "%s/proc/sys/kernel/random",
					   other.sysroot), 0);
		util_mkdir_p(path, 0755);
		strcat(path, "/boot_id");
		assert_int_equal(util_write_atomic(path, "11111111-2222-3333-4444-555555555555\n",
						   37, 0644), 0);
	}
	assert_int_equal(tune_revert(&ctx, &r), -EXDEV);
	assert_non_null(strstr(r.error, "written for root"));
	tune_report_free(&r);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 1);
	tune_report_free(&r);
}

static void test_output(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	struct tune_report r;
	struct json_object *o, *knobs, *k0, *v;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;

	common_profile(f);
	sysctl(f, "net.ipv4.conf.a_rather_long_interface_name.rp_filter", "2");
	plan(f, &p);
	mem = open_memstream(&text, &len);
	tune_print_plan(mem, &p);
	fclose(mem);
	if (getenv("TEST_TUNE_SHOW"))
		fputs(text, stderr);
	assert_non_null(strstr(text, "KNOB"));
	assert_non_null(strstr(text, "sysctl:net.core.somaxconn"));
	assert_non_null(strstr(text, "missing on this kernel"));
	assert_non_null(strstr(text, "profile test: 7 to set"));
	for (char *line = text; *line;) {   /* 100 columns */
		size_t n = strcspn(line, "\n");

		if (!strstr(line, "a_rather_long"))
			assert_true(n <= TUNE_TABLE_WIDTH);
		line += n + (line[n] == '\n');
	}
	free(text);

	o = tune_plan_json(&p);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "knobs", &knobs));
	assert_int_equal(json_object_array_length(knobs), p.n);
	k0 = json_object_array_get_idx(knobs, 0);
	assert_true(json_object_object_get_ex(k0, "action", &v));
	assert_string_equal(json_object_get_string(v), "set");
	json_object_put(o);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	text = NULL;
	mem = open_memstream(&text, &len);
	tune_print_plan(mem, &p);
	fclose(mem);
	assert_non_null(strstr(text, "applied"));
	free(text);
	tune_plan_free(&p);

	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	o = tune_report_json(&r);
	assert_true(json_object_object_get_ex(o, "ok", &v));
	assert_true(json_object_get_boolean(v));
	json_object_put(o);
	text = NULL;
	mem = open_memstream(&text, &len);
	tune_print_report(mem, &r);
	fclose(mem);
	assert_non_null(strstr(text, "verify passed: 7 knobs"));
	free(text);
	tune_report_free(&r);
}

/* ---- [ethtool]: device settings through a test ethtool_io (fake_ethtool.h) ---- */

/* eth0: ENA with everything; eth1: ENA on a type without interrupt
 * moderation and with small rings. 2 vCPUs. */
static void ena_nics(struct fixture *f)
{
	memset(fake_nics, 0, sizeof(fake_nics));
	fake_nics[0] = (struct fake_nic){
		.name = "eth0",
		.rings = { .rx = 1024, .tx = 1024, .rx_max = 16384, .tx_max = 1024 },
		.coal = { .rx_usecs = 20, .tx_usecs = 64, .supported = ETHTOOL_COAL_RX_USECS |
			  ETHTOOL_COAL_ADAPTIVE_RX },
		.chans = { .combined = 8, .combined_max = 8 },
	};
	fake_nics[1] = (struct fake_nic){
		.name = "eth1",
		.rings = { .rx = 1024, .tx = 512, .rx_max = 2048, .tx_max = 512 },
		.coal_err = -EOPNOTSUPP,
		.chans = { .combined = 2, .combined_max = 2 },
	};
	nic(f, "eth0", "ena");
	nic(f, "eth1", "ena");
	nic(f, "eth2", "ixgbevf");
	put(f, "/sys/devices/system/cpu/online", "0-1\n");
	ethtool_io_set(&fake_io);
}

static int ethtool_teardown(void **state)
{
	ethtool_io_set(NULL);
	return teardown(state);
}

static void ethtool(struct fixture *f, const char *key, const char *val)
{
	add_value(f, KNOB_ETHTOOL, key, val, NULL, NULL);
}

static void test_ethtool_plan(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	const struct tune_item *it;

	ena_nics(f);
	ethtool(f, "rx_ring", ">4096");
	ethtool(f, "tx_ring", "max");
	ethtool(f, "channels", "max");
	ethtool(f, "adaptive_rx", "on");
	ethtool(f, "rx_usecs", "0");
	ethtool(f, "tx_usecs", "0");
	plan(f, &p);

	it = item(&p, "ethtool:eth0:rx_ring");
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->knob.path, "/sys/class/net/eth0");
	assert_string_equal(it->current, "1024");
	assert_string_equal(it->desired, "4096");
	it = item(&p, "ethtool:eth1:rx_ring");     /* cut to the device's maximum */
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->wanted, "2048");
	assert_string_equal(it->desired, "2048");
	assert_non_null(strstr(it->reason, "cut to 2048: the device's maximum is 2048"));
	it = item(&p, "ethtool:eth0:tx_ring");
	assert_int_equal(it->action, TUNE_KEEP);
	assert_string_equal(it->reason, "already set");
	/* channels = max: 8 on the device, but 2 vCPUs */
	it = item(&p, "ethtool:eth0:channels");
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->desired, "2");
	assert_non_null(strstr(it->reason, "the device allows 8, the instance has 2 vCPUs"));
	it = item(&p, "ethtool:eth1:channels");
	assert_int_equal(it->action, TUNE_KEEP);
	it = item(&p, "ethtool:eth0:adaptive_rx");
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->current, "off");
	it = item(&p, "ethtool:eth0:rx_usecs");
	assert_int_equal(it->action, TUNE_SET);
	it = item(&p, "ethtool:eth0:tx_usecs");    /* the driver has no tx-usecs */
	assert_int_equal(it->skip, TUNE_SKIP_UNSUPPORTED);
	assert_string_equal(it->reason, "not supported by the driver");
	it = item(&p, "ethtool:eth1:adaptive_rx"); /* no interrupt moderation at all */
	assert_int_equal(it->skip, TUNE_SKIP_UNSUPPORTED);
	for (size_t i = 0; i < p.n; i++)           /* eth2 is not ena */
		assert_null(strstr(p.items[i].knob.id, "eth2"));
	assert_int_equal(p.counts.set, 5);
	assert_int_equal(p.counts.kept, 3);
	assert_int_equal(p.counts.skipped, 4);
	assert_int_equal(fake_nics[0].writes + fake_nics[1].writes, 0);
	tune_plan_free(&p);
}

static void test_ethtool_apply_verify_revert(void **state)
{
	struct fixture *f = *state;
	struct tune_report r;
	struct tune_plan p;
	const struct tune_report_item *ri;

	ena_nics(f);
	ethtool(f, "rx_ring", ">4096");
	ethtool(f, "channels", "max");
	ethtool(f, "adaptive_rx", "on");
	ethtool(f, "rx_usecs", "0");
	fake_nics[1].set_rings_err = -EOPNOTSUPP;  /* reads rings, cannot set them */
	plan_and_apply(f, &p);
	assert_int_equal(p.counts.applied, 4);
	assert_int_equal(p.counts.failed, 1);
	assert_non_null(strstr(item(&p, "ethtool:eth1:rx_ring")->error,
			       "cannot write '2048' to the rx_ring of eth1 (ethtool): not "
			       "supported by the driver"));
	assert_int_equal(fake_nics[0].rings.rx, 4096);
	assert_int_equal(fake_nics[0].chans.combined, 2);
	assert_true(fake_nics[0].coal.adaptive_rx);
	assert_int_equal(fake_nics[0].coal.rx_usecs, 0);
	assert_int_equal(fake_nics[0].coal.tx_usecs, 64);     /* untouched */
	tune_plan_free(&p);

	/* the second apply changes nothing */
	fake_nics[1].set_rings_err = 0;
	fake_nics[1].rings.rx_max = 1024;   /* now nothing to raise: kept */
	fake_nics[0].writes = 0;
	plan_and_apply(f, &p);
	assert_int_equal(p.counts.applied, 0);
	assert_int_equal(fake_nics[0].writes, 0);
	tune_plan_free(&p);

	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_true(tune_verify_ok(&r));
	tune_report_free(&r);

	/* an administrator turns adaptive-rx off: drift, and revert leaves it */
	fake_nics[0].coal.adaptive_rx = false;
	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_false(tune_verify_ok(&r));
	ri = ritem(&r, "ethtool:eth0:adaptive_rx");
	assert_int_equal(ri->status, TUNE_ST_OVERRIDDEN);
	tune_report_free(&r);
	fake_nics[0].coal.adaptive_rx = true;

	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(ritem(&r, "ethtool:eth0:rx_ring")->status, TUNE_ST_RESTORED);
	assert_int_equal(r.counts.restored, 4);
	assert_int_equal(fake_nics[0].rings.rx, 1024);
	assert_int_equal(fake_nics[0].chans.combined, 8);
	assert_false(fake_nics[0].coal.adaptive_rx);
	assert_int_equal(fake_nics[0].coal.rx_usecs, 20);
	assert_false(state_file_exists(f, "journal.json"));
	tune_report_free(&r);
}

/* The interface disappears after apply: verify says so, revert too. */
static void test_ethtool_interface_gone(void **state)
{
	struct fixture *f = *state;
	struct tune_report r;
	struct tune_plan p;

	ena_nics(f);
	ethtool(f, "rx_ring", "4096");
	plan_and_apply(f, &p);
	assert_int_equal(p.counts.applied, 2);
	tune_plan_free(&p);
	fake_nics[0].name = "eth9";
	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_int_equal(ritem(&r, "ethtool:eth0:rx_ring")->status, TUNE_ST_MISSING);
	tune_report_free(&r);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(ritem(&r, "ethtool:eth0:rx_ring")->status, TUNE_ST_MISSING);
	tune_report_free(&r);
}

/* A fake tree never steers the kernel's ops into the host's NICs. */
static void test_ethtool_fake_root_kernel_io(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	const struct tune_item *it;

	ena_nics(f);
	ethtool_io_set(NULL);
	ethtool(f, "rx_ring", "4096");
	add_value(f, KNOB_ETHTOOL, "channels", "2", "eth*", NULL);
	plan(f, &p);
	it = item(&p, "ethtool:eth0:rx_ring");
	assert_int_equal(it->skip, TUNE_SKIP_NOT_APPLICABLE);
	assert_non_null(strstr(it->reason, "NIC settings are read from the running kernel"));
	assert_int_equal(p.counts.set, 0);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	assert_int_equal(p.counts.applied, 0);
	tune_plan_free(&p);
}

/* 8 vCPUs, 2 queues whose interrupts are on CPUs 0 and 1 (siblings 4, 5). */
static void rps_tree(struct fixture *f)
{
	put(f, "/sys/devices/system/cpu/online", "0-7\n");
	put(f, "/sys/class/net/eth0/device/numa_node", "0\n");
	put(f, "/sys/devices/system/node/node0/cpulist", "0-7\n");
	put(f, "/sys/class/net/eth0/queues/rx-0/rps_cpus", "00\n");
	put(f, "/sys/class/net/eth0/queues/rx-1/rps_cpus", "00\n");
	put(f, "/sys/class/net/eth0/queues/tx-0/xps_cpus", "00\n");
	put(f, "/sys/class/net/eth1/queues/rx-0/rps_cpus", "00\n");
	put(f, "/sys/class/net/eth1/queues/rx-1/rps_cpus", "00\n");
	put(f, "/proc/interrupts",
	    "            CPU0       CPU1\n"
	    " 40:        100          0   PCI-MSIX-0000:00:05.0   1-edge      eth0-Tx-Rx-0\n"
	    " 41:          0        100   PCI-MSIX-0000:00:05.0   2-edge      eth0-Tx-Rx-1\n"
	    " 42:          0        100   PCI-MSIX-0000:00:06.0   1-edge      eth10-Tx-Rx-0\n"
	    "NMI:          0          0   Non-maskable interrupts\n");
	put(f, "/proc/irq/40/smp_affinity_list", "0\n");
	put(f, "/proc/irq/41/smp_affinity_list", "1\n");
	put(f, "/proc/irq/42/smp_affinity_list", "2\n");
	for (int c = 0; c < 8; c++) {
		char rel[PATH_MAX], sib[16];

		snprintf(rel, sizeof(rel),
			 "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", c);
		snprintf(sib, sizeof(sib), "%d,%d\n", c % 4, c % 4 + 4);
		put(f, rel, sib);
	}
}

static void test_ethtool_rps(void **state)
{
	struct fixture *f = *state;
	struct tune_report r;
	struct tune_plan p;
	const struct tune_item *it;

	ena_nics(f);
	rps_tree(f);
	add_value(f, KNOB_ETHTOOL, "rps", "auto", "eth0", NULL);
	add_value(f, KNOB_ETHTOOL, "rps", "off", "eth1", NULL);
	plan(f, &p);
	it = item(&p, "ethtool:eth0:rps:rx-0");
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->knob.path, "/sys/class/net/eth0/queues/rx-0/rps_cpus");
	assert_string_equal(it->current, "0");
	/* CPUs 2, 3, 6, 7: not 0 and 1 (interrupts) nor 4 and 5 (their siblings) */
	assert_string_equal(it->desired, "cc");
	assert_non_null(strstr(it->reason, "RPS on CPUs 2-3,6-7 (interrupt CPUs: 0-1"));
	assert_string_equal(item(&p, "ethtool:eth0:rps:rx-1")->desired, "cc");
	assert_int_equal(item(&p, "ethtool:eth1:rps:rx-0")->action, TUNE_KEEP);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	assert_int_equal(p.counts.applied, 2);
	assert_string_equal(get(f, "/sys/class/net/eth0/queues/rx-1/rps_cpus"), "cc\n");
	tune_plan_free(&p);

	/* the kernel prints masks zero-padded: still the value perfagent set */
	put(f, "/sys/class/net/eth0/queues/rx-0/rps_cpus", "000000cc\n");
	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_true(tune_verify_ok(&r));
	tune_report_free(&r);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 2);
	assert_string_equal(get(f, "/sys/class/net/eth0/queues/rx-0/rps_cpus"), "0");
	tune_report_free(&r);

	/* as many queues as vCPUs: nothing to do */
	put(f, "/sys/devices/system/cpu/online", "0-1\n");
	plan(f, &p);
	it = item(&p, "ethtool:eth0:rps");
	assert_int_equal(it->skip, TUNE_SKIP_NOT_APPLICABLE);
	assert_string_equal(it->reason, "not applicable: 2 receive queues for 2 vCPUs; RPS not "
			    "needed");
	tune_plan_free(&p);
}

/* RFS: the flow entries split over the queues, where RPS spreads them; 0 is off. */
static void test_ethtool_rfs(void **state)
{
	struct fixture *f = *state;
	struct tune_report r;
	struct tune_plan p;
	const struct tune_item *it;

	ena_nics(f);
	rps_tree(f);
	for (int nic = 0; nic < 2; nic++)
		for (int q = 0; q < 2; q++) {
			char rel[PATH_MAX];

			snprintf(rel, sizeof(rel), "/sys/class/net/eth%d/queues/rx-%d/rps_flow_cnt",
				 nic, q);
			put(f, rel, nic ? "2048\n" : "0\n");
		}
	add_value(f, KNOB_ETHTOOL, "rfs", "32768", "eth0", NULL);
	add_value(f, KNOB_ETHTOOL, "rfs", "0", "eth1", NULL);
	/* three queues: 32768 / 3 rounded down to a power of two */
	put(f, "/sys/class/net/eth0/queues/rx-2/rps_flow_cnt", "0\n");
	plan(f, &p);
	it = item(&p, "ethtool:eth0:rfs:rx-0");
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->knob.path, "/sys/class/net/eth0/queues/rx-0/rps_flow_cnt");
	assert_string_equal(it->desired, "8192");
	assert_non_null(strstr(it->reason, "RFS: 32768 flow entries over 3 receive queues"));
	assert_int_equal(item(&p, "ethtool:eth1:rfs:rx-1")->action, TUNE_SET);
	assert_string_equal(item(&p, "ethtool:eth1:rfs:rx-1")->desired, "0");
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	assert_int_equal(p.counts.applied, 5);
	assert_string_equal(get(f, "/sys/class/net/eth0/queues/rx-2/rps_flow_cnt"), "8192\n");
	tune_plan_free(&p);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 5);
	assert_string_equal(get(f, "/sys/class/net/eth1/queues/rx-0/rps_flow_cnt"), "2048\n");
	tune_report_free(&r);

	/* as many queues as vCPUs: RFS goes with RPS, not needed */
	put(f, "/sys/devices/system/cpu/online", "0-2\n");
	plan(f, &p);
	it = item(&p, "ethtool:eth0:rfs");
	assert_int_equal(it->skip, TUNE_SKIP_NOT_APPLICABLE);
	assert_non_null(strstr(it->reason, "3 receive queues for 3 vCPUs; RFS goes with RPS"));
	tune_plan_free(&p);
}

static void test_ethtool_unmatched(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	const struct tune_item *it;

	ena_nics(f);
	add_value(f, KNOB_ETHTOOL, "rx_ring", "max", "ens*", NULL);
	plan(f, &p);
	it = item(&p, "ethtool:ens*:rx_ring");
	assert_int_equal(it->skip, TUNE_SKIP_NOT_APPLICABLE);
	assert_string_equal(it->reason, "not applicable: no interface matches interfaces = ens*, "
			    "drivers = ena");
	tune_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_values_equal),
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_sysctl_path),
		cmocka_unit_test(test_sysctld_parse),
		cmocka_unit_test_setup_teardown(test_sysctld_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_actions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_shadowed_sysctld, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_raise_lower_keep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_later_group_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_virtual_disks_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_many_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_verify_revert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_one_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revert_write_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_keeps_first_original, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override_not_fought, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moved_past_not_fought, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_byte_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revert_interrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revert_journal_unwritable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revert_keeps_unknown_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_id_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_id_not_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_dir_is_a_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_journal_of_earlier_boot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revert_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_not_planned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_plan_keeps_others, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_sysroot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethtool_plan, setup, ethtool_teardown),
		cmocka_unit_test_setup_teardown(test_dirty_bytes_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethtool_apply_verify_revert, setup,
						ethtool_teardown),
		cmocka_unit_test_setup_teardown(test_ethtool_interface_gone, setup,
						ethtool_teardown),
		cmocka_unit_test_setup_teardown(test_ethtool_fake_root_kernel_io, setup,
						ethtool_teardown),
		cmocka_unit_test_setup_teardown(test_ethtool_rps, setup, ethtool_teardown),
		cmocka_unit_test_setup_teardown(test_ethtool_rfs, setup, ethtool_teardown),
		cmocka_unit_test_setup_teardown(test_ethtool_unmatched, setup, ethtool_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
