// SPDX-License-Identifier: GPL-2.0-only
/* The tuning journal: originals and states of the knobs set in this boot. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <zlib.h>

#include "core/array.h"
#include "tune/irqbalance.h"
#include "tune/journal.h"
#include "core/jsonutil.h"
#include "core/trust.h"
#include "core/util.h"

static const char *const state_names[] = {
	[JOURNAL_PENDING] = "pending",
	[JOURNAL_APPLIED] = "applied",
	[JOURNAL_FAILED] = "failed",
	[JOURNAL_KEPT] = "kept",
	[JOURNAL_REVERTING] = "reverting",
};

static const char *const op_names[] = {
	[VALUE_EXACT] = "exact",
	[VALUE_RAISE] = "raise",
	[VALUE_LOWER] = "lower",
};

const char *journal_state_name(enum journal_state state)
{
	return (size_t)state < ARRAY_SIZE(state_names) ? state_names[state] : "?";
}

const char *journal_op_name(enum value_op op)
{
	return (size_t)op < ARRAY_SIZE(op_names) ? op_names[op] : "?";
}

static int name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(names[i], s))
			return (int)i;
	}
	return -1;
}

void journal_init(struct journal *j, const char *boot_id, const char *sysroot)
{
	memset(j, 0, sizeof(*j));
	snprintf(j->boot_id, sizeof(j->boot_id), "%s", boot_id);
	snprintf(j->sysroot, sizeof(j->sysroot), "%s", sysroot);
}

void journal_free(struct journal *j)
{
	for (size_t i = 0; i < j->n; i++)
		free(j->entries[i].original);
	free(j->entries);
	j->entries = NULL;
	j->n = j->cap = 0;
}

int journal_path(const struct pa_paths *paths, char *buf, size_t size)
{
	return util_join(buf, size, "%s/journal.json", paths->state_dir);
}

struct journal_entry *journal_find(const struct journal *j, const char *id)
{
	for (size_t i = 0; i < j->n; i++) {
		if (!strcmp(j->entries[i].id, id))
			return &j->entries[i];
	}
	return NULL;
}

struct journal_entry *journal_add(struct journal *j, const char *id, const char *original)
{
	struct journal_entry *e;

	if (strlen(id) >= sizeof(e->id))
		return NULL;
	e = array_grow(j->entries, &j->cap, j->n + 1, sizeof(*e), 32);
	if (!e)
		return NULL;
	j->entries = e;
	e = &j->entries[j->n];
	memset(e, 0, sizeof(*e));
	e->original = strdup(original ? original : "");
	if (!e->original)
		return NULL;
	strcpy(e->id, id);
	j->n++;
	return e;
}

void journal_entry_unconfirmed_add(struct journal_entry *e, const char *value)
{
	for (unsigned int i = 0; i < e->n_unconfirmed; i++) {
		if (!strcmp(e->unconfirmed[i], value))
			return;
	}
	if (e->n_unconfirmed == JOURNAL_UNCONFIRMED_MAX) {
		memmove(e->unconfirmed[0], e->unconfirmed[1],
			(JOURNAL_UNCONFIRMED_MAX - 1) * sizeof(e->unconfirmed[0]));
		e->n_unconfirmed--;
	}
	snprintf(e->unconfirmed[e->n_unconfirmed++], sizeof(e->unconfirmed[0]), "%s", value);
}

void journal_filter(struct journal *j, bool (*keep)(const struct journal_entry *e, void *arg),
		    void *arg)
{
	size_t out = 0;

	for (size_t i = 0; i < j->n; i++) {
		if (keep(&j->entries[i], arg)) {
			j->entries[out++] = j->entries[i];
		} else {
			free(j->entries[i].original);
		}
	}
	j->n = out;
}

/* ---- the checksum ---- */

static uLong crc_str(uLong crc, const char *s)
{
	/* The terminating NUL too: "ab","c" and "a","bc" differ. */
	return crc32(crc, (const Bytef *)s, (uInt)strlen(s) + 1);
}

/*
 * CRC-32 of every value the journal holds, in a fixed order, independent of
 * how JSON is formatted: a bit flip that leaves valid JSON (a digit of an
 * original, a state name) is caught when the journal is read back.
 */
