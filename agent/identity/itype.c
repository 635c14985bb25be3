// SPDX-License-Identifier: GPL-2.0-only
/*
 * EC2 instance type names: "family.size", where the family is
 * class + generation + processor + options, then an optional "-suffix"
 * ("-flex", a variant such as "-m2pro", or u-*'s "-6tb1").
 *
 * The parser is strict on purpose: the name picks a tuning profile, so a
 * typo must be reported, not silently matched to the generic profile.
 */
#include "identity/itype.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"

#define SIZE_HINT "expected nano, micro, small, medium, large, xlarge, " \
		  "NNxlarge, metal or metal-NNxl"

/* The family, cut into its parts before they are copied into the struct. */
struct family_parts {
	const char *base;	/* "u7in" */
	size_t base_len;
	const char *suffix;	/* "16tb", or NULL without a dash */
	size_t suffix_len;
	size_t class_len;	/* "u" */
	size_t gen_len;		/* "7" */
};

/* Our own tests, not <ctype.h>: names are ASCII whatever the locale. */
static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static size_t span_lower(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_lower(s[i]))
		i++;
	return i;
}

static size_t span_digits(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_digit(s[i]))
		i++;
	return i;
}

/* Copies n bytes of s into a field of dstsz bytes; false if they do not fit. */
static bool copy_part(char *dst, size_t dstsz, const char *s, size_t n)
{
	if (n >= dstsz)
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

/*
 * Decimal number of 1 to 3 digits without a leading zero, as generations and
 * size multipliers are written; -1 for anything else.
 */
static int parse_number(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	if (n == 0 || n > 3 || s[0] == '0')
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static void to_lower_copy(char *dst, size_t dstsz, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < dstsz; i++)
		dst[i] = is_upper(s[i]) ? (char)(s[i] - 'A' + 'a') : s[i];
	dst[i] = '\0';
}

/* Reports the first byte that no instance type name contains. */
static int check_chars(const char *name, char *err, size_t errsz)
{
	char lower[ITYPE_NAME_MAX];
	bool upper = false;
	size_t i;

	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (is_lower(c) || is_digit(c) || c == '-' || c == '.')
			continue;
		if (is_upper(c)) {
			upper = true;
			continue;
		}
		/* Do not echo control bytes or spaces back inside quotes. */
		if (c == ' ')
			return util_err(err, errsz,
				    "instance type name has a space at offset %zu: use only a-z, 0-9, '-' and '.'",
				    i);
		if ((unsigned char)c < 0x21 || (unsigned char)c > 0x7e)
			return util_err(err, errsz,
				    "instance type name has byte 0x%02x at offset %zu: use only a-z, 0-9, '-' and '.'",
				    (unsigned char)c, i);
		return util_err(err, errsz,
			    "'%s' is not an instance type: '%c' is not allowed, use only a-z, 0-9, '-' and '.'",
			    name, c);
	}
	if (upper) {
		to_lower_copy(lower, sizeof(lower), name);
		return util_err(err, errsz,
			    "'%s' is not an instance type: use lowercase letters, as in %s",
			    name, lower);
	}
	return 0;
}

/* Whole-name checks: present, short enough, known bytes, one dot. */
static int check_name(const char *name, char *err, size_t errsz)
{
	const char *dot;
	size_t len;
	int ret;

	if (!name)
		return util_err(err, errsz, "no instance type name given");
	len = strnlen(name, ITYPE_NAME_MAX);
	if (len == 0)
		return util_err(err, errsz,
			    "empty instance type name: expected FAMILY.SIZE such as m5.large");
	if (len >= ITYPE_NAME_MAX)
		return util_err(err, errsz,
			    "instance type name is longer than %d characters",
			    ITYPE_NAME_MAX - 1);
	ret = check_chars(name, err, errsz);
	if (ret)
		return ret;

	dot = strchr(name, '.');
	if (!dot)
		return util_err(err, errsz,
			    "'%s' has no size: expected FAMILY.SIZE such as m5.large",
			    name);
	if (strchr(dot + 1, '.'))
		return util_err(err, errsz,
			    "'%s' has more than one '.': expected FAMILY.SIZE such as m5.large",
			    name);
	if (dot == name)
		return util_err(err, errsz,
			    "'%s' has no family: expected FAMILY.SIZE such as m5.large",
			    name);
	if (dot[1] == '\0')
		return util_err(err, errsz,
			    "'%s' has no size: expected FAMILY.SIZE such as m5.large",
			    name);
	return 0;
}

