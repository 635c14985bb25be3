// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tuning engine's output: plans and reports as aligned tables for the
 * terminal, and as JSON for --json and the control socket (see tune.h).
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "core/jsonutil.h"
#include "core/util.h"
#include "tune/tune.h"

/* ---- printing ---- */

#define TABLE_COLS 4    /* aligned columns; the reason runs to the right */

struct table {
	FILE *f;
	int w[TABLE_COLS];
};

/* Column widths: as wide as the widest cell, up to these. */
static const int table_caps[TABLE_COLS] = { 40, 20, 20, 11 };

static void table_fit(struct table *t, const char *const cells[TABLE_COLS + 1])
{
	for (int i = 0; i < TABLE_COLS; i++) {
		int len = (int)strlen(cells[i]);

		len = len > table_caps[i] ? table_caps[i] : len;
		t->w[i] = len > t->w[i] ? len : t->w[i];
	}
}

/* Prints s word by word on lines of TUNE_TABLE_WIDTH, indented. */
static void print_wrapped(FILE *f, const char *s, int indent)
{
	int pos = 0;

	while (*s) {
		int len = (int)strcspn(s, " ");

		if (pos > indent && pos + 1 + len > TUNE_TABLE_WIDTH) {
			fputc('\n', f);
			pos = 0;
		}
		if (pos == 0)
			pos = fprintf(f, "%*s", indent, "");
		else
			pos += fprintf(f, " ");
		pos += fprintf(f, "%.*s", len, s);
		s += len;
		while (*s == ' ')
			s++;
	}
	fputc('\n', f);
}

/*
 * A cell longer than its column pushes the rest of that row right; a reason
 * that does not fit goes on the lines below (not the header's). No trailing
 * blanks.
 */
static void table_row(struct table *t, const char *const cells[TABLE_COLS + 1], bool head)
{
	const char *reason = cells[TABLE_COLS];
	int pos = 0, target = 0, pad = 0;

	for (int i = 0; i < TABLE_COLS; i++) {
		pos += fprintf(t->f, "%*s%s", pad, "", cells[i]);
		target += t->w[i] + 2;
		pad = pos < target ? target - pos : 1;
	}
	if (!*reason) {
		fputc('\n', t->f);
	} else if (head || pos + pad + (int)strlen(reason) <= TUNE_TABLE_WIDTH) {
		fprintf(t->f, "%*s%s\n", pad, "", reason);
	} else {
		fputc('\n', t->f);
		print_wrapped(t->f, reason, 4);
	}
}

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

static void plan_cells(const struct tune_plan *plan, const struct tune_item *it, char *want,
		       size_t wsz, const char *cells[TABLE_COLS + 1])
{
	snprintf(want, wsz, "%s%s", tune_op_prefix(it->op), it->wanted);
	cells[0] = it->knob.id;
	cells[1] = or_dash(it->current);
	cells[2] = it->action == TUNE_SKIP ? or_dash(want) : it->desired;
	cells[3] = tune_action_name(it->action);
	cells[4] = it->reason;
	if (plan->applied && it->action == TUNE_SET) {
		cells[3] = it->result == TUNE_RES_APPLIED ? "applied" : "FAILED";
		cells[4] = it->error;
	}
}

void tune_print_plan(FILE *f, const struct tune_plan *plan)
{
	static const char *const head[TABLE_COLS + 1] = {
		"KNOB", "CURRENT", "DESIRED", "ACTION", "REASON"
	};
	const struct tune_counts *c = &plan->counts;
	struct table t = { .f = f };
	const char *cells[TABLE_COLS + 1];
	char want[PROFILE_VALUE_MAX + 2];

	table_fit(&t, head);
	for (size_t i = 0; i < plan->n; i++) {
		plan_cells(plan, &plan->items[i], want, sizeof(want), cells);
		table_fit(&t, cells);
	}
	table_row(&t, head, true);
	for (size_t i = 0; i < plan->n; i++) {
		plan_cells(plan, &plan->items[i], want, sizeof(want), cells);
		table_row(&t, cells, false);
	}
	if (plan->applied)
		fprintf(f, "profile %s: %u applied, %u failed, %u kept, %u skipped", plan->profile,
			c->applied, c->failed, c->kept, c->skipped);
	else
		fprintf(f, "profile %s: %u to set, %u kept, %u skipped", plan->profile, c->set,
			c->kept, c->skipped);
	if (c->excluded || c->overridden)
		fprintf(f, " (%u excluded, %u overridden)", c->excluded, c->overridden);
	fprintf(f, "\n");
	if (plan->note[0])
		fprintf(f, "note: %s\n", plan->note);
	if (plan->error[0])
		fprintf(f, "error: %s\n", plan->error);
}

