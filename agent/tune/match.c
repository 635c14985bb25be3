// SPDX-License-Identifier: GPL-2.0-only
/*
 * Instance type -> profile rules (match.conf), and the words that explain
 * which rule matched and why.
 */
#include <errno.h>
#include <fnmatch.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "identity/machine_table.h"
#include "tune/match.h"
#include "core/util.h"

enum {
	PROC_AMD = 1 << 0,
	PROC_GRAVITON = 1 << 1,
	PROC_INTEL = 1 << 2,
	PROC_UNSTATED = 1 << 3,
};

static const char *const cond_names[MC_N] = {
	[MC_CLASS] = "class",           [MC_FAMILY] = "family",
	[MC_GENERATION] = "generation", [MC_PROCESSOR] = "processor",
	[MC_OPTIONS] = "options",       [MC_FLEX] = "flex",
	[MC_SIZE] = "size",             [MC_METAL] = "metal",
	[MC_HYPERVISOR] = "hypervisor", [MC_ENA_EXPRESS] = "ena_express",
};

static const char KEYS_HINT[] =
	"class, family, generation, processor, options, flex, size, metal, hypervisor, ena_express, "
	"profile or overlay";

struct match_parse {
	struct match_rules *rules;
	struct match_rule *cur;
};

static bool is_lower_digit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* "c, cc" -> "c,cc": globs of lowercase letters, digits, '-', '*', '?', [...]. */
static bool parse_globs(const char *value, char *out, size_t size)
{
	char buf[512], *tok, *save = NULL;
	size_t off = 0;
	int n;

	if (snprintf(buf, sizeof(buf), "%s", value) >= (int)sizeof(buf) || !*value ||
	    value[0] == ',' || value[strlen(value) - 1] == ',' || strstr(value, ",,"))
		return false;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		util_strtrim(tok);
		if (!*tok)
			return false;
		for (const char *p = tok; *p; p++)
			if (!is_lower_digit(*p) && !strchr("-*?[]!", *p))
				return false;
		n = snprintf(out + off, size - off, "%s%s", off ? "," : "", tok);
		if (n < 0 || (size_t)n >= size - off)
			return false;
		off += n;
	}
	return true;
}

/* "6", ">=6", "<= 6" */
static bool parse_generation(const char *value, struct match_cond *c)
{
	const char *p = value;
	int n = 0, digits = 0;

	c->cmp = 0;
	if (strncmp(p, ">=", 2) == 0 || strncmp(p, "<=", 2) == 0) {
		c->cmp = *p == '>' ? 1 : -1;
		p += 2;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	if (*p == '0')
		return false;
	for (; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
		n = n * 10 + (*p - '0');
	c->number = n;
	return digits > 0 && *p == '\0';
}

static bool parse_processors(const char *value, unsigned int *procs)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} names[] = {
		{ "amd", PROC_AMD },
		{ "graviton", PROC_GRAVITON },
		{ "intel", PROC_INTEL },
		{ "unstated", PROC_UNSTATED },
	};
	char buf[128], *tok, *save = NULL;

	*procs = 0;
	if (snprintf(buf, sizeof(buf), "%s", value) >= (int)sizeof(buf))
		return false;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned int bit = 0;

		util_strtrim(tok);
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			if (strcmp(tok, names[i].name) == 0)
				bit = names[i].bit;
		if (!bit)
			return false;
		*procs |= bit;
	}
	return *procs != 0;
}

static bool parse_yes_no(const char *value, bool *yes)
{
	*yes = strcmp(value, "yes") == 0;
	return *yes || strcmp(value, "no") == 0;
}

static bool parse_options(const char *value, char *out, size_t size)
{
	size_t n = strlen(value);

	if (n == 0 || n >= size)
		return false;
	for (size_t i = 0; i < n; i++)
		if (value[i] < 'a' || value[i] > 'z')
			return false;
	memcpy(out, value, n + 1);
	return true;
}

