// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: one formula value. What parses must resolve or say why on
 * every machine (unknown, tiny, usual, huge), stay within INT64_MAX, be a
 * power of two when pow2 says so, and format to text that parses back to
 * the same values.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tune/formula.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct machine_facts machines[] = {
	{ .mem_bytes = 0 },
	{ .mem_bytes = 1, .vcpus = 1, .queues = 1 },
	{ .mem_bytes = 512ULL << 20, .vcpus = 2, .queues = 1 },
	{ .mem_bytes = 768ULL << 30, .vcpus = 192, .queues = 32 },
	{ .mem_bytes = UINT64_MAX, .vcpus = UINT32_MAX, .queues = UINT32_MAX },
};

/* Resolves f on machine i; aborts when a result breaks the contract. */
static int resolve(const struct formula *f, size_t i, uint64_t *v)
{
	char why[256], err[256];
	int ret;

	err[0] = '\0';
	ret = formula_resolve(f, &machines[i], v, why, sizeof(why), err, sizeof(err));
	if (ret && (err[0] == '\0' || (ret != -EINVAL && ret != -ENODATA)))
		abort();
	if (!ret && (*v > INT64_MAX || (f->pow2 && (*v == 0 || (*v & (*v - 1))))))
		abort();
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[FORMULA_TEXT_MAX + 64], canon[FORMULA_TEXT_MAX], again[FORMULA_TEXT_MAX];
	char err[256];
	struct formula f, g;

	/* a bit longer than the limit, so that the length check is reached */
	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	formula_is_relative(text);
	err[0] = '\0';
	if (formula_parse(text, &f, err, sizeof(err))) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	formula_format(&f, canon, sizeof(canon));
	if (formula_parse(canon, &g, err, sizeof(err)))
		abort();
	formula_format(&g, again, sizeof(again));
	if (strcmp(canon, again))
		abort();
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
		uint64_t a = 0, b = 0;
		int ra = resolve(&f, i, &a), rb = resolve(&g, i, &b);

		if (ra != rb || a != b)
			abort();
	}
	return 0;
}
