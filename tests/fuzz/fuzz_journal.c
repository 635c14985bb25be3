// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: the tuning journal read back from the state directory. */
#include <stddef.h>
#include <stdint.h>

#include "tune/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal j;

	if (journal_parse_buf((const char *)data, size, &j) == 0)
		journal_free(&j);
	return 0;
}
