// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: /proc/net/softnet_stat text, split at its first NUL byte into
 * two samples fed one after the other (a baseline and an interval). The
 * sums must hold: the worst CPU counted no more than all of them, and a
 * worst CPU is named exactly when something was counted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/softnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct softnet_interval *iv)
{
	if (iv->worst_drop > iv->dropped || iv->worst_squeeze > iv->squeezed)
		abort();
	if ((iv->worst_drop_cpu < 0) != !iv->worst_drop ||
	    (iv->worst_squeeze_cpu < 0) != !iv->worst_squeeze)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 2);  /* two NUL-terminated samples at most */
	struct softnet_state s = { 0 };
	struct softnet_interval iv;
	struct json_object *o;
	size_t first;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = text[size + 1] = '\0';
	first = strlen(text);
	if (softnet_update(&s, text, 1, &iv) == 1)
		check(&iv);
	if (softnet_update(&s, text + (first < size ? first + 1 : size), 1, &iv) == 1)
		check(&iv);
	o = softnet_status_json(&s);
	json_object_put(o);
	softnet_free(&s);
	free(text);
	return 0;
}
