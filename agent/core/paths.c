// SPDX-License-Identifier: GPL-2.0-only
/* Where perfagent reads and writes; every location settable for tests. */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/paths.h"
#include "core/util.h"

#ifndef PERFAGENT_SYSCONFDIR
#define PERFAGENT_SYSCONFDIR "/etc"
#endif
#ifndef PERFAGENT_PROFILEDIR
#define PERFAGENT_PROFILEDIR "/usr/share/perfagent/profiles"
#endif

static void set_from_env(char *dst, size_t size, const char *var)
{
	const char *v = getenv(var);

	/* systemd may pass several directories separated by ':'; take the first. */
	if (v && *v && v[0] == '/') {
		size_t n = strcspn(v, ":");

		if (n < size) {
			memcpy(dst, v, n);
			dst[n] = '\0';
		}
	}
}

void paths_init(struct pa_paths *p)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->state_dir, "/var/lib/perfagent");
	strcpy(p->runtime_dir, "/run/perfagent");
	set_from_env(p->sysroot, sizeof(p->sysroot), "PERFAGENT_SYSROOT");
	set_from_env(p->state_dir, sizeof(p->state_dir), "STATE_DIRECTORY");
	set_from_env(p->state_dir, sizeof(p->state_dir), "PERFAGENT_STATE_DIR");
	set_from_env(p->runtime_dir, sizeof(p->runtime_dir), "RUNTIME_DIRECTORY");
	set_from_env(p->runtime_dir, sizeof(p->runtime_dir), "PERFAGENT_RUNTIME_DIR");
	strcpy(p->profile_dir, PERFAGENT_PROFILEDIR);
	p->profile_dir_from = "the default";
	set_from_env(p->profile_dir, sizeof(p->profile_dir), "PERFAGENT_PROFILE_DIR");
	if (strcmp(p->profile_dir, PERFAGENT_PROFILEDIR))
		p->profile_dir_from = "PERFAGENT_PROFILE_DIR";
	paths_set_config(p, PERFAGENT_SYSCONFDIR "/perfagent/perfagent.conf");
	if (getenv("PERFAGENT_CONFIG") && *getenv("PERFAGENT_CONFIG")) {
		paths_set_config(p, getenv("PERFAGENT_CONFIG"));
		p->config_named = true;
	}
}

int paths_set_config(struct pa_paths *p, const char *file)
{
	const char *slash = strrchr(file, '/');
	int dirlen = slash ? (int)(slash - file) : 1;
	const char *dir = slash ? file : ".";
	int ret;

	ret = util_join(p->config_file, sizeof(p->config_file), "%s", file);
	if (ret)
		return ret;
	if (slash == file)
		dirlen = 0;
	ret = util_join(p->user_profile_dir, sizeof(p->user_profile_dir), "%.*s/profiles",
			dirlen, dir);
	if (ret)
		return ret;
	return util_join(p->config_dropin_dir, sizeof(p->config_dropin_dir), "%.*s/conf.d",
			 dirlen, dir);
}

void paths_find_source_profiles(struct pa_paths *p)
{
	static const char *const up[] = { "..", "../.." };
	char exe[PATH_MAX], dir[PATH_MAX], match[PATH_MAX + 16];
	ssize_t n;

	if (strcmp(p->profile_dir_from, "the default") ||
	    util_join(match, sizeof(match), "%s/match.conf", p->profile_dir) ||
	    access(match, F_OK) == 0)
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	if (strrchr(exe, '/'))
		*strrchr(exe, '/') = '\0';
	for (size_t i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
		if (util_join(dir, sizeof(dir), "%s/%s/tuning-profiles", exe, up[i]) ||
		    util_join(match, sizeof(match), "%s/match.conf", dir) || access(match, R_OK))
			continue;
		/* A tidy path in messages: /src/tuning-profiles, not /src/build/../tuning-profiles. */
		if (!realpath(dir, p->profile_dir))
			strcpy(p->profile_dir, dir);
		p->profile_dir_from = "the source tree";
		return;
	}
}

/* The sysroot's length without trailing slashes; 0 for the host ("" or "/"). */
static size_t root_len(const char *root)
{
	size_t n = strlen(root);

	while (n > 0 && root[n - 1] == '/')
		n--;
	return n;
}

