// SPDX-License-Identifier: GPL-2.0-only
/* On-CPU time by cgroup and process name over the last hour (cpushare.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpushare.h"

#define MINUTE_MS 60000ULL
#define TOP_N 5

struct pair {
	char cgroup[CPUSHARE_CGROUP_MAX];	/* "" when unknown */
	char comm[CPUSHARE_COMM_MAX];
	uint64_t hash;
	uint64_t ns[CPUSHARE_MINUTES];		/* by slot, see minute_of */
};

struct cpushare {
	struct pair *pairs;
	size_t n;
	uint64_t other_ns[CPUSHARE_MINUTES];
	/* The minute (now_ms / 1 min) + 1 each slot holds; 0: never used. */
	uint64_t minute_of[CPUSHARE_MINUTES];
	uint64_t first_ms;			/* the first add; 0: none yet */
	char note[384];
};

struct cpushare *cpushare_new(void)
{
	struct cpushare *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	/* calloc()ed pages stay untouched, and out of RSS, until used. */
	s->pairs = calloc(CPUSHARE_MAX_PAIRS, sizeof(*s->pairs));
	if (!s->pairs) {
		free(s);
		return NULL;
	}
	return s;
}

void cpushare_free(struct cpushare *s)
{
	if (!s)
		return;
	free(s->pairs);
	free(s);
}

void cpushare_set_note(struct cpushare *s, const char *note)
{
	snprintf(s->note, sizeof(s->note), "%s", note ? note : "");
}

static bool slot_in_window(const struct cpushare *s, size_t slot, uint64_t now_ms)
{
	uint64_t minute = now_ms / MINUTE_MS;

	return s->minute_of[slot] && minute + 1 - s->minute_of[slot] < CPUSHARE_MINUTES;
}

static uint64_t pair_total(const struct cpushare *s, const struct pair *p, uint64_t now_ms)
{
	uint64_t ns = 0;

	for (size_t slot = 0; slot < CPUSHARE_MINUTES; slot++)
		if (slot_in_window(s, slot, now_ms))
			ns += p->ns[slot];
	return ns;
}

/* Forgets the pairs with no time left in the window. */
static void forget_idle(struct cpushare *s, uint64_t now_ms)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (!pair_total(s, &s->pairs[i], now_ms))
			continue;
		if (kept != i)
			s->pairs[kept] = s->pairs[i];
		kept++;
	}
	s->n = kept;
}

/* The slot of now_ms, emptied first when it last held an older minute. */
static size_t current_slot(struct cpushare *s, uint64_t now_ms)
{
	uint64_t minute = now_ms / MINUTE_MS;
	size_t slot = minute % CPUSHARE_MINUTES;

	if (s->minute_of[slot] == minute + 1)
		return slot;
	s->minute_of[slot] = minute + 1;
	s->other_ns[slot] = 0;
	for (size_t i = 0; i < s->n; i++)
		s->pairs[i].ns[slot] = 0;
	forget_idle(s, now_ms);
	return slot;
}

/* Copies src with anything but printable ASCII replaced by '?'. */
static void copy_printable(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src && src[i] && i + 1 < size; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h * 0x100000001b3ULL;
}

static struct pair *find_or_add(struct cpushare *s, const char *cgroup, const char *comm)
{
	char cg[CPUSHARE_CGROUP_MAX], name[CPUSHARE_COMM_MAX];
	uint64_t hash;

	copy_printable(cg, sizeof(cg), cgroup);
	copy_printable(name, sizeof(name), comm);
	hash = fnv1a(fnv1a(0xcbf29ce484222325ULL, cg), name);
	for (size_t i = 0; i < s->n; i++) {
		struct pair *p = &s->pairs[i];

		if (p->hash == hash && !strcmp(p->cgroup, cg) && !strcmp(p->comm, name))
			return p;
	}
	if (s->n == CPUSHARE_MAX_PAIRS)
		return NULL;
	struct pair *p = &s->pairs[s->n++];

	memset(p, 0, sizeof(*p));
	memcpy(p->cgroup, cg, sizeof(cg));
	memcpy(p->comm, name, sizeof(name));
	p->hash = hash;
	return p;
}

void cpushare_add(struct cpushare *s, uint64_t now_ms, const char *cgroup,
		  const char *comm, uint64_t ns)
{
	size_t slot;
	struct pair *p;

	if (!ns)
		return;
	if (!s->first_ms)
		s->first_ms = now_ms ? now_ms : 1;
	slot = current_slot(s, now_ms);
	p = find_or_add(s, cgroup, comm);
	if (p)
		p->ns[slot] += ns;
	else
		s->other_ns[slot] += ns;
}

void cpushare_add_other(struct cpushare *s, uint64_t now_ms, uint64_t ns)
{
	if (!ns)
		return;
	if (!s->first_ms)
		s->first_ms = now_ms ? now_ms : 1;
	s->other_ns[current_slot(s, now_ms)] += ns;
}

