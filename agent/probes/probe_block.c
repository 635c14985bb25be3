// SPDX-License-Identifier: GPL-2.0-only
/*
 * block probe (bpf/block.bpf.c): per whole disk and operation, I/O count,
 * bytes, size, latency and queue-time distributions. The hash of
 * (device, operation) entries is walked once per interval; each entry is
 * differenced with its copy from the previous interval. Devices are named
 * from /sys/dev/block/MAJ:MIN, with the EBS volume id from the NVMe serial.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "core/array.h"
#include "identity/inventory.h"
#include "core/log.h"
#include "probes/probe_priv.h"
#include "core/util.h"

#include "bpf/block.h"
#include "block.skel.h"

#define EBS_MODEL "Amazon Elastic Block Store"
#define MINOR_BITS 20

static const struct probe_part block_parts[] = {
	{ "block_rq_complete", "I/O counts, bytes, sizes", true },
	{ "block_rq_issue", "latency nor queue time", false },
};

/* Metric prefix, JSON name, and whether sizes mean anything. */
static const struct {
	const char *metric, *json;
	bool sized;
} block_ops[BLOCK_OPS] = {
	[BLOCK_OP_READ] = { "Read", "read", true },
	[BLOCK_OP_WRITE] = { "Write", "write", true },
	[BLOCK_OP_FLUSH] = { "Flush", "flush", false },
	[BLOCK_OP_DISCARD] = { "Discard", "discard", true },
	[BLOCK_OP_OTHER] = { "Other", "other", false },
};

struct block_entry {
	struct block_key key;
	char name[32];			/* "nvme1n1", or "MAJ:MIN" when gone */
	char volume_id[32];		/* "vol-0123..." or "" */
	struct block_stats prev;	/* at the last collect */
	struct block_stats interval;	/* from then to the last read */
};

struct block_state {
	struct bpf_map *stats, *counters;
	int ncpus;
	struct block_entry *entries;	/* sorted by key */
	size_t n, cap;
	struct block_stats read;	/* one entry as read from the map */
	struct block_counters *percpu;
	uint64_t no_room;		/* as last reported */
};

static void block_fini(struct probe *pr)
{
	struct block_state *st = pr->state;

	if (!st)
		return;
	free(st->entries);
	free(st->percpu);
	free(st);
}

static int block_init(struct probe *pr)
{
	struct block_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	pr->state = st;
	st->ncpus = libbpf_num_possible_cpus();
	st->stats = probe_map(pr, "block_stats");
	st->counters = probe_map(pr, "block_counters");
	if (st->ncpus <= 0 || !st->stats || !st->counters)
		return st->ncpus < 0 ? st->ncpus : -ENOENT;
	st->percpu = calloc(st->ncpus, sizeof(*st->percpu));
	return st->percpu ? 0 : -ENOMEM;
}

/* The device's name in /sys/block and, for an EBS volume, its volume id. */
static void block_name(struct block_entry *e)
{
	unsigned int major = e->key.dev >> MINOR_BITS;
	unsigned int minor = e->key.dev & ((1U << MINOR_BITS) - 1);
	char path[PATH_MAX], link[PATH_MAX], line[128];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major, minor);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0) {
		snprintf(e->name, sizeof(e->name), "%u:%u", major, minor);
		e->volume_id[0] = '\0';
		return;
	}
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strcmp(base, e->name) == 0)
		return;		/* known: keep its volume id */
	snprintf(e->name, sizeof(e->name), "%.31s", base);
	e->volume_id[0] = '\0';
	snprintf(path, sizeof(path), "/sys/block/%s/device/model", e->name);
	if (util_read_line(path, line, sizeof(line)) <= 0 ||
	    strcmp(line, EBS_MODEL) != 0)
		return;
	snprintf(path, sizeof(path), "/sys/block/%s/device/serial", e->name);
	if (util_read_line(path, line, sizeof(line)) <= 0 ||
	    inventory_ebs_volume_id(line, e->volume_id, sizeof(e->volume_id)))
		e->volume_id[0] = '\0';
}

static int key_cmp(const void *a, const void *b)
{
	const struct block_key *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->op < y->op ? -1 : x->op > y->op;
}

/* The entry of key, added (zero, sorted in) when new; NULL if no memory. */
static struct block_entry *block_entry(struct block_state *st,
				       const struct block_key *key)
{
	/* No bsearch on the NULL array of an empty state: its base must not be NULL. */
	struct block_entry *e = st->n ? bsearch(key, st->entries, st->n,
						sizeof(*e), key_cmp) : NULL;

	if (e)
		return e;
	e = array_grow(st->entries, &st->cap, st->n + 1, sizeof(*e), 8);
	if (!e)
		return NULL;
	st->entries = e;
	e = &st->entries[st->n++];
	memset(e, 0, sizeof(*e));
	e->key = *key;
	qsort(st->entries, st->n, sizeof(*e), key_cmp);
	return bsearch(key, st->entries, st->n, sizeof(*e), key_cmp);
}

static void stats_delta(struct block_stats *out, const struct block_stats *now,
			const struct block_stats *prev)
{
	hist_delta(&out->size, &now->size, &prev->size);
	hist_delta(&out->latency, &now->latency, &prev->latency);
	hist_delta(&out->queued, &now->queued, &prev->queued);
}

