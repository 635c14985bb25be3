// SPDX-License-Identifier: GPL-2.0-only
/*
 * Profile parser and loader: values and their checks, '>'/'<', comments,
 * includes (override, origins, cycles, depth, missing), names, the shipped
 * profiles.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tune/profile.h"

#include "profile_dir.h"

#define SHIPPED_DIR "tuning-profiles"

static int parse(const char *text, struct profile *p, char *inc, char *msg, size_t size)
{
	struct lp_error err;
	int ret = profile_parse_buf(text, strlen(text), "test.conf", p, inc, &err);

	if (ret)
		lp_error_format(&err, msg, size);
	return ret;
}

static const struct profile_value *value(const struct profile *p, const char *section,
					 const char *key)
{
	for (size_t i = 0; i < p->n_values; i++)
		if (!strcmp(p->values[i].section, section) && !strcmp(p->values[i].key, key))
			return &p->values[i];
	fail_msg("no [%s] %s", section, key);
	return NULL;
}

static void test_good_text(void **state)
{
	const char *text =
		"# header comment, not attached to anything\n"
		"\n"
		"[profile]\n"
		"summary = \"A test profile\"\n"
		"include = parent-1\n"
		"\n"
		"[sysctl]\n"
		"# why\n"
		"net.core.somaxconn = >4096\n"
		"net/ipv4/tcp_rmem = \"4096   131072\t16777216\"\n"
		"net.ipv4.tcp_congestion_control = bbr\n"
		"net.core.default_qdisc = fq_codel   # trailing note\n"
		"net.ipv4.tcp_adv_win_scale = -2\n"
		"vm.swappiness = <10\n"
		"[vm]\n"
		"transparent_hugepage = madvise\n"
		"transparent_hugepage_defrag = defer+madvise\n"
		"[block]\n"
		"read_ahead_kb = >256\n"
		"devices = nvme*, xvd[a-f]\n"
		"kind = ebs\n"
		"scheduler = mq-deadline\n"
		"nr_requests = 256\n"
		"rq_affinity = 2\n"
		"io_timeout = 4294967295\n"
		"[block.local]\n"
		"devices = nvme*\n"
		"scheduler = none\n"
		"[ethtool]\n"
		"rx_ring = >4096\n"
		"tx_ring = max\n"
		"channels = 8\n"
		"adaptive_rx = on\n"
		"rx_usecs = 0\n"
		"tx_usecs = 64\n"
		"rps = auto\n"
		"[ethtool.other]\n"
		"drivers = ena, ixgbevf\n"
		"interfaces = eth0, ens*\n"
		"rx_ring = 1024\n"
		"[pmqos]\n"
		"cpu_dma_latency = state1\n"
		"[irqbalance]\n"
		"banned_cpus = rps\n";
	char inc[PROFILE_NAME_MAX], msg[1024];
	const struct profile_value *v;
	struct profile p;

	assert_int_equal(parse(text, &p, inc, msg, sizeof(msg)), 0);
	assert_string_equal(p.name, "test");
	assert_string_equal(p.file, "test.conf");
	assert_string_equal(p.summary, "A test profile");
	assert_string_equal(inc, "parent-1");
	assert_int_equal(p.depth, 1);
	assert_string_equal(p.chain[0], "test");
	assert_int_equal(p.n_values, 24);

	v = value(&p, "sysctl", "net.core.somaxconn");
	assert_int_equal(v->kind, KNOB_SYSCTL);
	assert_int_equal(v->op, VALUE_RAISE);
	assert_string_equal(v->value, "4096");
	assert_string_equal(v->origin, "test.conf:9");
	assert_string_equal(v->profile, "test");
	assert_string_equal(v->comment, "why");
	v = value(&p, "sysctl", "net.ipv4.tcp_rmem");
	assert_string_equal(v->value, "4096 131072 16777216");
	assert_int_equal(v->op, VALUE_EXACT);
	assert_string_equal(v->comment, "");
	assert_string_equal(value(&p, "sysctl", "net.ipv4.tcp_congestion_control")->value, "bbr");
	assert_string_equal(value(&p, "sysctl", "net.core.default_qdisc")->value, "fq_codel");
	assert_string_equal(value(&p, "sysctl", "net.ipv4.tcp_adv_win_scale")->value, "-2");
	assert_int_equal(value(&p, "sysctl", "vm.swappiness")->op, VALUE_LOWER);

	v = value(&p, "vm", "transparent_hugepage_defrag");
	assert_int_equal(v->kind, KNOB_VM);
	assert_string_equal(v->value, "defer+madvise");

	/* Selectors given after a value still apply to it. */
	v = value(&p, "block", "read_ahead_kb");
	assert_int_equal(v->kind, KNOB_BLOCK);
	assert_int_equal(v->op, VALUE_RAISE);
	assert_string_equal(v->devices, "nvme*,xvd[a-f]");
	assert_string_equal(v->dev_kind, "ebs");
	v = value(&p, "block.local", "scheduler");
	assert_string_equal(v->devices, "nvme*");
	assert_string_equal(v->dev_kind, "");

	v = value(&p, "ethtool", "rx_ring");
	assert_int_equal(v->kind, KNOB_ETHTOOL);
	assert_string_equal(v->drivers, "ena");
	assert_string_equal(v->devices, "*");
	assert_string_equal(value(&p, "ethtool", "tx_ring")->value, "max");
	v = value(&p, "ethtool.other", "rx_ring");
	assert_string_equal(v->drivers, "ena,ixgbevf");
	assert_string_equal(v->devices, "eth0,ens*");

	v = value(&p, "block", "io_timeout");
	assert_string_equal(v->value, "4294967295");
	assert_string_equal(v->dev_kind, "ebs");
	v = value(&p, "pmqos", "cpu_dma_latency");
	assert_int_equal(v->kind, KNOB_PMQOS);
	assert_string_equal(v->value, "state1");
	v = value(&p, "irqbalance", "banned_cpus");
	assert_int_equal(v->kind, KNOB_IRQBALANCE);
	assert_string_equal(v->value, "rps");
	profile_free(&p);
	/* the other values banned_cpus takes */
	assert_int_equal(parse("[irqbalance]\nbanned_cpus = 2-7,12\n", &p, NULL, msg,
			       sizeof(msg)), 0);
	assert_string_equal(value(&p, "irqbalance", "banned_cpus")->value, "2-7,12");
	profile_free(&p);
	assert_int_equal(parse("[irqbalance]\nbanned_cpus = none\n", &p, NULL, msg, sizeof(msg)),
			 0);
	profile_free(&p);
}

