// SPDX-License-Identifier: GPL-2.0-only
/*
 * sched probe (bpf/sched.bpf.c): context switches, and run-queue latency
 * per CPU and for the host, from the scheduler's own per-task accounting
 * of run-queue waits. The per-CPU array is read once per interval; each
 * CPU's histogram is differenced with its copy from the previous interval,
 * then summed for the host.
 *
 * On-CPU time by cgroup and process name: the hash the kernel fills is
 * drained once per interval into the probe set's cpushare (cpushare.h),
 * with each cgroup id turned into its path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "probes/cgroupname.h"
#include "cpu/cpushare.h"
#include "probes/probe_priv.h"
#include "core/util.h"

#include "bpf/sched.h"
#include "sched.skel.h"

#define SCHEDSTAT "/proc/self/schedstat"

static const struct probe_part sched_parts[] = {
	{ "sched_switch", "context switches nor run-queue latency", true },
};

struct sched_state {
	struct bpf_map *stats;
	struct bpf_map *oncpu;
	struct oncpu_key *keys;		/* ONCPU_MAX_KEYS, for draining */
	struct cgroup_names names;
	int ncpus;
	struct sched_stats *now;	/* per CPU, as last read */
	struct sched_stats *prev;	/* per CPU, at the last collect */
	struct hist *interval;		/* per CPU, the interval's waits */
	struct hist host;		/* their sum */
	uint64_t switches;		/* in the interval */
	uint64_t oncpu_other_ns;	/* in the interval */
	bool runq;			/* the kernel times run-queue waits */
};

static void sched_fini(struct probe *pr)
{
	struct sched_state *st = pr->state;

	if (!st)
		return;
	cgroup_names_close(&st->names);
	free(st->keys);
	free(st->now);
	free(st->prev);
	free(st->interval);
	free(st);
}

/*
 * Whether the kernel keeps per-task run-queue delays (CONFIG_SCHED_INFO):
 * then /proc/self/schedstat exists and counts this process's arrivals on
 * a CPU, at least one by now.
 */
static bool runq_kept(void)
{
	unsigned long long run_ns, wait_ns, arrivals = 0;
	char line[128];

	if (util_read_line(SCHEDSTAT, line, sizeof(line)) <= 0 ||
	    sscanf(line, "%llu %llu %llu", &run_ns, &wait_ns, &arrivals) != 3)
		return false;
	return arrivals > 0;
}

static int sched_init(struct probe *pr)
{
	struct sched_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	pr->state = st;
	/* Before any return: fini() closes it. */
	cgroup_names_open(&st->names, NULL);
	st->ncpus = libbpf_num_possible_cpus();
	st->stats = probe_map(pr, "sched_stats");
	st->oncpu = probe_map(pr, "oncpu");
	if (st->ncpus <= 0 || !st->stats || !st->oncpu)
		return st->ncpus < 0 ? st->ncpus : -ENOENT;
	st->now = calloc(st->ncpus, sizeof(*st->now));
	st->prev = calloc(st->ncpus, sizeof(*st->prev));
	st->interval = calloc(st->ncpus, sizeof(*st->interval));
	st->keys = calloc(ONCPU_MAX_KEYS, sizeof(*st->keys));
	if (!st->now || !st->prev || !st->interval || !st->keys)
		return -ENOMEM;
	st->runq = runq_kept();
	if (!st->runq)
		snprintf(pr->note, sizeof(pr->note), "no run-queue latency: the "
			 "kernel keeps no run-queue delays (no %s; CONFIG_SCHED_INFO)",
			 SCHEDSTAT);
	return 0;
}

/* Reads the map into st->now. */
static int sched_fetch(struct sched_state *st)
{
	return probe_read_percpu(st->stats, st->now, sizeof(*st->now), st->ncpus);
}

/*
 * The interval from the last collect to the last fetch, per CPU and host;
 * epoch: its number, for the maxima (hist_delta()).
 */
static void sched_interval(struct sched_state *st, uint64_t epoch)
{
	memset(&st->host, 0, sizeof(st->host));
	st->switches = 0;
	st->oncpu_other_ns = 0;
	for (int cpu = 0; cpu < st->ncpus; cpu++) {
		const struct sched_stats *now = &st->now[cpu], *prev = &st->prev[cpu];

		hist_delta(&st->interval[cpu], &now->runq_latency,
			   &prev->runq_latency, epoch);
		hist_merge(&st->host, &st->interval[cpu]);
		if (now->context_switches > prev->context_switches)
			st->switches += now->context_switches - prev->context_switches;
		if (now->oncpu_other_ns > prev->oncpu_other_ns)
			st->oncpu_other_ns += now->oncpu_other_ns - prev->oncpu_other_ns;
	}
}

