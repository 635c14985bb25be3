/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PM QoS CPU latency: a limit on how long the CPUs may take to wake up,
 * which keeps them out of the deeper C-states. The kernel holds a request
 * for as long as its process keeps /dev/cpu_dma_latency open with a value
 * written to it, and drops it when the process closes the device or exits
 * (kernel Documentation/power/pm_qos_interface.rst). So releasing is the
 * revert, and only a process that stays, the daemon, can hold one.
 *
 * The device takes and gives a binary s32 in microseconds (a string would
 * be read as hexadecimal: perfagent always writes the binary). Reading it
 * gives the limit in force for the whole system, the smallest request, or
 * PMQOS_NO_LIMIT when there is none. Under a test root the device is a
 * regular file holding those 4 bytes.
 */
#ifndef PA_PMQOS_H
#define PA_PMQOS_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/paths.h"

#define PMQOS_DEVICE "/dev/cpu_dma_latency"
/* The one [pmqos] knob's id (knob.h), for reports that have no plan. */
#define PMQOS_KNOB_ID "pmqos:cpu_dma_latency"
/* PM_QOS_CPU_LATENCY_DEFAULT_VALUE (include/linux/pm_qos.h): no limit. */
#define PMQOS_NO_LIMIT 2000000000

/* The daemon's request; zeroed: nothing held. */
struct pmqos {
	bool held;
	int fd;                     /* the open device, while held */
	int32_t latency_us;         /* the value held */
	uint64_t since_wall_ms;
};

/*
 * The limit in force, from sysroot + PMQOS_DEVICE: 0 or -ENOENT (no such
 * device: a kernel without CPU idle support), -ESPIPE (a FIFO or socket),
 * -EINVAL (not 4 bytes), or another -errno.
 */
int pmqos_read(const struct pa_paths *paths, int32_t *latency_us);

/*
 * Holds latency_us (0..PMQOS_NO_LIMIT): opens the device, writes the value
 * and keeps it open. A different value already held is replaced without a
 * moment unheld (the new request is in before the old one goes). Returns 0
 * or -errno, the old request then still held.
 */
int pmqos_hold(struct pmqos *q, const struct pa_paths *paths, int32_t latency_us);

/* Whether q holds exactly latency_us. */
bool pmqos_holds(const struct pmqos *q, int32_t latency_us);

/* Closes the device: the kernel drops the request. Nothing held: nothing done. */
void pmqos_release(struct pmqos *q);

/*
 * Status: {"held", "latency_us" (null unless held), "since", "device",
 * "in_force_us" (what the device reads now; null if unreadable)}.
 */
struct json_object *pmqos_json(const struct pmqos *q, const struct pa_paths *paths);

#endif
