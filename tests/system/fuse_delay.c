// SPDX-License-Identifier: GPL-2.0-only
/*
 * A FUSE file system of files whose reads take a known time, for
 * check_block_quantiles.sh: a loop device over one of them is a block device
 * with a steady, known latency (this kernel has no null_blk, no
 * device-mapper delay target, no modules).
 *
 *   fuse_delay MOUNTPOINT SIZE_MIB NAME=SPEC... [-- FUSE OPTIONS]
 *
 * Each NAME is a read-only file of SIZE_MIB MiB of zeros. SPEC gives the
 * delay of a read in microseconds: "200" (every read), or
 * "300x70,2000x30" (70 % of the 4 KiB blocks take 300 us, 30 % take
 * 2000 us). Which block takes which delay is fixed by its offset (a
 * multiplicative hash of the block number), so a pass over the file reads
 * each delay's share of the blocks exactly, whatever the order. A read
 * sleeps until SPEC's delay after it arrived (absolute CLOCK_MONOTONIC
 * deadline, timer slack 1 ns) and takes the delay of its first block.
 *
 * Files are opened with direct_io: every read reaches this server, none is
 * served from the page cache. Runs in the foreground, single-threaded
 * (-f -s): the test reads one block at a time.
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fuse.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#define MAX_FILES 8
#define MAX_MODES 4
#define BLOCK 4096

struct delay_file {
	char name[64];
	unsigned int n_modes;
	unsigned int usecs[MAX_MODES];
	unsigned int percent[MAX_MODES];	/* adds up to 100 */
};

static struct delay_file files[MAX_FILES];
static unsigned int n_files;
static off_t file_size;

static const struct delay_file *file_of(const char *path)
{
	for (unsigned int i = 0; path[0] == '/' && i < n_files; i++) {
		if (strcmp(path + 1, files[i].name) == 0)
			return &files[i];
	}
	return NULL;
}

/* The delay of the block at off: its share of 100 picked by a hash. */
static unsigned int delay_of(const struct delay_file *f, off_t off)
{
	uint64_t block = (uint64_t)off / BLOCK;
	unsigned int pick = (uint32_t)(block * 2654435761u) % 100, acc = 0;

	for (unsigned int m = 0; m < f->n_modes; m++) {
		acc += f->percent[m];
		if (pick < acc)
			return f->usecs[m];
	}
	return f->usecs[f->n_modes - 1];
}

static int fd_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (!file_of(path))
		return -ENOENT;
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	st->st_size = file_size;
	return 0;
}

static int fd_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	for (unsigned int i = 0; i < n_files; i++)
		fill(buf, files[i].name, NULL, 0, 0);
	return 0;
}

static int fd_open(const char *path, struct fuse_file_info *fi)
{
	if (!file_of(path))
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	fi->direct_io = 1;
	return 0;
}

static int fd_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	const struct delay_file *f = file_of(path);
	struct timespec t;
	uint64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &t);
	if (!f)
		return -ENOENT;
	if (off >= file_size)
		return 0;
	if (size > (size_t)(file_size - off))
		size = file_size - off;
	ns = (uint64_t)t.tv_sec * 1000000000u + t.tv_nsec + delay_of(f, off) * 1000ull;
	t.tv_sec = ns / 1000000000u;
	t.tv_nsec = ns % 1000000000u;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
	memset(buf, 0, size);
	return size;
}

static const struct fuse_operations ops = {
	.getattr = fd_getattr,
	.readdir = fd_readdir,
	.open = fd_open,
	.read = fd_read,
};

/* "300x70,2000x30" or "200" into f; -1 when malformed. */
static int parse_spec(struct delay_file *f, const char *spec)
{
	unsigned int total = 0;
	const char *p = spec;
	char *end;

	while (*p && f->n_modes < MAX_MODES) {
		unsigned long us = strtoul(p, &end, 10), pct = 100;

		if (end == p || us == 0 || us > 10000000)
			return -1;
		p = end;
		if (*p == 'x') {
			pct = strtoul(p + 1, &end, 10);
			if (end == p + 1 || pct == 0 || pct > 100)
				return -1;
			p = end;
		}
		f->usecs[f->n_modes] = us;
		f->percent[f->n_modes++] = pct;
		total += pct;
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
	}
	return *p || total != 100 ? -1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: fuse_delay MOUNTPOINT SIZE_MIB NAME=USECS[xPERCENT][,...]... "
		"[-- FUSE OPTIONS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char *fargs[16] = { argv[0] };
	int nf = 1, i;

	if (argc < 4)
		usage();
	file_size = (off_t)strtoul(argv[2], NULL, 10) << 20;
	if (file_size <= 0)
		usage();
	for (i = 3; i < argc && strcmp(argv[i], "--") != 0; i++) {
		struct delay_file *f = &files[n_files];
		char *eq = strchr(argv[i], '=');

		if (!eq || n_files == MAX_FILES || eq - argv[i] >= (long)sizeof(f->name) ||
		    eq == argv[i])
			usage();
		memcpy(f->name, argv[i], eq - argv[i]);
		if (parse_spec(f, eq + 1)) {
			fprintf(stderr, "fuse_delay: bad delay %s: want USECS or "
				"USECSxPERCENT,... adding up to 100\n", argv[i]);
			return 2;
		}
		n_files++;
	}
	fargs[nf++] = "-f";
	fargs[nf++] = "-s";
	fargs[nf++] = argv[1];
	for (i++; i < argc && nf < 15; i++)
		fargs[nf++] = argv[i];
	/* Wake at the deadline, not up to 50 us after it. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	return fuse_main(nf, fargs, &ops, NULL);
}
