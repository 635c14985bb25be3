/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which interfaces and block devices have their metrics reported (EMF,
 * `perfagent metrics`, status' health): `interfaces =` and `devices =`
 * patterns first (core/namefilter.h: the first match decides), else the
 * default, real NICs that are up (net/physif.h) and whole real disks
 * (storage/realdisk.h). Every virtual device a container host makes would
 * otherwise cost its own metric series. The adaptive rules see every
 * device: they run before the filter.
 */
#ifndef PA_DEVFILTER_H
#define PA_DEVFILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/metrics.h"
#include "core/namefilter.h"
#include "core/paths.h"

struct devfilter_opts {
	const struct pa_paths *paths;
	const struct namefilter *interfaces;
	const struct namefilter *devices;
};

/* True when entity e is reported; else false with why. The instance always is. */
bool devfilter_keep(const struct devfilter_opts *o, const struct metric_entity *e, char *why,
		    size_t whysz);

/* Drops from set the entities not reported. */
void devfilter_apply(const struct devfilter_opts *o, struct metric_set *set);

#endif
