/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The line-oriented text format shared by the config and the tuning
 * profiles: "key = value" lines, optional "[section]" headers, and comments
 * that start with '#' or ';' at the beginning of a line or with " #" after a
 * value.
 */
#ifndef PA_LINEPARSE_H
#define PA_LINEPARSE_H

#include <limits.h>
#include <stddef.h>

#define LP_MAX_LINE 4096
#define LP_MAX_FILE (1024 * 1024)

struct lp_error {
	char file[PATH_MAX];
	int line;           /* 0 when the error is about the whole file */
	char msg[512];
};

/*
 * Called once per key; section is "" before the first header. Returns 0, or
 * a negative errno after writing the reason (without file and line) to err.
 */
typedef int (*lp_handler)(void *ctx, const char *section, const char *key, const char *value,
			  char *err, size_t errsz);

/* name is the file name used in messages. Returns 0 or a negative errno. */
int lp_parse_buf(const char *buf, size_t len, const char *name, lp_handler handler, void *ctx,
		 struct lp_error *err);
int lp_parse_file(const char *path, lp_handler handler, void *ctx, struct lp_error *err);

/*
 * The richer form the profile and match parsers use: one call per section
 * header (key and value NULL) and per key, each with its line number and the
 * comment lines directly above it (no blank line between), joined with one
 * space, without their leading '#'/';' and blanks; "" when there are none.
 * A blank line or a section header ends a comment block.
 */
#define LP_MAX_COMMENT 1024

struct lp_item {
	const char *section;    /* the header's name, or "" before the first one */
	const char *key;        /* NULL for a section header */
	const char *value;
	const char *comment;
	int line;
};

typedef int (*lp_item_handler)(void *ctx, const struct lp_item *item, char *err, size_t errsz);

int lp_parse_buf_ex(const char *buf, size_t len, const char *name, lp_item_handler handler,
		    void *ctx, struct lp_error *err);
int lp_parse_file_ex(const char *path, lp_item_handler handler, void *ctx, struct lp_error *err);

/* "file:line: message", or "file: message" for whole-file errors. */
void lp_error_format(const struct lp_error *err, char *buf, size_t size);

#endif
