/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A report's long lines folded at word boundaries to a terminal's width,
 * for `perfagent status`: an 80-column window shows every word of a line
 * instead of the terminal cutting it mid-word at its edge.
 */
#ifndef PA_TEXT_WRAP_H
#define PA_TEXT_WRAP_H

#include <stddef.h>
#include <stdio.h>

/* Narrower than this, lines are left whole: a fold would leave a word a row. */
#define TEXT_WRAP_MIN_COLS 40

/*
 * The width to fold to: COLUMNS when it is set to a number, else the width
 * of the terminal on standard output, else 0 (a pipe or a file: lines are
 * left whole, for grep and scripts).
 */
unsigned int text_wrap_cols(void);

/*
 * text (len bytes) to out with every line longer than cols folded at its
 * last space that fits. The rows a line continues on start at column
 * indent, or deeper when the line itself starts deeper, so that they line
 * up under the line's text, past a label. A word longer than a row is not
 * cut: its row runs over. cols below TEXT_WRAP_MIN_COLS: text as it is.
 */
void text_wrap(const char *text, size_t len, unsigned int cols, unsigned int indent, FILE *out);

#endif
