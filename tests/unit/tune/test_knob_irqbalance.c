// SPDX-License-Identifier: GPL-2.0-only
/*
 * The [irqbalance] banned_cpus knob on fake trees: not applicable without
 * irqbalance, without systemd, with a masked unit or where the
 * administrator sets the banned CPUs (environment file or drop-in); the
 * list derived from the plan's RPS masks (less every interface's interrupt
 * CPUs, plus irqbalance's own isolated and nohz_full default); the drop-in
 * created, verified and removed by revert, an existing one restored byte
 * for byte, also after a crash; the hex variable for an irqbalance older
 * than 1.8; and systemctl never run for a tree, run on the host as
 * daemon-reload then a queued try-restart.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/util.h"
#include "tune/irqbalance.h"
#include "tune/journal.h"
#include "tune/tune.h"

#define UNIT_FILE "/lib/systemd/system/irqbalance.service"
#define ENV_FILE "/etc/default/irqbalance"
#define PROGRAM "/usr/sbin/irqbalance"
#define KNOB "irqbalance:banned_cpus"

/* Debian 12's unit, as irqbalance 1.9.2 ships it. */
static const char unit_text[] =
	"[Unit]\nDescription=irqbalance daemon\nConditionVirtualization=!container\n\n"
	"[Service]\nEnvironmentFile=-/usr/lib/irqbalance/defaults.env\n"
	"EnvironmentFile=-/etc/default/irqbalance\n"
	"ExecStart=/usr/sbin/irqbalance --foreground $IRQBALANCE_ARGS\n"
	"ReadOnlyPaths=/\nReadWritePaths=/proc/irq\n\n[Install]\nWantedBy=multi-user.target\n";

/* Its environment file: every setting commented out. */
static const char env_text[] =
	"# IRQBALANCE_BANNED_CPULIST\n#    The CPUs list ...\n#IRQBALANCE_BANNED_CPULIST=\n"
	"#IRQBALANCE_ARGS=\n";

struct fixture {
	char dir[PATH_MAX];
	struct pa_paths paths;
	struct tune_ctx ctx;
	struct profile prof;
};

#include "fake_tree.h"

static int n_runs;
static char runs[4][160];

/* Records what would run instead of running it. */
static int fake_runner(const char *const argv[], char *err, size_t errsz)
{
	size_t off = 0;

	if (n_runs < 4) {
		for (int i = 0; argv[i]; i++)
			off += (size_t)snprintf(runs[n_runs] + off, sizeof(runs[0]) - off, "%s%s",
						i ? " " : "", argv[i]);
	}
	n_runs++;
	return 0;
}

/* The text of a file of the tree (malloc'd), NULL when it does not exist. */
static char *text_of(struct fixture *f, const char *rel)
{
	char path[PATH_MAX], *text = NULL;

	host_path(f, rel, path);
	return util_read_file(path, 1 << 20, &text) < 0 ? NULL : text;
}

static bool exists(struct fixture *f, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	host_path(f, rel, path);
	return lstat(path, &st) == 0;
}

static void banned(struct fixture *f, const char *val)
{
	add_value(f, KNOB_IRQBALANCE, "banned_cpus", val, NULL, NULL);
}

/* An interface bound to the ena driver, with n receive queues. */
static void nic(struct fixture *f, const char *name, int queues)
{
	char rel[PATH_MAX], path[PATH_MAX];

	put(f, "/sys/bus/pci/drivers/ena/bind", "");
	snprintf(rel, sizeof(rel), "/sys/class/net/%s/device/numa_node", name);
	put(f, rel, "0\n");
	host_path(f, "", path);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/sys/class/net/%s/device/driver",
		 name);
	assert_int_equal(symlink("../../../../bus/pci/drivers/ena", path), 0);
	for (int q = 0; q < queues; q++) {
		snprintf(rel, sizeof(rel), "/sys/class/net/%s/queues/rx-%d/rps_cpus", name, q);
		put(f, rel, "00\n");
	}
}

/*
 * 8 vCPUs (siblings n and n+4), eth0 with 2 queues whose interrupts are on
 * CPUs 0 and 1: RPS spreads to 2, 3, 6 and 7 (cc).
 */
