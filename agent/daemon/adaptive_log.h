/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading back STATE_DIR/adaptive.log (daemon/adaptive.c appends one JSON
 * line per change an adaptive rule made, with its evidence): which values
 * in force in this boot a rule put there, and why. `profiles explain` on a
 * host prints them, so that it justifies the adaptive changes as it does
 * the profile's values.
 */
#ifndef PA_ADAPTIVE_LOG_H
#define PA_ADAPTIVE_LOG_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/paths.h"
#include "tune/tune.h"

#define ADAPTIVE_LOG "adaptive.log"
#define ADAPTIVE_LOG_MAX (1024 * 1024)  /* then renamed adaptive.log.1 */

/*
 * For each knob a verify of this boot's journal (tune_verify()) says
 * perfagent changed, the last change of the log (adaptive.log.1, then
 * adaptive.log) that wrote the value perfagent last set: {"knob": the
 * journal's id, "value", "rule", "action" ("step" or "take_back"), "at",
 * "why"}. A new array; empty when there is no journal of this boot or no
 * such change (a value from the profile). Lines of another boot (their
 * "boot_id") and lines that are not JSON of that shape are skipped.
 */
struct json_object *adaptive_log_in_force(const struct pa_paths *paths,
					  const struct tune_report *verify);

/*
 * When the changes of boot boot_id made at or after since_s (monotonic
 * seconds, the log's "mono_s") were made: the newest max of them into
 * times, oldest first; returns how many. So a restarted daemon keeps
 * counting its hourly limit. Lines without a boot id or a monotonic time
 * (written by older versions) are not counted.
 */
size_t adaptive_log_recent(const struct pa_paths *paths, const char *boot_id,
			   uint64_t since_s, uint64_t *times, size_t max);

#endif
