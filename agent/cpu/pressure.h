/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPU pressure stall information (PSI, kernel 4.20 and later): the time, in
 * microseconds since boot, during which at least one runnable task waited
 * for a CPU ("some" in /proc/pressure/cpu). Its growth over an interval,
 * divided by the interval, is the share of time tasks waited.
 */
#ifndef PA_PRESSURE_H
#define PA_PRESSURE_H

#include <stdint.h>

#include "core/paths.h"

/* The "total=" of the "some" line of text; 0 or -EINVAL when absent. */
int pressure_parse_some(const char *text, uint64_t *total_us);

/*
 * Reads /proc/pressure/cpu under the paths' root: 0, or a negative errno
 * (-ENOENT on a kernel built without PSI or booted with psi=0).
 */
int pressure_cpu_some_us(const struct pa_paths *paths, uint64_t *total_us);

#endif
