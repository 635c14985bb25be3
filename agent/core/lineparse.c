// SPDX-License-Identifier: GPL-2.0-only
/* The line-oriented key = value format shared by config and profiles. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lineparse.h"
#include "core/util.h"

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

/* The parser's state between lines. */
struct lp_state {
	char section[128];
	char comment[LP_MAX_COMMENT];   /* the comment block above the current line */
	size_t comment_len;
	lp_item_handler handler;
	void *ctx;
};

/* Adds one comment line to the block, without its markers; long blocks are cut. */
static void add_comment(struct lp_state *st, const char *line)
{
	size_t room, n;

	while (*line == '#' || *line == ';')
		line++;
	while (isspace((unsigned char)*line))
		line++;
	n = strlen(line);
	if (!n)
		return;
	if (st->comment_len && st->comment_len + 1 < sizeof(st->comment))
		st->comment[st->comment_len++] = ' ';
	room = sizeof(st->comment) - 1 - st->comment_len;
	if (n > room)
		n = room;
	memcpy(st->comment + st->comment_len, line, n);
	st->comment_len += n;
	st->comment[st->comment_len] = '\0';
}

static void reset_comment(struct lp_state *st)
{
	st->comment_len = 0;
	st->comment[0] = '\0';
}

static int deliver(struct lp_state *st, const char *key, const char *value, int lineno,
		   struct lp_error *err)
{
	char reason[sizeof(err->msg) - 64] = "";
	struct lp_item item = {
		.section = st->section,
		.key = key,
		.value = value,
		.comment = st->comment,
		.line = lineno,
	};
	int ret;

	ret = st->handler(st->ctx, &item, reason, sizeof(reason));
	reset_comment(st);
	if (ret)
		return fail(err, lineno, ret, "%s", reason[0] ? reason : "rejected");
	return 0;
}

static int parse_section(char *line, struct lp_state *st, int lineno, struct lp_error *err)
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
	if (strlen(line + 1) >= sizeof(st->section))
		return fail(err, lineno, -EINVAL, "section name too long");
	strcpy(st->section, line + 1);
	return deliver(st, NULL, NULL, lineno, err);
}

static int parse_line(char *line, struct lp_state *st, int lineno, struct lp_error *err)
{
	char *eq, *key, *value;

	util_strtrim(line);
	if (*line == '\0') {
		reset_comment(st);
		return 0;
	}
	if (*line == '#' || *line == ';') {
		add_comment(st, line);
		return 0;
	}
	if (*line == '[')
		return parse_section(line, st, lineno, err);
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
	return deliver(st, key, value, lineno, err);
}

/* Parses every line; stops at the first error unless all collects them. */
static int parse_lines(const char *buf, size_t len, const char *name, lp_item_handler handler,
		       void *ctx, struct lp_error *err, struct lp_errors *all)
{
	struct lp_state st = { .handler = handler, .ctx = ctx };
	char line[LP_MAX_LINE + 1];
	size_t pos = 0;
	int lineno = 0, first = 0;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", name);
	if (len > LP_MAX_FILE)
		return fail(err, 0, -EFBIG, "larger than %d bytes", LP_MAX_FILE);
	if (len && memchr(buf, '\0', len))
		return fail(err, 0, -EINVAL, "contains a NUL byte: not a text file");
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		int ret;

		lineno++;
		if (n > LP_MAX_LINE) {
			ret = fail(err, lineno, -EINVAL, "line longer than %d bytes", LP_MAX_LINE);
		} else {
			memcpy(line, buf + pos, n);
			line[n] = '\0';
			ret = parse_line(line, &st, lineno, err);
		}
		pos += n + 1;
		if (ret && !all)
			return ret;
		if (ret) {
			lp_errors_add(all, err);
			reset_comment(&st);
			first = first ? first : ret;
		}
	}
	return first;
}

int lp_parse_buf_ex(const char *buf, size_t len, const char *name, lp_item_handler handler,
		    void *ctx, struct lp_error *err)
{
	return parse_lines(buf, len, name, handler, ctx, err, NULL);
}

