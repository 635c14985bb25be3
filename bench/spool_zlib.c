// SPDX-License-Identifier: GPL-2.0-only
/*
 * The spool's compression, measured on real documents (bench/spool_zlib.sh
 * collects them): the same stream pushed through a spool that packs and
 * one that does not, side by side, CPU time per document with
 * CLOCK_PROCESS_CPUTIME_ID; then the file written and read back.
 *   spool_zlib DOCS_FILE DOCS_PER_INTERVAL PUSHES MAX_BYTES DIR
 * (DIR: where the spool file is written; root's and 0700, as the loader wants)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "emf/spool.h"
#include "core/util.h"

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

struct docs {
	char **line;
	size_t *len, n, bytes;
};

static void read_docs(const char *path, struct docs *d)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f) {
		perror(path);
		exit(1);
	}
	while ((n = getline(&line, &cap, f)) > 1) {
		d->line = realloc(d->line, (d->n + 1) * sizeof(*d->line));
		d->len = realloc(d->len, (d->n + 1) * sizeof(*d->len));
		d->line[d->n] = strndup(line, n - 1);
		d->len[d->n] = n - 1;
		d->bytes += n;
		d->n++;
	}
	free(line);
	fclose(f);
}

/* Pushes, then sends (spool_at, spool_remove) everything: ns per document each way. */
static void run(const char *name, const struct docs *d, size_t pushes, size_t pack_at,
		size_t max_bytes, size_t per_interval, const char *dir)
{
	struct spool q;
	double t0, t_push, t_send;
	size_t fits = 0, mem = 0, wire = 0;
	char path[4096], why[256];
	struct spool_dropped dropped;

	snprintf(path, sizeof(path), "%s/spool.gz", dir);
	spool_init(&q);
	q.pack_at = pack_at;
	t0 = cpu_ns();
	for (size_t i = 0; i < pushes; i++) {
		spool_push(&q, d->line[i % d->n], d->len[i % d->n]);
		if (q.bytes <= max_bytes)
			fits = i + 1;
	}
	t_push = cpu_ns() - t0;
	mem = q.bytes;
	wire = q.wire_bytes;
	t0 = cpu_ns();
	spool_save(&q, path, pushes);
	double t_save = cpu_ns() - t0;
	FILE *f = fopen(path, "r");
	fseek(f, 0, SEEK_END);
	long fsize = ftell(f);
	fclose(f);
	t0 = cpu_ns();
	while (q.n) {
		if (!spool_at(&q, 0))
			exit(1);
		spool_remove(&q, 0);
	}
	t_send = cpu_ns() - t0;
	t0 = cpu_ns();
	int loaded = spool_load(&q, path, 1u << 30, util_now_wall_ms(), &dropped, why, sizeof(why));
	double t_load = cpu_ns() - t0;
	spool_free(&q);
	unlink(path);
	printf("%-8s %8zu docs  memory %6.2f MiB (%5.0f B/doc, wire %4.0f B/doc, ratio %5.1f)"
	       "  push %6.0f ns/doc  send %6.0f ns/doc\n", name, pushes, mem / 1048576.0,
	       (double)mem / pushes, (double)wire / pushes, (double)wire / mem, t_push / pushes,
	       t_send / pushes);
	if (loaded < 0)
		printf("%-8s load: %s\n", name, why);
	printf("%-8s file %6.2f MiB, save %5.0f ns/doc, load %5.0f ns/doc (%d loaded; the load "
	       "parses each document)\n", name, fsize / 1048576.0, t_save / pushes, t_load / pushes,
	       loaded);
	printf("%-8s %.2f MiB holds %zu docs: %.1f hours at interval 60 with %zu documents per "
	       "interval\n", name, max_bytes / 1048576.0, fits, fits / (double)per_interval / 60.0,
	       per_interval);
}

int main(int argc, char **argv)
{
	struct docs d = { 0 };
	size_t per_interval, pushes, max_bytes, one = 0;
	double t0;

	if (argc != 6) {
		fprintf(stderr, "usage: %s DOCS_FILE DOCS_PER_INTERVAL PUSHES MAX_BYTES DIR\n",
			argv[0]);
		return 2;
	}
	read_docs(argv[1], &d);
	per_interval = strtoul(argv[2], NULL, 10);
	pushes = strtoul(argv[3], NULL, 10);
	max_bytes = strtoul(argv[4], NULL, 10);
	printf("%zu distinct documents, %.0f B each on average, %zu per interval\n", d.n,
	       (double)d.bytes / d.n, per_interval);
	/* Each document deflated alone: what packing in blocks is compared with. */
	t0 = cpu_ns();
	for (size_t i = 0; i < pushes / 10; i++) {
		uLongf zlen = compressBound(d.len[i % d.n]);
		unsigned char *z = malloc(zlen);

		compress2(z, &zlen, (unsigned char *)d.line[i % d.n], d.len[i % d.n], 6);
		one += zlen;
		free(z);
	}
	printf("alone    each document deflated by itself: ratio %.1f, %.0f ns/doc\n",
	       (double)d.bytes / d.n * (pushes / 10) / one, (cpu_ns() - t0) / (pushes / 10));
	run("plain", &d, pushes, 0, max_bytes, per_interval, argv[5]);
	run("packed", &d, pushes, SPOOL_PACK_BYTES, max_bytes, per_interval, argv[5]);
	return 0;
}