static const char *cond_hint(enum match_cond_kind kind)
{
	switch (kind) {
	case MC_CLASS:
		return "comma-separated globs on the class, such as c, cc or hpc";
	case MC_FAMILY:
		return "comma-separated globs on the family, such as c5n or m7i-flex";
	case MC_SIZE:
		return "comma-separated globs on the size, such as *xlarge or metal*";
	case MC_GENERATION:
		return "N, >=N or <=N with N from 1 to 999";
	case MC_PROCESSOR:
		return "a comma-separated list of amd, graviton, intel, unstated";
	case MC_OPTIONS:
		return "option letters that must all be present, such as n or dn";
	case MC_HYPERVISOR:
		return "xen or nitro";
	default:
		return "yes or no";
	}
}

static bool parse_cond(enum match_cond_kind kind, const char *value, struct match_cond *c)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	switch (kind) {
	case MC_CLASS:
	case MC_FAMILY:
	case MC_SIZE:
		return parse_globs(value, c->text, sizeof(c->text));
	case MC_GENERATION:
		snprintf(c->text, sizeof(c->text), "%s", value);
		return parse_generation(value, c);
	case MC_PROCESSOR:
		snprintf(c->text, sizeof(c->text), "%s", value);
		return parse_processors(value, &c->procs);
	case MC_OPTIONS:
		return parse_options(value, c->text, sizeof(c->text));
	case MC_HYPERVISOR:
		snprintf(c->text, sizeof(c->text), "%s", value);
		c->yes = strcmp(value, "xen") == 0;
		return c->yes || strcmp(value, "nitro") == 0;
	default:
		snprintf(c->text, sizeof(c->text), "%s", value);
		return parse_yes_no(value, &c->yes);
	}
}

static int open_rule(struct match_parse *mp, const char *section, int line, char *err,
		     size_t errsz)
{
	struct match_rules *r = mp->rules;
	const char *name = section + 5;
	struct match_rule *rule;
	size_t n = strlen(name);

	if (strncmp(section, "rule.", 5) != 0 || n == 0 || n >= MATCH_RULE_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return util_err(err, errsz,
			    "unknown section [%s]: expected [rule.NAME] (NAME: a-z, 0-9, '_', '-')",
			    section);
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->rules[i].name, name) == 0)
			return util_err(err, errsz, "rule %s appears twice; the first is at line %d",
				    name, r->rules[i].line);
	if (r->n == MATCH_MAX_RULES)
		return util_err(err, errsz, "more than %d rules", MATCH_MAX_RULES);
	rule = array_grow(r->rules, &r->cap, r->n + 1, sizeof(*rule), 16);
	if (!rule)
		return util_err(err, errsz, "out of memory");
	r->rules = rule;
	mp->cur = rule = &r->rules[r->n++];
	memset(rule, 0, sizeof(*rule));
	strcpy(rule->name, name);
	rule->line = line;
	return 0;
}

/* profile = NAME or overlay = NAME: one of the two, once. */
static int set_profile(struct match_rule *rule, const char *key, const char *value, char *err,
		       size_t errsz)
{
	char b[80];

	if (rule->profile[0])
		return util_err(err, errsz, "rule %s already names %s %s: a rule picks one profile "
			    "or adds one overlay", rule->name, rule->overlay ? "overlay" : "profile",
			    rule->profile);
	if (!profile_name_valid(value))
		return util_err(err, errsz,
			    "bad %s '%s' in rule %s: expected a profile name (a-z, 0-9, '_', '-')",
			    key, util_printable(value, b, sizeof(b)), rule->name);
	strcpy(rule->profile, value);
	rule->overlay = strcmp(key, "overlay") == 0;
	return 0;
}

static int on_item(void *ctx, const struct lp_item *it, char *err, size_t errsz)
{
	struct match_parse *mp = ctx;
	struct match_rule *rule = mp->cur;
	char b[80];
	int kind;

	if (!it->key)
		return open_rule(mp, it->section, it->line, err, errsz);
	if (!rule)
		return util_err(err, errsz, "'%s' comes before any rule: start with [rule.NAME]",
			    it->key);
	if (strcmp(it->key, "profile") == 0 || strcmp(it->key, "overlay") == 0)
		return set_profile(rule, it->key, it->value, err, errsz);
	for (kind = 0; kind < MC_N; kind++)
		if (strcmp(it->key, cond_names[kind]) == 0)
			break;
	if (kind == MC_N)
		return util_err(err, errsz, "unknown key '%s' in rule %s: expected %s", it->key,
			    rule->name, KEYS_HINT);
	for (int i = 0; i < rule->n_conds; i++)
		if (rule->conds[i].kind == (enum match_cond_kind)kind)
			return util_err(err, errsz, "%s is set twice in rule %s", it->key, rule->name);
	if (!parse_cond(kind, it->value, &rule->conds[rule->n_conds]))
		return util_err(err, errsz, "bad %s '%s' in rule %s: expected %s", it->key,
			    util_printable(it->value, b, sizeof(b)), rule->name, cond_hint(kind));
	rule->n_conds++;
	return 0;
}

