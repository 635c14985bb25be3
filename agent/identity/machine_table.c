// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sizes of the EC2 instance types the tuning profiles name: the one place
 * these numbers live. Every figure comes from one of the sources below,
 * read in their stored copies; none is derived from another type's.
 *
 * [docs]  Amazon EC2 Instance Types guide (2026), "Performance
 *         specifications" and "Network specifications" of
 *         https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html
 *         (likewise co, mo, so, ac, hpc and pg .html): baseline / burst
 *         Gbps, network cards, and, in gp.html only, "ENA queues per
 *         interface (Default/Maximum)"; and
 *         https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ena-queues.html:
 *         default and maximum ENA queues per interface of the types with
 *         flexible ENA queue allocation (m6i, c6i, c6in, r6i, r6idn, c8gn ...).
 * [2023]  awsdocs/amazon-ec2-user-guide at e3707c4 (2023-06, the last
 *         commit with content), doc_source/general-purpose-instances.md
 *         (likewise compute-optimized, memory-optimized, storage-optimized,
 *         accelerated-computing) and instance-types.md: the "Network
 *         performance" strings in net_desc ("Up to 25 Gigabit", where the
 *         2026 pages print "3.0 / 25.0"; a fixed rate such as "200 Gigabit"
 *         reads the same in both, so types newer than [2023] take it from
 *         [docs]), the baseline / burst tables (T2, T1), and the list
 *         "Instances built on the Nitro System".
 * [karp]  aws/karpenter-provider-aws at 7f27b4e (2026-08),
 *         website/content/en/docs/reference/instance-types.md, generated
 *         from DescribeInstanceTypes: vCPUs (instance-cpu) and mem_mib
 *         (instance-memory, MiB). Its zz_generated.bandwidth.go (baseline
 *         Mbps scraped from [docs]) equals net_baseline_mbps on every row
 *         it lists.
 * [vpc]   aws/amazon-vpc-resource-controller-k8s at 58c8559 (generated
 *         2026-03-20), pkg/aws/vpc/limits.go: network cards (the entries of
 *         NetworkCards) and Hypervisor, for every row but the HPC ones.
 *
 * vCPUs and GiB x 1024 in [docs] and [2023] agree with [karp] on every row
 * that both list. Where [2023] and [docs] differ, [docs] wins: [2023]'s
 * baseline table gives c4.8xlarge and m4.16xlarge 5.0 / 10.0 Gbps, while
 * pg.html prints a flat 10 and 25 Gigabit for them.
 *
 * Unknown (0 or NULL), because no source states it:
 *   - numa_nodes, on every row: no source gives NUMA nodes per type;
 *   - both ENA queue columns of the types on pages other than gp.html
 *     without flexible queue allocation (c5n, c7gn, r5, i3en, p5, ...);
 *   - net_desc of c7gn.large and m7i-flex.large, newer than [2023].
 *
 * Rows are sorted by name (strcmp) for bsearch(); the unit test checks it.
 */
