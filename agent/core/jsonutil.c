// SPDX-License-Identifier: GPL-2.0-only
/* json-c helpers shared by the modules that read or write JSON. */
#include <errno.h>
#include <string.h>

#include "core/jsonutil.h"
#include "core/util.h"

int json_get_clean_string(struct json_object *obj, const char *key, char *dst, size_t size)
{
	struct json_object *val;

	dst[0] = '\0';
	if (!json_object_object_get_ex(obj, key, &val) || !val)
		return -ENOENT;
	return json_clean_string(val, dst, size);
}

int json_clean_string(struct json_object *val, char *dst, size_t size)
{
	const char *s;
	size_t len;

	dst[0] = '\0';
	if (!json_object_is_type(val, json_type_string))
		return -EINVAL;
	s = json_object_get_string(val);
	len = json_object_get_string_len(val);
	/* "\u0000" inside a JSON string shows up as a short strlen(). */
	if (len >= size || strlen(s) != len || !json_text_clean(s, len))
		return -EINVAL;
	memcpy(dst, s, len + 1);
	return 0;
}

/* Whether c is a control byte, other than those allowed. */
static bool control_byte(unsigned char c, const char *allowed)
{
	return (c < 0x20 || c == 0x7f) && !(c && strchr(allowed, c));
}

bool json_text_clean(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (control_byte((unsigned char)s[i], ""))
			return false;
	}
	return true;
}

bool json_lines_clean(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (control_byte((unsigned char)s[i], "\t\n"))
			return false;
	}
	return true;
}

struct json_object *json_str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

struct json_object *json_time_or_null(uint64_t wall_ms)
{
	char buf[32];

	if (!wall_ms)
		return NULL;
	util_format_time(wall_ms, buf, sizeof(buf));
	return json_object_new_string(buf);
}

struct json_object *json_at(struct json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(key) || !json_object_is_type(o, json_type_object))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (path[n] == '.');
	}
	return o;
}

static struct json_object *at_type(struct json_object *o, const char *path, json_type type)
{
	struct json_object *v = json_at(o, path);

	return json_object_is_type(v, type) ? v : NULL;
}

struct json_object *json_at_object(struct json_object *o, const char *path)
{
	return at_type(o, path, json_type_object);
}

struct json_object *json_at_array(struct json_object *o, const char *path)
{
	return at_type(o, path, json_type_array);
}

size_t json_at_len(struct json_object *o, const char *path)
{
	struct json_object *a = json_at_array(o, path);

	return a ? json_object_array_length(a) : 0;
}

const char *json_at_str(struct json_object *o, const char *path, const char *fallback)
{
	struct json_object *v = at_type(o, path, json_type_string);

	return v ? json_object_get_string(v) : fallback;
}

static bool is_number(struct json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

double json_at_double(struct json_object *o, const char *path)
{
	struct json_object *v = json_at(o, path);

	return is_number(v) ? json_object_get_double(v) : 0;
}

int64_t json_at_int(struct json_object *o, const char *path)
{
	struct json_object *v = json_at(o, path);

	return is_number(v) ? json_object_get_int64(v) : 0;
}

bool json_at_bool(struct json_object *o, const char *path)
{
	struct json_object *v = at_type(o, path, json_type_boolean);

	return v && json_object_get_boolean(v);
}