static void test_crlf_and_empty(void **state)
{
	char inc[PROFILE_NAME_MAX], msg[1024];
	struct profile p;

	assert_int_equal(parse("[sysctl]\r\n# c\r\nkernel.x = 1\r\n", &p, inc, msg, sizeof(msg)), 0);
	assert_string_equal(value(&p, "sysctl", "kernel.x")->comment, "c");
	profile_free(&p);
	assert_int_equal(parse("", &p, inc, msg, sizeof(msg)), 0);
	assert_int_equal(p.n_values, 0);
	assert_string_equal(inc, "");
	profile_free(&p);
}

static void test_bad_values(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		/* [sysctl] */
		{ "[sysctl]\nx.y =\n", "test.conf:2: bad value '' for x.y" },
		{ "[sysctl]\nx.y = 010\n", "test.conf:2: bad value '010' for x.y: expected decimal integers" },
		{ "[sysctl]\nx.y = 0x10\n", "bad value '0x10'" },
		{ "[sysctl]\nx.y = 1  two\n", "bad value '1  two'" },
		{ "[sysctl]\nx.y = 1,2\n", "bad value '1,2'" },
		{ "[sysctl]\nx.y = 99999999999999999999\n", "bad value '99999999999999999999'" },
		{ "[sysctl]\nx.y = Bbr\n", "bad value 'Bbr'" },
		{ "[sysctl]\nx.y = >bbr\n", "test.conf:2: bad value '>bbr' for x.y: '>' (only raise) needs a number" },
		{ "[sysctl]\nx.y = <fq\n", "'<' (only lower) needs a number" },
		{ "[sysctl]\nsomaxconn = 1\n", "test.conf:2: bad sysctl name 'somaxconn'" },
		{ "[sysctl]\nnet..core = 1\n", "bad sysctl name 'net..core'" },
		{ "[sysctl]\n.net.core = 1\n", "bad sysctl name '.net.core'" },
		{ "[sysctl]\nnet.core.* = 1\n", "bad sysctl name 'net.core.*'" },
		{ "[sysctl]\nx.y = 1\nx/y = 2\n", "test.conf:3: x.y is set twice in [sysctl]; the first is at line 2" },
		/* [vm] */
		{ "[vm]\ntransparent_hugepage = sometimes\n", "test.conf:2: bad value 'sometimes' for transparent_hugepage in [vm]: expected one of always, madvise, never" },
		{ "[vm]\ntransparent_hugepage = >madvise\n", "bad value '>madvise'" },
		{ "[vm]\ntransparent_hugepage_defrag = defer+\n", "expected one of always, defer, defer+madvise, madvise, never" },
		{ "[vm]\ndirty_ratio = 10\n", "test.conf:2: unknown key 'dirty_ratio' in [vm]: expected transparent_hugepage, transparent_hugepage_defrag, clocksource" },
		/* [block] */
		{ "[block]\ndevices = nvme*\nread_ahead_kb = 70000\n", "test.conf:3: bad value '70000' for read_ahead_kb in [block]: expected an integer 0..65536, optionally after '>'" },
		{ "[block]\ndevices = nvme*\nread_ahead_kb = -1\n", "bad value '-1' for read_ahead_kb" },
		{ "[block]\ndevices = nvme*\nnr_requests = 2\n", "expected an integer 4..65536" },
		{ "[block]\ndevices = nvme*\nrq_affinity = 3\n", "bad value '3' for rq_affinity in [block]: expected an integer 0..2" },
		{ "[block]\ndevices = nvme*\nrq_affinity = >1\n", "bad value '>1' for rq_affinity" },
		{ "[block]\ndevices = nvme*\nscheduler = cfq\n", "expected one of none, mq-deadline, kyber, bfq" },
		{ "[block]\ndevices = nvme*\nkind = local\n", "bad value 'local' for kind in [block]: expected one of ebs, instance-store, other" },
		{ "[block]\ndevices = /dev/nvme0n1\n", "test.conf:2: bad value '/dev/nvme0n1' for devices" },
		{ "[block]\ndevices = nvme*,\n", "bad value 'nvme*,' for devices" },
		{ "[block]\ndevices =\n", "bad value '' for devices" },
		{ "[block]\ndevices = a\ndevices = b\n", "test.conf:3: devices is set twice in [block]; the first is at line 2" },
		{ "[block]\nscheduler = none\n", "test.conf:1: [block] needs devices = GLOB" },
		{ "[sysctl]\nx.y = 1\n\n[block.data]\nscheduler = none\n", "test.conf:4: [block.data] needs devices" },
		{ "[block]\ndevices = nvme*\nelevator = none\n", "unknown key 'elevator' in [block]: expected devices, kind, rotational, scheduler, read_ahead_kb, nr_requests, rq_affinity, io_timeout" },
		{ "[block]\ndevices = nvme*\nio_timeout = 0\n", "test.conf:3: bad value '0' for io_timeout in [block]: expected an integer 1..4294967295" },
		{ "[block]\ndevices = nvme*\nio_timeout = 4294967296\n", "bad value '4294967296' for io_timeout" },
		{ "[block]\ndevices = nvme*\nio_timeout = max\n", "bad value 'max' for io_timeout" },
		/* [pmqos] */
		{ "[pmqos]\ncpu_dma_latency = -1\n", "test.conf:2: bad value '-1' for cpu_dma_latency in [pmqos]: expected an integer 0..2000000000, or stateN (the exit latency of the host's cpuidle state N, such as state1)" },
		{ "[pmqos]\ncpu_dma_latency = 2000000001\n", "bad value '2000000001' for cpu_dma_latency" },
		{ "[pmqos]\ncpu_dma_latency = 0x10\n", "bad value '0x10' for cpu_dma_latency" },
		{ "[pmqos]\ncpu_dma_latency = C1\n", "bad value 'C1' for cpu_dma_latency" },
		{ "[pmqos]\ncpu_dma_latency = state\n", "bad value 'state' for cpu_dma_latency" },
		{ "[pmqos]\ncpu_dma_latency = state01\n", "bad value 'state01' for cpu_dma_latency" },
		{ "[pmqos]\ncpu_dma_latency = state100\n", "bad value 'state100' for cpu_dma_latency" },
		{ "[pmqos]\ncpu_dma_latency = <10\n", "bad value '<10' for cpu_dma_latency" },
		{ "[pmqos]\ncpu_dma_latency = >state1\n", "bad value '>state1' for cpu_dma_latency" },
		{ "[pmqos]\nforce_latency = 1\n", "test.conf:2: unknown key 'force_latency' in [pmqos]: expected cpu_dma_latency" },
		{ "[pmqos]\ndevices = nvme*\n", "unknown key 'devices' in [pmqos]: expected cpu_dma_latency" },
		{ "[pmqos.cpu]\n", "unknown section [pmqos.cpu]" },
		/* [ethtool] */
		{ "[ethtool]\nrx_ring = 1000\n", "test.conf:2: bad value '1000' for rx_ring in [ethtool]: expected a power of two 64..16384, or max" },
		{ "[ethtool]\nrx_ring = 32768\n", "bad value '32768' for rx_ring" },
		{ "[ethtool]\ntx_ring = 32\n", "bad value '32' for tx_ring" },
		{ "[ethtool]\nrx_ring = >max\n", "bad value '>max' for rx_ring" },
		{ "[ethtool]\nchannels = 0\n", "bad value '0' for channels in [ethtool]: expected an integer 1..128, or max" },
		{ "[ethtool]\nchannels = 129\n", "bad value '129' for channels" },
		{ "[ethtool]\nadaptive_rx = yes\n", "expected one of on, off" },
		{ "[ethtool]\nrx_usecs = 2000\n", "bad value '2000' for rx_usecs in [ethtool]: expected an integer 0..1024" },
		{ "[ethtool]\nrps = on\n", "expected one of auto, off" },
		{ "[ethtool]\ndrivers = ena*\n", "bad value 'ena*' for drivers" },
		{ "[ethtool]\ndrivers = aaaaaaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbbbbbbbbbbb,cccccccccccccccccccc\n", "for drivers in [ethtool]: expected comma-separated driver names such as ena (63 bytes at most)" },
		{ "[ethtool]\ninterfaces = eth0/1\n", "bad value 'eth0/1' for interfaces" },
		{ "[ethtool]\nmtu = 9001\n", "unknown key 'mtu' in [ethtool]: expected drivers, interfaces, rx_ring" },
		/* [irqbalance] */
		{ "[irqbalance]\nbanned_cpus = auto\n", "test.conf:2: bad value 'auto' for banned_cpus in [irqbalance]: expected rps (the CPUs the plan's RPS masks spread to), none, or a CPU list such as 2-7,12" },
		{ "[irqbalance]\nbanned_cpus = 7-2\n", "bad value '7-2' for banned_cpus" },
		{ "[irqbalance]\nbanned_cpus = 1,,2\n", "bad value '1,,2' for banned_cpus" },
		{ "[irqbalance]\nbanned_cpus = 1 2\n", "bad value '1 2' for banned_cpus" },
		{ "[irqbalance]\nbanned_cpus = 99999\n", "bad value '99999' for banned_cpus" },
		{ "[irqbalance]\nbanned_cpus = >2\n", "bad value '>2' for banned_cpus" },
		{ "[irqbalance]\nbanned_cpus = \n", "bad value '' for banned_cpus" },
		{ "[irqbalance]\nbanned_cpulist = 2\n", "unknown key 'banned_cpulist' in [irqbalance]: expected banned_cpus" },
		{ "[irqbalance.x]\n", "unknown section [irqbalance.x]" },
		/* [profile] and sections */
		{ "[profile]\nname = x\n", "test.conf:2: unknown key 'name' in [profile]: expected summary, include or kind" },
		{ "[profile]\ninclude = a, b\n", "test.conf:2: bad include 'a, b'" },
		{ "[profile]\ninclude = \n", "bad include ''" },
		{ "[profile]\ninclude = match\n", "bad include 'match'" },
		{ "[profile]\nsummary = a\nsummary = b\n", "test.conf:3: summary is set twice; the first is at line 2" },
		{ "[profile]\nsummary = a\x01\n", "summary contains a control character" },
		{ "[net]\nmtu = 9001\n", "test.conf:1: unknown section [net]: expected [profile], [sysctl], [vm], [block], [block.NAME], [ethtool], [ethtool.NAME], [pmqos], [irqbalance] or [adapt.NAME]" },
		{ "[sysctl.x]\n", "unknown section [sysctl.x]" },
		/* [adapt.NAME] */
		{ "[adapt]\n", "unknown section [adapt]" },
		{ "[adapt.a]\nknob = net.core.somaxconn\nwhen = Nope > 0\n", "test.conf:3: unknown metric 'Nope' in when" },
		{ "[adapt.a]\nstep = -2\n", "test.conf:2: bad step '-2'" },
		{ "[adapt.a]\nknob = net.core.somaxconn\nwhen = TcpListenOverflows > 0\n"
		  "floor = 8192\ncap = 1024\n", "test.conf:1: [adapt.a]: cap 1024 is below floor 8192" },
		{ "[adapt.a]\nknob = net.core.somaxconn\ncap = 1024\n", "test.conf:1: [adapt.a] has no when" },
		{ "[adapt.a]\ncap = 2%bogus\n", "test.conf:2: bad cap '2%bogus'" },
		{ "[adapt.a]\nknob = a\n[adapt.a]\n", "test.conf:3: section [adapt.a] appears twice" },
		/* a rule on each interface's receive ring */
		{ "[adapt.r]\nknob = ethtool.tx_ring\n", "test.conf:2: bad knob 'ethtool.tx_ring': of "
		  "the [ethtool] settings only ethtool.rx_ring can be stepped" },
		{ "[adapt.r]\n\ninterfaces = eth0;reboot\n", "test.conf:3: bad interfaces 'eth0;reboot': "
		  "';' is not a name or glob character" },
		{ "[adapt.r]\nknob = ethtool.rx_ring\nwhen = TcpListenOverflows > 0\ncap = 8192\n",
		  "test.conf:1: [adapt.r]: ethtool.rx_ring is stepped per interface on that interface's "
		  "own evidence, and TcpListenOverflows is not a metric of an interface" },
		{ "[adapt.r]\nknob = ethtool.rx_ring\nwhen = RxOverruns > 0\nstep = +1024\ncap = 8192\n",
		  "test.conf:1: [adapt.r]: ring sizes are powers of two: ethtool.rx_ring takes step = "
		  "double" },
		{ "[adapt.r]\nknob = ethtool.rx_ring\nwhen = RxOverruns > 0\ncap = 10000\n",
		  "test.conf:1: [adapt.r]: cap 10000 is not a power of two" },
		{ "[adapt.r]\nknob = net.core.somaxconn\ndrivers = ena\nwhen = TcpListenOverflows > 0\n"
		  "cap = 8192\n", "test.conf:1: [adapt.r]: drivers = chooses the interfaces of "
		  "ethtool.rx_ring; knob = net.core.somaxconn is a sysctl" },
		{ "[block.]\n", "unknown section [block.]" },
		{ "[block.a.b]\n", "unknown section [block.a.b]" },
		{ "[sysctl]\n[vm]\n[sysctl]\n", "test.conf:3: section [sysctl] appears twice; the first is at line 1" },
		{ "x.y = 1\n", "test.conf:1: 'x.y' comes before any section" },
		{ "[sysctl]\nx.y\n", "test.conf:2: expected 'key = value'" },
		{ "[sysctl]\nx.y = 1\0\n", "contains a NUL byte" },
	};
	char msg[1024];
	struct profile p;
	struct lp_error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = strlen(bad[i].text);

		/* The NUL case needs its length given by hand. */
		if (strstr(bad[i].msg, "NUL"))
			len += 2;
		assert_int_not_equal(profile_parse_buf(bad[i].text, len, "test.conf", &p, NULL, &err), 0);
		lp_error_format(&err, msg, sizeof(msg));
		if (!strstr(msg, bad[i].msg))
			fail_msg("case %zu: expected '%s' in '%s'", i, bad[i].msg, msg);
		assert_int_equal(p.n_values, 0);
		assert_null(p.values);
	}
}

