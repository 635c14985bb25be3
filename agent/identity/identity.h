/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What this host is: an explicit override, else DMI, else IMDSv2, else the
 * identity cached in the state directory, else "not EC2".
 */
#ifndef PA_IDENTITY_H
#define PA_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "identity/imds.h"
#include "identity/inventory.h"
#include "identity/itype.h"
#include "core/paths.h"

enum identity_source {
	ID_SOURCE_NONE = 0, /* not EC2, or nothing could tell */
	ID_SOURCE_OVERRIDE, /* --instance-type or instance_type = in config */
	ID_SOURCE_DMI,
	ID_SOURCE_IMDS,
	ID_SOURCE_CACHE,
};

struct identity_opts {
	const struct pa_paths *paths;
	const char *type_override;  /* NULL or "" when not set */
	const char *override_from;  /* where it was given, for messages: "the config", "--instance-type" */
	bool imds_enabled;          /* false also when AWS_EC2_METADATA_DISABLED=true */
	struct imds_opts imds;
};

struct identity {
	bool is_ec2;
	enum identity_source source;   /* where the instance type came from */
	char hypervisor[16];           /* "nitro", "xen" or "" */
	char instance_id[32];
	char instance_type[ITYPE_NAME_MAX];
	bool type_parsed;              /* type holds a parsed instance_type */
	struct itype type;
	char region[32];
	char availability_zone[32];
	char account_id[16];
	char image_id[32];
	char architecture[16];
	char auto_scaling_group[256];  /* the aws:autoscaling:groupName tag, "" when not known */
	char imds_status[256];         /* "ok", "disabled by config", or why it failed */
	char note[1024];               /* anything else the user should know */
	char override_from[24];        /* source override: where it was given, or "" */
	uint64_t detected_at_ms;       /* wall clock */
	uint64_t detect_duration_ms;
	uint64_t cached_at_ms;         /* when source is the cache: when it was written */
	struct inventory inv;
};

/* Runs the detection order above and fills id. Never fails; says why in id. */
void identity_detect(const struct identity_opts *opts, struct identity *id);

const char *identity_source_name(enum identity_source s);

/* The stable JSON shape of `perfagent detect --json` (README.md, "JSON output"). */
struct json_object *identity_to_json(const struct identity *id);

/* The aligned, human summary of `perfagent detect`. */
void identity_print(const struct identity *id, FILE *out);

#endif
