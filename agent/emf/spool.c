// SPDX-License-Identifier: GPL-2.0-only
/* The EMF sink's spool: an ordered queue of documents, packed in blocks, and its file. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <zlib.h>

#include "emf/spool.h"
#include "core/jsonutil.h"
#include "core/trust.h"
#include "core/util.h"

/*
 * zlib's default: on a 64 KiB block of this agent's documents it packs 17
 * to 1 where level 1 packs 9 to 1, for a few microseconds per document
 * (bench/spool_zlib.sh).
 */
#define SPOOL_ZLEVEL 6
#define GZIP_WBITS (15 + 16)    /* deflate window, gzip wrapper (its CRC guards the file) */

/* One deflated block: a whole gzip member. */
struct spool_pack {
	unsigned char *z;
	size_t zlen;
	size_t plain;           /* its bytes once inflated */
	size_t count, left;     /* documents packed, and still in the spool */
};

void spool_init(struct spool *q)
{
	memset(q, 0, sizeof(*q));
	q->pack_at = SPOOL_PACK_BYTES;
}

static struct spool_doc *entry(const struct spool *q, size_t i)
{
	return &q->ring[(q->head + i) % q->cap];
}

const struct spool_doc *spool_peek(const struct spool *q, size_t i)
{
	return entry(q, i);
}

void spool_free(struct spool *q)
{
	size_t pack_at = q->pack_at;

	while (q->n)
		spool_remove(q, 0);
	free(q->ring);
	spool_init(q);
	q->pack_at = pack_at;
}

/* Doubles the ring, unwrapping it so the oldest is at index 0 again. */
static int grow(struct spool *q)
{
	size_t ncap = q->cap ? q->cap * 2 : 64;
	struct spool_doc *ring = malloc(ncap * sizeof(*ring));

	if (!ring)
		return -ENOMEM;
	for (size_t i = 0; i < q->n; i++)
		ring[i] = *entry(q, i);
	free(q->ring);
	q->ring = ring;
	q->cap = ncap;
	q->head = 0;
	return 0;
}