static void report_summary(FILE *f, const struct tune_report *r)
{
	const struct tune_counts *c = &r->counts;
	/* Nothing applied in this boot is not a failure of verify: the note says the state. */
	const char *what = r->revert ? "revert" : "verify";

	if (!r->have_journal && r->note[0])     /* nothing to do: the note says why */
		fprintf(f, "%s: %s\n", what, r->note);
	else if (r->revert && r->have_journal)
		fprintf(f, "revert: %u restored, %u unchanged, %u left alone (changed by someone "
			"else), %u left alone (writer unknown), %u failed\n", c->restored,
			c->unchanged, c->overridden, c->unknown_writer, c->failed);
	else if (r->have_journal && !c->drifted)
		fprintf(f, "verify passed: %u knobs as applied (profile %s)\n", c->ok, r->profile);
	else if (r->have_journal)
		fprintf(f, "verify FAILED: %u of %zu knobs drifted, %u of them overridden, %u of "
			"unknown writer (profile %s)\n", c->drifted, r->n, c->overridden,
			c->unknown_writer, r->profile);
	else if (!r->error[0])
		fprintf(f, "%s: nothing applied in this boot\n", what);
	if (r->note[0] && r->have_journal)
		fprintf(f, "note: %s\n", r->note);
	if (r->error[0])
		fprintf(f, "error: %s\n", r->error);
}

void tune_print_report(FILE *f, const struct tune_report *r)
{
	const char *head[TABLE_COLS + 1] = {
		"KNOB", r->revert ? "ORIGINAL" : "APPLIED", "LIVE", "STATUS", "DETAIL"
	};
	struct table t = { .f = f };
	const char *cells[TABLE_COLS + 1];

	table_fit(&t, head);
	for (int pass = 0; pass < 2 && r->n; pass++) {
		if (pass)
			table_row(&t, head, true);
		for (size_t i = 0; i < r->n; i++) {
			const struct tune_report_item *it = &r->items[i];

			cells[0] = it->id;
			cells[1] = or_dash(it->expected);
			cells[2] = or_dash(it->live);
			cells[3] = tune_status_name(it->status);
			cells[4] = it->detail;
			if (pass)
				table_row(&t, cells, false);
			else
				table_fit(&t, cells);
		}
	}
	report_summary(f, r);
}

void tune_format_counts(const struct tune_counts *c, char *buf, size_t size)
{
	const struct {
		const char *name;
		unsigned int n;
	} all[] = {
		{ "to set", c->set }, { "applied", c->applied }, { "kept", c->kept },
		{ "skipped", c->skipped }, { "excluded", c->excluded },
		{ "overridden", c->overridden }, { "failed", c->failed }, { "ok", c->ok },
		{ "drifted", c->drifted }, { "restored", c->restored },
		{ "unchanged", c->unchanged }, { "writer unknown", c->unknown_writer },
	};
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(all) && off < size; i++) {
		if (all[i].n)
			off += snprintf(buf + off, size - off, "%s%u %s", off ? ", " : "", all[i].n,
					all[i].name);
	}
	if (!buf[0])
		snprintf(buf, size, "nothing");
}

/* ---- JSON ---- */

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

struct json_object *tune_counts_json(const struct tune_counts *c)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add(o, "set", json_object_new_int64(c->set));
	add(o, "applied", json_object_new_int64(c->applied));
	add(o, "kept", json_object_new_int64(c->kept));
	add(o, "skipped", json_object_new_int64(c->skipped));
	add(o, "excluded", json_object_new_int64(c->excluded));
	add(o, "overridden", json_object_new_int64(c->overridden));
	add(o, "failed", json_object_new_int64(c->failed));
	add(o, "ok", json_object_new_int64(c->ok));
	add(o, "drifted", json_object_new_int64(c->drifted));
	add(o, "restored", json_object_new_int64(c->restored));
	add(o, "unchanged", json_object_new_int64(c->unchanged));
	add(o, "unknown_writer", json_object_new_int64(c->unknown_writer));
	return o;
}

static struct json_object *item_json(const struct tune_plan *plan, const struct tune_item *it)
{
	struct json_object *o = json_object_new_object();
	const char *result = NULL;

