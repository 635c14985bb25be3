// SPDX-License-Identifier: GPL-2.0-only
/* A distribution as the value of an EMF metric. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "emf/distribution.h"
#include "emf/emf.h"

static bool finite_ok(double v)
{
	return isfinite(v) && fabs(v) <= EMF_VALUE_MAX;
}

bool emf_dist_ok(const struct metric_dist *d)
{
	if (!d->n || d->n > METRIC_DIST_MAX || !finite_ok(d->count) || !finite_ok(d->sum) ||
	    !finite_ok(d->min) || !finite_ok(d->max))
		return false;
	for (size_t i = 0; i < d->n; i++) {
		if (!finite_ok(d->values[i]) || !finite_ok(d->counts[i]) || !(d->counts[i] > 0))
			return false;
	}
	return true;
}

struct json_object *emf_number(double v)
{
	char buf[32];

	/* CloudWatch takes nothing closer to 0 than 2^-360. */
	if (fabs(v) < EMF_VALUE_MIN)
		v = 0;
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	return json_object_new_double_s(v, buf);
}

static struct json_object *numbers(const double *v, size_t n)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++)
		json_object_array_add(a, emf_number(v[i]));
	return a;
}

struct json_object *emf_dist_json(const struct metric_dist *d)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "Values", numbers(d->values, d->n));
	json_object_object_add(o, "Counts", numbers(d->counts, d->n));
	json_object_object_add(o, "Max", emf_number(d->max));
	json_object_object_add(o, "Min", emf_number(d->min));
	json_object_object_add(o, "Count", emf_number(d->count));
	json_object_object_add(o, "Sum", emf_number(d->sum));
	return o;
}
