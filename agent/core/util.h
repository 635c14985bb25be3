/* SPDX-License-Identifier: GPL-2.0-only */
/* Small file and string helpers shared by the modules. */
#ifndef PA_UTIL_H
#define PA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Reads at most max bytes of path into a new NUL-terminated buffer.
 * Returns the length or a negative errno; -EFBIG when the file is larger
 * than max; -EISDIR for a directory; -ESPIPE for a FIFO or a socket (see
 * util_fd_check_kind()). The caller frees *out.
 */
ssize_t util_read_file(const char *path, size_t max, char **out);
/* The same from an open file descriptor (left open). */
ssize_t util_read_fd(int fd, size_t max, char **out);

/*
 * For a file opened with O_NONBLOCK: 0 when it is a file to read or write
 * (regular, as procfs and sysfs attributes are, or a device such as
 * /dev/null), -EISDIR for a directory, -ESPIPE for a FIFO or a socket,
 * which a planted input (a DMI or sysctl.d file under --root) could be to
 * make the agent wait forever.
 */
int util_fd_check_kind(int fd);

/* strerror(-err), but for -ESPIPE from the readers above: "a FIFO or socket, not a file". */
const char *util_file_strerror(int err);

/*
 * Reads the first line of a small file (sysfs, procfs attribute) into buf,
 * without the trailing newline and surrounding blanks. Returns the length or
 * a negative errno.
 */
ssize_t util_read_line(const char *path, char *buf, size_t size);

/*
 * fsync of the directory holding path, so that a rename or creation there
 * survives a crash. Returns 0 or a negative errno.
 */
int util_fsync_dir_of(const char *path);

/*
 * Writes data to path atomically: a temporary file in the same directory,
 * fsync, rename, fsync of the directory. Returns 0 or a negative errno.
 */
int util_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Removes the temporary files util_write_atomic() leaves in dir when its
 * process dies before the rename ("NAME.tmp.PID", PID no longer running).
 * Returns how many were removed, or a negative errno.
 */
int util_remove_stale_temps(const char *dir);

/* Creates dir and its parents with mode (like mkdir -p). 0 or -errno. */
int util_mkdir_p(const char *dir, mode_t mode);

/*
 * s as it may be echoed in a message: printable ASCII ('?' for anything
 * else), at most 64 bytes, in buf. Returns buf.
 */
const char *util_printable(const char *s, char *buf, size_t size);

/*
 * Replaces, in place, every byte of s that is not printable ASCII with '?':
 * for text read from the host (DMI, sysfs attributes) that status, detect
 * and their JSON show as it is. Returns s.
 */
char *util_make_printable(char *s);

/* Whether every byte of s is printable ASCII. */
bool util_is_printable(const char *s);

/* Removes leading and trailing white space in place; returns s. */
char *util_strtrim(char *s);

/*
 * A yes/no word, as the config and the environment take them: on, yes,
 * true, 1 and off, no, false, 0, in any case. Returns 0, or -EINVAL.
 */
int util_parse_bool(const char *s, bool *out);
#define UTIL_BOOL_WORDS "on/off, yes/no, true/false or 1/0"

/*
 * The parsers' error path: formats a message into err (when err and errsz
 * are given) and returns -EINVAL.
 */
int util_err(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* snprintf that returns -ENAMETOOLONG instead of truncating. */
int util_join(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Monotonic and wall clocks in milliseconds. */
uint64_t util_now_mono_ms(void);
uint64_t util_now_wall_ms(void);

/* Formats a wall-clock time in ms as RFC 3339 UTC ("2026-11-26T14:46:39Z"). */
void util_format_time(uint64_t wall_ms, char *buf, size_t size);

#endif