/* Takes one key's time out of the kernel's hash: 0 or a negative errno. */
static int take_oncpu(int fd, const struct oncpu_key *key, __u64 *ns)
{
	int err = bpf_map_lookup_and_delete_elem(fd, key, ns);

	/* Kernels before 5.14 cannot do both at once on a hash. */
	if (err == -EINVAL || err == -ENOTSUP || err == -524 /* ENOTSUPP */) {
		err = bpf_map_lookup_elem(fd, key, ns);
		if (!err)
			bpf_map_delete_elem(fd, key);
	}
	return err;
}

/*
 * Moves the on-CPU time the kernel gathered since the last drain into the
 * share (or nowhere, when the probe set has none). Keys are listed first:
 * deleting while walking would restart the walk.
 */
static void drain_oncpu(struct sched_state *st, struct cpushare *share)
{
	int fd = bpf_map__fd(st->oncpu);
	uint64_t now = util_now_mono_ms();
	const struct oncpu_key *prev = NULL;
	size_t n = 0;

	while (n < ONCPU_MAX_KEYS && !bpf_map_get_next_key(fd, prev, &st->keys[n]))
		prev = &st->keys[n++];
	if (share)
		cpushare_set_note(share, st->names.mount_fd < 0 ? st->names.note : NULL);
	for (size_t i = 0; i < n; i++) {
		char comm[ONCPU_COMM_LEN + 1] = "";
		__u64 ns;

		if (take_oncpu(fd, &st->keys[i], &ns) || !share)
			continue;
		memcpy(comm, st->keys[i].comm, ONCPU_COMM_LEN);
		cpushare_add(share, now, cgroup_names_get(&st->names, st->keys[i].cgroup_id),
			     comm, ns);
	}
	if (share)
		cpushare_add_other(share, now, st->oncpu_other_ns);
}

static int sched_read(struct probe *pr, struct probe_counters *out)
{
	struct sched_state *st = pr->state;
	int err = sched_fetch(st);

	if (err)
		return err;
	for (int cpu = 0; cpu < st->ncpus; cpu++)
		out->sched.context_switches += st->now[cpu].context_switches;
	out->sched.valid = true;
	return 0;
}

static bool runq_measured(const struct probe *pr)
{
	return ((struct sched_state *)pr->state)->runq;
}

static int sched_collect(struct probe *pr, struct metric_set *set,
			 double seconds)
{
	struct sched_state *st = pr->state;
	struct metric_entity *e;
	uint64_t worst = 0, epoch = probe_epoch_next(pr);
	int err;

	err = sched_fetch(st);
	if (err)
		return err;
	sched_interval(st, epoch);
	memcpy(st->prev, st->now, st->ncpus * sizeof(*st->now));
	drain_oncpu(st, pr->cpushare);
	e = metric_set_entity(set, ENTITY_INSTANCE, "");
	if (!e)
		return -ENOMEM;
	err = metric_add(e, "ContextSwitches", UNIT_COUNT_PER_SECOND,
			 probe_rate(st->switches, seconds));
	if (err || !runq_measured(pr))
		return err;
	for (int cpu = 0; cpu < st->ncpus; cpu++) {
		uint64_t p99 = hist_quantile(&st->interval[cpu], 990,
					     HIST_MIDDLE);

		if (p99 > worst)
			worst = p99;
	}
	/* Nanoseconds in the maps, microseconds in the metrics. */
	err = probe_add_quantiles_scaled(e, "RunqLatency", &st->host,
					 UNIT_MICROSECONDS, 1000);
	if (!err && hist_count(&st->host))
		err = metric_add(e, "RunqLatencyWorstCpuP99", UNIT_MICROSECONDS,
				 worst / 1000.0);
	return err;
}

static int sched_histograms(struct probe *pr, const struct hist_meta *base,
			    struct json_object *hists, struct json_object *counters)
{
	struct sched_state *st = pr->state;
	char entity[32];
	int err = 0;

	if (!runq_measured(pr))
		return 0;
	if (!pr->collected_ms) {	/* since start: prev is all zero */
		err = sched_fetch(st);
		sched_interval(st, pr->epoch);
	}
	if (!err)
		err = probe_json_hist(hists, base, "runq_latency",
				      "run-queue latency", "host", "nsecs",
				      &st->host);
	for (int cpu = 0; cpu < st->ncpus && !err; cpu++) {
		if (!hist_count(&st->interval[cpu]))
			continue;
		snprintf(entity, sizeof(entity), "cpu %d", cpu);
		err = probe_json_hist(hists, base, "runq_latency",
				      "run-queue latency", entity, "nsecs",
				      &st->interval[cpu]);
	}
	return err;
}

const struct probe_ops probe_sched_ops = {
	.name = "sched",
	.parts = sched_parts,
	.n_parts = ARRAY_SIZE(sched_parts),
	.elf_bytes = sched_bpf__elf_bytes,
	.init = sched_init,
	.fini = sched_fini,
	.read = sched_read,
	.collect = sched_collect,
	.histograms = sched_histograms,
};
