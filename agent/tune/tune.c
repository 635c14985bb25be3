// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tuning engine: plan, apply, verify and revert (see tune.h for the
 * rules). Printing and JSON are in tune_report.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/array.h"
#include "core/jsonutil.h"
#include "identity/inventory.h"
#include "tune/sysctld.h"
#include "tune/tune.h"
#include "core/util.h"

/* ---- values ---- */

static bool is_int(const char *s, size_t n)
{
	size_t i = n > 0 && s[0] == '-';

	if (i == n)
		return false;
	for (; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* Compares two integers of any length, given as validated text. */
static int int_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	bool na = a[0] == '-', nb = b[0] == '-';
	int mag;

	a += na, an -= na;
	b += nb, bn -= nb;
	while (an > 1 && *a == '0')
		a++, an--;
	while (bn > 1 && *b == '0')
		b++, bn--;
	na = na && !(an == 1 && *a == '0');    /* -0 is 0 */
	nb = nb && !(bn == 1 && *b == '0');
	if (na != nb)
		return na ? -1 : 1;
	mag = an != bn ? (an < bn ? -1 : 1) : memcmp(a, b, an);
	mag = mag < 0 ? -1 : mag > 0;
	return na ? -mag : mag;
}

static size_t field_len(const char *s)
{
	return strcspn(s, " ");
}

bool tune_values_equal(const char *a, const char *b)
{
	for (;;) {
		size_t la = field_len(a), lb = field_len(b);

		if (is_int(a, la) && is_int(b, lb)) {
			if (int_cmp(a, la, b, lb))
				return false;
		} else if (la != lb || memcmp(a, b, la)) {
			return false;
		}
		a += la;
		b += lb;
		if (!*a || !*b)
			return !*a && !*b;
		a++;
		b++;
	}
}

static int append_field(char *out, size_t size, size_t *pos, const char *f, size_t len)
{
	if (*pos + (*pos > 0) + len >= size)
		return -E2BIG;
	if (*pos > 0)
		out[(*pos)++] = ' ';
	memcpy(out + *pos, f, len);
	*pos += len;
	out[*pos] = '\0';
	return 0;
}

int tune_resolve(enum value_op op, const char *current, const char *wanted, char *out,
		 size_t size)
{
	const char *c = current, *w = wanted;
	size_t pos = 0;
	int ret;

	if (op == VALUE_EXACT)
		return util_join(out, size, "%s", wanted) ? -E2BIG : 0;
	out[0] = '\0';
	for (;;) {
		size_t lc = field_len(c), lw = field_len(w);
		int cmp;

		if (!is_int(c, lc) || !is_int(w, lw))
			return -EINVAL;
		cmp = int_cmp(c, lc, w, lw);
		/* only raise: the larger of the two; only lower: the smaller */
		if ((op == VALUE_RAISE) == (cmp >= 0))
			ret = append_field(out, size, &pos, c, lc);
		else
			ret = append_field(out, size, &pos, w, lw);
		if (ret)
			return ret;
		c += lc;
		w += lw;
		if (!*c || !*w)
			return !*c && !*w ? 0 : -ERANGE;
		c++;
		w++;
	}
}

/* Whether live still honours what perfagent applied (">": not below it). */
static bool satisfies(enum value_op op, const char *live, const char *applied)
{
	char r[KNOB_VALUE_MAX];

	if (op != VALUE_EXACT && !tune_resolve(op, live, applied, r, sizeof(r)))
		return tune_values_equal(r, live);
	return tune_values_equal(live, applied);
}

/* ---- names ---- */

const char *tune_action_name(enum tune_action a)
{
	static const char *const names[] = { "set", "keep", "skip" };

	return (size_t)a < ARRAY_SIZE(names) ? names[a] : "?";
}

const char *tune_skip_name(enum tune_skip s)
{
	static const char *const names[] = {
		"none", "excluded", "missing", "sysctl.d", "overridden", "not-applicable",
		"unreadable", "unsupported", "unknown-writer", "daemon-only",
	};

	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "?";
}

const char *tune_status_name(enum tune_status s)
{
	static const char *const names[] = {
		"ok", "overridden", "missing", "not-applied", "restored", "unchanged", "failed",
		"unknown-writer",
	};

	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "?";
}

const char *tune_op_prefix(enum value_op op)
{
	return op == VALUE_RAISE ? ">" : op == VALUE_LOWER ? "<" : "";
}

/* Display strings may be cut; values that matter are checked before. */
static void set_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void set_fmt(char *dst, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_fmt(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(dst, size, fmt, ap) >= (int)size && size > 4)
		strcpy(dst + size - 4, "...");
	va_end(ap);
}

/* ---- the environment a plan is evaluated in ---- */

struct tune_env {
	const struct tune_ctx *ctx;
	char boot_id[JOURNAL_BOOT_ID_MAX];
	struct journal journal;         /* this boot's and sysroot's, maybe empty */
	struct sysctld sysctld;
};

static void env_close(struct tune_env *env)
{
	journal_free(&env->journal);
	sysctld_free(&env->sysctld);
}

/*
 * Whether the journal file was last written before this boot began: then a
 * corrupt one cannot describe values on the knobs now (the boot reset them).
 * False when either time is unknown.
 */
static bool journal_before_boot(const struct pa_paths *paths)
{
	uint64_t boot = inventory_boot_wall_ms(paths, util_now_wall_ms());
	char path[PATH_MAX];
	struct stat st;

	if (!boot || journal_path(paths, path, sizeof(path)) || stat(path, &st) < 0)
		return false;
	return (uint64_t)st.st_mtime * 1000 < boot;
}

/*
 * Loads this boot's journal (moving a corrupt one aside when locked), or
 * starts an empty one. Errors are fatal for apply; plan reports them as a
 * note and plans without history. An apply that finds the journal of this
 * boot corrupt stops too, once: the knobs may hold values perfagent wrote,
 * which it would journal as the originals; the next apply, the journal
 * moved aside, takes the values it finds. One written before this boot is
 * only a note: the boot reset the knobs.
 */
static int env_journal(struct tune_env *env, bool locked, char *note, size_t notesz,
		       char *err, size_t errsz)
{
	const struct pa_paths *paths = env->ctx->paths;
	struct journal *j = &env->journal;
	bool before_boot = journal_before_boot(paths);
	char msg[TUNE_MSG_MAX];
	int ret;

	ret = journal_load(paths, j, locked, msg, sizeof(msg));
	if (ret == -EBADMSG && locked && !before_boot) {
		set_fmt(err, errsz, "%s. Nothing was applied: the knobs may hold values perfagent "
			"wrote, which this apply would journal as their originals. Reboot to start "
			"from the kernel's own values, or apply again to take the values set now as "
			"the originals", msg);
		goto fresh;
	}
	if (ret == -EBADMSG)
		set_str(note, notesz, msg);
	if (ret == -ENOENT || ret == -EBADMSG) {
		ret = 0;
		goto fresh;
	}
	if (ret) {
		set_str(err, errsz, msg);
		goto fresh;
	}
	if (strcmp(j->sysroot, paths->sysroot)) {
		set_fmt(err, errsz, "the journal in %s was written for root '%s', not '%s': revert "
			"it with that root, or use another state directory", paths->state_dir,
			j->sysroot, paths->sysroot);
		ret = -EXDEV;
		goto fresh;
	}
	if (!strcmp(j->boot_id, env->boot_id))
		return 0;
	set_fmt(note, notesz, "the journal is from an earlier boot (%s) and void: that reboot "
		"restored the kernel's values", j->boot_id);
fresh:
	journal_free(j);
	journal_init(j, env->boot_id, paths->sysroot);
	return ret;
}

/* What a failed inventory_boot_id() means, in words. */
static const char *boot_id_strerror(int err)
{
	return err == -EBADMSG ? "not a boot id (one line of printable text, as the kernel's "
				 "UUID)" : strerror(-err);
}

/*
 * Reads the sysctl.d files, the boot id and the journal. After an error the
 * environment is still usable with what it holds (plan goes on; apply stops).
 */
static int env_open(const struct tune_ctx *ctx, struct tune_env *env, bool locked, char *note,
		    size_t notesz, char *err, size_t errsz)
{
	int ret;

	memset(env, 0, sizeof(*env));
	env->ctx = ctx;
	journal_init(&env->journal, "", ctx->paths->sysroot);
	/* The journal records the root; the reader refuses a control character. */
	if (!json_text_clean(ctx->paths->sysroot, strlen(ctx->paths->sysroot))) {
		set_fmt(err, errsz, "the --root path holds a control character; the journal "
			"could not be read back to verify or revert: use another directory");
		return -EINVAL;
	}
	ret = sysctld_load(ctx->paths, &env->sysctld);
	if (ret) {
		set_fmt(err, errsz, "cannot read the sysctl.d files: %s", strerror(-ret));
		return ret;
	}
	ret = inventory_boot_id(ctx->paths, env->boot_id, sizeof(env->boot_id));
	if (ret) {
		set_fmt(err, errsz, "cannot read the boot id (%s/proc/sys/kernel/random/boot_id): "
			"%s; it tells this boot's originals from an earlier boot's",
			ctx->paths->sysroot, boot_id_strerror(ret));
		return ret;
	}
	return env_journal(env, locked, note, notesz, err, errsz);
}

/* ---- planning ---- */

static struct tune_item *plan_item_for(struct tune_plan *plan, const char *id)
{
	struct tune_item *it;

	for (size_t i = 0; i < plan->n; i++) {
		if (!strcmp(plan->items[i].knob.id, id))
			return &plan->items[i];     /* a later group wins */
	}
	it = array_grow(plan->items, &plan->cap, plan->n + 1, sizeof(*it), 64);
	if (!it)
		return NULL;
	plan->items = it;
	it = &plan->items[plan->n++];
	memset(it, 0, sizeof(*it));
	return it;
}

static int plan_add(struct tune_plan *plan, const struct knob *k, const struct profile_value *pv)
{
	struct tune_item *it = plan_item_for(plan, k->id);

	if (!it)
		return -ENOMEM;
	free(it->original);
	memset(it, 0, sizeof(*it));
	it->knob = *k;
	it->op = pv->op;
	set_str(it->origin, sizeof(it->origin), pv->origin);
	set_str(it->layer, sizeof(it->layer), pv->layer[0] ? pv->layer : pv->profile);
	if (knob_normalise(k->want[0] ? k->want : pv->value, false, it->wanted,
			   sizeof(it->wanted)))
		set_str(it->knob.skip, sizeof(it->knob.skip), "the profile's value is too long");
	if (pv->unresolved)     /* a formula this machine cannot resolve */
		set_str(it->knob.skip, sizeof(it->knob.skip), pv->resolved);
	return 0;
}

static int plan_build(const struct profile *p, const struct tune_ctx *ctx,
		      struct tune_plan *plan)
{
	struct knob_list knobs = { 0 };
	int ret = 0;

	for (size_t i = 0; i < p->n_values && !ret; i++) {
		const struct profile_value *pv = &p->values[i];
		const struct knob_backend *b = knob_backend_of(pv->kind);

		knobs.n = 0;
		if (!b)
			continue;   /* a kind this version does not know */
		ret = b->expand(ctx->paths, pv, &knobs);
		for (size_t k = 0; k < knobs.n && !ret; k++)
			ret = plan_add(plan, &knobs.v[k], pv);
	}
	knob_list_free(&knobs);
	return ret;
}

const char *tune_excluded_by(const char *const *exclude, const char *id)
{
	for (size_t i = 0; exclude && exclude[i]; i++) {
		if (!fnmatch(exclude[i], id, 0))
			return exclude[i];
	}
	return NULL;
}

/*
 * Derived knobs (knob.h: irqbalance banned_cpus = rps) get their value once
 * every profile value is expanded, from the knobs the plan applies: neither
 * skipped already nor excluded by config.
 */
static int plan_derive(const struct tune_ctx *ctx, struct tune_plan *plan)
{
	const struct knob **planned;
	bool any = false;
	size_t n = 0;

	for (size_t i = 0; i < plan->n && !any; i++) {
		const struct knob_backend *b = knob_backend_of(plan->items[i].knob.kind);

		any = b && b->derive;
	}
	if (!any)
		return 0;
	planned = calloc(plan->n, sizeof(*planned));
	if (!planned)
		return -ENOMEM;
	for (size_t i = 0; i < plan->n; i++) {
		const struct knob *k = &plan->items[i].knob;

		if (!k->skip[0] && !tune_excluded_by(ctx->exclude, k->id))
			planned[n++] = k;
	}
	for (size_t i = 0; i < plan->n; i++) {
		struct tune_item *it = &plan->items[i];
		const struct knob_backend *b = knob_backend_of(it->knob.kind);

		if (!b || !b->derive || it->knob.skip[0])
			continue;
		b->derive(ctx->paths, &it->knob, planned, n);
		if (!it->knob.skip[0] && knob_normalise(it->knob.want, false, it->wanted,
							sizeof(it->wanted)))
			set_str(it->knob.skip, sizeof(it->knob.skip), "the derived value is too long");
	}
	free(planned);
	return 0;
}

static void item_skip(struct tune_item *it, enum tune_skip skip, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void item_skip(struct tune_item *it, enum tune_skip skip, const char *fmt, ...)
{
	va_list ap;

	it->action = TUNE_SKIP;
	it->skip = skip;
	va_start(ap, fmt);
	if (vsnprintf(it->reason, sizeof(it->reason), fmt, ap) >= (int)sizeof(it->reason))
		strcpy(it->reason + sizeof(it->reason) - 4, "...");
	va_end(ap);
}

/* The normalised original of a journal entry. */
static void entry_original(const struct journal_entry *e, char *buf, size_t size)
{
	enum knob_kind kind = KNOB_SYSCTL;

	knob_kind_of_id(e->id, &kind);
	if (knob_normalise_original(kind, e->original, buf, size))
		buf[0] = '\0';
}

/*
 * Whether live is a value perfagent wrote or may have written: the desired
 * value of a pending or failed write, the last one read back, or one an
 * interrupted apply left unconfirmed (journal.h).
 */
static bool entry_may_have_written(const struct journal_entry *e, const char *live)
{
	if (tune_values_equal(live, e->desired) ||
	    (e->applied[0] && tune_values_equal(live, e->applied)))
		return true;
	for (unsigned int i = 0; i < e->n_unconfirmed; i++) {
		if (tune_values_equal(live, e->unconfirmed[i]))
			return true;
	}
	return false;
}

/*
 * Whether live is a value perfagent put or found there (see tune.h), or,
 * once applied, one that still honours it (a ">" knob raised further by
 * someone: see eval_value() for what apply may then do).
 */
static bool entry_owns(const struct journal_entry *e, const char *live)
{
	char orig[KNOB_VALUE_MAX];

	switch (e->state) {
	case JOURNAL_APPLIED:
	case JOURNAL_KEPT:
		return satisfies(e->op, live, e->applied);
	case JOURNAL_PENDING:
	case JOURNAL_FAILED:
	case JOURNAL_REVERTING:
		entry_original(e, orig, sizeof(orig));
		return tune_values_equal(live, orig) || entry_may_have_written(e, live);
	}
	return true;
}

/*
 * A pending entry whose knob holds a value perfagent neither found nor may
 * have written: someone else wrote it, or the kernel stored perfagent's
 * write differently and the apply died before reading it back. Nobody can
 * tell which, so nobody is blamed and nothing is overwritten.
 */
static bool entry_writer_unknown(const struct journal_entry *e, const char *live)
{
	return e->state == JOURNAL_PENDING && !entry_owns(e, live);
}

/* "8192" or "8192, 16384 or 4096": what an entry says perfagent may have written. */
static void entry_written_list(const struct journal_entry *e, char *buf, size_t size)
{
	size_t off = (size_t)snprintf(buf, size, "%s", e->desired);

	for (unsigned int i = 0; i < e->n_unconfirmed && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s",
					i + 1 == e->n_unconfirmed ? " or " : ", ",
					e->unconfirmed[i]);
}

/* The plain words for entry_writer_unknown(), ending with what was done. */
static const char *unknown_writer_text(const struct journal_entry *e, const char *live,
				       const char *done, char *buf, size_t size)
{
	char wrote[TUNE_REASON_MAX];

	entry_written_list(e, wrote, sizeof(wrote));
	set_fmt(buf, size, "cannot tell who wrote %s: an apply was interrupted before it recorded "
		"what the knob took (perfagent may have written %s); %s", live, wrote, done);
	return buf;
}

/* What perfagent last set or found, for "X -> Y" messages. */
static const char *entry_value(const struct journal_entry *e)
{
	return e->state == JOURNAL_APPLIED || e->state == JOURNAL_KEPT ? e->applied : e->desired;
}

/* Keep or set, once the current value is known and nothing stands in the way. */
static void eval_action(const struct journal_entry *e, struct tune_item *it)
{
	int ret;

	ret = tune_resolve(it->op, it->current, it->wanted, it->desired, sizeof(it->desired));
	if (ret) {
		item_skip(it, TUNE_SKIP_UNREADABLE, "cannot compare '%s' with '%s%s': %s",
			  it->current, tune_op_prefix(it->op), it->wanted,
			  ret == -ERANGE ? "not as many fields" : "not numbers");
		return;
	}
	it->action = TUNE_KEEP;
	if (tune_values_equal(it->desired, it->current)) {
		if (it->op == VALUE_EXACT)
			set_str(it->reason, sizeof(it->reason), "already set");
		else
			set_fmt(it->reason, sizeof(it->reason), "already at or %s %s",
				it->op == VALUE_RAISE ? "above" : "below", it->wanted);
	} else if (e && e->state == JOURNAL_APPLIED && tune_values_equal(e->desired, it->desired) &&
		   tune_values_equal(e->applied, it->current)) {
		/* The kernel rounds some values; writing again would change nothing. */
		set_fmt(it->reason, sizeof(it->reason), "already set (the kernel stores %s as %s)",
			it->desired, it->current);
	} else {
		it->action = TUNE_SET;
		set_fmt(it->reason, sizeof(it->reason), "%s", it->knob.note);
	}
}

/* "/proc/sys/vm/dirty_bytes" -> "vm.dirty_bytes"; false outside /proc/sys. */
static bool procsys_key(const char *path, char *key, size_t size)
{
	static const char procsys[] = "/proc/sys/";

	if (strncmp(path, procsys, strlen(procsys)))
		return false;
	snprintf(key, size, "%s", path + strlen(procsys));
	for (char *p = key; *p; p++)
		*p = *p == '/' ? '.' : *p;
	return true;
}

/*
 * The sysctl keys a knob is set through: a sysctl's own, and for the [vm]
 * writeback knobs their file's and its ratio twin's (an administrator who
 * set either owns the threshold). Returns how many.
 */
static int sysctl_keys(const struct tune_item *it, char keys[2][KNOB_PATH_MAX])
{
	char ratio[KNOB_PATH_MAX];

	if (it->knob.kind == KNOB_SYSCTL) {
		snprintf(keys[0], KNOB_PATH_MAX, "%s", it->knob.id + strlen("sysctl:"));
		return 1;
	}
	if (it->knob.kind != KNOB_VM || !procsys_key(it->knob.path, keys[0], KNOB_PATH_MAX))
		return 0;
	if (!knob_dirty_ratio_path(it->knob.path, ratio, sizeof(ratio)))
		return 1;
	return procsys_key(ratio, keys[1], KNOB_PATH_MAX) ? 2 : 1;
}

/* The administrator's sysctl.d setting of the knob; vendor gets a distribution default. */
static const struct sysctld_entry *admin_setting(const struct tune_env *env,
						 const struct tune_item *it,
						 const struct sysctld_entry **vendor)
{
	char keys[2][KNOB_PATH_MAX];
	const struct sysctld_entry *sd = NULL;
	int n = sysctl_keys(it, keys);

	*vendor = NULL;
	for (int i = 0; i < n && !sd; i++) {
		sd = sysctld_lookup_admin(&env->sysctld, keys[i]);
		if (!*vendor)
			*vendor = sysctld_lookup(&env->sysctld, keys[i]);
	}
	return sd;
}

/* A distribution's default the plan writes over, said in the reason. */
static void note_vendor(const struct tune_env *env, struct tune_item *it,
			const struct sysctld_entry *vendor)
{
	size_t len = strlen(it->reason);

	if (!vendor || it->action != TUNE_SET || len >= sizeof(it->reason) - 1)
		return;
	snprintf(it->reason + len, sizeof(it->reason) - len,
		 "%sover the distribution's default in %s:%d (= %s)", len ? "; " : "",
		 sysctld_file(&env->sysctld, vendor), vendor->line, vendor->value);
}

/*
 * A device reset put the driver's default back on a knob perfagent set: not
 * an administrator's change, so it is set again (and the reason says so).
 */
static bool reset_restored(const struct tune_ctx *ctx, const struct journal_entry *e,
			   struct tune_item *it)
{
	char ifname[KNOB_ID_MAX], orig[KNOB_VALUE_MAX];

	if (!ctx->reset_devices || e->state != JOURNAL_APPLIED || entry_owns(e, it->current) ||
	    !knob_id_device(it->knob.id, "ethtool", ifname, sizeof(ifname)))
		return false;
	entry_original(e, orig, sizeof(orig));
	if (!tune_values_equal(it->current, orig))
		return false;
	for (size_t i = 0; ctx->reset_devices[i]; i++) {
		if (!strcmp(ctx->reset_devices[i], ifname)) {
			set_fmt(it->knob.note, sizeof(it->knob.note), "%s reset: the driver restored "
				"%s; set again", ifname, orig);
			return true;
		}
	}
	return false;
}

static void skip_overridden(const struct journal_entry *e, struct tune_item *it)
{
	item_skip(it, TUNE_SKIP_OVERRIDDEN, "changed by an administrator after perfagent %s it "
		  "(%s -> %s); not fought", e->state == JOURNAL_KEPT ? "found" : "set",
		  entry_value(e), it->current);
}

/*
 * Whether someone moved a knob perfagent applied past its value (a ">" knob
 * raised further, a "<" one lowered further): still honoured, so kept as it
 * is; but theirs, so never written over (nor restored by revert).
 */
static bool moved_past(const struct journal_entry *e, const char *live)
{
	return (e->state == JOURNAL_APPLIED || e->state == JOURNAL_KEPT) &&
	       !tune_values_equal(live, e->applied);
}

static void eval_value(struct tune_env *env, struct tune_item *it)
{
	char text[TUNE_REASON_MAX];
	const struct sysctld_entry *vendor;
	const struct sysctld_entry *sd = admin_setting(env, it, &vendor);
	const struct journal_entry *e = journal_find(&env->journal, it->knob.id);

	if (sd)
		item_skip(it, TUNE_SKIP_SYSCTLD, "set by %s:%d (= %s); not overridden",
			  sysctld_file(&env->sysctld, sd), sd->line, sd->value);
	else if (e && reset_restored(env->ctx, e, it))
		eval_action(e, it);
	else if (e && entry_writer_unknown(e, it->current))
		item_skip(it, TUNE_SKIP_UNKNOWN_WRITER, "%s", unknown_writer_text(e, it->current,
			  "not touched", text, sizeof(text)));
	else if (e && !entry_owns(e, it->current))
		skip_overridden(e, it);
	else {
		eval_action(e, it);
		if (e && it->action == TUNE_SET && moved_past(e, it->current))
			skip_overridden(e, it);
	}
	if (!sd)
		note_vendor(env, it, vendor);
}

/* ---- held knobs (knob.h: PM QoS) ---- */

/* The microseconds a held item wants (a number: checked on load, or the backend's). */
static int32_t held_value(const struct tune_item *it)
{
	long long us = strtoll(it->wanted, NULL, 10);

	return us < 0 || us > PMQOS_NO_LIMIT ? -1 : (int32_t)us;
}

/*
 * Nothing to compare with sysctl.d or a journal: the daemon holds it (set)
 * or holds it already (keep); a process without a holder cannot (skip).
 */
static void eval_held(const struct tune_env *env, struct tune_item *it)
{
	const struct pmqos *q = env->ctx->pmqos;
	const char *sep = it->knob.note[0] ? "; " : "";
	long long now = strtoll(it->current, NULL, 10);

	if (!q) {
		item_skip(it, TUNE_SKIP_DAEMON_ONLY, "held only by the daemon while it runs "
			  "(mode = apply): the kernel drops the request when its holder exits, "
			  "so a one-shot apply cannot keep it%s%s", sep, it->knob.note);
		return;
	}
	snprintf(it->desired, sizeof(it->desired), "%s", it->wanted);
	it->action = pmqos_holds(q, held_value(it)) ? TUNE_KEEP : TUNE_SET;
	set_fmt(it->reason, sizeof(it->reason), "%s%s%s%s", it->action == TUNE_KEEP ?
		"held by the daemon" : "held open by the daemon while it runs", sep, it->knob.note,
		now < held_value(it) ? "; a lower limit held by another process is in force" : "");
}

static void eval_item(struct tune_env *env, struct tune_item *it)
{
	const char *glob = tune_excluded_by(env->ctx->exclude, it->knob.id);
	char where[KNOB_PATH_MAX];
	struct knob_value v;
	int ret = -ENOENT;

	it->action = TUNE_SKIP;
	it->skip = TUNE_SKIP_NONE;
	it->result = TUNE_RES_NONE;
	it->current[0] = it->desired[0] = it->reason[0] = it->error[0] = '\0';
	free(it->original);
	it->original = NULL;
	if (!it->knob.skip[0]) {
		ret = knob_read(env->ctx->paths, &it->knob, &v);
		if (!ret) {
			strcpy(it->current, v.norm);
			it->original = v.original;
			v.original = NULL;
		}
		knob_value_free(&v);
	}
	if (it->knob.skip[0])
		item_skip(it, TUNE_SKIP_NOT_APPLICABLE, "%s", it->knob.skip);
	else if (glob)
		item_skip(it, TUNE_SKIP_EXCLUDED, "excluded by config (exclude = %s)", glob);
	else if (ret == -ENOENT)
		item_skip(it, TUNE_SKIP_MISSING, "missing on this kernel");
	else if (ret == -ENODEV)
		item_skip(it, TUNE_SKIP_MISSING, "no such interface in this network namespace");
	else if (ret == -EOPNOTSUPP)
		item_skip(it, TUNE_SKIP_UNSUPPORTED, "not supported by the driver");
	else if (ret == -E2BIG)
		item_skip(it, TUNE_SKIP_UNREADABLE, "current value longer than %d bytes",
			  KNOB_VALUE_MAX - 1);
	else if (ret == -EILSEQ)
		item_skip(it, TUNE_SKIP_UNREADABLE, "%s holds a NUL or control byte: not a value "
			  "the journal can keep to restore; left alone",
			  knob_where(&it->knob, where, sizeof(where)));
	else if (ret)
		item_skip(it, TUNE_SKIP_UNREADABLE, "cannot read %s: %s",
			  knob_where(&it->knob, where, sizeof(where)), util_file_strerror(ret));
	else if (knob_kind_is_held(it->knob.kind))
		eval_held(env, it);
	else
		eval_value(env, it);
}

static void plan_count(struct tune_plan *plan)
{
	struct tune_counts *c = &plan->counts;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < plan->n; i++) {
		const struct tune_item *it = &plan->items[i];

		if (it->action == TUNE_SET && plan->applied) {
			c->applied += it->result == TUNE_RES_APPLIED;
			c->failed += it->result == TUNE_RES_FAILED;
		} else if (it->action == TUNE_SET) {
			c->set++;
		} else if (it->action == TUNE_KEEP) {
			c->kept++;
		} else {
			c->skipped++;
			c->excluded += it->skip == TUNE_SKIP_EXCLUDED;
			c->overridden += it->skip == TUNE_SKIP_OVERRIDDEN;
			c->unknown_writer += it->skip == TUNE_SKIP_UNKNOWN_WRITER;
		}
	}
}

int tune_plan(const struct tune_ctx *ctx, const struct profile *p, struct tune_plan *plan)
{
	struct tune_env env;
	char err[TUNE_MSG_MAX] = "";
	int ret;

	memset(plan, 0, sizeof(*plan));
	set_str(plan->profile, sizeof(plan->profile), p->name);
	ret = plan_build(p, ctx, plan);
	if (!ret)
		ret = plan_derive(ctx, plan);
	if (ret) {
		set_fmt(plan->error, sizeof(plan->error), "cannot plan profile %s: %s", p->name,
			strerror(-ret));
		return ret;
	}
	/* Read-only: what would stop an apply is only a note here. */
	if (env_open(ctx, &env, false, plan->note, sizeof(plan->note), err, sizeof(err)) &&
	    !plan->note[0])
		set_str(plan->note, sizeof(plan->note), err);
	for (size_t i = 0; i < plan->n; i++)
		eval_item(&env, &plan->items[i]);
	env_close(&env);
	plan_count(plan);
	return 0;
}

void tune_plan_free(struct tune_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		free(plan->items[i].original);
	free(plan->items);
	plan->items = NULL;
	plan->n = plan->cap = 0;
}

/* ---- the lock ---- */

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* flock on STATE_DIR/tune.lock: the CLI and the daemon never interleave. */
static int tune_lock(const struct tune_ctx *ctx, int *fdp, char *err, size_t errsz)
{
	unsigned int timeout = ctx->lock_timeout_ms ? ctx->lock_timeout_ms : TUNE_LOCK_TIMEOUT_MS;
	uint64_t deadline = util_now_mono_ms() + timeout;
	char path[PATH_MAX];
	int fd, ret;

	*fdp = -1;
	ret = util_mkdir_p(ctx->paths->state_dir, 0755);
	if (!ret)
		ret = util_join(path, sizeof(path), "%s/tune.lock", ctx->paths->state_dir);
	if (ret) {
		set_fmt(err, errsz, "cannot create the state directory %s: %s",
			ctx->paths->state_dir, strerror(-ret));
		return ret;
	}
	/* O_NOFOLLOW: a symlink planted as tune.lock never makes root create a file elsewhere. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOTDIR)
			set_fmt(err, errsz, "the state directory %s is not a directory: remove it, "
				"or choose another (--state-dir, PERFAGENT_STATE_DIR)",
				ctx->paths->state_dir);
		else
			set_fmt(err, errsz, "cannot open %s: %s", path, strerror(-ret));
		return ret;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			ret = -errno;
			set_fmt(err, errsz, "cannot lock %s: %s", path, strerror(-ret));
			close(fd);
			return ret;
		}
		if (util_now_mono_ms() >= deadline) {
			set_fmt(err, errsz, "another perfagent apply or revert holds %s (waited %u ms); "
				"try again when it has finished", path, timeout);
			close(fd);
			return -EBUSY;
		}
		sleep_ms(50);
	}
	/* Under the lock: what a killed apply or revert left half-written goes. */
	util_remove_stale_temps(ctx->paths->state_dir);
	*fdp = fd;
	return 0;
}

/* The knob a journal entry is about. */
static void entry_knob(const struct journal_entry *e, struct knob *k)
{
	memset(k, 0, sizeof(*k));
	k->kind = KNOB_SYSCTL;
	strcpy(k->id, e->id);
	strcpy(k->path, e->path);
	knob_kind_of_id(e->id, &k->kind);
}

/* Reads the live value of a journal entry's knob into live. */
static int read_entry(const struct tune_ctx *ctx, const struct journal_entry *e, char *live)
{
	struct knob k;
	struct knob_value v;
	int ret;

	entry_knob(e, &k);
	ret = knob_read(ctx->paths, &k, &v);
	if (!ret)
		strcpy(live, v.norm);
	knob_value_free(&v);
	return ret;
}

/* journal_filter() callback: entries marked done (an empty id) go. */
static bool entry_still_needed(const struct journal_entry *e, void *arg)
{
	return e->id[0] != '\0';
}

/* ---- apply ---- */

/* Settles the entry of a knob found right: an interrupted or failed apply
 * or revert either wrote it (applied) or has nothing left to do (kept). */
static void settle_entry(struct journal_entry *e, const struct tune_item *it, bool *dirty)
{
	char orig[KNOB_VALUE_MAX];

	if (e->state != JOURNAL_PENDING && e->state != JOURNAL_FAILED &&
	    e->state != JOURNAL_REVERTING)
		return;
	entry_original(e, orig, sizeof(orig));
	e->state = tune_values_equal(it->current, orig) ? JOURNAL_KEPT : JOURNAL_APPLIED;
	strcpy(e->desired, it->current);
	strcpy(e->applied, it->current);
	e->n_unconfirmed = 0;   /* the knob holds what it should: settled */
	e->error[0] = '\0';
	*dirty = true;
}

/* Whether the plan sets or keeps knob id (record_item() journals it). */
static bool planned(const struct tune_plan *plan, const char *id)
{
	for (size_t i = 0; i < plan->n; i++) {
		if (!strcmp(plan->items[i].knob.id, id))
			return plan->items[i].action != TUNE_SKIP;
	}
	return false;
}

/*
 * Entries an interrupted or failed apply or revert left unsettled, for knobs
 * this plan does not set (another profile, an exclude, a sysctl.d line):
 * no apply will settle them. One whose knob holds its original goes (nothing
 * of perfagent's is there); one holding a value perfagent wrote is applied
 * (revert restores it). Any other value stays as it is: verify and revert
 * say they cannot tell who wrote it.
 */
static void settle_unplanned(const struct tune_ctx *ctx, const struct tune_plan *plan,
			     struct journal *j, bool *dirty)
{
	char live[KNOB_VALUE_MAX], orig[KNOB_VALUE_MAX];

	for (size_t i = 0; i < j->n; i++) {
		struct journal_entry *e = &j->entries[i];

		if (e->state == JOURNAL_APPLIED || e->state == JOURNAL_KEPT ||
		    planned(plan, e->id) || read_entry(ctx, e, live))
			continue;
		entry_original(e, orig, sizeof(orig));
		if (tune_values_equal(live, orig)) {
			e->id[0] = '\0';
		} else if (entry_may_have_written(e, live)) {
			e->state = JOURNAL_APPLIED;
			strcpy(e->applied, live);
			e->n_unconfirmed = 0;
			e->error[0] = '\0';
		} else {
			continue;
		}
		*dirty = true;
	}
	journal_filter(j, entry_still_needed, NULL);
}

/* Journals a knob before it is written, or records it as kept. */
static int record_item(struct journal *j, const struct tune_item *it, bool *dirty)
{
	struct journal_entry *e = journal_find(j, it->knob.id);

	/* A held knob has nothing to write back: releasing it is its revert. */
	if (it->action == TUNE_SKIP || knob_kind_is_held(it->knob.kind))
		return 0;
	if (e && it->action == TUNE_KEEP) {
		settle_entry(e, it, dirty);
		return 0;
	}
	if (!e) {
		/* The first original of this boot is the true one: never replaced. */
		e = journal_add(j, it->knob.id, it->original);
		if (!e)
			return -ENOMEM;
		strcpy(e->path, it->knob.path);
	}
	e->op = it->op;
	e->error[0] = '\0';
	if (it->action == TUNE_KEEP) {
		e->state = JOURNAL_KEPT;
		strcpy(e->desired, it->current);
		strcpy(e->applied, it->current);
	} else {
		/* An interrupted apply may have written the old desired value. */
		if (e->state == JOURNAL_PENDING && e->desired[0] &&
		    !tune_values_equal(e->desired, it->desired))
			journal_entry_unconfirmed_add(e, e->desired);
		e->state = JOURNAL_PENDING;
		strcpy(e->desired, it->desired);
	}
	*dirty = true;
	return 0;
}

static void write_failed(struct tune_item *it, struct journal_entry *e)
{
	it->result = TUNE_RES_FAILED;
	e->state = JOURNAL_FAILED;
	set_str(e->error, sizeof(e->error), it->error);
}

/* Writes one knob and reads it back; the outcome goes to it and e. */
static void write_item(const struct tune_ctx *ctx, struct tune_item *it, struct journal_entry *e)
{
	char data[KNOB_VALUE_MAX + 1], where[KNOB_PATH_MAX];
	struct knob_value v;
	int ret;

	if (util_join(data, sizeof(data), "%s\n", it->desired))
		ret = -E2BIG;
	else
		ret = knob_write(ctx->paths, &it->knob, data);
	if (ret) {
		set_fmt(it->error, sizeof(it->error), "cannot write '%s' to %s: %s", it->desired,
			knob_where(&it->knob, where, sizeof(where)),
			ret == -EOPNOTSUPP ? "not supported by the driver" : util_file_strerror(ret));
		write_failed(it, e);
		return;
	}
	ret = knob_read(ctx->paths, &it->knob, &v);
	if (ret) {
		set_fmt(it->error, sizeof(it->error), "written, but cannot read it back: %s",
			strerror(-ret));
		strcpy(v.norm, it->desired);
	} else if (tune_values_equal(v.norm, it->current) &&
		   !tune_values_equal(v.norm, it->desired)) {
		set_fmt(it->error, sizeof(it->error), "written, but the kernel kept %s", v.norm);
		knob_value_free(&v);
		write_failed(it, e);
		return;
	} else if (!tune_values_equal(v.norm, it->desired)) {
		set_fmt(it->error, sizeof(it->error), "the kernel stores %s instead", v.norm);
	}
	it->result = TUNE_RES_APPLIED;
	e->state = JOURNAL_APPLIED;
	strcpy(e->applied, v.norm);
	e->n_unconfirmed = 0;   /* read back: what earlier applies wrote is gone */
	knob_value_free(&v);
}

/* Holds a held knob through the context's holder (there is one: it is set). */
static void hold_item(const struct tune_ctx *ctx, struct tune_item *it)
{
	int ret = pmqos_hold(ctx->pmqos, ctx->paths, held_value(it));

	if (ret) {
		set_fmt(it->error, sizeof(it->error), "cannot hold %s us on %s: %s", it->desired,
			it->knob.path, ret == -EINVAL ? "not a latency the kernel takes "
			"(0..2000000000 us)" : util_file_strerror(ret));
		it->result = TUNE_RES_FAILED;
		return;
	}
	it->result = TUNE_RES_APPLIED;
}

/* The holder keeps only what the applied plan holds: a hold it dropped goes. */
static void release_dropped(const struct tune_ctx *ctx, const struct tune_plan *plan)
{
	if (!ctx->pmqos)
		return;
	for (size_t i = 0; i < plan->n; i++) {
		const struct tune_item *it = &plan->items[i];

		if (knob_kind_is_held(it->knob.kind) && (it->action == TUNE_KEEP ||
		    (it->action == TUNE_SET && it->result == TUNE_RES_APPLIED)))
			return;
	}
	pmqos_release(ctx->pmqos);
}

static void apply_writes(const struct tune_ctx *ctx, struct tune_plan *plan, struct journal *j)
{
	for (size_t i = 0; i < plan->n; i++) {
		struct tune_item *it = &plan->items[i];
		struct journal_entry *e;

		if (it->action != TUNE_SET)
			continue;
		if (knob_kind_is_held(it->knob.kind)) {
			hold_item(ctx, it);
			continue;
		}
		e = journal_find(j, it->knob.id);
		if (e)  /* always there: record_item() put it */
			write_item(ctx, it, e);
	}
	release_dropped(ctx, plan);
}

int tune_apply(const struct tune_ctx *ctx, struct tune_plan *plan)
{
	struct tune_env env;
	bool dirty = false;
	int lockfd, ret;

	plan->error[0] = plan->note[0] = '\0';
	ret = tune_lock(ctx, &lockfd, plan->error, sizeof(plan->error));
	if (ret)
		return ret;
	ret = env_open(ctx, &env, true, plan->note, sizeof(plan->note), plan->error,
		       sizeof(plan->error));
	if (ret)
		goto out;
	/* The plan may be old: what counts is what the knobs hold now. */
	for (size_t i = 0; i < plan->n; i++)
		eval_item(&env, &plan->items[i]);
	set_str(env.journal.profile, sizeof(env.journal.profile), plan->profile);
	for (size_t i = 0; i < plan->n && !ret; i++)
		ret = record_item(&env.journal, &plan->items[i], &dirty);
	if (!plan->partial)
		settle_unplanned(ctx, plan, &env.journal, &dirty);
	if (!ret && dirty)
		ret = journal_save(ctx->paths, &env.journal);
	if (ret) {
		set_fmt(plan->error, sizeof(plan->error), "cannot write the journal in %s: %s; "
			"nothing was changed", ctx->paths->state_dir, strerror(-ret));
		goto out;
	}
	apply_writes(ctx, plan, &env.journal);
	plan->applied = true;
	if (dirty && journal_save(ctx->paths, &env.journal))
		set_fmt(plan->note, sizeof(plan->note), "cannot record the results in the journal "
			"in %s; its entries stay pending, which apply, verify and revert resolve",
			ctx->paths->state_dir);
out:
	env_close(&env);
	close(lockfd);
	plan_count(plan);
	return ret;
}

/* ---- verify and revert ---- */

static struct tune_report_item *report_add_knob(struct tune_report *r, const char *id,
						const char *path)
{
	struct tune_report_item *it;

	it = array_grow(r->items, &r->cap, r->n + 1, sizeof(*it), 32);
	if (!it)
		return NULL;
	r->items = it;
	it = &r->items[r->n++];
	memset(it, 0, sizeof(*it));
	set_str(it->id, sizeof(it->id), id);
	set_str(it->path, sizeof(it->path), path);
	return it;
}

static struct tune_report_item *report_add(struct tune_report *r, const struct journal_entry *e)
{
	struct tune_report_item *it = report_add_knob(r, e->id, e->path);

	if (it)
		it->changed = e->state == JOURNAL_APPLIED;
	return it;
}

static void report_count(struct tune_report *r)
{
	struct tune_counts *c = &r->counts;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < r->n; i++) {
		enum tune_status st = r->items[i].status;

		c->ok += st == TUNE_ST_OK;
		c->overridden += st == TUNE_ST_OVERRIDDEN;
		c->restored += st == TUNE_ST_RESTORED;
		c->unchanged += st == TUNE_ST_UNCHANGED || (r->revert && st == TUNE_ST_MISSING);
		c->failed += st == TUNE_ST_FAILED;
		c->unknown_writer += st == TUNE_ST_UNKNOWN_WRITER;
		c->drifted += !r->revert && st != TUNE_ST_OK;
	}
}