static void rps_host(struct fixture *f)
{
	put(f, "/sys/devices/system/cpu/online", "0-7\n");
	put(f, "/sys/devices/system/node/node0/cpulist", "0-7\n");
	for (int c = 0; c < 8; c++) {
		char rel[PATH_MAX], sib[16];

		snprintf(rel, sizeof(rel),
			 "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", c);
		snprintf(sib, sizeof(sib), "%d,%d\n", c % 4, c % 4 + 4);
		put(f, rel, sib);
	}
	nic(f, "eth0", 2);
	put(f, "/proc/interrupts",
	    "            CPU0       CPU1\n"
	    " 40:        100          0   PCI-MSIX-0000:00:05.0   1-edge      eth0-Tx-Rx-0\n"
	    " 41:          0        100   PCI-MSIX-0000:00:05.0   2-edge      eth0-Tx-Rx-1\n"
	    " 42:          0        100   PCI-MSIX-0000:00:06.0   1-edge      eth1-Tx-Rx-0\n");
	put(f, "/proc/irq/40/smp_affinity_list", "0\n");
	put(f, "/proc/irq/41/smp_affinity_list", "1\n");
	put(f, "/proc/irq/42/smp_affinity_list", "2\n");
}

/* irqbalance 1.9 installed under systemd: unit, environment file, program. */
static void irqbalance(struct fixture *f)
{
	put(f, UNIT_FILE, unit_text);
	put(f, ENV_FILE, env_text);
	put(f, PROGRAM, "\177ELF getenv IRQBALANCE_BANNED_CPUS IRQBALANCE_BANNED_CPULIST");
	put(f, "/run/systemd/system/.keep", "");
}

static int setup(void **state)
{
	struct fixture *f = fake_tree_new("test_knob_irqbalance");

	put(f, "/proc/sys/kernel/random/boot_id", "11111111-2222-3333-4444-555555555555\n");
	put(f, "/sys/devices/system/cpu/online", "0-1\n");
	n_runs = 0;
	irqb_set_runner(fake_runner);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	irqb_set_runner(NULL);
	fake_tree_free(*state);
	return 0;
}

/* The reason the knob is skipped in a fresh plan, which must say why. */
static void assert_skipped(struct fixture *f, const char *why)
{
	struct tune_plan p;
	const struct tune_item *it;

	plan(f, &p);
	it = item(&p, KNOB);
	assert_int_equal(it->action, TUNE_SKIP);
	assert_int_equal(it->skip, TUNE_SKIP_NOT_APPLICABLE);
	assert_contains(it->reason, why);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	tune_plan_free(&p);
	assert_false(exists(f, IRQB_DROPIN_DIR));
}

/* ---- when the knob does not apply ---- */

static void test_not_installed(void **state)
{
	struct fixture *f = *state;

	banned(f, "1");
	put(f, "/run/systemd/system/.keep", "");
	assert_skipped(f, "not applicable: irqbalance is not installed (no irqbalance.service unit)");
	assert_int_equal(n_runs, 0);
}

static void test_no_systemd(void **state)
{
	struct fixture *f = *state;

	banned(f, "1");
	put(f, UNIT_FILE, unit_text);
	assert_skipped(f, "systemd does not run this host (no /run/systemd/system)");
}

static void test_masked(void **state)
{
	struct fixture *f = *state;

	banned(f, "1");
	irqbalance(f);
	put(f, "/etc/systemd/system/irqbalance.service", "");
	assert_skipped(f, "not applicable: irqbalance.service is masked");
}

/* The administrator's environment file wins over a drop-in: not fought. */
static void test_admin_environment_file(void **state)
{
	struct fixture *f = *state;
	char text[512];

	banned(f, "1");
	irqbalance(f);
	snprintf(text, sizeof(text), "%s  export IRQBALANCE_BANNED_CPUS=f0\n", env_text);
	put(f, ENV_FILE, text);
	assert_skipped(f, "/etc/default/irqbalance:5 sets IRQBALANCE_BANNED_CPUS=f0 (the "
		       "administrator's setting: not overridden)");
	/* the file the unit names, whatever it is called (Amazon Linux: /etc/sysconfig) */
	put(f, ENV_FILE, env_text);
	put(f, "/etc/systemd/system/irqbalance.service.d/env.conf",
	    "[Service]\nEnvironmentFile=/etc/sysconfig/irqbalance\n");
	put(f, "/etc/sysconfig/irqbalance", "IRQBALANCE_BANNED_CPULIST=0\n");
	assert_skipped(f, "/etc/sysconfig/irqbalance:1 sets IRQBALANCE_BANNED_CPULIST=0");
}

