// SPDX-License-Identifier: GPL-2.0-only
/*
 * Formulas: tuning values relative to the machine. The grammar, the rule on
 * units and the order of the steps are in formula.h.
 *
 * Numbers stay as written (digits and decimal places) until they meet the
 * machine; each step is then one multiplication and one division in 128 bits,
 * which cannot overflow (a 63-bit number times a 64-bit fact), so rounding
 * happens once, downwards, and no double ever enters a result.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "tune/formula.h"

typedef unsigned __int128 u128;

#define SEP " \t\n\v\f\r"
#define INT64_MAX_STR "9223372036854775807"

/* K..T as written (short and long forms); unit n is 1024^n. */
static const char *const unit_short[] = { "", "K", "M", "G", "T" };
static const char *const unit_long[] = { "", "KiB", "MiB", "GiB", "TiB" };
#define UNITS_HINT "K, M, G, T, KiB, MiB, GiB or TiB (binary multiples, case-sensitive)"

static const struct {
	const char *name;       /* as written after "in" */
	uint64_t bytes;
} outs[] = {
	[FORMULA_OUT_B] = { "B", 1 },
	[FORMULA_OUT_KIB] = { "KiB", 1024 },
	[FORMULA_OUT_MIB] = { "MiB", 1024 * 1024 },
	[FORMULA_OUT_PAGES] = { "pages", 0 },	/* the machine's: formula_page_bytes() */
};
#define OUTS_HINT "B, KiB, MiB or pages (the kernel's page size)"
#define MODS_HINT "min, max, in or pow2 (lowercase)"
#define TERM_HINT "a value starts with one, as in 4096, 64K, 1.5G, 1%mem or 1024*vcpus"

static const uint64_t tens[FORMULA_DECIMALS + 1] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };

enum { SEEN_MIN = 1, SEEN_MAX = 2, SEEN_IN = 4, SEEN_POW2 = 8 };

struct parser {
	struct formula *f;
	char buf[FORMULA_TEXT_MAX];
	char *save;                     /* strtok_r's */
	const char *term_tok, *min_tok, *max_tok;
	unsigned int seen;
	char *err;
	size_t errsz;
};

/* A token as it may be echoed in a message (printable, 64 bytes at most). */
#define SHOW(tok, b) util_printable((tok), (b), sizeof(b))

static bool is_bytes(const struct formula *f)
{
	return f->term == FORMULA_BYTES || f->term == FORMULA_MEM;
}

static bool is_constant(const struct formula *f)
{
	return f->term == FORMULA_BYTES || f->term == FORMULA_COUNT;
}

static bool is_keyword(const char *s)
{
	return !strcmp(s, "min") || !strcmp(s, "max") || !strcmp(s, "in") || !strcmp(s, "pow2");
}

/* "K" or "KiB" -> 1 ... "T" or "TiB" -> 4; 0 for anything else. */
static unsigned int unit_of(const char *s, size_t len)
{
	for (unsigned int i = 1; i < ARRAY_SIZE(unit_short); i++)
		if ((strlen(unit_short[i]) == len && !strncmp(s, unit_short[i], len)) ||
		    (strlen(unit_long[i]) == len && !strncmp(s, unit_long[i], len)))
			return i;
	return 0;
}

static int out_of(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(outs); i++)
		if (!strcmp(s, outs[i].name))
			return (int)i;
	return -1;
}

/* n's value rounded down (digits x 1024^unit / 10^decimals); false above INT64_MAX. */
static bool num_value(const struct formula_num *n, uint64_t *out)
{
	u128 v = ((u128)n->digits << (10 * n->unit)) / tens[n->decimals];

	if (v > INT64_MAX)
		return false;
	*out = (uint64_t)v;
	return true;
}

