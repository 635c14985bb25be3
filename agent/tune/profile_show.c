// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tuning profiles shown: a resolved profile printed as text or JSON, and the
 * list of profiles in the profile directories (see profile.h).
 */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/jsonutil.h"
#include "core/util.h"
#include "tune/irqbalance.h"
#include "tune/pmqos.h"
#include "tune/profile.h"

/* ---- printing ---- */

static void print_wrapped(FILE *out, const char *indent, const char *text, size_t width)
{
	size_t col = 0;
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, " ");

		if (col && col + 1 + n > width) {
			fputc('\n', out);
			col = 0;
		}
		if (!col)
			col = fprintf(out, "%s#", indent);
		col += fprintf(out, " %.*s", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
	if (col)
		fputc('\n', out);
}

static void value_text(const struct profile_value *v, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", v->op == VALUE_RAISE ? ">" : v->op == VALUE_LOWER ? "<" : "",
		 v->value);
}

static void print_section_head(const struct profile_value *v, FILE *out)
{
	fprintf(out, "\n[%s]", v->section);
	if (v->kind == KNOB_BLOCK)
		fprintf(out, "  devices=%s%s%s", v->devices, v->dev_kind[0] ? " kind=" : "",
			v->dev_kind);
	else if (v->kind == KNOB_ETHTOOL)
		fprintf(out, "  drivers=%s interfaces=%s", v->drivers, v->devices);
	fputc('\n', out);
}

/* How a composed value came about: its formula, a merge, what it replaced. */
static void print_composition(const struct profile_value *v, FILE *out)
{
	int kept = v->n_overridden < PROFILE_MAX_OVERRIDDEN ? v->n_overridden
							    : PROFILE_MAX_OVERRIDDEN;

	if (v->formula[0])
		fprintf(out, "      = %s: %s\n", v->formula, v->resolved);
	else if (v->resolved[0])
		fprintf(out, "      %s\n", v->resolved);
	if (v->merge[0])
		fprintf(out, "      %s\n", v->merge);
	for (int i = 0; i < kept; i++) {
		const struct profile_overridden *o = &v->overridden[i];

		fprintf(out, "      over %s%s from %s (%s)\n",
			o->op == VALUE_RAISE ? ">" : o->op == VALUE_LOWER ? "<" : "", o->value,
			o->layer, o->origin);
	}
	if (v->n_overridden > kept)
		fprintf(out, "      and %d more\n", v->n_overridden - kept);
}

static void print_section(const struct profile *p, const char *section, FILE *out)
{
	int kw = 0, vw = 0;
	char val[PROFILE_VALUE_MAX + 2];

	for (size_t i = 0; i < p->n_values; i++) {
		if (strcmp(p->values[i].section, section))
			continue;
		value_text(&p->values[i], val, sizeof(val));
		kw = (int)strlen(p->values[i].key) > kw ? (int)strlen(p->values[i].key) : kw;
		vw = (int)strlen(val) > vw ? (int)strlen(val) : vw;
	}
	for (size_t i = 0; i < p->n_values; i++) {
		const struct profile_value *v = &p->values[i];

		if (strcmp(v->section, section))
			continue;
		value_text(v, val, sizeof(val));
		fprintf(out, "  %-*s = %-*s  %s", kw, v->key, vw, val, v->origin);
		if (v->layer[0])
			fprintf(out, " [%s]", v->layer);
		else if (strcmp(v->profile, p->name))
			fprintf(out, " (from %s)", v->profile);
		fputc('\n', out);
		print_composition(v, out);
		if (v->comment[0])
			print_wrapped(out, "      ", v->comment, 96);
	}
}

/* An adaptive rule: what it does, its bounds resolved for the machine, its comment. */
static void print_rule(const struct adapt_rule *r, FILE *out)
{
	char text[512];

	adapt_rule_text(r, text, sizeof(text));
	fprintf(out, "[adapt.%s]  %s\n    %s\n", r->name, r->origin, text);
	if (r->floor_for.why[0])
		fprintf(out, "      floor = %s: %s\n", r->floor, r->floor_for.why);
	if (r->cap_for.why[0])
		fprintf(out, "      cap = %s: %s\n", r->cap, r->cap_for.why);
	if (r->conflict[0])
		fprintf(out, "      %s\n", r->conflict);
	if (r->comment[0])
		print_wrapped(out, "      ", r->comment, 96);
}

