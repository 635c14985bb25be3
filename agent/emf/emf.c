// SPDX-License-Identifier: GPL-2.0-only
/* CloudWatch Embedded Metric Format: one interval's metrics as JSON lines. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "emf/distribution.h"
#include "emf/emf.h"
#include "core/log.h"
#include "core/util.h"

/* Root members perfagent writes itself; a metric may not take these names. */
static const char *const reserved_names[] = {
	"_aws", "InstanceId", "InstanceType", "ImageId", "AutoScalingGroupName", "Interface",
	"Device", "VolumeId", "PerfAgentRun", "PerfAgentSeq", "PerfAgentVersion", "SinkLastError",
};

static void new_run_id(char *buf, size_t size)
{
	uint64_t r;

	/* Unique enough to tell runs apart; not a secret. */
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = util_now_wall_ms() * 2654435761u ^ (uint64_t)getpid() << 32;
	snprintf(buf, size, "%016llx", (unsigned long long)r);
}

void emf_encoder_init(struct emf_encoder *e, const struct emf_opts *opts,
		      const struct identity *id)
{
	memset(e, 0, sizeof(*e));
	new_run_id(e->run_id, sizeof(e->run_id));
	e->next_seq = 1;
	emf_encoder_configure(e, opts, id);
}

void emf_encoder_configure(struct emf_encoder *e, const struct emf_opts *opts,
			   const struct identity *id)
{
	char host[256] = "";

	snprintf(e->namespace, sizeof(e->namespace), "%s", opts->namespace);
	snprintf(e->log_group, sizeof(e->log_group), "%s", opts->log_group);
	if (opts->dimsets)
		e->dimsets = *opts->dimsets;
	else
		emf_dimsets_default(&e->dimsets);
	if (opts->filter)
		e->filter = *opts->filter;
	else
		e->filter = (struct metric_filter){ .level = METRIC_LEVEL_DETAILED };
	/* Outside EC2 (or without an id) the host name keeps hosts apart. */
	if (!id->instance_id[0] && gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	emf_dim_value(id->instance_id[0] ? id->instance_id : host[0] ? host : "unknown",
		      e->dims[EMF_DIM_INSTANCE_ID], EMF_DIM_VALUE_SIZE);
	emf_dim_value(id->instance_type[0] ? id->instance_type : "unknown",
		      e->dims[EMF_DIM_INSTANCE_TYPE], EMF_DIM_VALUE_SIZE);
	emf_dim_value(id->image_id, e->dims[EMF_DIM_IMAGE_ID], EMF_DIM_VALUE_SIZE);
	emf_dim_value(id->auto_scaling_group, e->dims[EMF_DIM_ASG], EMF_DIM_VALUE_SIZE);
}

/* Letters, digits and ._-:/# only: what CloudWatch takes and a shell shows. */
static bool metric_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (!n || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789._-:/#") != n)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(reserved_names); i++) {
		if (strcmp(name, reserved_names[i]) == 0)
			return false;
	}
	return true;
}

/* True when metric i can go out; *v is its value as sent. */
static bool metric_usable(struct emf_encoder *e, const struct metric_entity *ent, size_t i,
			  double *v)
{
	const struct metric *m = &ent->metrics[i];

	/* Left out by metrics_level: not an error, not counted. */
	if (!metric_filter_sends(&e->filter, m->name))
		return false;
	if (!metric_name_ok(m->name)) {
		e->dropped_invalid++;
		return false;
	}
	for (size_t j = 0; j < i; j++) {
		if (strcmp(ent->metrics[j].name, m->name) == 0) {
			e->dropped_invalid++;
			return false;
		}
	}
	if (m->dist ? !emf_dist_ok(m->dist) :
	    !isfinite(m->value) || fabs(m->value) > EMF_VALUE_MAX) {
		e->dropped_nonfinite++;
		return false;
	}
	*v = fabs(m->value) < EMF_VALUE_MIN ? 0 : m->value;
	return true;
}