static void test_admin_dropin(void **state)
{
	struct fixture *f = *state;

	banned(f, "1");
	irqbalance(f);
	put(f, "/etc/systemd/system/irqbalance.service.d/override.conf",
	    "[Service]\n# mine\nEnvironment=\"IRQBALANCE_BANNED_CPULIST=1\"\n");
	assert_skipped(f, "/etc/systemd/system/irqbalance.service.d/override.conf:3 sets "
		       "Environment=\"IRQBALANCE_BANNED_CPULIST=1\"");
}

/* Without RPS (off, not needed, excluded) there is nothing to keep irqbalance off. */
static void test_no_rps(void **state)
{
	struct fixture *f = *state;
	const char *const exclude[] = { "ethtool:*:rps:*", NULL };

	rps_host(f);
	irqbalance(f);
	banned(f, "rps");
	assert_skipped(f, "not applicable: no RPS knob of this plan spreads receive work");
	add_value(f, KNOB_ETHTOOL, "rps", "off", "eth0", NULL);
	assert_skipped(f, "no RPS knob of this plan");
	strcpy(f->prof.values[1].value, "auto");
	f->ctx.exclude = exclude;
	assert_skipped(f, "no RPS knob of this plan");
	f->ctx.exclude = NULL;
	put(f, "/sys/devices/system/cpu/online", "0-1\n");   /* 2 queues, 2 vCPUs */
	assert_skipped(f, "no RPS knob of this plan");
}

/* ---- the value ---- */

static void test_derived_from_rps(void **state)
{
	struct fixture *f = *state;
	struct tune_report r;
	struct tune_plan p;
	const struct tune_item *it;
	char *text;

	rps_host(f);
	irqbalance(f);
	/* the irqbalance value first: derived all the same, once the plan is complete */
	banned(f, "rps");
	add_value(f, KNOB_ETHTOOL, "rps", "auto", "eth0", NULL);
	plan(f, &p);
	assert_string_equal(item(&p, "ethtool:eth0:rps:rx-0")->desired, "cc");
	it = item(&p, KNOB);
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->knob.path, IRQB_DROPIN);
	assert_string_equal(it->current, "none");
	assert_string_equal(it->desired, "2-3,6-7");
	assert_string_equal(it->reason, "the RPS CPUs of eth0, their interrupt CPUs left to "
			    "irqbalance");
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	assert_int_equal(p.counts.applied, 3);
	tune_plan_free(&p);
	text = text_of(f, IRQB_DROPIN);
	assert_contains(text, "\n[Service]\nEnvironment=IRQBALANCE_BANNED_CPULIST=2-3,6-7\n");
	free(text);
	assert_int_equal(n_runs, 0);        /* a tree: systemctl never runs */

	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_true(tune_verify_ok(&r));
	tune_report_free(&r);
	plan(f, &p);
	assert_int_equal(item(&p, KNOB)->action, TUNE_KEEP);
	tune_plan_free(&p);

	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 3);
	tune_report_free(&r);
	assert_false(exists(f, IRQB_DROPIN));
	assert_false(exists(f, IRQB_DROPIN_DIR));   /* perfagent made it, and it is empty */
	assert_true(exists(f, "/run/systemd/system"));
	assert_int_equal(n_runs, 0);
}

/* Two interfaces: one's RPS CPUs may take the other's interrupts; those stay allowed. */
static void test_several_interfaces(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;

	rps_host(f);
	nic(f, "eth1", 1);
	irqbalance(f);
	add_value(f, KNOB_ETHTOOL, "rps", "auto", "eth*", NULL);
	banned(f, "rps");
	plan(f, &p);
	/* eth1's interrupts are on CPU 2 (sibling 6): its RPS CPUs are 0-1,3-5,7 */
	assert_string_equal(item(&p, "ethtool:eth1:rps:rx-0")->desired, "bb");
	/* (2-3,6-7 | 0-1,3-5,7) without 0, 1 and 2 */
	assert_string_equal(item(&p, KNOB)->desired, "3-7");
	assert_string_equal(item(&p, KNOB)->reason, "the RPS CPUs of eth0, eth1, their interrupt "
			    "CPUs left to irqbalance");
	tune_plan_free(&p);
}

