// SPDX-License-Identifier: GPL-2.0-only
/* `perfagent status`: turns the daemon's JSON into a summary read in seconds. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/status.h"
#include "cli/text_wrap.h"
#include "core/jsonutil.h"
#include "net/ena.h"
#include "tune/tune.h"
#include "storage/nvme_stats.h"

#define LABEL "%-12s "
/* Where a line's text starts after LABEL: its folded rows start there too. */
#define TEXT_COLUMN 13

static void format_duration(int64_t s, char *buf, size_t size)
{
	if (s < 60)
		snprintf(buf, size, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm%02llds", (long long)s / 60, (long long)s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%lldh%02lldm", (long long)s / 3600, (long long)s % 3600 / 60);
	else
		snprintf(buf, size, "%lldd%02lldh", (long long)s / 86400,
			 (long long)s % 86400 / 3600);
}

static void print_agent(struct json_object *s, FILE *out)
{
	const char *version = json_at_str(s, "agent.version", "?");
	char up[32];

	format_duration(json_at_int(s, "agent.uptime_s"), up, sizeof(up));
	fprintf(out, LABEL "%s, pid %lld, up %s, mode %s\n", "perfagent", version,
		(long long)json_at_int(s, "agent.pid"), up, json_at_str(s, "agent.mode", "?"));
	/* Fields this command does not find are left out, not guessed. */
	if (strcmp(version, PERFAGENT_VERSION))
		fprintf(out, LABEL "the daemon is version %s, this command %s: what follows may "
			"be incomplete; restart the daemon after an upgrade (systemctl restart "
			"perfagent)\n", "", version, PERFAGENT_VERSION);
}

static void print_identity(struct json_object *s, FILE *out)
{
	struct json_object *id = json_at(s, "identity");

	if (json_at_bool(id, "is_ec2"))
		fprintf(out, LABEL "%s %s (from %s)%s%s\n", "instance",
			json_at_str(id, "instance_type", "(type unknown)"),
			json_at_str(id, "instance_id", "(id unknown)"),
			json_at_str(id, "source", "?"),
			json_at(id, "availability_zone") ? ", " : "",
			json_at_str(id, "availability_zone", ""));
	else
		fprintf(out, LABEL "%s\n", "instance", json_at_str(id, "note", "not EC2"));
	fprintf(out, LABEL "%lld vCPUs, %.1f GiB, NICs: %zu, block devices: %zu\n", "host",
		(long long)json_at_int(id, "vcpus"), json_at_int(id, "memory_bytes") / 1073741824.0,
		json_at_len(id, "nics"),
		json_at_len(id, "block_devices"));
}

/* A part of the product that reports its state and why (profile, sink). */
static void print_part(struct json_object *s, const char *part, FILE *out)
{
	struct json_object *o = json_at(s, part);

	fprintf(out, LABEL "%s: %s\n", part, json_at_str(o, "state", "?"),
		json_at_str(o, "reason", ""));
}

/*
 * The counts that are not zero, as "3 set, 5 kept"; advised: "3 to set (not
 * written)", since nothing was.
 */
static void print_counts(struct json_object *counts, bool advised, FILE *out)
{
	const char *sep = "";

	if (!json_object_is_type(counts, json_type_object)) {
		fprintf(out, "nothing");
		return;
	}
	json_object_object_foreach(counts, key, val) {
		if (json_object_is_type(val, json_type_int) && json_object_get_int64(val)) {
			fprintf(out, "%s%lld %s", sep, (long long)json_object_get_int64(val),
				advised && !strcmp(key, "set") ? "to set (not written)" : key);
			sep = ", ";
		}
	}
	if (!*sep)
		fprintf(out, "nothing");
}

/* "compute + network, latency" from the layers, else the profile's name. */
static void layers_text(struct json_object *p, char *buf, size_t size)
{
	struct json_object *layers = json_at_array(p, "layers");
	size_t n = json_at_len(layers, ""), off = 0;

	snprintf(buf, size, "%s", json_at_str(p, "name", "none"));
	for (size_t i = 0; i < n && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%s", i == 0 ? "" : i == 1 ? " + " : ", ",
				json_at_str(json_object_array_get_idx(layers, i), "name", "?"));
}

