// SPDX-License-Identifier: GPL-2.0-only
/* The line-oriented key = value format shared by config and profiles. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lineparse.h"
#include "util.h"

static int fail(struct lp_error *err, int line, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct lp_error *err, int line, int ret, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return ret;
}

/* A comment after a value must follow white space, so "a#b" stays a value. */
static void strip_trailing_comment(char *s)
{
	for (char *p = s; *p; p++) {
		if (*p == '#' && p > s && isspace((unsigned char)p[-1])) {
			*p = '\0';
			return;
		}
	}
}

static int key_is_valid(const char *key)
{
	if (!*key)
		return 0;
	for (const char *p = key; *p; p++) {
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    !strchr("_.-*?[]/", *p))
			return 0;
	}
	return 1;
}

static int parse_section(char *line, char *section, size_t size, int lineno,
			 struct lp_error *err)
{
	char *end = strchr(line, ']');

	if (!end || end[1] != '\0')
		return fail(err, lineno, -EINVAL, "section header must look like [name]");
	*end = '\0';
	util_strtrim(line + 1);
	if (!key_is_valid(line + 1))
		return fail(err, lineno, -EINVAL,
			    "bad section name '%s': use lowercase letters, digits, '_', '-' and '.'",
			    line + 1);
	if (strlen(line + 1) >= size)
		return fail(err, lineno, -EINVAL, "section name too long");
	strcpy(section, line + 1);
	return 0;
}

static int parse_line(char *line, char *section, size_t secsize, int lineno, lp_handler handler,
		      void *ctx, struct lp_error *err)
{
	char reason[sizeof(err->msg) - 64] = "";
	char *eq, *key, *value;
	int ret;

	util_strtrim(line);
	if (*line == '\0' || *line == '#' || *line == ';')
		return 0;
	if (*line == '[')
		return parse_section(line, section, secsize, lineno, err);
	eq = strchr(line, '=');
	if (!eq)
		return fail(err, lineno, -EINVAL, "expected 'key = value', found '%.64s'", line);
	*eq = '\0';
	key = util_strtrim(line);
	value = eq + 1;
	strip_trailing_comment(value);
	util_strtrim(value);
	if (!key_is_valid(key))
		return fail(err, lineno, -EINVAL,
			    "bad key '%.64s': use lowercase letters, digits, '_', '-' and '.'", key);
	ret = handler(ctx, section, key, value, reason, sizeof(reason));
	if (ret)
		return fail(err, lineno, ret, "%s", reason[0] ? reason : "rejected");
	return 0;
}

int lp_parse_buf(const char *buf, size_t len, const char *name, lp_handler handler, void *ctx,
		 struct lp_error *err)
{
	char section[128] = "";
	char line[LP_MAX_LINE + 1];
	size_t pos = 0;
	int lineno = 0;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", name);
	if (len > LP_MAX_FILE)
		return fail(err, 0, -EFBIG, "larger than %d bytes", LP_MAX_FILE);
	if (memchr(buf, '\0', len))
		return fail(err, 0, -EINVAL, "contains a NUL byte: not a text file");
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		int ret;

		lineno++;
		if (n > LP_MAX_LINE)
			return fail(err, lineno, -EINVAL, "line longer than %d bytes", LP_MAX_LINE);
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n + 1;
		ret = parse_line(line, section, sizeof(section), lineno, handler, ctx, err);
		if (ret)
			return ret;
	}
	return 0;
}

int lp_parse_file(const char *path, lp_handler handler, void *ctx, struct lp_error *err)
{
	char *buf;
	ssize_t len;
	int ret;

	len = util_read_file(path, LP_MAX_FILE, &buf);
	if (len < 0) {
		memset(err, 0, sizeof(*err));
		snprintf(err->file, sizeof(err->file), "%s", path);
		if (len == -EFBIG)
			return fail(err, 0, len, "larger than %d bytes", LP_MAX_FILE);
		return fail(err, 0, len, "cannot read: %s", strerror(-len));
	}
	ret = lp_parse_buf(buf, len, path, handler, ctx, err);
	free(buf);
	return ret;
}

void lp_error_format(const struct lp_error *err, char *buf, size_t size)
{
	if (err->line > 0)
		snprintf(buf, size, "%s:%d: %s", err->file, err->line, err->msg);
	else
		snprintf(buf, size, "%s: %s", err->file, err->msg);
}
