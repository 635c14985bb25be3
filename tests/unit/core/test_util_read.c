// SPDX-License-Identifier: GPL-2.0-only
/*
 * util_read_fd() and util_read_file(): the whole file up to a limit, and a
 * buffer sized to the file, not to the limit (the soak's RSS creep).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"

#define MiB (1024 * 1024)

/* A temporary file of len bytes, a pattern that shows a misplaced byte; its fd at offset 0. */
static int file_of(size_t len, char **data)
{
	char path[] = "/tmp/perfagent-test-read.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	*data = malloc(len + 1);
	assert_non_null(*data);
	for (size_t i = 0; i < len; i++)
		(*data)[i] = 'a' + i % 23;
	(*data)[len] = '\0';
	assert_int_equal(write(fd, *data, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/*
 * The regression: a few hundred bytes read with the 1 MiB limit that
 * /proc/stat and the profiles are read with took a 1 MiB buffer, every
 * interval and every reload.
 */
static void test_small_file_small_buffer(void **state)
{
	char *data, *out;
	int fd = file_of(300, &data);

	(void)state;
	assert_int_equal(util_read_fd(fd, MiB, &out), 300);
	assert_string_equal(out, data);
	assert_true(malloc_usable_size(out) < 64 * 1024);
	free(out);
	free(data);
	close(fd);
}

/* Sizes around the first buffer and its doublings, all read whole. */
static void test_sizes_across_growth(void **state)
{
	static const size_t sizes[] = { 0, 1, 4094, 4095, 4096, 4097, 8191, 8193, 100000 };

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *data, *out;
		int fd = file_of(sizes[i], &data);

		assert_int_equal(util_read_fd(fd, MiB, &out), (ssize_t)sizes[i]);
		assert_memory_equal(out, data, sizes[i] + 1);
		free(out);
		free(data);
		close(fd);
	}
}

/* Exactly max is read; one byte more is -EFBIG, for limits below and above the first buffer. */
static void test_limit_exact_and_over(void **state)
{
	static const size_t limits[] = { 8, 4094, 4095, 4096, 10000, 65536 };

	(void)state;
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		size_t max = limits[i];
		char *data, *out;
		int fd = file_of(max + 1, &data);

		assert_int_equal(util_read_fd(fd, max + 1, &out), (ssize_t)max + 1);
		free(out);
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		assert_int_equal(util_read_fd(fd, max, &out), -EFBIG);
		assert_null(out);
		assert_int_equal(ftruncate(fd, max), 0);
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		assert_int_equal(util_read_fd(fd, max, &out), (ssize_t)max);
		assert_memory_equal(out, data, max);
		assert_int_equal(out[max], '\0');
		free(out);
		free(data);
		close(fd);
	}
}

/* A pipe hands data over in pieces: still read whole. */
static void test_pipe_in_pieces(void **state)
{
	char *data, *out;
	int fds[2], src = file_of(50000, &data);

	(void)state;
	close(src);
	assert_int_equal(pipe(fds), 0);
	for (size_t off = 0; off < 50000; off += 1000)
		assert_int_equal(write(fds[1], data + off, 1000), 1000);
	close(fds[1]);
	assert_int_equal(util_read_fd(fds[0], MiB, &out), 50000);
	assert_string_equal(out, data);
	free(out);
	free(data);
	close(fds[0]);
}

static void test_read_file_proc(void **state)
{
	char *out;
	ssize_t len;

	(void)state;
	len = util_read_file("/proc/self/status", MiB, &out);
	assert_true(len > 0);
	assert_int_equal(strlen(out), (size_t)len);
	assert_non_null(strstr(out, "VmRSS"));
	assert_true(malloc_usable_size(out) < 64 * 1024);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_file_small_buffer),
		cmocka_unit_test(test_sizes_across_growth),
		cmocka_unit_test(test_limit_exact_and_over),
		cmocka_unit_test(test_pipe_in_pieces),
		cmocka_unit_test(test_read_file_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
