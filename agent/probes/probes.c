// SPDX-License-Identifier: GPL-2.0-only
/*
 * eBPF probes: a table of probes (agent/probe_*.c), each its own BPF object,
 * started, stopped, read and collected on its own. This file is the generic
 * part: it picks tp_btf or raw_tp for each program, loads, attaches each
 * program by itself, turns failures into reasons, keeps the status that
 * `perfagent status` shows, and times the collection intervals.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "core/log.h"
#include "probes/probe_priv.h"
#include "core/util.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

static const struct probe_ops *const probe_table[] = {
	&probe_sched_ops,
	&probe_block_ops,
	&probe_tcp_ops,
};

#define PROBES_N ARRAY_SIZE(probe_table)

struct probes {
	struct probe probe[PROBES_N];
};

/* Generic part: messages and status. */

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

/* Puts why loading failed with err in words an engineer can act on. */
static void load_reason(int err, char *buf, size_t size)
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
	libbpf_strerror(err, msg, sizeof(msg));
	snprintf(buf, size, "load failed: %s (error %d; log level debug shows "
		 "libbpf's explanation)", msg, err);
}

/* Appends "; " (when not first) and a formatted note to buf. */
__attribute__((format(printf, 3, 4)))
static void note_add(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len && len + 2 < size) {
		strcpy(buf + len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* Lifecycle of one probe. */

static struct bpf_program *find_prog(struct bpf_object *obj, const char *kind,
				     const char *tracepoint)
{
	size_t n = strlen(kind);
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);

		if (strncmp(sec, kind, n) == 0 && sec[n] == '/' &&
		    strcmp(sec + n + 1, tracepoint) == 0)
			return prog;
	}
	return NULL;
}

static bool btf_has_tracepoint(const struct btf *btf, const char *tracepoint)
{
	char name[PROBE_TP_MAX + 16];

	snprintf(name, sizeof(name), "btf_trace_%s", tracepoint);
	return btf && btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
}

/* Why part i is not on tp_btf ("" when it is, or raw_tp was asked for). */
static void part_note(struct probe *pr, size_t i, enum probe_attach how,
		      bool has_btf_prog, bool has_raw_prog)
{
	char *note = pr->part_note[i];
	size_t size = sizeof(pr->part_note[i]);

	note[0] = '\0';
	if (pr->part_attach[i] == PROBE_ATTACH_TP_BTF)
		return;
	if (how != PROBE_ATTACH_TP_BTF) {
		if (!has_raw_prog)
			snprintf(note, size, "needs tp_btf");
		return;
	}
	if (has_btf_prog)
		snprintf(note, size, "no BTF type btf_trace_%s%s", pr->target[i],
			 has_raw_prog ? "" : " (only tp_btf can give it)");
}

/*
 * Picks part i's program for attach kind how (tp_btf when asked and the
 * kernel's BTF has the tracepoint, else raw_tp) and turns autoload off for
 * the other. Records the pick and, when it is not tp_btf, why.
 */
static void part_choose(struct probe *pr, size_t i, enum probe_attach how)
{
	const char *tp = pr->ops->parts[i].tracepoint, *target = pr->target[i];
	struct bpf_program *on_btf = find_prog(pr->obj, "tp_btf", tp);
	struct bpf_program *on_raw = find_prog(pr->obj, "raw_tp", tp);
	bool btf_ok = on_btf && how == PROBE_ATTACH_TP_BTF && pr->tp_in_btf[i];

	pr->part_attach[i] = btf_ok ? PROBE_ATTACH_TP_BTF :
			     on_raw ? PROBE_ATTACH_RAW_TP : PROBE_ATTACH_NONE;
	if (on_btf)
		bpf_program__set_autoload(on_btf, btf_ok);
	if (on_raw)
		bpf_program__set_autoload(on_raw, !btf_ok);
	if (btf_ok && strcmp(target, tp) != 0)
		bpf_program__set_attach_target(on_btf, 0, target);
	part_note(pr, i, how, on_btf, on_raw);
}

/* Part i's program of the attach kind part_choose() picked. */
static struct bpf_program *part_prog(const struct probe *pr, size_t i)
{
	return find_prog(pr->obj, pr->part_attach[i] == PROBE_ATTACH_TP_BTF ?
			 "tp_btf" : "raw_tp", pr->ops->parts[i].tracepoint);
}