/* "0.5", "1024", "1.5G": n as formula_format() writes it. */
static const char *num_str(const struct formula_num *n, char *buf, size_t size)
{
	uint64_t d = tens[n->decimals];

	if (n->decimals)
		snprintf(buf, size, "%" PRIu64 ".%0*" PRIu64 "%s", n->digits / d, (int)n->decimals,
			 n->digits % d, unit_short[n->unit]);
	else
		snprintf(buf, size, "%" PRIu64 "%s", n->digits, unit_short[n->unit]);
	return buf;
}

static const char *u128_str(u128 v, char *buf, size_t size)
{
	char tmp[48];
	size_t i = sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	snprintf(buf, size, "%s", tmp + i);
	return buf;
}

void formula_human_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char *const names[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int u = 0;
	uint64_t h, whole, frac;

	while (u + 1 < ARRAY_SIZE(names) && bytes >= (uint64_t)1 << (10 * (u + 1)))
		u++;
	if (u == 0) {
		snprintf(buf, size, "%" PRIu64 " B", bytes);
		return;
	}
	/* hundredths of the unit, rounded to nearest; 1023.999 KiB shows as 1 MiB */
	h = (uint64_t)(((u128)bytes * 100 + ((u128)1 << (10 * u - 1))) >> (10 * u));
	if (h >= 102400 && u + 1 < ARRAY_SIZE(names)) {
		u++;
		h = (uint64_t)(((u128)bytes * 100 + ((u128)1 << (10 * u - 1))) >> (10 * u));
	}
	whole = h / 100;
	frac = h % 100;
	if (frac == 0)
		snprintf(buf, size, "%" PRIu64 " %s", whole, names[u]);
	else if (frac % 10 == 0)
		snprintf(buf, size, "%" PRIu64 ".%" PRIu64 " %s", whole, frac / 10, names[u]);
	else
		snprintf(buf, size, "%" PRIu64 ".%02" PRIu64 " %s", whole, frac, names[u]);
}

/* ---- parsing ---- */

/*
 * The NUMBER at the start of tok into n (no unit yet); *rest points past it.
 * Trailing zeros after the point are dropped, so 1.50 and 1.5 are one number.
 */
static int parse_number(const char *tok, struct formula_num *n, const char **rest,
			const char *hint, char *err, size_t errsz)
{
	const char *p = tok;
	bool point = false;
	char b[72];

	memset(n, 0, sizeof(*n));
	if (*p == '-')
		return util_err(err, errsz, "negative number '%s': values are never negative", SHOW(tok, b));
	if (*p == '.' && isdigit((unsigned char)p[1]))
		return util_err(err, errsz, "'%s' needs a digit before the point: write 0%s", SHOW(tok, b),
			    b);
	if (!isdigit((unsigned char)*p))
		return util_err(err, errsz, "'%s' is not a number: %s", SHOW(tok, b), hint);
	for (;; p++) {
		if (*p == '.' && !point && isdigit((unsigned char)p[1])) {
			point = true;
			continue;
		}
		if (!isdigit((unsigned char)*p))
			break;
		/* zeros past the last place change nothing: 1.50000000 is 1.5 */
		if (point && n->decimals == FORMULA_DECIMALS && *p == '0')
			continue;
		if (point && n->decimals++ == FORMULA_DECIMALS)
			return util_err(err, errsz, "'%s' has more than %d decimals: round it to %d",
				    SHOW(tok, b), FORMULA_DECIMALS, FORMULA_DECIMALS);
		if (n->digits > ((uint64_t)INT64_MAX - (uint64_t)(*p - '0')) / 10)
			return util_err(err, errsz, "'%s' is too large: numbers go up to " INT64_MAX_STR,
				    SHOW(tok, b));
		n->digits = n->digits * 10 + (uint64_t)(*p - '0');
	}
	while (n->decimals && n->digits % 10 == 0) {
		n->digits /= 10;
		n->decimals--;
	}
	*rest = p;
	return 0;
}

