// SPDX-License-Identifier: GPL-2.0-only
/* Other tuning agents (tuned, bpftune) and the knobs they set: see peers.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "core/array.h"
#include "core/util.h"
#include "tune/peers.h"
#include "tune/sysctld.h"

enum { PEER_TUNED, PEER_BPFTUNE, PEER_KINDS };

/* Their process names (comm), in enum order. */
static const char *const peer_comms[PEER_KINDS] = { "tuned", "bpftune" };

/* ---- notes and knobs ---- */

static void note_add(struct peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends to the peer's note ("; " between); a full note ends in "...". */
static void note_add(struct peer *p, const char *fmt, ...)
{
	size_t size = sizeof(p->note), len = strlen(p->note);
	va_list ap;
	int n;

	if (len + 4 >= size)
		return;
	if (len) {
		strcpy(p->note + len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	n = vsnprintf(p->note + len, size - len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - len)
		strcpy(p->note + size - 4, "...");
}

/* Display strings may be cut: "..." marks where. */
static void copy_cut(char *dst, size_t size, const char *src)
{
	if (snprintf(dst, size, "%s", src) >= (int)size && size > 4)
		strcpy(dst + size - 4, "...");
}

/*
 * Sets knob id to value (a later profile layer replaces an earlier one's).
 * Returns 0, -ENOMEM, or -ENOSPC when the peer holds PEERS_KNOBS_MAX already.
 */
static int knob_set(struct peer *p, const char *id, const char *value, const char *source,
		    const char *unit, const char *option)
{
	struct peer_knob *k = NULL;

	for (size_t i = 0; i < p->n_knobs && !k; i++) {
		if (!strcmp(p->knobs[i].id, id))
			k = &p->knobs[i];
	}
	if (!k) {
		if (p->n_knobs >= PEERS_KNOBS_MAX)
			return -ENOSPC;
		k = array_grow(p->knobs, &p->cap_knobs, p->n_knobs + 1, sizeof(*k), 32);
		if (!k)
			return -ENOMEM;
		p->knobs = k;
		k = &p->knobs[p->n_knobs++];
	}
	memset(k, 0, sizeof(*k));
	copy_cut(k->id, sizeof(k->id), id);
	k->computed = !value || strstr(value, "${");
	if (!k->computed)
		copy_cut(k->value, sizeof(k->value), value);
	copy_cut(k->source, sizeof(k->source), source);
	copy_cut(k->unit, sizeof(k->unit), unit ? unit : "");
	copy_cut(k->option, sizeof(k->option), option ? option : "");
	return 0;
}

/* Forgets what earlier layers set in unit: every option, or only option. */
static void knobs_drop(struct peer *p, const char *unit, const char *option)
{
	size_t j = 0;

	for (size_t i = 0; i < p->n_knobs; i++) {
		const struct peer_knob *k = &p->knobs[i];

		if (!strcmp(k->unit, unit) && (!option || !strcmp(k->option, option)))
			continue;
		if (j != i)
			p->knobs[j] = *k;
		j++;
	}
	p->n_knobs = j;
}

const struct peer_knob *peer_knob_for(const struct peer *p, const char *id)
{
	for (size_t i = p->n_knobs; i-- > 0;) {
		if (!strcmp(p->knobs[i].id, id) || !fnmatch(p->knobs[i].id, id, 0))
			return &p->knobs[i];
	}
	return NULL;
}

/* ---- the host, under the sysroot ---- */

/* Whether host path exists (a dangling symlink too: systemd's invocation links are). */
static bool host_exists(const struct pa_paths *paths, const char *host)
{
	char path[PATH_MAX];
	struct stat st;

	return !paths_sys_link(paths, path, sizeof(path), host) && lstat(path, &st) == 0;
}

static ssize_t host_read(const struct pa_paths *paths, const char *host, size_t max, char **text)
{
	char path[PATH_MAX];

	*text = NULL;
	if (paths_sys(paths, path, sizeof(path), host))
		return -ENAMETOOLONG;
	return util_read_file(path, max, text);
}

/* Why a read failed, in words. */
static const char *read_error(ssize_t err, size_t max, char *buf, size_t size)
{
	if (err == -EFBIG)
		snprintf(buf, size, "larger than %zu KiB", max / 1024);
	else
		snprintf(buf, size, "%s", util_file_strerror((int)err));
	return buf;
}

/* "123" -> 123; 0 for anything but a pid. */
static pid_t parse_pid(const char *s)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	return errno || *end || v <= 0 || v > INT_MAX ? 0 : (pid_t)v;
}

/* The comm of a process into buf: 0, or a negative errno (-ENOENT: no such process). */
static int proc_comm(const struct pa_paths *paths, pid_t pid, char *buf, size_t size)
{
	char host[64], path[PATH_MAX];
	ssize_t n;

	snprintf(host, sizeof(host), "/proc/%d/comm", (int)pid);
	if (paths_sys(paths, path, sizeof(path), host))
		return -ENAMETOOLONG;
	n = util_read_line(path, buf, size);
	return n < 0 ? (int)n : 0;
}

/*
 * The first process of each peer's comm (0: none seen). Processes that /proc
 * hides (hidepid, ProtectProc=invisible) are not seen.
 */
static void procs_scan(const struct pa_paths *paths, pid_t pids[PEER_KINDS])
{
	char dir[PATH_MAX], comm[64];
	struct dirent *de;
	DIR *d;

	memset(pids, 0, sizeof(pid_t) * PEER_KINDS);
	if (paths_sys(paths, dir, sizeof(dir), "/proc"))
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		pid_t pid = parse_pid(de->d_name);

		if (!pid || proc_comm(paths, pid, comm, sizeof(comm)))
			continue;
		for (int i = 0; i < PEER_KINDS; i++) {
			if (!pids[i] && !strcmp(comm, peer_comms[i]))
				pids[i] = pid;
		}
	}
	closedir(d);
}

/* Whether systemd has unit active: its invocation link exists from start to stop. */
static bool unit_active(const struct pa_paths *paths, const char *unit, char *evidence,
			size_t size)
{
	char host[128];

	snprintf(host, sizeof(host), "/run/systemd/units/invocation:%s", unit);
	if (!host_exists(paths, host))
		return false;
	snprintf(evidence, size, "%s: %s is active", host, unit);
	return true;
}

/* ---- tuned profiles ---- */

static const char *const tuned_dirs[] = {
	"/etc/tuned/profiles", "/etc/tuned", "/usr/lib/tuned/profiles", "/usr/lib/tuned",
};

#define TUNED_PATH_MAX 160      /* a tuned_dirs entry, a profile name, "/tuned.conf" */
#define TUNED_NAME_MAX 64

/* One unit ([section]) of a tuned.conf and the unit options tuned itself reads. */
struct tconf_unit {
	const char *name;
	const char *type;       /* type=; NULL: the name */
	const char *devices;
	const char *drop;
	bool enabled;
	bool replace;
	bool conditional;       /* cpuinfo_regex or uname_regex */
};

struct tconf_opt {
	size_t unit;
	int line;
	const char *key;
	const char *value;
};

/* A tuned.conf, parsed in place: units and options point into text. */
struct tconf {
	char path[TUNED_PATH_MAX];      /* host path */
	char *text;
	size_t n_units, cap_units;
	struct tconf_unit *units;
	size_t n_opts, cap_opts;
	struct tconf_opt *opts;
	int bad_lines, first_bad;
};

/* One active profile's loading: the include chain and the limits. */
struct tuned_load {
	const struct pa_paths *paths;
	struct peer *p;
	int depth;
	const char *chain[PEERS_INCLUDE_DEPTH];         /* host paths being loaded */
	const char *names[PEERS_INCLUDE_DEPTH];
	int loads;
	bool full;                      /* PEERS_KNOBS_MAX reached (noted once) */
};

/* tuned's own rule for profile names ([a-zA-Z0-9_.-]+), "." and ".." refused. */
static bool tuned_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= TUNED_NAME_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static bool word_in(const char *value, const char *const words[], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcasecmp(value, words[i]))
			return true;
	}
	return false;
}