/* Setting the variable replaces irqbalance's default ban: isolated CPUs are kept. */
static void test_isolated_kept(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;

	rps_host(f);
	irqbalance(f);
	put(f, "/sys/devices/system/cpu/isolated", "4\n");
	put(f, "/sys/devices/system/cpu/nohz_full", "(null)\n");
	add_value(f, KNOB_ETHTOOL, "rps", "auto", "eth0", NULL);
	banned(f, "rps");
	plan(f, &p);
	assert_string_equal(item(&p, KNOB)->desired, "2-4,6-7");
	assert_contains(item(&p, KNOB)->reason, "; isolated and nohz_full CPUs, irqbalance's "
			"default, kept: 4");
	tune_plan_free(&p);
}

static void test_explicit_list(void **state)
{
	struct fixture *f = *state;
	struct tune_report r;
	struct tune_plan p;

	irqbalance(f);
	banned(f, "0-1");
	assert_skipped(f, "not applicable: banning CPUs 0-1 would leave irqbalance no online CPU");
	strcpy(f->prof.values[0].value, "1");
	plan(f, &p);
	assert_string_equal(item(&p, KNOB)->desired, "1");
	assert_string_equal(item(&p, KNOB)->reason, "");
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	tune_plan_free(&p);
	assert_true(exists(f, IRQB_DROPIN));

	/* none: the drop-in goes; revert brings back perfagent's first original */
	strcpy(f->prof.values[0].value, "none");
	plan(f, &p);
	assert_string_equal(item(&p, KNOB)->current, "1");
	assert_int_equal(item(&p, KNOB)->action, TUNE_SET);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	tune_plan_free(&p);
	assert_false(exists(f, IRQB_DROPIN));
	plan(f, &p);
	assert_int_equal(item(&p, KNOB)->action, TUNE_KEEP);
	tune_plan_free(&p);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	tune_report_free(&r);
	assert_false(exists(f, IRQB_DROPIN));
}

/* A drop-in already there is the original: restored byte for byte. */
static void test_existing_dropin_restored(void **state)
{
	static const char mine[] = "# an old one, M\xc3\xbcller's\n[Service]\n\tEnvironment="
				   "\"IRQBALANCE_BANNED_CPULIST=0\"   \nNice=3";
	struct fixture *f = *state;
	struct tune_report r;
	struct tune_plan p;
	char *text;

	irqbalance(f);
	put(f, IRQB_DROPIN, mine);
	put(f, IRQB_DROPIN_DIR "/60-other.conf", "[Service]\nNice=1\n");
	banned(f, "1");
	plan(f, &p);
	assert_string_equal(item(&p, KNOB)->current, "0");
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	tune_plan_free(&p);
	text = text_of(f, IRQB_DROPIN);
	assert_contains(text, "Environment=IRQBALANCE_BANNED_CPULIST=1\n");
	free(text);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 1);
	assert_string_equal(r.items[0].expected, "0");
	tune_report_free(&r);
	text = text_of(f, IRQB_DROPIN);
	assert_string_equal(text, mine);
	free(text);
	assert_true(exists(f, IRQB_DROPIN_DIR "/60-other.conf"));
}

/* A crash between the journal and the write: revert still knows the original. */
static void test_revert_after_crash(void **state)
{
	struct fixture *f = *state;
	struct tune_report r;
	struct tune_plan p;
	struct journal j;
	char msg[256];

	irqbalance(f);
	banned(f, "1");
	plan(f, &p);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	tune_plan_free(&p);
	/* as if the apply died after writing, before recording it */
	assert_int_equal(journal_load(&f->paths, &j, false, msg, sizeof(msg)), 0);
	assert_int_equal(j.n, 1);
	j.entries[0].state = JOURNAL_PENDING;
	j.entries[0].applied[0] = '\0';
	assert_int_equal(journal_save(&f->paths, &j), 0);
	journal_free(&j);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 1);
	tune_report_free(&r);
	assert_false(exists(f, IRQB_DROPIN));
}

/* An irqbalance older than 1.8 reads only the hex mask. */
static void test_old_irqbalance(void **state)
{
	struct fixture *f = *state;
	struct tune_report r;
	struct tune_plan p;
	char *text;

	rps_host(f);
	irqbalance(f);
	put(f, PROGRAM, "\177ELF getenv IRQBALANCE_BANNED_CPUS");
	add_value(f, KNOB_ETHTOOL, "rps", "auto", "eth0", NULL);
	banned(f, "rps");
	plan(f, &p);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	tune_plan_free(&p);
	text = text_of(f, IRQB_DROPIN);
	assert_contains(text, "\nEnvironment=IRQBALANCE_BANNED_CPUS=cc\n");
	free(text);
	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_true(tune_verify_ok(&r));
	tune_report_free(&r);
}

