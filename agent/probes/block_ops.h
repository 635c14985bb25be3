/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The block probe's operations (bpf/block.h, enum block_op): the metric
 * prefix, the JSON name, and whether the operation moves data (only then
 * are <Op>Bytes and <Op>Size sent). Read by probe_block.c for what it sends
 * and by emf/metric_level.c for the names metrics_include knows.
 */
#ifndef PA_PROBES_BLOCK_OPS_H
#define PA_PROBES_BLOCK_OPS_H

#include <stdbool.h>

#include "bpf/block.h"

struct block_op_name {
	const char *metric, *json;
	bool sized;
};

extern const struct block_op_name block_ops[BLOCK_OPS];

#endif