/* Advise mode: the knobs apply would write, as `apply --dry-run` tabulates them. */
static void print_changes(struct json_object *changes, FILE *out)
{
	if (!json_at_len(changes, ""))
		return;
	fprintf(out, LABEL "mode advise: apply would make these %zu change%s (none made):\n",
		"", json_at_len(changes, ""), json_at_len(changes, "") == 1 ? "" : "s");
	tune_print_changes_json(out, changes);
}

static void print_profile(struct json_object *s, FILE *out)
{
	struct json_object *p = json_at(s, "profile");
	struct json_object *verify = json_at(p, "verify");
	char layers[512];

	layers_text(p, layers, sizeof(layers));
	if (json_at(p, "error")) {
		fprintf(out, LABEL "%s: %s\n", "profile", layers, json_at_str(p, "error", ""));
		return;
	}
	fprintf(out, LABEL "%s (%s, mode %s): ", "profile", layers,
		json_at_str(p, "state", "?"), json_at_str(p, "mode", "?"));
	print_counts(json_at(p, "counts"), !strcmp(json_at_str(p, "state", ""), "advised"), out);
	fputc('\n', out);
	if (json_at(p, "reason"))
		fprintf(out, LABEL "why: %s\n", "", json_at_str(p, "reason", ""));
	if (verify && json_at_bool(verify, "journal")) {
		fprintf(out, LABEL "verify now: ", "");
		print_counts(verify, false, out);
		fputc('\n', out);
	} else if (verify) {
		fprintf(out, LABEL "verify now: nothing applied in this boot\n", "");
	}
	print_changes(json_at(p, "changes"), out);
}

/* What hot-plug and moved interrupts did to the tuning (daemon/follow.h). */
static void print_follow(struct json_object *s, FILE *out)
{
	struct json_object *f = json_at(s, "follow");
	int64_t resets = json_at_int(f, "resets"), moves = json_at_int(f, "irq_moves");
	int64_t bad = json_at_int(f, "malformed"), lost = json_at_int(f, "lost");

	if (!f)
		return;
	if (json_at(f, "watching"))
		fprintf(out, LABEL "%s watched for hot-plug", "follow",
			json_at_str(f, "watching", ""));
	else
		fprintf(out, LABEL "hot-plug not watched", "follow");
	if (json_at(f, "error"))
		fprintf(out, " (%s)", json_at_str(f, "error", ""));
	fputc('\n', out);
	if (json_at(f, "last"))
		fprintf(out, LABEL "last %s: %s; %s\n", "", json_at_str(f, "last.at", "?"),
			json_at_str(f, "last.events", ""), json_at_str(f, "last.done", ""));
	if (resets || moves || bad || lost)
		fprintf(out, LABEL "%lld device reset%s, %lld interrupt move%s, %lld malformed "
			"event%s ignored, %lld time%s events were lost\n", "", (long long)resets,
			resets == 1 ? "" : "s", (long long)moves, moves == 1 ? "" : "s",
			(long long)bad, bad == 1 ? "" : "s", (long long)lost, lost == 1 ? "" : "s");
}

/* The adaptive rules: quiet ones counted, the others one line each. */
static void print_adaptive(struct json_object *s, FILE *out)
{
	struct json_object *a = json_at_array(s, "adaptive");
	size_t n = json_at_len(a, ""), quiet = 0;

	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		quiet += !strcmp(json_at_str(json_object_array_get_idx(a, i), "state", ""), "quiet");
	fprintf(out, LABEL "%zu rule%s, %zu quiet\n", "adaptive", n, n == 1 ? "" : "s", quiet);
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(a, i);

		if (strcmp(json_at_str(r, "state", ""), "quiet"))
			fprintf(out, LABEL "%s (%s): %s\n", "", json_at_str(r, "name", "?"),
				json_at_str(r, "state", "?"), json_at_str(r, "why", ""));
	}
}