/* Warns when completions were lost because the hash was full. */
static void block_check_room(struct block_state *st)
{
	uint64_t lost = 0;

	if (probe_read_percpu(st->counters, st->percpu, sizeof(*st->percpu),
			      st->ncpus))
		return;
	for (int cpu = 0; cpu < st->ncpus; cpu++)
		lost += st->percpu[cpu].no_room;
	if (lost > st->no_room)
		log_warn("probe block: %llu I/O completions not counted: more "
			 "than %d (device, operation) pairs",
			 (unsigned long long)(lost - st->no_room), BLOCK_MAX_KEYS);
	st->no_room = lost;
}

/*
 * Walks the map: each entry's interval since the last collect, which
 * becomes now when advance is set. Names are refreshed as it goes.
 */
static int block_fetch(struct block_state *st, bool advance)
{
	struct block_key key, next;
	struct block_entry *e;
	void *cur = NULL;
	int err;

	while (!bpf_map__get_next_key(st->stats, cur, &next, sizeof(next))) {
		key = next;
		cur = &key;
		err = bpf_map__lookup_elem(st->stats, &key, sizeof(key),
					   &st->read, sizeof(st->read), 0);
		if (err == -ENOENT)
			continue;
		if (err)
			return err;
		e = block_entry(st, &key);
		if (!e)
			return -ENOMEM;
		stats_delta(&e->interval, &st->read, &e->prev);
		if (advance)
			e->prev = st->read;
		block_name(e);
	}
	block_check_room(st);
	return 0;
}

/* The metrics of one (device, operation). */
static int block_metrics(const struct probe *pr, const struct block_entry *be,
			 struct metric_set *set, double seconds)
{
	const struct block_stats *s = &be->interval;
	struct metric_entity *e;
	const char *op = block_ops[be->key.op].metric;
	bool sized = block_ops[be->key.op].sized;
	char name[METRIC_NAME_MAX];
	int err;

	e = metric_set_entity(set, ENTITY_BLOCK_DEVICE, be->name);
	if (!e)
		return -ENOMEM;
	snprintf(e->volume_id, sizeof(e->volume_id), "%s", be->volume_id);
	snprintf(name, sizeof(name), "%sOps", op);
	err = metric_add(e, name, UNIT_COUNT_PER_SECOND,
			 probe_rate(hist_count(&s->size), seconds));
	snprintf(name, sizeof(name), "%sBytes", op);
	if (!err && sized)
		err = metric_add(e, name, UNIT_BYTES_PER_SECOND,
				 probe_rate(s->size.sum, seconds));
	snprintf(name, sizeof(name), "%sLatency", op);
	if (!err)
		err = probe_add_quantiles(e, name, &s->latency, UNIT_MICROSECONDS);
	snprintf(name, sizeof(name), "%sQueueTime", op);
	if (!err)
		err = probe_add_quantiles(e, name, &s->queued, UNIT_MICROSECONDS);
	snprintf(name, sizeof(name), "%sSize", op);
	if (!err && sized)
		err = probe_add_quantiles(e, name, &s->size, UNIT_BYTES);
	return err;
}

static int block_collect(struct probe *pr, struct metric_set *set,
			 double seconds)
{
	struct block_state *st = pr->state;
	int err = block_fetch(st, true);

	for (size_t i = 0; i < st->n && !err; i++) {
		if (st->entries[i].key.op < BLOCK_OPS)
			err = block_metrics(pr, &st->entries[i], set, seconds);
	}
	return err;
}

static int block_histograms(struct probe *pr, const struct hist_meta *base,
			    struct json_object *hists, struct json_object *counters)
{
	struct block_state *st = pr->state;
	bool timed = probe_part_attach(pr, "block_rq_issue") != PROBE_ATTACH_NONE;
	char entity[48];
	int err = 0;

	if (!pr->collected_ms)
		err = block_fetch(st, false);
	for (size_t i = 0; i < st->n && !err; i++) {
		const struct block_entry *e = &st->entries[i];
		const struct block_stats *s = &e->interval;

		if (e->key.op >= BLOCK_OPS || !hist_count(&s->size))
			continue;
		snprintf(entity, sizeof(entity), "%s %s", e->name,
			 block_ops[e->key.op].json);
		if (timed)
			err = probe_json_hist(hists, base, "latency", "I/O latency",
					      entity, "usecs", &s->latency);
		if (!err && timed)
			err = probe_json_hist(hists, base, "queued", "I/O queue time",
					      entity, "usecs", &s->queued);
		if (!err && block_ops[e->key.op].sized)
			err = probe_json_hist(hists, base, "size", "I/O size",
					      entity, "bytes", &s->size);
	}
	return err;
}

const struct probe_ops probe_block_ops = {
	.name = "block",
	.parts = block_parts,
	.n_parts = ARRAY_SIZE(block_parts),
	.elf_bytes = block_bpf__elf_bytes,
	.init = block_init,
	.fini = block_fini,
	.collect = block_collect,
	.histograms = block_histograms,
};
