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

/* "file:line: message", or "file: message" for whole-file errors. */
void lp_error_format(const struct lp_error *err, char *buf, size_t size);

#endif