/* Loads this boot's journal for verify or revert; have_journal says if any. */
static int report_open(const struct tune_ctx *ctx, struct tune_report *r, struct journal *j,
		       bool locked)
{
	const char *what = r->revert ? "to revert" : "applied";
	char msg[TUNE_MSG_MAX];
	int ret;

	journal_init(j, "", "");
	ret = inventory_boot_id(ctx->paths, r->boot_id, sizeof(r->boot_id));
	if (ret) {
		set_fmt(r->error, sizeof(r->error), "cannot read the boot id (%s/proc/sys/kernel/"
			"random/boot_id): %s", ctx->paths->sysroot, boot_id_strerror(ret));
		return ret;
	}
	ret = journal_load(ctx->paths, j, locked, msg, sizeof(msg));
	if (ret == -ENOENT) {
		set_fmt(r->note, sizeof(r->note), "nothing %s: no journal in %s%s", what,
			ctx->paths->state_dir, r->revert ? "" : ": the host has its own "
			"settings (never applied, reverted, or mode = advise)");
		return 0;
	}
	if (ret) {
		set_str(r->error, sizeof(r->error), msg);
		return ret;
	}
	if (strcmp(j->sysroot, ctx->paths->sysroot)) {
		set_fmt(r->error, sizeof(r->error), "the journal in %s was written for root '%s', "
			"not '%s'", ctx->paths->state_dir, j->sysroot, ctx->paths->sysroot);
		return -EXDEV;
	}
	if (strcmp(j->boot_id, r->boot_id)) {
		set_fmt(r->note, sizeof(r->note), "nothing %s in this boot: the journal is from boot "
			"%s, whose changes the reboot undid%s", what, j->boot_id, r->revert ? "" :
			"; the host has its own settings until the next apply");
		return 0;
	}
	r->have_journal = true;
	set_str(r->profile, sizeof(r->profile), j->profile);
	return 0;
}

