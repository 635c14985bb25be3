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
	if (len >= size || strlen(s) != len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -EINVAL;
	}
	memcpy(dst, s, len + 1);
	return 0;
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
