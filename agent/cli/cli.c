// SPDX-License-Identifier: GPL-2.0-only
/* Helpers shared by the commands: config loading, identity, JSON output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

int cli_load_config(const struct cli *cli, struct pa_config *cfg)
{
	struct lp_error err;
	char msg[1024];

	if (config_load(cfg, &cli->paths, cli->config_given, &err)) {
		lp_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "perfagent: invalid configuration: %s\n", msg);
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
