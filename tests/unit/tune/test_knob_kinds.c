// SPDX-License-Identifier: GPL-2.0-only
/*
 * The knob kinds of issue 18 on fake /proc, /sys and /dev trees: the EBS
 * I/O timeout (EBS volumes only, the kernel's longest timeout read back
 * lower), the clocksource (only where the kernel offers it), and the PM QoS
 * CPU latency (held by a holder, released on revert, daemon-only without
 * one; not applicable without C-states). The PM QoS holder also runs once
 * against the real /dev/cpu_dma_latency when root, and releases it.
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
#include "tune/pmqos.h"
#include "tune/tune.h"

#define EBS "Amazon Elastic Block Store              \n"
#define STORE "Amazon EC2 NVMe Instance Storage        \n"
#define CLOCK "/sys/devices/system/clocksource/clocksource0/"
#define CPUIDLE "/sys/devices/system/cpu/cpu0/cpuidle"

struct fixture {
	char dir[PATH_MAX];
	struct pa_paths paths;
	struct tune_ctx ctx;
	struct profile prof;
	struct pmqos q;
};

#include "fake_tree.h"

/* What the fake device says is in force: its 4 bytes. */
static int32_t latency_in_force(struct fixture *f)
{
	int32_t us = -1;

	assert_int_equal(pmqos_read(&f->paths, &us), 0);
	return us;
}

static void put_latency(struct fixture *f, int32_t us)
{
	put_bytes(f, PMQOS_DEVICE, &us, sizeof(us));
}

static void disk(struct fixture *f, const char *dev, const char *model, const char *timeout)
{
	put_block(f, dev, "device/model", model);
	put_block(f, dev, "queue/read_ahead_kb", "128\n");
	if (timeout)
		put_block(f, dev, "queue/io_timeout", timeout);
}

/* A host with C-states: POLL, C1 (2 us), C1E (10 us), C6 (133 us), as Skylake-SP. */
static void cstates(struct fixture *f, int n)
{
	static const char *const names[] = { "POLL", "C1", "C1E", "C6" };
	static const char *const latency[] = { "0", "2", "10", "133" };
	char rel[PATH_MAX], text[32];

	for (int i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "%s/state%d/name", CPUIDLE, i);
		snprintf(text, sizeof(text), "%s\n", names[i]);
		put(f, rel, text);
		snprintf(rel, sizeof(rel), "%s/state%d/latency", CPUIDLE, i);
		snprintf(text, sizeof(text), "%s\n", latency[i]);
		put(f, rel, text);
	}
}

static int setup(void **state)
{
	struct fixture *f = fake_tree_new("test_knob_kinds");

	put(f, "/proc/sys/kernel/random/boot_id", "11111111-2222-3333-4444-555555555555\n");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pmqos_release(&f->q);
	fake_tree_free(f);
	return 0;
}

static void apply(struct fixture *f, struct tune_plan *p)
{
	plan(f, p);
	assert_int_equal(tune_apply(&f->ctx, p), 0);
}

/* ---- EBS NVMe I/O timeout ---- */

