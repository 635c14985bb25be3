// SPDX-License-Identifier: GPL-2.0-only
/* `perfagent profiles`, `apply`, `verify`, `revert`: the engine, without a daemon. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/status.h"
#include "core/exitcodes.h"
#include "core/jsonutil.h"
#include "daemon/adaptive_log.h"
#include "identity/machine_table.h"
#include "tune/tuning.h"

/* Where a profile directory stands, for the message of an empty list. */
static const char *dir_state(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return errno == ENOENT ? "does not exist" : "cannot be read";
	return S_ISDIR(st.st_mode) ? "no *.conf profiles in it" : "not a directory";
}

/* No profile anywhere: where it looked and what to pass. */
static void explain_no_profiles(const struct cli *cli, const struct profile_dirs *dirs)
{
	fprintf(stderr, "perfagent profiles: no profiles found. Looked in:\n");
	for (int i = 0; i < dirs->n; i++)
		fprintf(stderr, "  %s (%s; %s)\n", dirs->dirs[i], dir_state(dirs->dirs[i]),
			i == 0 ? "profiles/ next to the config file" :
			cli->paths.profile_dir_from);
	fprintf(stderr, "Pass --profile-dir DIR or set PERFAGENT_PROFILE_DIR=DIR to the shipped "
			"profiles (in a source tree: --profile-dir tuning-profiles), or install "
			"perfagent (make install puts them in %s).\n", PERFAGENT_PROFILEDIR);
}

/*
 * Marks the layers this host's tuning uses: what apply picks from the match
 * rules, the configuration's profile = and overlays =, and --overlays. The
 * line it returns says which and why; "" when it cannot tell (that is said).
 */
static void mark_active(struct cli *cli, struct profile_entry *e, size_t n, char *why,
			size_t size)
{
	struct tuning_choice choice;
	struct tuning_opts opts;
	struct match_host host;
	struct pa_config cfg;
	struct identity *id;
	char err[512];

	why[0] = '\0';
	if (cli_load_config(cli, &cfg))
		return;
	config_tuning_opts(&cfg, &opts);
	id = cli_detect_identity(cli, &cfg);
	if (!id)
		return;
	tuning_host_match(&cli->paths, id, &host);
	if (tuning_choose(&cli->paths, opts.profile, opts.overlays,
			  id->type_parsed ? &id->type : NULL, &host, &choice, err, sizeof(err))) {
		snprintf(why, size, "cannot tell which are active on this host: %s", err);
	} else {
		int off = snprintf(why, size, "* active on this host, %s:",
				   id->note[0] && !id->is_ec2 ? id->note : id->instance_type[0] ?
				   id->instance_type : "instance type unknown");

		for (int l = 0; l < choice.n_layers; l++) {
			for (size_t i = 0; i < n; i++)
				if (!e[i].shadowed && !strcmp(e[i].name, choice.layers[l]))
					e[i].active = true;
			if (off > 0 && (size_t)off < size)
				off += snprintf(why + off, size - off, "%s %s", l ? "," : "",
						choice.layers[l]);
		}
		if (off > 0 && (size_t)off < size)
			snprintf(why + off, size - off, " (%s)", tuning_choice_reason(&choice));
	}
	free(id);
}