void match_free(struct match_rules *rules)
{
	if (!rules)
		return;
	free(rules->rules);
	memset(rules, 0, sizeof(*rules));
}

static int check_rules(const struct match_rules *r, struct lp_error *err)
{
	for (size_t i = 0; i < r->n; i++) {
		if (r->rules[i].profile[0])
			continue;
		err->line = r->rules[i].line;
		snprintf(err->msg, sizeof(err->msg),
			 "rule %s has no profile = NAME or overlay = NAME: say which profile it "
			 "picks or which overlay it adds",
			 r->rules[i].name);
		return -EINVAL;
	}
	return 0;
}

int match_parse_buf(const char *buf, size_t len, const char *name, struct match_rules *out,
		    struct lp_error *err)
{
	struct match_parse mp = { .rules = out };
	int ret;

	memset(out, 0, sizeof(*out));
	snprintf(out->file, sizeof(out->file), "%s", name);
	ret = lp_parse_buf_ex(buf, len, name, on_item, &mp, err);
	if (!ret)
		ret = check_rules(out, err);
	if (ret)
		match_free(out);
	return ret;
}

int match_load(const char *path, struct match_rules *out, struct lp_error *err)
{
	char *buf;
	ssize_t len;
	int ret;

	memset(out, 0, sizeof(*out));
	len = util_read_file(path, LP_MAX_FILE, &buf);
	if (len < 0) {
		memset(err, 0, sizeof(*err));
		snprintf(err->file, sizeof(err->file), "%s", path);
		snprintf(err->msg, sizeof(err->msg), "%s",
			 len == -EFBIG ? "too large for a match file" : util_file_strerror((int)len));
		return (int)len;
	}
	ret = match_parse_buf(buf, len, path, out, err);
	free(buf);
	return ret;
}

/* ---- matching ---- */

/* The glob of list that matches s, copied to hit; false when none does. */
static bool globs_match(const char *list, const char *s, char *hit, size_t size)
{
	char buf[128], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (fnmatch(tok, s, 0) == 0) {
			snprintf(hit, size, "%s", tok);
			return true;
		}
	}
	return false;
}

static unsigned int proc_bit(char p)
{
	return p == 'a' ? PROC_AMD : p == 'g' ? PROC_GRAVITON : p == 'i' ? PROC_INTEL
								 : PROC_UNSTATED;
}

static const char *proc_word(char p)
{
	return p == 'a' ? "amd" : p == 'g' ? "graviton" : p == 'i' ? "intel" : "unstated";
}

/* "class c" or "size 2xlarge matches '*xlarge'" */
static void glob_words(const char *what, const char *s, const char *glob, char *buf,
		       size_t size)
{
	if (strpbrk(glob, "*?["))
		snprintf(buf, size, "%s %s matches '%s'", what, s, glob);
	else
		snprintf(buf, size, "%s %s", what, s);
}

/* Whether one of the globs matches s, with the words saying so either way. */
static bool glob_cond(const char *what, const char *list, const char *s, char *words,
		      size_t size)
{
	char hit[128], shown_list[160];
	size_t off = 0;

	if (globs_match(list, s, hit, sizeof(hit))) {
		glob_words(what, s, hit, words, size);
		return true;
	}
	for (const char *p = list; *p && off + 3 < sizeof(shown_list); p++) {
		shown_list[off++] = *p;
		if (*p == ',')
			shown_list[off++] = ' ';
	}
	shown_list[off] = '\0';
	snprintf(words, size, "%s %s %s %s", what, s[0] ? s : "(none)",
		 strpbrk(list, "*?[") ? "matches none of" : "is not", shown_list);
	return false;
}