/* What follows a number in tok when it is none of the known suffixes. */
static int bad_suffix(const char *tok, const char *rest, char *err, size_t errsz)
{
	char b[72], c[72];

	SHOW(tok, b);
	SHOW(rest, c);
	if (*rest == '%')
		return util_err(err, errsz, "unknown '%s' in '%s': the only share is %%mem (of the RAM), "
			    "as in 1%%mem", c, b);
	if (*rest == '*')
		return util_err(err, errsz, "unknown '%s' in '%s': expected *vcpus or *queues, as in "
			    "1024*vcpus", c, b);
	if (isalpha((unsigned char)*rest))
		return util_err(err, errsz, "unknown unit '%s' in '%s': expected " UNITS_HINT, c, b);
	return util_err(err, errsz, "'%s' is not a number: '%s' follows its digits; write a number "
		    "(4096, 1.5), maybe with a unit (64K), %%mem, *vcpus or *queues", b, c);
}

static int parse_term(struct parser *p, const char *tok)
{
	struct formula *f = p->f;
	const char *rest;
	char b[72];
	int ret;

	if (*tok == '*' || *tok == '%')
		return util_err(p->err, p->errsz, "'%s' needs its number joined to it, as in 1024*vcpus "
			    "or 1%%mem", SHOW(tok, b));
	ret = parse_number(tok, &f->num, &rest, TERM_HINT, p->err, p->errsz);
	if (ret)
		return ret;
	if (!*rest) {
		f->term = FORMULA_COUNT;
		f->base = f->num.digits;
		if (f->num.decimals)
			return util_err(p->err, p->errsz, "'%s' has no unit, so it is a count and must be "
				    "whole: write %" PRIu64 ", or give it a unit (1.5G)", SHOW(tok, b),
				    f->num.digits / tens[f->num.decimals]);
	} else if (!strcmp(rest, "%mem")) {
		f->term = FORMULA_MEM;
		if (f->num.digits > 100 * tens[f->num.decimals])
			return util_err(p->err, p->errsz, "'%s' is more than all of the memory: a share "
				    "goes from 0 to 100, as in 5%%mem", SHOW(tok, b));
	} else if (!strcmp(rest, "*vcpus")) {
		f->term = FORMULA_VCPUS;
	} else if (!strcmp(rest, "*queues")) {
		f->term = FORMULA_QUEUES;
	} else if ((f->num.unit = unit_of(rest, strlen(rest)))) {
		f->term = FORMULA_BYTES;
		if (!num_value(&f->num, &f->base))
			return util_err(p->err, p->errsz, "'%s' is too large: more than " INT64_MAX_STR
				    " bytes", SHOW(tok, b));
	} else {
		return bad_suffix(tok, rest, p->err, p->errsz);
	}
	return 0;
}

/* "min ARG" or "max ARG": a quantity in the term's kind, bytes or count. */
static int parse_bound(struct parser *p, const char *kw, const char *arg, struct formula_num *n,
		       uint64_t *v)
{
	bool bytes = is_bytes(p->f);
	const char *rest, *what = kw[1] == 'i' ? "floor" : "cap";
	char b[72], t[72], hint[96];
	int ret;

	if (!arg || is_keyword(arg))
		return util_err(p->err, p->errsz, "'%s' needs a quantity after it, as in %s %s", kw, kw,
			    bytes ? "1G" : "65536");
	snprintf(hint, sizeof(hint), "%s takes a quantity such as %s", kw,
		 bytes ? "65536 (bytes) or 64M" : "65536");
	ret = parse_number(arg, n, &rest, hint, p->err, p->errsz);
	if (ret)
		return ret;
	SHOW(arg, b);
	SHOW(p->term_tok, t);
	if (!strcmp(rest, "%mem") || !strcmp(rest, "*vcpus") || !strcmp(rest, "*queues"))
		return util_err(p->err, p->errsz, "'%s %s': the %s is a fixed quantity (%s), not a share "
			    "or a multiple", kw, b, what, bytes ? "64M, 1G" : "65536");
	if (*rest && !(n->unit = unit_of(rest, strlen(rest))))
		return bad_suffix(arg, rest, p->err, p->errsz);
	if (n->unit && !bytes)
		return util_err(p->err, p->errsz, "'%s %s' is bytes but '%s' is a count: write the %s "
			    "as a plain number, as in %s 65536", kw, b, t, what, kw);
	if (!n->unit && n->decimals)
		return util_err(p->err, p->errsz, "'%s %s': a number without a unit must be whole; write "
			    "%s %" PRIu64 ", or give it a unit (1.5G)", kw, b, kw,
			    n->digits / tens[n->decimals]);
	if (!num_value(n, v))
		return util_err(p->err, p->errsz, "'%s %s' is too large: more than " INT64_MAX_STR, kw, b);
	return 0;
}

