/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The match file (tuning-profiles/match.conf) picks the layers of an
 * instance type's tuning: one class profile, then capability overlays.
 * Rules are sections in file order. Of the rules that name a profile, the
 * first whose conditions all hold wins; every rule that names an overlay and
 * holds adds it, in file order, whichever class profile won:
 *
 *   [rule.memory]
 *   class = r, x, u, z, cr
 *   profile = memory
 *
 *   [rule.network-option]
 *   options = n                 letters that must all be present
 *   overlay = network
 *
 * Conditions: class, family, size (comma-separated globs), generation (N,
 * >=N, <=N), processor (amd, graviton, intel, unstated), options, flex and
 * metal (yes, no), hypervisor (xen, nitro: machine_table.h); and one read
 * on the host rather than from the type's name: ena_express (yes, no), set
 * per network interface in the EC2 API and reported by the ENA driver. A
 * rule without conditions matches anything, an unknown type or a host
 * outside EC2 included; a rule with a condition on the type never matches an
 * unknown type, and one on the host never holds when only a type is
 * explained (no host).
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
	MC_HYPERVISOR,
	MC_ENA_EXPRESS,
	MC_N,
};

struct match_cond {
	enum match_cond_kind kind;
	char text[128];         /* globs, option letters, or the value as written */
	int cmp;                /* generation: 0 "=", 1 ">=", -1 "<=" */
	int number;             /* generation */
	unsigned int procs;     /* processor: bit per amd, graviton, intel, unstated */
	bool yes;               /* flex, metal, ena_express; hypervisor: xen */
};

struct match_rule {
	char name[MATCH_RULE_NAME_MAX];
	char profile[PROFILE_NAME_MAX];         /* the class profile or the overlay it names */
	bool overlay;                           /* overlay = NAME, not profile = NAME */
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
#define MATCH_MAX_OVERLAYS 8

/* What the host says of itself, for the conditions the type cannot answer. */
struct match_host {
	bool ena_express;               /* on for at least one interface */
	char ena_express_ifs[64];       /* which: "eth0, eth1" */
};

/* A capability overlay a rule added. */
struct match_overlay {
	char name[PROFILE_NAME_MAX];
	char rule[MATCH_RULE_NAME_MAX];
	char reason[640];       /* "rule x (match.conf:31): options contain 'n'" */
};

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
	/* Every overlay rule that holds, in file order (at most MATCH_MAX_OVERLAYS). */
	int n_overlays;
	struct match_overlay overlays[MATCH_MAX_OVERLAYS];
	/* Without a host: overlay rules that would be asked on one (their reason
	 * says what decides). */
	int n_on_host;
	struct match_overlay on_host[MATCH_MAX_OVERLAYS];
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
 * Finds the first profile rule that holds for type (NULL: unknown or not
 * EC2) on host (NULL: a type explained off the host), and every overlay rule
 * that holds. Returns 0, or -ENOENT when no profile rule does (res->reason
 * says so).
 */
int match_find(const struct match_rules *rules, const struct itype *type,
	       const struct match_host *host, struct match_result *res);

/* `perfagent profiles explain TYPE`: what the type is, the rule, and why. */
void match_explain_print(const struct match_result *res, const struct itype *type, FILE *out);
struct json_object *match_result_to_json(const struct match_result *res,
					 const struct itype *type);

#endif