/* One directive: its dimension sets and the names of its metrics. */
struct directive {
	struct json_object *dir;        /* not yet in the document until emitted */
	struct json_object *metrics;    /* its Metrics array */
	size_t n;
};

/*
 * One document being filled: at most EMF_MAX_METRICS metrics. A block
 * device's has two directives: own (each set with the device's dimension)
 * and inst (the instance's sets alone, for metric_instance_wide() names);
 * only those with metrics go out.
 */
struct chunk {
	struct json_object *root;
	struct json_object *directives; /* _aws.CloudWatchMetrics */
	struct directive own, inst;
	struct json_object *seq;        /* PerfAgentSeq, set when emitted */
	size_t n;                       /* metrics (root members) */
	size_t values;                  /* of its distributions */
};

/* The entity's own dimension, added to every set: its name and value, or false. */
static bool entity_dimension(const struct metric_entity *ent, const char **key,
			     const char **value)
{
	if (ent->kind == ENTITY_INTERFACE) {
		*key = "Interface";
		*value = ent->name;
		return true;
	}
	/* A volume keeps its id when it moves to another device name or instance. */
	if (ent->kind == ENTITY_BLOCK_DEVICE) {
		*key = ent->volume_id[0] ? "VolumeId" : "Device";
		*value = ent->volume_id[0] ? ent->volume_id : ent->name;
		return true;
	}
	return false;
}

/* A device's name or volume id as a root member. */
static void add_member(struct json_object *root, const char *key, const char *value)
{
	/* Each byte of a name becomes at most the 3 of U+FFFD. */
	char v[METRIC_ENTITY_NAME_MAX * 3];

	emf_dim_value(value, v, sizeof(v));
	json_object_object_add(root, key, json_object_new_string(v));
}

/* One set of names into dims; false when a dimension of it is not known here. */
static bool add_set(const struct emf_encoder *e, unsigned int bits, const char *own,
		    struct json_object *dims)
{
	struct json_object *set;

	for (int d = 0; d < EMF_DIM_N; d++)
		if (bits & 1u << d && !e->dims[d][0])
			return false;
	set = json_object_new_array();
	for (int d = 0; d < EMF_DIM_N; d++)
		if (bits & 1u << d)
			json_object_array_add(set, json_object_new_string(emf_dim_name(d)));
	if (own)
		json_object_array_add(set, json_object_new_string(own));
	json_object_array_add(dims, set);
	return true;
}

/*
 * The configured sets that can be filled, each with own (NULL: none). A
 * volume id names one volume of one instance, so a roll-up by it (its group
 * or type with VolumeId) would be another per-instance series, not one the
 * fleet shares: a volume's metrics keep the sets with InstanceId only.
 */
static void add_sets(const struct emf_encoder *e, const char *own, struct json_object *dims)
{
	bool per_volume = own && strcmp(own, "VolumeId") == 0;
	bool any = false;

	for (unsigned int i = 0; i < e->dimsets.n; i++) {
		unsigned int bits = e->dimsets.sets[i];

		if (per_volume && !(bits & 1u << EMF_DIM_INSTANCE_ID))
			continue;
		any |= add_set(e, bits, own, dims);
	}
	/* Only sets this host cannot fill: per instance rather than no metric at all. */
	if (!any)
		add_set(e, 1u << EMF_DIM_INSTANCE_ID, own, dims);
}

/*
 * The dimension values as root members (the known ones also where no set
 * names them: a reader of the logs sees which instance sent what); the
 * entity's own dimension name in *own, NULL for the instance.
 */
static void add_members(const struct emf_encoder *e, const struct metric_entity *ent,
			struct json_object *root, const char **own)
{
	const char *value = NULL;

