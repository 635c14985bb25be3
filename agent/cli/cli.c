// SPDX-License-Identifier: GPL-2.0-only
/* Helpers shared by the commands: config loading, identity, JSON output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

void cli_print_config_errors(const struct lp_errors *errs, FILE *out)
{
	char text[LP_MAX_ERRORS * sizeof(errs->e[0].text)];

	if (errs->n == 1) {
		fprintf(out, "perfagent: invalid configuration: %s\n", errs->e[0].text);
		return;
	}
	lp_errors_format(errs, "\n  ", text, sizeof(text));
	fprintf(out, "perfagent: invalid configuration, %d errors:\n  %s\n", errs->n, text);
}

int cli_load_config(const struct cli *cli, struct pa_config *cfg)
{
	struct lp_errors errs;
	char msg[1024];

	if (config_load(cfg, &cli->paths, cli->paths.config_named, &errs)) {
		cli_print_config_errors(&errs, stderr);
		return -EINVAL;
	}
	if (cli->overlays && config_set_overlays(cfg, cli->overlays, msg, sizeof(msg))) {
		fprintf(stderr, "perfagent: --overlays: %s\n", msg);
		return -EINVAL;
	}
	return 0;
}

struct identity *cli_detect_identity(const struct cli *cli, const struct pa_config *cfg)
{
	struct identity_opts o = { .paths = &cli->paths };
	/* Big (inventory tables): keep it off the stack. */
	struct identity *id = calloc(1, sizeof(*id));

	if (!id)
		return NULL;
	o.type_override = cli->instance_type ? cli->instance_type : cfg->instance_type;
	o.override_from = cli->instance_type ? "--instance-type" : "the config";
	o.imds_enabled = cfg->imds_enabled && !cli->no_imds;
	o.imds.endpoint = cfg->imds_endpoint[0] ? cfg->imds_endpoint : NULL;
	identity_detect(&o, id);
	return id;
}

void cli_print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					       JSON_C_TO_STRING_SPACED |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
}
