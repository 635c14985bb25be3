// SPDX-License-Identifier: GPL-2.0-only
/* Include and exclude globs over names, the first match deciding. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "core/namefilter.h"

int namefilter_parse(const char *text, struct namefilter *out, char *err, size_t errsz)
{
	struct namefilter f = { 0 };
	char buf[NAMEFILTER_MAX * NAMEFILTER_PATTERN_MAX], *tok, *save = NULL;

	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf)) {
		snprintf(err, errsz, "longer than %zu bytes", sizeof(buf) - 1);
		return -EINVAL;
	}
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		/* "!" alone would exclude nothing: a typo, not a pattern. */
		if (!strcmp(tok, "!") || strlen(tok) >= NAMEFILTER_PATTERN_MAX) {
			snprintf(err, errsz, "'%.64s' is not a pattern", tok);
			return -EINVAL;
		}
		if (f.n == NAMEFILTER_MAX) {
			snprintf(err, errsz, "more than %d patterns", NAMEFILTER_MAX);
			return -EINVAL;
		}
		strcpy(f.patterns[f.n++], tok);
	}
	*out = f;
	return 0;
}

enum namefilter_verdict namefilter_match(const struct namefilter *f, const char *name)
{
	for (int i = 0; i < f->n; i++) {
		const char *p = f->patterns[i];
		int exclude = p[0] == '!';

		if (fnmatch(p + exclude, name, 0) == 0)
			return exclude ? NF_EXCLUDE : NF_INCLUDE;
	}
	return NF_DEFAULT;
}
