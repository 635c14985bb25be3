// SPDX-License-Identifier: GPL-2.0-only
/* `perfagent status`: turns the daemon's JSON into a summary read in seconds. */
#include <stdint.h>
#include <string.h>

#include "net/ena.h"
#include "cli/status.h"

#define LABEL "%-12s "

/* Follows a dotted path ("agent.version"); NULL when absent or null. */
static struct json_object *get(struct json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (path[n] == '.');
	}
	return o;
}

static const char *str(struct json_object *o, const char *path, const char *fallback)
{
	struct json_object *v = get(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
							     : fallback;
}

static int64_t num(struct json_object *o, const char *path)
{
	return json_object_get_int64(get(o, path));
}

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
	char up[32];

	format_duration(num(s, "agent.uptime_s"), up, sizeof(up));
	fprintf(out, LABEL "%s, pid %lld, up %s, mode %s\n", "perfagent",
		str(s, "agent.version", "?"), (long long)num(s, "agent.pid"), up,
		str(s, "agent.mode", "?"));
}

static void print_identity(struct json_object *s, FILE *out)
{
	struct json_object *id = get(s, "identity");

	if (get(id, "is_ec2") && json_object_get_boolean(get(id, "is_ec2")))
		fprintf(out, LABEL "%s %s (from %s)%s%s\n", "instance",
			str(id, "instance_type", "(type unknown)"),
			str(id, "instance_id", "(id unknown)"), str(id, "source", "?"),
			get(id, "availability_zone") ? ", " : "",
			str(id, "availability_zone", ""));
	else
		fprintf(out, LABEL "%s\n", "instance", str(id, "note", "not EC2"));
	fprintf(out, LABEL "%lld vCPUs, %.1f GiB, NICs: %zu, block devices: %zu\n", "host",
		(long long)num(id, "vcpus"), num(id, "memory_bytes") / 1073741824.0,
		json_object_array_length(get(id, "nics")),
		json_object_array_length(get(id, "block_devices")));
}

/* A part of the product that reports its state and why (profile, sink). */
static void print_part(struct json_object *s, const char *part, FILE *out)
{
	struct json_object *o = get(s, part);

	fprintf(out, LABEL "%s: %s\n", part, str(o, "state", "?"), str(o, "reason", ""));
}

/* The counts that are not zero, as "3 set, 5 kept". */
static void print_counts(struct json_object *counts, FILE *out)
{
	const char *sep = "";

	json_object_object_foreach(counts, key, val) {
		if (json_object_is_type(val, json_type_int) && json_object_get_int64(val)) {
			fprintf(out, "%s%lld %s", sep, (long long)json_object_get_int64(val), key);
			sep = ", ";
		}
	}
	if (!*sep)
		fprintf(out, "nothing");
}

static void print_profile(struct json_object *s, FILE *out)
{
	struct json_object *p = get(s, "profile");
	struct json_object *verify = get(p, "verify");

	if (get(p, "error")) {
		fprintf(out, LABEL "%s: %s\n", "profile", str(p, "name", "none"),
			str(p, "error", ""));
		return;
	}
	fprintf(out, LABEL "%s (%s, mode %s): ", "profile", str(p, "name", "none"),
		str(p, "state", "?"), str(p, "mode", "?"));
	print_counts(get(p, "counts"), out);
	fputc('\n', out);
	if (get(p, "reason"))
		fprintf(out, LABEL "why: %s\n", "", str(p, "reason", ""));
	if (verify && json_object_get_boolean(get(verify, "journal"))) {
		fprintf(out, LABEL "verify now: ", "");
		print_counts(verify, out);
		fputc('\n', out);
	} else if (verify) {
		fprintf(out, LABEL "verify now: nothing applied in this boot\n", "");
	}
}

static void print_probes(struct json_object *s, FILE *out)
{
	struct json_object *probes = get(s, "probes");
	size_t n = probes ? json_object_array_length(probes) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(probes, i);
		const char *reason = str(p, "reason", NULL);

		fprintf(out, LABEL "%-8s %-12s %s%s%s\n", i ? "" : "probes", str(p, "name", "?"),
			str(p, "state", "?"), str(p, "attach", ""), reason && get(p, "attach") ?
			": " : "", reason ? reason : "");
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
	const char *name = str(c, "name", "?");

	return strcmp(name, "/") ? name : "(root cgroup)";
}

/* ", name N%" for the entries of ranking from the first. */
static void print_ranking(struct json_object *ranking, size_t first, FILE *out)
{
	size_t n = ranking ? json_object_array_length(ranking) : 0;

	for (size_t i = first; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(ranking, i);

		fprintf(out, "%s%s %.0f%%", i > first ? ", " : "", consumer_name(c),
			json_object_get_double(get(c, "share_pct")));
	}
}