static int parse_in(struct parser *p, const char *arg)
{
	char b[72], t[72];
	int out;

	if (!arg || is_keyword(arg))
		return util_err(p->err, p->errsz, "'in' needs the knob's unit after it: " OUTS_HINT);
	SHOW(arg, b);
	if (!is_bytes(p->f))
		return util_err(p->err, p->errsz, "'in %s' converts bytes, but '%s' is a count: remove "
			    "'in %s', or give the number a unit (4K) if it is bytes", b,
			    SHOW(p->term_tok, t), b);
	out = out_of(arg);
	if (out < 0)
		return util_err(p->err, p->errsz, "unknown unit in 'in %s': expected " OUTS_HINT, b);
	p->f->out = (enum formula_out)out;
	return 0;
}

/* A word that is no modifier: say what it probably is. */
static int bad_word(struct parser *p, const char *tok)
{
	char b[72], t[72];

	SHOW(tok, b);
	SHOW(p->term_tok, t);
	if (*tok == '*' || *tok == '%')
		return util_err(p->err, p->errsz, "'%s' must be joined to its number, without a space, "
			    "as in 1024*vcpus or 1%%mem", b);
	if (out_of(tok) >= 0)
		return util_err(p->err, p->errsz, "'%s' stands alone: write 'in %s' for the knob's unit, "
			    "or join a unit to its number (64K)", b, b);
	if (unit_of(tok, strlen(tok)))
		return util_err(p->err, p->errsz, "'%s' stands alone: join it to its number, without a "
			    "space, as in 64%s", b, b);
	if (isdigit((unsigned char)*tok) || *tok == '-' || *tok == '.')
		return util_err(p->err, p->errsz, "unexpected second value '%s' after '%s': a formula "
			    "is one value, then " MODS_HINT, b, t);
	return util_err(p->err, p->errsz, "unknown word '%s' after '%s': expected " MODS_HINT, b, t);
}

static int parse_modifier(struct parser *p, const char *tok)
{
	struct formula *f = p->f;
	unsigned int bit;

	if (!strcmp(tok, "min"))
		bit = SEEN_MIN;
	else if (!strcmp(tok, "max"))
		bit = SEEN_MAX;
	else if (!strcmp(tok, "in"))
		bit = SEEN_IN;
	else if (!strcmp(tok, "pow2"))
		bit = SEEN_POW2;
	else
		return bad_word(p, tok);
	if (p->seen & bit)
		return util_err(p->err, p->errsz, "'%s' is given twice: keep one (each modifier at most "
			    "once)", tok);
	p->seen |= bit;
	switch (bit) {
	case SEEN_MIN:
		p->min_tok = strtok_r(NULL, SEP, &p->save);
		f->has_min = true;
		return parse_bound(p, tok, p->min_tok, &f->min_num, &f->min);
	case SEEN_MAX:
		p->max_tok = strtok_r(NULL, SEP, &p->save);
		f->has_max = true;
		return parse_bound(p, tok, p->max_tok, &f->max_num, &f->max);
	case SEEN_IN:
		return parse_in(p, strtok_r(NULL, SEP, &p->save));
	default:
		f->pow2 = true;
		return 0;
	}
}

