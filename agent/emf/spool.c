// SPDX-License-Identifier: GPL-2.0-only
/* The EMF sink's spool: an ordered queue of documents, and its file. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "emf/spool.h"
#include "core/jsonutil.h"
#include "core/trust.h"
#include "core/util.h"

/* CloudWatch Logs discards events older than this. */

void spool_init(struct spool *q)
{
	memset(q, 0, sizeof(*q));
}

void spool_free(struct spool *q)
{
	while (q->n)
		spool_remove(q, 0);
	free(q->ring);
	spool_init(q);
}

struct spool_doc *spool_at(const struct spool *q, size_t i)
{
	return &q->ring[(q->head + i) % q->cap];
}

/* Doubles the ring, unwrapping it so the oldest is at index 0 again. */
static int grow(struct spool *q)
{
	size_t ncap = q->cap ? q->cap * 2 : 64;
	struct spool_doc *ring = malloc(ncap * sizeof(*ring));

	if (!ring)
		return -ENOMEM;
	for (size_t i = 0; i < q->n; i++)
		ring[i] = *spool_at(q, i);
	free(q->ring);
	q->ring = ring;
	q->cap = ncap;
	q->head = 0;
	return 0;
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
	*spool_at(q, q->n - 1) = d;
	q->bytes += d.len;
	return 0;
}

void spool_remove(struct spool *q, size_t i)
{
	struct spool_doc *d = spool_at(q, i);

	q->bytes -= d->len;
	free(d->data);
	/* Close the hole from the front: removals happen near the oldest end. */
	for (; i > 0; i--)
		*spool_at(q, i) = *spool_at(q, i - 1);
	q->head = (q->head + 1) % q->cap;
	q->n--;
}

int spool_save(const struct spool *q, const char *path, size_t max_docs)
{
	size_t first = q->n > max_docs ? q->n - max_docs : 0;
	size_t len = 0;
	char *buf;
	int ret;

	if (first == q->n)
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	for (size_t i = first; i < q->n; i++)
		len += spool_at(q, i)->len;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	len = 0;
	for (size_t i = first; i < q->n; i++) {
		memcpy(buf + len, spool_at(q, i)->data, spool_at(q, i)->len);
		len += spool_at(q, i)->len;
	}
	ret = util_write_atomic(path, buf, len, 0600);
	free(buf);
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

int spool_load(struct spool *q, const char *path, size_t max_bytes, uint64_t now_wall_ms,
	       struct spool_dropped *dropped, char *why, size_t whysz)
{
	char *buf, *line, *nl;
	struct stat st;
	ssize_t len;
	int loaded = 0, ret = 0;

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
	for (line = buf; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', buf + len - line);
		if (!nl)
			nl = buf + len;     /* a last line cut short: checked like the others */
		if (nl == line)
			continue;   /* an empty line: nothing was there */
		if (!doc_loadable(line, nl - line, now_wall_ms, dropped))
			continue;
		ret = spool_push(q, line, nl - line);
		if (ret)
			break;
		loaded++;
	}
	free(buf);
	if (!ret && unlink(path) < 0)
		ret = -errno;
	if (ret)
		snprintf(why, whysz, "%s", strerror(-ret));
	return ret ? ret : loaded;
}
