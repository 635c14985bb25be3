/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * eBPF probes: the libbpf lifecycle (open, load, attach, read, destroy) of a
 * fixed table of probes ("sched" for now). Each probe runs or not on its own;
 * one that cannot run records why, in words an engineer can act on, and the
 * caller carries on. Attachments are bpf_links only, so a killed process
 * leaves nothing attached.
 */
#ifndef PA_PROBES_H
#define PA_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct probes;

enum probe_state {
	PROBE_NOT_RUNNING,	/* wanted, but could not load or attach */
	PROBE_RUNNING,
	PROBE_DISABLED,		/* switched off in the configuration */
};

enum probe_attach {
	PROBE_ATTACH_NONE,	/* not running */
	PROBE_ATTACH_TP_BTF,	/* BTF-enabled raw tracepoint, the default */
	PROBE_ATTACH_RAW_TP,	/* raw tracepoint, the fallback */
};

struct probe_status {
	const char *name;
	enum probe_state state;
	enum probe_attach attach;
	/*
	 * Why the probe is not running, or, when it runs on the raw_tp
	 * fallback, why tp_btf was not used. NULL otherwise.
	 */
	const char *reason;
};

/*
 * What probes_read() returns: one member per probe. Counters are cumulative
 * since the probe last started and summed over CPUs; they start again from
 * zero when a disabled probe is enabled again, so a consumer computing rates
 * takes a new baseline when valid was false in its previous read.
 */
struct probe_counters {
	struct {
		bool valid;		/* the probe runs and was read */
		uint64_t context_switches;
	} sched;
};

/*
 * A probe set with every probe not running yet. Routes libbpf's messages to
 * log_debug(). NULL when out of memory.
 */
struct probes *probes_new(void);
/* Detaches and unloads every running probe, then frees p. NULL is a no-op. */
void probes_free(struct probes *p);

/* True when name is a probe of the table (for config validation). */
bool probes_name_known(const char *name);
/* The probe names, comma-separated ("sched"), for error messages. */
const char *probes_known_names(void);

/*
 * Makes the running set match the configuration: starts every probe that is
 * not in disabled (a NULL-terminated list of names; NULL means none) and not
 * running yet, trying tp_btf first and raw_tp second; stops every running
 * probe that is in disabled. Unknown names are ignored. Never fails: a probe
 * that cannot start is left "not running" with its reason, logged at warn
 * once per new reason. Can be called again on every configuration reload;
 * probes that failed before are retried.
 */
void probes_configure(struct probes *p, const char *const *disabled);

/*
 * Fills out with the counters of every running probe (see struct
 * probe_counters). Returns 0, or the negative errno of the first probe whose
 * maps could not be read (its valid flag stays false; others are filled).
 */
int probes_read(struct probes *p, struct probe_counters *out);

/* Number of probes in the table, and the status of the i-th (i < count). */
size_t probes_count(void);
const struct probe_status *probes_status(const struct probes *p, size_t i);

/* "running", "not running", "disabled". */
const char *probe_state_name(enum probe_state state);
/* "tp_btf", "raw_tp", or NULL for PROBE_ATTACH_NONE. */
const char *probe_attach_name(enum probe_attach attach);

/*
 * A new json-c array, one object per probe:
 * {"name":"sched","state":"running"|"not running"|"disabled",
 *  "attach":"tp_btf"|"raw_tp"|null,"reason":string|null}.
 * The caller owns the reference; NULL when out of memory.
 */
struct json_object *probes_status_json(const struct probes *p);

#endif