/* " KiB", " bytes" after a number in the output unit; "" for counts. */
static const char *unit_sp(const struct formula *f)
{
	static const char *const sp[] = {
		[FORMULA_OUT_B] = " bytes", [FORMULA_OUT_KIB] = " KiB",
		[FORMULA_OUT_MIB] = " MiB", [FORMULA_OUT_PAGES] = " pages",
	};

	return is_bytes(f) ? sp[f->out] : "";
}

unsigned int formula_page_bytes(const struct machine_facts *m)
{
	return m && m->page_size ? m->page_size : FORMULA_PAGE_ASSUMED;
}

/* v in the output unit on m: bytes are converted (rounding down), counts are not. */
static uint64_t to_out(const struct formula *f, const struct machine_facts *m, uint64_t v)
{
	if (!is_bytes(f))
		return v;
	return v / (f->out == FORMULA_OUT_PAGES ? formula_page_bytes(m) : outs[f->out].bytes);
}

static uint64_t clamp(const struct formula *f, uint64_t v)
{
	if (f->has_min && v < f->min)
		v = f->min;
	if (f->has_max && v > f->max)
		v = f->max;
	return v;
}

/* Checks that need the whole formula: the bounds' order, and pow2 of a value that is always 0. */
static int check_formula(struct parser *p)
{
	const struct formula *f = p->f;
	const char *unit = unit_sp(f);
	char b[72], c[72];

	if (f->has_min && f->has_max && f->max < f->min)
		return util_err(p->err, p->errsz, "'max %s' is below 'min %s': the cap must be at least "
			    "the floor", SHOW(p->max_tok, b), SHOW(p->min_tok, c));
	if (!f->pow2)
		return 0;
	if (f->has_max && to_out(f, NULL, f->max) == 0)
		return util_err(p->err, p->errsz, "'pow2' of 0: 'max %s' caps the value at 0%s, and a "
			    "power of two is at least 1; raise the cap", SHOW(p->max_tok, b), unit);
	/* a relative term other than 0 depends on the machine: formula_resolve() checks it */
	if (!is_constant(f) && f->num.digits)
		return 0;
	if (to_out(f, NULL, clamp(f, is_constant(f) ? f->base : 0)) == 0)
		return util_err(p->err, p->errsz, "'pow2' of 0: '%s' always comes to 0%s, and a power "
			    "of two is at least 1; add a floor (min %s) or remove pow2",
			    SHOW(p->term_tok, b), unit, is_bytes(f) ? "1M" : "1");
	return 0;
}

