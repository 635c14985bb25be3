// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers the probes (agent/probe_*.c) share: their maps, per-CPU reads,
 * rates, quantile metrics and JSON entries. See probe_priv.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "core/log.h"
#include "probes/hist_dist.h"
#include "probes/probe_priv.h"
#include "core/util.h"

struct bpf_map *probe_map(const struct probe *pr, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(pr->obj, name);

	if (!map)
		log_error("probe %s: its BPF object has no map %s", pr->ops->name,
			  name);
	return map;
}

enum probe_attach probe_part_attach(const struct probe *pr,
				    const char *tracepoint)
{
	for (size_t i = 0; i < pr->ops->n_parts; i++) {
		if (strcmp(pr->ops->parts[i].tracepoint, tracepoint) == 0)
			return pr->links[i] || pr->part_idle[i][0] ?
			       pr->part_attach[i] : PROBE_ATTACH_NONE;
	}
	return PROBE_ATTACH_NONE;
}

int probe_read_percpu(struct bpf_map *map, void *vals, size_t value_size,
		      int ncpus)
{
	__u32 key = 0;

	return bpf_map__lookup_elem(map, &key, sizeof(key), vals,
				    value_size * ncpus, 0);
}

uint64_t probe_epoch_next(struct probe *pr)
{
	struct bpf_map *map = bpf_object__find_map_by_name(pr->obj, HIST_EPOCH_SECTION);
	uint64_t closed = pr->epoch, next = closed + 1;
	__u32 key = 0;
	int err = map ? bpf_map__update_elem(map, &key, sizeof(key), &next,
					     sizeof(next), BPF_ANY) : -ENOENT;

	if (err) {
		log_warn("probe %s: cannot start a new histogram interval in its "
			 "BPF object: %s; maxima will span several intervals",
			 pr->ops->name, strerror(-err));
		return closed;
	}
	pr->epoch = next;
	return closed;
}

double probe_rate(uint64_t count, double seconds)
{
	return seconds > 0 ? count / seconds : 0;
}

int probe_add_quantiles_scaled(struct metric_entity *e, const char *prefix,
			       const struct hist *h, enum metric_unit unit,
			       double per_unit)
{
	static const char *const suffix[] = { "P50", "P90", "P99", "P999", "Max" };
	enum hist_estimate how = unit == UNIT_BYTES ? HIST_LOWER : HIST_MIDDLE;
	struct hist_summary s;
	struct metric_dist d;
	char name[METRIC_NAME_MAX];
	uint64_t v[5];
	int err = 0;

	hist_summarize(h, how, &s);
	if (!s.count)
		return 0;
	/* The distribution is what a fleet aggregates; the quantiles stay for status and rules. */
	if (hist_to_dist(h, how, per_unit, &d) >= 0)
		err = metric_add_dist(e, prefix, unit, &d);
	v[0] = s.p50, v[1] = s.p90, v[2] = s.p99, v[3] = s.p999, v[4] = s.max;
	for (size_t i = 0; i < ARRAY_SIZE(suffix) && !err; i++) {
		snprintf(name, sizeof(name), "%s%s", prefix, suffix[i]);
		err = metric_add(e, name, unit, v[i] / per_unit);
	}
	return err;
}

int probe_add_quantiles(struct metric_entity *e, const char *prefix,
			const struct hist *h, enum metric_unit unit)
{
	return probe_add_quantiles_scaled(e, prefix, h, unit, 1);
}

int probe_json_append(struct json_object *arr, struct json_object *o)
{
	if (!o || json_object_array_add(arr, o)) {
		json_object_put(o);
		return -ENOMEM;
	}
	return 0;
}

int probe_json_hist(struct json_object *arr, const struct hist_meta *base,
		    const char *name, const char *title, const char *entity,
		    const char *unit, const struct hist *h)
{
	struct hist_meta m = *base;

	m.name = name;
	m.title = title;
	m.entity = entity;
	m.unit = unit;
	m.estimate = strcmp(unit, "bytes") == 0 ? HIST_LOWER : HIST_MIDDLE;
	return probe_json_append(arr, hist_json(h, &m));
}

int probe_json_counter(struct json_object *arr, const struct hist_meta *base,
		       const char *name, const char *title, const char *entity,
		       uint64_t count)
{
	struct json_object *o = json_object_new_object();

	if (o) {
		json_object_object_add(o, "probe", json_object_new_string(base->probe));
		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "title", json_object_new_string(title));
		json_object_object_add(o, "entity", json_object_new_string(entity));
		json_object_object_add(o, "span", json_object_new_string(base->span));
		json_object_object_add(o, "seconds",
				       json_object_new_double(base->seconds));
		json_object_object_add(o, "count", json_object_new_int64(count));
	}
	return probe_json_append(arr, o);
}