#include "identity/machine_table.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static const struct machine_size machine_table[] = {
	/*
	 * type, vcpus, mem_mib, net_mbps, net_baseline_mbps, net_up_to, net_desc,
	 * network_cards, ena_queues_default, ena_queues_per_eni, numa_nodes, xen,
	 * nic_without_ena (enhanced networking: ENA everywhere but C4, D2 and M4
	 * below 16xlarge, on the Intel 82599 VF, and T1 and T2, on Xen's
	 * netfront [enhanced networking pages of the EC2 user guide])
	 */
	{ "a1.medium",             1,     2048,   10000,     500, true,  "Up to 10 Gigabit",    1,  0,   0, 0, false, NULL },
	{ "a1.metal",             16,    32768,   10000,    5000, true,  "Up to 10 Gigabit",    1,  0,   0, 0, false, NULL },
	/* Intel 82599 VF, not ENA: no ENA queue figure. */
	{ "c4.8xlarge",           36,    61440,   10000,   10000, false, "10 Gigabit",          1,  0,   0, 0, true, "Intel 82599 VF" },
	{ "c5.large",              2,     4096,   10000,     750, true,  "Up to 10 Gigabit",    1,  0,   0, 0, false, NULL },
	{ "c5n.18xlarge",         72,   196608,  100000,  100000, false, "100 Gigabit",         1,  0,   0, 0, false, NULL },
	{ "c5n.large",             2,     5376,   25000,    3000, true,  "Up to 25 Gigabit",    1,  0,   0, 0, false, NULL },
	{ "c5n.metal",            72,   196608,  100000,  100000, false, "100 Gigabit",         1,  0,   0, 0, false, NULL },
	{ "c6gn.16xlarge",        64,   131072,  100000,  100000, false, "100 Gigabit",         1,  0,   0, 0, false, NULL },
	{ "c6gn.medium",           1,     2048,   16000,    1600, true,  "Up to 16 Gigabit",    1,  0,   0, 0, false, NULL },
	{ "c6i.32xlarge",        128,   262144,   50000,   50000, false, "50 Gigabit",          1,  8,  32, 0, false, NULL },
	{ "c6in.32xlarge",       128,   262144,  200000,  200000, false, "200 Gigabit",         2, 32,  32, 0, false, NULL },
	{ "c7g.16xlarge",         64,   131072,   30000,   30000, false, "30 Gigabit",          1,  0,   0, 0, false, NULL },
	{ "c7g.medium",            1,     2048,   12500,     520, true,  "Up to 12.5 Gigabit",  1,  0,   0, 0, false, NULL },
	{ "c7gn.16xlarge",        64,   131072,  200000,  200000, false, "200 Gigabit",         1,  0,   0, 0, false, NULL },
	/* No stored source prints its NetworkPerformance string; figures from co.html. */
	{ "c7gn.large",            2,     4096,   30000,    6250, true,  NULL,                  1,  0,   0, 0, false, NULL },
	{ "c7i.48xlarge",        192,   393216,   50000,   50000, false, "50 Gigabit",          1,  0,   0, 0, false, NULL },
	{ "c8gn.48xlarge",       192,   393216,  600000,  600000, false, "600 Gigabit",         2, 32, 128, 0, false, NULL },
	{ "d3.8xlarge",           32,   262144,   25000,   25000, false, "25 Gigabit",          1,  0,   0, 0, false, NULL },
	{ "d3en.12xlarge",        48,   196608,   75000,   75000, false, "75 Gigabit",          1,  0,   0, 0, false, NULL },
	{ "g4dn.metal",           96,   393216,  100000,  100000, false, "100 Gigabit",         1,  0,   0, 0, false, NULL },
	{ "g5.48xlarge",         192,   786432,  100000,  100000, false, "100 Gigabit",         1,  0,   0, 0, false, NULL },
	{ "g5.xlarge",             4,    16384,   10000,    2500, true,  "Up to 10 Gigabit",    1,  0,   0, 0, false, NULL },
	{ "h1.16xlarge",          64,   262144,   25000,   25000, false, "25 Gigabit",          1,  0,   0, 0, true, NULL },
	/* HPC types are not in limits.go: network cards from hpc.html. */
	{ "hpc6a.48xlarge",       96,   393216,  100000,  100000, false, "100 Gigabit",         1,  0,   0, 0, false, NULL },
	{ "hpc6id.32xlarge",      64,  1048576,  200000,  200000, false, "200 Gigabit",         2,  0,   0, 0, false, NULL },
	{ "hpc7a.96xlarge",      192,   786432,  300000,  300000, false, "300 Gigabit",         2,  0,   0, 0, false, NULL },
	{ "hpc7g.16xlarge",       64,   131072,  200000,  200000, false, "200 Gigabit",         1,  0,   0, 0, false, NULL },
	{ "i3.16xlarge",          64,   499712,   25000,   25000, false, "25 Gigabit",          1,  0,   0, 0, true, NULL },
	/* Not in Karpenter's list: vCPUs and GiB x 1024 from so.html. Nitro, unlike i3. */
	{ "i3.metal",             72,   524288,   25000,   25000, false, "25 Gigabit",          1,  0,   0, 0, false, NULL },
	{ "i3en.24xlarge",        96,   786432,  100000,  100000, false, "100 Gigabit",         1,  0,   0, 0, false, NULL },
	{ "i3en.large",            2,    16384,   25000,    2100, true,  "Up to 25 Gigabit",    1,  0,   0, 0, false, NULL },
	{ "i4g.16xlarge",         64,   524288,   37500,   37500, false, "37.5 Gigabit",        1,  0,   0, 0, false, NULL },
	{ "i4i.32xlarge",        128,  1048576,   75000,   75000, false, "75 Gigabit",          1,  0,   0, 0, false, NULL },
	{ "i7ie.48xlarge",       192,  1572864,  100000,  100000, false, "100 Gigabit",         1,  0,   0, 0, false, NULL },
	{ "im4gn.16xlarge",       64,   262144,  100000,  100000, false, "100 Gigabit",         1,  0,   0, 0, false, NULL },
	{ "inf2.48xlarge",       192,   786432,  100000,  100000, false, "100 Gigabit",         1,  0,   0, 0, false, NULL },
	{ "inf2.xlarge",           4,    16384,   15000,    2083, true,  "Up to 15 Gigabit",    1,  0,   0, 0, false, NULL },
	{ "m4.16xlarge",          64,   262144,   25000,   25000, false, "25 Gigabit",          1,  0,   0, 0, true, NULL },
	{ "m5.24xlarge",          96,   393216,   25000,   25000, false, "25 Gigabit",          1,  8,   8, 0, false, NULL },
	{ "m5.large",              2,     8192,   10000,     750, true,  "Up to 10 Gigabit",    1,  8,   8, 0, false, NULL },
	{ "m5n.24xlarge",         96,   393216,  100000,  100000, false, "100 Gigabit",         1, 32,  32, 0, false, NULL },
	{ "m5zn.12xlarge",        48,   196608,  100000,  100000, false, "100 Gigabit",         1, 32,  32, 0, false, NULL },
	{ "m5zn.large",            2,     8192,   25000,    3000, true,  "Up to 25 Gigabit",    1,  8,   8, 0, false, NULL },
	{ "m6i.32xlarge",        128,   524288,   50000,   50000, false, "50 Gigabit",          1,  8,  32, 0, false, NULL },
	{ "m6i.large",             2,     8192,   12500,     781, true,  "Up to 12.5 Gigabit",  1,  2,   2, 0, false, NULL },
	{ "m6i.metal",           128,   524288,   50000,   50000, false, "50 Gigabit",          1,  8,   8, 0, false, NULL },
	{ "m7g.16xlarge",         64,   262144,   30000,   30000, false, "30 Gigabit",          1,  8,   8, 0, false, NULL },
	{ "m7g.medium",            1,     4096,   12500,     520, true,  "Up to 12.5 Gigabit",  1,  1,   1, 0, false, NULL },
	/* No stored source prints its NetworkPerformance string; figures from gp.html. */
	{ "m7i-flex.large",        2,     8192,   12500,     390, true,  NULL,                  1,  1,   1, 0, false, NULL },
	/* Not in Karpenter's list: vCPUs and GiB x 1024 from the 2023 guide. */
	{ "mac1.metal",           12,    32768,   25000,   25000, false, "25 Gigabit",          1,  8,   8, 0, false, NULL },
	{ "mac2.metal",            8,    16384,   10000,   10000, false, "10 Gigabit",          1, 32,  32, 0, false, NULL },
	{ "p4d.24xlarge",         96,  1179648,  400000,  400000, false, "4x 100 Gigabit",      4,  0,   0, 0, false, NULL },
	{ "p5.48xlarge",         192,  2097152, 3200000, 3200000, false, "3200 Gigabit",       32,  0,   0, 0, false, NULL },
	{ "p5en.48xlarge",       192,  2097152, 3200000, 3200000, false, "3200 Gigabit",       16,  0,   0, 0, false, NULL },
	{ "r4.16xlarge",          64,   499712,   25000,   25000, false, "25 Gigabit",          1,  0,   0, 0, true, NULL },
	{ "r5.24xlarge",          96,   786432,   25000,   25000, false, "25 Gigabit",          1,  0,   0, 0, false, NULL },
	{ "r5.large",              2,    16384,   10000,     750, true,  "Up to 10 Gigabit",    1,  0,   0, 0, false, NULL },
	{ "r6i.32xlarge",        128,  1048576,   50000,   50000, false, "50 Gigabit",          1,  8,  32, 0, false, NULL },
	{ "r6idn.32xlarge",      128,  1048576,  200000,  200000, false, "200 Gigabit",         2, 32,  32, 0, false, NULL },
	{ "r6idn.large",           2,    16384,   25000,    3125, true,  "Up to 25 Gigabit",    1,  2,   2, 0, false, NULL },
	{ "r7g.16xlarge",         64,   524288,   30000,   30000, false, "30 Gigabit",          1,  0,   0, 0, false, NULL },
	{ "r7iz.32xlarge",       128,  1048576,   50000,   50000, false, "50 Gigabit",          1,  0,   0, 0, false, NULL },
	/* The docs print 0.613 GiB; DescribeInstanceTypes says 627 MiB. 0.07 / 0.28 Gbps: 2023 guide. */
	{ "t1.micro",              1,      627,     280,      70, true,  "Very Low",            1,  0,   0, 0, true, "Xen netfront" },
	/* T2: no ENA (Xen netfront); gp.html prints 1 queue. Baseline/burst: 2023 guide. */
	{ "t2.2xlarge",            8,    32768,    1024,    1000, true,  "Moderate",            1,  1,   1, 0, true, "Xen netfront" },
	{ "t2.micro",              1,     1024,    1024,      64, true,  "Low to Moderate",     1,  1,   1, 0, true, "Xen netfront" },
	{ "t3.2xlarge",            8,    32768,    5000,    2048, true,  "Up to 5 Gigabit",     1,  8,   8, 0, false, NULL },
	{ "t3.nano",               2,      512,    5000,      32, true,  "Up to 5 Gigabit",     1,  2,   2, 0, false, NULL },
	{ "t3a.large",             2,     8192,    5000,     512, true,  "Up to 5 Gigabit",     1,  8,   8, 0, false, NULL },
	{ "t4g.2xlarge",           8,    32768,    5000,    2048, true,  "Up to 5 Gigabit",     1,  8,   8, 0, false, NULL },
	{ "t4g.micro",             2,     1024,    5000,      64, true,  "Up to 5 Gigabit",     1,  2,   2, 0, false, NULL },
	{ "trn1.32xlarge",       128,   524288,  800000,  800000, false, "8x 100 Gigabit",      8,  0,   0, 0, false, NULL },
	{ "trn1n.32xlarge",      128,   524288, 1600000, 1600000, false, "16x 100 Gigabit",    16,  0,   0, 0, false, NULL },
	{ "u-6tb1.112xlarge",    448,  6291456,  100000,  100000, false, "100 Gigabit",         1,  0,   0, 0, false, NULL },
	{ "u7in-16tb.224xlarge", 896, 16777216,  200000,  200000, false, "200 Gigabit",         2,  0,   0, 0, false, NULL },
	{ "x1e.32xlarge",        128,  3997696,   25000,   25000, false, "25 Gigabit",          1,  0,   0, 0, true, NULL },
	{ "x2gd.16xlarge",        64,  1048576,   25000,   25000, false, "25 Gigabit",          1,  0,   0, 0, false, NULL },
	{ "x2iedn.32xlarge",     128,  4194304,  100000,  100000, false, "100 Gigabit",         1,  0,   0, 0, false, NULL },
	{ "x2iedn.xlarge",         4,   131072,   25000,    1875, true,  "Up to 25 Gigabit",    1,  0,   0, 0, false, NULL },
	{ "z1d.12xlarge",         48,   393216,   25000,   25000, false, "25 Gigabit",          1,  0,   0, 0, false, NULL },
	{ "z1d.large",             2,    16384,   10000,     750, true,  "Up to 10 Gigabit",    1,  0,   0, 0, false, NULL },
};