int formula_parse(const char *text, struct formula *out, char *err, size_t errsz)
{
	struct parser p = { .f = out, .err = err, .errsz = errsz };
	size_t len = text ? strnlen(text, FORMULA_TEXT_MAX) : 0;
	const char *tok;
	int ret;

	memset(out, 0, sizeof(*out));
	if (len >= FORMULA_TEXT_MAX)
		return util_err(err, errsz, "formula longer than %d bytes", FORMULA_TEXT_MAX - 1);
	if (len)
		memcpy(p.buf, text, len);
	p.buf[len] = '\0';
	p.term_tok = tok = strtok_r(p.buf, SEP, &p.save);
	if (!tok)
		return util_err(err, errsz, "empty value: write a number or a formula, as in 4096, 256M "
			    "or 1%%mem max 1G in KiB");
	ret = parse_term(&p, tok);
	while (!ret && (tok = strtok_r(NULL, SEP, &p.save)))
		ret = parse_modifier(&p, tok);
	if (!ret)
		ret = check_formula(&p);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

/*
 * Whether one token marks a formula: 1%mem, 1024*vcpus, 4096*queues, 64K;
 * after a number, also "*vcpus" cut from it ("1024 *vcpus", an error to show).
 */
static bool token_is_formula(const char *tok, size_t len, bool number_first)
{
	static const char *const ends[] = { "%mem", "*vcpus", "*queues" };
	struct formula_num n;
	const char *rest;
	char buf[64];

	for (size_t k = 0; k < ARRAY_SIZE(ends); k++) {
		size_t m = strlen(ends[k]);

		/* not in "|/bin/x %mem" (a core_pattern) */
		if (len >= m && !strncmp(tok + len - m, ends[k], m) &&
		    (isdigit((unsigned char)*tok) || *tok == '.' || *tok == '-' ||
		     (len == m && number_first)))
			return true;
	}
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	return !parse_number(buf, &n, &rest, "", NULL, 0) && unit_of(rest, strlen(rest));
}

bool formula_is_relative(const char *text)
{
	const char *s, *e;
	bool number_first;

	if (!text)
		return false;
	s = text + strspn(text, SEP);
	number_first = isdigit((unsigned char)*s);
	for (; *s; s = e + strspn(e, SEP)) {
		size_t len = strcspn(s, SEP);
		char w[8];

		e = s + len;
		if (token_is_formula(s, len, number_first))
			return true;
		if (number_first && len < sizeof(w)) {
			memcpy(w, s, len);
			w[len] = '\0';
			if (is_keyword(w))
				return true;
		}
	}
	return false;
}

/* ---- resolving ---- */

/* One line of explanation, cut at its buffer's end. */
struct line {
	char *buf;
	size_t size, off;
};

__attribute__((format(printf, 2, 3)))
static void add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!l->buf || l->off + 1 >= l->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->off, l->size - l->off, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->off = l->off + (size_t)n < l->size ? l->off + (size_t)n : l->size - 1;
}

/* The term as formula_format() writes it ("1%mem", "4096*queues", "1.5G"). */
static const char *term_str(const struct formula *f, char *buf, size_t size)
{
	static const char *const suffix[] = {
		[FORMULA_BYTES] = "", [FORMULA_COUNT] = "", [FORMULA_MEM] = "%mem",
		[FORMULA_VCPUS] = "*vcpus", [FORMULA_QUEUES] = "*queues",
	};
	char n[48];

	snprintf(buf, size, "%s%s", num_str(&f->num, n, sizeof(n)), suffix[f->term]);
	return buf;
}

static int need_facts(const struct formula *f, const struct machine_facts *m, char *err,
		      size_t errsz)
{
	const char *what = NULL;
	char t[64];

	if (f->term == FORMULA_MEM && !m->mem_bytes)
		what = "the size of the memory";
	else if (f->term == FORMULA_VCPUS && !m->vcpus)
		what = "the number of vCPUs";
	else if (f->term == FORMULA_QUEUES && !m->queues)
		what = "the number of queues of the interface";
	if (!what)
		return 0;
	if (err && errsz)
		snprintf(err, errsz, "'%s' needs %s, which is unknown here",
			 term_str(f, t, sizeof(t)), what);
	return -ENODATA;
}

static u128 term_value(const struct formula *f, const struct machine_facts *m)
{
	u128 d = tens[f->num.decimals];

	switch (f->term) {
	case FORMULA_MEM:
		return (u128)m->mem_bytes * f->num.digits / (100 * d);
	case FORMULA_VCPUS:
		return (u128)m->vcpus * f->num.digits / d;
	case FORMULA_QUEUES:
		return (u128)m->queues * f->num.digits / d;
	default:
		return f->base;
	}
}

/* A bound or a value before conversion: "1 GiB" for bytes, "65536" for counts. */
static const char *qty_str(const struct formula *f, u128 v, char *buf, size_t size)
{
	if (is_bytes(f) && v <= UINT64_MAX)
		formula_human_bytes((uint64_t)v, buf, size);
	else
		u128_str(v, buf, size);
	return buf;
}

