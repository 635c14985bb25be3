// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the kernel's statistics name table (ETHTOOL_GSTRINGS), as
 * ethtool_table_parse() takes it, and the CPU mask texts of sysfs. The first
 * two bytes are the entry count the kernel would have given (it need not
 * match the bytes that follow); the rest is the table.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/ethtool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_masks(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[2400];
	struct cpu_mask m;

	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!cpu_mask_parse_hex(s, &m))
		cpu_mask_format(&m, out, sizeof(out));
	if (!cpu_mask_parse_list(s, &m))
		cpu_mask_format_list(&m, out, sizeof(out));
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ethtool_stat_table t;
	uint64_t v;
	size_t n;

	if (size < 2)
		return 0;
	n = (size_t)data[0] << 8 | data[1];
	if (!ethtool_table_parse(data + 2, size - 2, n, &t)) {
		ethtool_table_find(&t, "pps_allowance_exceeded", &v);
		if (t.n)
			ethtool_table_find(&t, t.names[t.n - 1], &v);
		ethtool_table_free(&t);
	}
	fuzz_masks(data, size);
	return 0;
}