/*
 * Xen-based families. Those with "Xen" in the Hypervisor column of [docs]:
 * c1 c3 c4 g3 i2 m1 m2 m3 m4 p3 r3 r4 t1 (pg.html), t2 (gp.html), d2 h1 i3
 * (so.html), x1 x1e (mo.html). Those [2023] lists among all families but
 * not among the ones built on the Nitro System, since retired: cc2 cr1 f1
 * g2 hs1 p2. Families missing from both (cg1, hi1, ...) are not known here.
 */
static const char *const xen_families[] = {
	"c1", "c3", "c4", "cc2", "cr1", "d2", "f1", "g2", "g3", "h1", "hs1",
	"i2", "i3", "m1", "m2", "m3", "m4", "p2", "p3", "r3", "r4", "t1", "t2",
	"x1", "x1e",
};

/* Sizes of a Xen family built on Nitro ([docs] so.html, note to I3). */
static const char *const nitro_sizes_of_xen_families[] = {
	"i3.metal",
};

static int compare_type(const void *key, const void *elem)
{
	const struct machine_size *row = elem;

	return strcmp(key, row->type);
}

const struct machine_size *machine_size_lookup(const char *type)
{
	if (!type)
		return NULL;
	return bsearch(type, machine_table, ARRAY_SIZE(machine_table),
		       sizeof(machine_table[0]), compare_type);
}

size_t machine_size_count(void)
{
	return ARRAY_SIZE(machine_table);
}

const struct machine_size *machine_size_at(size_t i)
{
	return i < ARRAY_SIZE(machine_table) ? &machine_table[i] : NULL;
}

static bool in_list(const char *const *list, size_t n, const char *s,
		    size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(list[i]) == len && strncmp(list[i], s, len) == 0)
			return true;
	return false;
}

bool machine_type_is_xen(const char *name)
{
	size_t family_len;

	if (!name)
		return false;
	/* "i3.16xlarge" -> "i3"; a bare family is its own family. */
	family_len = strcspn(name, ".");
	if (!in_list(xen_families, ARRAY_SIZE(xen_families), name, family_len))
		return false;
	return !in_list(nitro_sizes_of_xen_families,
			ARRAY_SIZE(nitro_sizes_of_xen_families), name,
			strlen(name));
}