	*own = NULL;
	for (int d = 0; d < EMF_DIM_N; d++)
		if (e->dims[d][0])
			json_object_object_add(root, emf_dim_name(d),
					       json_object_new_string(e->dims[d]));
	if (entity_dimension(ent, own, &value))
		add_member(root, *own, value);
	if (ent->kind == ENTITY_BLOCK_DEVICE && ent->volume_id[0])
		add_member(root, "Device", ent->name);
}

/* A directive of the namespace under the sets with own; -ENOMEM. */
static int directive_new(const struct emf_encoder *e, const char *own, struct directive *d)
{
	struct json_object *dims = json_object_new_array();

	d->dir = json_object_new_object();
	d->metrics = json_object_new_array();
	d->n = 0;
	if (!dims || !d->dir || !d->metrics) {
		json_object_put(dims), json_object_put(d->dir), json_object_put(d->metrics);
		memset(d, 0, sizeof(*d));
		return -ENOMEM;
	}
	json_object_object_add(d->dir, "Namespace", json_object_new_string(e->namespace));
	json_object_object_add(d->dir, "Dimensions", dims);
	json_object_object_add(d->dir, "Metrics", d->metrics);
	add_sets(e, own, dims);
	return 0;
}

/* Puts a directive with metrics into the document, frees one without. */
static void directive_place(struct chunk *c, struct directive *d)
{
	if (d->dir && d->n)
		json_object_array_add(c->directives, d->dir);
	else
		json_object_put(d->dir);
	memset(d, 0, sizeof(*d));
}

static void chunk_free(struct chunk *c)
{
	json_object_put(c->own.dir);
	json_object_put(c->inst.dir);
	json_object_put(c->root);
	memset(c, 0, sizeof(*c));
}

/* _aws with its directives, the dimensions and the properties. */
static int chunk_start(const struct emf_encoder *e, const struct metric_set *set,
		       const struct metric_entity *ent, struct chunk *c)
{
	struct json_object *aws = json_object_new_object();
	const char *own;

	memset(c, 0, sizeof(*c));
	c->root = json_object_new_object();
	c->directives = json_object_new_array();
	c->seq = json_object_new_int64(0);
	if (!aws || !c->root || !c->directives || !c->seq) {
		json_object_put(aws), json_object_put(c->directives), json_object_put(c->seq);
		chunk_free(c);
		return -ENOMEM;
	}
	json_object_object_add(c->root, "_aws", aws);
	json_object_object_add(aws, "Timestamp", json_object_new_int64(set->timestamp_ms));
	json_object_object_add(aws, "LogGroupName", json_object_new_string(e->log_group));
	json_object_object_add(aws, "CloudWatchMetrics", c->directives);
	add_members(e, ent, c->root, &own);
	if (directive_new(e, own, &c->own) ||
	    (ent->kind == ENTITY_BLOCK_DEVICE && directive_new(e, NULL, &c->inst))) {
		json_object_put(c->seq);
		chunk_free(c);
		return -ENOMEM;
	}
	json_object_object_add(c->root, "PerfAgentRun", json_object_new_string(e->run_id));
	json_object_object_add(c->root, "PerfAgentSeq", c->seq);
	json_object_object_add(c->root, "PerfAgentVersion",
			       json_object_new_string(PERFAGENT_VERSION));
	if (ent->kind == ENTITY_INSTANCE && e->sink_error[0])
		json_object_object_add(c->root, "SinkLastError",
				       json_object_new_string(e->sink_error));
	return 0;
}

/* The metric's definition into directive d. */
static void directive_add(struct directive *d, const struct metric *m, unsigned int interval_s)
{
	struct json_object *def = json_object_new_object();

	if (!def)
		return;
	json_object_object_add(def, "Name", json_object_new_string(m->name));
	json_object_object_add(def, "Unit", json_object_new_string(metric_unit_name(m->unit)));
	/* High resolution only pays when points come more than once a minute. */
	if (interval_s < 60)
		json_object_object_add(def, "StorageResolution", json_object_new_int(1));
	json_object_array_add(d->metrics, def);
	d->n++;
}