static void test_ops(void **state)
{
	const char *text =
		"[sysctl]\n"
		"a.raise = >4096\n"
		"a.lower = <10\n"
		"a.space = > 4096\n"
		"a.quoted = \">4096 131072 16777216\"\n"
		"a.outside = >\"4096 131072 16777216\"\n"
		"a.negative = <-2\n"
		"a.exact = 7\n"
		"[ethtool]\n"
		"rx_ring = >2048\n"
		"channels = <4\n";
	char msg[1024];
	struct profile p;

	assert_int_equal(parse(text, &p, NULL, msg, sizeof(msg)), 0);
	assert_int_equal(value(&p, "sysctl", "a.raise")->op, VALUE_RAISE);
	assert_string_equal(value(&p, "sysctl", "a.raise")->value, "4096");
	assert_int_equal(value(&p, "sysctl", "a.lower")->op, VALUE_LOWER);
	assert_string_equal(value(&p, "sysctl", "a.lower")->value, "10");
	assert_int_equal(value(&p, "sysctl", "a.space")->op, VALUE_RAISE);
	assert_string_equal(value(&p, "sysctl", "a.space")->value, "4096");
	assert_int_equal(value(&p, "sysctl", "a.quoted")->op, VALUE_RAISE);
	assert_string_equal(value(&p, "sysctl", "a.quoted")->value, "4096 131072 16777216");
	assert_int_equal(value(&p, "sysctl", "a.outside")->op, VALUE_RAISE);
	assert_string_equal(value(&p, "sysctl", "a.outside")->value, "4096 131072 16777216");
	assert_int_equal(value(&p, "sysctl", "a.negative")->op, VALUE_LOWER);
	assert_string_equal(value(&p, "sysctl", "a.negative")->value, "-2");
	assert_int_equal(value(&p, "sysctl", "a.exact")->op, VALUE_EXACT);
	assert_int_equal(value(&p, "ethtool", "rx_ring")->op, VALUE_RAISE);
	assert_int_equal(value(&p, "ethtool", "channels")->op, VALUE_LOWER);
	assert_string_equal(value_op_name(VALUE_RAISE), "raise");
	assert_string_equal(value_op_name(VALUE_LOWER), "lower");
	assert_string_equal(value_op_name(VALUE_EXACT), "exact");
	profile_free(&p);

	/* Words, "max" and enums take no op. */
	assert_int_not_equal(parse("[sysctl]\na.b = >cubic\n", &p, NULL, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "needs a number"));
	assert_int_not_equal(parse("[sysctl]\na.b = >\n", &p, NULL, msg, sizeof(msg)), 0);
	assert_int_not_equal(parse("[ethtool]\nchannels = <max\n", &p, NULL, msg, sizeof(msg)), 0);
	assert_int_not_equal(parse("[block]\ndevices=a\nscheduler = >none\n", &p, NULL, msg, sizeof(msg)), 0);
}

