// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tuning journal: round trips (originals byte for byte), the boot id,
 * and every kind of damaged file, which is reported and moved aside (only
 * when asked), never trusted and never a crash.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
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

#include "tune/journal.h"
#include "core/util.h"

#define BOOT "0f4c1f1e-5b7a-4d43-9a0e-2a4c7c1d5e11"

struct fixture {
	char dir[PATH_MAX];
	struct pa_paths paths;
	char journal[PATH_MAX];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_journal.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(util_join(f->paths.sysroot, sizeof(f->paths.sysroot), "%s/root",
				   f->dir), 0);
	assert_int_equal(util_join(f->paths.state_dir, sizeof(f->paths.state_dir), "%s/state",
				   f->dir), 0);
	assert_int_equal(journal_path(&f->paths, f->journal, sizeof(f->journal)), 0);
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void write_journal(struct fixture *f, const char *text)
{
	assert_int_equal(util_mkdir_p(f->paths.state_dir, 0755), 0);
	assert_int_equal(util_write_atomic(f->journal, text, strlen(text), 0644), 0);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static struct journal_entry *add(struct journal *j, const char *id, const char *path,
				 const char *original, const char *desired,
				 enum journal_state state)
{
	struct journal_entry *e = journal_add(j, id, original);

	assert_non_null(e);
	strcpy(e->path, path);
	strcpy(e->desired, desired);
	strcpy(e->applied, state == JOURNAL_APPLIED ? desired : "");
	e->state = state;
	return e;
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct journal j, k;
	struct journal_entry *e;
	char msg[512];

	journal_init(&j, BOOT, f->paths.sysroot);
	strcpy(j.profile, "network");
	e = add(&j, "sysctl:net.ipv4.tcp_rmem", "/proc/sys/net/ipv4/tcp_rmem",
		"4096\t131072\t6291456\n", "4096 131072 16777216", JOURNAL_APPLIED);
	e->op = VALUE_RAISE;
	e = add(&j, "vm:transparent_hugepage", "/sys/kernel/mm/transparent_hugepage/enabled",
		"madvise", "never", JOURNAL_PENDING);
	journal_entry_unconfirmed_add(e, "always");
	e = add(&j, "block:nvme0n1:scheduler", "/sys/block/nvme0n1/queue/scheduler", "none",
		"mq-deadline", JOURNAL_FAILED);
	strcpy(e->error, "cannot write 'mq-deadline': Invalid argument");
	add(&j, "sysctl:vm.swappiness", "/proc/sys/vm/swappiness", "10\n", "10", JOURNAL_KEPT);
	/* the one knob file outside /proc/sys and /sys: irqbalance's drop-in */
	add(&j, "irqbalance:banned_cpus", "/run/systemd/system/irqbalance.service.d/50-perfagent.conf",
	    "# mine\n[Service]\n\tEnvironment=IRQBALANCE_BANNED_CPULIST=0\n", "1", JOURNAL_APPLIED);
	assert_int_equal(journal_save(&f->paths, &j), 0);

	assert_int_equal(journal_load(&f->paths, &k, true, msg, sizeof(msg)), 0);
	assert_string_equal(k.boot_id, BOOT);
	assert_string_equal(k.sysroot, f->paths.sysroot);
	assert_string_equal(k.profile, "network");
	assert_int_equal(k.n, 5);
	for (size_t i = 0; i < k.n; i++) {
		assert_string_equal(k.entries[i].id, j.entries[i].id);
		assert_string_equal(k.entries[i].path, j.entries[i].path);
		assert_string_equal(k.entries[i].original, j.entries[i].original);
		assert_string_equal(k.entries[i].desired, j.entries[i].desired);
		assert_string_equal(k.entries[i].applied, j.entries[i].applied);
		assert_string_equal(k.entries[i].error, j.entries[i].error);
		assert_int_equal(k.entries[i].state, j.entries[i].state);
		assert_int_equal(k.entries[i].op, j.entries[i].op);
		assert_int_equal(k.entries[i].n_unconfirmed, j.entries[i].n_unconfirmed);
		for (unsigned int u = 0; u < k.entries[i].n_unconfirmed; u++)
			assert_string_equal(k.entries[i].unconfirmed[u], j.entries[i].unconfirmed[u]);
	}
	assert_int_equal(k.entries[1].n_unconfirmed, 1);
	assert_non_null(journal_find(&k, "vm:transparent_hugepage"));
	assert_null(journal_find(&k, "vm:nope"));
	journal_free(&j);
	journal_free(&k);
}

static void test_atomic_no_leftovers(void **state)
{
	struct fixture *f = *state;
	struct journal j;
	struct dirent *d;
	DIR *dir;
	int n = 0;

	journal_init(&j, BOOT, "");
	for (int i = 0; i < 3; i++)
		assert_int_equal(journal_save(&f->paths, &j), 0);
	dir = opendir(f->paths.state_dir);
	assert_non_null(dir);
	while ((d = readdir(dir))) {
		if (d->d_name[0] != '.') {
			assert_string_equal(d->d_name, "journal.json");
			n++;
		}
	}
	closedir(dir);
	assert_int_equal(n, 1);
	assert_int_equal(journal_remove(&f->paths), 0);
	assert_false(exists(f->journal));
	assert_int_equal(journal_remove(&f->paths), 0);     /* none: fine */
	journal_free(&j);
}

static void test_many_entries(void **state)
{
	struct fixture *f = *state;
	struct journal j, k;
	char id[64], path[96];

	journal_init(&j, BOOT, "");
	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "sysctl:kernel.k%d", i);
		snprintf(path, sizeof(path), "/proc/sys/kernel/k%d", i);
		add(&j, id, path, "1\n", "5", JOURNAL_APPLIED);
	}
	assert_int_equal(journal_save(&f->paths, &j), 0);
	assert_int_equal(journal_load(&f->paths, &k, true, NULL, 0), 0);
	assert_int_equal(k.n, 5000);
	assert_string_equal(k.entries[4999].id, "sysctl:kernel.k4999");
	journal_free(&j);
	journal_free(&k);
}

