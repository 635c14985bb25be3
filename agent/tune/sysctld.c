// SPDX-License-Identifier: GPL-2.0-only
/* The administrator's sysctl.d files, read the way systemd-sysctl reads them. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/array.h"
#include "core/log.h"
#include "tune/sysctld.h"
#include "core/util.h"

static const char *const sysctld_dirs[] = {
	"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d",
	"/lib/sysctl.d",
};

/* One name found while listing the directories: the first directory wins. */
struct found {
	char name[NAME_MAX + 1];
	char path[PATH_MAX];
};

struct found_list {
	size_t n, cap;
	struct found *v;
};

static int conf_filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 5 && !strcmp(d->d_name + len - 5, ".conf");
}

static int found_add(struct found_list *l, const char *dir, const char *name)
{
	struct found *v;

	for (size_t i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i].name, name))
			return 0;   /* shadowed by an earlier directory */
	}
	v = array_grow(l->v, &l->cap, l->n + 1, sizeof(*v), 16);
	if (!v)
		return -ENOMEM;
	l->v = v;
	if (util_join(l->v[l->n].path, sizeof(l->v[0].path), "%s/%s", dir, name))
		return 0;
	strcpy(l->v[l->n].name, name);
	l->n++;
	return 0;
}

static int found_cmp(const void *a, const void *b)
{
	return strcmp(((const struct found *)a)->name, ((const struct found *)b)->name);
}

static int list_dirs(const struct pa_paths *paths, struct found_list *l)
{
	for (size_t i = 0; i < ARRAY_SIZE(sysctld_dirs); i++) {
		char dir[PATH_MAX];
		struct dirent **ents;
		int n, ret = 0;

		if (paths_sys(paths, dir, sizeof(dir), sysctld_dirs[i]))
			continue;
		n = scandir(dir, &ents, conf_filter, alphasort);
		if (n < 0)
			continue;
		for (int j = 0; j < n; j++) {
			if (!ret)
				ret = found_add(l, sysctld_dirs[i], ents[j]->d_name);
			free(ents[j]);
		}
		free(ents);
		if (ret)
			return ret;
	}
	if (l->n)
		qsort(l->v, l->n, sizeof(l->v[0]), found_cmp);
	return 0;
}

/*
 * Reads host path under the sysroot (links followed inside it, paths.h).
 * A symlink to /dev/null masks the file (empty text).
 */
static ssize_t read_under_root(const struct pa_paths *paths, const char *host, char **text)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	*text = NULL;
	if (paths_sys_link(paths, path, sizeof(path), host))
		return -ENAMETOOLONG;
	n = readlink(path, target, sizeof(target) - 1);
	if (n == (ssize_t)strlen("/dev/null") && !memcmp(target, "/dev/null", n)) {
		*text = strdup("");
		return *text ? 0 : -ENOMEM;
	}
	if (paths_sys(paths, path, sizeof(path), host))
		return -ENAMETOOLONG;
	return util_read_file(path, SYSCTLD_FILE_MAX, text);
}

static struct sysctld_entry *entry_add(struct sysctld *s)
{
	struct sysctld_entry *v = array_grow(s->entries, &s->cap, s->n + 1, sizeof(*v), 64);

	if (!v)
		return NULL;
	s->entries = v;
	memset(&s->entries[s->n], 0, sizeof(s->entries[0]));
	return &s->entries[s->n++];
}

void sysctld_key_normalise(char *key)
{
	if (key[strcspn(key, "./")] != '/')
		return;
	for (char *p = key; *p; p++) {
		if (*p == '/')
			*p = '.';
		else if (*p == '.')
			*p = '/';
	}
}

/* Parses one line in place; returns 0 (also when the line is ignored). */
static int parse_line(struct sysctld *s, size_t file, int lineno, char *line)
{
	bool dash = false;
	struct sysctld_entry *e;
	char *eq, *key, *value = NULL;

	util_strtrim(line);
	if (!*line || *line == '#' || *line == ';')
		return 0;
	if (*line == '-') {
		dash = true;
		line++;
	}
	eq = strchr(line, '=');
	if (eq) {
		*eq = '\0';
		value = util_strtrim(eq + 1);
	} else if (!dash) {
		return 0;   /* not an assignment: systemd ignores it too */
	}
	key = util_strtrim(line);
	if (!*key || strpbrk(key, " \t"))
		return 0;
	sysctld_key_normalise(key);
	e = entry_add(s);
	if (!e)
		return -ENOMEM;
	e->key = key;
	e->value = value;
	e->file = file;
	e->line = lineno;
	e->glob = value && strpbrk(key, "*?[");
	return 0;
}