static bool is_true(const char *v)
{
	static const char *const yes[] = { "1", "true", "yes", "y", "on" };

	return word_in(v, yes, ARRAY_SIZE(yes));
}

static bool is_false(const char *v)
{
	static const char *const no[] = { "0", "false", "no", "n", "off" };

	return word_in(v, no, ARRAY_SIZE(no));
}

static void strip_quotes(char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
		memmove(s, s + 1, n - 2);
		s[n - 2] = '\0';
	}
}

/* "value  # comment" -> "value": tuned reads '#' after a blank as a comment. */
static void strip_comment(char *s)
{
	for (char *p = s; *p; p++) {
		if (*p == '#' && p > s && isspace((unsigned char)p[-1])) {
			*p = '\0';
			break;
		}
	}
	util_strtrim(s);
}

static int tconf_unit_add(struct tconf *c, const char *name)
{
	struct tconf_unit *u = array_grow(c->units, &c->cap_units, c->n_units + 1, sizeof(*u), 8);

	if (!u)
		return -ENOMEM;
	c->units = u;
	u = &c->units[c->n_units++];
	memset(u, 0, sizeof(*u));
	u->name = name;
	u->enabled = true;
	return 0;
}

/* The unit options tuned consumes itself; true when key is one. */
static bool tconf_unit_option(struct tconf_unit *u, const char *key, const char *value)
{
	static const char *const ignored[] = {
		"priority", "prepend", "devices_udev_regex", "script_pre", "script_post",
	};

	if (!strcmp(key, "type"))
		u->type = value;
	else if (!strcmp(key, "devices"))
		u->devices = value;
	else if (!strcmp(key, "drop"))
		u->drop = value;
	else if (!strcmp(key, "enabled"))
		u->enabled = !is_false(value);
	else if (!strcmp(key, "replace"))
		u->replace = is_true(value);
	else if (!strcmp(key, "cpuinfo_regex") || !strcmp(key, "uname_regex"))
		u->conditional = true;
	else
		return word_in(key, ignored, ARRAY_SIZE(ignored));
	return true;
}

