// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: `perfagent status` printing a reply of any shape (a daemon of
 * another version, or an impostor). Whatever JSON comes, it prints or skips,
 * never aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "cli/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (!tok || !sink || size > 1 << 20) {
		json_tokener_free(tok);
		return 0;
	}
	o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	status_print(o, sink);
	json_object_put(o);
	return 0;
}