/* Listeners that refused connections last interval, by port (only when some did). */
static void print_listen_drops(struct json_object *s, FILE *out)
{
	struct json_object *a = json_at_array(s, "listen_drops");
	size_t n = json_at_len(a, "");

	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(a, i);
		long long backlog = json_at_int(p, "backlog"), max = json_at_int(p, "somaxconn");

		fprintf(out, LABEL "port %lld: %lld dropped in the last interval, accept queue "
			"%lld of %lld", i ? "" : "listen drops", (long long)json_at_int(p, "port"),
			(long long)json_at_int(p, "drops"), (long long)json_at_int(p, "queue"),
			backlog);
		/* Which knob can help: somaxconn caps listen()'s backlog when it is called. */
		if (json_at_bool(p, "at_somaxconn"))
			fprintf(out, " (net.core.somaxconn's %lld: a larger one helps once the "
				"service listens again)", max);
		else if (max)
			fprintf(out, " (below net.core.somaxconn's %lld: the application's own "
				"listen() backlog, or the somaxconn it listened under; raise the "
				"backlog in the application, or restart it)", max);
		fputc('\n', out);
	}
}

#define PEER_SHARED_SHOWN 8

/*
 * " sysctl:x (perfagent 10, tuned 10)": one knob both set; a knob an
 * adaptive rule steps says so ("perfagent's rule r steps it up to 1200").
 */
static void print_shared(struct json_object *k, const char *peer, FILE *out)
{
	const char *action = json_at_str(k, "perfagent_action", "");
	const char *rule = json_at_str(k, "adaptive_rule", "");
	bool rule_only = !strcmp(action, "adaptive");

	fprintf(out, "%s (perfagent", json_at_str(k, "id", "?"));
	if (rule_only)
		fprintf(out, "'s rule %s", rule);
	fprintf(out, " %s, ", json_at_str(k, "perfagent", "?"));
	if (json_at(k, "peer"))
		fprintf(out, "%s %s", peer, json_at_str(k, "peer", ""));
	else
		fprintf(out, "%s sets it at run time", peer);
	/* set and keep are what a plan does; anything else is worth saying */
	if (!rule_only && strcmp(action, "set") && strcmp(action, "keep"))
		fprintf(out, "; %s", action);
	if (!rule_only && rule[0])
		fprintf(out, "; rule %s steps it", rule);
	fputc(')', out);
}

void status_print_peers(struct json_object *peers, FILE *out)
{
	for (size_t i = 0; i < json_at_len(peers, ""); i++) {
		struct json_object *p = json_object_array_get_idx(peers, i);
		struct json_object *shared = json_at_array(p, "shared_knobs");
		const char *name = json_at_str(p, "name", "?");
		size_t n = json_at_len(shared, "");
		bool running = json_at_bool(p, "running");

		fprintf(out, LABEL "%s %s (%s)", "other tuner", name,
			running ? "running" : "installed, not running",
			json_at_str(p, "evidence", "?"));
		if (json_at(p, "profile"))
			fprintf(out, ", profile %s", json_at_str(p, "profile", ""));
		fprintf(out, n ? "; %s: " : "; no knob in common with perfagent's plan",
			running ? "both set" : "it would also set");
		for (size_t k = 0; k < n && k < PEER_SHARED_SHOWN; k++) {
			fputs(k ? ", " : "", out);
			print_shared(json_object_array_get_idx(shared, k), name, out);
		}
		if (n > PEER_SHARED_SHOWN)
			fprintf(out, " and %zu more (status --json lists them)", n - PEER_SHARED_SHOWN);
		fputc('\n', out);
		if (json_at(p, "perfagent_does"))
			fprintf(out, LABEL "%s\n", "", json_at_str(p, "perfagent_does", ""));
		if (json_at(p, "note"))
			fprintf(out, LABEL "%s: %s\n", "", name, json_at_str(p, "note", ""));
	}
}

/* The block probe's "devices": how each device's latency is taken. */
static void print_probe_devices(struct json_object *p, FILE *out)
{
	struct json_object *devs = json_at_array(p, "devices");
	size_t n = json_at_len(p, "devices");

	for (size_t i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(devs, i);

		fprintf(out, LABEL "%-8s latency of %s: %s\n", "", "",
			json_at_str(d, "device", "?"), json_at_str(d, "latency", "?"));
	}
}

/*
 * Programs whose runs the kernel skipped (a tracepoint firing while the
 * program ran on that CPU): the probe's counts are low by up to that many.
 */
static void print_probe_missed(struct json_object *p, FILE *out)
{
	struct json_object *programs = json_at_array(p, "programs");
	size_t n = json_at_len(p, "programs");

	for (size_t i = 0; i < n; i++) {
		struct json_object *prog = json_object_array_get_idx(programs, i);
		int64_t missed = json_at_int(prog, "missed");

		if (missed > 0)
			fprintf(out, LABEL "%-8s %s missed %" PRId64 " nested run%s (the "
				"kernel skips them): counts up to %" PRId64 " low\n", "", "",
				json_at_str(prog, "tracepoint", "?"), missed,
				missed == 1 ? "" : "s", missed);
	}
}

