/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the administrator's sysctl configuration sets, so that the tuning
 * engine does not fight it (TuneD's reapply_sysctl silently lost to it).
 *
 * Read under the sysroot, in systemd-sysctl's order: *.conf from
 * /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d
 * and /lib/sysctl.d, a name in an earlier directory shadowing the same name
 * in a later one (a link to /dev/null masks it), all sorted by file name;
 * then /etc/sysctl.conf, as procps' `sysctl --system` reads it last.
 *
 * Lines are systemd's sysctl.d(5): "key = value", '#' or ';' comments, '/'
 * or '.' separators (normalised to the dotted form), a leading '-' (ignore
 * failures), glob keys (net.ipv4.conf.*.rp_filter) that an explicit key
 * always beats, and "-key" alone, which takes key out of the globs. A later
 * assignment of a key replaces an earlier one. Malformed lines are ignored;
 * a file larger than SYSCTLD_FILE_MAX is ignored and reported.
 */
#ifndef PA_SYSCTLD_H
#define PA_SYSCTLD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/paths.h"

#define SYSCTLD_FILE_MAX (1024 * 1024)

struct sysctld_entry {
	const char *key;        /* dotted form; may be a glob */
	const char *value;      /* NULL for a "-key" glob exclusion */
	size_t file;            /* index into files */
	int line;
	bool glob;
};

struct sysctld_file {
	char *path;             /* host path, without the sysroot: "/etc/sysctl.d/99-x.conf" */
	char *text;             /* the file's text; entries point into it */
};

struct sysctld {
	size_t n_files, cap_files;
	struct sysctld_file *files;
	size_t n, cap;
	struct sysctld_entry *entries;
	int n_ignored;          /* files too large or unreadable (logged as warnings) */
};

/* Reads every file. Returns 0 or -ENOMEM; unreadable files are skipped. */
int sysctld_load(const struct pa_paths *paths, struct sysctld *s);

/* Parses one file's text (taken over: freed by sysctld_free); for tests. */
int sysctld_add_text(struct sysctld *s, const char *path, char *text);

/*
 * The assignment that sets key (dotted form), or NULL: the last explicit one,
 * else, unless "-key" excludes it, the last glob that matches.
 */
const struct sysctld_entry *sysctld_lookup(const struct sysctld *s, const char *key);

/*
 * The same, among the administrator's files only: /usr/lib/sysctl.d and
 * /lib/sysctl.d hold the distribution's defaults, which a tuning profile may
 * change (TuneD made the same distinction, PR #226, rhbz#1759597);
 * /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d and /etc/sysctl.conf
 * are the administrator's and are never overridden.
 */
const struct sysctld_entry *sysctld_lookup_admin(const struct sysctld *s, const char *key);

/* Whether e comes from a distribution's directory (see sysctld_lookup_admin). */
bool sysctld_entry_is_vendor(const struct sysctld *s, const struct sysctld_entry *e);

/*
 * A key in its dotted form, in place: when its first separator is '/', the
 * slashes become dots and the dots slashes ("net/ipv4/conf/eth0.100/x" ->
 * "net.ipv4.conf.eth0/100.x"), as systemd-sysctl and sysctl(8) read it.
 */
void sysctld_key_normalise(char *key);

/* The file of an entry, as the host names it. */
const char *sysctld_file(const struct sysctld *s, const struct sysctld_entry *e);

void sysctld_free(struct sysctld *s);

#endif
