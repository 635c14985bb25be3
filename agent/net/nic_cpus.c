// SPDX-License-Identifier: GPL-2.0-only
/* Which CPUs a NIC's receive work lands on, read from the host (nic_cpus.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/nic_cpus.h"
#include "core/util.h"

__attribute__((format(printf, 4, 5)))
static int sys_line(const struct pa_paths *paths, char *buf, size_t size, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = paths_sys_vfmt(paths, path, sizeof(path), fmt, ap);
	va_end(ap);
	if (n)
		return n;
	n = (int)util_read_line(path, buf, size);
	return n < 0 ? n : 0;
}

int nic_online_cpus(const struct pa_paths *paths, struct cpu_mask *m)
{
	char line[4096];
	int ret = sys_line(paths, line, sizeof(line), "/sys/devices/system/cpu/online");

	return ret ? ret : cpu_mask_parse_list(line, m);
}

/* The CPUs of the NIC's NUMA node; empty when it has none (virtual NICs). */
void nic_node_cpus(const struct pa_paths *paths, const char *ifname, struct cpu_mask *m)
{
	char line[4096];
	int node;

	cpu_mask_clear(m);
	if (sys_line(paths, line, sizeof(line), "/sys/class/net/%s/device/numa_node", ifname) ||
	    sscanf(line, "%d", &node) != 1 || node < 0 ||
	    sys_line(paths, line, sizeof(line), "/sys/devices/system/node/node%d/cpulist", node) ||
	    cpu_mask_parse_list(line, m))
		cpu_mask_clear(m);
}

/* Whether a /proc/interrupts line is one of the NIC's queue interrupts:
 * ENA names them "IF-Tx-Rx-N", most drivers "IF-something". */
static bool irq_is_nic(const char *line, const char *ifname)
{
	size_t len = strlen(ifname);
	const char *p = line;

	while ((p = strstr(p, ifname))) {
		bool start = p == line || isspace((unsigned char)p[-1]) || p[-1] == ',';

		if (start && p[len] == '-')
			return true;
		p += len;
	}
	return false;
}

static void irq_affinity(const struct pa_paths *paths, unsigned int irq, struct cpu_mask *m)
{
	static const char *const files[] = { "effective_affinity_list", "smp_affinity_list" };
	struct cpu_mask one;
	char line[4096];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		if (sys_line(paths, line, sizeof(line), "/proc/irq/%u/%s", irq, files[i]) ||
		    cpu_mask_parse_list(line, &one) || cpu_mask_empty(&one))
			continue;
		for (size_t w = 0; w < ARRAY_SIZE(m->w); w++)
			m->w[w] |= one.w[w];
		return;
	}
}

void nic_irq_cpus_many(const struct pa_paths *paths, const char *const *ifnames, size_t n,
		       struct cpu_mask *masks)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	FILE *f;

	for (size_t i = 0; i < n; i++)
		cpu_mask_clear(&masks[i]);
	if (paths_sys(paths, path, sizeof(path), "/proc/interrupts") ||
	    !(f = fopen(path, "re")))
		return;
	/* One pass: on a large host the file holds thousands of lines of many columns. */
	while (getline(&line, &cap, f) > 0) {
		unsigned int irq;

		if (sscanf(line, " %u:", &irq) != 1)
			continue;
		for (size_t i = 0; i < n; i++)
			if (irq_is_nic(line, ifnames[i]))
				irq_affinity(paths, irq, &masks[i]);
	}
	free(line);
	fclose(f);
}

void nic_irq_cpus(const struct pa_paths *paths, const char *ifname, struct cpu_mask *m)
{
	nic_irq_cpus_many(paths, &ifname, 1, m);
}

void nic_smt_siblings(const struct pa_paths *paths, const struct cpu_mask *cpus,
			 struct cpu_mask *m)
{
	struct cpu_mask one;
	char line[4096];

	cpu_mask_clear(m);
	for (unsigned int c = 0; c < ETHTOOL_MAX_CPUS; c++) {
		if (!cpu_mask_test(cpus, c) ||
		    sys_line(paths, line, sizeof(line),
			     "/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list", c) ||
		    cpu_mask_parse_list(line, &one))
			continue;
		for (size_t w = 0; w < ARRAY_SIZE(m->w); w++)
			m->w[w] |= one.w[w];
	}
}

