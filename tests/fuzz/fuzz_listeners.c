// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: one sock_diag reply buffer. The parser may not read past it,
 * and the per-port deltas of what it found must hold: every port in the top
 * list has drops, and no more entries than LISTENERS_TOP.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/listeners.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);  /* exactly size bytes: ASan sees any overread */
	struct listen_sock *socks = NULL;
	struct listeners l = { .have_prev = true };
	size_t n = 0, cap = 0;
	bool done = false;

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	listeners_parse(copy, size, &socks, &n, &cap, &done);
	listeners_update(&l, socks, n);
	if (l.n_top > LISTENERS_TOP)
		abort();
	for (size_t i = 0; i < l.n_top; i++)
		if (!l.top[i].drops)
			abort();
	listeners_free(&l);
	free(copy);
	return 0;
}
