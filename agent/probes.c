// SPDX-License-Identifier: GPL-2.0-only
/*
 * eBPF probes: a table of probes, each with its own start (open the
 * skeleton, keep the programs of one attach kind, load, attach), stop and
 * read. The generic part tries tp_btf, then raw_tp, turns failures into
 * reasons and keeps the status that `perfagent status` shows.
 *
 * Adding a probe: its bpf/<name>.bpf.c with a tp_btf/ and a raw_tp/ program
 * per tracepoint, its start/stop/read below, one entry in probe_table and
 * one member in struct probe_counters.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "log.h"
#include "probes.h"
#include "util.h"

#include "bpf/sched.h"
#include "sched.skel.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#define REASON_MAX 256

struct probe;

/*
 * start() opens the probe's BPF object, calls probe_keep_programs() on it,
 * loads and attaches it and stores it in pr->obj; it returns 0 or a negative
 * errno and leaves nothing loaded on failure. stop() destroys what start()
 * made. read() fills the probe's member of struct probe_counters.
 */
struct probe_ops {
	const char *name;
	const char *tracepoints;	/* what it attaches to, for messages */
	int (*start)(struct probe *pr, enum probe_attach how);
	void (*stop)(struct probe *pr);
	int (*read)(const struct probe *pr, struct probe_counters *out);
};

struct probe {
	const struct probe_ops *ops;
	void *obj;			/* the probe's skeleton while running */
	struct probe_status status;
	char reason[REASON_MAX];	/* status.reason points here or is NULL */
};

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Turns autoload off for the programs of the other attach kind: raw_tp
 * programs when attaching with tp_btf, tp_btf programs otherwise. Programs
 * of any other kind are left alone.
 */
static void probe_keep_programs(struct bpf_object *obj, enum probe_attach how)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		bool raw = has_prefix(sec, "raw_tp/") ||
			   has_prefix(sec, "raw_tracepoint/");
		bool btf = has_prefix(sec, "tp_btf/");

		if ((how == PROBE_ATTACH_TP_BTF && raw) ||
		    (how == PROBE_ATTACH_RAW_TP && btf))
			bpf_program__set_autoload(prog, false);
	}
}

/* sched: context switches, from sched/sched_switch. */

static int sched_start(struct probe *pr, enum probe_attach how)
{
	struct sched_bpf *skel;
	int err;

	skel = sched_bpf__open();
	if (!skel)
		return errno ? -errno : -ENOMEM;
	probe_keep_programs(skel->obj, how);
	err = sched_bpf__load(skel);
	if (err)
		goto fail;
	err = sched_bpf__attach(skel);
	if (err)
		goto fail;
	pr->obj = skel;
	return 0;
fail:
	sched_bpf__destroy(skel);
	return err;
}

static void sched_stop(struct probe *pr)
{
	sched_bpf__destroy(pr->obj);
	pr->obj = NULL;
}

static int sched_read(const struct probe *pr, struct probe_counters *out)
{
	const struct sched_bpf *skel = pr->obj;
	struct sched_counters *vals;
	int ncpus = libbpf_num_possible_cpus();
	__u32 key = 0;
	int err;

	if (ncpus < 0)
		return ncpus;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	err = bpf_map__lookup_elem(skel->maps.sched_counters, &key, sizeof(key),
				   vals, ncpus * sizeof(*vals), 0);
	if (err)
		goto out;
	for (int cpu = 0; cpu < ncpus; cpu++)
		out->sched.context_switches += vals[cpu].context_switches;
	out->sched.valid = true;
out:
	free(vals);
	return err;
}

static const struct probe_ops probe_table[] = {
	{
		.name = "sched",
		.tracepoints = "sched/sched_switch",
		.start = sched_start,
		.stop = sched_stop,
		.read = sched_read,
	},
};

#define PROBES_N ARRAY_SIZE(probe_table)