static void test_io_timeout_ebs_only(void **state)
{
	struct fixture *f = *state;
	struct tune_report r;
	struct tune_plan p;
	const struct tune_item *it;

	disk(f, "nvme0n1", EBS, "30000\n");
	disk(f, "nvme1n1", STORE, "30000\n");
	disk(f, "nvme2n1", EBS, NULL);          /* a kernel before 5.0: no such file */
	put(f, "/sys/block/loop0/queue/io_timeout", "30000\n");
	add_value(f, KNOB_BLOCK, "io_timeout", "4294967295", "nvme*", "ebs");

	plan(f, &p);
	assert_int_equal(p.n, 2);       /* the two EBS volumes; never nvme1n1 or loop0 */
	assert_null(find(&p, "block:nvme1n1:io_timeout"));
	it = item(&p, "block:nvme0n1:io_timeout");
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->current, "30000");
	assert_string_equal(it->desired, "4294967295");
	it = item(&p, "block:nvme2n1:io_timeout");
	assert_int_equal(it->skip, TUNE_SKIP_MISSING);
	tune_plan_free(&p);

	apply(f, &p);
	assert_int_equal(p.counts.applied, 1);
	assert_int_equal(p.counts.failed, 0);
	tune_plan_free(&p);
	assert_string_equal(get(f, "/sys/block/nvme0n1/queue/io_timeout"), "4294967295\n");
	assert_string_equal(get(f, "/sys/block/nvme1n1/queue/io_timeout"), "30000\n");
	assert_string_equal(get(f, "/sys/block/loop0/queue/io_timeout"), "30000\n");

	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_true(tune_verify_ok(&r));
	assert_int_equal(r.counts.ok, 1);
	tune_report_free(&r);

	/* A second apply changes nothing. */
	apply(f, &p);
	assert_int_equal(p.counts.applied, 0);
	assert_int_equal(p.counts.kept, 1);
	tune_plan_free(&p);

	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 1);
	tune_report_free(&r);
	assert_string_equal(get(f, "/sys/block/nvme0n1/queue/io_timeout"), "30000\n");
	assert_string_equal(get(f, "/sys/block/nvme1n1/queue/io_timeout"), "30000\n");
}

/*
 * The kernel reads its longest timeout back lower than 4294967295 (here as
 * at HZ=250): a volume a udev rule already set is kept, not rewritten.
 */
static void test_io_timeout_longest_read_back(void **state)
{
	struct fixture *f = *state;
	const struct tune_item *it;
	struct tune_plan p;

	disk(f, "nvme0n1", EBS, "4294967288\n");
	disk(f, "nvme1n1", EBS, "2147483647\n");     /* below 2^31: read as written */
	add_value(f, KNOB_BLOCK, "io_timeout", "4294967295", "nvme*", "ebs");
	apply(f, &p);
	it = item(&p, "block:nvme0n1:io_timeout");
	assert_int_equal(it->action, TUNE_KEEP);
	assert_string_equal(it->current, "4294967295");
	it = item(&p, "block:nvme1n1:io_timeout");
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->current, "2147483647");
	tune_plan_free(&p);
	assert_string_equal(get(f, "/sys/block/nvme0n1/queue/io_timeout"), "4294967288\n");
}

/* ---- clocksource ---- */

static void test_clocksource_offered(void **state)
{
	struct fixture *f = *state;
	const struct tune_item *it;
	struct tune_report r;
	struct tune_plan p;

	put(f, CLOCK "current_clocksource", "xen\n");
	put(f, CLOCK "available_clocksource", "xen tsc hpet acpi_pm \n");
	add_value(f, KNOB_VM, "clocksource", "tsc", NULL, NULL);

	apply(f, &p);
	it = item(&p, "vm:clocksource");
	assert_int_equal(it->result, TUNE_RES_APPLIED);
	assert_string_equal(it->current, "xen");
	tune_plan_free(&p);
	assert_string_equal(get(f, CLOCK "current_clocksource"), "tsc\n");

	assert_int_equal(tune_verify(&f->ctx, &r), 0);
	assert_true(tune_verify_ok(&r));
	tune_report_free(&r);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 1);
	tune_report_free(&r);
	assert_string_equal(get(f, CLOCK "current_clocksource"), "xen\n");
}

static void test_clocksource_not_offered(void **state)
{
	struct fixture *f = *state;
	const struct tune_item *it;
	struct tune_plan p;

	put(f, CLOCK "current_clocksource", "xen\n");
	put(f, CLOCK "available_clocksource", "xen hpet acpi_pm \n");
	add_value(f, KNOB_VM, "clocksource", "tsc", NULL, NULL);

	apply(f, &p);
	it = item(&p, "vm:clocksource");
	assert_int_equal(it->skip, TUNE_SKIP_NOT_APPLICABLE);
	assert_string_equal(it->reason, "not applicable: this kernel does not offer tsc "
			    "(available_clocksource: xen hpet acpi_pm)");
	assert_int_equal(p.counts.applied, 0);
	tune_plan_free(&p);
	assert_string_equal(get(f, CLOCK "current_clocksource"), "xen\n");
}

/* ---- PM QoS ---- */

