// SPDX-License-Identifier: GPL-2.0-only
/* Long lines folded to a terminal's width (text_wrap.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/text_wrap.h"

unsigned int text_wrap_cols(void)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	char *end;
	long v;

	if (env && *env) {
		v = strtol(env, &end, 10);
		if (!*end && v > 0 && v < 100000)
			return (unsigned int)v;
	}
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		return ws.ws_col;
	return 0;
}

/*
 * Where to fold p (n bytes, longer than width): the index of the last space
 * at or before width and after min_cut, else the first space after width
 * (an overlong word keeps its row); n when there is none.
 */
static size_t fold_at(const char *p, size_t n, size_t width, size_t min_cut)
{
	size_t cut = width;

	while (cut > min_cut && p[cut] != ' ')
		cut--;
	if (cut > min_cut)
		return cut;
	for (cut = width; cut < n && p[cut] != ' '; cut++)
		;
	return cut;
}

/* One line (no newline) folded. */
static void wrap_line(const char *p, size_t n, size_t cols, size_t indent, FILE *out)
{
	size_t lead = 0, width = cols, min_cut, cut, end;

	while (lead < n && p[lead] == ' ')
		lead++;
	if (lead > indent)
		indent = lead;
	/* A row that would hold less than half the width: not worth folding. */
	if (indent > cols / 2) {
		fwrite(p, 1, n, out);
		return;
	}
	/* The first row does not fold inside its label. */
	min_cut = indent;
	while (n > width) {
		cut = fold_at(p, n, width, min_cut);
		for (end = cut; end > 0 && p[end - 1] == ' '; end--)
			;
		fwrite(p, 1, end, out);
		while (cut < n && p[cut] == ' ')
			cut++;
		if (cut == n)
			return;
		fprintf(out, "\n%*s", (int)indent, "");
		p += cut;
		n -= cut;
		width = cols - indent;
		min_cut = 0;
	}
	fwrite(p, 1, n, out);
}

void text_wrap(const char *text, size_t len, unsigned int cols, unsigned int indent, FILE *out)
{
	size_t pos = 0;

	if (cols < TEXT_WRAP_MIN_COLS) {
		fwrite(text, 1, len, out);
		return;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;

		wrap_line(text + pos, end - pos, cols, indent, out);
		if (nl)
			fputc('\n', out);
		pos = end + (nl ? 1 : 0);
	}
}
