/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running a program and waiting for it, for the few settings that belong to
 * another service (irqbalance: systemctl daemon-reload and try-restart).
 *
 * The child gets no stdin (/dev/null), its stdout and stderr go to a pipe
 * whose first line becomes the error message, its signal mask is empty and
 * SIGPIPE is back to the default (the daemon blocks and ignores signals of
 * its own), and its environment is only PATH and LC_ALL=C: nothing of the
 * caller's leaks into it. argv[0] is an absolute path; no shell, no PATH
 * search.
 */
#ifndef PA_SPAWN_H
#define PA_SPAWN_H

#include <stddef.h>

#define SPAWN_TIMEOUT_MS 20000

/*
 * Runs argv and waits at most timeout_ms (0: SPAWN_TIMEOUT_MS). Returns 0
 * when it exits with status 0; otherwise err says what happened ("systemctl
 * daemon-reload exited with status 1: Failed to connect to bus") and the
 * return is -ENOENT (no such program), -ETIMEDOUT (killed when the time was
 * up), -EIO (a non-zero status or a signal) or another -errno.
 */
int spawn_wait(const char *const argv[], unsigned int timeout_ms, char *err, size_t errsz);

#endif