static int parse_file(const char *path, lp_item_handler handler, void *ctx, struct lp_error *err,
		      struct lp_errors *all)
{
	char *buf;
	ssize_t len;
	int ret;

	len = util_read_file(path, LP_MAX_FILE, &buf);
	if (len < 0) {
		memset(err, 0, sizeof(*err));
		snprintf(err->file, sizeof(err->file), "%s", path);
		if (len == -EFBIG)
			ret = fail(err, 0, len, "larger than %d bytes", LP_MAX_FILE);
		else
			ret = fail(err, 0, len, "cannot read: %s", util_file_strerror((int)len));
		if (all)
			lp_errors_add(all, err);
		return ret;
	}
	ret = parse_lines(buf, len, path, handler, ctx, err, all);
	/* A file-wide refusal (size, NUL) stops before any line: record it too. */
	if (ret && all && err->line == 0)
		lp_errors_add(all, err);
	free(buf);
	return ret;
}

int lp_parse_file_ex(const char *path, lp_item_handler handler, void *ctx, struct lp_error *err)
{
	return parse_file(path, handler, ctx, err, NULL);
}

/* The original key-only interface, on top of the item one. */
struct lp_compat {
	lp_handler handler;
	void *ctx;
};

static int compat_item(void *ctx, const struct lp_item *item, char *err, size_t errsz)
{
	struct lp_compat *c = ctx;

	if (!item->key)
		return 0;
	return c->handler(c->ctx, item->section, item->key, item->value, err, errsz);
}

int lp_parse_buf(const char *buf, size_t len, const char *name, lp_handler handler, void *ctx,
		 struct lp_error *err)
{
	struct lp_compat c = { handler, ctx };

	return lp_parse_buf_ex(buf, len, name, compat_item, &c, err);
}

int lp_parse_file(const char *path, lp_handler handler, void *ctx, struct lp_error *err)
{
	struct lp_compat c = { handler, ctx };

	return lp_parse_file_ex(path, compat_item, &c, err);
}

int lp_parse_buf_all(const char *buf, size_t len, const char *name, lp_handler handler, void *ctx,
		     struct lp_errors *all)
{
	struct lp_compat c = { handler, ctx };
	struct lp_error err;
	int ret = parse_lines(buf, len, name, compat_item, &c, &err, all);

	if (ret && err.line == 0)
		lp_errors_add(all, &err);
	return ret;
}

int lp_parse_file_all(const char *path, lp_handler handler, void *ctx, struct lp_errors *all)
{
	struct lp_compat c = { handler, ctx };
	struct lp_error err;

	return parse_file(path, compat_item, &c, &err, all);
}

void lp_error_format(const struct lp_error *err, char *buf, size_t size)
{
	if (err->line > 0)
		snprintf(buf, size, "%s:%d: %s", err->file, err->line, err->msg);
	else
		snprintf(buf, size, "%s: %s", err->file, err->msg);
}

void lp_errors_add(struct lp_errors *all, const struct lp_error *err)
{
	char text[sizeof(err->file) + sizeof(err->msg) + 16];
	size_t n;

	if (all->n < LP_MAX_ERRORS) {
		/* A path that long is cut; the line and the message are what matter. */
		lp_error_format(err, text, sizeof(text));
		n = strnlen(text, sizeof(all->e[0].text) - 1);
		memcpy(all->e[all->n].text, text, n);
		all->e[all->n].text[n] = '\0';
		all->e[all->n].line = err->line;
	}
	all->n++;
}

void lp_errors_format(const struct lp_errors *all, const char *sep, char *buf, size_t size)
{
	size_t off = 0;

	if (size)
		buf[0] = '\0';
	for (int i = 0; i < all->n && i < LP_MAX_ERRORS && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%s", i ? sep : "", all->e[i].text);
	if (all->n > LP_MAX_ERRORS && off < size)
		snprintf(buf + off, size - off, "%sand %d more errors not shown", sep,
			 all->n - LP_MAX_ERRORS);
}