static int tconf_opt_add(struct tconf *c, int lineno, const char *key, const char *value)
{
	struct tconf_opt *o = array_grow(c->opts, &c->cap_opts, c->n_opts + 1, sizeof(*o), 32);

	if (!o)
		return -ENOMEM;
	c->opts = o;
	c->opts[c->n_opts++] = (struct tconf_opt){ c->n_units - 1, lineno, key, value };
	return 0;
}

static void tconf_bad(struct tconf *c, int lineno)
{
	if (!c->bad_lines++)
		c->first_bad = lineno;
}

/* One line, parsed in place: "[unit]", "key = value", a comment or a blank. */
static int tconf_line(struct tconf *c, int lineno, char *line)
{
	char *eq, *key, *value, *end;

	util_strtrim(line);
	if (!*line || *line == '#' || *line == ';')
		return 0;
	if (*line == '[') {
		end = strchr(line, ']');
		if (!end || end[1] || end == line + 1) {
			tconf_bad(c, lineno);
			return 0;
		}
		*end = '\0';
		return tconf_unit_add(c, util_strtrim(line + 1));
	}
	eq = strchr(line, '=');
	if (!eq || eq == line || !c->n_units) {
		tconf_bad(c, lineno);
		return 0;
	}
	*eq = '\0';
	key = util_strtrim(line);
	value = eq + 1;
	strip_comment(value);
	strip_quotes(value);
	if (tconf_unit_option(&c->units[c->n_units - 1], key, value))
		return 0;
	return tconf_opt_add(c, lineno, key, value);
}

static void tconf_free(struct tconf *c)
{
	free(c->text);
	free(c->units);
	free(c->opts);
	c->text = NULL;
	c->units = NULL;
	c->opts = NULL;
}

/* Reads and parses c->path; a file that cannot be read is a note (c->text NULL). */
static int tconf_read(struct tuned_load *l, struct tconf *c)
{
	char why[128], *line, *next;
	int lineno = 0, ret = 0;
	ssize_t n;

	n = host_read(l->paths, c->path, PEERS_FILE_MAX, &c->text);
	if (n < 0) {
		note_add(l->p, "cannot read %s: %s", c->path,
			 read_error(n, PEERS_FILE_MAX, why, sizeof(why)));
		return n == -ENOMEM ? -ENOMEM : 0;
	}
	for (line = c->text; line && !ret; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		ret = tconf_line(c, ++lineno, line);
	}
	if (c->bad_lines)
		note_add(l->p, "%s: %d line%s not understood (first: line %d)", c->path,
			 c->bad_lines, c->bad_lines == 1 ? "" : "s", c->first_bad);
	return ret;
}

