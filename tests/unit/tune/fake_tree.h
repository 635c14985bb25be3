/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For the tuning tests on fake /proc, /sys and /dev trees (included after
 * cmocka.h and after the test's struct fixture, which has at least
 * char dir[PATH_MAX], struct pa_paths paths, struct tune_ctx ctx and
 * struct profile prof): the tree under a temporary directory (dir/root,
 * the state in dir/state), made before and removed after each test, its
 * files, the profile's values and the plan's items. Static inline, so that
 * a test need not use every helper.
 */
#ifndef PA_TEST_FAKE_TREE_H
#define PA_TEST_FAKE_TREE_H

#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "tune/tune.h"

/* sysroot + rel, nothing created. */
static inline void host_path(struct fixture *f, const char *rel, char *path)
{
	assert_int_equal(util_join(path, PATH_MAX, "%s%s", f->paths.sysroot, rel), 0);
}

/* sysroot + rel, parents created. */
static inline void full_path(struct fixture *f, const char *rel, char *path)
{
	char dir[PATH_MAX];

	host_path(f, rel, path);
	strcpy(dir, path);
	assert_int_equal(util_mkdir_p(dirname(dir), 0755), 0);
}

/* Writes sysroot + rel (parents created). */
static inline void put_bytes(struct fixture *f, const char *rel, const void *data, size_t len)
{
	char path[PATH_MAX];
	int fd;

	full_path(f, rel, path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static inline void put(struct fixture *f, const char *rel, const char *text)
{
	put_bytes(f, rel, text, strlen(text));
}

/* The bytes of sysroot + rel (static buffer), or NULL. */
static inline const char *get(struct fixture *f, const char *rel)
{
	static char buf[4096];
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	host_path(f, rel, path);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

/* /sys/block/DEV/REL holds text. */
static inline void put_block(struct fixture *f, const char *dev, const char *rel, const char *text)
{
	char path[PATH_MAX];

	assert_int_equal(util_join(path, sizeof(path), "/sys/block/%s/%s", dev, rel), 0);
	put(f, path, text);
}

/* A value of the profile; ">v" raises to v, "<v" lowers to v. */
static inline void add_value(struct fixture *f, enum knob_kind kind, const char *key,
			     const char *val, const char *devices, const char *dev_kind)
{
	struct profile *p = &f->prof;
	struct profile_value *v;

	p->values = reallocarray(p->values, p->n_values + 1, sizeof(*v));
	assert_non_null(p->values);
	v = &p->values[p->n_values++];
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->op = val[0] == '>' ? VALUE_RAISE : val[0] == '<' ? VALUE_LOWER : VALUE_EXACT;
	strcpy(v->key, key);
	strcpy(v->value, val + (v->op != VALUE_EXACT));
	strcpy(v->devices, devices ? devices : "");
	strcpy(v->dev_kind, dev_kind ? dev_kind : "");
	snprintf(v->origin, sizeof(v->origin), "test.conf:%zu", p->n_values);
}

static inline const struct tune_item *find(const struct tune_plan *p, const char *id)
{
	for (size_t i = 0; i < p->n; i++) {
		if (!strcmp(p->items[i].knob.id, id))
			return &p->items[i];
	}
	return NULL;
}

static inline const struct tune_item *item(const struct tune_plan *p, const char *id)
{
	const struct tune_item *it = find(p, id);

	if (!it)
		fail_msg("no knob %s in the plan", id);
	return it;
}

static inline void assert_contains(const char *text, const char *part)
{
	if (!text || !strstr(text, part))
		fail_msg("'%s' not in '%s'", part, text ? text : "(nothing)");
}

static inline void plan(struct fixture *f, struct tune_plan *p)
{
	assert_int_equal(tune_plan(&f->ctx, &f->prof, p), 0);
}

/*
 * A fixture with an empty tree under /tmp/NAME.XXXXXX (mode 0755), a
 * profile named test and a lock timeout of 300 ms.
 */
static inline struct fixture *fake_tree_new(const char *name)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(util_join(f->dir, sizeof(f->dir), "/tmp/%s.XXXXXX", name), 0);
	assert_non_null(mkdtemp(f->dir));
	chmod(f->dir, 0755);
	assert_int_equal(util_join(f->paths.sysroot, sizeof(f->paths.sysroot), "%s/root", f->dir), 0);
	assert_int_equal(util_join(f->paths.state_dir, sizeof(f->paths.state_dir), "%s/state",
				   f->dir), 0);
	f->ctx.paths = &f->paths;
	f->ctx.lock_timeout_ms = 300;
	strcpy(f->prof.name, "test");
	return f;
}

/* Directories a test made unreadable are made readable again first. */
static inline int fake_tree_rm_one(const char *path, const struct stat *st, int flag,
				   struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		chmod(path, 0755);
	return remove(path);
}

/* Removes the tree and frees the fixture. */
static inline void fake_tree_free(struct fixture *f)
{
	nftw(f->dir, fake_tree_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	profile_free(&f->prof);
	free(f);
}

#endif
