// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the knob backends share, below them all: the knob list, reading,
 * normalising and writing a knob's attribute file (procfs sysctls and sysfs
 * alike), and the helpers of per-device backends (new knob, device globs,
 * sorted directory scans, the knob of a group that matches nothing).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/array.h"
#include "core/jsonutil.h"
#include "core/util.h"
#include "tune/knob.h"

struct knob *knob_list_add(struct knob_list *l)
{
	struct knob *v = array_grow(l->v, &l->cap, l->n + 1, sizeof(*v), 64);

	if (!v)
		return NULL;
	l->v = v;
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

void knob_list_free(struct knob_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

bool knob_kind_has_brackets(enum knob_kind kind)
{
	return kind != KNOB_SYSCTL && kind != KNOB_PMQOS && kind != KNOB_IRQBALANCE;
}

/* Copies the words of raw, one space apart, into out. */
static int collapse_blanks(const char *raw, char *out, size_t size)
{
	size_t n = 0;
	const char *p = raw;

	while (*p) {
		size_t len;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		len = 0;
		while (p[len] && !isspace((unsigned char)p[len]))
			len++;
		if (n + (n > 0) + len >= size)
			return -E2BIG;
		if (n > 0)
			out[n++] = ' ';
		memcpy(out + n, p, len);
		n += len;
		p += len;
	}
	out[n] = '\0';
	return 0;
}

/* In "always [madvise] never", moves "madvise" to the front of s. */
static void pick_bracketed(char *s)
{
	char *p = s;

	while (*p) {
		size_t len = strcspn(p, " ");

		if (len >= 3 && p[0] == '[' && p[len - 1] == ']') {
			memmove(s, p + 1, len - 2);
			s[len - 2] = '\0';
			return;
		}
		p += len;
		if (*p == ' ')
			p++;
	}
}

int knob_normalise(const char *raw, bool brackets, char *out, size_t size)
{
	int ret;

	if (size == 0)
		return -E2BIG;
	ret = collapse_blanks(raw, out, size);
	if (ret) {
		out[0] = '\0';
		return ret;
	}
	if (brackets)
		pick_bracketed(out);
	return 0;
}

void knob_value_free(struct knob_value *v)
{
	free(v->original);
	v->original = NULL;
}

int knob_file_read(const struct pa_paths *paths, const struct knob *k, struct knob_value *v)
{
	char path[PATH_MAX];
	bool brackets = knob_kind_has_brackets(k->kind);
	char *raw = NULL;
	ssize_t len;
	int ret;

	v->norm[0] = '\0';
	v->original = NULL;
	if (!k->path[0])
		return -ENOENT;
	ret = paths_sys(paths, path, sizeof(path), k->path);
	if (ret)
		return ret;
	len = util_read_file(path, KNOB_FILE_MAX, &raw);
	if (len < 0)
		return len == -ENOTDIR ? -ENOENT : (int)len;
	/*
	 * A NUL byte: not an attribute we understand. Another control byte
	 * (a tab and line feeds aside): not a value the journal can keep as
	 * the original, so one revert could not restore; left alone, unread.
	 */
	if (strlen(raw) != (size_t)len || !json_lines_clean(raw, (size_t)len)) {
		ret = -EILSEQ;
		goto out;
	}
	ret = knob_normalise(raw, brackets, v->norm, sizeof(v->norm));
	if (ret)
		goto out;
	/* A choice file takes back the chosen word, not the list it prints. */
	if (brackets && strchr(raw, '[')) {
		v->original = strdup(v->norm);
		ret = v->original ? 0 : -ENOMEM;
	} else {
		v->original = raw;
		raw = NULL;
	}
out:
	free(raw);
	return ret;
}

int knob_file_write(const struct pa_paths *paths, const char *path, const char *data)
{
	char full[PATH_MAX];
	size_t len = strlen(data);
	ssize_t n;
	int fd, ret;

	ret = paths_sys(paths, full, sizeof(full), path);
	if (ret)
		return ret;
	/* O_TRUNC is a no-op on procfs/sysfs and keeps fake trees honest;
	 * O_NONBLOCK keeps a FIFO in a fake tree from blocking the open. */
	fd = open(full, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	ret = util_fd_check_kind(fd);
	if (ret) {
		close(fd);
		return ret;
	}
	/* Attribute files take one write; a short one is a refusal. */
	do {
		n = write(fd, data, len);
	} while (n < 0 && errno == EINTR);
	ret = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	return ret;
}

struct knob *knob_new(struct knob_list *out, const struct profile_value *pv, const char *dev)
{
	const char *kind = knob_kind_name(pv->kind);
	struct knob *k = knob_list_add(out);
	int n;

	if (!k)
		return NULL;
	k->kind = pv->kind;
	if (dev)
		n = snprintf(k->id, sizeof(k->id), "%s:%s:%s", kind, dev, pv->key);
	else
		n = snprintf(k->id, sizeof(k->id), "%s:%s", kind, pv->key);
	if (n >= (int)sizeof(k->id))
		snprintf(k->skip, sizeof(k->skip), "knob name too long");
	return k;
}

bool knob_match_list(const char *list, const char *name)
{
	char buf[256], *tok, *save = NULL;

	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
		return false;
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (!fnmatch(tok, name, 0))
			return true;
	}
	return false;
}

int knob_scan_dir(const struct pa_paths *paths, const char *abs, struct dirent ***list,
		  int (*filter)(const struct dirent *))
{
	char path[PATH_MAX];
	int n;

	*list = NULL;
	if (paths_sys(paths, path, sizeof(path), abs))
		return 0;
	n = scandir(path, list, filter, versionsort);
	if (n < 0) {
		*list = NULL;
		return 0;   /* no such directory: no devices */
	}
	return n;
}

void knob_free_scan(struct dirent **list, int n)
{
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

int knob_add_unmatched(struct knob_list *out, const struct profile_value *pv, const char *what)
{
	const char *sel = pv->devices[0] ? pv->devices : "*";
	struct knob *k = knob_list_add(out);

	if (!k)
		return -ENOMEM;
	k->kind = pv->kind;
	/* Display only: a cut-off id still names the group. */
	if (snprintf(k->id, sizeof(k->id), "%s:%s:%s", knob_kind_name(pv->kind), sel,
		     pv->key) >= (int)sizeof(k->id))
		strcpy(k->id + sizeof(k->id) - 4, "...");
	snprintf(k->skip, sizeof(k->skip), "not applicable: %s", what);
	return 0;
}

bool knob_id_device(const char *id, const char *kind, char *buf, size_t size)
{
	size_t k = strlen(kind);
	const char *name, *end;

	if (strncmp(id, kind, k) || id[k] != ':')
		return false;
	name = id + k + 1;
	end = strchr(name, ':');
	if (!end || end == name || (size_t)(end - name) >= size)
		return false;
	memcpy(buf, name, (size_t)(end - name));
	buf[end - name] = '\0';
	return true;
}
