/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tuning journal: what perfagent changed in this boot and what each knob
 * held before, so that verify and revert work without the daemon and after a
 * crash. One JSON file, STATE_DIR/journal.json, replaced atomically (temporary
 * file, fsync, rename, fsync of the directory):
 *
 *   {"version": 3, "boot_id": "...", "sysroot": "", "profile": "compute",
 *    "updated": "2026-11-26T15:00:00Z",
 *    "entries": [{"id": "sysctl:net.core.somaxconn",
 *                 "path": "/proc/sys/net/core/somaxconn", "op": "raise",
 *                 "original": "4096\n", "desired": "8192", "applied": "8192",
 *                 "unconfirmed": [], "state": "applied", "error": null}, ...],
 *    "checksum": "crc32:1c291ca3"}
 *
 * original is what revert writes back (the bytes read, or a choice file's
 * chosen word); desired what perfagent writes or last wrote; applied what the
 * knob read back after perfagent's last successful write ("" before one).
 * unconfirmed lists the values earlier applies may have written without
 * recording the outcome (each was interrupted, or could not rewrite the
 * journal): when a pending entry gets a new desired value, the old one moves
 * there, so that no value perfagent may have left on the knob is forgotten.
 * A confirmed write (read back) or a settled state empties it. checksum is
 * a CRC-32 of every value above in a fixed order, whatever the JSON's
 * formatting: a changed byte that leaves valid JSON makes the journal
 * corrupt (moved aside and reported) rather than silently wrong. Version 1
 * journals (no unconfirmed, no checksum) and version 2 ones are still read.
 *
 * States: "pending" (recorded, the write may or may not have happened: a
 * crash between the two journal writes), "applied", "failed" (the write was
 * refused; the knob should still hold original or the previous applied),
 * "kept" (the value was already right; nothing to restore) and "reverting"
 * (a revert is writing the original back, or was killed or could not
 * rewrite the journal while it did: the knob holds the original or what
 * perfagent wrote, and both are perfagent's). Version 3 added "reverting".
 *
 * The original of a knob is recorded once per boot: a second apply keeps the
 * first original, the true one. After a reboot the kernel has its boot values
 * again, so a journal whose boot_id is not this boot's is void. sysroot ties
 * the journal to the tree it describes: revert never writes to another one.
 */
#ifndef PA_JOURNAL_H
#define PA_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "tune/knob.h"
#include "core/paths.h"
#include "identity/inventory.h"
#include "tune/profile.h"

#define JOURNAL_VERSION 3
#define JOURNAL_UNCONFIRMED_MAX 4   /* beyond: the oldest goes, revert then says it cannot tell */
#define JOURNAL_FILE_MAX (64 * 1024 * 1024)
#define JOURNAL_BOOT_ID_MAX INVENTORY_BOOT_ID_MAX
#define JOURNAL_ERROR_MAX 256
#define JOURNAL_ASIDE_MAX 9         /* corrupt journals kept: .corrupt, .corrupt.2 .. .9 */

enum journal_state {
	JOURNAL_PENDING,
	JOURNAL_APPLIED,
	JOURNAL_FAILED,
	JOURNAL_KEPT,
	JOURNAL_REVERTING,
};

struct journal_entry {
	char id[KNOB_ID_MAX];
	char path[KNOB_PATH_MAX];       /* host path, without the sysroot */
	enum value_op op;
	char *original;                 /* malloc'd; what revert writes back */
	char desired[KNOB_VALUE_MAX];
	char applied[KNOB_VALUE_MAX];
	char unconfirmed[JOURNAL_UNCONFIRMED_MAX][KNOB_VALUE_MAX];  /* oldest first */
	unsigned int n_unconfirmed;
	enum journal_state state;
	char error[JOURNAL_ERROR_MAX];  /* "" or why the write failed */
};

struct journal {
	char boot_id[JOURNAL_BOOT_ID_MAX];
	char sysroot[PATH_MAX];
	char profile[PROFILE_NAME_MAX];
	size_t n, cap;
	struct journal_entry *entries;
};

/* An empty journal for this boot and sysroot. */
void journal_init(struct journal *j, const char *boot_id, const char *sysroot);
void journal_free(struct journal *j);

/* STATE_DIR/journal.json */
int journal_path(const struct pa_paths *paths, char *buf, size_t size);

/*
 * Loads the journal. Returns 0; -ENOENT when there is none; -EBADMSG when it
 * is corrupt (with move_corrupt, it was moved aside to journal.json.corrupt,
 * or the first free of .corrupt.2 .. .corrupt.JOURNAL_ASIDE_MAX, which only
 * apply and revert do, under their lock); -EPROTONOSUPPORT for a
 * newer version (left alone); another -errno when it cannot be read. msg
 * (may be NULL) explains every error. j is empty after an error.
 */
int journal_load(const struct pa_paths *paths, struct journal *j, bool move_corrupt,
		 char *msg, size_t msgsz);

/* Writes the journal atomically; 0 or -errno. */
int journal_save(const struct pa_paths *paths, const struct journal *j);

/* Parses journal text: 0, -EBADMSG (corrupt), -EPROTONOSUPPORT; for fuzzing. */
int journal_parse_buf(const char *text, size_t len, struct journal *j);

/* Removes the journal file; 0 also when there was none. */
int journal_remove(const struct pa_paths *paths);

struct journal_entry *journal_find(const struct journal *j, const char *id);

/*
 * Adds an entry for id with its original (copied); NULL when out of memory.
 * The caller fills in the rest.
 */
struct journal_entry *journal_add(struct journal *j, const char *id, const char *original);

/* Remembers value as one perfagent may have written (see above); once each. */
void journal_entry_unconfirmed_add(struct journal_entry *e, const char *value);

/* Drops entries for which keep() is false, in place. */
void journal_filter(struct journal *j, bool (*keep)(const struct journal_entry *e, void *arg),
		    void *arg);

const char *journal_state_name(enum journal_state state);
const char *journal_op_name(enum value_op op);

#endif