static bool options_match(const char *want, const char *have, char *buf, size_t size)
{
	size_t off = snprintf(buf, size, "options contain ");

	for (const char *p = want; *p; p++) {
		if (!strchr(have, *p)) {
			if (*have)
				snprintf(buf, size, "options '%s' lack '%c'", have, *p);
			else
				snprintf(buf, size, "the name has no option letters ('%c' needed)", *p);
			return false;
		}
		if (off < size)
			off += snprintf(buf + off, size - off, "%s'%c'",
					p == want ? "" : p[1] ? ", " : " and ", *p);
	}
	return true;
}

static bool generation_holds(const struct match_cond *c, int gen, char *words, size_t size)
{
	bool ok = gen && (c->cmp > 0 ? gen >= c->number : c->cmp < 0 ? gen <= c->number
								 : gen == c->number);
	const char *op = c->cmp > 0 ? ">=" : c->cmp < 0 ? "<=" : "";

	if (!gen)
		snprintf(words, size, "the name has no generation number");
	else if (ok && c->cmp)
		snprintf(words, size, "generation %d %s %d", gen, op, c->number);
	else if (ok)
		snprintf(words, size, "generation %d", gen);
	else
		snprintf(words, size, "generation %d is not %s%d", gen, op, c->number);
	return ok;
}

/* Whether c, a condition on the instance type, holds for t; words says why, or why not. */
static bool type_cond_holds(const struct match_cond *c, const struct itype *t, char *words,
			    size_t size)
{
	bool ok;

	switch (c->kind) {
	case MC_CLASS:
		return glob_cond("class", c->text, t->class_, words, size);
	case MC_FAMILY:
		return glob_cond("family", c->text, t->family, words, size);
	case MC_SIZE:
		return glob_cond("size", c->text, t->size, words, size);
	case MC_GENERATION:
		return generation_holds(c, t->generation, words, size);
	case MC_PROCESSOR:
		ok = (c->procs & proc_bit(t->processor)) != 0;
		snprintf(words, size, "processor %s%s%s", proc_word(t->processor),
			 ok ? "" : " is not ", ok ? "" : c->text);
		return ok;
	case MC_OPTIONS:
		return options_match(c->text, t->options, words, size);
	case MC_FLEX:
		snprintf(words, size, "%s", t->flex ? "a -flex type" : "not a -flex type");
		return t->flex == c->yes;
	case MC_METAL:
		snprintf(words, size, "%s", t->metal ? "bare metal" : "not bare metal");
		return t->metal == c->yes;
	case MC_HYPERVISOR:
		ok = machine_type_is_xen(t->name);
		snprintf(words, size, "%s", ok ? "Xen-based (not Nitro)" : "Nitro (not Xen-based)");
		return ok == c->yes;
	default:
		snprintf(words, size, "unknown condition");
		return false;
	}
}

/* Whether c, a condition on the host, holds; words says why, or why not. */
static bool host_cond_holds(const struct match_cond *c, const struct match_host *h,
			    char *words, size_t size)
{
	if (!h) {
		snprintf(words, size, "decided on the host: whether the ENA driver reports ENA "
			 "Express on for an interface (ena_srd_mode), which a type cannot say");
		return false;
	}
	if (h->ena_express)
		snprintf(words, size, "ENA Express on for %s", h->ena_express_ifs);
	else
		snprintf(words, size, "ENA Express on for no interface");
	return h->ena_express == c->yes;
}

static bool cond_on_host(const struct match_cond *c)
{
	return c->kind == MC_ENA_EXPRESS;
}

/* why gets the conditions that hold, or the first one that does not. */
static bool rule_holds(const struct match_rule *r, const struct itype *t,
		       const struct match_host *h, char *why, size_t size)
{
	size_t off = 0;

	why[0] = '\0';
	for (int i = 0; i < r->n_conds; i++) {
		const struct match_cond *c = &r->conds[i];
		char words[256];
		bool ok;

		if (cond_on_host(c))
			ok = host_cond_holds(c, h, words, sizeof(words));
		else if (!t)
			ok = false, snprintf(words, sizeof(words), "the instance type is unknown");
		else
			ok = type_cond_holds(c, t, words, sizeof(words));
		if (!ok) {
			snprintf(why, size, "%s", words);
			return false;
		}
		if (off < size)
			off += snprintf(why + off, size - off, "%s%s", i ? "; " : "", words);
	}
	return true;
}

