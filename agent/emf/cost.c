// SPDX-License-Identifier: GPL-2.0-only
/* Custom metrics counted from EMF documents, and their list price. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "emf/cost.h"

int emf_cost_init(struct emf_cost *c)
{
	memset(c, 0, sizeof(*c));
	c->seen = json_object_new_object();
	c->by_dimensions = json_object_new_object();
	if (!c->seen || !c->by_dimensions) {
		emf_cost_free(c);
		return -ENOMEM;
	}
	return 0;
}

void emf_cost_free(struct emf_cost *c)
{
	json_object_put(c->seen);
	json_object_put(c->by_dimensions);
	memset(c, 0, sizeof(*c));
}

/* One more metric of this dimension set's names ("InstanceId,InstanceType,Interface"). */
static void count_dimensions(struct emf_cost *c, struct json_object *dimset)
{
	struct json_object *n;
	char names[512];
	size_t off = 0;

	names[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(dimset) && off < sizeof(names); i++)
		off += snprintf(names + off, sizeof(names) - off, "%s%s", i ? "," : "",
				json_object_get_string(json_object_array_get_idx(dimset, i)));
	if (json_object_object_get_ex(c->by_dimensions, names, &n))
		json_object_set_int64(n, json_object_get_int64(n) + 1);
	else
		json_object_object_add(c->by_dimensions, names, json_object_new_int64(1));
}

/* "ns\x1fname\x1fdim=value\x1f...": what makes a CloudWatch metric one. */
static void metric_key(char *key, size_t size, const char *ns, const char *name,
		       struct json_object *doc, struct json_object *dimset, bool *has_instance)
{
	size_t off = snprintf(key, size, "%s\x1f%s", ns, name);

	*has_instance = false;
	for (size_t i = 0; i < json_object_array_length(dimset) && off < size; i++) {
		const char *dim = json_object_get_string(json_object_array_get_idx(dimset, i));
		struct json_object *v = NULL;

		json_object_object_get_ex(doc, dim, &v);
		*has_instance |= strcmp(dim, "InstanceId") == 0;
		off += snprintf(key + off, size - off, "\x1f%s=%s", dim,
				v ? json_object_get_string(v) : "");
	}
}

static void count_directive(struct emf_cost *c, struct json_object *doc,
			    struct json_object *dir)
{
	struct json_object *ns, *dims, *metrics;
	char key[2048];
	bool inst;

	if (!json_object_object_get_ex(dir, "Namespace", &ns) ||
	    !json_object_object_get_ex(dir, "Dimensions", &dims) ||
	    !json_object_object_get_ex(dir, "Metrics", &metrics))
		return;
	for (size_t d = 0; d < json_object_array_length(dims); d++) {
		struct json_object *dimset = json_object_array_get_idx(dims, d);

		for (size_t m = 0; m < json_object_array_length(metrics); m++) {
			struct json_object *name = NULL;

			json_object_object_get_ex(json_object_array_get_idx(metrics, m), "Name",
						  &name);
			metric_key(key, sizeof(key), json_object_get_string(ns),
				   json_object_get_string(name), doc, dimset, &inst);
			if (json_object_object_get_ex(c->seen, key, NULL))
				continue;
			json_object_object_add(c->seen, key, json_object_new_boolean(1));
			count_dimensions(c, dimset);
			if (inst)
				c->metrics++;
			else
				c->rollups++;
		}
	}
}

int emf_cost_add_doc(void *ctx, const char *doc, size_t len)
{
	struct emf_cost *c = ctx;
	struct json_object *root = json_tokener_parse(doc), *aws, *dirs;

	c->documents++;
	if (!root || !json_object_object_get_ex(root, "_aws", &aws) ||
	    !json_object_object_get_ex(aws, "CloudWatchMetrics", &dirs)) {
		c->bad_documents++;
		json_object_put(root);
		return 0;
	}
	for (size_t i = 0; i < json_object_array_length(dirs); i++)
		count_directive(c, root, json_object_array_get_idx(dirs, i));
	json_object_put(root);
	return 0;
}

double emf_cost_usd(size_t n)
{
	return n * EMF_COST_USD_PER_METRIC_MONTH;
}

/* Dollars to the cent, written as such (a double prints 34.799999999999997). */
static struct json_object *usd(double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.2f", v);
	return json_object_new_double_s(v, buf);
}

struct json_object *emf_cost_json(const struct emf_cost *c, const char *level)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "metrics_level", json_object_new_string(level));
	json_object_object_add(o, "custom_metrics", json_object_new_int64(c->metrics));
	json_object_object_add(o, "fleet_rollups", json_object_new_int64(c->rollups));
	json_object_object_add(o, "by_dimension_set", json_object_get(c->by_dimensions));
	json_object_object_add(o, "documents_per_interval", json_object_new_int64(c->documents));
	json_object_object_add(o, "usd_per_month", usd(emf_cost_usd(c->metrics)));
	json_object_object_add(o, "rollups_usd_per_month",
			       usd(emf_cost_usd(c->rollups)));
	json_object_object_add(o, "price_usd_per_metric_month",
			       usd(EMF_COST_USD_PER_METRIC_MONTH));
	json_object_object_add(o, "price_basis", json_object_new_string(
		"list price of the first tier (first 10,000 metrics) in us-east-1; other "
		"regions and tiers differ"));
	return o;
}

void emf_cost_print(const struct emf_cost *c, const char *level, FILE *out)
{
	fprintf(out, "metrics_level = %s\n", level);
	fprintf(out, "custom metrics of this host:  %zu (metric names x dimension sets with "
		"InstanceId)\n", c->metrics);
	json_object_object_foreach(c->by_dimensions, names, n)
		fprintf(out, "  %4lld with dimensions %s\n", (long long)json_object_get_int64(n),
			names);
	fprintf(out, "fleet-wide roll-ups:          %zu (dimension sets without InstanceId, "
		"shared by every instance)\n", c->rollups);
	fprintf(out, "monthly estimate:             $%.2f for this host", emf_cost_usd(c->metrics));
	if (c->rollups)
		fprintf(out, ", + $%.2f once for the fleet's roll-ups", emf_cost_usd(c->rollups));
	fprintf(out, "\nprice:                        $%.2f per metric-month, the list price of "
		"the first tier (first 10,000\n                              metrics) in us-east-1; "
		"other regions and tiers differ\n", EMF_COST_USD_PER_METRIC_MONTH);
	fprintf(out, "EMF documents per interval:   %zu (CloudWatch Logs ingestion, billed apart)\n",
		c->documents);
	fprintf(out, "one interval's count: a metric with no value in it (an idle device's latency) "
		"is not\ncounted, and costs nothing in a month it never appears\n");
}