static void print_probes(struct json_object *s, FILE *out)
{
	struct json_object *probes = json_at_array(s, "probes");
	size_t n = json_at_len(s, "probes");

	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(probes, i);
		const char *reason = json_at_str(p, "reason", NULL);

		fprintf(out, LABEL "%-8s %-12s %s%s%s\n", i ? "" : "probes",
			json_at_str(p, "name", "?"), json_at_str(p, "state", "?"),
			json_at_str(p, "attach", ""), reason && json_at(p, "attach") ? ": " : "",
			reason ? reason : "");
		print_probe_devices(p, out);
		print_probe_missed(p, out);
	}
	if (!n)
		fprintf(out, LABEL "none\n", "probes");
}

/* A "%.*f" precision and value: two decimals under 1, one under 100, else none. */
#define AMOUNT(v) ((v) < 1 ? 2 : (v) < 100 ? 1 : 0), (v)

/* "the last hour", "the last 12 min", "the last 40 s". */
static void window_words(double window_s, char *buf, size_t size)
{
	if (window_s >= 3540)
		snprintf(buf, size, "the last hour");
	else if (window_s >= 120)
		snprintf(buf, size, "the last %.0f min", window_s / 60);
	else
		snprintf(buf, size, "the last %.0f s", window_s);
}

/* A ranking's name; the root cgroup said in words. */
static const char *consumer_name(struct json_object *c)
{
	const char *name = json_at_str(c, "name", "?");

	return strcmp(name, "/") ? name : "(root cgroup)";
}

/* ", name N%" for the entries of ranking from the first. */
static void print_ranking(struct json_object *ranking, size_t first, FILE *out)
{
	size_t n = json_at_len(ranking, "");

	for (size_t i = first; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(ranking, i);

		fprintf(out, "%s%s %.0f%%", i > first ? ", " : "", consumer_name(c),
			json_at_double(c, "share_pct"));
	}
}

/*
 * Who used the CPU: the top cgroup (or process name, without cgroups) in a
 * sentence, in credits on burstable types; then the rest of each ranking.
 */
static void print_consumers(struct json_object *cpu, FILE *out)
{
	struct json_object *users = json_at(cpu, "consumers");
	struct json_object *ranking = json_at_array(users, "by_cgroup");
	struct json_object *procs = json_at_array(users, "by_process");
	struct json_object *top;
	char window[32];

	if (!json_at_len(ranking, ""))
		ranking = procs;
	/* Not before a second of data: shares of nothing say nothing. */
	if (!json_at_len(ranking, "") ||
	    json_at_double(users, "window_s") < 1)
		return;
	top = json_object_array_get_idx(ranking, 0);
	window_words(json_at_double(users, "window_s"), window, sizeof(window));
	if (json_at(users, "credits"))
		fprintf(out, LABEL "%s burned %.0f%% of the CPU credits spent in %s (about %.*f "
			"of %.*f)", "cpu users", consumer_name(top),
			json_at_double(top, "share_pct"), window,
			AMOUNT(json_at_double(top, "credits")),
			AMOUNT(json_at_double(users, "credits")));
	else
		fprintf(out, LABEL "%s used %.0f%% of the CPU time in %s (%.*f of %.*f "
			"CPU-seconds)", "cpu users", consumer_name(top),
			json_at_double(top, "share_pct"), window,
			AMOUNT(json_at_double(top, "cpu_s")),
			AMOUNT(json_at_double(users, "cpu_s")));
	if (json_at_len(ranking, "") > 1) {
		fputs("; then ", out);
		print_ranking(ranking, 1, out);
	}
	fputc('\n', out);
	if (ranking != procs) {
		fprintf(out, LABEL, "processes");
		print_ranking(procs, 0, out);
		fputc('\n', out);
	}
	if (json_at(users, "note"))
		fprintf(out, LABEL "%s\n", "", json_at_str(users, "note", ""));
}