static const char *tconf_main_option(const struct tconf *c, const char *key)
{
	const char *v = NULL;

	for (size_t i = 0; i < c->n_opts; i++) {
		const struct tconf_opt *o = &c->opts[i];

		if (!strcmp(c->units[o->unit].name, "main") && !strcmp(o->key, key))
			v = o->value;
	}
	return v;
}

/* Records one knob of option o; the first time the peer is full, says so. */
static int tuned_put(struct tuned_load *l, const struct tconf *c, const struct tconf_opt *o,
		     const char *id, const char *value)
{
	char source[PEER_TEXT_MAX];
	int ret;

	snprintf(source, sizeof(source), "%s:%d", c->path, o->line);
	ret = knob_set(l->p, id, value, source, c->units[o->unit].name, o->key);
	if (ret == -ENOSPC) {
		if (!l->full)
			note_add(l->p, "more than %d knobs: the rest left out", PEERS_KNOBS_MAX);
		l->full = true;
		ret = 0;
	}
	return ret;
}

/* A sysctl key tuned may write: letters, digits and "_-./" only (no globs). */
static int tuned_sysctl(struct tuned_load *l, const struct tconf *c, const struct tconf_opt *o)
{
	char key[128], id[KNOB_ID_MAX];
	size_t n = strlen(o->key);

	if (n >= sizeof(key) || strspn(o->key, "abcdefghijklmnopqrstuvwxyz"
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./") != n)
		return 0;
	strcpy(key, o->key);
	sysctld_key_normalise(key);
	snprintf(id, sizeof(id), "sysctl:%s", key);
	return tuned_put(l, c, o, id, o->value);
}

/* [vm]: transparent huge pages, and the dirty limits ("N%" in *_bytes: the ratio). */
static int tuned_vm(struct tuned_load *l, const struct tconf *c, const struct tconf_opt *o)
{
	static const char *const dirty[] = {
		"dirty_bytes", "dirty_ratio", "dirty_background_bytes", "dirty_background_ratio",
	};
	char id[KNOB_ID_MAX], value[PEER_VALUE_MAX];
	size_t n = strlen(o->value);

	if (!strcmp(o->key, "transparent_hugepages") || !strcmp(o->key, "transparent_hugepage"))
		return tuned_put(l, c, o, "vm:transparent_hugepage", o->value);
	if (!strcmp(o->key, "transparent_hugepage.defrag"))
		return tuned_put(l, c, o, "vm:transparent_hugepage_defrag", o->value);
	if (!word_in(o->key, dirty, ARRAY_SIZE(dirty)))
		return 0;
	if (n && o->value[n - 1] == '%' && strstr(o->key, "_bytes")) {
		snprintf(id, sizeof(id), "sysctl:vm.%.*s_ratio",
			 (int)(strlen(o->key) - strlen("_bytes")), o->key);
		snprintf(value, sizeof(value), "%.*s", (int)(n - 1), o->value);
		return tuned_put(l, c, o, id, value);
	}
	snprintf(id, sizeof(id), "sysctl:vm.%s", o->key);
	return tuned_put(l, c, o, id, o->value);
}

/* readahead in KiB as perfagent writes it: "8192 s" (sectors) is 4096 KiB. */
static void readahead_kib(const char *value, char *out, size_t size)
{
	const char *num = value + (*value == '>' || *value == '<');
	char *end;
	long long v;

	errno = 0;
	v = strtoll(num, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (!errno && end != num && v >= 0 && !strcmp(end, "s"))
		snprintf(out, size, "%.*s%lld", (int)(num - value), value, v / 2);
	else
		snprintf(out, size, "%s", value);
}

/* [disk] readahead and elevator, one knob per devices= glob ("*" when none). */
static int tuned_disk(struct tuned_load *l, const struct tconf *c, const struct tconf_opt *o)
{
	const struct tconf_unit *u = &c->units[o->unit];
	const char *key = !strcmp(o->key, "readahead") ? "read_ahead_kb" :
			  !strcmp(o->key, "elevator") ? "scheduler" : NULL;
	char devices[256], value[PEER_VALUE_MAX], id[KNOB_ID_MAX], *tok, *save = NULL;
	int ret = 0, n = 0;

	if (!key)
		return 0;
	if (!strcmp(key, "read_ahead_kb"))
		readahead_kib(o->value, value, sizeof(value));
	else
		snprintf(value, sizeof(value), "%s", o->value);
	/* A negation ("!sda") is not subtracted; a list of negations only, or a
	 * computed one, stands for every device. */
	if (!u->devices || strstr(u->devices, "${") ||
	    snprintf(devices, sizeof(devices), "%s", u->devices) >= (int)sizeof(devices))
		strcpy(devices, "*");
	for (tok = strtok_r(devices, ", \t", &save); tok && !ret;
	     tok = strtok_r(NULL, ", \t", &save)) {
		if (*tok == '!' || strspn(tok, "abcdefghijklmnopqrstuvwxyz"
					   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.*?") != strlen(tok))
			continue;
		snprintf(id, sizeof(id), "block:%s:%s", tok, key);
		ret = tuned_put(l, c, o, id, value);
		n++;
	}
	if (!ret && !n)
		ret = tuned_put(l, c, o, key[0] == 'r' ? "block:*:read_ahead_kb" : "block:*:scheduler",
				value);
	return ret;
}

/* The units of c over what its includes set: replace= and drop= first. */
static int tconf_apply(struct tuned_load *l, const struct tconf *c)
{
	char drop[256], *tok, *save = NULL;
	int ret = 0;

	for (size_t i = 0; i < c->n_units; i++) {
		const struct tconf_unit *u = &c->units[i];

		if (!u->enabled || u->conditional)
			continue;
		if (u->replace)
			knobs_drop(l->p, u->name, NULL);
		if (!u->drop || snprintf(drop, sizeof(drop), "%s", u->drop) >= (int)sizeof(drop))
			continue;
		for (tok = strtok_r(drop, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
			knobs_drop(l->p, u->name, tok);
	}
	for (size_t i = 0; i < c->n_opts && !ret; i++) {
		const struct tconf_opt *o = &c->opts[i];
		const struct tconf_unit *u = &c->units[o->unit];
		const char *type = u->type ? u->type : u->name;

		if (!u->enabled || u->conditional)
			continue;
		if (!strcmp(type, "sysctl"))
			ret = tuned_sysctl(l, c, o);
		else if (!strcmp(type, "vm"))
			ret = tuned_vm(l, c, o);
		else if (!strcmp(type, "disk"))
			ret = tuned_disk(l, c, o);
		else if (!strcmp(type, "irqbalance") && !strcmp(o->key, "banned_cpus"))
			ret = tuned_put(l, c, o, "irqbalance:banned_cpus", o->value);
	}
	return ret;
}

/* "a -> b -> a": the chain that leads back to name. */
static void chain_text(const struct tuned_load *l, const char *name, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < l->depth && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s -> ", l->names[i]);
	if (off < size)
		snprintf(buf + off, size - off, "%s", name);
}

/*
 * NAME's tuned.conf: in the first directory that holds one not already
 * being loaded. -ELOOP when every one found is; -ENOENT when none is.
 */
static int tuned_find(const struct tuned_load *l, const char *name, char *host, size_t size)
{
	bool looped = false;

	for (size_t i = 0; i < ARRAY_SIZE(tuned_dirs); i++) {
		bool in_chain = false;

		if (util_join(host, size, "%s/%s/tuned.conf", tuned_dirs[i], name) ||
		    !host_exists(l->paths, host))
			continue;
		for (int d = 0; d < l->depth; d++)
			in_chain = in_chain || !strcmp(l->chain[d], host);
		if (!in_chain)
			return 0;
		looped = true;
	}
	return looped ? -ELOOP : -ENOENT;
}

static int tuned_load(struct tuned_load *l, const char *name);

/* include = a, b; c: each loaded in turn, before the profile that includes them. */
static int tuned_includes(struct tuned_load *l, const struct tconf *c, const char *list)
{
	char buf[PEER_VALUE_MAX], *tok, *save = NULL;
	int ret = 0;

	if (strstr(list, "${") || snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf)) {
		note_add(l->p, "%s: include = %.64s is computed by tuned; not followed", c->path,
			 list);
		return 0;
	}
	for (tok = strtok_r(buf, ",;", &save); tok && !ret; tok = strtok_r(NULL, ",;", &save)) {
		util_strtrim(tok);
		if (*tok)
			ret = tuned_load(l, tok);
	}
	return ret;
}

/* Whether name may be loaded now; says why not in a note. */
static bool tuned_may_load(struct tuned_load *l, const char *name)
{
	char shown[80];

	if (!tuned_name_valid(name)) {
		note_add(l->p, "'%s' is not a tuned profile name; not read",
			 util_printable(name, shown, sizeof(shown)));
		return false;
	}
	if (l->depth >= PEERS_INCLUDE_DEPTH) {
		note_add(l->p, "includes nested deeper than %d at %s; not followed",
			 PEERS_INCLUDE_DEPTH, name);
		return false;
	}
	if (l->loads >= PEERS_LOADS_MAX) {
		note_add(l->p, "more than %d profile files; %s not read", PEERS_LOADS_MAX, name);
		return false;
	}
	return true;
}

/* Loads NAME: its includes first, then its own values over theirs. */
static int tuned_load(struct tuned_load *l, const char *name)
{
	struct tconf c = { 0 };
	char loop[PEER_TEXT_MAX];
	const char *include;
	int ret;

	if (!tuned_may_load(l, name))
		return 0;
	ret = tuned_find(l, name, c.path, sizeof(c.path));
	if (ret == -ELOOP) {
		chain_text(l, name, loop, sizeof(loop));
		note_add(l->p, "include loop %s; not followed", loop);
		return 0;
	}
	if (ret) {
		note_add(l->p, "profile %s not found in /etc/tuned or /usr/lib/tuned", name);
		return 0;
	}
	l->loads++;
	ret = tconf_read(l, &c);
	if (!ret && c.text) {
		l->chain[l->depth] = c.path;
		l->names[l->depth++] = name;
		include = tconf_main_option(&c, "include");
		if (include)
			ret = tuned_includes(l, &c, include);
		l->depth--;
		if (!ret)
			ret = tconf_apply(l, &c);
	}
	tconf_free(&c);
	return ret;
}

/* /etc/tuned/active_profile: each name in turn, a later one's values winning. */
static int tuned_profiles(const struct pa_paths *paths, struct peer *p, bool *installed)
{
	struct tuned_load l = { .paths = paths, .p = p };
	char why[128], *text, *tok, *save = NULL;
	ssize_t n;
	int ret = 0;

	n = host_read(paths, "/etc/tuned/active_profile", 4096, &text);
	if (n == -ENOENT)
		return 0;
	*installed = true;
	if (n < 0) {
		note_add(p, "cannot read /etc/tuned/active_profile: %s",
			 read_error(n, 4096, why, sizeof(why)));
		return n == -ENOMEM ? -ENOMEM : 0;
	}
	for (tok = strtok_r(text, " \t\r\n", &save); tok && !ret;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		size_t len = strlen(p->profile);

		if (tuned_name_valid(tok) && len + strlen(tok) + 2 < sizeof(p->profile))
			snprintf(p->profile + len, sizeof(p->profile) - len, "%s%s", len ? " " : "",
				 tok);
		ret = tuned_load(&l, tok);
	}
	if (!p->profile[0] && !ret)
		note_add(p, "/etc/tuned/active_profile names no profile: the knobs tuned sets are "
			 "not known");
	free(text);
	return ret;
}

/* ---- detection ---- */

/* /run/tuned/tuned.pid: the pid it names (0: none), with notes on a bad file. */
static pid_t tuned_pidfile(const struct pa_paths *paths, struct peer *p, bool *installed)
{
	char path[PATH_MAX], line[64], why[128];
	ssize_t n;
	pid_t pid;

	if (paths_sys(paths, path, sizeof(path), "/run/tuned/tuned.pid"))
		return 0;
	n = util_read_line(path, line, sizeof(line));
	if (n == -ENOENT)
		return 0;
	*installed = true;
	if (n < 0 && n != -ENAMETOOLONG) {
		note_add(p, "cannot read /run/tuned/tuned.pid: %s", read_error(n, 4096, why,
									      sizeof(why)));
		return 0;
	}
	pid = n < 0 ? 0 : parse_pid(line);
	if (!pid)
		note_add(p, "/run/tuned/tuned.pid holds no pid");
	return pid;
}

/* Whether pid (from the pid file) is a live tuned: 1, 0 (no such process), -1 (another one). */
static int tuned_pid_alive(const struct pa_paths *paths, struct peer *p, pid_t pid)
{
	char comm[64], shown[80], proc[64];
	int ret = proc_comm(paths, pid, comm, sizeof(comm));

	if (!ret && strcmp(comm, "tuned")) {
		note_add(p, "/run/tuned/tuned.pid names pid %d, which is %s, not tuned: a stale file",
			 (int)pid, util_printable(comm, shown, sizeof(shown)));
		return -1;
	}
	snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
	/* Its comm may be unreadable: the directory is enough. */
	return !ret || host_exists(paths, proc);
}

/* Returns 1 when tuned runs or is installed, 0 when not, -ENOMEM. */
static int detect_tuned(const struct pa_paths *paths, pid_t comm_pid, struct peer *p)
{
	bool installed = false;
	int ret, alive = 0;
	pid_t pid;

	strcpy(p->name, "tuned");
	pid = tuned_pidfile(paths, p, &installed);
	if (pid)
		alive = tuned_pid_alive(paths, p, pid);
	if (alive > 0) {
		snprintf(p->evidence, sizeof(p->evidence), "/run/tuned/tuned.pid: pid %d", (int)pid);
		p->running = true;
	} else if (comm_pid) {
		snprintf(p->evidence, sizeof(p->evidence), "/proc/%d/comm: tuned", (int)comm_pid);
		p->running = true;
	} else {
		p->running = unit_active(paths, "tuned.service", p->evidence, sizeof(p->evidence));
	}
	if (pid && !alive && !p->running)
		note_add(p, "/run/tuned/tuned.pid names pid %d, which does not run: a stale file",
			 (int)pid);
	ret = tuned_profiles(paths, p, &installed);
	if (ret)
		return ret;
	if (!p->running && installed)
		snprintf(p->evidence, sizeof(p->evidence), "%s exists; no tuned process found",
			 host_exists(paths, "/etc/tuned/active_profile") ?
			 "/etc/tuned/active_profile" : "/run/tuned/tuned.pid");
	return p->running || installed;
}

/*
 * The sysctls bpftune's tuners change, and which tuners. Source: oracle/bpftune,
 * the tunable tables of src/{tcp_buffer,net_buffer,udp_buffer,neigh_table,
 * route_table,ip_frag,tcp_conn}_tuner.c and docs/bpftune-*.rst as studied at
 * d5d9f609 (shared/reference/bpftune.md, section 2), and src/gaming_tuner.c,
 * added after it. neigh_table changes gc_thresh1-3 through netlink; they are
 * the sysctls below. tcp_conn picks congestion control per socket and only
 * extends the allowed list.
 */
static const struct {
	const char *sysctl;
	const char *tuners;
} bpftune_sysctls[] = {
	{ "net.ipv4.tcp_rmem", "tcp_buffer" },
	{ "net.ipv4.tcp_wmem", "tcp_buffer" },
	{ "net.ipv4.tcp_mem", "tcp_buffer" },
	{ "net.ipv4.tcp_moderate_rcvbuf", "tcp_buffer" },
	{ "net.ipv4.tcp_no_metrics_save", "tcp_buffer" },
	{ "net.ipv4.tcp_no_ssthresh_metrics_save", "tcp_buffer" },
	{ "net.ipv4.tcp_syncookies", "tcp_buffer" },
	{ "net.ipv4.tcp_max_syn_backlog", "tcp_buffer" },
	{ "net.core.high_order_alloc_disable", "tcp_buffer, net_buffer" },
	{ "net.core.netdev_max_backlog", "net_buffer, gaming" },
	{ "net.core.flow_limit_cpu_bitmap", "net_buffer" },
	{ "net.core.netdev_budget", "net_buffer, gaming" },
	{ "net.core.netdev_budget_usecs", "net_buffer, gaming" },
	{ "net.ipv4.udp_mem", "udp_buffer, gaming" },
	{ "net.core.rmem_max", "udp_buffer, gaming" },
	{ "net.core.rmem_default", "udp_buffer, gaming" },
	{ "net.core.wmem_max", "gaming" },
	{ "net.core.wmem_default", "gaming" },
	{ "net.core.busy_read", "gaming" },
	{ "net.core.busy_poll", "gaming" },
	{ "net.ipv4.udp_early_demux", "gaming" },
	{ "net.ipv4.neigh.default.gc_thresh1", "neigh_table" },
	{ "net.ipv4.neigh.default.gc_thresh2", "neigh_table" },
	{ "net.ipv4.neigh.default.gc_thresh3", "neigh_table" },
	{ "net.ipv6.neigh.default.gc_thresh1", "neigh_table" },
	{ "net.ipv6.neigh.default.gc_thresh2", "neigh_table" },
	{ "net.ipv6.neigh.default.gc_thresh3", "neigh_table" },
	{ "net.ipv6.route.max_size", "route_table" },
	{ "net.ipv4.ipfrag_high_thresh", "ip_frag" },
	{ "net.ipv6.ip6frag_high_thresh", "ip_frag" },
	{ "net.ipv4.tcp_allowed_congestion_control", "tcp_conn" },
};

/* Returns 1 when bpftune runs or is installed, 0 when not, -ENOMEM. */
static int detect_bpftune(const struct pa_paths *paths, pid_t comm_pid, struct peer *p)
{
	char id[KNOB_ID_MAX], source[PEER_TEXT_MAX];
	int ret = 0;

	strcpy(p->name, "bpftune");
	if (comm_pid) {
		snprintf(p->evidence, sizeof(p->evidence), "/proc/%d/comm: bpftune",
			 (int)comm_pid);
		p->running = true;
	} else {
		p->running = unit_active(paths, "bpftune.service", p->evidence, sizeof(p->evidence));
	}
	if (!p->running && !host_exists(paths, "/usr/sbin/bpftune"))
		return 0;
	if (!p->running)
		snprintf(p->evidence, sizeof(p->evidence),
			 "/usr/sbin/bpftune exists; no bpftune process found");
	for (size_t i = 0; i < ARRAY_SIZE(bpftune_sysctls) && !ret; i++) {
		snprintf(id, sizeof(id), "sysctl:%s", bpftune_sysctls[i].sysctl);
		snprintf(source, sizeof(source), "bpftune tuner %s", bpftune_sysctls[i].tuners);
		ret = knob_set(p, id, NULL, source, NULL, NULL);
	}
	return ret ? ret : 1;
}

static void peer_free(struct peer *p)
{
	free(p->knobs);
	memset(p, 0, sizeof(*p));
}

int peers_detect(const struct pa_paths *paths, struct peers *out)
{
	static int (*const detect[PEER_KINDS])(const struct pa_paths *, pid_t, struct peer *) = {
		[PEER_TUNED] = detect_tuned,
		[PEER_BPFTUNE] = detect_bpftune,
	};
	pid_t pids[PEER_KINDS];
	int ret = 0;

	memset(out, 0, sizeof(*out));
	procs_scan(paths, pids);
	for (int i = 0; i < PEER_KINDS && ret >= 0; i++) {
		struct peer *p = &out->v[out->n];

		ret = detect[i](paths, pids[i], p);
		if (ret > 0)
			out->n++;
		else if (ret == 0)
			peer_free(p);
	}
	if (ret < 0)
		out->n++;       /* the one that ran out of memory: freed with the rest */
	return ret < 0 ? ret : 0;
}

void peers_free(struct peers *p)
{
	for (size_t i = 0; i < p->n; i++)
		peer_free(&p->v[i]);
	p->n = 0;
}
