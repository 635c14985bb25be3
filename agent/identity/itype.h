/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * EC2 instance type names, parsed: "c6in.32xlarge" is class "c", generation
 * 6, processor 'i' (Intel), option letters "n", size "32xlarge".
 */
#ifndef PA_ITYPE_H
#define PA_ITYPE_H

#include <stdbool.h>
#include <stddef.h>

#define ITYPE_NAME_MAX 64

struct itype {
	char name[ITYPE_NAME_MAX];  /* "m7i-flex.large" */
	char family[ITYPE_NAME_MAX];/* everything before the dot: "m7i-flex" */
	char class_[16];            /* leading letters: "m", "trn", "mac", "u" */
	int generation;             /* 7; 0 when the name carries none */
	char processor;             /* 'a' AMD, 'g' Graviton, 'i' Intel, 0 unstated */
	char options[16];           /* option letters after the processor: "dn" */
	char variant[24];           /* after a dash: "6tb" (u-6tb1), "m2pro", "b200" */
	bool flex;                  /* "-flex" */
	char size[24];              /* "large", "32xlarge", "metal", "metal-24xl" */
	bool metal;                 /* bare metal size */
};

/*
 * Parses name. Returns 0, or -EINVAL with a message in err saying what part
 * of the name is not an instance type.
 */
int itype_parse(const char *name, struct itype *out, char *err, size_t errsz);

/* "AMD", "AWS Graviton", "Intel", or NULL for an unknown or absent letter. */
const char *itype_processor_name(char letter);

/* "local NVMe instance storage", ..., or NULL for a letter we do not know. */
const char *itype_option_meaning(char letter);

#endif