static void print_cpu(struct json_object *s, FILE *out)
{
	struct json_object *cpu = json_at(s, "cpu"), *cr = json_at(cpu, "credits");

	/* /proc/stat unreadable: the processes' own counters still rank who used it */
	if (json_at(cpu, "error"))
		fprintf(out, LABEL "%s\n", "cpu", json_at_str(cpu, "error", ""));
	else if (json_at(cpu, "utilization_pct"))
		fprintf(out, LABEL "%.1f%% busy, steal %.1f%% (last interval)\n", "cpu",
			json_at_double(cpu, "utilization_pct"),
			json_at_double(cpu, "steal_pct"));
	else
		return;
	if (cr)
		fprintf(out, LABEL "%s mode: about %.1f of %.0f (estimate); %s\n", "credits",
			json_at_str(cr, "mode", "?"), json_at_double(cr, "balance_estimate"),
			json_at_double(cr, "max_accrued"), json_at_str(cr, "verdict", ""));
	else if (json_at(cpu, "credits_note"))
		fprintf(out, LABEL "%s\n", "credits", json_at_str(cpu, "credits_note", ""));
	print_consumers(cpu, out);
}

static void print_collection(struct json_object *s, FILE *out)
{
	struct json_object *rate = json_at(s, "collection.context_switches_per_s");

	fprintf(out, LABEL "every %llds, %lld done, last %s", "collection",
		(long long)json_at_int(s, "collection.interval_s"),
		(long long)json_at_int(s, "collection.count"),
		json_at_str(s, "collection.last_at", "never"));
	if (rate)
		fprintf(out, ", %.0f context switches/s", json_at_double(rate, ""));
	if (json_at(s, "collection.metrics_level"))
		fprintf(out, ", metrics_level %s", json_at_str(s, "collection.metrics_level", ""));
	fputc('\n', out);
}

static void print_config(struct json_object *s, FILE *out)
{
	struct json_object *files = json_at_array(s, "agent.config_files");
	size_t n = json_at_len(files, "");

	fprintf(out, LABEL, "config");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? ", " : "",
			json_at_str(json_object_array_get_idx(files, i), "", "?"));
	if (json_at(s, "agent.config_note"))
		fprintf(out, "%s%s", n ? "; " : "", json_at_str(s, "agent.config_note", ""));
	fputc('\n', out);
	if (json_at(s, "agent.last_reload.error"))
		fprintf(out, LABEL "last reload FAILED: %s\n", "",
			json_at_str(s, "agent.last_reload.error", ""));
}

/* The PM QoS latency the daemon holds for a [pmqos] profile value; nothing when none. */
static void print_pmqos(struct json_object *s, FILE *out)
{
	struct json_object *q = json_at(s, "pmqos");
	int64_t held = json_at_int(q, "latency_us");

	if (!json_at_bool(q, "held"))
		return;
	fprintf(out, LABEL "CPU latency held at %lld us on %s since %s", "pm qos",
		(long long)held, json_at_str(q, "device", "?"), json_at_str(q, "since", "?"));
	if (json_at(q, "in_force_us") && json_at_int(q, "in_force_us") < held)
		fprintf(out, "; another process holds a lower one, %lld us, which is in force",
			(long long)json_at_int(q, "in_force_us"));
	fputc('\n', out);
}

void status_print(struct json_object *s, FILE *out)
{
	print_agent(s, out);
	print_identity(s, out);
	status_print_health(json_at(s, "health"), out);
	print_profile(s, out);
	print_follow(s, out);
	print_adaptive(s, out);
	print_listen_drops(s, out);
	status_print_peers(json_at(s, "profile.peers"), out);
	print_pmqos(s, out);
	print_probes(s, out);
	print_cpu(s, out);
	if (json_at(s, "ena"))
		ena_status_print(json_at(s, "ena"), out);
	if (json_at(s, "storage"))
		nvme_status_print(json_at(s, "storage"), out);
	print_collection(s, out);
	print_part(s, "sink", out);
	print_config(s, out);
}

void status_print_folded(struct json_object *s, unsigned int cols, FILE *out)
{
	char *text = NULL;
	size_t len = 0;
	FILE *buf = cols ? open_memstream(&text, &len) : NULL;

	if (!buf) {
		status_print(s, out);
		return;
	}
	status_print(s, buf);
	if (fclose(buf) == 0)
		text_wrap(text, len, cols, TEXT_COLUMN, out);
	else
		status_print(s, out);
	free(text);
}
