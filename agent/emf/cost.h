/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the documents cost in CloudWatch: each distinct (namespace, metric
 * name, dimension names and values) the documents define is one custom
 * metric, billed per month. Counted from the documents as encoded, so
 * every dimension set the encoder emits counts (roll-ups without
 * InstanceId are shared by the fleet: counted apart, not per instance).
 */
#ifndef PA_EMF_COST_H
#define PA_EMF_COST_H

#include <stddef.h>
#include <stdio.h>

struct json_object;

/* The list price of the first tier in us-east-1 (standard or high resolution alike). */
#define EMF_COST_USD_PER_METRIC_MONTH 0.30

struct emf_cost {
	struct json_object *seen;   /* key -> true: one per custom metric */
	struct json_object *by_dimensions; /* "InstanceId,InstanceType" -> metrics */
	size_t metrics;             /* with InstanceId: this host's own */
	size_t rollups;             /* without InstanceId: shared fleet-wide */
	size_t documents;
	size_t bad_documents;       /* not JSON or not EMF: not counted */
};

/* 0 or -ENOMEM. */
int emf_cost_init(struct emf_cost *c);
void emf_cost_free(struct emf_cost *c);

/* An emf_emit_fn: counts the custom metrics of one document; ctx is the emf_cost. */
int emf_cost_add_doc(void *ctx, const char *doc, size_t len);

/* The monthly estimate of n metrics at the first tier's list price. */
double emf_cost_usd(size_t n);

/* The counts and estimate as JSON (perfagent metrics --cost --json). */
struct json_object *emf_cost_json(const struct emf_cost *c, const char *level);

/* The same for people. */
void emf_cost_print(const struct emf_cost *c, const char *level, FILE *out);

#endif
