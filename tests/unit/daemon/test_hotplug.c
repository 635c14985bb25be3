// SPDX-License-Identifier: GPL-2.0-only
/* Hot-plug message parsing: kernel uevents and rtnetlink link messages. */
#include <errno.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cmocka.h>

#include "daemon/hotplug.h"

/* Builds "HEADER\0KEY=VALUE\0..." from NUL-free strings; returns the length. */
static size_t uevent(char *buf, size_t size, const char *header, ...)
{
	size_t off = 0;
	const char *s = header;
	va_list ap;

	va_start(ap, header);
	for (; s; s = va_arg(ap, const char *)) {
		size_t n = strlen(s) + 1;

		assert_true(off + n <= size);
		memcpy(buf + off, s, n);
		off += n;
	}
	va_end(ap);
	return off;
}

static void test_uevent_block(void **state)
{
	struct hotplug_event ev;
	char buf[512];
	size_t n;

	/* A loop device attached: the kernel says "change" for the disk. */
	n = uevent(buf, sizeof(buf), "change@/devices/virtual/block/loop3", "ACTION=change",
		   "DEVPATH=/devices/virtual/block/loop3", "SUBSYSTEM=block", "MAJOR=7",
		   "MINOR=3", "DEVNAME=loop3", "DEVTYPE=disk", "SEQNUM=4711", NULL);
	assert_int_equal(hotplug_parse_uevent(buf, n, &ev), 1);
	assert_int_equal(ev.dev, HOTPLUG_BLOCK);
	assert_int_equal(ev.what, HOTPLUG_ADDED);
	assert_string_equal(ev.name, "loop3");

	n = uevent(buf, sizeof(buf), "remove@/devices/pci0000:00/nvme/nvme1/nvme1n1",
		   "ACTION=remove", "DEVPATH=/devices/pci0000:00/nvme/nvme1/nvme1n1",
		   "SUBSYSTEM=block", "DEVTYPE=disk", NULL);
	assert_int_equal(hotplug_parse_uevent(buf, n, &ev), 1);
	assert_int_equal(ev.what, HOTPLUG_REMOVED);
	assert_string_equal(ev.name, "nvme1n1");     /* from DEVPATH: no DEVNAME */
}

static void test_uevent_ignored(void **state)
{
	struct hotplug_event ev;
	char buf[512];
	size_t n;

	n = uevent(buf, sizeof(buf), "add@/devices/virtual/block/loop3/loop3p1", "ACTION=add",
		   "SUBSYSTEM=block", "DEVTYPE=partition", "DEVNAME=loop3p1", NULL);
	assert_int_equal(hotplug_parse_uevent(buf, n, &ev), 0);
	n = uevent(buf, sizeof(buf), "add@/devices/virtual/net/veth0", "ACTION=add",
		   "SUBSYSTEM=net", "INTERFACE=veth0", NULL);
	assert_int_equal(hotplug_parse_uevent(buf, n, &ev), 0);
	n = uevent(buf, sizeof(buf), "bind@/devices/virtual/block/loop3", "ACTION=bind",
		   "SUBSYSTEM=block", "DEVTYPE=disk", "DEVNAME=loop3", NULL);
	assert_int_equal(hotplug_parse_uevent(buf, n, &ev), 0);
}

static void test_uevent_malformed(void **state)
{
	struct hotplug_event ev;
	char buf[512];
	size_t n;

	/* udev's re-broadcast header, no '@' */
	n = uevent(buf, sizeof(buf), "libudev", "ACTION=add", "SUBSYSTEM=block", NULL);
	assert_int_equal(hotplug_parse_uevent(buf, n, &ev), -EINVAL);
	/* no ACTION */
	n = uevent(buf, sizeof(buf), "add@/x", "SUBSYSTEM=block", "DEVTYPE=disk", NULL);
	assert_int_equal(hotplug_parse_uevent(buf, n, &ev), -EINVAL);
	/* the last string not terminated */
	n = uevent(buf, sizeof(buf), "add@/x", "ACTION=add", "SUBSYSTEM=block", NULL);
	assert_int_equal(hotplug_parse_uevent(buf, n - 1, &ev), -EINVAL);
	/* not KEY=VALUE */
	n = uevent(buf, sizeof(buf), "add@/x", "ACTION=add", "SUBSYSTEM=block", "garbage", NULL);
	assert_int_equal(hotplug_parse_uevent(buf, n, &ev), -EINVAL);
	/* names that would escape /sys/block or do not fit */
	n = uevent(buf, sizeof(buf), "add@/x", "ACTION=add", "SUBSYSTEM=block", "DEVTYPE=disk",
		   "DEVNAME=..", NULL);
	assert_int_equal(hotplug_parse_uevent(buf, n, &ev), -EINVAL);
	n = uevent(buf, sizeof(buf), "add@/x", "ACTION=add", "SUBSYSTEM=block", "DEVTYPE=disk",
		   "DEVNAME=a-name-much-longer-than-any-disk-has", NULL);
	assert_int_equal(hotplug_parse_uevent(buf, n, &ev), -EINVAL);
	n = uevent(buf, sizeof(buf), "add@/x", "ACTION=add", "SUBSYSTEM=block", "DEVTYPE=disk",
		   "DEVNAME=sd a", NULL);
	assert_int_equal(hotplug_parse_uevent(buf, n, &ev), -EINVAL);
	assert_int_equal(hotplug_parse_uevent(buf, 0, &ev), -EINVAL);
}