struct probes {
	struct probe probe[PROBES_N];
};

/* Generic part. */

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt,
			   va_list ap)
{
	char buf[4096];
	size_t len;

	/* libbpf's debug level narrates every load step: too much even here. */
	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	len = strlen(buf);
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	/* libbpf's format identifies the message, for rate limiting. */
	log_msg_site(LOG_LVL_DEBUG, fmt, "%s", buf);
	return 0;
}

/* Logs a status change: warn for not running, info or debug otherwise. */
static void probe_log(const struct probe *pr)
{
	const struct probe_status *st = &pr->status;

	switch (st->state) {
	case PROBE_RUNNING:
		if (st->reason)
			log_info("probe %s: running on %s (%s)", st->name,
				 probe_attach_name(st->attach), st->reason);
		else
			log_debug("probe %s: running on %s", st->name,
				  probe_attach_name(st->attach));
		break;
	case PROBE_DISABLED:
		log_info("probe %s: disabled in config", st->name);
		break;
	case PROBE_NOT_RUNNING:
		log_warn("probe %s: not running: %s", st->name, st->reason);
		break;
	}
}

/* Sets the status; logs it when it differs from the previous one. */
static void probe_set(struct probe *pr, enum probe_state state,
		      enum probe_attach attach, const char *reason)
{
	struct probe_status *st = &pr->status;
	bool changed = st->state != state || st->attach != attach ||
		       !st->reason != !reason ||
		       (reason && strncmp(pr->reason, reason,
				   sizeof(pr->reason) - 1) != 0);

	st->state = state;
	st->attach = attach;
	st->reason = NULL;
	if (reason) {
		snprintf(pr->reason, sizeof(pr->reason), "%s", reason);
		st->reason = pr->reason;
	}
	if (changed)
		probe_log(pr);
}

/* Puts why start() failed with err in words an engineer can act on. */
static void probe_reason(const struct probe *pr, int err, char *buf,
			 size_t size)
{
	char msg[128];

	if (err == -EPERM) {
		snprintf(buf, size, "BPF not permitted (run as root or with "
			 "CAP_BPF+CAP_PERFMON)");
		return;
	}
	/* libbpf says ESRCH both for no kernel BTF and for no such BTF type. */
	if (err == -ESRCH && access(VMLINUX_BTF, R_OK) != 0) {
		snprintf(buf, size, "kernel has no BTF at %s", VMLINUX_BTF);
		return;
	}
	if (err == -ENOENT || err == -ESRCH) {
		snprintf(buf, size, "tracepoint %s missing", pr->ops->tracepoints);
		return;
	}
	libbpf_strerror(err, msg, sizeof(msg));
	snprintf(buf, size, "load or attach failed: %s (error %d; log level "
		 "debug shows libbpf's explanation)", msg, err);
}

/* Starts pr with tp_btf, or failing that raw_tp, and records the outcome. */
static void probe_start(struct probe *pr)
{
	char btf_why[REASON_MAX], why[REASON_MAX + 32];
	int err;

	err = pr->ops->start(pr, PROBE_ATTACH_TP_BTF);
	if (!err) {
		probe_set(pr, PROBE_RUNNING, PROBE_ATTACH_TP_BTF, NULL);
		return;
	}
	probe_reason(pr, err, btf_why, sizeof(btf_why));
	log_debug("probe %s: tp_btf failed (%s); trying raw_tp", pr->ops->name,
		  btf_why);

	err = pr->ops->start(pr, PROBE_ATTACH_RAW_TP);
	if (!err) {
		snprintf(why, sizeof(why), "tp_btf not usable: %s", btf_why);
		probe_set(pr, PROBE_RUNNING, PROBE_ATTACH_RAW_TP, why);
		return;
	}
	probe_reason(pr, err, why, sizeof(why));
	probe_set(pr, PROBE_NOT_RUNNING, PROBE_ATTACH_NONE, why);
}

