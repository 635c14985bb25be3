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
#define LP_MAX_COMMENT 4096

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

/*
 * Every error of a parse that goes on past them (the config: all its
 * mistakes in one run). A line that does not parse or that the handler
 * refuses is recorded and the next line is read; a file that cannot be read,
 * is too large or holds a NUL byte is one error of line 0.
 */
#define LP_MAX_ERRORS 16

struct lp_errors {
	int n;                  /* errors found; the first LP_MAX_ERRORS are kept */
	struct {
		int line;       /* 0 for the whole file */
		char text[sizeof(((struct lp_error *)0)->msg) + 160]; /* "file:line: message" */
	} e[LP_MAX_ERRORS];
};

void lp_errors_add(struct lp_errors *all, const struct lp_error *err);
/* The errors with sep between them, and "and N more" when some were not kept. */
void lp_errors_format(const struct lp_errors *all, const char *sep, char *buf, size_t size);

/* As lp_parse_buf/lp_parse_file, adding every error to all; 0, or the first error's code. */
int lp_parse_buf_all(const char *buf, size_t len, const char *name, lp_handler handler, void *ctx,
		     struct lp_errors *all);
int lp_parse_file_all(const char *path, lp_handler handler, void *ctx, struct lp_errors *all);

#endif
