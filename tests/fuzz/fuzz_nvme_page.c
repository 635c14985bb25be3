// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: one NVMe statistics log page (storage/nvme_page.h). The
 * parser may not read past the buffer; a page it accepts goes twice through
 * a device's deltas (after a baseline of the same page with its counters
 * halved, so both a delta and a restart are reached), then the verdict and
 * the status JSON: every metric must be finite, every exceeded share within
 * 0-100%, and a histogram never longer than 64 bins.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storage/nvme_stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct metric_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct metric_entity *e = &set->entities[i];

		for (size_t j = 0; j < e->n; j++) {
			const struct metric *m = &e->metrics[j];

			if (!isfinite(m->value) || m->value < 0)
				abort();
			if (m->unit == UNIT_PERCENT && m->value > 100)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);  /* exactly size bytes: ASan sees any overread */
	struct nvme_vol *vol = calloc(1, sizeof(*vol));
	struct nvme_page page, half;
	struct nvme_state st = { .window_s = NVME_WINDOW_S, .n = 1, .cap = 1 };
	struct metric_set set;
	struct json_object *o;
	const char *limit;
	char err[256], verdict[512];

	if (!copy || !vol)
		goto out;
	if (size)
		memcpy(copy, data, size);
	if (nvme_page_parse(copy, size, &page, err, sizeof(err)))
		goto out;
	if (page.hist[0].n > NVME_HIST_BINS_MAX || page.hist[1].n > NVME_HIST_BINS_MAX)
		abort();
	half = page;
	for (int i = 0; i < NVME_N_COUNTERS; i++)
		half.counter[i] /= 2;
	metric_set_init(&set, 0, 60);
	nvme_vol_update(vol, &half, 1000, metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "d"));
	nvme_vol_update(vol, &page, 61000, metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "d"));
	nvme_vol_update(vol, &half, 62000, metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "e"));
	check(&set);
	metric_set_free(&set);
	nvme_verdict(vol, 62000, NVME_WINDOW_S, &limit, verdict, sizeof(verdict));
	st.vols = vol;
	o = nvme_status_json(&st, 62000);
	json_object_put(o);
out:
	free(vol);
	free(copy);
	return 0;
}