static int by_ns_desc(const void *a, const void *b)
{
	const struct cpushare_group *x = a, *y = b;

	return x->ns < y->ns ? 1 : x->ns > y->ns ? -1 : strcmp(x->name, y->name);
}

/* The window ending at now_ms: its length, all time in it, "other" in it. */
static struct cpushare_totals window_totals(const struct cpushare *s, uint64_t now_ms)
{
	struct cpushare_totals t = { 0 };
	uint64_t minute = now_ms / MINUTE_MS, window_start;

	for (size_t slot = 0; slot < CPUSHARE_MINUTES; slot++)
		if (slot_in_window(s, slot, now_ms))
			t.other_ns += s->other_ns[slot];
	t.ns = t.other_ns;
	for (size_t i = 0; i < s->n; i++)
		t.ns += pair_total(s, &s->pairs[i], now_ms);
	/* The window starts at the oldest minute kept, or at the first add. */
	window_start = minute + 1 >= CPUSHARE_MINUTES ?
		       (minute + 1 - CPUSHARE_MINUTES) * MINUTE_MS : 0;
	if (window_start < s->first_ms)
		window_start = s->first_ms;
	t.window_ms = s->first_ms && now_ms > window_start ? now_ms - window_start : 0;
	return t;
}

size_t cpushare_top(const struct cpushare *s, uint64_t now_ms, enum cpushare_by by,
		    struct cpushare_group *out, size_t max, struct cpushare_totals *totals)
{
	struct cpushare_group *groups;
	size_t ngroups = 0, n;

	if (totals)
		*totals = window_totals(s, now_ms);
	if (!max)
		return 0;
	groups = calloc(s->n ? s->n : 1, sizeof(*groups));
	if (!groups)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct pair *p = &s->pairs[i];
		const char *name = by == CPUSHARE_BY_CGROUP ? p->cgroup : p->comm;
		uint64_t ns = pair_total(s, p, now_ms);
		size_t g;

		if (!ns || !name[0])
			continue;
		for (g = 0; g < ngroups && strcmp(groups[g].name, name); g++)
			;
		if (g == ngroups)
			snprintf(groups[ngroups++].name, sizeof(groups->name), "%s", name);
		groups[g].ns += ns;
	}
	qsort(groups, ngroups, sizeof(*groups), by_ns_desc);
	n = ngroups < max ? ngroups : max;
	if (n)
		memcpy(out, groups, n * sizeof(*groups));
	free(groups);
	return n;
}

const char *cpushare_cgroup_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : "/";
}

/* The top TOP_N of one ranking, with shares of the window's total_ns. */
static struct json_object *ranking_json(const struct cpushare *s, uint64_t now_ms,
					enum cpushare_by by, uint64_t total_ns, bool credits)
{
	struct cpushare_group top[TOP_N];
	size_t n = cpushare_top(s, now_ms, by, top, TOP_N, NULL);
	struct json_object *arr;

	if (by == CPUSHARE_BY_CGROUP && s->note[0])
		return NULL;
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		if (by == CPUSHARE_BY_CGROUP) {
			json_object_object_add(o, "cgroup", json_object_new_string(top[i].name));
			json_object_object_add(o, "name", json_object_new_string(
				cpushare_cgroup_name(top[i].name)));
		} else {
			json_object_object_add(o, "name", json_object_new_string(top[i].name));
		}
		json_object_object_add(o, "cpu_s", json_object_new_double(top[i].ns / 1e9));
		json_object_object_add(o, "share_pct", json_object_new_double(
			total_ns ? top[i].ns * 100.0 / total_ns : 0));
		if (credits)
			json_object_object_add(o, "credits", json_object_new_double(
				top[i].ns / 60e9));
		json_object_array_add(arr, o);
	}
	return arr;
}

struct json_object *cpushare_json(const struct cpushare *s, uint64_t now_ms, bool credits)
{
	struct cpushare_totals t;
	struct json_object *o;

	if (!s || !s->first_ms)
		return NULL;
	t = window_totals(s, now_ms);
	o = json_object_new_object();
	json_object_object_add(o, "window_s", json_object_new_double(t.window_ms / 1000.0));
	json_object_object_add(o, "cpu_s", json_object_new_double(t.ns / 1e9));
	if (credits)
		json_object_object_add(o, "credits", json_object_new_double(t.ns / 60e9));
	json_object_object_add(o, "other_cpu_s", json_object_new_double(t.other_ns / 1e9));
	json_object_object_add(o, "by_cgroup", ranking_json(s, now_ms, CPUSHARE_BY_CGROUP,
							     t.ns, credits));
	json_object_object_add(o, "by_process", ranking_json(s, now_ms, CPUSHARE_BY_PROCESS,
							      t.ns, credits));
	json_object_object_add(o, "note", s->note[0] ? json_object_new_string(s->note) : NULL);
	return o;
}