static uint32_t journal_checksum(const struct journal *j)
{
	uLong crc = crc32(0, Z_NULL, 0);

	crc = crc_str(crc, j->boot_id);
	crc = crc_str(crc, j->sysroot);
	crc = crc_str(crc, j->profile);
	for (size_t i = 0; i < j->n; i++) {
		const struct journal_entry *e = &j->entries[i];

		crc = crc_str(crc, e->id);
		crc = crc_str(crc, e->path);
		crc = crc_str(crc, journal_op_name(e->op));
		crc = crc_str(crc, e->original);
		crc = crc_str(crc, e->desired);
		crc = crc_str(crc, e->applied);
		for (unsigned int u = 0; u < e->n_unconfirmed; u++)
			crc = crc_str(crc, e->unconfirmed[u]);
		crc = crc_str(crc, journal_state_name(e->state));
		crc = crc_str(crc, e->error);
	}
	return (uint32_t)crc;
}

/* ---- writing ---- */

static struct json_object *unconfirmed_to_json(const struct journal_entry *e)
{
	struct json_object *arr = json_object_new_array();

	for (unsigned int i = 0; arr && i < e->n_unconfirmed; i++)
		json_object_array_add(arr, json_object_new_string(e->unconfirmed[i]));
	return arr;
}

static struct json_object *entry_to_json(const struct journal_entry *e)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "id", json_object_new_string(e->id));
	json_object_object_add(o, "path", json_object_new_string(e->path));
	json_object_object_add(o, "op", json_object_new_string(journal_op_name(e->op)));
	json_object_object_add(o, "original", json_object_new_string(e->original));
	json_object_object_add(o, "desired", json_object_new_string(e->desired));
	json_object_object_add(o, "applied", json_object_new_string(e->applied));
	json_object_object_add(o, "unconfirmed", unconfirmed_to_json(e));
	json_object_object_add(o, "state", json_object_new_string(journal_state_name(e->state)));
	json_object_object_add(o, "error", json_str_or_null(e->error));
	return o;
}

static struct json_object *journal_to_json(const struct journal *j)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	char sum[16];

	if (!o || !arr)
		goto fail;
	json_object_object_add(o, "version", json_object_new_int(JOURNAL_VERSION));
	json_object_object_add(o, "boot_id", json_object_new_string(j->boot_id));
	json_object_object_add(o, "sysroot", json_object_new_string(j->sysroot));
	json_object_object_add(o, "profile", json_object_new_string(j->profile));
	json_object_object_add(o, "updated", json_time_or_null(util_now_wall_ms()));
	json_object_object_add(o, "entries", arr);
	snprintf(sum, sizeof(sum), "crc32:%08x", journal_checksum(j));
	json_object_object_add(o, "checksum", json_object_new_string(sum));
	for (size_t i = 0; i < j->n; i++) {
		struct json_object *e = entry_to_json(&j->entries[i]);

		if (!e || json_object_array_add(arr, e)) {
			json_object_put(e);
			json_object_put(o);
			return NULL;
		}
	}
	return o;
fail:
	json_object_put(o);
	json_object_put(arr);
	return NULL;
}

int journal_save(const struct pa_paths *paths, const struct journal *j)
{
	struct json_object *o = journal_to_json(j);
	char path[PATH_MAX];
	const char *text;
	char *buf = NULL;
	int ret;

	if (!o)
		return -ENOMEM;
	ret = journal_path(paths, path, sizeof(path));
	if (ret)
		goto out;
	ret = util_mkdir_p(paths->state_dir, 0755);
	if (ret)
		goto out;
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || asprintf(&buf, "%s\n", text) < 0) {
		buf = NULL;
		ret = -ENOMEM;
		goto out;
	}
	ret = util_write_atomic(path, buf, strlen(buf), 0644);
out:
	free(buf);
	json_object_put(o);
	return ret;
}

int journal_remove(const struct pa_paths *paths)
{
	char path[PATH_MAX];
	int ret = journal_path(paths, path, sizeof(path));

	if (ret)
		return ret;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* ---- reading ---- */

/* A string member that may hold tabs and newlines but no other control byte. */
static int get_raw_string(struct json_object *obj, const char *key, char **out)
{
	struct json_object *val;
	const char *s;
	size_t len;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &val) ||
	    !json_object_is_type(val, json_type_string))
		return -EINVAL;
	s = json_object_get_string(val);
	len = json_object_get_string_len(val);
	if (strlen(s) != len || !json_lines_clean(s, len))
		return -EINVAL;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

