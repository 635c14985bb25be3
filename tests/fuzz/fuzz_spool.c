// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: the EMF spool file read back from the state directory (gzip
 * members or the previous version's plain lines), then every document
 * unpacked as the sink would before sending it.
 */
#include <stddef.h>
#include <stdint.h>

#include "emf/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool_dropped dropped;
	struct spool q;
	char why[256];

	spool_init(&q);
	q.pack_at = 4096;       /* small blocks: packing and unpacking both run */
	/* A fixed "now": the corpus' timestamps stay within 14 days of it. */
	if (spool_load_buf(&q, (const char *)data, size, 1796500000000ULL, &dropped, why,
			   sizeof(why)) > 0) {
		for (size_t i = 0; i < q.n; i++)
			spool_at(&q, i);
	}
	spool_free(&q);
	return 0;
}