/* Attaches part i's chosen program; on failure the part is off. */
static void part_attach(struct probe *pr, size_t i)
{
	enum probe_attach how = pr->part_attach[i];
	struct bpf_program *prog = part_prog(pr, i);
	struct bpf_link *link;
	char msg[64];

	link = how == PROBE_ATTACH_TP_BTF ? bpf_program__attach(prog) :
	       bpf_program__attach_raw_tracepoint(prog, pr->target[i]);
	if (link) {
		pr->links[i] = link;
		return;
	}
	pr->part_attach[i] = PROBE_ATTACH_NONE;
	if (errno == ENOENT) {
		/* Through a copy: gcc 12 sees an overlap once this is inlined. */
		memcpy(msg, pr->target[i], sizeof(msg));
		msg[sizeof(msg) - 1] = '\0';
		snprintf(pr->part_note[i], sizeof(pr->part_note[i]),
			 "tracepoint %s not found", msg);
		return;
	}
	libbpf_strerror(-errno, msg, sizeof(msg));
	snprintf(pr->part_note[i], sizeof(pr->part_note[i]), "attach failed: %s",
		 msg);
}

/* Index of the part, or PROBE_MAX_PARTS when none. */
static size_t part_index(const struct probe *pr, const char *tracepoint)
{
	for (size_t i = 0; i < pr->ops->n_parts; i++) {
		if (strcmp(pr->ops->parts[i].tracepoint, tracepoint) == 0)
			return i;
	}
	return PROBE_MAX_PARTS;
}

int probe_part_idle(struct probe *pr, const char *tracepoint, const char *why)
{
	size_t i = part_index(pr, tracepoint);

	if (i >= PROBE_MAX_PARTS || (!pr->links[i] && !pr->part_idle[i][0]))
		return -ENOENT;
	if (why) {
		bpf_link__destroy(pr->links[i]);
		pr->links[i] = NULL;
		size_t n = strnlen(why, sizeof(pr->part_idle[i]) - 1);

		memmove(pr->part_idle[i], why, n);
		pr->part_idle[i][n] = '\0';
		return 0;
	}
	if (pr->links[i])
		return 0;
	part_attach(pr, i);
	pr->part_idle[i][0] = '\0';
	return pr->links[i] ? 0 : -ENOENT;
}

bool probe_part_is_idle(const struct probe *pr, const char *tracepoint)
{
	size_t i = part_index(pr, tracepoint);

	return i < PROBE_MAX_PARTS && pr->part_idle[i][0];
}

static void probe_detach(struct probe *pr)
{
	for (size_t i = 0; i < pr->ops->n_parts; i++) {
		bpf_link__destroy(pr->links[i]);
		pr->links[i] = NULL;
		pr->part_attach[i] = PROBE_ATTACH_NONE;
		pr->part_idle[i][0] = '\0';
	}
	bpf_object__close(pr->obj);
	pr->obj = NULL;
}

/*
 * The outcome of the attach step: the probe's attach kind, notes about the
 * parts not on tp_btf in why, and -ENOENT when a required part, or every
 * part, is off.
 */
static int probe_outcome(struct probe *pr, enum probe_attach *attach,
			 char *why, size_t size)
{
	bool on_btf = false, on_raw = false, lost = false;

	for (size_t i = 0; i < pr->ops->n_parts; i++) {
		const struct probe_part *part = &pr->ops->parts[i];
		enum probe_attach a = pr->part_attach[i];

		on_btf |= a == PROBE_ATTACH_TP_BTF;
		on_raw |= a == PROBE_ATTACH_RAW_TP;
		if (a == PROBE_ATTACH_NONE) {
			lost |= part->required;
			note_add(why, size, "%s missing (no %s): %s", part->tracepoint,
				 part->gives, pr->part_note[i]);
		} else if (pr->part_note[i][0]) {
			note_add(why, size, "%s on raw_tp: %s", part->tracepoint,
				 pr->part_note[i]);
		}
	}
	*attach = on_btf && on_raw ? PROBE_ATTACH_MIXED :
		  on_btf ? PROBE_ATTACH_TP_BTF : PROBE_ATTACH_RAW_TP;
	return lost || !(on_btf || on_raw) ? -ENOENT : 0;
}