static void pmqos_host(struct fixture *f)
{
	cstates(f, 4);
	put_latency(f, PMQOS_NO_LIMIT);
	add_value(f, KNOB_PMQOS, "cpu_dma_latency", "state1", NULL, NULL);
}

static bool journal_mentions(struct fixture *f, const char *what)
{
	char path[PATH_MAX], *text = NULL;
	bool found;

	assert_int_equal(util_join(path, sizeof(path), "%s/journal.json", f->paths.state_dir), 0);
	if (util_read_file(path, 1 << 20, &text) < 0)
		return false;
	found = strstr(text, what) != NULL;
	free(text);
	return found;
}

/* A one-shot apply has no holder: the plan says only the daemon holds it. */
static void test_pmqos_without_holder(void **state)
{
	struct fixture *f = *state;
	const struct tune_item *it;
	struct tune_plan p;

	pmqos_host(f);
	apply(f, &p);
	it = item(&p, PMQOS_KNOB_ID);
	assert_int_equal(it->action, TUNE_SKIP);
	assert_int_equal(it->skip, TUNE_SKIP_DAEMON_ONLY);
	assert_string_equal(tune_skip_name(it->skip), "daemon-only");
	assert_string_equal(it->current, "2000000000");
	assert_string_equal(it->wanted, "2");
	assert_contains(it->reason, "held only by the daemon while it runs");
	assert_contains(it->reason, "state1 = C1's exit latency on this host (2 us)");
	tune_plan_free(&p);
	assert_int_equal(latency_in_force(f), PMQOS_NO_LIMIT);
	assert_false(journal_mentions(f, "pmqos"));
}

static void test_pmqos_hold_and_release(void **state)
{
	struct fixture *f = *state;
	const struct tune_item *it;
	struct tune_report r;
	struct tune_plan p;
	int fd;

	pmqos_host(f);
	put(f, "/proc/sys/vm/swappiness", "60\n");
	add_value(f, KNOB_SYSCTL, "vm.swappiness", "10", NULL, NULL);
	f->ctx.pmqos = &f->q;

	/* Planned (advise): would be held, nothing held yet. */
	plan(f, &p);
	it = item(&p, PMQOS_KNOB_ID);
	assert_int_equal(it->action, TUNE_SET);
	assert_string_equal(it->desired, "2");
	assert_contains(it->reason, "held open by the daemon while it runs");
	tune_plan_free(&p);
	assert_false(f->q.held);

	/* Applied: held, and the device says so. */
	assert_int_equal(tune_plan(&f->ctx, &f->prof, &p), 0);
	assert_int_equal(tune_apply(&f->ctx, &p), 0);
	assert_int_equal(item(&p, PMQOS_KNOB_ID)->result, TUNE_RES_APPLIED);
	assert_int_equal(p.counts.applied, 2);
	tune_plan_free(&p);
	assert_true(f->q.held);
	assert_int_equal(f->q.latency_us, 2);
	assert_int_equal(latency_in_force(f), 2);
	fd = f->q.fd;
	assert_true(fcntl(fd, F_GETFD) >= 0);
	assert_true(journal_mentions(f, "vm.swappiness"));
	assert_false(journal_mentions(f, "pmqos"));

	/* Again: kept, the same request still held. */
	apply(f, &p);
	it = item(&p, PMQOS_KNOB_ID);
	assert_int_equal(it->action, TUNE_KEEP);
	assert_string_equal(it->reason, "held by the daemon; state1 = C1's exit latency on this "
			    "host (2 us)");
	tune_plan_free(&p);
	assert_int_equal(f->q.fd, fd);

	/* Revert releases it, and says so; the sysctl is restored as ever. */
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_int_equal(r.counts.restored, 2);
	assert_string_equal(r.items[0].id, PMQOS_KNOB_ID);
	assert_string_equal(r.items[0].live, "2");
	assert_int_equal(r.items[0].status, TUNE_ST_RESTORED);
	assert_contains(r.items[0].detail, "released");
	tune_report_free(&r);
	assert_false(f->q.held);
	assert_true(fcntl(fd, F_GETFD) < 0);    /* closed */
	assert_int_equal(latency_in_force(f), PMQOS_NO_LIMIT);
	assert_string_equal(get(f, "/proc/sys/vm/swappiness"), "60\n");
}