static void verify_entry(const struct tune_ctx *ctx, const struct journal_entry *e,
			 struct tune_report_item *it)
{
	bool done = e->state == JOURNAL_APPLIED || e->state == JOURNAL_KEPT;
	int ret = read_entry(ctx, e, it->live);

	strcpy(it->expected, done ? e->applied : e->desired);
	it->status = TUNE_ST_OK;
	if (ret == -ENOENT || ret == -ENODEV) {
		it->status = TUNE_ST_MISSING;
		set_str(it->detail, sizeof(it->detail), "missing now (device or module gone?)");
	} else if (ret) {
		it->status = TUNE_ST_MISSING;
		set_fmt(it->detail, sizeof(it->detail), "cannot read: %s", util_file_strerror(ret));
	} else if (done && !satisfies(e->op, it->live, e->applied)) {
		it->status = TUNE_ST_OVERRIDDEN;
		set_fmt(it->detail, sizeof(it->detail), "changed after perfagent %s it (%s -> %s)",
			e->state == JOURNAL_KEPT ? "found" : "set", e->applied, it->live);
	} else if (entry_writer_unknown(e, it->live)) {
		it->status = TUNE_ST_UNKNOWN_WRITER;
		unknown_writer_text(e, it->live, "apply or revert will not touch it", it->detail,
				    sizeof(it->detail));
	} else if (e->state == JOURNAL_REVERTING) {
		it->status = TUNE_ST_NOT_APPLIED;
		set_str(it->detail, sizeof(it->detail), "a revert was interrupted or could not "
			"record its end (the knob may hold its original); revert again to finish, "
			"or apply");
	} else if (e->state == JOURNAL_PENDING && !tune_values_equal(it->live, e->desired)) {
		it->status = TUNE_ST_NOT_APPLIED;
		set_str(it->detail, sizeof(it->detail), "an apply was interrupted before writing "
			"it; apply again");
	} else if (e->state == JOURNAL_FAILED) {
		it->status = TUNE_ST_NOT_APPLIED;
		set_fmt(it->detail, sizeof(it->detail), "apply failed: %s", e->error);
	}
}

