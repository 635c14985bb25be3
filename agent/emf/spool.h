/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The EMF sink's spool: a FIFO of documents waiting for the CloudWatch
 * agent, and its copy in the state directory across a daemon restart.
 * Bounds are the sink's business; the spool only keeps order and counts.
 *
 * Documents nobody has looked at yet are packed: once the newest untouched
 * ones reach pack_at bytes they are deflated together into one gzip member.
 * One interval's documents differ from the last one's mostly in their
 * numbers, so a block compresses about 17 times where one document alone
 * compresses 4 (bench/spool_zlib.sh): a block is what makes an outage ten
 * times longer fit in the same memory. A packed document is unpacked, with
 * its whole block, when spool_at() first reaches it, i.e. when it is about
 * to be sent; removing one never unpacks (a dropped block must free memory,
 * not take more).
 */
#ifndef PA_SPOOL_H
#define PA_SPOOL_H

#include <stddef.h>
#include <stdint.h>

/* A block's size before deflate: about five intervals of a small instance. */
#define SPOOL_PACK_BYTES (64u << 10)

struct spool_pack;

/* A document as it goes on the wire: the JSON, then '\n' (counted in len). */
struct spool_doc {
	char *data;                 /* NULL while packed */
	size_t len;
	struct spool_pack *pack;    /* the block holding it, while packed */
	size_t off;                 /* where it starts in the block, unpacked */
};

struct spool {
	struct spool_doc *ring;
	size_t cap, head, n;
	size_t bytes;           /* memory the documents take: plain, packed blocks, entries */
	size_t wire_bytes;      /* sum of len: what they are on the wire */
	size_t pack_at;         /* 0: never pack (bench/spool_zlib.sh's "without") */
	size_t loose, loose_bytes;  /* the newest documents, plain and not yet looked at */
};

/* An empty spool that packs at SPOOL_PACK_BYTES. */
void spool_init(struct spool *q);
void spool_free(struct spool *q);

/* Appends a copy of doc (len bytes, no newline) plus '\n'. 0 or -ENOMEM. */
int spool_push(struct spool *q, const char *doc, size_t len);

/*
 * The i-th document from the oldest (i < n), unpacked (data set); NULL when
 * there is no memory to unpack its block (try again later).
 */
struct spool_doc *spool_at(struct spool *q, size_t i);

/* The i-th document as it is, maybe packed (data NULL): its len is always right. */
const struct spool_doc *spool_peek(const struct spool *q, size_t i);

/* Removes and frees the i-th document; the others keep their order. */
void spool_remove(struct spool *q, size_t i);

/*
 * Writes the newest max_docs documents to path as gzip (one member per
 * block, blocks kept whole copied as they are), one document per line,
 * atomically (mode 0600); removes path when there is nothing to keep.
 * 0 or -errno.
 */
int spool_save(const struct spool *q, const char *path, size_t max_docs);

/*
 * What the loader drops, by reason. CloudWatch Logs refuses events larger
 * than 256 KiB, older than 14 days or more than 2 hours in the future; a
 * document it would refuse is not sent at all.
 */
#define SPOOL_DOC_MAX (256 * 1024)
#define SPOOL_MAX_AGE_MS (14ULL * 24 * 3600 * 1000)
#define SPOOL_MAX_AHEAD_MS (2ULL * 3600 * 1000)
struct spool_dropped {
	size_t not_emf;         /* not one JSON object with an integer _aws.Timestamp */
	size_t too_large;       /* over SPOOL_DOC_MAX */
	size_t too_old;         /* timestamp more than 14 days ago (or not positive) */
	size_t ahead;           /* timestamp more than 2 hours ahead */
};

/* All of them. */
size_t spool_dropped_total(const struct spool_dropped *d);

/*
 * Appends the documents of a file written by spool_save(), or by the
 * previous version's (plain JSON lines, told apart by the gzip magic), and
 * removes the file, so a crash later cannot send them twice. Lines
 * CloudWatch would refuse (see above) are dropped and counted in *dropped.
 * A file larger than max_bytes is refused (-EFBIG) and left in place, as is
 * one that is not trusted (-EPERM, trust.h: the spool's documents are sent
 * as this host's), and a gzip file that does not inflate to its end
 * (-EBADMSG: nothing of it is loaded). Returns the number of documents
 * loaded, 0 when there is no file, or a negative errno with why set.
 */
int spool_load(struct spool *q, const char *path, size_t max_bytes, uint64_t now_wall_ms,
	       struct spool_dropped *dropped, char *why, size_t whysz);

/* spool_load() on a file's bytes (and the fuzz target's entry). */
int spool_load_buf(struct spool *q, const char *buf, size_t len, uint64_t now_wall_ms,
		   struct spool_dropped *dropped, char *why, size_t whysz);

#endif