/* An applied plan without the value (another profile, or excluded) lets go. */
static void test_pmqos_released_when_dropped(void **state)
{
	struct fixture *f = *state;
	const char *exclude[] = { "pmqos:*", NULL };
	struct tune_plan p;

	pmqos_host(f);
	f->ctx.pmqos = &f->q;
	apply(f, &p);
	tune_plan_free(&p);
	assert_true(f->q.held);

	/* Another value: replaced without a moment unheld. */
	strcpy(f->prof.values[0].value, "0");
	apply(f, &p);
	assert_int_equal(item(&p, PMQOS_KNOB_ID)->result, TUNE_RES_APPLIED);
	tune_plan_free(&p);
	assert_int_equal(f->q.latency_us, 0);
	assert_int_equal(latency_in_force(f), 0);

	/* Advise (plan only) changes nothing held. */
	f->ctx.exclude = exclude;
	plan(f, &p);
	assert_int_equal(item(&p, PMQOS_KNOB_ID)->skip, TUNE_SKIP_EXCLUDED);
	tune_plan_free(&p);
	assert_true(f->q.held);

	/* Applied without it: released. */
	apply(f, &p);
	tune_plan_free(&p);
	assert_false(f->q.held);
	assert_int_equal(latency_in_force(f), PMQOS_NO_LIMIT);
}

static void expect_not_applicable(struct fixture *f, const char *reason)
{
	const struct tune_item *it;
	struct tune_plan p;

	f->ctx.pmqos = &f->q;
	apply(f, &p);
	it = item(&p, PMQOS_KNOB_ID);
	assert_int_equal(it->skip, TUNE_SKIP_NOT_APPLICABLE);
	assert_contains(it->reason, reason);
	tune_plan_free(&p);
	assert_false(f->q.held);
}

/* n C-states, no limit in force, cpu_dma_latency = value: not applicable, for reason. */
static void expect_pmqos_not_applicable(struct fixture *f, int n, const char *value,
					const char *reason)
{
	cstates(f, n);
	put_latency(f, PMQOS_NO_LIMIT);
	add_value(f, KNOB_PMQOS, "cpu_dma_latency", value, NULL, NULL);
	expect_not_applicable(f, reason);
}

static void test_pmqos_no_cstates(void **state)
{
	expect_pmqos_not_applicable(*state, 0, "state1",
				    "this host exposes no C-states (no cpuidle states); EC2 "
				    "exposes them only on some sizes and metal types");
}

static void test_pmqos_graviton(void **state)
{
	struct fixture *f = *state;

	put_latency(f, PMQOS_NO_LIMIT);
	put(f, "/proc/cpuinfo", "processor\t: 0\nBogoMIPS\t: 243.75\nCPU implementer\t: 0x41\n"
	    "CPU architecture: 8\nCPU part\t: 0xd40\n");
	add_value(f, KNOB_PMQOS, "cpu_dma_latency", "0", NULL, NULL);
	expect_not_applicable(f, "Graviton (Arm) CPUs run at a fixed frequency and expose no "
			      "C-states");
}

/* Only POLL and C1: nothing deeper than C1 to keep the CPUs out of. */
static void test_pmqos_nothing_deeper(void **state)
{
	expect_pmqos_not_applicable(*state, 2, "state1",
				    "no C-state takes longer than 2 us to leave (the deepest, C1, "
				    "takes 2 us): nothing to limit");
}

static void test_pmqos_unknown_state(void **state)
{
	expect_pmqos_not_applicable(*state, 3, "state7",
				    "this host has no cpuidle state7 (it has state0 (POLL), "
				    "state1 (C1), state2 (C1E))");
}

