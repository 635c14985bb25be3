/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The end of a command that repeats until stopped (status --watch, metrics
 * without --once): SIGINT and SIGTERM set a flag and interrupt the sleep
 * (no SA_RESTART), so the loop ends cleanly and the command exits 0; SIGPIPE
 * is ignored, so a reader that went away is a write error (EPIPE) the loop
 * sees, not a death by signal.
 */
#ifndef PA_INTERRUPT_H
#define PA_INTERRUPT_H

#include <stdbool.h>

void interrupt_catch(void);
/* SIGINT or SIGTERM came since interrupt_catch(). */
bool interrupted(void);
/* Sleeps seconds, less when interrupted. */
void interrupt_sleep(unsigned int seconds);

#endif