static int profiles_list(struct cli *cli, const struct profile_dirs *dirs)
{
	struct profile_entry *e = NULL;
	char active[1024];
	size_t n = 0;

	if (profile_list(dirs, &e, &n)) {
		fprintf(stderr, "perfagent profiles: cannot list %s\n", cli->paths.profile_dir);
		return EXIT_FAILURE;
	}
	if (!n) {
		explain_no_profiles(cli, dirs);
		free(e);
		return EXIT_FAILURE;
	}
	mark_active(cli, e, n, active, sizeof(active));
	if (!cli->json && active[0])
		printf("%s\n\n", active);
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

/* AWS ENA best practices: "MAX is 8 for most types, up to 32" (tuning.md 2.1). */
#define ENA_MAX_QUEUES_PER_ENI 32

/* The machine an explained type is: from the size table, off-instance. */
static void table_facts(const struct itype *type, struct machine_facts *facts, char *from,
			size_t size)
{
	const struct machine_size *m = machine_size_lookup(type->name);

	memset(facts, 0, sizeof(*facts));
	facts->off_host = true;
	if (!m) {
		snprintf(from, size, "%s is not in perfagent's size table: values relative to the "
			 "machine stay formulas (run perfagent profiles explain on such a host)",
			 type->name);
		return;
	}
	facts->mem_bytes = (uint64_t)m->mem_mib << 20;
	facts->vcpus = m->vcpus;
	if (m->nic_without_ena) {
		snprintf(from, size, "the size table (machine_table.c); no ENA interface: its "
			 "NIC is the %s", m->nic_without_ena);
		return;
	}
	/* One ENI per network card: the interfaces the rings are spread on,
	 * without the extra ENIs a host may attach. */
	facts->interfaces = m->network_cards;
	/* The queues an ENI gets unless its launch asked for more. */
	facts->queues = m->ena_queues_default ? m->ena_queues_default : m->ena_queues_per_eni;
	if (!facts->queues) {
		/* Not in the table: ENA's documented most per ENI, an upper bound
		 * (an ENI has min(its type's maximum, vCPUs) queues). */
		facts->queues = m->vcpus < ENA_MAX_QUEUES_PER_ENI ? m->vcpus : ENA_MAX_QUEUES_PER_ENI;
		snprintf(from, size, "the size table (machine_table.c); ENA queues not known for "
			 "%s: counted as the most an ENI can have, min(32, vCPUs)", type->name);
		return;
	}
	snprintf(from, size, "the size table (machine_table.c)");
}

static struct json_object *facts_json(const struct machine_facts *f, const char *from)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "mem_bytes", f->mem_bytes ?
			       json_object_new_int64((int64_t)f->mem_bytes) : NULL);
	json_object_object_add(o, "vcpus", f->vcpus ? json_object_new_int64(f->vcpus) : NULL);
	json_object_object_add(o, "nic_queues", f->queues ? json_object_new_int64(f->queues) : NULL);
	json_object_object_add(o, "ena_interfaces", f->interfaces ?
			       json_object_new_int64(f->interfaces) : NULL);
	json_object_object_add(o, "from", json_object_new_string(from));
	return o;
}

static void print_facts(const struct machine_facts *f, const char *from)
{
	printf("machine        ");
	if ((f->mem_bytes || f->vcpus) && !f->interfaces)
		printf("%u vCPUs, %.1f GiB memory (from %s)\n", f->vcpus,
		       (double)f->mem_bytes / (1ULL << 30), from);
	else if (f->mem_bytes || f->vcpus)
		printf("%u vCPUs, %.1f GiB memory, %u ENA interface%s, %s%u queues each (from "
		       "%s)\n", f->vcpus, (double)f->mem_bytes / (1ULL << 30), f->interfaces,
		       f->interfaces == 1 ? "" : "s", f->queues ? "" : "unknown: ", f->queues,
		       from);
	else
		printf("unknown: %s\n", from);
}

/* The values in force that adaptive rules set (daemon/adaptive_log.h), in words. */
static void print_adaptive_in_force(struct json_object *changes, const struct pa_paths *paths)
{
	size_t n = json_object_array_length(changes);

	if (!n)
		return;
	printf("\nset since by adaptive rules (in force; %s/%s):\n", paths->state_dir,
	       ADAPTIVE_LOG);
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(changes, i);

		printf("  %s = %s\n      by [adapt.%s] at %s: %s\n", json_at_str(c, "knob", "?"),
		       json_at_str(c, "value", "?"), json_at_str(c, "rule", "?"),
		       json_at_str(c, "at", "?"), json_at_str(c, "why", ""));
	}
}

/*
 * explain TYPE (off-instance, the size table's machine) or explain (this
 * host, as apply would choose): the rules, the layers, every value with the
 * layer that set it, what it overrode and how a formula resolved; on a host,
 * also the values adaptive rules set since, with their evidence.
 */