static void test_missing(void **state)
{
	struct fixture *f = *state;
	struct journal j;

	assert_int_equal(journal_load(&f->paths, &j, true, NULL, 0), -ENOENT);
	assert_int_equal(j.n, 0);
	journal_free(&j);
}

#define ENTRY(fields) "{\"version\":1,\"boot_id\":\"b\",\"sysroot\":\"\",\"profile\":\"p\"," \
		      "\"entries\":[{" fields "}]}"
#define ENTRY2(fields) "{\"version\":2,\"boot_id\":\"b\",\"sysroot\":\"\",\"profile\":\"p\"," \
		       "\"entries\":[{" fields "}]}"
#define GOOD_FIELDS "\"id\":\"sysctl:a.b\",\"path\":\"/proc/sys/a/b\",\"op\":\"exact\"," \
		    "\"original\":\"1\\n\",\"desired\":\"2\",\"applied\":\"2\",\"state\":\"applied\""

static const char *const corrupt[] = {
	"",
	"not json at all",
	"{\"version\":1,\"boot_id\":\"b\",\"sysroot\":\"\",\"profile\":\"p\",\"entries\":[",
	"[]",
	"{}",
	"{\"version\":\"1\",\"boot_id\":\"b\",\"sysroot\":\"\",\"profile\":\"\",\"entries\":[]}",
	"{\"version\":1,\"sysroot\":\"\",\"profile\":\"\",\"entries\":[]}",
	"{\"version\":1,\"boot_id\":\"b\",\"sysroot\":\"\",\"profile\":\"\",\"entries\":{}}",
	"{\"version\":0,\"boot_id\":\"b\",\"sysroot\":\"\",\"profile\":\"\",\"entries\":[]}",
	ENTRY(GOOD_FIELDS) " trailing",
	ENTRY(GOOD_FIELDS) "{}",
	ENTRY("\"id\":\"sysctl:a.b\""),
	ENTRY("\"id\":\"sysctl:a.b\",\"path\":\"/etc/shadow\",\"op\":\"exact\","
	      "\"original\":\"x\",\"desired\":\"2\",\"applied\":\"2\",\"state\":\"applied\""),
	ENTRY("\"id\":\"sysctl:a.b\",\"path\":\"/proc/sys/../../etc/x\",\"op\":\"exact\","
	      "\"original\":\"x\",\"desired\":\"2\",\"applied\":\"2\",\"state\":\"applied\""),
	/* /run: only irqbalance's drop-in itself */
	ENTRY("\"id\":\"irqbalance:banned_cpus\",\"path\":\"/run/systemd/system/x.conf\","
	      "\"op\":\"exact\",\"original\":\"none\",\"desired\":\"2\",\"applied\":\"2\","
	      "\"state\":\"applied\""),
	/* a "." or ".." last component: a directory, never a knob file */
	ENTRY("\"id\":\"sysctl:a.b\",\"path\":\"/sys/..\",\"op\":\"exact\","
	      "\"original\":\"x\",\"desired\":\"2\",\"applied\":\"2\",\"state\":\"applied\""),
	ENTRY("\"id\":\"sysctl:a.b\",\"path\":\"/proc/sys/kernel/..\",\"op\":\"exact\","
	      "\"original\":\"x\",\"desired\":\"2\",\"applied\":\"2\",\"state\":\"applied\""),
	ENTRY("\"id\":\"sysctl:a.b\",\"path\":\"/proc/sys/a/.\",\"op\":\"exact\","
	      "\"original\":\"x\",\"desired\":\"2\",\"applied\":\"2\",\"state\":\"applied\""),
	ENTRY("\"id\":\"sysctl:a.b\",\"path\":\"/proc/sys/a/b\",\"op\":\"exact\","
	      "\"original\":\"x\",\"desired\":\"2\",\"applied\":\"2\",\"state\":\"done\""),
	ENTRY("\"id\":\"sysctl:a.b\",\"path\":\"/proc/sys/a/b\",\"op\":\"bigger\","
	      "\"original\":\"x\",\"desired\":\"2\",\"applied\":\"2\",\"state\":\"applied\""),
	ENTRY("\"id\":\"nic:eth0\",\"path\":\"/proc/sys/a/b\",\"op\":\"exact\","
	      "\"original\":\"x\",\"desired\":\"2\",\"applied\":\"2\",\"state\":\"applied\""),
	ENTRY("\"id\":\"sysctl:a.b\",\"path\":\"/proc/sys/a/b\",\"op\":\"exact\","
	      "\"original\":\"\\u0001\",\"desired\":\"2\",\"applied\":\"2\",\"state\":\"applied\""),
	ENTRY("\"id\":\"sysctl:a.b\",\"path\":\"/proc/sys/a/b\",\"op\":\"exact\","
	      "\"original\":\"a\\u0000b\",\"desired\":\"2\",\"applied\":\"2\",\"state\":\"applied\""),
	ENTRY("\"id\":\"sysctl:a.b\",\"path\":\"/proc/sys/a/b\",\"op\":\"exact\","
	      "\"original\":7,\"desired\":\"2\",\"applied\":\"2\",\"state\":\"applied\""),
	ENTRY("\"id\":\"sysctl:a.b\",\"path\":\"/proc/sys/a/b\",\"op\":\"exact\","
	      "\"original\":\"1\",\"desired\":\"2\\n\",\"applied\":\"2\",\"state\":\"applied\""),
	ENTRY(GOOD_FIELDS ",\"error\":5"),
	/* version 2: unconfirmed is a list of at most 4 clean strings */
	ENTRY2(GOOD_FIELDS),
	ENTRY2(GOOD_FIELDS ",\"unconfirmed\":\"5000\""),
	ENTRY2(GOOD_FIELDS ",\"unconfirmed\":[5000]"),
	ENTRY2(GOOD_FIELDS ",\"unconfirmed\":[\"50\\n00\"]"),
	ENTRY2(GOOD_FIELDS ",\"unconfirmed\":[\"1\",\"2\",\"3\",\"4\",\"5\"]"),
};