/* One attempt at starting pr with attach kind how. */
static int probe_try(struct probe *pr, enum probe_attach how,
		     enum probe_attach *attach,
		     char *why, size_t size)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = pr->ops->name);
	const void *bytes;
	size_t len;
	int err;

	why[0] = '\0';
	bytes = pr->ops->elf_bytes(&len);
	pr->obj = bpf_object__open_mem(bytes, len, &opts);
	if (!pr->obj) {
		err = errno ? -errno : -ENOMEM;
		load_reason(err, why, size);
		return err;
	}
	for (size_t i = 0; i < pr->ops->n_parts; i++)
		part_choose(pr, i, how);
	err = pr->ops->prepare ? pr->ops->prepare(pr) : 0;
	if (!err)
		err = bpf_object__load(pr->obj);
	if (err) {
		load_reason(err, why, size);
		goto fail;
	}
	for (size_t i = 0; i < pr->ops->n_parts; i++) {
		if (pr->part_attach[i] != PROBE_ATTACH_NONE)
			part_attach(pr, i);
	}
	err = probe_outcome(pr, attach, why, size);
	if (!err)
		return 0;
fail:
	probe_detach(pr);
	return err;
}

/*
 * Starts pr with tp_btf, or failing that raw_tp; why says what is missing
 * or on raw_tp. Returns 0 or the last attempt's error.
 */
static int probe_attempts(struct probe *pr, enum probe_attach *attach, char *why,
			  size_t size)
{
	char btf_why[PROBE_REASON_MAX], raw_why[PROBE_REASON_MAX];
	int err, btf_err;

	if (pr->only_raw_tp)
		return probe_try(pr, PROBE_ATTACH_RAW_TP, attach, why, size);
	err = probe_try(pr, PROBE_ATTACH_TP_BTF, attach, btf_why, sizeof(btf_why));
	if (!err || err == -EPERM) {
		snprintf(why, size, "%s", btf_why);
		return err;
	}
	log_debug("probe %s: with tp_btf: %s; trying raw_tp", pr->ops->name,
		  btf_why);
	btf_err = err;
	err = probe_try(pr, PROBE_ATTACH_RAW_TP, attach, raw_why, sizeof(raw_why));
	/* A missing tracepoint is said best by the first attempt. */
	if (err && (btf_err == -ENOENT || strcmp(btf_why, raw_why) == 0))
		snprintf(why, size, "%s", btf_why);
	else if (err)
		snprintf(why, size, "with tp_btf: %.170s; with raw_tp: %.170s",
			 btf_why, raw_why);
	else
		snprintf(why, size, "tp_btf not usable: %.200s%s%.150s", btf_why,
			 raw_why[0] ? "; " : "", raw_why);
	return err;
}

/* The probe's own set-up once attached; undoes the attach on failure. */
static int probe_setup(struct probe *pr, char *why, size_t size)
{
	int err;

	pr->state = NULL;
	pr->note[0] = '\0';
	err = pr->ops->init(pr);
	if (!err) {
		if (pr->note[0])
			note_add(why, size, "%s", pr->note);
		return 0;
	}
	pr->ops->fini(pr);
	pr->state = NULL;
	probe_detach(pr);
	snprintf(why, size, "cannot set up: %s", strerror(-err));
	return err;
}

/* Starts pr and records the outcome in its status. */
static void probe_start(struct probe *pr)
{
	char why[PROBE_REASON_MAX];
	enum probe_attach attach;
	int err;

	err = probe_attempts(pr, &attach, why, sizeof(why));
	if (!err)
		err = probe_setup(pr, why, sizeof(why));
	if (err) {
		probe_set(pr, PROBE_NOT_RUNNING, PROBE_ATTACH_NONE, why);
		return;
	}
	pr->started_ms = util_now_mono_ms();
	pr->collected_ms = 0;
	pr->epoch = 0;		/* a new object's hist_epoch */
	probe_set(pr, PROBE_RUNNING, attach, why[0] ? why : NULL);
}

