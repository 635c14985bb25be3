/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who used the CPU in the last hour: on-CPU time by cgroup (systemd
 * service, container) and process name, as the sched probe drains it from
 * the kernel every interval, kept in one-minute buckets for an hour.
 *
 * Bounded: at most CPUSHARE_MAX_PAIRS (cgroup, name) pairs; time of pairs
 * beyond it, and time the kernel could not attribute (its map was full),
 * goes to "other". A pair with no time left in the window is forgotten.
 */
#ifndef PA_CPUSHARE_H
#define PA_CPUSHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define CPUSHARE_MINUTES 60
#define CPUSHARE_MAX_PAIRS 512
#define CPUSHARE_CGROUP_MAX 192
#define CPUSHARE_COMM_MAX 16

struct cpushare;

enum cpushare_by {
	CPUSHARE_BY_CGROUP,	/* path in the cgroup v2 tree ("/system.slice/nginx.service") */
	CPUSHARE_BY_PROCESS,	/* process name ("nginx") */
};

/* One line of a ranking: a cgroup or a process name and its time. */
struct cpushare_group {
	char name[CPUSHARE_CGROUP_MAX];
	uint64_t ns;
};

struct cpushare_totals {
	uint64_t ns;		/* all on-CPU time in the window, other included */
	uint64_t other_ns;	/* not attributed (a table was full) */
	uint64_t window_ms;	/* the window: an hour, or since the first add */
};

/* NULL when out of memory. */
struct cpushare *cpushare_new(void);
void cpushare_free(struct cpushare *s);

/*
 * Adds ns of on-CPU time at now_ms (monotonic) to (cgroup, comm); cgroup
 * NULL when cgroups cannot be told apart on this host. Names are stored
 * with anything unprintable replaced.
 */
void cpushare_add(struct cpushare *s, uint64_t now_ms, const char *cgroup,
		  const char *comm, uint64_t ns);
/* Adds ns that could not be attributed. */
void cpushare_add_other(struct cpushare *s, uint64_t now_ms, uint64_t ns);

/* Why cgroups cannot be told apart, or NULL; shown in status. */
void cpushare_set_note(struct cpushare *s, const char *note);

/*
 * The top max groups of the window ending at now_ms, largest first, into
 * out; returns how many. Pairs whose cgroup is unknown are left out of the
 * cgroup ranking (their time is in totals->ns). totals may be NULL.
 */
size_t cpushare_top(const struct cpushare *s, uint64_t now_ms, enum cpushare_by by,
		    struct cpushare_group *out, size_t max, struct cpushare_totals *totals);

/*
 * The "consumers" member of status' "cpu" (README, "JSON output"): the
 * window, the totals, and the top five cgroups and process names with
 * their shares; with credits, each also in CPU credits (one credit is one
 * vCPU-minute). NULL (JSON null) before anything was added.
 */
struct json_object *cpushare_json(const struct cpushare *s, uint64_t now_ms, bool credits);

/* The last path component of a cgroup path ("nginx.service"); "/" for the root. */
const char *cpushare_cgroup_name(const char *path);

#endif
