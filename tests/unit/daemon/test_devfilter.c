// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which devices' metrics are reported, on a fake /sys: by default an ENA
 * NIC that is up and a whole real disk, never lo, a veth, a bridge, a
 * docker bridge, a tun device, a NIC that is down, a partition or a loop
 * device; `interfaces =` and `devices =` patterns first, the first match
 * deciding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/devfilter.h"
#include "core/util.h"

static char dir[] = "/tmp/pa-devfilter.XXXXXX";
static struct pa_paths paths;

/* Writes dir/rel with text, parents created. */
static void put(const char *rel, const char *text)
{
	char path[PATH_MAX], parent[PATH_MAX];
	FILE *f;

	assert_int_equal(util_join(path, sizeof(path), "%s/%s", dir, rel), 0);
	strcpy(parent, path);
	assert_int_equal(util_mkdir_p(dirname(parent), 0755), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", text);
	fclose(f);
}

/* An interface: its operstate and type; with a driver, a device behind it. */
static void nic(const char *name, const char *state, const char *type, const char *driver)
{
	char rel[256], path[PATH_MAX], target[256];

	snprintf(rel, sizeof(rel), "sys/class/net/%s/operstate", name);
	put(rel, state);
	snprintf(rel, sizeof(rel), "sys/class/net/%s/type", name);
	put(rel, type);
	snprintf(rel, sizeof(rel), "sys/class/net/%s/flags", name);
	put(rel, strcmp(state, "down") ? "0x1003" : "0x1002");
	if (!driver)
		return;
	snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/bind", driver);
	put(rel, "");
	snprintf(rel, sizeof(rel), "sys/class/net/%s/device/vendor", name);
	put(rel, "0x1d0f");
	snprintf(path, sizeof(path), "%s/sys/class/net/%s/device/driver", dir, name);
	snprintf(target, sizeof(target), "../../../../bus/pci/drivers/%s", driver);
	assert_int_equal(symlink(target, path), 0);
}

static int setup(void **state)
{
	assert_non_null(mkdtemp(dir));
	memset(&paths, 0, sizeof(paths));
	snprintf(paths.sysroot, sizeof(paths.sysroot), "%s", dir);
	nic("lo", "unknown", "772", NULL);
	nic("veth0", "up", "1", NULL);
	nic("br0", "up", "1", NULL);
	put("sys/class/net/br0/bridge/stp_state", "0");
	nic("docker0", "up", "1", NULL);
	nic("tun0", "unknown", "65534", NULL);
	nic("ens5", "up", "1", "ena");
	nic("ens6", "down", "1", "ena");
	nic("eth0", "unknown", "1", "virtio_net");  /* no carrier reporting, admin up */
	put("sys/block/nvme0n1/device/model", "Amazon Elastic Block Store");
	put("sys/block/nvme0n1/nvme0n1p1/partition", "1");
	put("sys/class/block/nvme0n1p1/partition", "1");
	put("sys/block/loop0/size", "1024");
	put("sys/block/dm-0/size", "1024");
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static bool kept(const struct devfilter_opts *o, enum metric_entity_kind kind, const char *name,
		 const char *why_words)
{
	struct metric_entity e = { .kind = kind };
	char why[128] = "";
	bool keep;

	snprintf(e.name, sizeof(e.name), "%s", name);
	keep = devfilter_keep(o, &e, why, sizeof(why));
	if (!keep && why_words && !strstr(why, why_words))
		fail_msg("%s left out because \"%s\", not \"%s\"", name, why, why_words);
	return keep;
}

static void test_default(void **state)
{
	struct namefilter none = { 0 };
	struct devfilter_opts o = { .paths = &paths, .interfaces = &none, .devices = &none };

	assert_true(kept(&o, ENTITY_INSTANCE, "", NULL));
	assert_true(kept(&o, ENTITY_INTERFACE, "ens5", NULL));
	assert_true(kept(&o, ENTITY_INTERFACE, "eth0", NULL));
	assert_false(kept(&o, ENTITY_INTERFACE, "lo", "loopback"));
	assert_false(kept(&o, ENTITY_INTERFACE, "veth0", "virtual"));
	assert_false(kept(&o, ENTITY_INTERFACE, "br0", "virtual"));
	assert_false(kept(&o, ENTITY_INTERFACE, "docker0", "virtual"));
	assert_false(kept(&o, ENTITY_INTERFACE, "tun0", "virtual"));
	assert_false(kept(&o, ENTITY_INTERFACE, "ens6", "down (operstate down)"));
	assert_false(kept(&o, ENTITY_INTERFACE, "gone0", "virtual"));
	assert_true(kept(&o, ENTITY_BLOCK_DEVICE, "nvme0n1", NULL));
	assert_false(kept(&o, ENTITY_BLOCK_DEVICE, "nvme0n1p1", "not a whole disk"));
	assert_false(kept(&o, ENTITY_BLOCK_DEVICE, "loop0", "no device"));
	assert_false(kept(&o, ENTITY_BLOCK_DEVICE, "dm-0", "no device"));
}

static void test_patterns(void **state)
{
	struct namefilter ifs, devs;
	struct devfilter_opts o = { .paths = &paths, .interfaces = &ifs, .devices = &devs };
	char err[128];

	/* Includes add to the default, excludes take out of it. */
	assert_int_equal(namefilter_parse("veth* !ens5", &ifs, err, sizeof(err)), 0);
	assert_int_equal(namefilter_parse("loop*, dm-*", &devs, err, sizeof(err)), 0);
	assert_true(kept(&o, ENTITY_INTERFACE, "veth0", NULL));
	assert_false(kept(&o, ENTITY_INTERFACE, "ens5", "excluded by interfaces ="));
	assert_true(kept(&o, ENTITY_INTERFACE, "eth0", NULL));
	assert_false(kept(&o, ENTITY_INTERFACE, "br0", "virtual"));
	assert_true(kept(&o, ENTITY_BLOCK_DEVICE, "loop0", NULL));
	assert_true(kept(&o, ENTITY_BLOCK_DEVICE, "dm-0", NULL));
	assert_true(kept(&o, ENTITY_BLOCK_DEVICE, "nvme0n1", NULL));
	/* The first match decides: one interface and nothing else, a down one too. */
	assert_int_equal(namefilter_parse("ens6 !*", &ifs, err, sizeof(err)), 0);
	assert_true(kept(&o, ENTITY_INTERFACE, "ens6", NULL));
	assert_false(kept(&o, ENTITY_INTERFACE, "ens5", "excluded"));
	assert_int_equal(namefilter_parse("!* ens6", &ifs, err, sizeof(err)), 0);
	assert_false(kept(&o, ENTITY_INTERFACE, "ens6", "excluded"));
}

/* The set loses the entities left out, keeps the others in order with their metrics. */
static void test_apply(void **state)
{
	struct namefilter none = { 0 };
	struct devfilter_opts o = { .paths = &paths, .interfaces = &none, .devices = &none };
	const struct metric_dist dist = { .n = 1, .values = { 10 }, .counts = { 2 }, .count = 2,
					  .sum = 20, .min = 10, .max = 10 };
	struct metric_set set;
	double v;

	metric_set_init(&set, 1, 60);
	metric_add(metric_set_entity(&set, ENTITY_INSTANCE, ""), "A", UNIT_COUNT, 1);
	metric_add(metric_set_entity(&set, ENTITY_INTERFACE, "veth0"), "B", UNIT_COUNT, 2);
	metric_add(metric_set_entity(&set, ENTITY_INTERFACE, "ens5"), "B", UNIT_COUNT, 3);
	metric_add(metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "loop0"), "C", UNIT_COUNT, 4);
	/* A left-out device's distribution is freed with it (LeakSanitizer, valgrind). */
	assert_int_equal(metric_add_dist(metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "loop0"),
					 "ReadLatency", UNIT_MICROSECONDS, &dist), 0);
	metric_add(metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "nvme0n1"), "C", UNIT_COUNT, 5);
	devfilter_apply(&o, &set);
	assert_int_equal(set.n, 3);
	assert_string_equal(set.entities[1].name, "ens5");
	assert_true(metric_find(&set.entities[1], "B", &v) && v == 3);
	assert_string_equal(set.entities[2].name, "nvme0n1");
	assert_true(metric_find(&set.entities[2], "C", &v) && v == 5);
	metric_set_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
