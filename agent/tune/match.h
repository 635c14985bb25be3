/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The match file (tuning-profiles/match.conf) picks a profile for an
 * instance type. Rules are sections, tried in file order; the first whose
 * conditions all hold wins:
 *
 *   [rule.network-optimized]
 *   options = n                 letters that must all be present
 *   profile = network
 *
 * Conditions: class, family, size (comma-separated globs), generation (N,
 * >=N, <=N), processor (amd, graviton, intel, unstated), options, flex and
 * metal (yes, no). A rule without conditions matches anything, an unknown
 * type or a host outside EC2 included; a rule with conditions never matches
 * an unknown type.
 */
#ifndef PA_MATCH_H
#define PA_MATCH_H

#include <limits.h>
#include <stdio.h>

#include "identity/itype.h"
#include "core/lineparse.h"
#include "tune/profile.h"

#define MATCH_FILE "match.conf"
#define MATCH_RULE_NAME_MAX 64
#define MATCH_MAX_RULES 512

struct json_object;

enum match_cond_kind {
	MC_CLASS,
	MC_FAMILY,
	MC_GENERATION,
	MC_PROCESSOR,
	MC_OPTIONS,
	MC_FLEX,
	MC_SIZE,
	MC_METAL,
	MC_N,
};

struct match_cond {
	enum match_cond_kind kind;
	char text[128];         /* globs, option letters, or the value as written */
	int cmp;                /* generation: 0 "=", 1 ">=", -1 "<=" */
	int number;             /* generation */
	unsigned int procs;     /* processor: bit per amd, graviton, intel, unstated */
	bool yes;               /* flex, metal */
};

struct match_rule {
	char name[MATCH_RULE_NAME_MAX];
	char profile[PROFILE_NAME_MAX];
	int line;
	int n_conds;
	struct match_cond conds[MC_N];  /* in file order, each kind at most once */
};

struct match_rules {
	char file[PATH_MAX];
	size_t n, cap;
	struct match_rule *rules;
};

#define MATCH_MAX_SKIPPED 16

struct match_result {
	char profile[PROFILE_NAME_MAX];
	char rule[MATCH_RULE_NAME_MAX];
	char origin[PATH_MAX + 16];     /* "tuning-profiles/match.conf:31" */
	char reason[1024];              /* "rule x (match.conf:31): options contain 'n'; class c" */
	bool catch_all;                 /* the rule has no conditions */
	/* The rules tried before it, each with the first condition that failed. */
	int n_skipped;                  /* may exceed MATCH_MAX_SKIPPED; the rest are not kept */
	struct {
		char rule[MATCH_RULE_NAME_MAX];
		char why[192];          /* "class c is not p, g, gr" */
	} skipped[MATCH_MAX_SKIPPED];
};

/*
 * Loads and checks the rules (unknown keys, bad conditions, a rule without
 * profile =); whether the profiles exist is not checked here. Returns 0 or a
 * negative errno with err at file:line.
 */
int match_load(const char *path, struct match_rules *out, struct lp_error *err);
int match_parse_buf(const char *buf, size_t len, const char *name, struct match_rules *out,
		    struct lp_error *err);
void match_free(struct match_rules *rules);

/*
 * Finds the first rule that holds for type (NULL: unknown or not EC2).
 * Returns 0, or -ENOENT when none does (res->reason says so).
 */
int match_find(const struct match_rules *rules, const struct itype *type,
	       struct match_result *res);

/* `perfagent profiles explain TYPE`: what the type is, the rule, and why. */
void match_explain_print(const struct match_result *res, const struct itype *type, FILE *out);
struct json_object *match_result_to_json(const struct match_result *res,
					 const struct itype *type);

#endif
