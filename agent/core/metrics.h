/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One collection interval's metrics, by entity: the instance, each network
 * interface, each block device. Collectors add to it; the EMF encoder and
 * `perfagent metrics` read it. Every metric is documented in the README's
 * metric catalogue.
 */
#ifndef PA_METRICS_H
#define PA_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define METRIC_NAME_MAX 64
#define METRIC_ENTITY_NAME_MAX 64
/* Values per distribution: the EMF specification's limit per metric and document. */
#define METRIC_DIST_MAX 100

/* Units from the CloudWatch list (EMF "Unit"). */
enum metric_unit {
	UNIT_NONE,
	UNIT_COUNT,
	UNIT_COUNT_PER_SECOND,
	UNIT_PERCENT,
	UNIT_SECONDS,
	UNIT_MILLISECONDS,
	UNIT_MICROSECONDS,
	UNIT_BYTES,
	UNIT_BYTES_PER_SECOND,
};

enum metric_entity_kind {
	ENTITY_INSTANCE,        /* dimensions: InstanceId, InstanceType */
	ENTITY_INTERFACE,       /* + Interface */
	ENTITY_BLOCK_DEVICE,    /* + Device (and VolumeId when known) */
};

/*
 * A distribution: representative values, each with how many samples it
 * stands for, so that CloudWatch can take percentiles over any period and
 * roll-up of instances (per-instance percentiles cannot be combined). Also the
 * statistic set, exact where the source is (count, sum, max).
 */
struct metric_dist {
	size_t n;                           /* 1..METRIC_DIST_MAX */
	double values[METRIC_DIST_MAX];     /* ascending, distinct */
	double counts[METRIC_DIST_MAX];     /* > 0 */
	double count, sum, min, max;
};

struct metric {
	char name[METRIC_NAME_MAX];   /* "RunqLatencyP99" */
	enum metric_unit unit;
	double value;                 /* may be non-finite: the encoder drops those */
	struct metric_dist *dist;     /* NULL: a single value; else value is the mean */
};

struct metric_entity {
	enum metric_entity_kind kind;
	char name[METRIC_ENTITY_NAME_MAX];      /* interface or device; "" for the instance */
	char volume_id[32];                     /* block devices: EBS volume id or "" */
	size_t n, cap;
	struct metric *metrics;
};

struct metric_set {
	uint64_t timestamp_ms;          /* wall clock at the end of the interval */
	unsigned int interval_s;
	size_t n, cap;
	struct metric_entity *entities;
};

void metric_set_init(struct metric_set *set, uint64_t timestamp_ms, unsigned int interval_s);
void metric_set_free(struct metric_set *set);

/* The entity of that kind and name, added when new; NULL when out of memory. */
struct metric_entity *metric_set_entity(struct metric_set *set, enum metric_entity_kind kind,
					const char *name);

/* Keeps the entities keep() says yes to, in order; frees the others. */
void metric_set_keep(struct metric_set *set,
		     bool (*keep)(void *ctx, const struct metric_entity *e), void *ctx);

/* Appends a metric; 0 or -ENOMEM. Names are CamelCase, unique per entity. */
int metric_add(struct metric_entity *e, const char *name, enum metric_unit unit, double value);

/* Appends a distribution (copied; value = its mean); 0 or -ENOMEM. */
int metric_add_dist(struct metric_entity *e, const char *name, enum metric_unit unit,
		    const struct metric_dist *d);

/* The value of metric name in e; false when e has none. */
bool metric_find(const struct metric_entity *e, const char *name, double *value);

/* The EMF unit string: "Count", "Count/Second", "Microseconds", ... */
const char *metric_unit_name(enum metric_unit unit);

#endif
