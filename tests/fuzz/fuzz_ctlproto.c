// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: control-socket framing and request parsing. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/ctlproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[CTL_MAX_REQUEST + 1];
	struct ctl_linebuf lb = { 0 };
	const char *code;
	char msg[256];
	int n;

	/* Feed in small chunks, as a socket would deliver them. */
	for (size_t off = 0; off < size; off += 7) {
		size_t chunk = size - off < 7 ? size - off : 7;

		if (ctl_linebuf_append(&lb, (const char *)data + off, chunk))
			return 0;
		while ((n = ctl_linebuf_take(&lb, line)) >= 0)
			ctl_request_parse(line, n, &code, msg, sizeof(msg));
	}
	return 0;
}
