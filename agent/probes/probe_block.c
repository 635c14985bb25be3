// SPDX-License-Identifier: GPL-2.0-only
/*
 * block probe (bpf/block.bpf.c): per whole disk and operation, I/O count,
 * bytes, size, latency and queue-time distributions (nanoseconds in the
 * maps, microseconds in the metrics). Once per interval the shared hash and
 * the per-CPU slots are summed per (device, operation); each sum is
 * differenced with the previous interval's. Devices are named from
 * /sys/dev/block/MAJ:MIN, with the EBS volume id from the NVMe serial.
 *
 * block_rq_issue is attached at the start (so that a missing tracepoint is
 * said at once), then left idle where the kernel stamps requests at issue;
 * it is attached again as soon as a device completes reads or writes
 * without that stamp. Status says per device how its latency was taken.
 *
 * Latency sampling (block_sample, off by default): the N the programs use
 * is written at the start and at each collection, never within an
 * interval, so an interval is timed at one rate, stated per device as
 * LatencySampledOneIn. The distributions keep the counts as sampled (each
 * is a real measurement; the I/O count is <Op>Ops, exact); QueueDepth,
 * a sum of times, is scaled by the interval's I/Os over its timed ones.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "core/array.h"
#include "identity/inventory.h"
#include "core/log.h"
#include "probes/block_ops.h"
#include "probes/block_sample.h"
#include "probes/probe_priv.h"
#include "core/util.h"

#include "bpf/block.h"
#include "block.skel.h"

#define EBS_MODEL "Amazon Elastic Block Store"
#define MINOR_BITS 20

static const struct probe_part block_parts[] = {
	{ "block_rq_complete", "I/O counts, bytes, sizes", true },
	{ "block_rq_issue", "latency nor queue time where requests carry no "
	  "issue stamp", false },
};

#define ISSUE_TP "block_rq_issue"
#define ISSUE_IDLE "idle: requests carry their own issue stamps"

static const char *const method_names[BLOCK_METHODS] = {
	[BLOCK_BY_STAMP] = "request stamps",
	[BLOCK_BY_TABLE] = "issue table",
	[BLOCK_UNTIMED] = "untimed",
	[BLOCK_UNSAMPLED] = NULL,	/* not a way of timing: said apart */
};

/* The kernel's struct request has io_start_time_ns (from its BTF). */
static bool kernel_issue_stamp;
/* Tests: the BPF side ignores the stamps (probes_block_ignore_stamps). */
static bool ignore_stamps;

void probes_block_ignore_stamps(bool ignore)
{
	ignore_stamps = ignore;
}

struct block_entry {
	struct block_key key;
	char name[32];			/* "nvme1n1", or "MAJ:MIN" when gone */
	char volume_id[32];		/* "vol-0123..." or "" */
	bool found;			/* in the maps at the last read */
	bool seen;			/* ... and at the last collect */
	struct block_stats cur;		/* the maps' sum at the last read */
	struct block_stats prev;	/* at the last collect */
	struct block_stats interval;	/* from then to the last read */
};

struct block_state {
	struct bpf_map *stats, *cpu, *counters;
	int ncpus;
	unsigned int cpu_keys;		/* block_cpu's entries */
	struct block_entry *entries;	/* sorted by key */
	size_t n, cap;
	struct block_stats read;	/* one entry as read from the hash */
	struct block_stats *cpu_read;	/* one slot's per-CPU copies */
	struct block_counters *percpu;
	uint64_t no_room;		/* as last reported */
	struct bpf_map *sample;		/* the programs' block_sample_every */
	unsigned int every;		/* 1 in N timed now (1: all) */
	unsigned int interval_every;	/* ... during the last collected interval */
	uint64_t *cpu_done;		/* completions per CPU in the slots, last read */
	uint64_t *cpu_prev;		/* ... at the last collect */
};

