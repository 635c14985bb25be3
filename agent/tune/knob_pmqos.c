// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PM QoS backend: [pmqos] cpu_dma_latency, one held knob on
 * /dev/cpu_dma_latency (pmqos.h holds it; the engine decides when).
 *
 * A latency limit changes something only where the CPUs have idle states
 * that take longer than it to leave (cpuidle, under
 * /sys/devices/system/cpu/cpu0/cpuidle/stateN: name, and latency, the exit
 * latency in us). EC2 exposes C-states only on some sizes and the metal
 * types, and Graviton none: the knob is not applicable where cpuidle lists
 * no state, or none deeper than the limit, and the plan says which. A value
 * "stateN" is that state's exit latency on this host: state1 keeps the CPUs
 * in state1 (C1 on x86, state0 being POLL) or shallower, as AWS's
 * intel_idle.max_cstate=1 does at boot.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tune/knob.h"
#include "tune/pmqos.h"

#define CPUIDLE_DIR "/sys/devices/system/cpu/cpu0/cpuidle"
#define MAX_STATES 16

struct idle_state {
	char dir[16];           /* "state1" */
	char name[32];          /* "C1", "C1E", "POLL" */
	long long latency_us;
};

static int state_filter(const struct dirent *d)
{
	return !strncmp(d->d_name, "state", 5);
}

/* The first line of CPUIDLE_DIR/dir/attr under the sysroot; false when unread. */
static bool state_attr(const struct pa_paths *paths, const char *dir, const char *attr,
		       char *buf, size_t size)
{
	char rel[PATH_MAX], path[PATH_MAX];

	return !util_join(rel, sizeof(rel), CPUIDLE_DIR "/%s/%s", dir, attr) &&
	       !paths_sys(paths, path, sizeof(path), rel) && util_read_line(path, buf, size) >= 0;
}

/* cpu0's idle states, shallowest first; how many (0: none, or no cpuidle). */
static int idle_states(const struct pa_paths *paths, struct idle_state *v, int max)
{
	struct dirent **list;
	int n = knob_scan_dir(paths, CPUIDLE_DIR, &list, state_filter), found = 0;

	for (int i = 0; i < n && found < max; i++) {
		struct idle_state *s = &v[found];
		char lat[32], *end;

		snprintf(s->dir, sizeof(s->dir), "%.15s", list[i]->d_name);
		if (!state_attr(paths, s->dir, "latency", lat, sizeof(lat)))
			continue;
		errno = 0;
		s->latency_us = strtoll(lat, &end, 10);
		if (errno || end == lat || *end || s->latency_us < 0)
			continue;
		if (!state_attr(paths, s->dir, "name", s->name, sizeof(s->name)))
			snprintf(s->name, sizeof(s->name), "?");
		found++;
	}
	knob_free_scan(list, n);
	return found;
}

/* Whether /proc/cpuinfo describes Arm cores ("CPU implementer"): Graviton on EC2. */
static bool host_is_arm(const struct pa_paths *paths)
{
	char path[PATH_MAX], *text = NULL;
	bool arm;

	if (paths_sys(paths, path, sizeof(path), "/proc/cpuinfo") ||
	    util_read_file(path, 1 << 20, &text) < 0)
		return false;
	arm = strstr(text, "CPU implementer") != NULL;
	free(text);
	return arm;
}

/* The limit in us for value, set in k->want with a note, or a skip; false: skipped. */
static bool resolve_value(const char *value, const struct idle_state *st, int n,
			  struct knob *k, long long *us)
{
	char names[96] = "";
	size_t off = 0;

	if (strncmp(value, "state", 5)) {
		*us = strtoll(value, NULL, 10);     /* checked when the profile was loaded */
		return true;
	}
	for (int i = 0; i < n; i++) {
		if (strcmp(st[i].dir, value))
			continue;
		*us = st[i].latency_us;
		snprintf(k->want, sizeof(k->want), "%lld", *us);
		snprintf(k->note, sizeof(k->note),
			 "%.16s = %.31s's exit latency on this host (%lld us)", value, st[i].name,
			 *us);
		return true;
	}
	for (int i = 0; i < n && off < sizeof(names); i++)
		off += snprintf(names + off, sizeof(names) - off, "%s%s (%s)", i ? ", " : "",
				st[i].dir, st[i].name);
	snprintf(k->skip, sizeof(k->skip), "not applicable: this host has no cpuidle %.16s "
		 "(it has %s)", value, names);
	return false;
}

static int pmqos_expand(const struct pa_paths *paths, const struct profile_value *pv,
			struct knob_list *out)
{
	struct knob *k = knob_new(out, pv, NULL);
	struct idle_state st[MAX_STATES];
	const struct idle_state *deepest;
	long long us;
	int n;

	if (!k)
		return -ENOMEM;
	if (k->skip[0])
		return 0;
	n = idle_states(paths, st, MAX_STATES);
	if (n == 0) {
		snprintf(k->skip, sizeof(k->skip), "not applicable: %s", host_is_arm(paths) ?
			 "Graviton (Arm) CPUs run at a fixed frequency and expose no C-states "
			 "(no cpuidle states)" : "this host exposes no C-states (no cpuidle "
			 "states); EC2 exposes them only on some sizes and metal types");
		return 0;
	}
	if (!resolve_value(pv->value, st, n, k, &us))
		return 0;
	deepest = &st[0];
	for (int i = 1; i < n; i++)
		deepest = st[i].latency_us > deepest->latency_us ? &st[i] : deepest;
	if (deepest->latency_us <= us)
		snprintf(k->skip, sizeof(k->skip), "not applicable: no C-state takes longer than "
			 "%lld us to leave (the deepest, %s, takes %lld us): nothing to limit", us,
			 deepest->name, deepest->latency_us);
	else
		snprintf(k->path, sizeof(k->path), "%s", PMQOS_DEVICE);
	return 0;
}

/* The limit in force, as a decimal number of us. */
static int pmqos_knob_read(const struct pa_paths *paths, const struct knob *k,
			   struct knob_value *v)
{
	int32_t us;
	int ret;

	v->norm[0] = '\0';
	v->original = NULL;
	ret = pmqos_read(paths, &us);
	if (ret)
		return ret == -ENOTDIR ? -ENOENT : ret;
	snprintf(v->norm, sizeof(v->norm), "%d", us);
	v->original = strdup(v->norm);
	return v->original ? 0 : -ENOMEM;
}

const struct knob_backend knob_pmqos_backend = {
	.kind = KNOB_PMQOS,
	.name = "pmqos",
	.expand = pmqos_expand,
	.read = pmqos_knob_read,
	.held = true,
};
