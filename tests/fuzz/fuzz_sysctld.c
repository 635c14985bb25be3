// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: one sysctl.d file, then lookups over what it set. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tune/sysctld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sysctld s = { 0 };
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* sysctld_add_text takes the text over. */
	sysctld_add_text(&s, "/etc/sysctl.d/fuzz.conf", text);
	sysctld_lookup(&s, "net.core.somaxconn");
	sysctld_lookup(&s, "net.ipv4.conf.eth0.rp_filter");
	sysctld_free(&s);
	return 0;
}
