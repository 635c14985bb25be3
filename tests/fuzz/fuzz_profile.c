// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: one tuning profile file, without includes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tune/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char include[PROFILE_NAME_MAX];
	struct profile p;
	struct lp_error err;

	memset(&p, 0, sizeof(p));
	profile_parse_buf((const char *)data, size, "fuzz.conf", &p, include, &err);
	profile_free(&p);
	return 0;
}
