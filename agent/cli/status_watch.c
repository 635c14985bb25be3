// SPDX-License-Identifier: GPL-2.0-only
/* status --watch: refresh in place until interrupted (status_watch.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli/status_watch.h"
#include "core/interrupt.h"

int status_watch_seconds(const char *text, unsigned int *seconds)
{
	char *end;
	long v;

	if (!text) {
		*seconds = STATUS_WATCH_DEFAULT_S;
		return 0;
	}
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 1 || v > STATUS_WATCH_MAX_S)
		return -EINVAL;
	*seconds = (unsigned int)v;
	return 0;
}

size_t status_watch_fit(const char *text, size_t len, unsigned int rows, unsigned int cols,
			unsigned int *cut)
{
	size_t pos = 0, fit = len;
	unsigned int used = 0;

	*cut = 0;
	if (!rows || !cols)
		return len;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;
		size_t width = end - pos - (nl ? 1 : 0);
		unsigned int need = width ? (unsigned int)((width + cols - 1) / cols) : 1;

		if (*cut || used + need > rows) {
			if (!*cut)
				fit = pos;
			(*cut)++;
		} else {
			used += need;
		}
		pos = end;
	}
	return fit;
}

/* The header's two rows, and the row the cursor ends on after the last line. */
#define SCREEN_FIXED_ROWS 3

/*
 * On a terminal, the screen's text cut to its height: a status taller than
 * the window would scroll the header and its first lines (the verdicts)
 * out of view.
 */
static void put_fitted(const char *text, size_t len)
{
	struct winsize ws;
	unsigned int cut;
	size_t fit;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row <= SCREEN_FIXED_ROWS + 1) {
		fwrite(text, 1, len, stdout);
		return;
	}
	fit = status_watch_fit(text, len, ws.ws_row - SCREEN_FIXED_ROWS, ws.ws_col, &cut);
	if (cut)	/* one row less: the note of what was cut takes it */
		fit = status_watch_fit(text, len, ws.ws_row - SCREEN_FIXED_ROWS - 1, ws.ws_col, &cut);
	fwrite(text, 1, fit, stdout);
	if (cut)
		printf("... %u more line%s: a taller window, or perfagent status, shows all\n", cut,
		       cut == 1 ? "" : "s");
}

/*
 * One screen (a status, or why there is none this time): 0, or the errno of
 * a write that failed (EPIPE: the reader went away). JSON: the document
 * alone, one per line, for a program to read.
 */
static int put_screen(const char *text, size_t len, unsigned int seconds, bool tty, bool json)
{
	char when[32];
	time_t now = time(NULL);

	if (!json) {
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&now));
		/* Cursor home and clear, as watch(1) and top do. */
		fputs(tty ? "\033[H\033[2J" : "\n", stdout);
		printf("Every %us: perfagent status (Ctrl-C to stop)    %s\n\n", seconds, when);
	}
	if (tty && !json)
		put_fitted(text, len);
	else
		fwrite(text, 1, len, stdout);
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	return errno ? errno : EIO;
}

int status_watch(unsigned int seconds, bool json, int (*show)(void *arg, FILE *out), void *arg)
{
	bool tty = isatty(STDOUT_FILENO);

	interrupt_catch();
	while (!interrupted()) {
		char *text = NULL;
		size_t len = 0;
		FILE *buf = open_memstream(&text, &len);
		int ret, err = 0;

		if (!buf)
			return EXIT_FAILURE;
		ret = show(arg, buf);
		fclose(buf);
		/* No answer (the daemon restarting): said, on stderr for a JSON
		 * stream, and asked again, as watch(1) goes on after a failure. */
		errno = 0;
		if (ret && json)
			fwrite(text, 1, len, stderr);
		else
			err = put_screen(text, len, seconds, tty, json);
		free(text);
		/* The reader gone is the end; a write that failed otherwise (a full
		 * disk) is an error, as for any command. */
		if (err == EPIPE)
			break;
		if (err) {
			fprintf(stderr, "perfagent status: cannot write the output: %s\n",
				strerror(err));
			return EXIT_FAILURE;
		}
		interrupt_sleep(seconds);
	}
	/* Interrupted or a closed pipe: a clean end. */
	return 0;
}