static void probe_stop(struct probe *pr)
{
	if (pr->status.state != PROBE_RUNNING)
		return;
	pr->ops->fini(pr);
	pr->state = NULL;
	probe_detach(pr);
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

		pr->ops = probe_table[i];
		pr->status.name = pr->ops->name;
		pr->status.state = PROBE_NOT_RUNNING;
		snprintf(pr->reason, sizeof(pr->reason), "not started yet");
		pr->status.reason = pr->reason;
		for (size_t j = 0; j < pr->ops->n_parts; j++)
			snprintf(pr->target[j], sizeof(pr->target[j]), "%s",
				 pr->ops->parts[j].tracepoint);
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
		if (strcmp(name, probe_table[i]->name) == 0)
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
				i ? ", " : "", probe_table[i]->name);
	return names;
}

/*
 * What the probes to start need from the kernel's BTF: which of their
 * tracepoints it describes, and each probe's own types (kernel_types).
 * Read before any object is loaded, and freed: libbpf parses a copy of its
 * own in every load, and holding both would add 6 MiB to the peak RSS.
 */
static void read_kernel_btf(struct probes *p, const bool *starting)
{
	struct btf *btf = btf__load_vmlinux_btf();

	for (size_t i = 0; i < PROBES_N; i++) {
		struct probe *pr = &p->probe[i];

		if (!starting[i])
			continue;
		for (size_t k = 0; k < pr->ops->n_parts; k++)
			pr->tp_in_btf[k] = btf_has_tracepoint(btf, pr->target[k]);
		if (pr->ops->kernel_types)
			pr->ops->kernel_types(btf);
	}
	btf__free(btf);
}

void probes_configure(struct probes *p, const char *const *disabled)
{
	bool starting[PROBES_N] = { false }, any = false;

	for (size_t i = 0; i < PROBES_N; i++) {
		struct probe *pr = &p->probe[i];

		if (name_listed(pr->ops->name, disabled)) {
			probe_stop(pr);
			probe_set(pr, PROBE_DISABLED, PROBE_ATTACH_NONE,
				  "disabled in config");
			continue;
		}
		starting[i] = pr->status.state != PROBE_RUNNING;
		any |= starting[i];
	}
	if (!any)
		return;
	read_kernel_btf(p, starting);
	for (size_t i = 0; i < PROBES_N; i++)
		if (starting[i])
			probe_start(&p->probe[i]);
}

void probes_set_cpushare(struct probes *p, struct cpushare *share)
{
	for (size_t i = 0; i < PROBES_N; i++)
		p->probe[i].cpushare = share;
}

void probes_set_block_sample(struct probes *p, int sample)
{
	for (size_t i = 0; i < PROBES_N; i++)
		p->probe[i].sample = sample;
}

int probes_read(struct probes *p, struct probe_counters *out)
{
	int ret = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < PROBES_N; i++) {
		struct probe *pr = &p->probe[i];
		int err;

		if (pr->status.state != PROBE_RUNNING || !pr->ops->read)
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

int probes_collect(struct probes *p, struct metric_set *set)
{
	uint64_t now = util_now_mono_ms();
	int ret = 0;

	for (size_t i = 0; i < PROBES_N; i++) {
		struct probe *pr = &p->probe[i];
		uint64_t since;
		int err;

		if (pr->status.state != PROBE_RUNNING)
			continue;
		since = pr->collected_ms ? pr->collected_ms : pr->started_ms;
		pr->last_seconds = (now - since) / 1000.0;
		err = pr->ops->collect(pr, set, pr->last_seconds);
		pr->collected_ms = now;
		if (err) {
			log_warn("probe %s: cannot collect its metrics: %s",
				 pr->ops->name, strerror(-err));
			if (!ret)
				ret = err;
		}
	}
	return ret;
}

struct json_object *probes_histograms_json(struct probes *p)
{
	struct json_object *root = json_object_new_object();
	struct json_object *hists = json_object_new_array();
	struct json_object *counters = json_object_new_array();
	uint64_t now = util_now_mono_ms();
	int err = 0;

	if (!root || !hists || !counters)
		goto fail;
	json_object_object_add(root, "histograms", hists);
	json_object_object_add(root, "counters", counters);
	for (size_t i = 0; i < PROBES_N && !err; i++) {
		struct probe *pr = &p->probe[i];
		struct hist_meta base = { .probe = pr->ops->name };

		if (pr->status.state != PROBE_RUNNING)
			continue;
		base.span = pr->collected_ms ? "interval" : "since start";
		base.seconds = pr->collected_ms ? pr->last_seconds :
			       (now - pr->started_ms) / 1000.0;
		err = pr->ops->histograms(pr, &base, hists, counters);
	}
	if (!err)
		return root;
	log_warn("cannot make the histograms: %s", strerror(-err));
	json_object_put(root);
	return NULL;
fail:
	json_object_put(root);
	json_object_put(hists);
	json_object_put(counters);
	return NULL;
}

int probes_retarget(struct probes *p, const char *probe, const char *tracepoint,
		    const char *target)
{
	for (size_t i = 0; i < PROBES_N; i++) {
		struct probe *pr = &p->probe[i];

		if (strcmp(pr->ops->name, probe) != 0)
			continue;
		for (size_t j = 0; j < pr->ops->n_parts; j++) {
			if (strcmp(pr->ops->parts[j].tracepoint, tracepoint) != 0)
				continue;
			snprintf(pr->target[j], sizeof(pr->target[j]), "%s", target);
			return 0;
		}
	}
	return -ENOENT;
}

int probes_only_raw_tp(struct probes *p, const char *probe, bool only)
{
	for (size_t i = 0; i < PROBES_N; i++) {
		if (strcmp(p->probe[i].ops->name, probe) == 0) {
			p->probe[i].only_raw_tp = only;
			return 0;
		}
	}
	return -ENOENT;
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
	case PROBE_ATTACH_MIXED:
		return "tp_btf+raw_tp";
	case PROBE_ATTACH_NONE:
		break;
	}
	return NULL;
}