int tune_verify(const struct tune_ctx *ctx, struct tune_report *r)
{
	struct journal j;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = report_open(ctx, r, &j, false);
	for (size_t i = 0; !ret && r->have_journal && i < j.n; i++) {
		struct tune_report_item *it = report_add(r, &j.entries[i]);

		if (!it)
			ret = -ENOMEM;
		else
			verify_entry(ctx, &j.entries[i], it);
	}
	if (ret == -ENOMEM)
		set_str(r->error, sizeof(r->error), "out of memory");
	journal_free(&j);
	report_count(r);
	return ret;
}

bool tune_verify_ok(const struct tune_report *r)
{
	/* Nothing applied in this boot is a state of the host, not drift. */
	return !r->error[0] && r->counts.drifted == 0;
}

/* Whether the live value is perfagent's, so that revert may replace it. */
static bool revert_owns(const struct journal_entry *e, const char *live)
{
	if (e->state == JOURNAL_APPLIED)
		return tune_values_equal(live, e->applied);
	return entry_may_have_written(e, live);
}

/* Restores one knob. Returns whether its entry must stay in the journal. */
static bool revert_entry(const struct tune_ctx *ctx, const struct journal_entry *e,
			 struct tune_report_item *it)
{
	int ret = read_entry(ctx, e, it->live);
	struct knob k;