static void test_comments(void **state)
{
	const char *text =
		"# file header\n"
		"[sysctl]\n"
		"# first line\n"
		"##   second line\n"
		";third\n"
		"#\n"
		"a.b = 1\n"
		"a.c = 2\n"
		"# separated by a blank line\n"
		"\n"
		"a.d = 3\n"
		"# above a section\n"
		"[vm]\n"
		"transparent_hugepage = never\n";
	char msg[1024];
	struct profile p;
	struct lp_error err;

	assert_int_equal(parse(text, &p, NULL, msg, sizeof(msg)), 0);
	assert_string_equal(value(&p, "sysctl", "a.b")->comment, "first line second line third");
	assert_string_equal(value(&p, "sysctl", "a.c")->comment, "");
	assert_string_equal(value(&p, "sysctl", "a.d")->comment, "");
	assert_string_equal(value(&p, "vm", "transparent_hugepage")->comment, "");

	/* No summary first, then the first value without a comment. */
	assert_int_equal(profile_check_comments(&p, &err), -EINVAL);
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(err.msg, "no summary"));
	strcpy(p.summary, "s");
	assert_int_equal(profile_check_comments(&p, &err), -EINVAL);
	lp_error_format(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "test.conf:8: a.c in [sysctl] has no comment above it"));
	profile_free(&p);

	assert_int_equal(parse("[profile]\nsummary = s\n[sysctl]\n# why\na.b = 1\n", &p, NULL, msg,
			       sizeof(msg)), 0);
	assert_int_equal(profile_check_comments(&p, &err), 0);
	profile_free(&p);
}

