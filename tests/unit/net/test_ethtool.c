// SPDX-License-Identifier: GPL-2.0-only
/*
 * ethtool.c: the statistics name parser, ring and channel resolution, CPU
 * masks and the RPS mask; then, as root, the kernel's ops on real devices
 * in a network namespace of this process's own: a veth pair (driver,
 * channels read, set and restored, statistics by name, no rings or
 * coalescing) and a tap device (coalescing read through ioctl and netlink,
 * a refused write). The ENA statistics tables are test_ena.c's.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include <cmocka.h>

#include "net/ethtool.h"

/* ---- statistics names ---- */

/* The kernel's form of names: 32 bytes each, NUL-padded. */
static size_t table_of(const char *const *names, size_t n, unsigned char *buf)
{
	memset(buf, 0, n * ETHTOOL_NAME_LEN);
	for (size_t i = 0; i < n; i++)
		memcpy(buf + i * ETHTOOL_NAME_LEN, names[i], strnlen(names[i], ETHTOOL_NAME_LEN));
	return n * ETHTOOL_NAME_LEN;
}

static void test_table_parse(void **state)
{
	static const char *const names[] = {
		"peer_ifindex", "rx_queue_0_drops", "", "pps_allowance_exceeded",
		"exactly_thirty_two_bytes_long_xx", "rxq0: rx_bytes",
	};
	unsigned char buf[8 * ETHTOOL_NAME_LEN];
	struct ethtool_stat_table t;
	size_t len = table_of(names, 6, buf);
	uint64_t v;

	buf[2 * ETHTOOL_NAME_LEN] = 0x01;   /* unprintable: unusable, index kept */
	assert_int_equal(ethtool_table_parse(buf, len, 6, &t), 0);
	assert_int_equal(t.n, 6);
	assert_string_equal(t.names[0], "peer_ifindex");
	assert_string_equal(t.names[2], "");
	assert_string_equal(t.names[4], "exactly_thirty_two_bytes_long_xx");
	assert_string_equal(t.names[5], "rxq0: rx_bytes");
	t.values[3] = 1204;
	assert_int_equal(ethtool_table_find(&t, "pps_allowance_exceeded", &v), 0);
	assert_int_equal(v, 1204);
	assert_int_equal(ethtool_table_find(&t, "missing", &v), -ENOENT);
	assert_int_equal(ethtool_table_find(&t, "", &v), -ENOENT);
	ethtool_table_free(&t);

	/* fewer bytes than entries: the rest are "" and still have values */
	assert_int_equal(ethtool_table_parse(buf, ETHTOOL_NAME_LEN + 5, 6, &t), 0);
	assert_int_equal(t.n, 6);
	assert_string_equal(t.names[0], "peer_ifindex");
	assert_string_equal(t.names[1], "");
	assert_int_equal(t.values[5], 0);
	ethtool_table_free(&t);

	assert_int_equal(ethtool_table_parse(buf, 0, 0, &t), 0);
	assert_int_equal(t.n, 0);
	assert_int_equal(ethtool_table_find(&t, "peer_ifindex", &v), -ENOENT);
	ethtool_table_free(&t);
	assert_int_equal(ethtool_table_parse(buf, len, ETHTOOL_STATS_MAX + 1, &t), -EINVAL);
}

/* ---- rings and channels ---- */

static void test_ring_resolve(void **state)
{
	assert_int_equal(ethtool_ring_resolve("max", 16384), 16384);
	assert_int_equal(ethtool_ring_resolve("max", 8192), 8192);
	assert_int_equal(ethtool_ring_resolve("4096", 8192), 4096);
	assert_int_equal(ethtool_ring_resolve("4096", 2048), 2048);         /* clamped */
	assert_int_equal(ethtool_ring_resolve("max", 1000), 512);           /* power of two */
	assert_int_equal(ethtool_ring_resolve("8192", 4078), 2048);
	assert_int_equal(ethtool_ring_resolve("1000", 0), 512);             /* no max known */
	assert_int_equal(ethtool_ring_resolve("4096", 0), 4096);
	assert_int_equal(ethtool_ring_resolve("max", 0), 0);
	assert_int_equal(ethtool_ring_resolve("0", 1024), 0);
	assert_int_equal(ethtool_ring_resolve("-1", 1024), 0);
	assert_int_equal(ethtool_ring_resolve("4096x", 8192), 0);
	assert_int_equal(ethtool_ring_resolve("99999999999", 8192), 0);
}