/* The drop-in's text as irqbalance reads it: the mask first, else the list. */
static void test_dropin_parse(void **state)
{
	struct cpu_mask m;
	char list[64];

	(void)state;
	assert_int_equal(irqb_dropin_parse("[Service]\nNice=1\n", &m), 0);
	assert_true(cpu_mask_empty(&m));
	assert_int_equal(irqb_dropin_parse("[Service]\nEnvironment=A=1 "
					   "\"IRQBALANCE_BANNED_CPULIST=1,3-4\"\n", &m), 0);
	assert_int_equal(cpu_mask_format_list(&m, list, sizeof(list)), 0);
	assert_string_equal(list, "1,3-4");
	assert_int_equal(irqb_dropin_parse("Environment=IRQBALANCE_BANNED_CPULIST=1\n"
					   "Environment=IRQBALANCE_BANNED_CPULIST=2\n"
					   "Environment=IRQBALANCE_BANNED_CPUS=ff,00000000\n", &m), 0);
	assert_int_equal(cpu_mask_format_list(&m, list, sizeof(list)), 0);
	assert_string_equal(list, "32-39");
	assert_int_equal(irqb_dropin_parse("Environment=IRQBALANCE_BANNED_CPULIST=x\n", &m),
			 -EINVAL);
	assert_int_equal(irqb_dropin_parse("Environment=IRQBALANCE_BANNED_CPULIST=\n", &m), 0);
	assert_true(cpu_mask_empty(&m));
}

/* A drop-in that cannot be read as one is unreadable, not overwritten. */
static void test_garbage_dropin(void **state)
{
	struct fixture *f = *state;
	struct tune_plan p;
	char *text;

	irqbalance(f);
	banned(f, "1");
	put(f, IRQB_DROPIN, "Environment=IRQBALANCE_BANNED_CPULIST=lots\n");
	plan(f, &p);
	assert_int_equal(item(&p, KNOB)->skip, TUNE_SKIP_UNREADABLE);
	tune_plan_free(&p);
	/* a carriage return: a journal could not hold it as the original */
	put(f, IRQB_DROPIN, "[Service]\r\nEnvironment=IRQBALANCE_BANNED_CPULIST=0\r\n");
	plan(f, &p);
	assert_int_equal(item(&p, KNOB)->skip, TUNE_SKIP_UNREADABLE);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	tune_plan_free(&p);
	text = text_of(f, IRQB_DROPIN);
	assert_contains(text, "\r\n");
	free(text);
}

/* systemctl: only for the host, daemon-reload then a queued try-restart. */
static void test_restart_only_on_host(void **state)
{
	struct pa_paths tree = { .sysroot = "/tmp/some-tree" };
	struct pa_paths host = { .sysroot = "" }, slash = { .sysroot = "/" };
	char err[128];

	(void)state;
	assert_int_equal(irqb_restart(&tree, true, err, sizeof(err)), 0);
	assert_int_equal(n_runs, 0);
	assert_int_equal(irqb_restart(&host, true, err, sizeof(err)), 0);
	assert_int_equal(n_runs, 2);
	assert_non_null(strstr(runs[0], "systemctl --no-ask-password daemon-reload"));
	assert_non_null(strstr(runs[1], "systemctl --no-ask-password --no-block try-restart "
			       "irqbalance.service"));
	/* putting a drop-in back after a failure: the reload only */
	assert_int_equal(irqb_restart(&host, false, err, sizeof(err)), 0);
	assert_int_equal(n_runs, 3);
	assert_non_null(strstr(runs[2], "systemctl --no-ask-password daemon-reload"));
	assert_true(irqb_on_host(&slash));
	assert_false(irqb_on_host(&tree));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_installed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_systemd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_masked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin_environment_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin_dropin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_rps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_derived_from_rps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_several_interfaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_isolated_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explicit_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_dropin_restored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revert_after_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_irqbalance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_dropin, setup, teardown),
		cmocka_unit_test(test_dropin_parse),
		cmocka_unit_test_setup_teardown(test_restart_only_on_host, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