static void probe_stop(struct probe *pr)
{
	if (pr->status.state == PROBE_RUNNING)
		pr->ops->stop(pr);
}

static bool name_listed(const char *name, const char *const *list)
{
	for (; list && *list; list++) {
		if (strcmp(name, *list) == 0)
			return true;
	}
	return false;
}

struct probes *probes_new(void)
{
	struct probes *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	libbpf_set_print(libbpf_print_fn);
	for (size_t i = 0; i < PROBES_N; i++) {
		struct probe *pr = &p->probe[i];

		pr->ops = &probe_table[i];
		pr->status.name = pr->ops->name;
		pr->status.state = PROBE_NOT_RUNNING;
		snprintf(pr->reason, sizeof(pr->reason), "not started yet");
		pr->status.reason = pr->reason;
	}
	return p;
}

void probes_free(struct probes *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < PROBES_N; i++)
		probe_stop(&p->probe[i]);
	free(p);
}

bool probes_name_known(const char *name)
{
	for (size_t i = 0; name && i < PROBES_N; i++) {
		if (strcmp(name, probe_table[i].name) == 0)
			return true;
	}
	return false;
}

const char *probes_known_names(void)
{
	static char names[128];
	size_t len = 0;

	if (names[0])
		return names;
	for (size_t i = 0; i < PROBES_N && len < sizeof(names); i++)
		len += snprintf(names + len, sizeof(names) - len, "%s%s",
				i ? ", " : "", probe_table[i].name);
	return names;
}

void probes_configure(struct probes *p, const char *const *disabled)
{
	for (size_t i = 0; i < PROBES_N; i++) {
		struct probe *pr = &p->probe[i];

		if (name_listed(pr->ops->name, disabled)) {
			probe_stop(pr);
			probe_set(pr, PROBE_DISABLED, PROBE_ATTACH_NONE,
				  "disabled in config");
		} else if (pr->status.state != PROBE_RUNNING) {
			probe_start(pr);
		}
	}
}

int probes_read(struct probes *p, struct probe_counters *out)
{
	int ret = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < PROBES_N; i++) {
		const struct probe *pr = &p->probe[i];
		int err;

		if (pr->status.state != PROBE_RUNNING)
			continue;
		err = pr->ops->read(pr, out);
		if (err) {
			log_warn("probe %s: cannot read its BPF map: %s",
				 pr->ops->name, strerror(-err));
			if (!ret)
				ret = err;
		}
	}
	return ret;
}

size_t probes_count(void)
{
	return PROBES_N;
}

const struct probe_status *probes_status(const struct probes *p, size_t i)
{
	return i < PROBES_N ? &p->probe[i].status : NULL;
}

const char *probe_state_name(enum probe_state state)
{
	switch (state) {
	case PROBE_RUNNING:
		return "running";
	case PROBE_DISABLED:
		return "disabled";
	case PROBE_NOT_RUNNING:
		break;
	}
	return "not running";
}

const char *probe_attach_name(enum probe_attach attach)
{
	switch (attach) {
	case PROBE_ATTACH_TP_BTF:
		return "tp_btf";
	case PROBE_ATTACH_RAW_TP:
		return "raw_tp";
	case PROBE_ATTACH_NONE:
		break;
	}
	return NULL;
}

static struct json_object *json_string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *status_json(const struct probe_status *st)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "name", json_object_new_string(st->name));
	json_object_object_add(o, "state",
			       json_object_new_string(probe_state_name(st->state)));
	json_object_object_add(o, "attach",
			       json_string_or_null(probe_attach_name(st->attach)));
	json_object_object_add(o, "reason", json_string_or_null(st->reason));
	return o;
}

struct json_object *probes_status_json(const struct probes *p)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < PROBES_N; i++) {
		struct json_object *o = status_json(&p->probe[i].status);

		if (!o || json_object_array_add(arr, o) != 0) {
			json_object_put(o);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}