static struct json_object *json_string_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

/*
 * Runs of part i's program the kernel skipped because the program was
 * already running on that CPU (its recursion guard: a completion
 * interrupting another, say): each is an event the probe did not count.
 * false when the kernel does not say (before 5.12) or the program has no fd.
 */
static bool part_missed_runs(const struct probe *pr, size_t i, uint64_t *missed)
{
	struct bpf_program *prog = part_prog(pr, i);
	struct bpf_prog_info info = {0};
	__u32 len = sizeof(info);
	int fd = prog ? bpf_program__fd(prog) : -1;

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    len < offsetof(struct bpf_prog_info, recursion_misses) +
		  sizeof(info.recursion_misses))
		return false;
	*missed = info.recursion_misses;
	return true;
}

static struct json_object *programs_json(const struct probe *pr)
{
	struct json_object *arr = json_object_new_array();
	bool running = pr->status.state == PROBE_RUNNING;
	uint64_t missed;

	for (size_t i = 0; arr && running && i < pr->ops->n_parts; i++) {
		struct json_object *o = json_object_new_object();
		enum probe_attach a = pr->part_attach[i];

		if (probe_json_append(arr, o)) {
			json_object_put(arr);
			return NULL;
		}
		json_object_object_add(o, "tracepoint",
				       json_object_new_string(pr->target[i]));
		json_object_object_add(o, "attach",
				       json_string_or_null(probe_attach_name(a)));
		json_object_object_add(o, "missing", a == PROBE_ATTACH_NONE ?
				       json_string_or_null(pr->part_note[i]) : NULL);
		json_object_object_add(o, "idle", json_string_or_null(pr->part_idle[i]));
		if (a != PROBE_ATTACH_NONE && part_missed_runs(pr, i, &missed))
			json_object_object_add(o, "missed", json_object_new_int64((int64_t)missed));
	}
	return arr;
}

static struct json_object *status_json(const struct probe *pr)
{
	const struct probe_status *st = &pr->status;
	struct json_object *o = json_object_new_object();
	struct json_object *programs = programs_json(pr);

	if (!o || !programs) {
		json_object_put(o);
		json_object_put(programs);
		return NULL;
	}
	json_object_object_add(o, "name", json_object_new_string(st->name));
	json_object_object_add(o, "state",
			       json_object_new_string(probe_state_name(st->state)));
	json_object_object_add(o, "attach",
			       json_string_or_null(probe_attach_name(st->attach)));
	json_object_object_add(o, "reason", json_string_or_null(st->reason));
	json_object_object_add(o, "programs", programs);
	if (st->state == PROBE_RUNNING && pr->ops->status_json &&
	    pr->ops->status_json((struct probe *)pr, o)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *probes_status_json(const struct probes *p)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < PROBES_N; i++) {
		if (probe_json_append(arr, status_json(&p->probe[i]))) {
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}