/*
 * An [adapt.NAME] section keeps the comment block above it, as values do;
 * shipped profiles must have one on every rule (a rule's source).
 */
static void test_rule_comments(void **state)
{
	const char *rule = "knob = net.core.somaxconn\nwhen = TcpListenOverflows > 0\n"
			   "cap = 65535\n";
	char text[1024], msg[1024];
	struct profile p;
	struct lp_error err;

	snprintf(text, sizeof(text), "[profile]\nsummary = s\n[sysctl]\n# why\na.b = 1\n"
		 "# not this one\n\n# Overflows.\n# Source: listen(2).\n[adapt.q]\n%s"
		 "[adapt.r]\n%s", rule, rule);
	assert_int_equal(parse(text, &p, NULL, msg, sizeof(msg)), 0);
	assert_int_equal(p.n_rules, 2);
	assert_string_equal(p.rules[0].comment, "Overflows. Source: listen(2).");
	assert_string_equal(p.rules[1].comment, "");
	/* The value's comment is there: the rule without one is the error, at its line. */
	assert_int_equal(profile_check_comments(&p, &err), -EINVAL);
	lp_error_format(&err, msg, sizeof(msg));
	assert_string_equal(msg, "test.conf:14: [adapt.r] has no comment above it: say why it is "
			    "set and where the value comes from");
	profile_free(&p);
}

/* Long comment blocks are cut, not refused. */
static void test_long_comment(void **state)
{
	char text[16384], msg[1024];
	struct profile p;
	size_t off = 0;

	off += snprintf(text + off, sizeof(text) - off, "[sysctl]\n");
	for (int i = 0; i < 80; i++)
		off += snprintf(text + off, sizeof(text) - off,
				"# a long explanation line number %02d, longer than it needs to be\n", i);
	snprintf(text + off, sizeof(text) - off, "a.b = 1\n");
	assert_int_equal(parse(text, &p, NULL, msg, sizeof(msg)), 0);
	assert_int_equal(strlen(value(&p, "sysctl", "a.b")->comment),
			 sizeof(((struct profile_value *)0)->comment) - 1);
	assert_memory_equal(value(&p, "sysctl", "a.b")->comment, "a long explanation line number 00", 33);
	profile_free(&p);
}

