// SPDX-License-Identifier: GPL-2.0-only
/*
 * A stand-in for `perfagent apply/verify/revert --root` for the system
 * tests: runs the tuning engine on knobs given on the command line, so the
 * tests depend on neither the CLI nor the shipped profiles.
 *
 *   tune_driver --root DIR --state DIR [--exclude GLOB]... [--json]
 *               [--lock-timeout MS] plan|apply|verify|revert [KNOB=VALUE]...
 *
 *   KNOB is sysctl:KEY, vm:KEY or block:GLOBS[/KIND]:KEY; VALUE may start
 *   with '>' (only raise) or '<' (only lower).
 *
 * Exit status: 0 done; 1 a knob failed, verify found drift, or the command
 * failed as a whole; 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tune.h"
#include "util.h"

#define MAX_EXCLUDES 16

static void usage(void)
{
	fprintf(stderr, "usage: tune_driver --root DIR --state DIR [--exclude GLOB]... [--json] "
		"[--lock-timeout MS] plan|apply|verify|revert [KNOB=VALUE]...\n");
	exit(2);
}

static int parse_kind(const char *s, enum knob_kind *kind, const char **rest)
{
	static const struct {
		const char *prefix;
		enum knob_kind kind;
	} kinds[] = {
		{ "sysctl:", KNOB_SYSCTL }, { "vm:", KNOB_VM }, { "block:", KNOB_BLOCK },
	};

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (!strncmp(s, kinds[i].prefix, strlen(kinds[i].prefix))) {
			*kind = kinds[i].kind;
			*rest = s + strlen(kinds[i].prefix);
			return 0;
		}
	}
	return -EINVAL;
}

/* "block:nvme*,xvd* /ebs:read_ahead_kb" -> devices, kind and key. */
static int parse_block(char *sel, struct profile_value *v)
{
	char *key = strrchr(sel, ':'), *kind;

	if (!key)
		return -EINVAL;
	*key++ = '\0';
	kind = strchr(sel, '/');
	if (kind) {
		*kind++ = '\0';
		snprintf(v->dev_kind, sizeof(v->dev_kind), "%s", kind);
	}
	snprintf(v->devices, sizeof(v->devices), "%s", sel);
	snprintf(v->key, sizeof(v->key), "%s", key);
	return 0;
}

static int add_knob(struct profile *p, const char *arg)
{
	char buf[1024], *eq, *value;
	const char *rest;
	struct profile_value *v;

	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf) || !(eq = strchr(buf, '=')))
		return -EINVAL;
	*eq = '\0';
	value = eq + 1;
	v = reallocarray(p->values, p->n_values + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->values = v;
	v = &p->values[p->n_values];
	memset(v, 0, sizeof(*v));
	if (parse_kind(buf, &v->kind, &rest))
		return -EINVAL;
	if (v->kind == KNOB_BLOCK) {
		if (parse_block((char *)rest, v))
			return -EINVAL;
	} else {
		snprintf(v->key, sizeof(v->key), "%s", rest);
	}
	v->op = *value == '>' ? VALUE_RAISE : *value == '<' ? VALUE_LOWER : VALUE_EXACT;
	snprintf(v->value, sizeof(v->value), "%s", value + (v->op != VALUE_EXACT));
	snprintf(v->origin, sizeof(v->origin), "argv[%zu]", p->n_values);
	p->n_values++;
	return 0;
}

static void print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
}

static int run_plan(const struct tune_ctx *ctx, const struct profile *p, bool apply, bool json)
{
	struct tune_plan plan;
	int ret;

	ret = tune_plan(ctx, p, &plan);
	if (!ret && apply)
		ret = tune_apply(ctx, &plan);
	if (json)
		print_json(tune_plan_json(&plan));
	else
		tune_print_plan(stdout, &plan);
	ret = ret || plan.counts.failed;
	tune_plan_free(&plan);
	return ret;
}

static int run_report(const struct tune_ctx *ctx, bool revert, bool json)
{
	struct tune_report r;
	int ret;

	ret = revert ? tune_revert(ctx, &r) : tune_verify(ctx, &r);
	if (json)
		print_json(tune_report_json(&r));
	else
		tune_print_report(stdout, &r);
	if (revert)
		ret = ret || r.counts.failed;
	else
		ret = !tune_verify_ok(&r);
	tune_report_free(&r);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "state", required_argument, NULL, 's' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "lock-timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	const char *exclude[MAX_EXCLUDES + 1] = { 0 };
	struct pa_paths paths = { 0 };
	struct tune_ctx ctx = { .paths = &paths, .exclude = exclude };
	struct profile prof = { .name = "system-test" };
	bool json = false, have_root = false;
	int c, n_ex = 0, ret;
	const char *cmd;

	log_init(LOG_LVL_WARN, 0);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'r' && snprintf(paths.sysroot, sizeof(paths.sysroot), "%s", optarg) <
		    (int)sizeof(paths.sysroot))
			have_root = true;
		else if (c == 's')
			snprintf(paths.state_dir, sizeof(paths.state_dir), "%s", optarg);
		else if (c == 'x' && n_ex < MAX_EXCLUDES)
			exclude[n_ex++] = optarg;
		else if (c == 't')
			ctx.lock_timeout_ms = (unsigned int)atoi(optarg);
		else if (c == 'j')
			json = true;
		else
			usage();
	}
	if (!have_root || !paths.state_dir[0] || optind >= argc)
		usage();
	cmd = argv[optind++];
	for (; optind < argc; optind++) {
		if (add_knob(&prof, argv[optind])) {
			fprintf(stderr, "tune_driver: bad knob '%s'\n", argv[optind]);
			usage();
		}
	}
	if (!strcmp(cmd, "plan") || !strcmp(cmd, "apply"))
		ret = run_plan(&ctx, &prof, !strcmp(cmd, "apply"), json);
	else if (!strcmp(cmd, "verify") || !strcmp(cmd, "revert"))
		ret = run_report(&ctx, !strcmp(cmd, "revert"), json);
	else
		usage();
	free(prof.values);
	return ret ? 1 : 0;
}