	entry_knob(e, &k);
	entry_original(e, it->expected, sizeof(it->expected));
	it->status = TUNE_ST_UNCHANGED;
	if (ret == -ENOENT || ret == -ENODEV) {
		it->status = TUNE_ST_MISSING;
		set_str(it->detail, sizeof(it->detail), "missing now; nothing to restore");
	} else if (ret) {
		it->status = TUNE_ST_FAILED;
		set_fmt(it->detail, sizeof(it->detail), "cannot read: %s", util_file_strerror(ret));
	} else if (e->state == JOURNAL_KEPT) {
		set_str(it->detail, sizeof(it->detail), "was already set; nothing to restore");
	} else if (tune_values_equal(it->live, it->expected)) {
		set_str(it->detail, sizeof(it->detail), "already at its original value");
	} else if (entry_writer_unknown(e, it->live)) {
		it->status = TUNE_ST_UNKNOWN_WRITER;
		unknown_writer_text(e, it->live, "left alone and kept in the journal; write the "
				    "original back by hand if the value is perfagent's",
				    it->detail, sizeof(it->detail));
	} else if (!revert_owns(e, it->live)) {
		it->status = TUNE_ST_OVERRIDDEN;
		set_fmt(it->detail, sizeof(it->detail), "changed by an administrator after "
			"perfagent set it (%s -> %s); left alone", entry_value(e), it->live);
	} else if ((ret = knob_write(ctx->paths, &k, e->original))) {
		it->status = TUNE_ST_FAILED;
		set_fmt(it->detail, sizeof(it->detail), "cannot write the original back: %s",
			util_file_strerror(ret));
	} else {
		char now[KNOB_VALUE_MAX] = "";

		read_entry(ctx, e, now);
		it->status = tune_values_equal(now, it->expected) ? TUNE_ST_RESTORED :
			     TUNE_ST_FAILED;
		if (it->status == TUNE_ST_FAILED)
			set_fmt(it->detail, sizeof(it->detail), "wrote the original back, but the "
				"kernel reads %s", now);
	}
	/* The original stays recorded wherever revert could not settle the knob. */
	return it->status == TUNE_ST_FAILED || it->status == TUNE_ST_UNKNOWN_WRITER;
}

