// SPDX-License-Identifier: GPL-2.0-only
/* Is a network interface a real NIC that is up (sysfs only, so fake trees work). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/ethtool.h"
#include "net/physif.h"
#include "core/util.h"

#define ARPHRD_ETHER_TYPE "1"
#define IFF_UP_FLAG 0x1

/* sysroot + /sys/class/net/IF/leaf: 0 with its first line, or -errno. */
static int read_leaf(const struct pa_paths *paths, const char *ifname, const char *leaf,
		     char *buf, size_t size)
{
	char rel[PATH_MAX], path[PATH_MAX];
	ssize_t n;

	buf[0] = '\0';
	if (util_join(rel, sizeof(rel), "/sys/class/net/%s/%s", ifname, leaf) ||
	    paths_sys(paths, path, sizeof(path), rel))
		return -ENAMETOOLONG;
	n = util_read_line(path, buf, size);
	return n < 0 ? (int)n : 0;
}

/* "unknown" is what drivers without carrier reporting say: then the admin flag decides. */
static bool is_up(const struct pa_paths *paths, const char *ifname, char *state, size_t size)
{
	char flags[32];

	if (read_leaf(paths, ifname, "operstate", state, size))
		snprintf(state, size, "unreadable");
	if (!strcmp(state, "up"))
		return true;
	return !strcmp(state, "unknown") && !read_leaf(paths, ifname, "flags", flags, sizeof(flags)) &&
	       strtoul(flags, NULL, 0) & IFF_UP_FLAG;
}

/* NULL for a real NIC that is up, else why not (in buf where it needs a figure). */
static const char *why_not(const struct pa_paths *paths, const char *ifname, char *buf,
			   size_t size)
{
	char type[16], driver[32], state[32];

	if (!strcmp(ifname, "lo"))
		return "loopback";
	/* veth, bridges, bonds, ifb, dummy, tun/tap, VLANs, docker0, cni0: no device behind them. */
	if (!paths_sys_exists(paths, "/sys/class/net/%s/device", ifname))
		return "virtual: no device";
	/* Not every tree has type; a missing one does not make a NIC virtual. */
	if (!read_leaf(paths, ifname, "type", type, sizeof(type)) &&
	    strcmp(type, ARPHRD_ETHER_TYPE)) {
		snprintf(buf, size, "not Ethernet (type %s)", type);
		return buf;
	}
	ethtool_nic_driver(paths, ifname, driver, sizeof(driver));
	if (!driver[0])
		return "no driver bound";
	if (!strcmp(driver, "netdevsim"))
		return "simulated (netdevsim)";
	if (!is_up(paths, ifname, state, sizeof(state))) {
		snprintf(buf, size, "down (operstate %s)", state);
		return buf;
	}
	return NULL;
}

bool physif_is_real_and_up(const struct pa_paths *paths, const char *ifname, char *why,
			   size_t whysz)
{
	char buf[64];
	const char *reason = why_not(paths, ifname, buf, sizeof(buf));

	if (reason && whysz)
		snprintf(why, whysz, "%s", reason);
	return !reason;
}