static struct profile_dirs tmp_dirs(void)
{
	struct profile_dirs d = { .n = 1, .dirs = { tmpdir } };

	return d;
}

static int load(const char *name, struct profile *p, char *msg, size_t size)
{
	struct profile_dirs d = tmp_dirs();
	struct lp_error err;
	int ret = profile_load(&d, name, p, &err);

	if (ret)
		lp_error_format(&err, msg, size);
	return ret;
}

static void test_include_chain(void **state)
{
	char msg[1024], path[256];
	const struct profile_value *v;
	struct profile p;

	write_profile("root", "[profile]\nsummary = root\n"
			      "[sysctl]\na.b = 1\nc.d = 2\n"
			      "[block]\ndevices = nvme*\nkind = instance-store\nscheduler = none\n"
			      "[ethtool]\ninterfaces = eth*\nrx_ring = max\n");
	write_profile("mid", "[profile]\ninclude = root\n[sysctl]\n# mid says\na.b = 10\n");
	write_profile("leaf", "[profile]\nsummary = leaf\ninclude = mid\n"
			      "[sysctl]\ne.f = 3\n"
			      "[block]\ndevices = xvd*\nread_ahead_kb = 128\n"
			      "[ethtool]\ndrivers = ena, ixgbevf\ntx_ring = 512\n");
	assert_int_equal(load("leaf", &p, msg, sizeof(msg)), 0);
	assert_string_equal(p.name, "leaf");
	assert_string_equal(p.summary, "leaf");
	snprintf(path, sizeof(path), "%s/leaf.conf", tmpdir);
	assert_string_equal(p.file, path);
	assert_int_equal(p.depth, 3);
	assert_string_equal(p.chain[0], "leaf");
	assert_string_equal(p.chain[1], "mid");
	assert_string_equal(p.chain[2], "root");
	assert_int_equal(p.n_values, 7);

	/* The child's value replaces the parent's and keeps its own origin. */
	v = value(&p, "sysctl", "a.b");
	assert_string_equal(v->value, "10");
	assert_string_equal(v->profile, "mid");
	assert_string_equal(v->comment, "mid says");
	snprintf(path, sizeof(path), "%s/mid.conf:5", tmpdir);
	assert_string_equal(v->origin, path);
	v = value(&p, "sysctl", "c.d");
	assert_string_equal(v->profile, "root");
	snprintf(path, sizeof(path), "%s/root.conf:5", tmpdir);
	assert_string_equal(v->origin, path);
	assert_string_equal(value(&p, "sysctl", "e.f")->profile, "leaf");

	/* A child's [block] names its devices for the whole section. */
	v = value(&p, "block", "scheduler");
	assert_string_equal(v->profile, "root");
	assert_string_equal(v->devices, "xvd*");
	assert_string_equal(v->dev_kind, "");
	assert_string_equal(value(&p, "block", "read_ahead_kb")->devices, "xvd*");
	/* [ethtool] selectors are inherited one by one. */
	v = value(&p, "ethtool", "rx_ring");
	assert_string_equal(v->devices, "eth*");
	assert_string_equal(v->drivers, "ena,ixgbevf");
	assert_string_equal(value(&p, "ethtool", "tx_ring")->devices, "eth*");
	profile_free(&p);

	/* The root alone keeps its own selectors. */
	assert_int_equal(load("root", &p, msg, sizeof(msg)), 0);
	assert_string_equal(value(&p, "block", "scheduler")->dev_kind, "instance-store");
	assert_string_equal(value(&p, "ethtool", "rx_ring")->drivers, "ena");
	profile_free(&p);
}

static void test_include_cycle(void **state)
{
	char msg[1024], want[512];
	struct profile p;

	write_profile("cyc-a", "[profile]\ninclude = cyc-b\n");
	write_profile("cyc-b", "[sysctl]\na.b = 1\n[profile]\ninclude = cyc-a\n");
	assert_int_equal(load("cyc-a", &p, msg, sizeof(msg)), -EINVAL);
	snprintf(want, sizeof(want), "%s/cyc-b.conf:4: include cycle: cyc-a -> cyc-b -> cyc-a",
		 tmpdir);
	assert_string_equal(msg, want);
	assert_int_equal(p.n_values, 0);

	write_profile("self", "[profile]\n\ninclude = self\n");
	assert_int_equal(load("self", &p, msg, sizeof(msg)), -EINVAL);
	snprintf(want, sizeof(want), "%s/self.conf:3: include cycle: self -> self", tmpdir);
	assert_string_equal(msg, want);
}

static void test_missing_include(void **state)
{
	char msg[1024], want[512];
	struct profile p;

	write_profile("orphan", "[profile]\nsummary = x\ninclude = nowhere\n");
	assert_int_equal(load("orphan", &p, msg, sizeof(msg)), -EINVAL);
	snprintf(want, sizeof(want), "%s/orphan.conf:3: include = nowhere: no profile nowhere.conf in %s",
		 tmpdir, tmpdir);
	assert_string_equal(msg, want);

	assert_int_equal(load("absent", &p, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "absent: no profile named 'absent': looked for absent.conf in"));

	/* A parse error in a parent names the parent's file and line. */
	write_profile("badparent", "[sysctl]\nx = 1\n");
	write_profile("goodchild", "[profile]\ninclude = badparent\n");
	assert_int_equal(load("goodchild", &p, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "badparent.conf:2: bad sysctl name 'x'"));
}

