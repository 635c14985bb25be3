/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For tests of NIC settings on a fake tree (after fake_tree.h): a test
 * ethtool_io serving the rings, coalescing and channels of fake_nics (no
 * virtual device has them), checked as ENA's driver checks them, and
 * nic(), an interface of the fake tree bound to a driver. Install with
 * ethtool_io_set(&fake_io), and ethtool_io_set(NULL) after.
 */
#ifndef PA_TEST_FAKE_ETHTOOL_H
#define PA_TEST_FAKE_ETHTOOL_H

#include <errno.h>

#include "net/ethtool.h"

struct fake_nic {
	const char *name;
	struct ethtool_rings rings;
	struct ethtool_coal coal;
	struct ethtool_chans chans;
	int rings_err, set_rings_err, coal_err;
	unsigned int writes;
};

static struct fake_nic fake_nics[2];

static inline struct fake_nic *fake_find(const char *ifname)
{
	for (size_t i = 0; i < ARRAY_SIZE(fake_nics); i++) {
		if (fake_nics[i].name && !strcmp(fake_nics[i].name, ifname))
			return &fake_nics[i];
	}
	return NULL;
}

static inline int fake_get_rings(const char *ifname, struct ethtool_rings *r)
{
	struct fake_nic *n = fake_find(ifname);

	if (!n)
		return -ENODEV;
	*r = n->rings;
	return n->rings_err;
}

/* Checked as ENA's driver checks: within the maximum, else refused. */
static inline int fake_set_rings(const char *ifname, const struct ethtool_rings *r)
{
	struct fake_nic *n = fake_find(ifname);

	if (!n)
		return -ENODEV;
	if (n->set_rings_err)
		return n->set_rings_err;
	if (r->rx > n->rings.rx_max || r->tx > n->rings.tx_max)
		return -EINVAL;
	n->rings.rx = r->rx;
	n->rings.tx = r->tx;
	n->writes++;
	return 0;
}

static inline int fake_get_coal(const char *ifname, struct ethtool_coal *c)
{
	struct fake_nic *n = fake_find(ifname);

	if (!n)
		return -ENODEV;
	*c = n->coal;
	return n->coal_err;
}

static inline int fake_set_coal(const char *ifname, const struct ethtool_coal *c)
{
	struct fake_nic *n = fake_find(ifname);

	if (!n)
		return -ENODEV;
	n->coal.rx_usecs = c->rx_usecs;
	n->coal.tx_usecs = c->tx_usecs;
	n->coal.adaptive_rx = c->adaptive_rx;
	n->writes++;
	return 0;
}

static inline int fake_get_chans(const char *ifname, struct ethtool_chans *c)
{
	struct fake_nic *n = fake_find(ifname);

	if (!n)
		return -ENODEV;
	*c = n->chans;
	return 0;
}

static inline int fake_set_chans(const char *ifname, const struct ethtool_chans *c)
{
	struct fake_nic *n = fake_find(ifname);

	if (!n)
		return -ENODEV;
	if (c->combined > n->chans.combined_max || c->rx || c->tx)
		return -EINVAL;
	n->chans.combined = c->combined;
	n->writes++;
	return 0;
}

static const struct ethtool_io fake_io = {
	.name = "test",
	.get_rings = fake_get_rings,
	.set_rings = fake_set_rings,
	.get_coal = fake_get_coal,
	.set_coal = fake_set_coal,
	.get_chans = fake_get_chans,
	.set_chans = fake_set_chans,
};

/* An interface of the fake tree bound to driver. */
static inline void nic(struct fixture *f, const char *name, const char *driver)
{
	char rel[PATH_MAX], path[PATH_MAX];

	assert_int_equal(util_join(rel, sizeof(rel), "/sys/bus/pci/drivers/%s/bind", driver), 0);
	put(f, rel, "");
	assert_int_equal(util_join(rel, sizeof(rel), "/sys/class/net/%s/mtu", name), 0);
	put(f, rel, "9001\n");
	assert_int_equal(util_join(path, sizeof(path), "%s/sys/class/net/%s/device",
				   f->paths.sysroot, name), 0);
	assert_int_equal(util_mkdir_p(path, 0755), 0);
	strcat(path, "/driver");
	assert_int_equal(util_join(rel, sizeof(rel), "../../../../bus/pci/drivers/%s", driver), 0);
	assert_int_equal(symlink(rel, path), 0);
}

#endif