int sysctld_add_text(struct sysctld *s, const char *path, char *text)
{
	struct sysctld_file *files;
	size_t idx = s->n_files;
	char *line, *next;
	int lineno = 0, ret = 0;

	files = array_grow(s->files, &s->cap_files, s->n_files + 1, sizeof(*files), 8);
	if (!files) {
		free(text);
		return -ENOMEM;
	}
	s->files = files;
	files[idx].text = text;
	files[idx].path = strdup(path);
	s->n_files++;
	if (!files[idx].path)
		return -ENOMEM;
	for (line = text; line && !ret; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		ret = parse_line(s, idx, ++lineno, line);
	}
	return ret;
}

static int load_one(const struct pa_paths *paths, struct sysctld *s, const char *host,
		    bool optional)
{
	char *text;
	ssize_t n;

	n = read_under_root(paths, host, &text);
	if (n < 0) {
		if (!(optional && n == -ENOENT)) {
			log_warn("sysctl configuration %s ignored: %s", host,
				 n == -EFBIG ? "larger than 1 MiB" : util_file_strerror((int)n));
			s->n_ignored++;
		}
		return n == -ENOMEM ? -ENOMEM : 0;
	}
	return sysctld_add_text(s, host, text);
}

int sysctld_load(const struct pa_paths *paths, struct sysctld *s)
{
	struct found_list l = { 0 };
	int ret;

	memset(s, 0, sizeof(*s));
	ret = list_dirs(paths, &l);
	for (size_t i = 0; i < l.n && !ret; i++)
		ret = load_one(paths, s, l.v[i].path, false);
	if (!ret)
		ret = load_one(paths, s, "/etc/sysctl.conf", true);
	free(l.v);
	return ret;
}

bool sysctld_entry_is_vendor(const struct sysctld *s, const struct sysctld_entry *e)
{
	static const char *const vendor[] = { "/usr/lib/sysctl.d/", "/lib/sysctl.d/" };
	const char *file = sysctld_file(s, e);

	for (size_t i = 0; i < ARRAY_SIZE(vendor); i++)
		if (!strncmp(file, vendor[i], strlen(vendor[i])))
			return true;
	return false;
}

static bool passed_over(const struct sysctld *s, const struct sysctld_entry *e, bool admin_only)
{
	return admin_only && sysctld_entry_is_vendor(s, e);
}

/* The lookup over every entry, or over the administrator's only. */
static const struct sysctld_entry *lookup(const struct sysctld *s, const char *key,
					  bool admin_only)
{
	size_t i;

	for (i = s->n; i-- > 0;) {
		const struct sysctld_entry *e = &s->entries[i];

		if (!passed_over(s, e, admin_only) && !e->glob && e->value && !strcmp(e->key, key))
			return e;
	}
	for (i = 0; i < s->n; i++) {
		const struct sysctld_entry *e = &s->entries[i];

		if (!passed_over(s, e, admin_only) && !e->value && !strcmp(e->key, key))
			return NULL;    /* "-key": out of the globs */
	}
	for (i = s->n; i-- > 0;) {
		const struct sysctld_entry *e = &s->entries[i];

		if (!passed_over(s, e, admin_only) && e->glob && !fnmatch(e->key, key, 0))
			return e;
	}
	return NULL;
}

const struct sysctld_entry *sysctld_lookup(const struct sysctld *s, const char *key)
{
	return lookup(s, key, false);
}

const struct sysctld_entry *sysctld_lookup_admin(const struct sysctld *s, const char *key)
{
	return lookup(s, key, true);
}

const char *sysctld_file(const struct sysctld *s, const struct sysctld_entry *e)
{
	return e->file < s->n_files ? s->files[e->file].path : "?";
}

void sysctld_free(struct sysctld *s)
{
	for (size_t i = 0; i < s->n_files; i++) {
		free(s->files[i].path);
		free(s->files[i].text);
	}
	free(s->files);
	free(s->entries);
	memset(s, 0, sizeof(*s));
}