static void note_skipped(struct match_result *res, const struct match_rule *r, const char *why)
{
	if (res->n_skipped < MATCH_MAX_SKIPPED) {
		snprintf(res->skipped[res->n_skipped].rule, sizeof(res->skipped[0].rule), "%s",
			 r->name);
		snprintf(res->skipped[res->n_skipped].why, sizeof(res->skipped[0].why), "%.191s", why);
	}
	res->n_skipped++;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void catch_all_words(const struct match_rules *rules, size_t i, const struct itype *t,
			    char *buf, size_t size)
{
	if (i == 0)
		snprintf(buf, size, "a rule without conditions matches any instance type");
	else if (!t)
		snprintf(buf, size, "no rule above matched, and the instance type is unknown");
	else
		snprintf(buf, size, "no rule above matched %s, and this rule has no conditions",
			 t->name);
}

static bool has_overlay(const struct match_result *res, const char *name)
{
	for (int i = 0; i < res->n_overlays; i++)
		if (!strcmp(res->overlays[i].name, name))
			return true;
	return false;
}

static bool rule_asks_host(const struct match_rule *r)
{
	for (int i = 0; i < r->n_conds; i++)
		if (cond_on_host(&r->conds[i]))
			return true;
	return false;
}

static void note_overlay(struct match_overlay *o, const struct match_rules *rules,
			 const struct match_rule *r, const char *why)
{
	strcpy(o->name, r->profile);
	strcpy(o->rule, r->name);
	snprintf(o->reason, sizeof(o->reason), "rule %s (%.128s:%d): %.360s", r->name,
		 base_name(rules->file), r->line, r->n_conds ? why : "no conditions");
}

/* Every overlay rule that holds, in file order; an overlay once, by its first rule. */
static void find_overlays(const struct match_rules *rules, const struct itype *type,
			  const struct match_host *host, struct match_result *res)
{
	char why[768];

	for (size_t i = 0; i < rules->n && res->n_overlays < MATCH_MAX_OVERLAYS; i++) {
		const struct match_rule *r = &rules->rules[i];

		if (!r->overlay)
			continue;
		if (!rule_holds(r, type, host, why, sizeof(why))) {
			if (!host && rule_asks_host(r) && res->n_on_host < MATCH_MAX_OVERLAYS)
				note_overlay(&res->on_host[res->n_on_host++], rules, r, why);
			continue;
		}
		if (!has_overlay(res, r->profile))
			note_overlay(&res->overlays[res->n_overlays++], rules, r, why);
	}
}

int match_find(const struct match_rules *rules, const struct itype *type,
	       const struct match_host *host, struct match_result *res)
{
	char why[768];

	memset(res, 0, sizeof(*res));
	find_overlays(rules, type, host, res);
	for (size_t i = 0; i < rules->n; i++) {
		const struct match_rule *r = &rules->rules[i];

		if (r->overlay)
			continue;
		if (!rule_holds(r, type, host, why, sizeof(why))) {
			note_skipped(res, r, why);
			continue;
		}
		if (!r->n_conds)
			catch_all_words(rules, i, type, why, sizeof(why));
		strcpy(res->profile, r->profile);
		strcpy(res->rule, r->name);
		snprintf(res->origin, sizeof(res->origin), "%s:%d", rules->file, r->line);
		snprintf(res->reason, sizeof(res->reason), "rule %s (%.128s:%d): %.768s", r->name,
			 base_name(rules->file), r->line, why);
		res->catch_all = r->n_conds == 0;
		return 0;
	}
	snprintf(res->reason, sizeof(res->reason),
		 "no rule in %.256s matches %s%s: end the file with a rule without conditions "
		 "(such as [rule.default] profile = base) to catch every type",
		 rules->file, type ? type->name : "an unknown instance type",
		 type ? "" : " (rules with conditions never match one)");
	return -ENOENT;
}

/* ---- explaining ---- */

static void describe_type(const struct itype *t, char *buf, size_t size)
{
	const char *proc = itype_processor_name(t->processor);
	size_t off;

	off = snprintf(buf, size, "family %s: class %s", t->family, t->class_);
	if (t->generation && off < size)
		off += snprintf(buf + off, size - off, ", generation %d", t->generation);
	if (off < size)
		off += snprintf(buf + off, size - off, ", processor %s", proc ? proc : "unstated");
	for (const char *p = t->options; *p && off < size; p++) {
		const char *m = itype_option_meaning(*p);

		off += snprintf(buf + off, size - off, ", '%c' %s", *p, m ? m : "(unknown option)");
	}
	if (t->variant[0] && off < size)
		off += snprintf(buf + off, size - off, ", variant %s", t->variant);
	if (t->flex && off < size)
		off += snprintf(buf + off, size - off, ", flex");
	if (off < size)
		snprintf(buf + off, size - off, "; size %s%s", t->size, t->metal ? " (bare metal)" : "");
}

static void print_skipped(const struct match_result *res, FILE *out)
{
	int kept = res->n_skipped < MATCH_MAX_SKIPPED ? res->n_skipped : MATCH_MAX_SKIPPED;

	for (int i = 0; i < kept; i++)
		fprintf(out, "%-15s%s: %s\n", i ? "" : "rules before", res->skipped[i].rule,
			res->skipped[i].why);
	if (res->n_skipped > kept)
		fprintf(out, "%-15sand %d more\n", "", res->n_skipped - kept);
}

void match_explain_print(const struct match_result *res, const struct itype *type, FILE *out)
{
	char desc[512];

	if (type) {
		describe_type(type, desc, sizeof(desc));
		fprintf(out, "instance type  %s\n", type->name);
		fprintf(out, "parsed as      %s\n", desc);
	} else {
		fprintf(out, "instance type  unknown (not EC2, or not detected)\n");
	}
	if (!res->rule[0]) {
		fprintf(out, "no match       %s\n", res->reason);
		print_skipped(res, out);
		return;
	}
	fprintf(out, "profile        %s\n", res->profile);
	fprintf(out, "rule           %s (%s)\n", res->rule, res->origin);
	fprintf(out, "why            %s\n", res->reason);
	print_skipped(res, out);
	for (int i = 0; i < res->n_overlays; i++)
		fprintf(out, "%-15s%s: %s\n", i ? "" : "overlays", res->overlays[i].name,
			res->overlays[i].reason);
	for (int i = 0; i < res->n_on_host; i++)
		fprintf(out, "%-15s%s: %s\n", i ? "" : "on a host", res->on_host[i].name,
			res->on_host[i].reason);
}

static struct json_object *skipped_to_json(const struct match_result *res)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < res->n_skipped && i < MATCH_MAX_SKIPPED; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "rule", json_object_new_string(res->skipped[i].rule));
		json_object_object_add(o, "why", json_object_new_string(res->skipped[i].why));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *overlays_to_json(const struct match_overlay *list, int n)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "overlay", json_object_new_string(list[i].name));
		json_object_object_add(o, "rule", json_object_new_string(list[i].rule));
		json_object_object_add(o, "reason", json_object_new_string(list[i].reason));
		json_object_array_add(a, o);
	}
	return a;
}