static void test_chans_resolve(void **state)
{
	struct ethtool_chans ena = { .combined = 8, .combined_max = 8 };
	struct ethtool_chans veth = { .rx = 4, .tx = 4, .rx_max = 8, .tx_max = 4 };

	assert_int_equal(ethtool_chans_max(&ena), 8);
	assert_int_equal(ethtool_chans_max(&veth), 4);
	assert_int_equal(ethtool_chans_resolve("max", 8, 4), 4);    /* bounded by vCPUs */
	assert_int_equal(ethtool_chans_resolve("max", 8, 32), 8);
	assert_int_equal(ethtool_chans_resolve("max", 32, 0), 32);  /* vCPUs unknown */
	assert_int_equal(ethtool_chans_resolve("max", 0, 2), 2);
	assert_int_equal(ethtool_chans_resolve("max", 0, 0), 0);
	assert_int_equal(ethtool_chans_resolve("6", 8, 4), 4);
	assert_int_equal(ethtool_chans_resolve("16", 8, 32), 8);
	assert_int_equal(ethtool_chans_resolve("2", 8, 32), 2);
	assert_int_equal(ethtool_chans_resolve("two", 8, 32), 0);
}

/* ---- CPU masks ---- */

static void mask_str(const struct cpu_mask *m, char *buf, size_t size)
{
	assert_int_equal(cpu_mask_format(m, buf, size), 0);
}

