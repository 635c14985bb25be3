// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: the IMDS identity document parser. */
#include <stddef.h>
#include <stdint.h>

#include "identity/imds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imds_identity_doc doc;
	char err[256];

	imds_parse_identity((const char *)data, size, &doc, err, sizeof(err));
	return 0;
}
