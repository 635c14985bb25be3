// SPDX-License-Identifier: GPL-2.0-only
/* "Did you mean": the closest known word by edit distance. */
#include <string.h>

#include "core/suggest.h"

#define SUGGEST_MAX_LEN 63

static unsigned int min3(unsigned int a, unsigned int b, unsigned int c)
{
	unsigned int m = a < b ? a : b;

	return m < c ? m : c;
}

unsigned int suggest_distance(const char *a, const char *b)
{
	size_t la = strnlen(a, SUGGEST_MAX_LEN), lb = strnlen(b, SUGGEST_MAX_LEN);
	unsigned int d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned int cost = a[i - 1] != b[j - 1];

			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[la][lb];
}

const char *suggest_word(const char *word, const char *const *candidates, size_t n)
{
	size_t len = strnlen(word, SUGGEST_MAX_LEN + 1);
	unsigned int limit = len <= 4 ? 1 : len / 3, best_d = limit + 1;
	const char *best = NULL;

	if (!len || len > SUGGEST_MAX_LEN)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned int d = suggest_distance(word, candidates[i]);

		if (d < best_d && d < strlen(candidates[i])) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best;
}