/* Whether struct request has the member (the kernel's BTF says). */
static bool btf_has_member(const struct btf *btf, const char *type,
			   const char *member)
{
	int id = btf ? btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT) : -1;
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_member *m = t ? btf_members(t) : NULL;

	for (int i = 0; t && i < btf_vlen(t); i++, m++) {
		if (strcmp(btf__name_by_offset(btf, m->name_off), member) == 0)
			return true;
	}
	return false;
}

static void block_kernel_types(const struct btf *vmlinux)
{
	kernel_issue_stamp = btf_has_member(vmlinux, "request", "io_start_time_ns");
}

/* The kernel refuses per-CPU values over 32 KiB (PCPU_MIN_UNIT_SIZE). */
_Static_assert(sizeof(struct block_stats) <= 32768,
	       "struct block_stats too large for the per-CPU array block_cpu");

/*
 * Queues counted per CPU: BLOCK_CPU_BUDGET over the possible CPUs, from
 * the size of struct block_stats as built (its histograms included).
 */
static unsigned int block_cpu_slots(int ncpus)
{
	size_t per_slot = (size_t)ncpus * BLOCK_CPU_OPS * sizeof(struct block_stats);
	size_t n = BLOCK_CPU_BUDGET / per_slot;

	return n < 1 ? 1 : n > BLOCK_CPU_SLOTS_MAX ? BLOCK_CPU_SLOTS_MAX : n;
}

/* Sets use_rq_stamps in the object's read-only data before the load. */
static int block_set_rodata(struct bpf_object *obj)
{
	struct bpf_map *ro = bpf_object__find_map_by_name(obj, ".rodata");
	const void *cur;
	bool use_stamps = !ignore_stamps;
	size_t size = 0;
	char *copy;
	int err;

	cur = ro ? bpf_map__initial_value(ro, &size) : NULL;
	if (!cur || size < sizeof(struct block_bpf__rodata))
		return -ENOENT;
	copy = malloc(size);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, cur, size);
	memcpy(copy + offsetof(struct block_bpf__rodata, use_rq_stamps),
	       &use_stamps, sizeof(use_stamps));
	err = bpf_map__set_initial_value(ro, copy, size);
	free(copy);
	return err;
}

/* Sizes block_cpu and sets the read-only data. */
static int block_prepare(struct probe *pr)
{
	struct bpf_map *map = bpf_object__find_map_by_name(pr->obj, "block_cpu");
	int ncpus = libbpf_num_possible_cpus();
	int err;

	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	if (!map)
		return -ENOENT;
	err = block_set_rodata(pr->obj);
	if (err)
		return err;
	return bpf_map__set_max_entries(map, block_cpu_slots(ncpus) * BLOCK_CPU_OPS);
}

static void block_fini(struct probe *pr)
{
	struct block_state *st = pr->state;

	if (!st)
		return;
	free(st->entries);
	free(st->cpu_read);
	free(st->percpu);
	free(st->cpu_done);
	free(st->cpu_prev);
	free(st);
}

/* Writes N into the programs' block_sample_every; st->every on success. */
static void sample_write(struct block_state *st, unsigned int every)
{
	__u32 key = 0, v = every;
	int err = bpf_map__update_elem(st->sample, &key, sizeof(key), &v, sizeof(v),
				       BPF_ANY);

	if (err) {
		log_warn("probe block: cannot set latency sampling to 1 in %u: %s; "
			 "still 1 in %u", every, strerror(-err), st->every);
		return;
	}
	if (every != st->every)
		log_info("probe block: latency timed for 1 in %u completions", every);
	st->every = every;
}

/*
 * Completions a second of the busiest CPU over the seconds since the last
 * collect, from the per-CPU slots just read (a slot restarted for another
 * device counts from zero); then those counts become the last collect's.
 */
static double busiest_rate(struct block_state *st, double seconds)
{
	uint64_t most = 0;

	for (int cpu = 0; cpu < st->ncpus; cpu++) {
		uint64_t now = st->cpu_done[cpu], prev = st->cpu_prev[cpu];
		uint64_t n = now >= prev ? now - prev : now;

		if (n > most)
			most = n;
		st->cpu_prev[cpu] = now;
	}
	return seconds > 0 ? most / seconds : 0;
}

