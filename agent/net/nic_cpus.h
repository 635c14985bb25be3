/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which CPUs a NIC's receive work lands on, read from the host under the
 * sysroot: the online CPUs, the CPUs of the NIC's NUMA node, the CPUs its
 * queue interrupts are routed to (/proc/interrupts, then each IRQ's
 * effective or requested affinity) and their SMT siblings. RPS masks are
 * derived from these (ethtool_rps_mask()), and the daemon watches the
 * interrupt CPUs to derive them again when irqbalance or an administrator
 * moves the interrupts.
 */
#ifndef PA_NIC_CPUS_H
#define PA_NIC_CPUS_H

#include "core/paths.h"
#include "net/ethtool.h"

/* /sys/devices/system/cpu/online; 0 or a negative errno. */
int nic_online_cpus(const struct pa_paths *paths, struct cpu_mask *m);
/* The CPUs of the NIC's NUMA node; empty when it has none (virtual NICs). */
void nic_node_cpus(const struct pa_paths *paths, const char *ifname, struct cpu_mask *m);
/* The CPUs that take the NIC's queue interrupts; empty when none are found. */
void nic_irq_cpus(const struct pa_paths *paths, const char *ifname, struct cpu_mask *m);
/* The same for n interfaces at once (masks[i] for ifnames[i]): /proc/interrupts read once. */
void nic_irq_cpus_many(const struct pa_paths *paths, const char *const *ifnames, size_t n,
		       struct cpu_mask *masks);
/* The SMT siblings of cpus (cpus included). */
void nic_smt_siblings(const struct pa_paths *paths, const struct cpu_mask *cpus,
		      struct cpu_mask *m);

#endif
