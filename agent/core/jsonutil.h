/* SPDX-License-Identifier: GPL-2.0-only */
/* json-c helpers shared by the modules that read or write JSON. */
#ifndef PA_JSONUTIL_H
#define PA_JSONUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/*
 * Copies the string value of key into dst when it fits and holds no NUL or
 * control character (outside input: IMDS replies, files in the state
 * directory). Returns 0, -ENOENT when absent or null, -EINVAL otherwise;
 * dst is "" unless 0 is returned.
 */
int json_get_clean_string(struct json_object *obj, const char *key, char *dst, size_t size);
/* The same for a value itself: 0, or -EINVAL (not such a string; dst ""). */
int json_clean_string(struct json_object *val, char *dst, size_t size);

/* A new JSON string, or NULL (JSON null) for NULL or "". */
struct json_object *json_str_or_null(const char *s);

/* RFC 3339 UTC of a wall-clock time in ms, or NULL (JSON null) for 0. */
struct json_object *json_time_or_null(uint64_t wall_ms);

#endif