/*
 * The setting's N for the next interval (at the start, seconds is 0: auto
 * times everything until a rate is known), written when it changed.
 */
static void sample_update(struct probe *pr, struct block_state *st, double seconds)
{
	double rate = busiest_rate(st, seconds);
	unsigned int every = 1;

	if (pr->sample > 0)
		every = pr->sample;
	else if (pr->sample == PROBES_SAMPLE_AUTO && seconds > 0)
		every = block_sample_auto(rate, st->every);
	else if (pr->sample == PROBES_SAMPLE_AUTO)
		every = st->every;
	if (every != st->every || seconds == 0)
		sample_write(st, every);
}

static int block_init(struct probe *pr)
{
	struct block_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	pr->state = st;
	st->ncpus = libbpf_num_possible_cpus();
	st->stats = probe_map(pr, "block_stats");
	st->cpu = probe_map(pr, "block_cpu");
	st->counters = probe_map(pr, "block_counters");
	st->sample = probe_map(pr, BLOCK_SAMPLE_SECTION);
	if (st->ncpus <= 0 || !st->stats || !st->cpu || !st->counters || !st->sample)
		return st->ncpus < 0 ? st->ncpus : -ENOENT;
	st->cpu_keys = bpf_map__max_entries(st->cpu);
	st->percpu = calloc(st->ncpus, sizeof(*st->percpu));
	st->cpu_read = calloc(st->ncpus, sizeof(*st->cpu_read));
	st->cpu_done = calloc(st->ncpus, sizeof(*st->cpu_done));
	st->cpu_prev = calloc(st->ncpus, sizeof(*st->cpu_prev));
	if (!st->percpu || !st->cpu_read || !st->cpu_done || !st->cpu_prev)
		return -ENOMEM;
	st->every = 1;
	sample_update(pr, st, 0);
	st->interval_every = st->every;
	/* The issue table only where the kernel does not stamp requests. */
	if (kernel_issue_stamp)
		probe_part_idle(pr, ISSUE_TP, ISSUE_IDLE);
	return 0;
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

/*
 * dst += src, a copy the program wrote: its maxima, kept apart with one
 * tag (struct block_max), go into dst's histograms' slots, where the rest
 * (hist_delta()) finds the maxima of every histogram.
 */
static void stats_add(struct block_stats *dst, const struct block_stats *src)
{
	for (int m = 0; m < BLOCK_METHODS; m++)
		dst->method[m] += src->method[m];
	hist_merge(&dst->size, &src->size);
	hist_merge(&dst->latency, &src->latency);
	hist_merge(&dst->queued, &src->queued);
	for (int p = 0; p < 2; p++) {
		const struct block_max *m = &src->max[p];

		hist_slot_merge(&dst->size.slot[p], &(struct hist_max){ m->epoch, m->size });
		hist_slot_merge(&dst->latency.slot[p], &(struct hist_max){ m->epoch, m->latency });
		hist_slot_merge(&dst->queued.slot[p], &(struct hist_max){ m->epoch, m->queued });
	}
}

static void stats_delta(struct block_stats *out, const struct block_stats *now,
			const struct block_stats *prev, uint64_t epoch)
{
	for (int m = 0; m < BLOCK_METHODS; m++)
		out->method[m] = now->method[m] > prev->method[m] ?
				 now->method[m] - prev->method[m] : 0;
	hist_delta(&out->size, &now->size, &prev->size, epoch);
	hist_delta(&out->latency, &now->latency, &prev->latency, epoch);
	hist_delta(&out->queued, &now->queued, &prev->queued, epoch);
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

/* Adds src to the running sum of key's entry. */
static int block_sum(struct block_state *st, const struct block_key *key,
		     const struct block_stats *src)
{
	struct block_entry *e = block_entry(st, key);

	if (!e)
		return -ENOMEM;
	if (!e->found)
		memset(&e->cur, 0, sizeof(e->cur));
	e->found = true;
	stats_add(&e->cur, src);
	return 0;
}

/* Sums the shared hash's entries into st's entries. */
static int block_read_hash(struct block_state *st)
{
	struct block_key key, next;
	void *cur = NULL;
	int err;

	while (!bpf_map__get_next_key(st->stats, cur, &next, sizeof(next))) {
		key = next;
		cur = &key;
		err = bpf_map__lookup_elem(st->stats, &key, sizeof(key),
					   &st->read, sizeof(st->read), 0);
		if (err == -ENOENT)
			continue;
		if (!err)
			err = block_sum(st, &key, &st->read);
		if (err)
			return err;
	}
	return 0;
}

/* Sums the per-CPU copies, each under the device it counts. */
static int block_read_cpu(struct block_state *st)
{
	size_t size = sizeof(*st->cpu_read) * st->ncpus;
	int err;

	memset(st->cpu_done, 0, sizeof(*st->cpu_done) * st->ncpus);
	for (__u32 k = 0; k < st->cpu_keys; k++) {
		err = bpf_map__lookup_elem(st->cpu, &k, sizeof(k), st->cpu_read,
					   size, 0);
		if (err)
			return err;
		for (int cpu = 0; cpu < st->ncpus; cpu++) {
			const struct block_stats *v = &st->cpu_read[cpu];
			struct block_key key = { .dev = v->dev,
						 .op = k % BLOCK_CPU_OPS };

			st->cpu_done[cpu] += hist_count(&v->size);
			if (hist_count(&v->size) && (err = block_sum(st, &key, v)))
				return err;
		}
	}
	return 0;
}

/*
 * Attaches block_rq_issue again once a device's reads or writes of an
 * interval all come without the request's issue stamp (a queue that keeps
 * no statistics). A few odd requests among stamped ones (seen here: one
 * write on a virtio disk now and then) do not make the whole host pay
 * for the issue program.
 */
static void block_need_table(struct probe *pr, struct block_state *st)
{
	for (size_t i = 0; i < st->n; i++) {
		const struct block_entry *e = &st->entries[i];

		if (e->key.op >= BLOCK_CPU_OPS || !e->interval.method[BLOCK_UNTIMED] ||
		    e->interval.method[BLOCK_BY_STAMP] ||
		    !probe_part_is_idle(pr, ISSUE_TP))
			continue;
		if (probe_part_idle(pr, ISSUE_TP, NULL))
			log_warn("probe block: %s completes I/O without issue "
				 "stamps and block_rq_issue cannot be attached: "
				 "no latency there", e->name);
		else
			log_info("probe block: %s completes I/O without issue "
				 "stamps: block_rq_issue attached", e->name);
		return;
	}
}

/*
 * Reads the maps: each entry's interval since the last collect, which
 * becomes now when advance is set (a collect: the programs' interval is
 * closed just before the read). Names are refreshed as it goes. An entry
 * absent at the last collect starts from zero (a device that came back,
 * or took over a queue id).
 */
static int block_fetch(struct probe *pr, bool advance)
{
	struct block_state *st = pr->state;
	uint64_t epoch = advance ? probe_epoch_next(pr) : pr->epoch;
	int err;

	for (size_t i = 0; i < st->n; i++)
		st->entries[i].found = false;
	err = block_read_hash(st);
	if (!err)
		err = block_read_cpu(st);
	if (err)
		return err;
	for (size_t i = 0; i < st->n; i++) {
		struct block_entry *e = &st->entries[i];

		if (!e->found) {
			memset(&e->interval, 0, sizeof(e->interval));
			memset(&e->cur, 0, sizeof(e->cur));
		} else {
			if (!e->seen)	/* new or back: from zero */
				memset(&e->prev, 0, sizeof(e->prev));
			stats_delta(&e->interval, &e->cur, &e->prev, epoch);
		}
		if (advance) {
			e->prev = e->cur;
			e->seen = e->found;
		}
		block_name(e);
	}
	block_check_room(st);
	block_need_table(pr, st);
	return 0;
}

/*
 * I/Os over sampled ones (1 without sampling): what the times summed over
 * the sampled completions stand for. Untimed completions (no stamp) are
 * not extrapolated, as before sampling.
 */
static double sampled_scale(const struct block_stats *s)
{
	uint64_t all = hist_count(&s->size), out = s->method[BLOCK_UNSAMPLED];

	return out && all > out ? (double)all / (all - out) : 1;
}

/*
 * LatencySampledOneIn, once per device, while sampling is set or the
 * interval was sampled (the setting was switched off since).
 */
static int sample_metric(const struct probe *pr, struct metric_entity *e)
{
	const struct block_state *st = pr->state;
	double v;

	if (pr->sample == PROBES_SAMPLE_OFF && st->interval_every == 1)
		return 0;
	if (metric_find(e, "LatencySampledOneIn", &v))
		return 0;
	return metric_add(e, "LatencySampledOneIn", UNIT_NONE, st->interval_every);
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
	err = sample_metric(pr, e);
	snprintf(name, sizeof(name), "%sOps", op);
	if (!err)
		err = metric_add(e, name, UNIT_COUNT_PER_SECOND,
				 probe_rate(hist_count(&s->size), seconds));
	snprintf(name, sizeof(name), "%sBytes", op);
	if (!err && sized)
		err = metric_add(e, name, UNIT_BYTES_PER_SECOND,
				 probe_rate(s->size.sum, seconds));
	/*
	 * Requests in flight on average (iostat's aqu-sz): by Little's law the
	 * time the interval's requests spent queued and at the device over the
	 * interval. A request counts in the interval it completes in.
	 */
	snprintf(name, sizeof(name), "%sQueueDepth", op);
	if (!err && seconds > 0)
		err = metric_add(e, name, UNIT_COUNT, (s->latency.sum + s->queued.sum) *
				 sampled_scale(s) / (seconds * 1e9));
	snprintf(name, sizeof(name), "%sLatency", op);
	if (!err)
		err = probe_add_quantiles_scaled(e, name, &s->latency,
						 UNIT_MICROSECONDS, 1000);
	snprintf(name, sizeof(name), "%sQueueTime", op);
	if (!err)
		err = probe_add_quantiles_scaled(e, name, &s->queued,
						 UNIT_MICROSECONDS, 1000);
	snprintf(name, sizeof(name), "%sSize", op);
	if (!err && sized)
		err = probe_add_quantiles(e, name, &s->size, UNIT_BYTES);
	return err;
}

static int block_collect(struct probe *pr, struct metric_set *set,
			 double seconds)
{
	struct block_state *st = pr->state;
	int err = block_fetch(pr, true);

	/* The interval just read was timed at st->every; then the next N. */
	st->interval_every = st->every;
	for (size_t i = 0; i < st->n && !err; i++) {
		if (st->entries[i].key.op < BLOCK_OPS)
			err = block_metrics(pr, &st->entries[i], set, seconds);
	}
	sample_update(pr, st, seconds);
	return err;
}

static int block_histograms(struct probe *pr, const struct hist_meta *base,
			    struct json_object *hists, struct json_object *counters)
{
	struct block_state *st = pr->state;
	/* The span's rate: the last interval's, or the present one since start. */
	unsigned int every = pr->collected_ms ? st->interval_every : st->every;
	char entity[48], lat_title[48] = "I/O latency", queued_title[48] = "I/O queue time";
	int err = 0;

	if (every > 1) {
		snprintf(lat_title, sizeof(lat_title), "I/O latency, sampled 1 in %u", every);
		snprintf(queued_title, sizeof(queued_title), "I/O queue time, sampled 1 in %u",
			 every);
	}
	if (!pr->collected_ms)
		err = block_fetch(pr, false);
	for (size_t i = 0; i < st->n && !err; i++) {
		const struct block_entry *e = &st->entries[i];
		const struct block_stats *s = &e->interval;

		if (e->key.op >= BLOCK_OPS || !hist_count(&s->size))
			continue;
		snprintf(entity, sizeof(entity), "%s %s", e->name,
			 block_ops[e->key.op].json);
		if (hist_count(&s->latency))
			err = probe_json_hist(hists, base, "latency", lat_title,
					      entity, "nsecs", &s->latency);
		if (!err && hist_count(&s->queued))
			err = probe_json_hist(hists, base, "queued", queued_title,
					      entity, "nsecs", &s->queued);
		if (!err && block_ops[e->key.op].sized)
			err = probe_json_hist(hists, base, "size", "I/O size",
					      entity, "bytes", &s->size);
	}
	return err;
}

/* "request stamps", "request stamps+issue table", ...: the methods used. */
static void methods_text(const uint64_t *n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int m = 0; m < BLOCK_METHODS && len < size; m++) {
		if (n[m] && method_names[m])
			len += snprintf(buf + len, size - len, "%s%s",
					len ? "+" : "", method_names[m]);
	}
}

/* One device's methods since the start, summed over its operations. */
static struct json_object *device_json(const struct block_state *st, size_t *i)
{
	char sampled[32] = "";
	const struct block_entry *e = &st->entries[*i];
	struct json_object *o = json_object_new_object();
	uint64_t n[BLOCK_METHODS] = { 0 };
	char text[64];

	for (; *i < st->n && st->entries[*i].key.dev == e->key.dev; (*i)++) {
		for (int m = 0; m < BLOCK_METHODS; m++)
			n[m] += st->entries[*i].cur.method[m];
	}
	if (!o)
		return NULL;
	methods_text(n, text, sizeof(text));
	if (st->every > 1)
		snprintf(sampled, sizeof(sampled), ", sampled 1 in %u", st->every);
	strncat(text, sampled, sizeof(text) - strlen(text) - 1);
	json_object_object_add(o, "device", json_object_new_string(e->name));
	json_object_object_add(o, "latency", json_object_new_string(text));
	json_object_object_add(o, "stamped", json_object_new_int64(n[BLOCK_BY_STAMP]));
	json_object_object_add(o, "tabled", json_object_new_int64(n[BLOCK_BY_TABLE]));
	json_object_object_add(o, "untimed", json_object_new_int64(n[BLOCK_UNTIMED]));
	json_object_object_add(o, "unsampled", json_object_new_int64(n[BLOCK_UNSAMPLED]));
	json_object_object_add(o, "sampled_one_in", json_object_new_int64(st->every));
	return o;
}

/*
 * "devices": how each device's latency was taken, from the last read
 * (entries are sorted by device, so a device's operations are together).
 */
static int block_status_json(struct probe *pr, struct json_object *o)
{
	struct block_state *st = pr->state;
	struct json_object *arr = json_object_new_array();
	size_t i = 0;

	if (!arr)
		return -ENOMEM;
	json_object_object_add(o, "latency_sampling", json_object_new_string(
		pr->sample == PROBES_SAMPLE_OFF ? "off" :
		pr->sample == PROBES_SAMPLE_AUTO ? "auto" : "fixed"));
	json_object_object_add(o, "sampled_one_in", json_object_new_int64(st->every));
	json_object_object_add(o, "devices", arr);
	while (i < st->n) {
		if (!st->entries[i].found) {
			i++;
			continue;
		}
		if (probe_json_append(arr, device_json(st, &i)))
			return -ENOMEM;
	}
	return 0;
}

const struct probe_ops probe_block_ops = {
	.name = "block",
	.parts = block_parts,
	.n_parts = ARRAY_SIZE(block_parts),
	.elf_bytes = block_bpf__elf_bytes,
	.kernel_types = block_kernel_types,
	.prepare = block_prepare,
	.init = block_init,
	.fini = block_fini,
	.collect = block_collect,
	.histograms = block_histograms,
	.status_json = block_status_json,
};