/*
 * Held knobs are not in the journal: the holder lets go of what it holds;
 * a process without one can only say that a limit is in force.
 */
static void revert_held(const struct tune_ctx *ctx, struct tune_report *r)
{
	struct tune_report_item *it;
	size_t len = strlen(r->note);
	int32_t us;

	if (!ctx->pmqos && !pmqos_read(ctx->paths, &us) && us < PMQOS_NO_LIMIT) {
		set_fmt(r->note + len, sizeof(r->note) - len, "%sa CPU latency limit of %d us is in "
			"force (PM QoS, %s): a running process holds it (perfagent's daemon does, "
			"for a profile with [pmqos]) until it closes the device or exits",
			len ? "; " : "", us, PMQOS_DEVICE);
		return;
	}
	if (!ctx->pmqos || !ctx->pmqos->held)
		return;
	it = report_add_knob(r, PMQOS_KNOB_ID, PMQOS_DEVICE);
	if (it) {
		snprintf(it->live, sizeof(it->live), "%d", ctx->pmqos->latency_us);
		it->status = TUNE_ST_RESTORED;
		set_str(it->detail, sizeof(it->detail), "released: the kernel dropped the daemon's "
			"request");
	}
	pmqos_release(ctx->pmqos);
	if (!r->have_journal) {     /* the note says why there is nothing else */
		char why[TUNE_MSG_MAX];

		set_str(why, sizeof(why), r->note);
		set_fmt(r->note, sizeof(r->note), "the PM QoS hold was released; %s", why);
	}
}