/* Only knob files: revert must never be steered anywhere else. */
static bool path_is_knob(const char *path)
{
	size_t n = strlen(path);

	/* The one knob file outside /proc/sys and /sys, whose backend writes
	 * only its own fixed path anyway (knob_irqbalance.c). */
	if (!strcmp(path, IRQB_DROPIN))
		return true;
	if (strncmp(path, "/proc/sys/", 10) && strncmp(path, "/sys/", 5))
		return false;
	/* No "." or ".." component, in the middle or at the end. */
	if ((n >= 2 && !strcmp(path + n - 2, "/.")) || (n >= 3 && !strcmp(path + n - 3, "/..")))
		return false;
	return !strstr(path, "/../") && !strstr(path, "/./") && !strstr(path, "//");
}

/* "unconfirmed": an array of at most JOURNAL_UNCONFIRMED_MAX clean strings. */
static int unconfirmed_from_json(struct journal_entry *e, struct json_object *o)
{
	struct json_object *arr, *v;
	size_t n;

	if (!json_object_object_get_ex(o, "unconfirmed", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return -EBADMSG;
	n = json_object_array_length(arr);
	if (n > JOURNAL_UNCONFIRMED_MAX)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string) ||
		    json_clean_string(v, e->unconfirmed[i], sizeof(e->unconfirmed[i])))
			return -EBADMSG;
	}
	e->n_unconfirmed = n;
	return 0;
}

static int entry_from_json(struct journal *j, struct json_object *o, int version,
			   const char **why)
{
	char id[KNOB_ID_MAX], op[16], state[16];
	struct journal_entry *e;
	enum knob_kind kind;
	char *original;
	int iop, istate;

	*why = "an entry lacks id, op, original or state, or has a bad value";
	if (!json_object_is_type(o, json_type_object) ||
	    json_get_clean_string(o, "id", id, sizeof(id)) || knob_kind_of_id(id, &kind) ||
	    json_get_clean_string(o, "op", op, sizeof(op)) ||
	    json_get_clean_string(o, "state", state, sizeof(state)))
		return -EBADMSG;
	iop = name_index(op_names, ARRAY_SIZE(op_names), op);
	istate = name_index(state_names, ARRAY_SIZE(state_names), state);
	if (iop < 0 || istate < 0)
		return -EBADMSG;
	if (get_raw_string(o, "original", &original))
		return -EBADMSG;
	e = journal_add(j, id, original);
	free(original);
	if (!e)
		return -ENOMEM;
	e->op = iop;
	e->state = istate;
	*why = "an entry has a bad path, desired or applied value";
	if (json_get_clean_string(o, "path", e->path, sizeof(e->path)) ||
	    !path_is_knob(e->path) ||
	    json_get_clean_string(o, "desired", e->desired, sizeof(e->desired)) ||
	    json_get_clean_string(o, "applied", e->applied, sizeof(e->applied)) ||
	    json_get_clean_string(o, "error", e->error, sizeof(e->error)) == -EINVAL)
		return -EBADMSG;
	*why = "an entry has a bad unconfirmed list";
	if (version > 1 && unconfirmed_from_json(e, o))
		return -EBADMSG;
	return 0;
}

static int journal_from_json(struct journal *j, struct json_object *o, const char **why)
{
	struct json_object *v, *arr;
	int version, ret;

	*why = "not a JSON object with version, boot_id, sysroot, profile and entries";
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "version", &v) || !json_object_is_type(v, json_type_int))
		return -EBADMSG;
	version = json_object_get_int(v);
	if (version > JOURNAL_VERSION)
		return -EPROTONOSUPPORT;
	if (version < 1 ||
	    json_get_clean_string(o, "boot_id", j->boot_id, sizeof(j->boot_id)) ||
	    json_get_clean_string(o, "sysroot", j->sysroot, sizeof(j->sysroot)) == -EINVAL ||
	    json_get_clean_string(o, "profile", j->profile, sizeof(j->profile)) == -EINVAL ||
	    !json_object_object_get_ex(o, "entries", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return -EBADMSG;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		ret = entry_from_json(j, json_object_array_get_idx(arr, i), version, why);
		if (ret)
			return ret;
	}
	if (version > 1) {
		char sum[16], want[16];

		snprintf(want, sizeof(want), "crc32:%08x", journal_checksum(j));
		*why = "its checksum does not match its content (a changed byte)";
		if (json_get_clean_string(o, "checksum", sum, sizeof(sum)) || strcmp(sum, want))
			return -EBADMSG;
	}
	return 0;
}