/* Drops buf's last component, never going above its first root_len bytes. */
static size_t component_up(char *buf, size_t len, size_t root_len)
{
	while (len > root_len && buf[len - 1] != '/')
		len--;
	if (len > root_len)
		len--;
	buf[len] = '\0';
	return len;
}

/*
 * abs looked up with the tree as "/", as chroot would: each symlink met on
 * the way is followed inside the tree (an absolute target starts again at
 * the sysroot, ".." stops there), the last one only when follow_last.
 * Components that are missing are kept as they are. So the result names
 * something inside the tree, whatever links the tree holds: an image root's
 * absolute links, or a planted one, never lead apply to the host's files.
 * It is a path, not a handle: a tree changed while it is used can still
 * race it; the aim is a careless tree, not an attacker inside it.
 */
static int resolve_in_root(const char *root, const char *abs, bool follow_last,
			   char *buf, size_t size)
{
	char rest[PATH_MAX], target[PATH_MAX], next[PATH_MAX];
	size_t rlen = root_len(root), len = rlen;
	const char *c = rest;
	int links = 0;

	if (util_join(rest, sizeof(rest), "%s", abs) || rlen >= size)
		return -ENAMETOOLONG;
	memcpy(buf, root, rlen);
	buf[len] = '\0';
	while (*(c += strspn(c, "/"))) {
		size_t clen = strcspn(c, "/");
		const char *after = c + clen;
		bool last = !after[strspn(after, "/")];
		ssize_t n;

		if (clen == 1 && c[0] == '.') {
			c = after;
			continue;
		}
		if (clen == 2 && c[0] == '.' && c[1] == '.') {
			len = component_up(buf, len, rlen);
			c = after;
			continue;
		}
		if (len + 1 + clen >= size)
			return -ENAMETOOLONG;
		buf[len] = '/';
		memcpy(buf + len + 1, c, clen);
		buf[len + 1 + clen] = '\0';
		n = last && !follow_last ? -1 : readlink(buf, target, sizeof(target) - 1);
		if (n < 0) {            /* not a link, or not there: taken as it is */
			len += 1 + clen;
			c = after;
			continue;
		}
		if (++links > PATHS_MAX_LINKS)
			return -ELOOP;
		target[n] = '\0';
		buf[len] = '\0';       /* the link's own name goes */
		if (target[0] == '/') {
			len = rlen;
			buf[len] = '\0';
		}
		if (util_join(next, sizeof(next), "%s/%s", target, after))
			return -ENAMETOOLONG;
		memcpy(rest, next, strlen(next) + 1);
		c = rest;
	}
	if (len == 0)                   /* abs was "/" on a root of "/"s only */
		return util_join(buf, size, "/");
	return 0;
}

static int sys_path(const struct pa_paths *p, char *buf, size_t size, const char *abs,
		    bool follow_last)
{
	if (!root_len(p->sysroot))
		return util_join(buf, size, "%s", abs);
	return resolve_in_root(p->sysroot, abs, follow_last, buf, size);
}

int paths_sys(const struct pa_paths *p, char *buf, size_t size, const char *abs)
{
	return sys_path(p, buf, size, abs, true);
}

int paths_sys_link(const struct pa_paths *p, char *buf, size_t size, const char *abs)
{
	return sys_path(p, buf, size, abs, false);
}

int paths_sys_vfmt(const struct pa_paths *p, char *buf, size_t size, const char *fmt,
		   va_list ap)
{
	char rel[PATH_MAX];
	int n = vsnprintf(rel, sizeof(rel), fmt, ap);

	if (n < 0 || (size_t)n >= sizeof(rel) || paths_sys(p, buf, size, rel))
		return -ENAMETOOLONG;
	return 0;
}

bool paths_sys_exists(const struct pa_paths *p, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = paths_sys_vfmt(p, path, sizeof(path), fmt, ap);
	va_end(ap);
	return !ret && access(path, F_OK) == 0;
}

int paths_socket(const struct pa_paths *p, char *buf, size_t size)
{
	return util_join(buf, size, "%s/perfagent.sock", p->runtime_dir);
}
