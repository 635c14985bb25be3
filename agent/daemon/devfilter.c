// SPDX-License-Identifier: GPL-2.0-only
/* Which interfaces and block devices have their metrics reported. */
#include <stdio.h>

#include "daemon/devfilter.h"
#include "net/physif.h"
#include "storage/realdisk.h"
#include "core/log.h"

bool devfilter_keep(const struct devfilter_opts *o, const struct metric_entity *e, char *why,
		    size_t whysz)
{
	bool iface = e->kind == ENTITY_INTERFACE;
	const struct namefilter *f = iface ? o->interfaces : o->devices;

	if (e->kind == ENTITY_INSTANCE)
		return true;
	switch (namefilter_match(f, e->name)) {
	case NF_INCLUDE:
		return true;
	case NF_EXCLUDE:
		snprintf(why, whysz, "excluded by %s =", iface ? "interfaces" : "devices");
		return false;
	default:
		return iface ? physif_is_real_and_up(o->paths, e->name, why, whysz) :
			       realdisk_is_whole_and_real(o->paths, e->name, why, whysz);
	}
}

static bool keep_cb(void *ctx, const struct metric_entity *e)
{
	char why[128] = "";

	if (devfilter_keep(ctx, e, why, sizeof(why)))
		return true;
	log_debug("metrics of %s %s not reported: %s",
		  e->kind == ENTITY_INTERFACE ? "interface" : "block device", e->name, why);
	return false;
}

void devfilter_apply(const struct devfilter_opts *o, struct metric_set *set)
{
	metric_set_keep(set, keep_cb, (void *)o);
}
