/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tuning values written relative to the machine ("1%mem max 1G in KiB"):
 * parsed when a profile is loaded, resolved later against the host's facts.
 *
 *   formula  := term { modifier }            whitespace-separated tokens
 *   term     := NUMBER UNIT                  bytes: 64K, 1G, 1.5G, 2MiB
 *             | NUMBER "%mem"                bytes: share of RAM, 0..100
 *             | NUMBER "*vcpus"              count: NUMBER x vCPUs
 *             | NUMBER "*queues"             count: NUMBER x NIC queues
 *             | NUMBER                       count: a plain whole number
 *   modifier := "min" QUANTITY               floor
 *             | "max" QUANTITY               cap
 *             | "in" B|KiB|MiB|pages         the knob's unit (bytes terms only;
 *                                            pages are the kernel's, 4 KiB
 *                                            when no host is known); default B
 *             | "pow2"                       round down to a power of two
 *   QUANTITY := NUMBER [UNIT]
 *   UNIT     := K M G T KiB MiB GiB TiB      binary, case-sensitive
 *   NUMBER   := digits [ "." digits ]        up to 6 places (more zeros are
 *                                            ignored); no sign, no exponent
 *
 * Units do not mix. A bytes term takes byte quantities as min and max (a
 * number without a unit is bytes there) and may name its output unit; a
 * count term takes plain whole numbers as min and max and has no "in". A
 * plain number (no unit, %mem, *vcpus or *queues) is whole. Each modifier
 * appears at most once, in any order; they apply in one fixed order: term,
 * min, max, conversion to the output unit (rounding down), pow2. pow2 rounds
 * down, so with a min that is not a power of two the result can fall below it.
 *
 * Arithmetic is exact: numbers are kept as written (digits and decimal
 * places) and every step is an integer multiplication and one division
 * rounding down, so 1%mem of 8 GiB is 85899345 bytes. Every quantity and
 * every result fits in an int64_t, or it is an error.
 */
#ifndef PA_FORMULA_H
#define PA_FORMULA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FORMULA_TEXT_MAX 256    /* longest text formula_parse() accepts, NUL included */
#define FORMULA_DECIMALS 6      /* decimal places a NUMBER may have */
#define FORMULA_HUMAN_MAX 24    /* room for formula_human_bytes() */

/* What the host is; 0 means unknown. */
struct machine_facts {
	uint64_t mem_bytes;
	unsigned int vcpus;
	unsigned int queues;    /* NIC queues (channels) of the one interface the value is for */
	unsigned int interfaces;/* ENA interfaces (network cards when off-instance); no
				 * formula term uses it: ring budgets do (profile_compose.c) */
	unsigned int page_size; /* the kernel's, bytes ("in pages"); 0: not known, 4 KiB
				 * assumed (profiles explain TYPE has no host) */
	bool off_host;          /* profiles explain TYPE: the size table's, not a host's:
				 * a fact it lacks, the host itself has */
};

enum formula_term {
	FORMULA_BYTES,          /* NUMBER UNIT */
	FORMULA_COUNT,          /* NUMBER */
	FORMULA_MEM,            /* NUMBER%mem */
	FORMULA_VCPUS,          /* NUMBER*vcpus */
	FORMULA_QUEUES,         /* NUMBER*queues */
};

enum formula_out {
	FORMULA_OUT_B,
	FORMULA_OUT_KIB,
	FORMULA_OUT_MIB,
	FORMULA_OUT_PAGES,      /* 4 KiB */
};

/* A number as written: digits / 10^decimals, times its unit (0 = none, else 1024^unit). */
struct formula_num {
	uint64_t digits;
	unsigned int decimals;
	unsigned int unit;
};

/* A parsed formula; plain data, safe to copy. */
struct formula {
	enum formula_term term;
	struct formula_num num;         /* the term's number (quantity, percent or factor) */
	uint64_t base;                  /* BYTES and COUNT: the term's value */
	bool has_min, has_max, pow2;
	struct formula_num min_num, max_num;
	uint64_t min, max;              /* in bytes (bytes terms) or as counts */
	enum formula_out out;
};

/*
 * Whether a profile value is meant as a formula: a token ending in %mem,
 * *vcpus or *queues, a number with a unit (64K, 1.5G), or a number followed
 * by min, max, in or pow2. Plain values ("4096", "4096 131072 16777216",
 * "madvise", "max", "00000000,000000ff", a core_pattern with %p) are not, so
 * they keep their meaning.
 */
bool formula_is_relative(const char *text);

/*
 * Parses text into out. Returns 0, or -EINVAL with err saying what is wrong,
 * naming the token, and how to write it (no file or line: the caller adds
 * them). Any bytes are safe to pass.
 */
int formula_parse(const char *text, struct formula *out, char *err, size_t errsz);

/*
 * The value of f on machine m, in the formula's output unit. why (may be
 * NULL) receives one line on how it came about: "1% of 768 GiB RAM =
 * 7.68 GiB, capped at 1 GiB = 1048576 KiB". Returns 0; -ENODATA when m lacks
 * a fact f needs ("needs the number of vCPUs, which is unknown here");
 * -EINVAL when the result exceeds INT64_MAX or pow2 meets 0.
 */
int formula_resolve(const struct formula *f, const struct machine_facts *m, uint64_t *value,
		    char *why, size_t whysz, char *err, size_t errsz);

/* A page of m's kernel in bytes: its page_size, else FORMULA_PAGE_ASSUMED. */
#define FORMULA_PAGE_ASSUMED 4096
unsigned int formula_page_bytes(const struct machine_facts *m);

/* The canonical text of f ("2%mem min 64M max 1G in KiB"); it parses back to f. */
void formula_format(const struct formula *f, char *buf, size_t size);

/* bytes for people: "512 B", "64 KiB", "7.68 GiB" (two decimals at most, rounded). */
void formula_human_bytes(uint64_t bytes, char *buf, size_t size);

#endif
