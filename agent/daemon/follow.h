/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tuning that follows the host. What the daemon does when the host changes
 * under it:
 *
 *   - a hot-plug burst (hotplug.h): an interface or disk that is gone has its
 *     journal entries dropped (nothing left to verify or restore), a renamed
 *     interface's entries follow it, then the whole profile is planned again
 *     (a plan scans every device, so the new ones get their settings) and, in
 *     mode apply, applied. An interface whose carrier came back (an ENA
 *     device reset restores the driver's default rings and interrupt
 *     settings) has the knobs perfagent set and the driver put back to their
 *     originals set again, and is counted as a reset.
 *   - at each collection interval: the CPUs that take the interrupts of the
 *     interfaces with RPS knobs are read again (/proc/interrupts and each
 *     IRQ's affinity list: a few small files); when they moved (irqbalance,
 *     an administrator), the profile is planned again, which derives the RPS
 *     masks from the new interrupt CPUs.
 *
 * Everything goes through the engine's usual rules: mode advise only plans,
 * exclude = and the administrator's sysctl.d files are honoured, a value
 * someone else changed after perfagent is left alone. Status shows the last
 * event and what was done; the metrics count resets and re-plans.
 */
#ifndef PA_FOLLOW_H
#define PA_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/metrics.h"
#include "core/paths.h"
#include "daemon/hotplug.h"
#include "identity/identity.h"
#include "tune/tuning.h"

/* What the daemon hands over: its paths, settings, host and tuning state. */
struct follow_env {
	const struct pa_paths *paths;
	const struct tuning_opts *opts;
	struct identity *id;            /* its inventory is read again after a burst */
	struct tuning_state *tuning;
	bool apply;                     /* mode apply; false: advise */
};

struct follow {
	/* The last change followed, for status. */
	uint64_t last_wall_ms;
	char last_events[256];          /* "veth3 added, loop0 added or changed" */
	char last_done[320];            /* "planned again: 2 applied, 3 kept" */
	/* Since start. */
	uint64_t replans;
	uint64_t resets;
	uint64_t irq_moves;
	/* The counters as of the last interval's metrics. */
	uint64_t replans_reported, resets_reported;
};

void follow_burst(struct follow *f, const struct follow_env *env,
		  const struct hotplug_burst *burst);
/* At each collection interval: re-plans when the interrupt CPUs moved. */
void follow_interval(struct follow *f, const struct follow_env *env);
/* DeviceResets and TuningReplans over the interval (catalogue). */
void follow_add_metrics(struct follow *f, struct metric_entity *inst);
/* The "follow" member of status; h may be NULL (not watching). */
struct json_object *follow_json(const struct follow *f, const struct hotplug *h,
				const char *watch_error);

#endif