static void why_term(const struct formula *f, const struct machine_facts *m, u128 v,
		     struct line *l)
{
	char n[48], a[48], b[48];

	num_str(&f->num, n, sizeof(n));
	switch (f->term) {
	case FORMULA_MEM:
		formula_human_bytes(m->mem_bytes, a, sizeof(a));
		add(l, "%s%% of %s RAM = %s", n, a, qty_str(f, v, b, sizeof(b)));
		break;
	case FORMULA_VCPUS:
		add(l, "%s x %u vCPU%s = %s", n, m->vcpus, m->vcpus == 1 ? "" : "s",
		    u128_str(v, b, sizeof(b)));
		break;
	case FORMULA_QUEUES:
		add(l, "%s x %u queue%s = %s", n, m->queues, m->queues == 1 ? "" : "s",
		    u128_str(v, b, sizeof(b)));
		break;
	default:
		add(l, "%s", qty_str(f, v, b, sizeof(b)));
		break;
	}
}

int formula_resolve(const struct formula *f, const struct machine_facts *m, uint64_t *value,
		    char *why, size_t whysz, char *err, size_t errsz)
{
	static const struct machine_facts unknown;
	struct line l = { why, whysz, 0 };
	const char *unit = unit_sp(f);
	char a[48], t[64];
	uint64_t v, p;
	u128 w;
	int ret;

	if (why && whysz)
		why[0] = '\0';
	if (!m)
		m = &unknown;
	ret = need_facts(f, m, err, errsz);
	if (ret)
		return ret;
	w = term_value(f, m);
	why_term(f, m, w, &l);
	if (f->has_min && w < f->min) {
		w = f->min;
		add(&l, ", raised to the floor of %s", qty_str(f, w, a, sizeof(a)));
	}
	if (f->has_max && w > f->max) {
		w = f->max;
		add(&l, ", capped at %s", qty_str(f, w, a, sizeof(a)));
	}
	if (w > INT64_MAX)
		return util_err(err, errsz, "'%s' comes to %s here, more than " INT64_MAX_STR ": add a "
			    "cap, as in max %s", term_str(f, t, sizeof(t)), u128_str(w, a, sizeof(a)),
			    is_bytes(f) ? "1G" : "65536");
	v = to_out(f, m, (uint64_t)w);
	if (is_bytes(f))
		add(&l, " = %" PRIu64 "%s", v, unit);
	if (is_bytes(f) && f->out == FORMULA_OUT_PAGES)
		add(&l, " of %u KiB%s", formula_page_bytes(m) / 1024,
		    m->page_size ? "" : " (assumed: the host's kernel decides)");
	if (f->pow2) {
		if (!v)
			return util_err(err, errsz, "'pow2' of 0: '%s' comes to 0%s here, and a power of "
				    "two is at least 1; add a floor (min %s)",
				    term_str(f, t, sizeof(t)), unit, is_bytes(f) ? "1M" : "1");
		p = (uint64_t)1 << (63 - __builtin_clzll(v));
		if (p != v)
			add(&l, ", rounded down to a power of two = %" PRIu64 "%s", p, unit);
		else
			add(&l, ", a power of two");
		v = p;
	}
	*value = v;
	return 0;
}

void formula_format(const struct formula *f, char *buf, size_t size)
{
	struct line l = { buf, size, 0 };
	char n[64];

	if (!buf || !size)
		return;
	buf[0] = '\0';
	add(&l, "%s", term_str(f, n, sizeof(n)));
	if (f->has_min)
		add(&l, " min %s", num_str(&f->min_num, n, sizeof(n)));
	if (f->has_max)
		add(&l, " max %s", num_str(&f->max_num, n, sizeof(n)));
	if (is_bytes(f) && f->out != FORMULA_OUT_B)
		add(&l, " in %s", outs[f->out].name);
	if (f->pow2)
		add(&l, " pow2");
}