static void test_corrupt_reported(void **state)
{
	struct fixture *f = *state;
	char msg[1024], aside[PATH_MAX];
	struct journal j;

	assert_int_equal(util_join(aside, sizeof(aside), "%s.corrupt", f->journal), 0);
	/* the good one loads */
	write_journal(f, ENTRY(GOOD_FIELDS ",\"error\":null"));
	assert_int_equal(journal_load(&f->paths, &j, true, msg, sizeof(msg)), 0);
	assert_int_equal(j.n, 1);
	assert_string_equal(j.entries[0].original, "1\n");
	assert_int_equal(j.entries[0].n_unconfirmed, 0);     /* version 1: none */
	journal_free(&j);
	for (size_t i = 0; i < ARRAY_SIZE(corrupt); i++) {
		write_journal(f, corrupt[i]);
		/* read-only callers (plan, verify) leave it where it is */
		assert_int_equal(journal_load(&f->paths, &j, false, msg, sizeof(msg)), -EBADMSG);
		assert_non_null(strstr(msg, "is corrupt"));
		assert_int_equal(j.n, 0);
		assert_true(exists(f->journal));
		/* apply and revert move it aside */
		assert_int_equal(journal_load(&f->paths, &j, true, msg, sizeof(msg)), -EBADMSG);
		if (!strstr(msg, "moved aside to"))
			fail_msg("case %zu: %s", i, msg);
		assert_false(exists(f->journal));
		assert_true(exists(aside));
		assert_int_equal(unlink(aside), 0);
		journal_free(&j);
	}
}

/* Corrupt journals moved aside never replace one another, up to a bound. */
static void test_corrupt_kept_apart(void **state)
{
	struct fixture *f = *state;
	char msg[1024], aside[PATH_MAX];
	struct journal j;

	for (int n = 1; n <= JOURNAL_ASIDE_MAX + 1; n++) {
		write_journal(f, "garbage");
		if (n > JOURNAL_ASIDE_MAX) {
			assert_int_equal(journal_load(&f->paths, &j, true, msg, sizeof(msg)), -EIO);
			assert_non_null(strstr(msg, "are taken; remove the old ones"));
			assert_true(exists(f->journal));
			break;
		}
		assert_int_equal(journal_load(&f->paths, &j, true, msg, sizeof(msg)), -EBADMSG);
		if (n == 1)
			assert_int_equal(util_join(aside, sizeof(aside), "%s.corrupt", f->journal), 0);
		else
			assert_int_equal(util_join(aside, sizeof(aside), "%s.corrupt.%d", f->journal,
						   n), 0);
		assert_non_null(strstr(msg, aside));
		assert_true(exists(aside));
	}
	journal_free(&j);
}

