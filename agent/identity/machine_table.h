/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sizes of EC2 instance types, from a static table: vCPUs, memory, network
 * bandwidth, network cards, ENA queues per interface, and whether the type
 * runs on Xen rather than Nitro.
 *
 * Why a table: `perfagent profiles explain TYPE` resolves values that scale
 * with the machine (a share of RAM, per vCPU, per NIC queue) for a type the
 * tool is not running on, so it cannot ask the host. On the host itself,
 * measured facts (/proc, ethtool) win over this table.
 *
 * Contract: a figure of 0 means "unknown" (no source was found), never
 * "none"; callers must treat it so. The sources of every figure are listed
 * at the top of machine_table.c.
 */
#ifndef PA_MACHINE_TABLE_H
#define PA_MACHINE_TABLE_H

#include <stdbool.h>
#include <stddef.h>

struct machine_size {
	const char *type;               /* "c5n.18xlarge" */
	unsigned int vcpus;
	unsigned int mem_mib;           /* as DescribeInstanceTypes gives it */
	unsigned int net_mbps;          /* the figure after "Up to", else the fixed rate */
	unsigned int net_baseline_mbps; /* sustained rate; == net_mbps unless net_up_to */
	bool net_up_to;                 /* a baseline with best-effort bursts above it */
	const char *net_desc;           /* "Up to 25 Gigabit", "3200 Gigabit"; NULL unknown */
	unsigned int network_cards;
	unsigned int ena_queues_default; /* per ENI unless the launch set a count; 0 unknown */
	unsigned int ena_queues_per_eni; /* the most one ENI can be given; 0 unknown */
	unsigned int numa_nodes;        /* 0 unknown */
	bool xen;                       /* Xen-based, not built on the Nitro System */
	const char *nic_without_ena;    /* "Intel 82599 VF", "Xen netfront"; NULL: ENA */
};

/* The row for an exact type name ("m5.large"), or NULL when not in the table. */
const struct machine_size *machine_size_lookup(const char *type);

/* Rows in name order, for listings and tests; NULL past the end. */
size_t machine_size_count(void);
const struct machine_size *machine_size_at(size_t i);

/*
 * Whether a family ("c4") or a whole type ("i3.16xlarge") is Xen-based,
 * for any type of the family, not only the rows above. i3.metal is the one
 * size of a Xen family that is built on Nitro. False for Nitro families and
 * for names the list does not know (families newer than it are all Nitro).
 */
bool machine_type_is_xen(const char *name);

#endif
