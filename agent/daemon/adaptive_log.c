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

/* Each line of one log file, oldest first, to keep(): later lines replace earlier ones. */
static void read_log(const char *path, struct json_object *last)
{
	char *text = NULL, *save = NULL;
	char id[KNOB_ID_MAX];

	if (util_read_file(path, 2 * ADAPTIVE_LOG_MAX, &text) < 0)
		return;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct json_object *line = json_tokener_parse(l);

		if (line && json_object_is_type(line, json_type_object) &&
		    !line_knob_id(line, id, sizeof(id)) && line_value(line)[0])
			json_object_object_add(last, id, line);    /* takes the reference */
		else
			json_object_put(line);
	}
	free(text);
}

struct json_object *adaptive_log_in_force(const struct pa_paths *paths,
					  const struct tune_report *verify)
{
	struct json_object *out = json_object_new_array(), *last = json_object_new_object();
	char path[PATH_MAX];

	if (verify->n && !util_join(path, sizeof(path), "%s/%s.1", paths->state_dir,
				    ADAPTIVE_LOG))
		read_log(path, last);
	if (verify->n && !util_join(path, sizeof(path), "%s/%s", paths->state_dir, ADAPTIVE_LOG))
		read_log(path, last);
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
