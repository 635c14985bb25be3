/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where perfagent reads and writes. Every path is settable so that tests run
 * on a fake /proc and /sys tree and private state and runtime directories.
 */
#ifndef PA_PATHS_H
#define PA_PATHS_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct pa_paths {
	char sysroot[PATH_MAX];     /* prefix for /proc and /sys; "" is the host */
	char state_dir[PATH_MAX];   /* identity cache, later the tuning journal */
	char runtime_dir[PATH_MAX]; /* control socket */
	char config_file[PATH_MAX]; /* main config file */
	char config_dropin_dir[PATH_MAX]; /* conf.d next to the config file */
	char user_profile_dir[PATH_MAX];  /* profiles/ next to the config file: wins */
	char profile_dir[PATH_MAX];       /* the shipped profiles and match.conf */
	const char *profile_dir_from;     /* "--profile-dir", "PERFAGENT_PROFILE_DIR", "the
					   * source tree" or "the default" */
	bool config_named;          /* by --config or PERFAGENT_CONFIG: it must exist */
};

/*
 * Fills in defaults, then the environment (PERFAGENT_SYSROOT,
 * PERFAGENT_STATE_DIR, PERFAGENT_RUNTIME_DIR, PERFAGENT_CONFIG,
 * PERFAGENT_PROFILE_DIR, and systemd's
 * STATE_DIRECTORY and RUNTIME_DIRECTORY). Command-line flags are applied on
 * top by the caller with paths_set_*(). A config file named (--config,
 * PERFAGENT_CONFIG) must exist; the default one may be missing.
 */
void paths_init(struct pa_paths *p);
int paths_set_config(struct pa_paths *p, const char *file);

/*
 * Run from a source tree (build/perfagent, build/X/perfagent) with no
 * --profile-dir or PERFAGENT_PROFILE_DIR and no installed profiles: use the
 * tree's tuning-profiles/ (found from /proc/self/exe, holding match.conf).
 */
void paths_find_source_profiles(struct pa_paths *p);

/*
 * Where abs (starting with '/') is for this sysroot: abs itself on the host;
 * under a sysroot, abs looked up with the tree as its root, every symlink
 * on the way followed inside the tree (as chroot would), so that nothing
 * read or written under --root lies outside it. Returns 0, -ENAMETOOLONG,
 * or -ELOOP after PATHS_MAX_LINKS links.
 */
#define PATHS_MAX_LINKS 40
int paths_sys(const struct pa_paths *p, char *buf, size_t size, const char *abs);
/* The same, but a symlink as the last component is left as it is: for
 * readlink(), lstat(), unlink() and rename() of the link itself. */
int paths_sys_link(const struct pa_paths *p, char *buf, size_t size, const char *abs);
/* paths_sys() with a printf-style path; -ENAMETOOLONG when it does not fit. */
int paths_sys_vfmt(const struct pa_paths *p, char *buf, size_t size, const char *fmt,
		   va_list ap);

/* Whether sysroot + the absolute path fmt formats exists (a sysfs link or leaf). */
bool paths_sys_exists(const struct pa_paths *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* runtime_dir + "/perfagent.sock" */
int paths_socket(const struct pa_paths *p, char *buf, size_t size);

#endif
