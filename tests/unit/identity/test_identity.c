// SPDX-License-Identifier: GPL-2.0-only
/*
 * Identity detection and the inventory, on fake /sys and /proc trees built
 * in a temporary directory; IMDS is disabled or pointed at a closed port.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
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

#include "identity/identity.h"
#include "identity/inventory.h"
#include "core/util.h"

struct fixture {
	char root[PATH_MAX];
	struct pa_paths paths;
	struct identity_opts opts;
	struct identity id;
};

/* Writes root/rel (parents created) with printf-formatted content. */
static void put(struct fixture *f, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void put(struct fixture *f, const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX], dir[PATH_MAX];
	va_list ap;
	FILE *fp;

	assert_int_equal(util_join(path, sizeof(path), "%s%s", f->root, rel), 0);
	strcpy(dir, path);
	assert_int_equal(util_mkdir_p(dirname(dir), 0755), 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fclose(fp);
}

static void link_to(struct fixture *f, const char *rel, const char *target)
{
	char path[PATH_MAX], dir[PATH_MAX];

	assert_int_equal(util_join(path, sizeof(path), "%s%s", f->root, rel), 0);
	strcpy(dir, path);
	assert_int_equal(util_mkdir_p(dirname(dir), 0755), 0);
	assert_int_equal(symlink(target, path), 0);
}

static void rm(struct fixture *f, const char *rel)
{
	char path[PATH_MAX];

	assert_int_equal(util_join(path, sizeof(path), "%s%s", f->root, rel), 0);
	unlink(path);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->root, "/tmp/pa-identity-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	strcpy(f->paths.sysroot, f->root);
	assert_int_equal(util_join(f->paths.state_dir, sizeof(f->paths.state_dir), "%s/state",
				    f->root), 0);
	f->opts.paths = &f->paths;
	f->opts.imds_enabled = false;
	unsetenv("AWS_EC2_METADATA_DISABLED");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void nitro(struct fixture *f, const char *type, const char *tag)
{
	put(f, "/sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
	put(f, "/sys/class/dmi/id/board_vendor", "Amazon EC2\n");
	if (type)
		put(f, "/sys/class/dmi/id/product_name", "%s\n", type);
	if (tag)
		put(f, "/sys/class/dmi/id/board_asset_tag", "%s\n", tag);
}

static void qemu(struct fixture *f)
{
	put(f, "/sys/class/dmi/id/sys_vendor", "QEMU\n");
	put(f, "/sys/class/dmi/id/product_name", "Standard PC (Q35 + ICH9, 2009)\n");
}

static void expect_note(const struct identity *id, const char *words)
{
	if (!strstr(id->note, words))
		fail_msg("note \"%s\" does not mention \"%s\"", id->note, words);
}

static void test_nitro(void **state)
{
	struct fixture *f = *state;
	struct identity *id = &f->id;
	char cache[PATH_MAX];
	struct stat st;

	nitro(f, "c6in.large", "i-0123456789abcdef0");
	identity_detect(&f->opts, id);
	assert_true(id->is_ec2);
	assert_int_equal(id->source, ID_SOURCE_DMI);
	assert_string_equal(id->hypervisor, "nitro");
	assert_string_equal(id->instance_type, "c6in.large");
	assert_string_equal(id->instance_id, "i-0123456789abcdef0");
	assert_true(id->type_parsed);
	assert_string_equal(id->type.class_, "c");
	assert_int_equal(id->type.generation, 6);
	assert_int_equal(id->type.processor, 'i');
	assert_string_equal(id->type.options, "n");
	assert_string_equal(id->type.size, "large");
	assert_string_equal(id->imds_status, "disabled by config");
	assert_string_equal(id->note, "");
	assert_true(id->detected_at_ms > 0);
	/* A DMI detection refreshes the cache. */
	assert_int_equal(util_join(cache, sizeof(cache), "%s/identity.json",
				    f->paths.state_dir), 0);
	assert_int_equal(stat(cache, &st), 0);
}

static void test_nitro_bad_dmi(void **state)
{
	struct fixture *f = *state;
	struct identity *id = &f->id;

	nitro(f, "not a type", "i-XYZ");
	identity_detect(&f->opts, id);
	assert_true(id->is_ec2);
	assert_int_equal(id->source, ID_SOURCE_NONE);
	assert_string_equal(id->instance_id, "");
	expect_note(id, "product_name");
	expect_note(id, "generic profile");
}

/* DMI bytes that are not printable text never reach a terminal or the JSON. */
static void test_nitro_dmi_not_text(void **state)
{
	struct fixture *f = *state;
	struct identity *id = &f->id;

	nitro(f, "c6\xff\x1b[31mRED.large", "i-0123456789abcdef0");
	identity_detect(&f->opts, id);
	assert_int_equal(id->source, ID_SOURCE_NONE);
	expect_note(id, "DMI product_name \"c6??[31mRED.large\" is not an instance type");
	for (const char *p = id->note; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			fail_msg("note holds byte 0x%02x: %s", (unsigned char)*p, id->note);
}

static void test_xen(void **state)
{
	struct fixture *f = *state;
	struct identity *id = &f->id;

	put(f, "/sys/class/dmi/id/sys_vendor", "Xen\n");
	put(f, "/sys/hypervisor/uuid", "ec2e1916-9099-7caf-fd21-012345678901\n");
	identity_detect(&f->opts, id);
	assert_true(id->is_ec2);
	assert_string_equal(id->hypervisor, "xen");
	assert_int_equal(id->source, ID_SOURCE_NONE);
	assert_false(id->type_parsed);
	expect_note(id, "unknown type");
}

static void test_not_ec2(void **state)
{
	struct fixture *f = *state;
	struct identity *id = &f->id;

	qemu(f);
	put(f, "/sys/hypervisor/uuid", "12345678-9099-7caf-fd21-012345678901\n");
	identity_detect(&f->opts, id);
	assert_false(id->is_ec2);
	assert_int_equal(id->source, ID_SOURCE_NONE);
	assert_string_equal(id->hypervisor, "");
	expect_note(id, "not an EC2 instance");
	expect_note(id, "disabled by config");
	expect_note(id, "generic profile");
}

static void test_imds_unreachable(void **state)
{
	struct fixture *f = *state;
	struct identity *id = &f->id;

	qemu(f);
	f->opts.imds_enabled = true;
	f->opts.imds.endpoint = "http://127.0.0.1:1";
	f->opts.imds.retries = -1;
	identity_detect(&f->opts, id);
	assert_false(id->is_ec2);
	if (!strstr(id->imds_status, "127.0.0.1:1"))
		fail_msg("imds_status \"%s\"", id->imds_status);
	expect_note(id, "vendor; IMDS at http://127.0.0.1:1 is not reachable");
	assert_true(id->detect_duration_ms < 2000);

	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	identity_detect(&f->opts, id);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	if (!strstr(id->imds_status, "AWS_EC2_METADATA_DISABLED"))
		fail_msg("imds_status \"%s\"", id->imds_status);
}

static void test_override(void **state)
{
	struct fixture *f = *state;
	struct identity *id = &f->id;

	qemu(f);
	f->opts.type_override = "m7i-flex.large";
	f->opts.imds_enabled = true;
	f->opts.imds.endpoint = "http://127.0.0.1:1";
	identity_detect(&f->opts, id);
	assert_int_equal(id->source, ID_SOURCE_OVERRIDE);
	assert_false(id->is_ec2);
	assert_string_equal(id->instance_type, "m7i-flex.large");
	assert_true(id->type.flex);
	/* An override outside EC2 does not wait for IMDS. */
	if (!strstr(id->imds_status, "not queried"))
		fail_msg("imds_status \"%s\"", id->imds_status);
}

static void test_override_on_nitro(void **state)
{
	struct fixture *f = *state;
	struct identity *id = &f->id;
	char cache[PATH_MAX];
	struct stat st;

	nitro(f, "c6in.large", "i-0123456789abcdef0");
	f->opts.type_override = "m5.xlarge";
	identity_detect(&f->opts, id);
	assert_int_equal(id->source, ID_SOURCE_OVERRIDE);
	assert_true(id->is_ec2);
	assert_string_equal(id->instance_type, "m5.xlarge");
	assert_string_equal(id->instance_id, "i-0123456789abcdef0");
	expect_note(id, "c6in.large");
	/* An override is never cached. */
	assert_int_equal(util_join(cache, sizeof(cache), "%s/identity.json",
				    f->paths.state_dir), 0);
	assert_int_equal(stat(cache, &st), -1);
}

static void test_override_invalid(void **state)
{
	struct fixture *f = *state;
	struct identity *id = &f->id;

	nitro(f, "c6in.large", "i-0123456789abcdef0");
	f->opts.type_override = "banana";
	identity_detect(&f->opts, id);
	assert_int_equal(id->source, ID_SOURCE_DMI);
	assert_string_equal(id->instance_type, "c6in.large");
	expect_note(id, "override \"banana\"");
}

static void test_cache_used(void **state)
{
	struct fixture *f = *state;
	struct identity *id = &f->id;

	nitro(f, "c6in.large", "i-0123456789abcdef0");
	identity_detect(&f->opts, id);
	assert_int_equal(id->source, ID_SOURCE_DMI);
	/* Now DMI is gone (a container, say) and IMDS is off. */
	rm(f, "/sys/class/dmi/id/sys_vendor");
	rm(f, "/sys/class/dmi/id/board_vendor");
	rm(f, "/sys/class/dmi/id/product_name");
	rm(f, "/sys/class/dmi/id/board_asset_tag");
	identity_detect(&f->opts, id);
	assert_int_equal(id->source, ID_SOURCE_CACHE);
	assert_true(id->is_ec2);
	assert_string_equal(id->instance_type, "c6in.large");
	assert_string_equal(id->instance_id, "i-0123456789abcdef0");
	assert_string_equal(id->hypervisor, "nitro");
	assert_true(id->type_parsed);
	assert_true(id->cached_at_ms > 0);
	expect_note(id, "cached");
}

static void test_cache_corrupt(void **state)
{
	struct fixture *f = *state;
	struct identity *id = &f->id;

	put(f, "/state/identity.json", "{\"version\":1,\"instance_type\":");
	identity_detect(&f->opts, id);
	assert_int_equal(id->source, ID_SOURCE_NONE);
	assert_false(id->is_ec2);
	expect_note(id, "corrupt");
	expect_note(id, "not an EC2 instance");

	put(f, "/state/identity.json", "{\"version\":1,\"written_at_ms\":1700000000000,"
	    "\"instance_type\":\"banana\"}");
	identity_detect(&f->opts, id);
	assert_int_equal(id->source, ID_SOURCE_NONE);
	expect_note(id, "corrupt");
}

/* DMI names the instance, IMDS does not answer: the group and image come from its own cache. */
static void test_cache_fills_group(void **state)
{
	struct fixture *f = *state;
	struct identity *id = &f->id;
	static const char cache[] = "{\"version\":1,\"written_at_ms\":1700000000000,"
		"\"instance_type\":\"c6in.large\",\"instance_id\":\"i-0123456789abcdef0\","
		"\"image_id\":\"ami-0123456789abcdef0\",\"auto_scaling_group\":\"web fleet\"}";

	nitro(f, "c6in.large", "i-0123456789abcdef0");
	put(f, "/state/identity.json", cache);
	identity_detect(&f->opts, id);
	assert_int_equal(id->source, ID_SOURCE_DMI);
	assert_string_equal(id->auto_scaling_group, "web fleet");
	assert_string_equal(id->image_id, "ami-0123456789abcdef0");
	/* Saved again with them: the next run without IMDS keeps them too. */
	memset(id, 0, sizeof(*id));
	identity_detect(&f->opts, id);
	assert_string_equal(id->auto_scaling_group, "web fleet");
	/* Another instance's cache (an image baked elsewhere) gives nothing. */
	put(f, "/sys/class/dmi/id/board_asset_tag", "i-0fedcba9876543210\n");
	put(f, "/state/identity.json", cache);
	identity_detect(&f->opts, id);
	assert_string_equal(id->auto_scaling_group, "");
	assert_string_equal(id->image_id, "");
	expect_note(id, "ignored the cached identity of i-0123456789abcdef0");
}

static void test_cache_other_instance(void **state)
{
	struct fixture *f = *state;
	struct identity *id = &f->id;

	nitro(f, "c6in.large", "i-0123456789abcdef0");
	identity_detect(&f->opts, id);
	/* Same image, another instance whose DMI lacks the type. */
	rm(f, "/sys/class/dmi/id/product_name");
	put(f, "/sys/class/dmi/id/board_asset_tag", "i-0fedcba9876543210\n");
	identity_detect(&f->opts, id);
	assert_int_equal(id->source, ID_SOURCE_NONE);
	assert_true(id->is_ec2);
	assert_string_equal(id->instance_id, "i-0fedcba9876543210");
	expect_note(id, "ignored the cached identity of i-0123456789abcdef0");
}

/* ---- inventory ---- */

static void fake_machine(struct fixture *f)
{
	put(f, "/sys/devices/system/cpu/online", "0-3,6\n");
	put(f, "/proc/meminfo", "MemTotal:       16318460 kB\nMemFree:  1 kB\n");
	put(f, "/sys/class/net/lo/address", "00:00:00:00:00:00\n");
	put(f, "/sys/class/net/ens5/address", "02:1a:2b:3c:4d:5e\n");
	put(f, "/sys/class/net/ens5/mtu", "9001\n");
	put(f, "/sys/class/net/ens5/operstate", "up\n");
	link_to(f, "/sys/class/net/ens5/device/driver", "../../../../bus/pci/drivers/ena");
	link_to(f, "/sys/bus/pci/drivers/ena/module", "../../../../module/ena");
	put(f, "/sys/class/net/br0/address", "aa:bb:cc:dd:ee:ff\n");
	put(f, "/sys/class/net/br0/mtu", "1500\n");
	put(f, "/sys/class/net/br0/operstate", "down\n");
	put(f, "/sys/block/nvme0n1/size", "16777216\n");
	put(f, "/sys/block/nvme0n1/queue/rotational", "0\n");
	put(f, "/sys/block/nvme0n1/device/model", "Amazon Elastic Block Store              \n");
	put(f, "/sys/block/nvme0n1/device/serial", "vol0123456789abcdef0\n");
	put(f, "/sys/block/nvme1n1/size", "917504000\n");
	put(f, "/sys/block/nvme1n1/queue/rotational", "0\n");
	put(f, "/sys/block/nvme1n1/device/model", "Amazon EC2 NVMe Instance Storage\n");
	put(f, "/sys/block/nvme1n1/device/serial", "AWS1234567890ABCDEF\n");
	put(f, "/sys/block/loop0/size", "1024\n");
	put(f, "/sys/block/sda/size", "2048\n");
	put(f, "/sys/block/sda/queue/rotational", "1\n");
}

static void test_inventory(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv = &f->id.inv;

	fake_machine(f);
	inventory_read(&f->paths, inv);
	assert_int_equal(inv->vcpus, 5);
	assert_true(inv->mem_bytes == 16318460ULL * 1024);

	assert_int_equal(inv->n_nics, 2);
	assert_string_equal(inv->nics[0].name, "br0");
	assert_string_equal(inv->nics[0].driver, "");
	assert_int_equal(inv->nics[0].mtu, 1500);
	assert_string_equal(inv->nics[1].name, "ens5");
	assert_string_equal(inv->nics[1].driver, "ena");
	assert_string_equal(inv->nics[1].mac, "02:1a:2b:3c:4d:5e");
	assert_int_equal(inv->nics[1].mtu, 9001);
	assert_string_equal(inv->nics[1].operstate, "up");

	assert_int_equal(inv->n_blockdevs, 3);
	assert_string_equal(inv->blockdevs[0].name, "nvme0n1");
	assert_string_equal(inv->blockdevs[0].kind, "ebs");
	assert_string_equal(inv->blockdevs[0].model, "Amazon Elastic Block Store");
	assert_string_equal(inv->blockdevs[0].ebs_volume_id, "vol-0123456789abcdef0");
	assert_true(inv->blockdevs[0].size_bytes == 16777216ULL * 512);
	assert_false(inv->blockdevs[0].rotational);
	assert_string_equal(inv->blockdevs[1].name, "nvme1n1");
	assert_string_equal(inv->blockdevs[1].kind, "instance-store");
	assert_string_equal(inv->blockdevs[1].ebs_volume_id, "");
	assert_string_equal(inv->blockdevs[2].name, "sda");
	assert_string_equal(inv->blockdevs[2].kind, "other");
	assert_true(inv->blockdevs[2].rotational);
}

static void test_inventory_empty_root(void **state)
{
	struct fixture *f = *state;
	struct inventory *inv = &f->id.inv;

	put(f, "/sys/devices/system/cpu/online", "0-3,x\n");
	inventory_read(&f->paths, inv);
	assert_int_equal(inv->vcpus, 0);
	assert_true(inv->mem_bytes == 0);
	assert_int_equal(inv->n_nics, 0);
	assert_int_equal(inv->n_blockdevs, 0);
}

static void test_boot_id(void **state)
{
	static const char boot[] = "0f4c1f1e-5b7a-4d43-9a0e-2a4c7c1d5e11";
	struct fixture *f = *state;
	char id[INVENTORY_BOOT_ID_MAX];

	assert_int_equal(inventory_boot_id(&f->paths, id, sizeof(id)), -ENOENT);
	put(f, "/proc/sys/kernel/random/boot_id", "%s", "");
	assert_int_equal(inventory_boot_id(&f->paths, id, sizeof(id)), -ENODATA);
	put(f, "/proc/sys/kernel/random/boot_id", "%s\n", boot);
	assert_int_equal(inventory_boot_id(&f->paths, id, sizeof(id)), 0);
	assert_string_equal(id, boot);
}

static void test_ebs_volume_id(void **state)
{
	char buf[32];

	assert_int_equal(inventory_ebs_volume_id("vol0123456789abcdef0", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vol-0123456789abcdef0");
	assert_int_equal(inventory_ebs_volume_id("vol-0123456789abcdef0", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vol-0123456789abcdef0");
	assert_int_equal(inventory_ebs_volume_id("vol12345678", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vol-12345678");
	assert_int_equal(inventory_ebs_volume_id("vol1234567", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(inventory_ebs_volume_id("vol0123456789abcdef01", buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(inventory_ebs_volume_id("vol0123456789ABCDEF0", buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(inventory_ebs_volume_id("AWS1234567890ABCDEF", buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(inventory_ebs_volume_id("", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(inventory_ebs_volume_id(NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(inventory_ebs_volume_id("vol0123456789abcdef0", buf, 8), -EINVAL);
}

/* ---- output ---- */

static void test_json_shape(void **state)
{
	struct fixture *f = *state;
	struct identity *id = &f->id;
	struct json_object *o, *v, *t;

	fake_machine(f);
	nitro(f, "c6in.large", "i-0123456789abcdef0");
	identity_detect(&f->opts, id);
	o = identity_to_json(id);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "is_ec2", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "source", &v));
	assert_string_equal(json_object_get_string(v), "dmi");
	/* Empty strings are null, not "". */
	assert_true(json_object_object_get_ex(o, "region", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "cached_at", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "type", &t));
	assert_true(json_object_object_get_ex(t, "family", &v));
	assert_string_equal(json_object_get_string(v), "c6in");
	assert_true(json_object_object_get_ex(t, "options", &v));
	assert_int_equal(json_object_array_length(v), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 0)), "n");
	assert_true(json_object_object_get_ex(t, "processor_name", &v));
	assert_string_equal(json_object_get_string(v), "Intel");
	assert_true(json_object_object_get_ex(o, "vcpus", &v));
	assert_int_equal(json_object_get_int(v), 5);
	assert_true(json_object_object_get_ex(o, "nics", &v));
	assert_int_equal(json_object_array_length(v), 2);
	assert_true(json_object_object_get_ex(o, "block_devices", &v));
	assert_int_equal(json_object_array_length(v), 3);
	v = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(v, "ebs_volume_id", &v));
	assert_string_equal(json_object_get_string(v), "vol-0123456789abcdef0");
	assert_true(json_object_object_get_ex(o, "detected_at", &v));
	assert_true(strlen(json_object_get_string(v)) == 20);
	json_object_put(o);

	/* Not EC2: type is null. */
	id->type_parsed = false;
	o = identity_to_json(id);
	assert_true(json_object_object_get_ex(o, "type", &v));
	assert_null(v);
	json_object_put(o);
}

static void test_print(void **state)
{
	struct fixture *f = *state;
	struct identity *id = &f->id;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	fake_machine(f);
	nitro(f, "c6in.large", "i-0123456789abcdef0");
	identity_detect(&f->opts, id);
	out = open_memstream(&text, &len);
	identity_print(id, out);
	fclose(out);
	assert_non_null(strstr(text, "c6in.large (from dmi)"));
	assert_non_null(strstr(text, "i-0123456789abcdef0"));
	assert_non_null(strstr(text, "vol-0123456789abcdef0"));
	assert_non_null(strstr(text, "ens5"));
	assert_non_null(strstr(text, "virtual"));
	assert_null(strstr(text, "loop0"));
	if (getenv("SHOW"))
		fputs(text, stderr);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nitro, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nitro_bad_dmi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nitro_dmi_not_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ec2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override_on_nitro, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_used, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_fills_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_other_instance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inventory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inventory_empty_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_id, setup, teardown),
		cmocka_unit_test(test_ebs_volume_id),
		cmocka_unit_test_setup_teardown(test_json_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
