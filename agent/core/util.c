// SPDX-License-Identifier: GPL-2.0-only
/* Small file and string helpers shared by the modules. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

int util_fd_check_kind(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ? -ESPIPE : 0;
}

const char *util_file_strerror(int err)
{
	return err == -ESPIPE ? "a FIFO or socket, not a file" : strerror(-err);
}

/*
 * The first buffer util_read_fd() reads into: enough for the procfs, sysfs
 * and configuration files the agent reads, grown by doubling for larger ones.
 */
#define UTIL_READ_FIRST 4096

ssize_t util_read_fd(int fd, size_t max, char **out)
{
	/* One byte more than allowed tells "exactly max" from "too large", one for the NUL. */
	size_t cap = max + 2 < UTIL_READ_FIRST ? max + 2 : UTIL_READ_FIRST;
	size_t len = 0;
	char *buf, *bigger;
	ssize_t ret;

	/*
	 * Not max + 2 at once: the limits are 64 KiB to 1 MiB for files of a few
	 * KiB read every interval and reload. A freed 1 MiB block raises glibc's
	 * mmap threshold, so such blocks then come from the heap, where the small
	 * allocations made around them scatter and the daemon's RSS crept up for
	 * the whole soak (bench/README.md, soak).
	 */
	*out = NULL;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	while (len <= max) {
		if (len == cap - 1) {
			size_t next = cap > (max + 2) / 2 ? max + 2 : cap * 2;

			bigger = realloc(buf, next);
			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			cap = next;
		}
		ret = read(fd, buf + len, cap - 1 - len);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			ret = -errno;
			free(buf);
			return ret;
		}
		if (ret == 0)
			break;
		len += ret;
	}
	if (len > max) {
		free(buf);
		return -EFBIG;
	}
	buf[len] = '\0';
	*out = buf;
	return len;
}

ssize_t util_read_file(const char *path, size_t max, char **out)
{
	ssize_t ret;
	int fd;

	*out = NULL;
	/* O_NONBLOCK: opening a FIFO with no writer must not wait for one. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	ret = util_fd_check_kind(fd);
	if (!ret)
		ret = util_read_fd(fd, max, out);
	close(fd);
	return ret;
}

ssize_t util_read_line(const char *path, char *buf, size_t size)
{
	char *data, *nl;
	ssize_t len;

	if (size == 0)
		return -EINVAL;
	len = util_read_file(path, 4096, &data);
	if (len < 0)
		return len;
	nl = strchr(data, '\n');
	if (nl)
		*nl = '\0';
	util_strtrim(data);
	len = strlen(data);
	if ((size_t)len >= size) {
		free(data);
		return -ENAMETOOLONG;
	}
	memcpy(buf, data, len + 1);
	free(data);
	return len;
}

int util_fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd, ret = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		ret = -errno;
	else if (fsync(fd) < 0)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return ret;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

int util_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, ret;

	ret = util_join(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if (ret)
		return ret;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, data, len);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return ret;
	}
	return util_fsync_dir_of(path);
}

/* PID of "NAME.tmp.PID", or 0 when name is not such a file. */
static pid_t temp_owner(const char *name)
{
	const char *dot = strrchr(name, '.');
	char *end;
	long pid;

	if (!dot || dot - name < 5 || strncmp(dot - 4, ".tmp", 4) || !isdigit((unsigned char)dot[1]))
		return 0;
	pid = strtol(dot + 1, &end, 10);
	return *end || pid <= 0 || pid > INT_MAX ? 0 : (pid_t)pid;
}

int util_remove_stale_temps(const char *dir)
{
	struct dirent *de;
	int removed = 0;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		pid_t pid = temp_owner(de->d_name);

		/* A live writer's file is its own; ESRCH: nobody will rename it. */
		if (pid && kill(pid, 0) < 0 && errno == ESRCH &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

int util_mkdir_p(const char *dir, mode_t mode)
{
	char buf[PATH_MAX];
	char *p;
	int ret;

	ret = util_join(buf, sizeof(buf), "%s", dir);
	if (ret)
		return ret;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Printable ASCII (a byte at 0x80 or above is negative where char is signed). */
static bool printable_byte(char c)
{
	return c >= 0x20 && c < 0x7f;
}

const char *util_printable(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size && i < 64; i++)
		buf[i] = s[i];
	buf[i] = '\0';
	return util_make_printable(buf);
}

char *util_make_printable(char *s)
{
	for (char *p = s; *p; p++)
		if (!printable_byte(*p))
			*p = '?';
	return s;
}

bool util_is_printable(const char *s)
{
	for (; *s; s++)
		if (!printable_byte(*s))
			return false;
	return true;
}

char *util_strtrim(char *s)
{
	char *start = s, *end;

	while (*start && isspace((unsigned char)*start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	if (start != s)
		memmove(s, start, end - start + 1);
	return s;
}

int util_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

int util_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err && errsz) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int util_join(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

static uint64_t clock_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t util_now_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

uint64_t util_now_wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

void util_format_time(uint64_t wall_ms, char *buf, size_t size)
{
	time_t secs = wall_ms / 1000;
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
