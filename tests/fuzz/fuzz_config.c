// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: the config parser (perfagent.conf and drop-ins). */
#include <stddef.h>
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pa_config cfg;
	struct lp_errors errs;

	config_defaults(&cfg);
	config_parse_buf(&cfg, (const char *)data, size, "fuzz.conf", &errs);
	return 0;
}