static void test_depth_limit(void **state)
{
	char name[16], text[128], msg[1024];
	struct profile p;

	/* d0 -> d1 -> ... -> d8: nine profiles, one more than allowed. */
	for (int i = 0; i <= PROFILE_MAX_DEPTH; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		if (i < PROFILE_MAX_DEPTH)
			snprintf(text, sizeof(text), "[profile]\ninclude = d%d\n[sysctl]\nk.d%d = %d\n",
				 i + 1, i, i);
		else
			snprintf(text, sizeof(text), "[sysctl]\nk.d%d = %d\n", i, i);
		write_profile(name, text);
	}
	assert_int_equal(load("d0", &p, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "d7.conf:2: includes nest deeper than 8 profiles: "
				    "d0 -> d1 -> d2 -> d3 -> d4 -> d5 -> d6 -> d7 -> d8"));
	/* Eight is fine. */
	assert_int_equal(load("d1", &p, msg, sizeof(msg)), 0);
	assert_int_equal(p.depth, PROFILE_MAX_DEPTH);
	assert_int_equal(p.n_values, 8);
	assert_string_equal(p.chain[7], "d8");
	profile_free(&p);
}

static void test_names(void **state)
{
	char msg[1024];
	struct profile p;

	assert_true(profile_name_valid("network"));
	assert_true(profile_name_valid("my_profile-2"));
	assert_false(profile_name_valid("../x"));
	assert_false(profile_name_valid("a/b"));
	assert_false(profile_name_valid("A"));
	assert_false(profile_name_valid(""));
	assert_false(profile_name_valid(NULL));
	assert_false(profile_name_valid("match"));
	assert_false(profile_name_valid("x.conf"));

	write_profile("x", "[sysctl]\na.b = 1\n");
	assert_int_equal(load("../x", &p, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "not a profile name"));
	assert_int_equal(load("match", &p, msg, sizeof(msg)), -EINVAL);
	write_profile("sneaky", "[profile]\ninclude = ../x\n");
	assert_int_equal(load("sneaky", &p, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "sneaky.conf:2: bad include '../x'"));
}

