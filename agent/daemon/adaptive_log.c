// SPDX-License-Identifier: GPL-2.0-only
/* Which values in force adaptive rules set, from their log (adaptive_log.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/adaptive_log.h"
#include "core/jsonutil.h"
#include "core/util.h"

/* The journal id a log line's knob is: "sysctl:KEY", or "ethtool:IF:KEY" for a ring. */
static int line_knob_id(struct json_object *line, char *id, size_t size)
{
	const char *knob = json_at_str(line, "knob", "");
	const char *ifname = json_at_str(line, "interface", "");

	if (!knob[0])
		return -1;
	if (!strncmp(knob, "ethtool.", 8) && ifname[0])
		return util_join(id, size, "ethtool:%s:%s", ifname, knob + 8) ? -1 : 0;
	return util_join(id, size, "sysctl:%s", knob) ? -1 : 0;
}

/* The value a log line left on its knob. */
static const char *line_value(struct json_object *line)
{
	return json_at_str(line, "after", "");
}

/*
 * Whether a log line belongs to the boot boot_id. Lines written before the
 * log carried "boot_id" (perfagent 0.x) are taken as this boot's, as they
 * always were.
 */
static bool line_of_boot(struct json_object *line, const char *boot_id)
{
	const char *id = json_at_str(line, "boot_id", "");

	return !id[0] || !strcmp(id, boot_id);
}

/*
 * Each JSON object line of one log file, oldest first, to each(); it takes
 * the reference. Other lines are skipped.
 */
static void read_log(const char *path, void (*each)(struct json_object *, void *), void *arg)
{
	char *text = NULL, *save = NULL;

	if (util_read_file(path, 2 * ADAPTIVE_LOG_MAX, &text) < 0)
		return;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct json_object *line = json_tokener_parse(l);

		if (line && json_object_is_type(line, json_type_object))
			each(line, arg);
		else
			json_object_put(line);
	}
	free(text);
}

/* Both files, the older (adaptive.log.1) first. */
static void read_logs(const struct pa_paths *paths,
		      void (*each)(struct json_object *, void *), void *arg)
{
	char path[PATH_MAX];

	if (!util_join(path, sizeof(path), "%s/%s.1", paths->state_dir, ADAPTIVE_LOG))
		read_log(path, each, arg);
	if (!util_join(path, sizeof(path), "%s/%s", paths->state_dir, ADAPTIVE_LOG))
		read_log(path, each, arg);
}

struct last_by_knob {
	const char *boot_id;
	struct json_object *last;       /* journal id -> the last line of this boot */
};

static void keep_last(struct json_object *line, void *arg)
{
	struct last_by_knob *k = arg;
	char id[KNOB_ID_MAX];

	if (line_of_boot(line, k->boot_id) && !line_knob_id(line, id, sizeof(id)) &&
	    line_value(line)[0])
		json_object_object_add(k->last, id, line);    /* takes the reference */
	else
		json_object_put(line);
}

struct json_object *adaptive_log_in_force(const struct pa_paths *paths,
					  const struct tune_report *verify)
{
	struct json_object *out = json_object_new_array();
	struct last_by_knob k = { .boot_id = verify->boot_id, .last = json_object_new_object() };
	struct json_object *last = k.last;

	if (verify->n)
		read_logs(paths, keep_last, &k);
	for (size_t i = 0; i < verify->n; i++) {
		const struct tune_report_item *it = &verify->items[i];
		struct json_object *line = json_object_object_get(last, it->id), *o;

		/* Compared as the engine does: "4096 87380" and "4096\t87380" are one. */
		if (!it->changed || !line || !tune_values_equal(line_value(line), it->expected))
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "knob", json_object_new_string(it->id));
		json_object_object_add(o, "value", json_object_new_string(it->expected));
		json_object_object_add(o, "rule", json_object_new_string(
			json_at_str(line, "rule", "?")));
		json_object_object_add(o, "action", json_object_new_string(
			json_at_str(line, "action", "?")));
		json_object_object_add(o, "at", json_str_or_null(json_at_str(line, "at", "")));
		json_object_object_add(o, "why", json_object_new_string(
			json_at_str(line, "why", "")));
		json_object_array_add(out, o);
	}
	json_object_put(last);
	return out;
}

struct recent {
	const char *boot_id;
	uint64_t since_s;
	uint64_t *times;
	size_t max, n;
};

static void keep_recent(struct json_object *line, void *arg)
{
	struct recent *r = arg;
	const char *id = json_at_str(line, "boot_id", "");
	int64_t at = json_at_int(line, "mono_s");

	/* Only lines that say their boot: a monotonic time means nothing in another. */
	if (id[0] && !strcmp(id, r->boot_id) && at > 0 && (uint64_t)at >= r->since_s) {
		if (r->n == r->max) {           /* keep the newest max */
			memmove(r->times, r->times + 1, (r->max - 1) * sizeof(*r->times));
			r->n--;
		}
		r->times[r->n++] = (uint64_t)at;
	}
	json_object_put(line);
}

size_t adaptive_log_recent(const struct pa_paths *paths, const char *boot_id,
			   uint64_t since_s, uint64_t *times, size_t max)
{
	struct recent r = { .boot_id = boot_id, .since_s = since_s, .times = times, .max = max };

	if (boot_id[0] && max)
		read_logs(paths, keep_recent, &r);
	return r.n;
}
