// SPDX-License-Identifier: GPL-2.0-only
/* EMF dimensions: names, the sets metrics roll up by, values as CloudWatch takes them. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "emf/dimensions.h"
#include "core/suggest.h"
#include "core/util.h"

static const char *const dim_names[EMF_DIM_N] = {
	[EMF_DIM_INSTANCE_ID] = "InstanceId",
	[EMF_DIM_INSTANCE_TYPE] = "InstanceType",
	[EMF_DIM_IMAGE_ID] = "ImageId",
	[EMF_DIM_ASG] = "AutoScalingGroupName",
};

const char *emf_dim_name(enum emf_dim d)
{
	return (unsigned int)d < EMF_DIM_N ? dim_names[d] : "";
}

void emf_dimsets_default(struct emf_dimsets *s)
{
	/* Per instance, per group, per type: what the CloudWatch agent's docs roll up by. */
	*s = (struct emf_dimsets){ .n = 3, .sets = { 1u << EMF_DIM_INSTANCE_ID,
		1u << EMF_DIM_ASG, 1u << EMF_DIM_INSTANCE_TYPE } };
}

static int dim_lookup(const char *name, char *err, size_t errsz)
{
	const char *hint;

	for (int d = 0; d < EMF_DIM_N; d++)
		if (!strcmp(name, dim_names[d]))
			return d;
	hint = suggest_word(name, dim_names, EMF_DIM_N);
	snprintf(err, errsz, "unknown dimension '%.64s'%s%s%s", name,
		 hint ? ": did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
	return -EINVAL;
}

/* One set: names separated by ',', or "[]"; its bits in *bits. */
static int parse_set(char *text, unsigned int *bits, char *err, size_t errsz)
{
	char *tok, *save = NULL;

	*bits = 0;
	if (!strcmp(text, "[]"))
		return 0;
	for (tok = strtok_r(text, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		int d = dim_lookup(tok, err, errsz);

		if (d < 0)
			return d;
		if (*bits & 1u << d) {
			snprintf(err, errsz, "%s is named twice in one set", tok);
			return -EINVAL;
		}
		*bits |= 1u << d;
	}
	if (!*bits) {
		snprintf(err, errsz, "an empty set; write [] for the set without dimensions");
		return -EINVAL;
	}
	return 0;
}

static char *trim(char *s)
{
	char *end = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

int emf_dimsets_parse(const char *text, struct emf_dimsets *out, char *err, size_t errsz)
{
	struct emf_dimsets s = { 0 };
	char buf[512], *part, *save = NULL;

	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf)) {
		snprintf(err, errsz, "longer than %zu bytes", sizeof(buf) - 1);
		return -EINVAL;
	}
	for (part = strtok_r(buf, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
		unsigned int bits;

		part = trim(part);
		if (!*part)
			continue;
		if (parse_set(part, &bits, err, errsz))
			return -EINVAL;
		for (unsigned int i = 0; i < s.n; i++)
			if (s.sets[i] == bits) {
				snprintf(err, errsz, "a set is named twice");
				return -EINVAL;
			}
		if (s.n == EMF_DIMSETS_MAX) {
			snprintf(err, errsz, "more than %d sets", EMF_DIMSETS_MAX);
			return -EINVAL;
		}
		s.sets[s.n++] = bits;
	}
	/* No set at all would send metrics nobody can graph. */
	if (!s.n) {
		snprintf(err, errsz, "no dimension set");
		return -EINVAL;
	}
	*out = s;
	return 0;
}

void emf_dimsets_format(const struct emf_dimsets *s, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < s->n && off < size; i++) {
		bool first = true;

		off += snprintf(buf + off, size - off, "%s%s", i ? "; " : "", s->sets[i] ? "" : "[]");
		for (int d = 0; d < EMF_DIM_N && off < size; d++) {
			if (!(s->sets[i] & 1u << d))
				continue;
			off += snprintf(buf + off, size - off, "%s%s", first ? "" : ", ", dim_names[d]);
			first = false;
		}
	}
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, surrogates, > U+10FFFF); 0: invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

void emf_dim_value(const char *s, char *out, size_t size)
{
	static const char replacement[] = "\xef\xbf\xbd";     /* U+FFFD */
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, chars = 0;

	if (!size)
		return;
	while (*p && chars < EMF_DIM_CHARS_MAX) {
		size_t n = utf8_len(p);
		const char *src = (const char *)p;
		size_t len = n;

		/* Controls are valid UTF-8 but show as nothing in a console. */
		if (!n || *p < 0x20 || *p == 0x7f) {
			src = replacement;
			len = 3;
			n = n ? n : 1;
		}
		if (o + len >= size)
			break;
		memcpy(out + o, src, len);
		o += len;
		p += n;
		chars++;
	}
	out[o] = '\0';
}
