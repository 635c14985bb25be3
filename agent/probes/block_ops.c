// SPDX-License-Identifier: GPL-2.0-only
/* The block probe's operations, named (block_ops.h). */
#include "probes/block_ops.h"

const struct block_op_name block_ops[BLOCK_OPS] = {
	[BLOCK_OP_READ] = { "Read", "read", true },
	[BLOCK_OP_WRITE] = { "Write", "write", true },
	[BLOCK_OP_FLUSH] = { "Flush", "flush", false },
	[BLOCK_OP_DISCARD] = { "Discard", "discard", true },
	[BLOCK_OP_OTHER] = { "Other", "other", false },
};