/* Deflates in[0, len) as one gzip member appended to *out (*outlen, grown). 0 or -errno. */
static int gz_member(const void *in, size_t len, unsigned char **out, size_t *outlen)
{
	z_stream z = { 0 };
	unsigned char *buf;
	size_t bound;
	int ret;

	if (deflateInit2(&z, SPOOL_ZLEVEL, Z_DEFLATED, GZIP_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	bound = deflateBound(&z, len);
	buf = realloc(*out, *outlen + bound);
	if (!buf) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	*out = buf;
	z.next_in = (unsigned char *)in;
	z.avail_in = len;
	z.next_out = buf + *outlen;
	z.avail_out = bound;
	ret = deflate(&z, Z_FINISH);
	*outlen += bound - z.avail_out;
	deflateEnd(&z);
	return ret == Z_STREAM_END ? 0 : -EIO;
}

/* Inflates one whole member into plain (size bytes exactly). 0 or -errno. */
static int gz_inflate(const struct spool_pack *p, char *plain)
{
	z_stream z = { 0 };
	int ret;

	if (inflateInit2(&z, GZIP_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = p->z;
	z.avail_in = p->zlen;
	z.next_out = (unsigned char *)plain;
	z.avail_out = p->plain;
	ret = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	return ret == Z_STREAM_END && z.avail_out == 0 ? 0 : -EIO;
}

/* Packs the loose documents into one block; they stay plain if that fails. */
static void pack_loose(struct spool *q)
{
	size_t first = q->n - q->loose, off = 0, zlen = 0;
	struct spool_pack *p = calloc(1, sizeof(*p));
	unsigned char *z = NULL;
	char *plain = malloc(q->loose_bytes);

	if (!p || !plain)
		goto out;
	for (size_t i = first; i < q->n; i++) {
		memcpy(plain + off, entry(q, i)->data, entry(q, i)->len);
		off += entry(q, i)->len;
	}
	if (gz_member(plain, off, &z, &zlen))
		goto out;
	*p = (struct spool_pack){ .z = realloc(z, zlen) ?: z, .zlen = zlen, .plain = off,
				  .count = q->loose, .left = q->loose };
	off = 0;
	for (size_t i = first; i < q->n; i++) {
		struct spool_doc *d = entry(q, i);

		free(d->data);
		d->data = NULL;
		d->pack = p;
		d->off = off;
		off += d->len;
	}
	q->bytes += p->zlen + sizeof(*p);
	q->bytes -= q->loose_bytes;
	p = NULL;
	z = NULL;
out:
	free(p);
	free(z);
	free(plain);
	/* Also after a failure: not retried at every push. */
	q->loose = q->loose_bytes = 0;
}

int spool_push(struct spool *q, const char *doc, size_t len)
{
	struct spool_doc d = { .data = malloc(len + 1), .len = len + 1 };

	if (!d.data || (q->n == q->cap && grow(q))) {
		free(d.data);
		return -ENOMEM;
	}
	memcpy(d.data, doc, len);
	d.data[len] = '\n';
	q->n++;
	*entry(q, q->n - 1) = d;
	q->bytes += d.len + sizeof(d);
	q->wire_bytes += d.len;
	q->loose++;
	q->loose_bytes += d.len;
	if (q->pack_at && q->loose_bytes >= q->pack_at)
		pack_loose(q);
	return 0;
}

static void pack_release(struct spool *q, struct spool_pack *p)
{
	q->bytes -= p->zlen + sizeof(*p);
	free(p->z);
	free(p);
}

/* Unpacks the block holding document i, every document of it still here. */
static int unpack(struct spool *q, size_t i)
{
	struct spool_pack *p = entry(q, i)->pack;
	size_t first = i, end = i, plain_bytes = 0;
	char *plain = malloc(p->plain);
	int ret = -ENOMEM;

	while (first > 0 && entry(q, first - 1)->pack == p)
		first--;
	while (end < q->n && entry(q, end)->pack == p)
		end++;
	if (!plain || (ret = gz_inflate(p, plain)))
		goto out;
	for (size_t k = first; k < end; k++) {
		struct spool_doc *d = entry(q, k);

		d->data = malloc(d->len);
		if (!d->data) {
			for (size_t j = first; j <= k; j++) {
				free(entry(q, j)->data);
				entry(q, j)->data = NULL;
			}
			ret = -ENOMEM;
			goto out;
		}
		memcpy(d->data, plain + d->off, d->len);
	}
	for (size_t k = first; k < end; k++) {
		entry(q, k)->pack = NULL;
		plain_bytes += entry(q, k)->len;
	}
	q->bytes += plain_bytes;
	pack_release(q, p);
out:
	free(plain);
	return ret;
}

struct spool_doc *spool_at(struct spool *q, size_t i)
{
	struct spool_doc *d = entry(q, i);

	/* Looked at: about to be sent, so neither it nor the older ones get packed. */
	if (i >= q->n - q->loose) {
		/* Each document leaves the loose ones once: constant time on average. */
		for (size_t k = q->n - q->loose; k <= i; k++)
			q->loose_bytes -= entry(q, k)->len;
		q->loose = q->n - 1 - i;
	}
	if (d->pack && unpack(q, i))
		return NULL;
	return d;
}

void spool_remove(struct spool *q, size_t i)
{
	struct spool_doc *d = entry(q, i);

	if (i >= q->n - q->loose) {
		q->loose--;
		q->loose_bytes -= d->len;
	}
	q->bytes -= sizeof(*d) + (d->pack ? 0 : d->len);
	q->wire_bytes -= d->len;
	if (d->pack && --d->pack->left == 0)
		pack_release(q, d->pack);
	free(d->data);
	/* Close the hole from the front: removals happen near the oldest end. */
	for (; i > 0; i--)
		*entry(q, i) = *entry(q, i - 1);
	q->head = (q->head + 1) % q->cap;
	q->n--;
}

/* ---- the file ---- */

/* The gzip file being built: members, and plain bytes waiting to become one. */
struct gz_writer {
	unsigned char *out;
	size_t outlen;
	char *stage;
	size_t staged;
	const struct spool_pack *cached;   /* the block inflated in cache */
	char *cache;
};

static int writer_flush(struct gz_writer *w)
{
	int ret = 0;

	if (w->staged)
		ret = gz_member(w->stage, w->staged, &w->out, &w->outlen);
	w->staged = 0;
	return ret;
}

static int writer_add(struct gz_writer *w, const char *data, size_t len)
{
	if (w->staged + len > SPOOL_PACK_BYTES && w->staged) {
		int ret = writer_flush(w);

		if (ret)
			return ret;
	}
	if (!w->stage && !(w->stage = malloc(SPOOL_PACK_BYTES + SPOOL_DOC_MAX + 1)))
		return -ENOMEM;
	if (len > SPOOL_PACK_BYTES + SPOOL_DOC_MAX + 1)
		return gz_member(data, len, &w->out, &w->outlen);
	memcpy(w->stage + w->staged, data, len);
	w->staged += len;
	return 0;
}

/* Document i into w: its block copied whole when all of it is kept, else its bytes. */
static int save_doc(struct gz_writer *w, const struct spool *q, size_t *i)
{
	const struct spool_doc *d = entry(q, *i);
	const struct spool_pack *p = d->pack;
	unsigned char *out;
	int ret;

	if (!p)
		return writer_add(w, d->data, d->len);
	if (d->off == 0 && p->left == p->count && *i + p->count <= q->n) {
		if ((ret = writer_flush(w)))
			return ret;
		out = realloc(w->out, w->outlen + p->zlen);
		if (!out)
			return -ENOMEM;
		w->out = out;
		memcpy(w->out + w->outlen, p->z, p->zlen);
		w->outlen += p->zlen;
		*i += p->count - 1;
		return 0;
	}
	if (w->cached != p) {
		free(w->cache);
		w->cached = NULL;
		if (!(w->cache = malloc(p->plain)))
			return -ENOMEM;
		if ((ret = gz_inflate(p, w->cache)))
			return ret;
		w->cached = p;
	}
	return writer_add(w, w->cache + d->off, d->len);
}

int spool_save(const struct spool *q, const char *path, size_t max_docs)
{
	size_t first = q->n > max_docs ? q->n - max_docs : 0;
	struct gz_writer w = { 0 };
	int ret = 0;

	if (first == q->n)
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	for (size_t i = first; i < q->n && !ret; i++)
		ret = save_doc(&w, q, &i);
	if (!ret)
		ret = writer_flush(&w);
	if (!ret)
		ret = util_write_atomic(path, w.out, w.outlen, 0600);
	free(w.out);
	free(w.stage);
	free(w.cache);
	return ret;
}

size_t spool_dropped_total(const struct spool_dropped *d)
{
	return d->not_emf + d->too_large + d->too_old + d->ahead;
}

/* Whether line is one EMF object with an integer _aws.Timestamp, put in *ms. */
static bool doc_timestamp(const char *line, size_t len, int64_t *ms)
{
	struct json_object *doc, *ts;
	struct json_tokener *tok;
	bool ok = false;

	if (memchr(line, '\0', len))
		return false;
	tok = json_tokener_new_ex(16);
	if (!tok)
		return false;
	doc = json_tokener_parse_ex(tok, line, len);
	ts = json_at(doc, "_aws.Timestamp");
	if (doc && json_tokener_get_error(tok) == json_tokener_success &&
	    tok->char_offset == (int)len && json_object_is_type(ts, json_type_int)) {
		*ms = json_object_get_int64(ts);
		ok = true;
	}
	json_object_put(doc);
	json_tokener_free(tok);
	return ok;
}

/* Whether CloudWatch would take the document; if not, counts why. */
static bool doc_loadable(const char *line, size_t len, uint64_t now_wall_ms,
			 struct spool_dropped *dropped)
{
	int64_t ts;

	if (len > SPOOL_DOC_MAX) {
		dropped->too_large++;
		return false;
	}
	if (!doc_timestamp(line, len, &ts)) {
		dropped->not_emf++;
		return false;
	}
	/* Signed: a negative timestamp must not pass as a huge unsigned one. */
	if (ts <= 0 || (uint64_t)ts + SPOOL_MAX_AGE_MS <= now_wall_ms) {
		dropped->too_old++;
		return false;
	}
	if ((uint64_t)ts > now_wall_ms + SPOOL_MAX_AHEAD_MS) {
		dropped->ahead++;
		return false;
	}
	return true;
}

/* Splits plain text into lines as it comes, keeping the loadable ones. */
struct line_reader {
	struct spool *q;
	uint64_t now;
	struct spool_dropped *dropped;
	char *line;             /* a line begun in an earlier piece */
	size_t len;
	bool skipping;          /* the line outgrew SPOOL_DOC_MAX: counted, its rest ignored */
};

static int take_line(struct line_reader *r, const char *line, size_t len)
{
	if (len == 0 || !doc_loadable(line, len, r->now, r->dropped))
		return 0;   /* an empty line: nothing was there */
	return spool_push(r->q, line, len);
}

/* Feeds len bytes; last: what is left is a line cut short, checked like the others. */
static int reader_feed(struct line_reader *r, const char *buf, size_t len, bool last)
{
	const char *end = buf + len, *nl;
	int ret = 0;

	for (; buf < end && !ret; buf = nl + 1) {
		nl = memchr(buf, '\n', end - buf);
		if (!nl)
			nl = end;
		if (r->skipping) {
			r->skipping = nl == end;
			continue;
		}
		if (!r->len && nl < end) {
			ret = take_line(r, buf, nl - buf);  /* whole in this piece: no copy */
			continue;
		}
		if (r->len + (nl - buf) > SPOOL_DOC_MAX) {
			r->dropped->too_large++;
			r->len = 0;
			r->skipping = nl == end;
			continue;
		}
		if (!r->line && !(r->line = malloc(SPOOL_DOC_MAX)))
			return -ENOMEM;
		memcpy(r->line + r->len, buf, nl - buf);
		r->len += nl - buf;
		if (nl < end) {
			ret = take_line(r, r->line, r->len);
			r->len = 0;
		}
	}
	if (!ret && last && r->len) {
		ret = take_line(r, r->line, r->len);
		r->len = 0;
	}
	return ret;
}

/* Inflates every member of a gzip file through the reader. 0, or -errno with why. */
static int load_gzip(struct line_reader *r, const char *buf, size_t len, char *why,
		     size_t whysz)
{
	char out[64 << 10];
	z_stream z = { 0 };
	int zret = Z_OK, ret = 0;

	if (inflateInit2(&z, GZIP_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = (unsigned char *)buf;
	z.avail_in = len;
	while (!ret && z.avail_in) {
		if (zret == Z_STREAM_END)
			inflateReset(&z);   /* the next block's member */
		z.next_out = (unsigned char *)out;
		z.avail_out = sizeof(out);
		zret = inflate(&z, Z_NO_FLUSH);
		if (zret != Z_OK && zret != Z_STREAM_END)
			break;
		ret = reader_feed(r, out, sizeof(out) - z.avail_out, false);
		if (zret == Z_OK && z.avail_out == sizeof(out) && !z.avail_in)
			break;
	}
	if (!ret && zret != Z_STREAM_END) {
		snprintf(why, whysz, "corrupt or cut short at byte %zu of %zu (zlib: %s); "
			 "nothing of it loaded", len - z.avail_in, len,
			 zret == Z_OK || zret == Z_BUF_ERROR ? "unexpected end of file"
							     : z.msg ? z.msg : zError(zret));
		ret = -EBADMSG;
	}
	/* No more bytes: the line cut short, if any ("": NULL + 0 is undefined). */
	if (!ret)
		ret = reader_feed(r, "", 0, true);
	inflateEnd(&z);
	return ret;
}

/* Moves every document of t to the end of q, in order; t is left empty. */
static int spool_take_all(struct spool *q, struct spool *t)
{
	while (q->cap - q->n < t->n) {
		if (grow(q))
			return -ENOMEM;
	}
	for (size_t i = 0; i < t->n; i++)
		*entry(q, q->n + i) = *entry(t, i);
	q->n += t->n;
	q->bytes += t->bytes;
	q->wire_bytes += t->wire_bytes;
	q->loose = t->loose;
	q->loose_bytes = t->loose_bytes;
	free(t->ring);
	spool_init(t);
	return 0;
}

int spool_load_buf(struct spool *q, const char *buf, size_t len, uint64_t now_wall_ms,
		   struct spool_dropped *dropped, char *why, size_t whysz)
{
	struct spool t;
	struct line_reader r = { .q = &t, .now = now_wall_ms, .dropped = dropped };
	int ret;

	memset(dropped, 0, sizeof(*dropped));
	/* Loaded aside first: a corrupt file adds nothing, not half of itself. */
	spool_init(&t);
	t.pack_at = q->pack_at;
	if (len >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b)
		ret = load_gzip(&r, buf, len, why, whysz);
	else
		ret = reader_feed(&r, buf, len, true);     /* plain lines: the previous version's */
	free(r.line);
	len = t.n;
	if (!ret)
		ret = spool_take_all(q, &t);
	spool_free(&t);
	if (ret && ret != -EBADMSG)
		snprintf(why, whysz, "%s", strerror(-ret));
	return ret ? ret : (int)len;
}

int spool_load(struct spool *q, const char *path, size_t max_bytes, uint64_t now_wall_ms,
	       struct spool_dropped *dropped, char *why, size_t whysz)
{
	struct stat st;
	ssize_t len;
	char *buf;
	int ret;

	memset(dropped, 0, sizeof(*dropped));
	if (lstat(path, &st) < 0) {
		ret = -errno;
		snprintf(why, whysz, "%s", strerror(-ret));
		return ret == -ENOENT ? 0 : ret;
	}
	if ((uint64_t)st.st_size > max_bytes) {
		snprintf(why, whysz, "larger than %zu bytes", max_bytes);
		return -EFBIG;
	}
	/* Sized to the file, not to the bound: the bound is tens of MiB. */
	len = trust_read_file(path, st.st_size, &buf, why, whysz);
	if (len < 0)
		return len;
	ret = spool_load_buf(q, buf, len, now_wall_ms, dropped, why, whysz);
	free(buf);
	if (ret >= 0 && unlink(path) < 0) {
		ret = -errno;
		snprintf(why, whysz, "%s", strerror(-ret));
	}
	return ret;
}
