/* SPDX-License-Identifier: GPL-2.0-only */
/* json-c helpers shared by the modules that read or write JSON. */
#ifndef PA_JSONUTIL_H
#define PA_JSONUTIL_H

#include <stdbool.h>
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

/* Whether s (len bytes) holds no control character: what json_clean_string() accepts. */
bool json_text_clean(const char *s, size_t len);
/*
 * The same but for tabs and line feeds: text of several lines, such as the
 * tuning journal keeps of a file's original content.
 */
bool json_lines_clean(const char *s, size_t len);

/*
 * Reading JSON whose shape is not guaranteed (the daemon's reply may come
 * from another version, or from something that is not perfagent): a dotted
 * path ("agent.version") descends through objects only, and each getter
 * checks the type it returns, falling back when the value is absent, null
 * or of another type. "" is o itself. None of them can abort.
 */
struct json_object *json_at(struct json_object *o, const char *path);
struct json_object *json_at_object(struct json_object *o, const char *path);
struct json_object *json_at_array(struct json_object *o, const char *path);
/* The array's length, 0 when it is not an array. */
size_t json_at_len(struct json_object *o, const char *path);
const char *json_at_str(struct json_object *o, const char *path, const char *fallback);
double json_at_double(struct json_object *o, const char *path);    /* 0 unless a number */
int64_t json_at_int(struct json_object *o, const char *path);      /* 0 unless a number */
bool json_at_bool(struct json_object *o, const char *path);        /* false unless true */

/* A new JSON string, or NULL (JSON null) for NULL or "". */
struct json_object *json_str_or_null(const char *s);

/* RFC 3339 UTC of a wall-clock time in ms, or NULL (JSON null) for 0. */
struct json_object *json_time_or_null(uint64_t wall_ms);

#endif
