/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * "Did you mean": the known word closest to a misspelt one (a config key, a
 * command), by edit distance with transpositions (optimal string alignment:
 * "intervall", "stauts" and "imds_endpont" are one edit away).
 */
#ifndef PA_SUGGEST_H
#define PA_SUGGEST_H

#include <stddef.h>

/* Edits (insert, delete, substitute, swap two neighbours) from a to b; words up to 63 bytes. */
unsigned int suggest_distance(const char *a, const char *b);

/*
 * The candidate closest to word, or NULL when none is close enough: at most
 * one edit for words of up to 4 characters, else a third of the word's
 * length, and never as many edits as the candidate has characters. The
 * first of equally close candidates wins.
 */
const char *suggest_word(const char *word, const char *const *candidates, size_t n);

#endif
