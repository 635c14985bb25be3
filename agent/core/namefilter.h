/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Include and exclude globs over names (interfaces, block devices), as the
 * config writes them: `eth* !docker*`. The first pattern that matches
 * decides (a leading '!' excludes); a name no pattern matches gets the
 * caller's default. So `veth*` adds the veths to the default, `!ens6`
 * takes one interface out of it, and `ens5 !*` keeps ens5 alone.
 */
#ifndef PA_NAMEFILTER_H
#define PA_NAMEFILTER_H

#include <stddef.h>

#define NAMEFILTER_MAX 16
#define NAMEFILTER_PATTERN_MAX 64

enum namefilter_verdict {
	NF_DEFAULT,     /* no pattern matched: the caller's rule decides */
	NF_INCLUDE,
	NF_EXCLUDE,
};

struct namefilter {
	int n;
	char patterns[NAMEFILTER_MAX][NAMEFILTER_PATTERN_MAX];   /* "!" kept in front */
};

/* Patterns separated by blanks or commas; "" clears. 0, or -EINVAL with why in err. */
int namefilter_parse(const char *text, struct namefilter *out, char *err, size_t errsz);

enum namefilter_verdict namefilter_match(const struct namefilter *f, const char *name);

#endif