/* Parses text as exactly one JSON value, nothing but blanks after it. */
static struct json_object *parse_all(const char *text, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t end;

	if (len > INT_MAX || !(tok = json_tokener_new()))
		return NULL;
	o = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o)
		return NULL;
	for (; end < len; end++) {
		if (!text[end] || !strchr(" \t\r\n", text[end])) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

/*
 * The first free name of path.corrupt, path.corrupt.2 .. .JOURNAL_ASIDE_MAX:
 * an earlier corrupt journal may hold the originals someone still wants.
 */
static int aside_name(const char *path, char *buf, size_t size)
{
	struct stat st;

	for (int n = 1; n <= JOURNAL_ASIDE_MAX; n++) {
		int ret = n == 1 ? util_join(buf, size, "%s.corrupt", path) :
				   util_join(buf, size, "%s.corrupt.%d", path, n);

		if (ret)
			return ENAMETOOLONG;
		if (lstat(buf, &st) < 0)
			return errno == ENOENT ? 0 : errno;
	}
	return EEXIST;
}

static int move_aside(const char *path, const char *why, char *msg, size_t msgsz)
{
	char aside[PATH_MAX];
	int err = aside_name(path, aside, sizeof(aside));

	if (!err && rename(path, aside) < 0)
		err = errno;
	/*
	 * Durable, so a crash cannot bring the corrupt journal back. A failure
	 * here is left to the next journal write, whose own fsync of the
	 * directory reports it: the move itself is done.
	 */
	if (!err)
		(void)util_fsync_dir_of(path);
	if (err == EEXIST) {
		snprintf(msg, msgsz, "journal %s is corrupt (%s) and could not be moved aside: "
			 "%s.corrupt to .corrupt.%d are taken; remove the old ones to apply again",
			 path, why, path, JOURNAL_ASIDE_MAX);
		return -EIO;
	}
	if (err) {
		snprintf(msg, msgsz, "journal %s is corrupt (%s) and could not be moved aside: %s; "
			 "remove it to apply again", path, why, strerror(err));
		return -EIO;
	}
	snprintf(msg, msgsz, "journal %s is corrupt (%s); moved aside to %s. The originals it "
		 "held are lost: a reboot restores the kernel's defaults", path, why, aside);
	return -EBADMSG;
}

static int corrupt_msg(const char *path, const char *why, char *msg, size_t msgsz)
{
	snprintf(msg, msgsz, "journal %s is corrupt (%s); the next apply or revert moves it "
		 "aside", path, why);
	return -EBADMSG;
}

int journal_parse_buf(const char *text, size_t len, struct journal *j)
{
	const char *why;
	struct json_object *o;
	int ret;

	journal_init(j, "", "");
	o = parse_all(text, len);
	if (!o)
		return -EBADMSG;
	ret = journal_from_json(j, o, &why);
	if (ret)
		journal_free(j);
	json_object_put(o);
	return ret;
}

int journal_load(const struct pa_paths *paths, struct journal *j, bool move_corrupt,
		 char *msg, size_t msgsz)
{
	char path[PATH_MAX], dummy[1];
	const char *why = "not valid JSON";
	struct json_object *o = NULL;
	char *text = NULL;
	ssize_t len;
	int ret;

	if (!msg) {
		msg = dummy;
		msgsz = sizeof(dummy);
	}
	msg[0] = '\0';
	journal_init(j, "", "");
	ret = journal_path(paths, path, sizeof(path));
	if (ret)
		return ret;
	/* Revert writes what the journal says as root: only a trusted one is read. */
	len = trust_read_file(path, JOURNAL_FILE_MAX, &text, msg, msgsz);
	if (len == -ENOENT) {
		msg[0] = '\0';
		return -ENOENT;
	}
	if (len < 0 && len != -EFBIG)
		return (int)len;
	if (len == -EFBIG)
		why = "larger than 64 MiB";
	else if ((o = parse_all(text, len)))
		ret = journal_from_json(j, o, &why);
	if (o && ret == -EPROTONOSUPPORT)
		snprintf(msg, msgsz, "journal %s was written by a newer perfagent; use that version "
			 "to revert, or remove the file", path);
	else if ((!o || ret == -EBADMSG) && move_corrupt)
		ret = move_aside(path, why, msg, msgsz);
	else if (!o || ret == -EBADMSG)
		ret = corrupt_msg(path, why, msg, msgsz);
	else if (ret)
		snprintf(msg, msgsz, "cannot load journal %s: %s", path, strerror(-ret));
	if (ret)
		journal_free(j);
	json_object_put(o);
	free(text);
	return ret;
}