static int profiles_explain(struct cli *cli, const char *type_name)
{
	struct machine_facts facts;
	struct tuning_choice choice;
	struct match_host host;
	struct pa_config cfg;
	struct identity *id = NULL;
	struct profile p = { 0 };
	const struct itype *type = NULL;
	struct itype parsed;
	char err[1024], from[256];
	struct tuning_opts opts;
	struct json_object *adaptive = NULL;
	int ret = EXIT_FAILURE;

	if (cli_load_config(cli, &cfg))
		return EXIT_CONFIG;
	config_tuning_opts(&cfg, &opts);
	if (type_name) {
		if (itype_parse(type_name, &parsed, err, sizeof(err))) {
			fprintf(stderr, "perfagent profiles explain: %s\n", err);
			return EXIT_USAGE;
		}
		type = &parsed;
		table_facts(type, &facts, from, sizeof(from));
	} else {
		id = cli_detect_identity(cli, &cfg);
		if (!id)
			return EXIT_FAILURE;
		type = id->type_parsed ? &id->type : NULL;
		tuning_host_facts(&cli->paths, id, &facts);
		tuning_host_match(&cli->paths, id, &host);
		snprintf(from, sizeof(from), "this host");
	}
	/* The configuration's overlays apply; its profile = only to this host. */
	if (tuning_choose(&cli->paths, type_name ? NULL : opts.profile, opts.overlays, type,
			  type_name ? NULL : &host, &choice, err, sizeof(err)) ||
	    tuning_compose(&cli->paths, &choice, &facts, &p, err, sizeof(err))) {
		fprintf(stderr, "perfagent profiles explain: %s\n", err);
		goto out;
	}
	if (!type_name) {
		/* The knobs this boot's journal holds, as verify reads them. */
		struct tune_report verify = { 0 };
		struct tuning_ctx t;

		tuning_ctx_init(&t, &cli->paths, &opts);
		tune_verify(&t.ctx, &verify);
		adaptive = adaptive_log_in_force(&cli->paths, &verify);
		tune_report_free(&verify);
	}
	if (cli->json) {
		struct json_object *j = match_result_to_json(&choice.match, type);

		json_object_object_add(j, "forced", json_object_new_boolean(choice.forced));
		json_object_object_add(j, "machine", facts_json(&facts, from));
		json_object_object_add(j, "layers", tuning_layers_json(&choice));
		json_object_object_add(j, "composed", profile_to_json(&p));
		json_object_object_add(j, "adaptive_in_force", json_object_get(adaptive));
		cli_print_json(j);
		json_object_put(j);
	} else {
		if (choice.forced)
			printf("profile        %s (set by profile = in the configuration)\n",
			       choice.profile);
		else
			match_explain_print(&choice.match, type, stdout);
		print_facts(&facts, from);
		printf("\n");
		profile_print(&p, stdout);
		if (adaptive)
			print_adaptive_in_force(adaptive, &cli->paths);
	}
	json_object_put(adaptive);
	ret = EXIT_OK;
out:
	profile_free(&p);
	free(id);
	return ret;
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
	if (strcmp(sub, "explain") == 0 && cli->n_args <= 2)
		return profiles_explain(cli, cli->n_args == 2 ? cli->args[1] : NULL);
	fprintf(stderr, "usage: perfagent profiles list | show NAME | explain [INSTANCE_TYPE]\n");
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
	struct machine_facts facts;
	struct tuning_choice choice;
	struct match_host host;
	struct tuning_opts opts;
	struct tuning_ctx t;
	struct profile p = { 0 };
	char err[1024], layers[512];
	int ret;

	config_tuning_opts(cfg, &opts);
	tuning_host_match(&cli->paths, id, &host);
	ret = tuning_choose(&cli->paths, cli->profile ? cli->profile : cfg->profile, opts.overlays,
			    id->type_parsed ? &id->type : NULL, &host, &choice, err, sizeof(err));
	tuning_host_facts(&cli->paths, id, &facts);
	if (ret || tuning_compose(&cli->paths, &choice, &facts, &p, err, sizeof(err))) {
		fprintf(stderr, "perfagent apply: %s\n", err);
		return EXIT_FAILURE;
	}
	profile_layers_text(p.layers, p.n_layers, layers, sizeof(layers));
	if (!cli->json)
		printf("profile %s: %s\n", layers, tuning_choice_reason(&choice));
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
	/* apply runs no adaptive rule: the daemon does (its status lists their knobs) */
	struct tuning_claims claims = { .plan = plan };
	struct json_object *j;
	struct peers peers;

	if (peers_detect(&cli->paths, &peers))
		fprintf(stderr, "perfagent apply: out of memory while looking for other tuning "
			"agents; the list below may be incomplete\n");
	/* apply writes, whatever mode = says; --dry-run shows what it would do */
	j = tuning_peers_json(&peers, &claims, true);
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
	/* A revert that wrote knobs and then failed says which it restored. */
	if (ret && !rep.n) {
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
	if (ret)
		ret = EXIT_FAILURE;     /* the report above ends with the error */
	else if (revert)
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