static bool section_seen(const struct profile *p, size_t upto, const char *section)
{
	for (size_t i = 0; i < upto; i++)
		if (strcmp(p->values[i].section, section) == 0)
			return true;
	return false;
}

void profile_print(const struct profile *p, FILE *out)
{
	fprintf(out, "profile  %s%s\n", p->name, p->overlay ? " (overlay)" : "");
	if (p->n_layers > 1) {
		fprintf(out, "layers   ");
		for (int i = 0; i < p->n_layers; i++)
			fprintf(out, "%s%s", i ? ", then " : "", p->layers[i]);
		fputc('\n', out);
	}
	fprintf(out, "summary  %s\n", p->summary[0] ? p->summary : "(none)");
	fprintf(out, "file     %s\n", p->file);
	fprintf(out, "chain    ");
	for (int i = 0; i < p->depth; i++)
		fprintf(out, "%s%s", i ? " -> " : "", p->chain[i]);
	fprintf(out, "\nvalues   %zu\n", p->n_values);
	for (size_t i = 0; i < p->n_values; i++) {
		if (section_seen(p, i, p->values[i].section))
			continue;
		print_section_head(&p->values[i], out);
		print_section(p, p->values[i].section, out);
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		fputs(i ? "" : "\nadaptive rules\n", out);
		print_rule(&p->rules[i], out);
	}
}

static void add_str(struct json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, json_object_new_string(val));
}

static struct json_object *overridden_to_json(const struct profile_value *v)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < v->n_overridden && i < PROFILE_MAX_OVERRIDDEN; i++) {
		const struct profile_overridden *ov = &v->overridden[i];
		struct json_object *o = json_object_new_object();

		add_str(o, "layer", ov->layer);
		add_str(o, "op", value_op_name(ov->op));
		add_str(o, "value", ov->value);
		add_str(o, "origin", ov->origin);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *value_to_json(const struct profile_value *v)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "kind", knob_kind_name(v->kind));
	add_str(o, "section", v->section);
	add_str(o, "key", v->key);
	add_str(o, "op", value_op_name(v->op));
	add_str(o, "value", v->value);
	if (v->kind == KNOB_BLOCK) {
		add_str(o, "devices", v->devices);
		add_str(o, "device_kind", v->dev_kind);
	} else if (v->kind == KNOB_ETHTOOL) {
		add_str(o, "interfaces", v->devices);
		add_str(o, "drivers", v->drivers);
	} else if (v->kind == KNOB_VM && profile_vm_path(v->key)) {
		add_str(o, "path", profile_vm_path(v->key));
	} else if (v->kind == KNOB_PMQOS) {
		add_str(o, "path", PMQOS_DEVICE);
	} else if (v->kind == KNOB_IRQBALANCE) {
		add_str(o, "path", IRQB_DROPIN);
	}
	add_str(o, "profile", v->profile);
	add_str(o, "origin", v->origin);
	add_str(o, "comment", v->comment);
	json_object_object_add(o, "layer", v->layer[0] ? json_object_new_string(v->layer) : NULL);
	json_object_object_add(o, "formula", v->formula[0] ? json_object_new_string(v->formula)
							  : NULL);
	json_object_object_add(o, "resolved", v->resolved[0] ? json_object_new_string(v->resolved)
							    : NULL);
	json_object_object_add(o, "applicable", json_object_new_boolean(!v->unresolved));
	json_object_object_add(o, "merge", v->merge[0] ? json_object_new_string(v->merge) : NULL);
	json_object_object_add(o, "overridden", overridden_to_json(v));
	return o;
}

/* NAME_value (null until composed for a machine that has the facts) and NAME_resolved. */
static void add_bound(struct json_object *o, const char *name, const struct adapt_bound_for *b)
{
	char key[32];

	snprintf(key, sizeof(key), "%s_value", name);
	json_object_object_add(o, key, b->known ? json_object_new_int64((int64_t)b->value) : NULL);
	snprintf(key, sizeof(key), "%s_resolved", name);
	json_object_object_add(o, key, b->why[0] ? json_object_new_string(b->why) : NULL);
}