static void test_shadowing_and_list(void **state)
{
	char etc[128], shipped[128];
	struct profile_dirs d;
	struct profile_entry *e;
	struct profile p;
	size_t n;

	snprintf(etc, sizeof(etc), "%s/etc", tmpdir);
	snprintf(shipped, sizeof(shipped), "%s/shipped", tmpdir);
	assert_int_equal(mkdir(etc, 0755), 0);
	assert_int_equal(mkdir(shipped, 0755), 0);
	write_profile("etc/shadow", "[profile]\nsummary = from etc\n");
	write_profile("shipped/shadow", "[profile]\nsummary = shipped\n");
	write_profile("shipped/broken", "[nope]\n");
	write_profile("shipped/match", "[rule.x]\nprofile = y\n");
	write_profile("shipped/Bad-Name", "[sysctl]\n");
	d = (struct profile_dirs){ .n = 3, .dirs = { etc, "/nonexistent", shipped } };

	assert_int_equal(profile_load(&d, "shadow", &p, &(struct lp_error){ 0 }), 0);
	assert_string_equal(p.summary, "from etc");
	profile_free(&p);

	assert_int_equal(profile_list(&d, &e, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(e[0].name, "broken");
	assert_non_null(strstr(e[0].error, "broken.conf:1: unknown section [nope]"));
	assert_string_equal(e[1].name, "shadow");
	assert_string_equal(e[1].summary, "from etc");
	assert_false(e[1].shadowed);
	assert_string_equal(e[2].name, "shadow");
	assert_string_equal(e[2].summary, "shipped");
	assert_true(e[2].shadowed);
	free(e);
}

static void test_print_and_json(void **state)
{
	struct json_object *j, *vals, *v, *f;
	char msg[1024], *buf = NULL;
	struct profile p;
	size_t len = 0;
	FILE *out;

	write_profile("pp", "[profile]\nsummary = parent\n[sysctl]\n# from the parent\nnet.core.somaxconn = >4096\n"
			    "[vm]\n# huge pages\ntransparent_hugepage = madvise\n");
	write_profile("pc", "[profile]\nsummary = child\ninclude = pp\n"
			    "[block.nv]\ndevices = nvme*\nkind = instance-store\n# why\nrq_affinity = 2\n");
	assert_int_equal(load("pc", &p, msg, sizeof(msg)), 0);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	profile_print(&p, out);
	fclose(out);
	assert_non_null(strstr(buf, "chain    pc -> pp"));
	assert_non_null(strstr(buf, "[sysctl]\n  net.core.somaxconn = >4096  "));
	assert_non_null(strstr(buf, "pp.conf:5 (from pp)"));
	assert_non_null(strstr(buf, "      # from the parent\n"));
	assert_non_null(strstr(buf, "[block.nv]  devices=nvme* kind=instance-store\n"));
	free(buf);

	j = profile_to_json(&p);
	assert_true(json_object_object_get_ex(j, "values", &vals));
	assert_int_equal(json_object_array_length(vals), 3);
	v = json_object_array_get_idx(vals, 0);
	assert_true(json_object_object_get_ex(v, "op", &f));
	assert_string_equal(json_object_get_string(f), "raise");
	assert_true(json_object_object_get_ex(v, "profile", &f));
	assert_string_equal(json_object_get_string(f), "pp");
	v = json_object_array_get_idx(vals, 1);
	assert_true(json_object_object_get_ex(v, "path", &f));
	assert_string_equal(json_object_get_string(f), "/sys/kernel/mm/transparent_hugepage/enabled");
	json_object_put(j);
	profile_free(&p);
}

static void test_vm_paths(void **state)
{
	assert_string_equal(profile_vm_path("transparent_hugepage"),
			    "/sys/kernel/mm/transparent_hugepage/enabled");
	assert_string_equal(profile_vm_path("transparent_hugepage_defrag"),
			    "/sys/kernel/mm/transparent_hugepage/defrag");
	assert_string_equal(profile_vm_path("clocksource"),
			    "/sys/devices/system/clocksource/clocksource0/current_clocksource");
	assert_null(profile_vm_path("swappiness"));
	assert_string_equal(profile_vm_offered_path("clocksource"),
			    "/sys/devices/system/clocksource/clocksource0/available_clocksource");
	assert_null(profile_vm_offered_path("transparent_hugepage"));
	assert_null(profile_vm_offered_path("swappiness"));
	assert_string_equal(knob_kind_name(KNOB_PMQOS), "pmqos");
	assert_string_equal(knob_kind_name(KNOB_SYSCTL), "sysctl");
	assert_string_equal(knob_kind_name(KNOB_VM), "vm");
	assert_string_equal(knob_kind_name(KNOB_BLOCK), "block");
	assert_string_equal(knob_kind_name(KNOB_ETHTOOL), "ethtool");
}

/* Every shipped profile loads, documents every value, and cites a source. */
static void test_shipped_profiles(void **state)
{
	static const char *const expected[] = {
		"accelerated", "base", "burstable", "compute", "general", "memory", "storage",
		"database", "egress", "ena-express", "graviton", "hdd", "instance-store", "latency",
		"mongodb8",
		"network", "throughput", "xen",
	};
	struct profile_dirs d = { .n = 1, .dirs = { SHIPPED_DIR } };
	struct profile_entry *e;
	size_t n, found = 0;

	assert_int_equal(profile_list(&d, &e, &n), 0);
	for (size_t i = 0; i < n; i++) {
		struct lp_error err;
		struct profile p;
		char msg[1024];

		if (e[i].error[0])
			fail_msg("%s", e[i].error);
		if (profile_load(&d, e[i].name, &p, &err) || profile_check_comments(&p, &err)) {
			lp_error_format(&err, msg, sizeof(msg));
			fail_msg("%s", msg);
		}
		/* Whole: a comment cut at LP_MAX_COMMENT would lose its sources' end. */
		for (size_t k = 0; k < p.n_values; k++) {
			if (!strstr(p.values[k].comment, "Source:"))
				fail_msg("%s: the comment names no source", p.values[k].origin);
			if (strlen(p.values[k].comment) >= LP_MAX_COMMENT - 1)
				fail_msg("%s: the comment is cut", p.values[k].origin);
		}
		for (size_t k = 0; k < p.n_rules; k++) {
			if (!strstr(p.rules[k].comment, "Source:"))
				fail_msg("%s: [adapt.%s]'s comment names no source",
					 p.rules[k].origin, p.rules[k].name);
			if (strlen(p.rules[k].comment) >= LP_MAX_COMMENT - 1)
				fail_msg("%s: [adapt.%s]'s comment is cut", p.rules[k].origin,
					 p.rules[k].name);
		}
		/* Class profiles rest on base; overlays include only overlays. */
		if (!p.overlay)
			assert_string_equal(p.chain[p.depth - 1], "base");
		else
			assert_true(p.depth == 1 || !strcmp(p.chain[1], "network"));
		for (size_t k = 0; k < sizeof(expected) / sizeof(expected[0]); k++)
			found += strcmp(expected[k], e[i].name) == 0;
		profile_free(&p);
	}
	assert_int_equal(found, sizeof(expected) / sizeof(expected[0]));
	free(e);
}

/* Arbitrary bytes must not crash the parser (the fuzz target's job, in small). */
static void test_random_bytes(void **state)
{
	static const char alphabet[] = "[]=.,#;\n profilesysctlvmblockethtoolrx_ring"
				       "devicesinclude0123456789<>\"'*?-_/\t\r\x01\xff";
	char buf[768], inc[PROFILE_NAME_MAX];
	struct profile p;

	srand(11);
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)rand() % sizeof(buf);
		struct lp_error err;

		for (size_t k = 0; k < n; k++)
			buf[k] = alphabet[rand() % (sizeof(alphabet) - 1)];
		if (profile_parse_buf(buf, n, "fuzz", &p, inc, &err) == 0)
			profile_free(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_text),
		cmocka_unit_test(test_crlf_and_empty),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_rule_comments),
		cmocka_unit_test(test_long_comment),
		cmocka_unit_test(test_include_chain),
		cmocka_unit_test(test_include_cycle),
		cmocka_unit_test(test_missing_include),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_shadowing_and_list),
		cmocka_unit_test(test_print_and_json),
		cmocka_unit_test(test_vm_paths),
		cmocka_unit_test(test_shipped_profiles),
		cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
