/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Is a network interface a real NIC that is up? The default of which
 * interfaces perfagent reports: the instance's ENIs (ENA, ixgbevf, Xen's
 * vif, virtio off EC2), never lo, veth, bridges, bonds, ifb, dummy,
 * tun/tap, VLANs, docker/CNI interfaces, nor a NIC that is down. A real NIC
 * is backed by a device (/sys/class/net/IF/device, with a driver bound),
 * is Ethernet (type 1), and its driver is not a simulator (netdevsim).
 */
#ifndef PA_PHYSIF_H
#define PA_PHYSIF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/paths.h"

/* True for a real NIC that is up; else false with the reason in why ("virtual: no device"). */
bool physif_is_real_and_up(const struct pa_paths *paths, const char *ifname, char *why,
			   size_t whysz);

#endif