static struct json_object *rules_to_json(const struct profile *p)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct adapt_rule *r = &p->rules[i];
		struct json_object *o = json_object_new_object();
		struct json_object *guards = json_object_new_array();
		char text[512];

		adapt_rule_text(r, text, sizeof(text));
		for (int g = 0; g < r->n_guards; g++)
			json_object_array_add(guards, json_object_new_string(r->guards[g]));
		add_str(o, "name", r->name);
		add_str(o, "knob", r->knob);
		add_str(o, "metric", r->metric);
		json_object_object_add(o, "threshold_per_s", json_object_new_double(r->threshold));
		json_object_object_add(o, "over", json_object_new_int((int)r->over));
		adapt_step_text(r, text, sizeof(text));
		add_str(o, "step", text);
		add_str(o, "floor", r->floor[0] ? r->floor : "0");
		add_str(o, "cap", r->cap);
		json_object_object_add(o, "cooldown_s", json_object_new_int((int)r->cooldown_s));
		json_object_object_add(o, "judge", json_object_new_string(
			r->judge_by_guards ? "guards" : "evidence"));
		json_object_object_add(o, "guards", guards);
		add_str(o, "origin", r->origin);
		add_str(o, "comment", r->comment);
		add_bound(o, "floor", &r->floor_for);
		add_bound(o, "cap", &r->cap_for);
		json_object_object_add(o, "applicable", json_object_new_boolean(!r->unresolved &&
										 !r->conflict[0]));
		json_object_object_add(o, "conflict", json_str_or_null(r->conflict));
		json_object_array_add(a, o);
	}
	return a;
}

struct json_object *profile_to_json(const struct profile *p)
{
	struct json_object *o = json_object_new_object();
	struct json_object *chain = json_object_new_array();
	struct json_object *values = json_object_new_array();

	struct json_object *layers = json_object_new_array();

	add_str(o, "name", p->name);
	add_str(o, "kind", p->overlay ? "overlay" : "class");
	add_str(o, "summary", p->summary);
	add_str(o, "file", p->file);
	for (int i = 0; i < p->n_layers; i++)
		json_object_array_add(layers, json_object_new_string(p->layers[i]));
	json_object_object_add(o, "layers", layers);
	for (int i = 0; i < p->depth; i++)
		json_object_array_add(chain, json_object_new_string(p->chain[i]));
	json_object_object_add(o, "chain", chain);
	for (size_t i = 0; i < p->n_values; i++)
		json_object_array_add(values, value_to_json(&p->values[i]));
	json_object_object_add(o, "values", values);
	json_object_object_add(o, "adaptive_rules", rules_to_json(p));
	return o;
}

/* ---- listing ---- */

struct list_buf {
	struct profile_entry *e;
	size_t n, cap_e, cap_index;
	int *dir_index;         /* for sorting: directory order within a name */
};

static int list_add(struct list_buf *l, const char *dir, int di, const char *fname)
{
	struct profile_entry *e;
	struct profile p;
	struct lp_error err;
	char *text;
	ssize_t len;
	int *idx;

	e = array_grow(l->e, &l->cap_e, l->n + 1, sizeof(*e), 16);
	if (!e)
		return -ENOMEM;
	l->e = e;
	idx = array_grow(l->dir_index, &l->cap_index, l->n + 1, sizeof(*idx), 16);
	if (!idx)
		return -ENOMEM;
	l->dir_index = idx;
	e = &l->e[l->n];
	memset(e, 0, sizeof(*e));
	profile_name_from_file(fname, e->name, sizeof(e->name));
	if (util_join(e->file, sizeof(e->file), "%s/%s", dir, fname))
		return 0;
	idx[l->n++] = di;
	len = util_read_file(e->file, LP_MAX_FILE, &text);
	if (len < 0) {
		snprintf(e->error, sizeof(e->error), "cannot read: %s", util_file_strerror((int)len));
		return 0;
	}
	if (profile_parse_buf(text, len, e->file, &p, e->include, &err) == 0) {
		strcpy(e->summary, p.summary);
		e->overlay = p.overlay;
	}
	else
		lp_error_format(&err, e->error, sizeof(e->error));
	profile_free(&p);
	free(text);
	return 0;
}

