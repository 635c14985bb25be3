/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Between agent/probes/probes.c (the generic lifecycle) and the probes
 * (agent/probes/probe_sched.c, probe_block.c, probe_tcp.c). Not for other modules.
 *
 * A probe is a BPF object whose programs each attach to one tracepoint, as
 * SEC("tp_btf/<tracepoint>") and/or its twin SEC("raw_tp/<tracepoint>")
 * (a part with no raw_tp twin is missing on the fallback), plus its ops: the tracepoints it uses (its parts), and what it does with
 * its maps once running. Adding a probe: bpf/<name>.bpf.c and .h, an
 * agent/probes/probe_<name>.c defining probe_<name>_ops, one line in probes.c's
 * table.
 */
#ifndef PA_PROBE_PRIV_H
#define PA_PROBE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/hist.h"
#include "core/metrics.h"
#include "probes/probes.h"

#define PROBE_MAX_PARTS 8
#define PROBE_REASON_MAX 384
#define PROBE_TP_MAX 64

struct bpf_map;
struct btf;
struct cpushare;
struct json_object;
struct probe;

/* One tracepoint a probe attaches to. */
struct probe_part {
	const char *tracepoint;	/* "sched_switch": no subsystem, as BTF has it */
	const char *gives;	/* what is lost without it, for the reason */
	bool required;		/* the probe does not run without it */
};

/*
 * kernel_types() (optional) runs before the probe's object is loaded, with
 * the kernel's BTF (NULL when it has none), and keeps what init() will need
 * from it: the BTF is freed before the load. prepare() (optional) runs on
 * the opened object just before its load (map sizes; 0 or a negative
 * errno, which fails the attempt). init() runs once the probe is
 * attached: it finds its maps and sets up pr->state (0 or a negative errno;
 * the probe is then stopped); what the probe cannot measure on this kernel
 * goes in pr->note, for its status. fini() frees pr->state, even a partial one.
 * read() fills its member of struct probe_counters (optional; it must not
 * change what histograms() shows). collect() adds the metrics of the
 * interval of seconds that ends now. histograms() appends hist_json()
 * objects to hists and counter objects to counters: the last collected
 * interval, or since start when none was collected (base carries probe,
 * span and seconds). status_json() (optional) adds the probe's own members
 * to its object in `perfagent status --json`.
 */
struct probe_ops {
	const char *name;
	const struct probe_part *parts;
	size_t n_parts;
	const void *(*elf_bytes)(size_t *size);	/* the skeleton's object */
	void (*kernel_types)(const struct btf *vmlinux);
	int (*prepare)(struct probe *pr);
	int (*init)(struct probe *pr);
	void (*fini)(struct probe *pr);
	int (*read)(struct probe *pr, struct probe_counters *out);
	int (*collect)(struct probe *pr, struct metric_set *set, double seconds);
	int (*histograms)(struct probe *pr, const struct hist_meta *base,
			  struct json_object *hists, struct json_object *counters);
	int (*status_json)(struct probe *pr, struct json_object *o);
};

struct probe {
	const struct probe_ops *ops;
	struct bpf_object *obj;			/* while running */
	struct bpf_link *links[PROBE_MAX_PARTS];
	enum probe_attach part_attach[PROBE_MAX_PARTS];
	bool tp_in_btf[PROBE_MAX_PARTS];	/* the kernel's BTF has its target */
	char part_note[PROBE_MAX_PARTS][96];	/* why a part is off or on raw_tp */
	char part_idle[PROBE_MAX_PARTS][96];	/* loaded, detached on purpose: why */
	char target[PROBE_MAX_PARTS][PROBE_TP_MAX];	/* tests may retarget */
	bool only_raw_tp;			/* tests of the fallback */
	int sample;				/* PROBES_SAMPLE_*, or N: block's latency sampling */
	void *state;				/* the probe's own, from init() */
	struct cpushare *cpushare;		/* sched's on-CPU time goes here; NULL: nowhere */
	char note[160];				/* init(): what the probe lacks */
	uint64_t started_ms, collected_ms;	/* monotonic; 0: never */
	uint64_t epoch;				/* the interval counted now (bpf/hist.h) */
	double last_seconds;			/* length of the last interval */
	struct probe_status status;
	char reason[PROBE_REASON_MAX];		/* status.reason points here */
};

extern const struct probe_ops probe_sched_ops;
extern const struct probe_ops probe_block_ops;
extern const struct probe_ops probe_tcp_ops;

/* The running probe's map of that name; NULL (and a log line) if none. */
struct bpf_map *probe_map(const struct probe *pr, const char *name);

/* How the probe's program for tracepoint is attached (NONE: it is not). */
enum probe_attach probe_part_attach(const struct probe *pr,
				    const char *tracepoint);

/*
 * Detaches an attached part's program and keeps it loaded, with why for
 * the status (idle), or attaches it again (why NULL). A part idle on
 * purpose still counts as attached in probe_part_attach(): it is running
 * as far as the probe's outcome goes. 0, -ENOENT (no such part attached),
 * or the attach error.
 */
int probe_part_idle(struct probe *pr, const char *tracepoint, const char *why);

/* True while the part is idle by probe_part_idle(). */
bool probe_part_is_idle(const struct probe *pr, const char *tracepoint);

/*
 * Reads key 0 of a per-CPU array into vals, one value_size copy per
 * possible CPU (ncpus of them, from libbpf_num_possible_cpus()).
 */
int probe_read_percpu(struct bpf_map *map, void *vals, size_t value_size,
		      int ncpus);

/*
 * Closes the programs' histogram interval (hist_epoch, bpf/hist.h): the
 * next values' maxima count in the next one. Returns the closed epoch, for
 * hist_delta() on a read made right after. Before the first collect, the
 * running interval is pr->epoch. When the write fails, the epoch stays
 * (logged): the maxima then span the intervals since the last advance.
 */
uint64_t probe_epoch_next(struct probe *pr);

/* Per second; 0 for an empty interval. */
double probe_rate(uint64_t count, double seconds);

/*
 * Adds <prefix> (h as a distribution, hist_dist.h) and <prefix>P50, P90,
 * P99, P999 and Max of h to e, when h has samples. 0 or -ENOMEM. Sizes
 * (UNIT_BYTES) use HIST_LOWER, the rest HIST_MIDDLE.
 */
int probe_add_quantiles(struct metric_entity *e, const char *prefix,
			const struct hist *h, enum metric_unit unit);

/*
 * The same for a histogram of values in a finer unit: each figure divided
 * by per_unit (1000 for nanoseconds reported as UNIT_MICROSECONDS).
 */
int probe_add_quantiles_scaled(struct metric_entity *e, const char *prefix,
			       const struct hist *h, enum metric_unit unit,
			       double per_unit);

/*
 * Appends hist_json(h) with base's probe, span and seconds to arr; unit
 * "bytes" uses HIST_LOWER, the rest HIST_MIDDLE.
 */
int probe_json_hist(struct json_object *arr, const struct hist_meta *base,
		    const char *name, const char *title, const char *entity,
		    const char *unit, const struct hist *h);

/* Appends o to arr, or drops o: 0 or -ENOMEM (also when o is NULL). */
int probe_json_append(struct json_object *arr, struct json_object *o);

/* Appends {"probe", "name", "title", "entity", "span", "seconds", "count"}. */
int probe_json_counter(struct json_object *arr, const struct hist_meta *base,
		       const char *name, const char *title, const char *entity,
		       uint64_t count);

#endif