struct json_object *match_result_to_json(const struct match_result *res,
					 const struct itype *type)
{
	struct json_object *o = json_object_new_object();
	char desc[512];

	json_object_object_add(o, "instance_type",
			       type ? json_object_new_string(type->name) : NULL);
	if (type) {
		describe_type(type, desc, sizeof(desc));
		json_object_object_add(o, "parsed", json_object_new_string(desc));
	}
	json_object_object_add(o, "matched", json_object_new_boolean(res->rule[0] != '\0'));
	json_object_object_add(o, "profile",
			       res->profile[0] ? json_object_new_string(res->profile) : NULL);
	json_object_object_add(o, "rule", res->rule[0] ? json_object_new_string(res->rule) : NULL);
	json_object_object_add(o, "origin",
			       res->origin[0] ? json_object_new_string(res->origin) : NULL);
	json_object_object_add(o, "catch_all", json_object_new_boolean(res->catch_all));
	json_object_object_add(o, "reason", json_object_new_string(res->reason));
	json_object_object_add(o, "skipped", skipped_to_json(res));
	json_object_object_add(o, "overlays", overlays_to_json(res->overlays, res->n_overlays));
	json_object_object_add(o, "on_host", overlays_to_json(res->on_host, res->n_on_host));
	return o;
}
