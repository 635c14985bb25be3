/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The EMF sink's spool: a FIFO of documents waiting for the CloudWatch
 * agent, and its copy in the state directory across a daemon restart.
 * Bounds are the sink's business; the spool only keeps order and counts.
 */
#ifndef PA_SPOOL_H
#define PA_SPOOL_H

#include <stddef.h>
#include <stdint.h>

/* A document as it goes on the wire: the JSON, then '\n' (counted in len). */
struct spool_doc {
	char *data;
	size_t len;
};

struct spool {
	struct spool_doc *ring;
	size_t cap, head, n;
	size_t bytes;           /* sum of len */
};

void spool_init(struct spool *q);
void spool_free(struct spool *q);

/* Appends a copy of doc (len bytes, no newline) plus '\n'. 0 or -ENOMEM. */
int spool_push(struct spool *q, const char *doc, size_t len);

/* The i-th document from the oldest (i < n). */
struct spool_doc *spool_at(const struct spool *q, size_t i);

/* Removes and frees the i-th document; the others keep their order. */
void spool_remove(struct spool *q, size_t i);

/*
 * Writes the newest max_docs documents to path, one per line, atomically
 * (mode 0600); removes path when there is nothing to keep. 0 or -errno.
 */
int spool_save(const struct spool *q, const char *path, size_t max_docs);

/*
 * Appends the documents of a file written by spool_save() and removes the
 * file, so a crash later cannot send them twice. Lines that are not an EMF
 * object, or whose timestamp is older than CloudWatch accepts (14 days),
 * are skipped and counted in *skipped. A file larger than max_bytes is
 * refused (-EFBIG) and left in place, as is one that is not trusted
 * (-EPERM, trust.h: the spool's documents are sent as this host's). Returns
 * the number of documents loaded, 0 when there is no file, or a negative
 * errno with why set.
 */
int spool_load(struct spool *q, const char *path, size_t max_bytes, uint64_t now_wall_ms,
	       size_t *skipped, char *why, size_t whysz);

#endif