/* "NNxlarge" and "metal-NNxl": a multiplier of 2 to 999 before a tail. */
static bool size_has_multiplier(const char *size, const char *tail,
				bool *bad_number)
{
	size_t len = strlen(size), tail_len = strlen(tail);
	size_t n;

	if (len <= tail_len || strcmp(size + len - tail_len, tail) != 0)
		return false;
	n = len - tail_len;
	if (span_digits(size, n) != n)
		return false;
	*bad_number = parse_number(size, n) < 2;
	return true;
}

static int parse_size(struct itype *t, const char *size, char *err,
		      size_t errsz)
{
	static const char *const plain[] = {
		"nano", "micro", "small", "medium", "large", "xlarge",
	};
	bool bad_number = false;
	size_t i;

	if (!copy_part(t->size, sizeof(t->size), size, strlen(size)))
		return util_err(err, errsz, "size '%s' in '%s' is too long: " SIZE_HINT,
			    size, t->name);

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (strcmp(size, plain[i]) == 0)
			return 0;
	if (strcmp(size, "metal") == 0 ||
	    (strncmp(size, "metal-", 6) == 0 &&
	     size_has_multiplier(size + 6, "xl", &bad_number))) {
		t->metal = true;
	} else if (!size_has_multiplier(size, "xlarge", &bad_number)) {
		return util_err(err, errsz, "unknown size '%s' in '%s': " SIZE_HINT,
			    size, t->name);
	}
	if (bad_number)
		return util_err(err, errsz,
			    "size '%s' in '%s': NN must be 2 to 999 without a leading zero",
			    size, t->name);
	return 0;
}

/* Cuts the family at its dash and the base into class, generation, letters. */
static int split_family(const struct itype *t, struct family_parts *p,
			char *err, size_t errsz)
{
	const char *fam = t->family;
	const char *dash = strchr(fam, '-');
	size_t rest;

	p->base = fam;
	p->base_len = dash ? (size_t)(dash - fam) : strlen(fam);
	p->suffix = dash ? dash + 1 : NULL;
	p->suffix_len = dash ? strlen(dash + 1) : 0;

	if (p->base_len == 0)
		return util_err(err, errsz, "family '%s' in '%s' starts with '-'",
			    fam, t->name);
	if (dash && strchr(dash + 1, '-'))
		return util_err(err, errsz, "family '%s' in '%s' has more than one '-'",
			    fam, t->name);
	if (dash && p->suffix_len == 0)
		return util_err(err, errsz, "family '%s' in '%s' ends with '-'",
			    fam, t->name);

	p->class_len = span_lower(p->base, p->base_len);
	if (p->class_len == 0)
		return util_err(err, errsz,
			    "family '%s' in '%s' does not start with class letters, as in m5",
			    fam, t->name);
	p->gen_len = span_digits(p->base + p->class_len,
				 p->base_len - p->class_len);
	rest = p->base_len - p->class_len - p->gen_len;
	if (span_lower(p->base + p->class_len + p->gen_len, rest) != rest)
		return util_err(err, errsz,
			    "family '%s' in '%s' has digits after its option letters",
			    fam, t->name);
	return 0;
}

/* Class, generation, then the processor and option letters after it. */
static int parse_base(struct itype *t, const struct family_parts *p,
		      char *err, size_t errsz)
{
	const char *gen = p->base + p->class_len;
	const char *letters = gen + p->gen_len;
	size_t nletters = p->base_len - p->class_len - p->gen_len;

	if (!copy_part(t->class_, sizeof(t->class_), p->base, p->class_len))
		return util_err(err, errsz, "class in '%s' is too long", t->name);
	if (p->gen_len == 0)
		return 0;
	t->generation = parse_number(gen, p->gen_len);
	if (t->generation < 1)
		return util_err(err, errsz,
			    "generation '%.*s' in '%s' must be 1 to 999 without a leading zero",
			    (int)p->gen_len, gen, t->name);

	if (nletters && strchr("agi", letters[0])) {
		t->processor = letters[0];
		letters++;
		nletters--;
	}
	if (!copy_part(t->options, sizeof(t->options), letters, nletters))
		return util_err(err, errsz, "option letters in '%s' are too long",
			    t->name);
	return 0;
}

