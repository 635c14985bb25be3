// SPDX-License-Identifier: GPL-2.0-only
/* `perfagent profiles`, `apply`, `verify`, `revert`: the engine, without a daemon. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/status.h"
#include "core/exitcodes.h"
#include "tune/tuning.h"

static int profiles_list(struct cli *cli, const struct profile_dirs *dirs)
{
	struct profile_entry *e = NULL;
	size_t n = 0;

	if (profile_list(dirs, &e, &n)) {
		fprintf(stderr, "perfagent profiles: cannot list %s\n", cli->paths.profile_dir);
		return EXIT_FAILURE;
	}
	if (cli->json) {
		struct json_object *j = profile_list_to_json(e, n);

		cli_print_json(j);
		json_object_put(j);
	} else {
		profile_list_print(e, n, stdout);
	}
	free(e);
	return n ? EXIT_OK : EXIT_FAILURE;
}

static int profiles_show(struct cli *cli, const struct profile_dirs *dirs, const char *name)
{
	struct profile p = { 0 };
	struct lp_error err;
	char msg[1024];

	if (!profile_name_valid(name)) {
		fprintf(stderr, "perfagent profiles show: '%s' is not a profile name\n", name);
		return EXIT_USAGE;
	}
	if (profile_load(dirs, name, &p, &err)) {
		lp_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "perfagent profiles show: %s\n", msg);
		return EXIT_FAILURE;
	}
	if (cli->json) {
		struct json_object *j = profile_to_json(&p);

		cli_print_json(j);
		json_object_put(j);
	} else {
		profile_print(&p, stdout);
	}
	profile_free(&p);
	return EXIT_OK;
}

static int profiles_explain(struct cli *cli, const char *type_name)
{
	struct tuning_choice choice;
	struct itype type;
	char err[1024];

	if (itype_parse(type_name, &type, err, sizeof(err))) {
		fprintf(stderr, "perfagent profiles explain: %s\n", err);
		return EXIT_USAGE;
	}
	if (tuning_choose(&cli->paths, NULL, &type, &choice, err, sizeof(err))) {
		fprintf(stderr, "perfagent profiles explain: %s\n", err);
		return EXIT_FAILURE;
	}
	if (cli->json) {
		struct json_object *j = match_result_to_json(&choice.match, &type);

		cli_print_json(j);
		json_object_put(j);
	} else {
		match_explain_print(&choice.match, &type, stdout);
	}
	return EXIT_OK;
}

int cmd_profiles(struct cli *cli)
{
	const char *sub = cli->args[0];
	struct profile_dirs dirs;

	tuning_profile_dirs(&cli->paths, &dirs);
	if (strcmp(sub, "list") == 0 && cli->n_args == 1)
		return profiles_list(cli, &dirs);
	if (strcmp(sub, "show") == 0 && cli->n_args == 2)
		return profiles_show(cli, &dirs, cli->args[1]);
	if (strcmp(sub, "explain") == 0 && cli->n_args == 2)
		return profiles_explain(cli, cli->args[1]);
	fprintf(stderr, "usage: perfagent profiles list | show NAME | explain INSTANCE_TYPE\n");
	return EXIT_USAGE;
}

/* Writing the host's /proc and /sys needs root; a test tree under --root does not. */
static bool refuse_without_root(const struct cli *cli, const char *what)
{
	if (geteuid() == 0 || cli->paths.sysroot[0])
		return false;
	fprintf(stderr, "perfagent %s: changing kernel settings needs root; run it with sudo\n",
		what);
	return true;
}