static int list_dir(struct list_buf *l, const char *dir, int di)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int ret = 0;

	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	while (!ret && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char name[PROFILE_NAME_MAX];

		if (n <= 5 || strcmp(de->d_name + n - 5, ".conf"))
			continue;
		profile_name_from_file(de->d_name, name, sizeof(name));
		if (n - 5 >= PROFILE_NAME_MAX || !profile_name_valid(name))
			continue;
		ret = list_add(l, dir, di, de->d_name);
	}
	closedir(d);
	return ret;
}

static void swap_entries(struct list_buf *l, size_t a, size_t b)
{
	struct profile_entry t = l->e[a];
	int ti = l->dir_index[a];

	l->e[a] = l->e[b];
	l->e[b] = t;
	l->dir_index[a] = l->dir_index[b];
	l->dir_index[b] = ti;
}

static void sort_entries(struct list_buf *l)
{
	/* Insertion sort: a handful of files, and it keeps equal names in order. */
	for (size_t i = 1; i < l->n; i++) {
		for (size_t j = i; j > 0; j--) {
			int c = strcmp(l->e[j - 1].name, l->e[j].name);

			if (c < 0 || (c == 0 && l->dir_index[j - 1] <= l->dir_index[j]))
				break;
			swap_entries(l, j - 1, j);
		}
	}
	for (size_t i = 1; i < l->n; i++)
		l->e[i].shadowed = strcmp(l->e[i].name, l->e[i - 1].name) == 0;
}

int profile_list(const struct profile_dirs *dirs, struct profile_entry **out, size_t *n)
{
	struct list_buf l = { 0 };
	int ret = 0;

	for (int i = 0; i < dirs->n && i < (int)ARRAY_SIZE(dirs->dirs) && !ret; i++)
		ret = list_dir(&l, dirs->dirs[i], i);
	if (ret) {
		free(l.e);
		l.e = NULL;
		l.n = 0;
	} else {
		sort_entries(&l);
	}
	free(l.dir_index);
	*out = l.e;
	*n = l.n;
	return ret;
}

void profile_list_print(const struct profile_entry *e, size_t n, FILE *out)
{
	int w = 4;

	for (size_t i = 0; i < n; i++)
		w = (int)strlen(e[i].name) > w ? (int)strlen(e[i].name) : w;
	fprintf(out, "  %-*s  %-7s  %-10s  %s\n", w, "NAME", "KIND", "INCLUDES", "SUMMARY");
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%c %-*s  %-7s  %-10s  %s\n", e[i].active ? '*' : ' ', w, e[i].name,
			e[i].error[0] ? "?" : e[i].overlay ? "overlay" : "class",
			e[i].include[0] ? e[i].include : "-",
			e[i].error[0] ? "(does not load, see below)" : e[i].summary);
		fprintf(out, "  %-*s  %-7s  %-10s  %s%s\n", w, "", "", "", e[i].file,
			e[i].shadowed ? " (shadowed by the one above: not used)" : "");
		if (e[i].error[0])
			fprintf(out, "  %-*s  %-7s  %-10s  error: %s\n", w, "", "", "", e[i].error);
	}
}

struct json_object *profile_list_to_json(const struct profile_entry *e, size_t n)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		add_str(o, "name", e[i].name);
		add_str(o, "summary", e[i].summary);
		add_str(o, "include", e[i].include);
		add_str(o, "kind", e[i].overlay ? "overlay" : "class");
		add_str(o, "file", e[i].file);
		json_object_object_add(o, "shadowed", json_object_new_boolean(e[i].shadowed));
		json_object_object_add(o, "active", json_object_new_boolean(e[i].active));
		if (e[i].error[0])
			add_str(o, "error", e[i].error);
		json_object_array_add(a, o);
	}
	return a;
}
