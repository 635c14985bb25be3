/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A distribution as an EMF metric value: {"Values": [...], "Counts": [...],
 * "Max", "Min", "Count", "Sum"}, the shape the CloudWatch agent's own EMF
 * exporter (opentelemetry-collector-contrib awsemfexporter, its
 * cWMetricHistogram) sends for histograms: CloudWatch takes SampleCount from
 * the sum of Counts, and Count must be that sum. Values and Counts are
 * arrays of the same length, at most 100 (the EMF limit per metric per
 * document); CloudWatch computes percentiles from them over any period and
 * any roll-up of instances, and the statistic set keeps Average and
 * SampleCount exact.
 */
#ifndef PA_EMF_DISTRIBUTION_H
#define PA_EMF_DISTRIBUTION_H

#include <stdbool.h>

#include <json-c/json.h>

#include "core/metrics.h"

/* True when d can be sent: 1..100 values, all finite, within +-2^360, counts > 0. */
bool emf_dist_ok(const struct metric_dist *d);

/* The metric's value object; NULL when out of memory. */
struct json_object *emf_dist_json(const struct metric_dist *d);

/* v as a JSON number: the shortest of %.15g and %.17g that reads back as v. */
struct json_object *emf_number(double v);

#endif