static int plan_and_apply(struct cli *cli, const struct pa_config *cfg,
			  const struct identity *id, struct tune_plan *plan)
{
	struct tuning_choice choice;
	struct tuning_ctx t;
	struct profile p = { 0 };
	struct lp_error lerr;
	struct profile_dirs dirs;
	char err[1024];
	int ret;

	ret = tuning_choose(&cli->paths, cli->profile ? cli->profile : cfg->profile,
			    id->type_parsed ? &id->type : NULL, &choice, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "perfagent apply: %s\n", err);
		return EXIT_FAILURE;
	}
	tuning_profile_dirs(&cli->paths, &dirs);
	if (profile_load(&dirs, choice.profile, &p, &lerr)) {
		lp_error_format(&lerr, err, sizeof(err));
		fprintf(stderr, "perfagent apply: %s\n", err);
		return EXIT_FAILURE;
	}
	if (!cli->json)
		printf("profile %s: %s\n", choice.profile, tuning_choice_reason(&choice));
	config_tuning_ctx(cfg, &cli->paths, &t);
	ret = tune_plan(&t.ctx, &p, plan);
	if (!ret && !cli->dry_run)
		ret = tune_apply(&t.ctx, plan);
	profile_free(&p);
	if (ret) {
		fprintf(stderr, "perfagent apply: %s\n", plan->error);
		return EXIT_FAILURE;
	}
	return EXIT_OK;
}

/* Other tuning agents and the knobs of plan they set too, as status shows them. */
static struct json_object *peers_json(struct cli *cli, const struct tune_plan *plan)
{
	struct json_object *j;
	struct peers peers;

	if (peers_detect(&cli->paths, &peers))
		fprintf(stderr, "perfagent apply: out of memory while looking for other tuning "
			"agents; the list below may be incomplete\n");
	/* apply writes, whatever mode = says; --dry-run shows what it would do */
	j = tuning_peers_json(&peers, plan, true);
	peers_free(&peers);
	return j;
}

int cmd_apply(struct cli *cli)
{
	struct tune_plan plan = { 0 };
	struct identity *id;
	struct pa_config cfg;
	int ret;

	if (cli_load_config(cli, &cfg))
		return EXIT_CONFIG;
	if (!cli->dry_run && refuse_without_root(cli, "apply"))
		return EXIT_DENIED;
	id = cli_detect_identity(cli, &cfg);
	if (!id)
		return EXIT_FAILURE;
	ret = plan_and_apply(cli, &cfg, id, &plan);
	if (ret == EXIT_OK) {
		struct json_object *peers = peers_json(cli, &plan);

		if (cli->json) {
			struct json_object *j = tune_plan_json(&plan);

			json_object_object_add(j, "peers", peers);
			cli_print_json(j);
			json_object_put(j);
		} else {
			tune_print_plan(stdout, &plan);
			status_print_peers(peers, stdout);
			json_object_put(peers);
		}
		if (plan.counts.failed)
			ret = EXIT_FAILURE;
	}
	tune_plan_free(&plan);
	free(id);
	return ret;
}

static int report(struct cli *cli, bool revert)
{
	struct tune_report rep = { 0 };
	struct tuning_ctx t;
	struct pa_config cfg;
	int ret;

	if (cli_load_config(cli, &cfg))
		return EXIT_CONFIG;
	if (revert && refuse_without_root(cli, "revert"))
		return EXIT_DENIED;
	config_tuning_ctx(&cfg, &cli->paths, &t);
	ret = revert ? tune_revert(&t.ctx, &rep) : tune_verify(&t.ctx, &rep);
	if (ret) {
		fprintf(stderr, "perfagent %s: %s\n", revert ? "revert" : "verify", rep.error);
		tune_report_free(&rep);
		return EXIT_FAILURE;
	}
	if (cli->json) {
		struct json_object *j = tune_report_json(&rep);

		cli_print_json(j);
		json_object_put(j);
	} else {
		tune_print_report(stdout, &rep);
	}
	if (revert)
		ret = rep.counts.failed || rep.counts.unknown_writer ? EXIT_FAILURE : EXIT_OK;
	else
		ret = tune_verify_ok(&rep) ? EXIT_OK : EXIT_DRIFT;
	tune_report_free(&rep);
	return ret;
}

int cmd_verify(struct cli *cli)
{
	return report(cli, false);
}

int cmd_revert(struct cli *cli)
{
	return report(cli, true);
}