/*
 * Marks the applied entries "reverting" and saves that before any write, so
 * that a revert killed half way, or unable to record its end, leaves a
 * journal calling both the original and perfagent's values its own (apply
 * and revert then finish the job instead of taking the restored knobs for
 * an administrator's). Pending and failed entries already count both as
 * perfagent's, and keep their own rule for a value nobody can account for.
 * was[] keeps the states they had, by which revert judges them. A journal
 * that cannot be written (a full disk) does not stop the revert, whose
 * end, removing the journal, still works there: the note says what an
 * interruption would then leave.
 */
static int mark_reverting(const struct tune_ctx *ctx, struct journal *j,
			  enum journal_state **was, struct tune_report *r)
{
	size_t marked = 0, len;
	int ret;

	*was = calloc(j->n ? j->n : 1, sizeof(**was));
	if (!*was) {
		set_str(r->error, sizeof(r->error), "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < j->n; i++) {
		(*was)[i] = j->entries[i].state;
		if (j->entries[i].state == JOURNAL_APPLIED) {
			j->entries[i].state = JOURNAL_REVERTING;
			marked++;
		}
	}
	ret = marked ? journal_save(ctx->paths, j) : 0;
	len = strlen(r->note);
	if (ret && len < sizeof(r->note) - 1)
		snprintf(r->note + len, sizeof(r->note) - len, "%scould not mark the journal in "
			 "%.200s before writing (%s): had this revert been interrupted, the knobs it "
			 "restored would have read as changed by someone else", len ? "; " : "",
			 ctx->paths->state_dir, strerror(-ret));
	return 0;
}

int tune_revert(const struct tune_ctx *ctx, struct tune_report *r)
{
	enum journal_state *was = NULL;
	struct journal j = { 0 };
	int lockfd, ret, sret;

	memset(r, 0, sizeof(*r));
	r->revert = true;
	ret = tune_lock(ctx, &lockfd, r->error, sizeof(r->error));
	if (ret)
		return ret;
	ret = report_open(ctx, r, &j, true);
	revert_held(ctx, r);
	if (ret || !r->have_journal)
		goto out;
	ret = mark_reverting(ctx, &j, &was, r);
	if (ret)
		goto out;
	for (size_t i = 0; i < j.n && !ret; i++) {
		struct tune_report_item *it;

		/* Judged as it was before the mark; kept as it was when not settled. */
		j.entries[i].state = was[i];
		it = report_add(r, &j.entries[i]);
		if (!it)
			ret = -ENOMEM;
		else if (!revert_entry(ctx, &j.entries[i], it))
			j.entries[i].id[0] = '\0';
	}
	journal_filter(&j, entry_still_needed, NULL);
	sret = j.n ? journal_save(ctx->paths, &j) : journal_remove(ctx->paths);
	if (sret)
		set_fmt(r->error, sizeof(r->error), "cannot update the journal in %s: %s",
			ctx->paths->state_dir, strerror(-sret));
	else if (ret)
		set_str(r->error, sizeof(r->error), "out of memory");
	ret = ret ? ret : sret;
out:
	free(was);
	journal_free(&j);
	close(lockfd);
	report_count(r);
	return ret;
}

/* "ethtool:OLD:rx_ring" -> "ethtool:NEW:rx_ring", "/sys/class/net/OLD/..." -> ".../NEW/...". */
static int rename_entry(struct journal_entry *e, size_t prefix_len, const char *kind,
			const char *name, const char *new_name)
{
	char id[KNOB_ID_MAX], path[KNOB_PATH_MAX], old_dir[KNOB_PATH_MAX];
	size_t dir_len;

	if (util_join(id, sizeof(id), "%s:%s:%s", kind, new_name, e->id + prefix_len))
		return -ENAMETOOLONG;
	snprintf(old_dir, sizeof(old_dir), "/sys/class/net/%s", name);
	dir_len = strlen(old_dir);
	if (!strncmp(e->path, old_dir, dir_len) &&
	    (e->path[dir_len] == '/' || e->path[dir_len] == '\0')) {
		if (util_join(path, sizeof(path), "/sys/class/net/%s%s", new_name,
			      e->path + dir_len))
			return -ENAMETOOLONG;
		strcpy(e->path, path);
	}
	strcpy(e->id, id);
	return 0;
}

int tune_journal_follow(const struct tune_ctx *ctx, const char *kind, const char *name,
			const char *new_name, char *err, size_t errsz)
{
	struct tune_report r = { 0 };
	struct journal j = { 0 };
	char prefix[KNOB_ID_MAX];
	int lockfd, ret, changed = 0;

	if (util_join(prefix, sizeof(prefix), "%s:%s:", kind, name))
		return 0;   /* no knob id can be this long */
	ret = tune_lock(ctx, &lockfd, err, errsz);
	if (ret)
		return ret;
	ret = report_open(ctx, &r, &j, true);
	if (ret)
		set_str(err, errsz, r.error);
	for (size_t i = 0; !ret && r.have_journal && i < j.n; i++) {
		struct journal_entry *e = &j.entries[i];

		if (strncmp(e->id, prefix, strlen(prefix)))
			continue;
		if (!new_name)
			e->id[0] = '\0';
		else if (rename_entry(e, strlen(prefix), kind, name, new_name))
			continue;   /* kept under the old name: revert says it is missing */
		changed++;
	}
	if (changed) {
		journal_filter(&j, entry_still_needed, NULL);
		ret = j.n ? journal_save(ctx->paths, &j) : journal_remove(ctx->paths);
		if (ret)
			set_fmt(err, errsz, "cannot update the journal in %s: %s",
				ctx->paths->state_dir, strerror(-ret));
	}
	journal_free(&j);
	close(lockfd);
	tune_report_free(&r);
	return ret ? ret : changed;
}

void tune_report_free(struct tune_report *r)
{
	free(r->items);
	r->items = NULL;
	r->n = r->cap = 0;
}