/*
 * Who used the CPU: the top cgroup (or process name, without cgroups) in a
 * sentence, in credits on burstable types; then the rest of each ranking.
 */
static void print_consumers(struct json_object *cpu, FILE *out)
{
	struct json_object *users = get(cpu, "consumers");
	struct json_object *ranking = get(users, "by_cgroup"), *procs = get(users, "by_process");
	struct json_object *top;
	char window[32];

	if (!ranking || !json_object_array_length(ranking))
		ranking = procs;
	/* Not before a second of data: shares of nothing say nothing. */
	if (!ranking || !json_object_array_length(ranking) ||
	    json_object_get_double(get(users, "window_s")) < 1)
		return;
	top = json_object_array_get_idx(ranking, 0);
	window_words(json_object_get_double(get(users, "window_s")), window, sizeof(window));
	if (get(users, "credits"))
		fprintf(out, LABEL "%s burned %.0f%% of the CPU credits spent in %s (about %.*f "
			"of %.*f)", "cpu users", consumer_name(top),
			json_object_get_double(get(top, "share_pct")), window,
			AMOUNT(json_object_get_double(get(top, "credits"))),
			AMOUNT(json_object_get_double(get(users, "credits"))));
	else
		fprintf(out, LABEL "%s used %.0f%% of the CPU time in %s (%.*f of %.*f "
			"CPU-seconds)", "cpu users", consumer_name(top),
			json_object_get_double(get(top, "share_pct")), window,
			AMOUNT(json_object_get_double(get(top, "cpu_s"))),
			AMOUNT(json_object_get_double(get(users, "cpu_s"))));
	if (json_object_array_length(ranking) > 1) {
		fputs("; then ", out);
		print_ranking(ranking, 1, out);
	}
	fputc('\n', out);
	if (ranking != procs) {
		fprintf(out, LABEL, "processes");
		print_ranking(procs, 0, out);
		fputc('\n', out);
	}
	if (get(users, "note"))
		fprintf(out, LABEL "%s\n", "", str(users, "note", ""));
}

static void print_cpu(struct json_object *s, FILE *out)
{
	struct json_object *cpu = get(s, "cpu"), *cr = get(cpu, "credits");

	if (get(cpu, "error")) {
		fprintf(out, LABEL "%s\n", "cpu", str(cpu, "error", ""));
		return;
	}
	if (!get(cpu, "utilization_pct"))
		return;
	fprintf(out, LABEL "%.1f%% busy, steal %.1f%% (last interval)\n", "cpu",
		json_object_get_double(get(cpu, "utilization_pct")),
		json_object_get_double(get(cpu, "steal_pct")));
	if (cr)
		fprintf(out, LABEL "%s mode: about %.1f of %.0f (estimate); %s\n", "credits",
			str(cr, "mode", "?"), json_object_get_double(get(cr, "balance_estimate")),
			json_object_get_double(get(cr, "max_accrued")), str(cr, "verdict", ""));
	print_consumers(cpu, out);
}

static void print_collection(struct json_object *s, FILE *out)
{
	struct json_object *rate = get(s, "collection.context_switches_per_s");

	fprintf(out, LABEL "every %llds, %lld done, last %s", "collection",
		(long long)num(s, "collection.interval_s"), (long long)num(s, "collection.count"),
		str(s, "collection.last_at", "never"));
	if (rate)
		fprintf(out, ", %.0f context switches/s", json_object_get_double(rate));
	fputc('\n', out);
}

static void print_config(struct json_object *s, FILE *out)
{
	struct json_object *files = get(s, "agent.config_files");
	size_t n = files ? json_object_array_length(files) : 0;

	fprintf(out, LABEL, "config");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? ", " : "",
			json_object_get_string(json_object_array_get_idx(files, i)));
	if (get(s, "agent.config_note"))
		fprintf(out, "%s%s", n ? "; " : "", str(s, "agent.config_note", ""));
	fputc('\n', out);
	if (get(s, "agent.last_reload.error"))
		fprintf(out, LABEL "last reload FAILED: %s\n", "",
			str(s, "agent.last_reload.error", ""));
}

void status_print(struct json_object *s, FILE *out)
{
	print_agent(s, out);
	print_identity(s, out);
	print_profile(s, out);
	print_probes(s, out);
	print_cpu(s, out);
	if (get(s, "ena"))
		ena_status_print(get(s, "ena"), out);
	print_collection(s, out);
	print_part(s, "sink", out);
	print_config(s, out);
}