	if (!o)
		return NULL;
	if (plan->applied && it->action == TUNE_SET)
		result = it->result == TUNE_RES_APPLIED ? "applied" : "failed";
	add(o, "id", json_object_new_string(it->knob.id));
	add(o, "kind", json_object_new_string(knob_backend_of(it->knob.kind)->name));
	add(o, "path", json_str_or_null(it->knob.path));
	add(o, "op", json_object_new_string(journal_op_name(it->op)));
	add(o, "wanted", json_object_new_string(it->wanted));
	add(o, "current", json_str_or_null(it->current));
	add(o, "desired", json_str_or_null(it->desired));
	add(o, "action", json_object_new_string(tune_action_name(it->action)));
	add(o, "skip", it->action == TUNE_SKIP ?
	    json_object_new_string(tune_skip_name(it->skip)) : NULL);
	add(o, "reason", json_str_or_null(it->reason));
	add(o, "origin", json_str_or_null(it->origin));
	add(o, "layer", json_str_or_null(it->layer));
	add(o, "result", json_str_or_null(result));
	add(o, "error", json_str_or_null(it->error));
	return o;
}

/* Adds the array of n elements that make() builds; false when out of memory. */
static bool add_array(struct json_object *o, const char *key, size_t n,
		      struct json_object *(*make)(const void *arg, size_t i), const void *arg)
{
	struct json_object *arr = json_object_new_array();

	if (!arr)
		return false;
	add(o, key, arr);
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = make(arg, i);

		if (!v || json_object_array_add(arr, v)) {
			json_object_put(v);
			return false;
		}
	}
	return true;
}

static struct json_object *plan_item_at(const void *arg, size_t i)
{
	const struct tune_plan *plan = arg;

	return item_json(plan, &plan->items[i]);
}

struct json_object *tune_plan_json(const struct tune_plan *plan)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add(o, "profile", json_object_new_string(plan->profile));
	add(o, "applied", json_object_new_boolean(plan->applied));
	add(o, "note", json_str_or_null(plan->note));
	add(o, "error", json_str_or_null(plan->error));
	add(o, "counts", tune_counts_json(&plan->counts));
	if (!add_array(o, "knobs", plan->n, plan_item_at, plan)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *tune_plan_changes_json(const struct tune_plan *plan)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < plan->n; i++)
		if (plan->items[i].action == TUNE_SET)
			json_object_array_add(a, item_json(plan, &plan->items[i]));
	return a;
}

/* A change of tune_plan_changes_json() as cells: knob, current, desired, layer, reason. */
static void change_cells(struct json_object *k, const char *cells[TABLE_COLS + 1])
{
	cells[0] = json_at_str(k, "id", "?");
	cells[1] = json_at_str(k, "current", "-");
	cells[2] = json_at_str(k, "desired", "-");
	cells[3] = json_at_str(k, "layer", "-");
	cells[4] = json_at_str(k, "reason", "");
}

void tune_print_changes_json(FILE *f, struct json_object *changes)
{
	static const char *const head[TABLE_COLS + 1] = {
		"KNOB", "CURRENT", "PROPOSED", "LAYER", "REASON"
	};
	size_t n = json_at_len(changes, "");
	struct table t = { .f = f };
	const char *cells[TABLE_COLS + 1];

	table_fit(&t, head);
	for (size_t i = 0; i < n; i++) {
		change_cells(json_object_array_get_idx(changes, i), cells);
		table_fit(&t, cells);
	}
	table_row(&t, head, true);
	for (size_t i = 0; i < n; i++) {
		change_cells(json_object_array_get_idx(changes, i), cells);
		table_row(&t, cells, false);
	}
}

static struct json_object *report_item_at(const void *arg, size_t i)
{
	const struct tune_report_item *it = &((const struct tune_report *)arg)->items[i];
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add(o, "id", json_object_new_string(it->id));
	add(o, "path", json_object_new_string(it->path));
	add(o, "expected", json_object_new_string(it->expected));
	add(o, "live", json_str_or_null(it->live));
	add(o, "status", json_object_new_string(tune_status_name(it->status)));
	add(o, "detail", json_str_or_null(it->detail));
	return o;
}

struct json_object *tune_report_json(const struct tune_report *r)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add(o, "type", json_object_new_string(r->revert ? "revert" : "verify"));
	if (!r->revert)
		add(o, "ok", json_object_new_boolean(tune_verify_ok(r)));
	add(o, "have_journal", json_object_new_boolean(r->have_journal));
	add(o, "profile", json_str_or_null(r->profile));
	add(o, "boot_id", json_str_or_null(r->boot_id));
	add(o, "note", json_str_or_null(r->note));
	add(o, "error", json_str_or_null(r->error));
	add(o, "counts", tune_counts_json(&r->counts));
	if (!add_array(o, "knobs", r->n, report_item_at, r)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