/* "u-6tb1": the generation follows the memory size, after the dash. */
static int parse_u_suffix(struct itype *t, const struct family_parts *p,
			  char *err, size_t errsz)
{
	size_t n = p->suffix_len;

	while (n > 0 && is_digit(p->suffix[n - 1]))
		n--;
	t->generation = parse_number(p->suffix + n, p->suffix_len - n);
	if (n == 0 || t->generation < 1)
		return util_err(err, errsz,
			    "family '%s' in '%s': expected u-NNtbG such as u-6tb1",
			    t->family, t->name);
	if (!copy_part(t->variant, sizeof(t->variant), p->suffix, n))
		return util_err(err, errsz, "variant in '%s' is too long", t->name);
	return 0;
}

static int parse_suffix(struct itype *t, const struct family_parts *p,
			char *err, size_t errsz)
{
	bool no_gen = p->gen_len == 0;

	/* Only u-* and mac-* spell their generation, if any, after the dash. */
	if (no_gen && strcmp(t->class_, "u") != 0 &&
	    strcmp(t->class_, "mac") != 0)
		return util_err(err, errsz,
			    "family '%s' in '%s' has no generation number, as in m5",
			    t->family, t->name);
	if (no_gen && (!p->suffix || strcmp(p->suffix, "flex") == 0))
		return util_err(err, errsz,
			    "family '%s' in '%s' has neither a generation nor a variant, as in %s",
			    t->family, t->name,
			    strcmp(t->class_, "u") == 0 ? "u-6tb1" : "mac-m4");
	if (no_gen && strcmp(t->class_, "u") == 0)
		return parse_u_suffix(t, p, err, errsz);

	if (!p->suffix)
		return 0;
	if (strcmp(p->suffix, "flex") == 0) {
		t->flex = true;
		return 0;
	}
	if (!copy_part(t->variant, sizeof(t->variant), p->suffix, p->suffix_len))
		return util_err(err, errsz, "variant in '%s' is too long", t->name);
	return 0;
}

static int parse_family(struct itype *t, char *err, size_t errsz)
{
	struct family_parts p = { 0 };
	int ret;

	ret = split_family(t, &p, err, errsz);
	if (ret)
		return ret;
	ret = parse_base(t, &p, err, errsz);
	if (ret)
		return ret;
	return parse_suffix(t, &p, err, errsz);
}

int itype_parse(const char *name, struct itype *out, char *err, size_t errsz)
{
	struct itype t = { 0 };
	const char *dot;
	int ret;

	if (err && errsz)
		err[0] = '\0';
	if (!out)
		return util_err(err, errsz, "nowhere to store the instance type");
	memset(out, 0, sizeof(*out));

	ret = check_name(name, err, errsz);
	if (ret)
		return ret;
	/* check_name() bounded the length and found exactly one dot. */
	dot = strchr(name, '.');
	strcpy(t.name, name);
	memcpy(t.family, name, (size_t)(dot - name));

	ret = parse_family(&t, err, errsz);
	if (ret)
		return ret;
	ret = parse_size(&t, dot + 1, err, errsz);
	if (ret)
		return ret;
	*out = t;
	return 0;
}

const char *itype_processor_name(char letter)
{
	switch (letter) {
	case 'a':
		return "AMD";
	case 'g':
		return "AWS Graviton";
	case 'i':
		return "Intel";
	default:
		return NULL;
	}
}

const char *itype_option_meaning(char letter)
{
	switch (letter) {
	case 'b':
		return "EBS-optimized (block storage performance)";
	case 'd':
		return "local NVMe instance storage";
	case 'e':
		return "extra memory or storage";
	case 'n':
		return "network optimized";
	case 'z':
		return "high frequency";
	case 'q':
		return "Qualcomm accelerators";
	default:
		return NULL;
	}
}