/* A changed byte that leaves valid JSON is caught by the checksum. */
static void test_bit_flip(void **state)
{
	struct fixture *f = *state;
	struct journal j;
	char msg[1024], *text, *p;

	journal_init(&j, BOOT, f->paths.sysroot);
	add(&j, "sysctl:net.core.somaxconn", "/proc/sys/net/core/somaxconn", "4096\n", "8192",
	    JOURNAL_APPLIED);
	assert_int_equal(journal_save(&f->paths, &j), 0);
	journal_free(&j);
	assert_int_equal(journal_load(&f->paths, &j, false, msg, sizeof(msg)), 0);
	journal_free(&j);
	assert_true(util_read_file(f->journal, 1 << 20, &text) > 0);
	p = strstr(text, "4096");
	assert_non_null(p);
	p[3] = '7';                     /* the original, 4096 -> 4097: still valid JSON */
	write_journal(f, text);
	free(text);
	assert_int_equal(journal_load(&f->paths, &j, false, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "checksum does not match"));
	journal_free(&j);
}

static void test_newer_version(void **state)
{
	struct fixture *f = *state;
	struct journal j;
	char msg[1024];

	write_journal(f, "{\"version\":4,\"whatever\":true}");
	assert_int_equal(journal_load(&f->paths, &j, true, msg, sizeof(msg)), -EPROTONOSUPPORT);
	assert_non_null(strstr(msg, "newer perfagent"));
	assert_true(exists(f->journal));    /* not ours to destroy */
	journal_free(&j);
}

static void test_too_large(void **state)
{
	struct fixture *f = *state;
	struct journal j;
	char msg[1024];
	FILE *fp;

	assert_int_equal(util_mkdir_p(f->paths.state_dir, 0755), 0);
	fp = fopen(f->journal, "w");
	assert_non_null(fp);
	assert_int_equal(ftruncate(fileno(fp), JOURNAL_FILE_MAX + 1), 0);
	fclose(fp);
	assert_int_equal(journal_load(&f->paths, &j, true, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "larger than"));
	journal_free(&j);
}

static void test_unconfirmed_add(void **state)
{
	struct journal j;
	struct journal_entry *e;

	journal_init(&j, BOOT, "");
	e = journal_add(&j, "sysctl:a.b", "1\n");
	assert_non_null(e);
	journal_entry_unconfirmed_add(e, "2");
	journal_entry_unconfirmed_add(e, "2");      /* once each */
	assert_int_equal(e->n_unconfirmed, 1);
	for (int v = 3; v <= 6; v++) {
		char s[8];

		snprintf(s, sizeof(s), "%d", v);
		journal_entry_unconfirmed_add(e, s);
	}
	/* full: the oldest went */
	assert_int_equal(e->n_unconfirmed, JOURNAL_UNCONFIRMED_MAX);
	assert_string_equal(e->unconfirmed[0], "3");
	assert_string_equal(e->unconfirmed[JOURNAL_UNCONFIRMED_MAX - 1], "6");
	journal_free(&j);
}

static bool keep_odd(const struct journal_entry *e, void *arg)
{
	int *calls = arg;

	(*calls)++;
	return (e->id[strlen(e->id) - 1] - '0') % 2 == 1;
}

static void test_filter_and_add(void **state)
{
	struct journal j;
	char id[KNOB_ID_MAX + 8];
	int calls = 0;

	journal_init(&j, BOOT, "");
	for (int i = 0; i < 6; i++) {
		snprintf(id, sizeof(id), "sysctl:k%d", i);
		assert_non_null(journal_add(&j, id, NULL));
	}
	assert_string_equal(j.entries[0].original, "");
	journal_filter(&j, keep_odd, &calls);
	assert_int_equal(calls, 6);
	assert_int_equal(j.n, 3);
	assert_string_equal(j.entries[0].id, "sysctl:k1");
	assert_string_equal(j.entries[2].id, "sysctl:k5");
	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	assert_null(journal_add(&j, id, "x"));  /* an id too long is refused, not cut */
	assert_int_equal(j.n, 3);
	journal_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_no_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_kept_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bit_flip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
		cmocka_unit_test(test_filter_and_add),
		cmocka_unit_test(test_unconfirmed_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
