/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trusted places. What the agent reads back from its state directory (the
 * tuning journal above all: revert writes its values to /proc and /sys as
 * root) and the directory of its control socket decide what root does, so
 * nobody but root, or the user running perfagent, may be able to change
 * them:
 *
 * - a trusted directory is owned by root or the user perfagent runs as (its
 *   file-system uid, which is the effective one unless changed) and is not
 *   writable by group or others; so is every directory above it (after
 *   symbolic links are resolved), except that a parent writable by all
 *   with the sticky bit (/tmp) is accepted: there nobody can rename or
 *   remove what another user owns. (OpenSSH checks its key paths the same
 *   way, without the sticky exception.)
 * - a trusted file is a regular file, not a symbolic link, owned by root or
 *   that user, and not writable by group or others.
 *
 * Refusals return -EPERM with why saying what is wrong and what to do.
 */
#ifndef PA_TRUST_H
#define PA_TRUST_H

#include <stddef.h>
#include <sys/types.h>

/* what names the directory in messages ("state directory"). 0 or -errno. */
int trust_dir(const char *dir, const char *what, char *why, size_t whysz);

/*
 * util_read_file() for a file that must be trusted, in a trusted directory:
 * the length, -ENOENT when the file or its directory is absent, -EPERM (why
 * set) when either is not trusted, another -errno (why set) when it cannot be
 * read.
 */
ssize_t trust_read_file(const char *path, size_t max, char **out, char *why, size_t whysz);

#endif