/* Appends one link message (type, ifindex, flags, name or NULL) at buf + *off. */
static void link_msg(char *buf, size_t *off, uint16_t type, int ifindex, unsigned int flags,
		     const char *name)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)(buf + *off);
	struct ifinfomsg *ifi;
	struct rtattr *a;
	size_t len = NLMSG_LENGTH(sizeof(*ifi));

	memset(nh, 0, NLMSG_SPACE(sizeof(*ifi)) + RTA_SPACE(IFNAMSIZ));
	ifi = NLMSG_DATA(nh);
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	if (name) {
		a = (struct rtattr *)((char *)nh + NLMSG_ALIGN(len));
		a->rta_type = IFLA_IFNAME;
		a->rta_len = RTA_LENGTH(strlen(name) + 1);
		memcpy(RTA_DATA(a), name, strlen(name) + 1);
		len = NLMSG_ALIGN(len) + RTA_ALIGN(a->rta_len);
	}
	nh->nlmsg_len = len;
	nh->nlmsg_type = type;
	*off += NLMSG_ALIGN(len);
}

struct seen {
	int n;
	struct hotplug_link links[8];
};

static void on_link(const struct hotplug_link *link, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	s->links[s->n++] = *link;
}

static void test_rtnl(void **state)
{
	char buf[4096] __attribute__((aligned(4)));
	struct seen s = { 0 };
	struct nlmsghdr *done_msg;
	size_t off = 0;
	bool done = false;

	link_msg(buf, &off, RTM_NEWLINK, 7, IFF_UP | IFF_RUNNING, "veth3");
	link_msg(buf, &off, RTM_DELLINK, 5, 0, "eth1");
	link_msg(buf, &off, RTM_NEWADDR, 5, 0, "eth1");    /* not a link: skipped */
	assert_int_equal(hotplug_parse_rtnl(buf, off, on_link, &s, &done), 2);
	assert_false(done);
	assert_int_equal(s.links[0].ifindex, 7);
	assert_string_equal(s.links[0].name, "veth3");
	assert_false(s.links[0].removed);
	assert_true(s.links[0].flags & IFF_RUNNING);
	assert_true(s.links[1].removed);
	assert_string_equal(s.links[1].name, "eth1");

	/* the end of a dump */
	done_msg = (struct nlmsghdr *)(buf + off);
	memset(done_msg, 0, NLMSG_SPACE(sizeof(int)));
	done_msg->nlmsg_len = NLMSG_LENGTH(sizeof(int));
	done_msg->nlmsg_type = NLMSG_DONE;
	s.n = 0;
	assert_int_equal(hotplug_parse_rtnl(buf, off + NLMSG_SPACE(sizeof(int)), on_link, &s,
					    &done), 2);
	assert_true(done);
}

static void test_rtnl_malformed(void **state)
{
	char buf[4096] __attribute__((aligned(4)));
	struct seen s = { 0 };
	size_t off = 0;
	bool done = false;

	/* a link without a name */
	link_msg(buf, &off, RTM_NEWLINK, 7, 0, NULL);
	assert_int_equal(hotplug_parse_rtnl(buf, off, on_link, &s, &done), -EINVAL);
	/* a name with a slash */
	off = 0;
	link_msg(buf, &off, RTM_NEWLINK, 7, 0, "a/b");
	assert_int_equal(hotplug_parse_rtnl(buf, off, on_link, &s, &done), -EINVAL);
	/* cut short: the first message is reported, the torn rest is an error */
	off = 0;
	s.n = 0;
	link_msg(buf, &off, RTM_NEWLINK, 7, 0, "veth3");
	link_msg(buf, &off, RTM_NEWLINK, 8, 0, "veth4");
	assert_int_equal(hotplug_parse_rtnl(buf, off - 6, on_link, &s, &done), -EINVAL);
	assert_int_equal(s.n, 1);
	/* a message shorter than its header says */
	((struct nlmsghdr *)buf)->nlmsg_len = NLMSG_LENGTH(2);
	assert_int_equal(hotplug_parse_rtnl(buf, NLMSG_SPACE(2), on_link, &s, &done), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uevent_block),
		cmocka_unit_test(test_uevent_ignored),
		cmocka_unit_test(test_uevent_malformed),
		cmocka_unit_test(test_rtnl),
		cmocka_unit_test(test_rtnl_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
