// SPDX-License-Identifier: GPL-2.0-only
/* Growable arrays (see array.h). */
#include <stdint.h>
#include <stdlib.h>

#include "core/array.h"

void *array_grow(void *items, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t ncap = *cap ? *cap : first ? first : 1;
	void *v;

	if (need <= *cap && items)
		return items;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return NULL;
		ncap *= 2;
	}
	v = reallocarray(items, ncap, elem);
	if (!v)
		return NULL;
	*cap = ncap;
	return v;
}