/* A FIFO where the device should be: refused at once, never waited on. */
static void test_pmqos_fifo(void **state)
{
	struct fixture *f = *state;
	const struct tune_item *it;
	char path[PATH_MAX];
	struct tune_plan p;

	cstates(f, 4);
	full_path(f, PMQOS_DEVICE, path);
	assert_int_equal(mkfifo(path, 0600), 0);
	add_value(f, KNOB_PMQOS, "cpu_dma_latency", "state1", NULL, NULL);
	f->ctx.pmqos = &f->q;
	apply(f, &p);
	it = item(&p, PMQOS_KNOB_ID);
	assert_int_equal(it->skip, TUNE_SKIP_UNREADABLE);
	assert_contains(it->reason, "a FIFO or socket, not a file");
	tune_plan_free(&p);
	assert_false(f->q.held);
	assert_int_equal(pmqos_hold(&f->q, &f->paths, 2), -ENXIO);  /* no reader: no hang */
}

/* Only a hold, no journal: revert releases it and says there was nothing else. */
static void test_pmqos_revert_without_journal(void **state)
{
	struct fixture *f = *state;
	struct tune_report r;
	struct tune_plan p;

	pmqos_host(f);
	f->ctx.pmqos = &f->q;
	apply(f, &p);
	tune_plan_free(&p);
	assert_true(f->q.held);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_false(r.have_journal);
	assert_int_equal(r.counts.restored, 1);
	assert_contains(r.note, "the PM QoS hold was released; nothing to revert: no journal in");
	tune_report_free(&r);
	assert_false(f->q.held);
	assert_int_equal(latency_in_force(f), PMQOS_NO_LIMIT);
}

/* A process without a holder cannot release one: revert says a limit is in force. */
static void test_pmqos_revert_note(void **state)
{
	struct fixture *f = *state;
	struct tune_report r;

	put_latency(f, 20);
	assert_int_equal(tune_revert(&f->ctx, &r), 0);
	assert_contains(r.note, "a CPU latency limit of 20 us is in force (PM QoS, "
			"/dev/cpu_dma_latency): a running process holds it");
	assert_int_equal(r.n, 0);
	tune_report_free(&r);
}

static void test_pmqos_bad_device(void **state)
{
	struct fixture *f = *state;
	int32_t us;

	assert_int_equal(pmqos_read(&f->paths, &us), -ENOENT);
	assert_int_equal(pmqos_hold(&f->q, &f->paths, 2), -ENOENT);
	put(f, PMQOS_DEVICE, "2\n");        /* text, not the 4 bytes */
	assert_int_equal(pmqos_read(&f->paths, &us), -EINVAL);
	assert_int_equal(pmqos_hold(&f->q, &f->paths, -1), -EINVAL);
	assert_int_equal(pmqos_hold(&f->q, &f->paths, PMQOS_NO_LIMIT + 1), -EINVAL);
	assert_false(f->q.held);
}

/*
 * The real device, when this runs as root: a request really limits the
 * host's C-states, so it is held only for a moment, and released.
 */
static void test_pmqos_real_device(void **state)
{
	struct pa_paths host = { .sysroot = "" };
	struct pmqos q = { 0 };
	int32_t before, during, after;
	struct stat st;

	if (geteuid() != 0 || stat(PMQOS_DEVICE, &st) || !S_ISCHR(st.st_mode)) {
		print_message("skipped: needs root and %s\n", PMQOS_DEVICE);
		skip();
	}
	assert_int_equal(pmqos_read(&host, &before), 0);
	assert_int_equal(pmqos_hold(&q, &host, 1000), 0);
	assert_int_equal(pmqos_read(&host, &during), 0);
	pmqos_release(&q);
	assert_int_equal(pmqos_read(&host, &after), 0);
	print_message("%s: %d us in force, %d while held at 1000, %d after\n", PMQOS_DEVICE,
		      before, during, after);
	assert_true(during <= 1000);
	assert_int_equal(after, before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_io_timeout_ebs_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_timeout_longest_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clocksource_offered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clocksource_not_offered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmqos_without_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmqos_hold_and_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmqos_released_when_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmqos_no_cstates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmqos_graviton, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmqos_nothing_deeper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmqos_unknown_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmqos_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmqos_revert_without_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmqos_revert_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmqos_bad_device, setup, teardown),
		cmocka_unit_test(test_pmqos_real_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
