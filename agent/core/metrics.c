// SPDX-License-Identifier: GPL-2.0-only
/* One collection interval's metrics, by entity. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/metrics.h"

void metric_set_init(struct metric_set *set, uint64_t timestamp_ms, unsigned int interval_s)
{
	memset(set, 0, sizeof(*set));
	set->timestamp_ms = timestamp_ms;
	set->interval_s = interval_s;
}

/* An entity's metrics and their distributions. */
static void entity_free(struct metric_entity *e)
{
	for (size_t j = 0; j < e->n; j++)
		free(e->metrics[j].dist);
	free(e->metrics);
}

void metric_set_free(struct metric_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		entity_free(&set->entities[i]);
	free(set->entities);
	memset(set, 0, sizeof(*set));
}

struct metric_entity *metric_set_entity(struct metric_set *set, enum metric_entity_kind kind,
					const char *name)
{
	struct metric_entity *e;

	for (size_t i = 0; i < set->n; i++) {
		e = &set->entities[i];
		if (e->kind == kind && strcmp(e->name, name) == 0)
			return e;
	}
	e = array_grow(set->entities, &set->cap, set->n + 1, sizeof(*e), 8);
	if (!e)
		return NULL;
	set->entities = e;
	e = &set->entities[set->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	snprintf(e->name, sizeof(e->name), "%s", name);
	return e;
}

void metric_set_keep(struct metric_set *set,
		     bool (*keep)(void *ctx, const struct metric_entity *e), void *ctx)
{
	size_t k = 0;

	for (size_t i = 0; i < set->n; i++) {
		if (!keep(ctx, &set->entities[i])) {
			entity_free(&set->entities[i]);
			continue;
		}
		set->entities[k++] = set->entities[i];
	}
	set->n = k;
}

int metric_add(struct metric_entity *e, const char *name, enum metric_unit unit, double value)
{
	struct metric *m = array_grow(e->metrics, &e->cap, e->n + 1, sizeof(*m), 8);

	if (!m)
		return -ENOMEM;
	e->metrics = m;
	m = &e->metrics[e->n++];
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->unit = unit;
	m->value = value;
	m->dist = NULL;
	return 0;
}

int metric_add_dist(struct metric_entity *e, const char *name, enum metric_unit unit,
		    const struct metric_dist *d)
{
	struct metric_dist *copy = malloc(sizeof(*copy));

	if (!copy || metric_add(e, name, unit, d->count ? d->sum / d->count : NAN)) {
		free(copy);
		return -ENOMEM;
	}
	*copy = *d;
	e->metrics[e->n - 1].dist = copy;
	return 0;
}

bool metric_find(const struct metric_entity *e, const char *name, double *value)
{
	for (size_t i = 0; i < e->n; i++) {
		if (strcmp(e->metrics[i].name, name) == 0) {
			*value = e->metrics[i].value;
			return true;
		}
	}
	return false;
}

const char *metric_unit_name(enum metric_unit unit)
{
	static const char *const names[] = {
		[UNIT_NONE] = "None",
		[UNIT_COUNT] = "Count",
		[UNIT_COUNT_PER_SECOND] = "Count/Second",
		[UNIT_PERCENT] = "Percent",
		[UNIT_SECONDS] = "Seconds",
		[UNIT_MILLISECONDS] = "Milliseconds",
		[UNIT_MICROSECONDS] = "Microseconds",
		[UNIT_BYTES] = "Bytes",
		[UNIT_BYTES_PER_SECOND] = "Bytes/Second",
	};

	return unit < sizeof(names) / sizeof(names[0]) ? names[unit] : "None";
}