/*
 * The metric's value once, its definition in the directives that send it:
 * a device's instance-wide metric under the instance's sets, and under the
 * device's unless the level leaves that out.
 */
static void chunk_add(const struct emf_encoder *e, struct chunk *c, const struct metric *m,
		      double v, unsigned int interval_s)
{
	bool wide = c->inst.dir && metric_instance_wide(m->name);

	if (!wide || metric_filter_per_device(&e->filter, m->name))
		directive_add(&c->own, m, interval_s);
	if (wide)
		directive_add(&c->inst, m, interval_s);
	c->values += m->dist ? m->dist->n : 0;
	json_object_object_add(c->root, m->name, m->dist ? emf_dist_json(m->dist) : emf_number(v));
	c->n++;
}

/* Numbers and serializes the document, hands it to emit, frees it. */
static int chunk_emit(struct emf_encoder *e, struct chunk *c, emf_emit_fn emit, void *ctx)
{
	const char *doc;
	size_t len;
	int ret = 0;

	directive_place(c, &c->own);
	directive_place(c, &c->inst);
	json_object_set_int64(c->seq, e->next_seq);
	doc = json_object_to_json_string_length(c->root, JSON_C_TO_STRING_PLAIN |
						JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!doc) {
		ret = -ENOMEM;
	} else if (len >= EMF_DOC_MAX) {
		/* Cannot happen with names of METRIC_NAME_MAX; never send it cut. */
		log_warn("EMF: a %zu-byte document is over the %d-byte limit; %zu metrics left out",
			 len, EMF_DOC_MAX, c->n);
		e->dropped_invalid += c->n;
	} else {
		e->next_seq++;
		ret = emit(ctx, doc, len);
		ret = ret < 0 ? ret : 1;
	}
	chunk_free(c);
	return ret;
}

static bool entity_ok(const struct metric_entity *ent)
{
	return ent->kind == ENTITY_INSTANCE || ent->name[0];
}

/* The entity's documents: one per EMF_MAX_METRICS usable metrics. */
static int encode_entity(struct emf_encoder *e, const struct metric_set *set,
			 const struct metric_entity *ent, emf_emit_fn emit, void *ctx)
{
	struct chunk c = { 0 };
	int docs = 0, ret = 0;
	double v;

	if (!entity_ok(ent)) {
		e->dropped_invalid += ent->n;
		return 0;
	}
	for (size_t i = 0; i < ent->n && ret >= 0; i++) {
		if (!metric_usable(e, ent, i, &v))
			continue;
		/* Many full distributions would pass EMF_DOC_MAX: they go on in another document. */
		if (c.root && ent->metrics[i].dist &&
		    c.values + ent->metrics[i].dist->n > EMF_DOC_VALUES_MAX) {
			ret = chunk_emit(e, &c, emit, ctx);
			docs += ret > 0;
			if (ret < 0)
				break;
		}
		if (!c.root && chunk_start(e, set, ent, &c))
			return -ENOMEM;
		chunk_add(e, &c, &ent->metrics[i], v, set->interval_s);
		if (c.n == EMF_MAX_METRICS) {
			ret = chunk_emit(e, &c, emit, ctx);
			docs += ret > 0;
		}
	}
	if (c.root && ret >= 0) {
		ret = chunk_emit(e, &c, emit, ctx);
		docs += ret > 0;
	}
	chunk_free(&c);
	return ret < 0 ? ret : docs;
}

int emf_encode(struct emf_encoder *e, const struct metric_set *set, emf_emit_fn emit,
	       void *ctx)
{
	int docs = 0;

	for (size_t i = 0; i < set->n; i++) {
		int ret = encode_entity(e, set, &set->entities[i], emit, ctx);

		if (ret < 0)
			return ret;
		docs += ret;
	}
	return docs;
}
