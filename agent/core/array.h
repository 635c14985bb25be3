/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Growable arrays. The owner keeps the elements, their count and the
 * capacity in its own struct and asks for room before it adds:
 *
 *	v = array_grow(l->v, &l->cap, l->n + 1, sizeof(*l->v), 64);
 *	if (!v)
 *		return -ENOMEM;
 *	l->v = v;
 *
 * The capacity doubles from the first size the owner picks, so n additions
 * copy O(n) elements in all. (chrony's array.c is the model; here the array
 * stays a plain pointer in its owner's struct, typed and indexable.)
 */
#ifndef PA_ARRAY_H
#define PA_ARRAY_H

#include <stddef.h>

/*
 * Returns items with room for at least need elements of elem bytes: items
 * itself when *cap already holds need, else the array reallocated to the
 * first power-of-two multiple of first (first when *cap is 0) that holds
 * need, and *cap set to it. NULL when out of memory or when the size would
 * overflow; items and *cap are then unchanged and still valid.
 */
void *array_grow(void *items, size_t *cap, size_t need, size_t elem, size_t first);

#endif