static void test_cpu_masks(void **state)
{
	struct cpu_mask m;
	char buf[2400];

	assert_int_equal(cpu_mask_parse_list("0-3,8\n", &m), 0);
	assert_int_equal(cpu_mask_count(&m), 5);
	mask_str(&m, buf, sizeof(buf));
	assert_string_equal(buf, "10f");
	assert_int_equal(cpu_mask_format_list(&m, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0-3,8");

	assert_int_equal(cpu_mask_parse_list("32-39", &m), 0);
	mask_str(&m, buf, sizeof(buf));
	assert_string_equal(buf, "ff,00000000");
	assert_int_equal(cpu_mask_parse_hex("ff,00000000\n", &m), 0);
	assert_true(cpu_mask_test(&m, 32) && cpu_mask_test(&m, 39) && !cpu_mask_test(&m, 31));

	/* the kernel's zero-padded form reads back as the canonical one */
	assert_int_equal(cpu_mask_parse_hex("00000000,0000ff00", &m), 0);
	assert_int_equal(cpu_mask_count(&m), 8);
	mask_str(&m, buf, sizeof(buf));
	assert_string_equal(buf, "ff00");
	assert_int_equal(cpu_mask_parse_hex("00", &m), 0);
	mask_str(&m, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	assert_int_equal(cpu_mask_parse_hex("F", &m), 0);
	assert_int_equal(cpu_mask_count(&m), 4);

	assert_int_equal(cpu_mask_parse_list("", &m), 0);
	assert_true(cpu_mask_empty(&m));
	assert_int_equal(cpu_mask_parse_list("3-1", &m), -EINVAL);
	assert_int_equal(cpu_mask_parse_list("1,,2", &m), -EINVAL);
	assert_int_equal(cpu_mask_parse_list("99999", &m), -EINVAL);
	assert_int_equal(cpu_mask_parse_list("1 2", &m), -EINVAL);
	assert_int_equal(cpu_mask_parse_hex("", &m), -EINVAL);
	assert_int_equal(cpu_mask_parse_hex("123456789", &m), -EINVAL);    /* 9 digits a word */
	assert_int_equal(cpu_mask_parse_hex("ff,", &m), -EINVAL);
	assert_int_equal(cpu_mask_parse_hex(",ff", &m), -EINVAL);
	assert_int_equal(cpu_mask_parse_hex("fg", &m), -EINVAL);

	/* every CPU there may be */
	assert_int_equal(cpu_mask_parse_list("0-8191", &m), 0);
	assert_int_equal(cpu_mask_count(&m), ETHTOOL_MAX_CPUS);
	assert_int_equal(cpu_mask_format(&m, buf, 16), -E2BIG);
	mask_str(&m, buf, sizeof(buf));
	assert_int_equal(strlen(buf), ETHTOOL_MAX_CPUS / 32 * 9 - 1);
	assert_int_equal(cpu_mask_parse_hex(buf, &m), 0);
	assert_int_equal(cpu_mask_count(&m), ETHTOOL_MAX_CPUS);
}

static void list(struct cpu_mask *m, const char *s)
{
	assert_int_equal(cpu_mask_parse_list(s, m), 0);
}

static void test_rps_mask(void **state)
{
	struct cpu_mask online, node, irq, sib, out;
	char buf[64];

	/* 16 vCPUs, 4 queues on CPUs 0-3 whose SMT siblings are 8-11 */
	list(&online, "0-15");
	list(&node, "0-15");
	list(&irq, "0-3");
	list(&sib, "0-3,8-11");
	ethtool_rps_mask(&online, &node, &irq, &sib, &out);
	assert_int_equal(cpu_mask_format_list(&out, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "4-7,12-15");
	mask_str(&out, buf, sizeof(buf));
	assert_string_equal(buf, "f0f0");

	/* two NUMA nodes: only the NIC's */
	list(&online, "0-31");
	list(&node, "16-31");
	list(&irq, "16-19");
	list(&sib, "16-19");
	ethtool_rps_mask(&online, &node, &irq, &sib, &out);
	assert_int_equal(cpu_mask_format_list(&out, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "20-31");

	/* siblings leave nothing: the interrupt CPUs alone are avoided */
	list(&online, "0-3");
	list(&node, "");
	list(&irq, "0-1");
	list(&sib, "0-3");
	ethtool_rps_mask(&online, &node, &irq, &sib, &out);
	assert_int_equal(cpu_mask_format_list(&out, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2-3");

	/* interrupts everywhere, or none known (veth): every CPU of the node */
	list(&irq, "0-3");
	ethtool_rps_mask(&online, &node, &irq, &sib, &out);
	mask_str(&out, buf, sizeof(buf));
	assert_string_equal(buf, "f");
	list(&irq, "");
	list(&sib, "");
	ethtool_rps_mask(&online, &node, &irq, &sib, &out);
	mask_str(&out, buf, sizeof(buf));
	assert_string_equal(buf, "f");

	/* a node without online CPUs */
	list(&node, "8-15");
	ethtool_rps_mask(&online, &node, &irq, &sib, &out);
	mask_str(&out, buf, sizeof(buf));
	assert_string_equal(buf, "f");
}

/* ---- the kernel's ops on real devices ---- */

/*
 * Before the namespace: the host's own NICs, read only. Whatever supports
 * rings or coalescing (virtio_net, ENA) is read through the ioctl and
 * netlink paths the knobs use; nothing is written.
 */
static void test_kernel_host_readonly(void **state)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int rings = 0;

	assert_non_null(ifs);
	for (i = ifs; i->if_name; i++) {
		struct ethtool_rings r;
		struct ethtool_coal c;

		if (!ethtool_io_kernel.get_rings(i->if_name, &r)) {
			rings++;
			assert_true(r.rx_max == 0 || r.rx <= r.rx_max);
			assert_true(r.tx_max == 0 || r.tx <= r.tx_max);
		}
		if (!ethtool_io_kernel.get_coal(i->if_name, &c))
			assert_int_equal(c.supported & ~(ETHTOOL_COAL_RX_USECS |
				ETHTOOL_COAL_TX_USECS | ETHTOOL_COAL_ADAPTIVE_RX), 0);
	}
	if_freenameindex(ifs);
	if (!rings) {
		print_message("skipped: no interface here reports ring sizes (ethtool -g)\n");
		skip();
	}
}

/* ---- the kernel's ops in a network namespace of our own (root) ---- */

static bool have_netns;

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/*
 * A network namespace for the rest of this process, with a veth pair (4
 * queues on "pa_va", 1 on "pa_vb") and a tap device. Nothing here can reach
 * the host's interfaces.
 */
static int netns_setup(void **state)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0 || sh("command -v ip >/dev/null"))
		return 0;
	if (sh("ip link add pa_va numtxqueues 4 numrxqueues 4 type veth peer name pa_vb "
	       "numtxqueues 1 numrxqueues 1") ||
	    sh("ip tuntap add dev pa_tap mode tap"))
		return 0;
	have_netns = true;
	return 0;
}

static void need_netns(void)
{
	if (!have_netns) {
		print_message("skipped: no network namespace of its own (needs root, unshare "
			      "and ip); tests/system/test_ena.sh covers it\n");
		skip();
	}
}

static void test_kernel_veth_channels(void **state)
{
	const struct ethtool_io *io = &ethtool_io_kernel;
	struct ethtool_chans c, two = { .rx = 2, .tx = 2 }, orig;
	char drv[ETHTOOL_DRIVER_MAX];

	need_netns();
	assert_int_equal(io->driver("pa_va", drv, sizeof(drv)), 0);
	assert_string_equal(drv, "veth");
	assert_int_equal(io->get_chans("pa_va", &orig), 0);
	assert_int_equal(orig.combined_max, 0);
	assert_int_equal(orig.rx_max, 4);
	assert_int_equal(orig.tx_max, 4);
	assert_int_equal(orig.rx, 4);

	assert_int_equal(io->set_chans("pa_va", &two), 0);
	assert_int_equal(io->get_chans("pa_va", &c), 0);
	assert_int_equal(c.rx, 2);
	assert_int_equal(c.tx, 2);
	/* a count left 0 stays as it is */
	two.tx = 0;
	two.rx = 3;
	assert_int_equal(io->set_chans("pa_va", &two), 0);
	assert_int_equal(io->get_chans("pa_va", &c), 0);
	assert_int_equal(c.rx, 3);
	assert_int_equal(c.tx, 2);
	assert_int_equal(io->set_chans("pa_va", &orig), 0);
	assert_int_equal(io->get_chans("pa_va", &c), 0);
	assert_int_equal(c.rx, orig.rx);
	assert_int_equal(c.tx, orig.tx);

	two.rx = 64;    /* above the maximum: the kernel refuses */
	assert_int_equal(io->set_chans("pa_va", &two), -EINVAL);
}

static void test_kernel_veth_unsupported(void **state)
{
	const struct ethtool_io *io = &ethtool_io_kernel;
	struct ethtool_rings r = { 0 };
	struct ethtool_coal c;
	struct ethtool_chans ch;

	need_netns();
	assert_int_equal(io->get_rings("pa_va", &r), -EOPNOTSUPP);
	assert_int_equal(io->set_rings("pa_va", &r), -EOPNOTSUPP);
	assert_int_equal(io->get_coal("pa_va", &c), -EOPNOTSUPP);
	assert_int_equal(io->get_chans("pa_no_such_if", &ch), -ENODEV);
	assert_int_equal(io->get_chans("", &ch), -ENODEV);
}

static void test_kernel_veth_stats(void **state)
{
	const struct ethtool_io *io = &ethtool_io_kernel;
	struct ethtool_stat_table t;
	uint64_t v;

	need_netns();
	assert_int_equal(io->get_stats("pa_va", &t), 0);
	assert_true(t.n > 1);
	/* by name, wherever it is in the table */
	assert_int_equal(ethtool_table_find(&t, "peer_ifindex", &v), 0);
	assert_int_equal(v, if_nametoindex("pa_vb"));
	assert_int_equal(ethtool_table_find(&t, "rx_queue_3_drops", &v), 0);
	assert_int_equal(ethtool_table_find(&t, "rx_queue_4_drops", &v), -ENOENT);
	assert_int_equal(ethtool_table_find(&t, "pps_allowance_exceeded", &v), -ENOENT);
	ethtool_table_free(&t);
	assert_int_equal(io->get_stats("pa_vb", &t), 0);
	assert_int_equal(ethtool_table_find(&t, "peer_ifindex", &v), 0);
	assert_int_equal(v, if_nametoindex("pa_va"));
	ethtool_table_free(&t);
	assert_int_equal(io->get_stats("lo", &t), -EOPNOTSUPP);
	assert_int_equal(io->get_stats("pa_no_such_if", &t), -ENODEV);
}

/* tap has coalescing (rx-frames only): ioctl reads it, netlink says what is
 * supported, and the kernel refuses what is not. */
static void test_kernel_tap_coalescing(void **state)
{
	const struct ethtool_io *io = &ethtool_io_kernel;
	struct ethtool_coal c;

	need_netns();
	assert_int_equal(io->get_coal("pa_tap", &c), 0);
	assert_int_equal(c.rx_usecs, 0);
	assert_false(c.adaptive_rx);
	assert_false(c.supported & ETHTOOL_COAL_RX_USECS);
	assert_false(c.supported & ETHTOOL_COAL_TX_USECS);
	assert_false(c.supported & ETHTOOL_COAL_ADAPTIVE_RX);
	c.rx_usecs = 8;
	assert_int_equal(io->set_coal("pa_tap", &c), -EOPNOTSUPP);
	c.rx_usecs = 0;     /* nothing it lacks is set: accepted */
	assert_int_equal(io->set_coal("pa_tap", &c), 0);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_table_parse),
		cmocka_unit_test(test_ring_resolve),
		cmocka_unit_test(test_chans_resolve),
		cmocka_unit_test(test_cpu_masks),
		cmocka_unit_test(test_rps_mask),
		cmocka_unit_test(test_kernel_host_readonly),
	};
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_kernel_veth_channels),
		cmocka_unit_test(test_kernel_veth_unsupported),
		cmocka_unit_test(test_kernel_veth_stats),
		cmocka_unit_test(test_kernel_tap_coalescing),
	};
	int failed = cmocka_run_group_tests(pure, NULL, NULL);

	return failed + cmocka_run_group_tests(kernel, netns_setup, NULL);
}
