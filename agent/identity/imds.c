// SPDX-License-Identifier: GPL-2.0-only
/*
 * IMDSv2 client. A token PUT, then one GET of the identity document, over
 * plain HTTP to a link-local address: never through a proxy (IMDS rejects
 * PUTs carrying X-Forwarded-For), never IMDSv1, short timeouts so that a host
 * outside EC2 is not held up, and replies capped at IMDS_MAX_REPLY.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "core/curl_dl.h"
#include "identity/imds.h"
#include "core/jsonutil.h"
#include "identity/itype.h"

#define IMDS_TOKEN_PATH "/latest/api/token"
#define IMDS_DOC_PATH "/latest/dynamic/instance-identity/document"
/* Answers only where the instance allows tags in metadata (InstanceMetadataTags). */
#define IMDS_ASG_TAG_PATH "/latest/meta-data/tags/instance/aws:autoscaling:groupName"
#define IMDS_IPV6_ENDPOINT "http://[fd00:ec2::254]"
#define IMDS_DEFAULT_CONNECT_MS 250
#define IMDS_DEFAULT_REQUEST_MS 1000
#define IMDS_DEFAULT_RETRIES 1
#define IMDS_MAX_RETRIES 2
#define IMDS_RETRY_PAUSE_MS 100
#define IMDS_ENDPOINT_MAX 256
#define IMDS_TOKEN_MAX 1024
#define IMDS_JSON_DEPTH 8

#ifndef PERFAGENT_VERSION
#define PERFAGENT_VERSION "dev"
#endif

/* The settled options of one fetch. */
struct imds_ctx {
	CURL *curl;
	char endpoint[IMDS_ENDPOINT_MAX];
	long connect_ms;
	long request_ms;
	int retries;
	char *err;
	size_t errsz;
};

struct imds_buf {
	char *data;     /* IMDS_MAX_REPLY + 1 bytes */
	size_t len;
	bool too_big;
};

/* Set by imds_setup_curl() before any other libcurl call. */
static const struct curl_api *cu;

static int imds_fail(char *err, size_t errsz, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int imds_fail(char *err, size_t errsz, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errsz) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* ---- identity document parsing (pure) ---- */

static bool imds_valid_instance_id(const char *s, size_t len)
{
	size_t i;

	if (len < 2 + 8 || len > 2 + 17 || s[0] != 'i' || s[1] != '-')
		return false;
	for (i = 2; i < len; i++) {
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	}
	return true;
}

/* Optional fields: a bad one is left empty rather than failing the document. */
static void imds_get_optional(struct json_object *obj, const char *key, char *dst, size_t size)
{
	json_get_clean_string(obj, key, dst, size);
}

/* Required fields: present, clean and not empty. */
static int imds_get_string(struct json_object *obj, const char *key, char *dst, size_t size)
{
	int ret = json_get_clean_string(obj, key, dst, size);

	return ret ? ret : dst[0] ? 0 : -EINVAL;
}

static int imds_tokenize(const char *body, size_t len, struct json_object **out,
			 char *err, size_t errsz)
{
	struct json_tokener *tok;
	struct json_object *obj;
	bool truncated = false;
	size_t end, i;
	int ret = 0;

	*out = NULL;
	if (len > IMDS_MAX_REPLY)
		return imds_fail(err, errsz, -EFBIG,
				 "IMDS identity document is larger than 64 KiB");
	if (len == 0 || memchr(body, '\0', len))
		return imds_fail(err, errsz, -EPROTO,
				 "IMDS identity document is not valid JSON (%s)",
				 len ? "it contains a NUL byte" : "it is empty");
	tok = json_tokener_new_ex(IMDS_JSON_DEPTH);
	if (!tok)
		return imds_fail(err, errsz, -ENOMEM, "out of memory parsing the IMDS reply");
	obj = json_tokener_parse_ex(tok, body, (int)len);
	end = json_tokener_get_parse_end(tok);
	/* A bare number at the end waits for more digits: end the input. */
	if (!obj && json_tokener_get_error(tok) == json_tokener_continue) {
		truncated = true;
		obj = json_tokener_parse_ex(tok, "", 1);
		end = len;
	}
	if (!obj || json_tokener_get_error(tok) != json_tokener_success) {
		ret = imds_fail(err, errsz, -EPROTO,
				"IMDS identity document is not valid JSON (%s)",
				truncated ? "it is truncated" :
				json_tokener_error_desc(json_tokener_get_error(tok)));
		goto out;
	}
	for (i = end; i < len; i++) {
		if (!isspace((unsigned char)body[i])) {
			ret = imds_fail(err, errsz, -EPROTO,
					"IMDS identity document is not valid JSON (data after the object)");
			goto out;
		}
	}
	if (!json_object_is_type(obj, json_type_object)) {
		ret = imds_fail(err, errsz, -EPROTO,
				"IMDS identity document is valid JSON but not an object");
		goto out;
	}
	*out = obj;
	obj = NULL;
out:
	json_object_put(obj);
	json_tokener_free(tok);
	return ret;
}

int imds_parse_identity(const char *body, size_t len, struct imds_identity_doc *doc,
			char *err, size_t errsz)
{
	struct json_object *obj = NULL;
	struct itype t;
	char terr[128];
	int ret;

	memset(doc, 0, sizeof(*doc));
	ret = imds_tokenize(body, len, &obj, err, errsz);
	if (ret)
		return ret;

	ret = imds_get_string(obj, "instanceId", doc->instance_id, sizeof(doc->instance_id));
	if (ret || !imds_valid_instance_id(doc->instance_id, strlen(doc->instance_id))) {
		ret = imds_fail(err, errsz, -EPROTO,
				"IMDS identity document has %s instanceId",
				ret == -ENOENT ? "no" : "an invalid");
		goto out;
	}
	ret = imds_get_string(obj, "instanceType", doc->instance_type,
			      sizeof(doc->instance_type));
	if (ret) {
		ret = imds_fail(err, errsz, -EPROTO,
				"IMDS identity document has %s instanceType",
				ret == -ENOENT ? "no" : "an invalid");
		goto out;
	}
	if (itype_parse(doc->instance_type, &t, terr, sizeof(terr))) {
		ret = imds_fail(err, errsz, -EPROTO,
				"IMDS identity document has an invalid instanceType: %s", terr);
		goto out;
	}
	imds_get_optional(obj, "region", doc->region, sizeof(doc->region));
	imds_get_optional(obj, "availabilityZone", doc->availability_zone,
			  sizeof(doc->availability_zone));
	imds_get_optional(obj, "accountId", doc->account_id, sizeof(doc->account_id));
	imds_get_optional(obj, "imageId", doc->image_id, sizeof(doc->image_id));
	imds_get_optional(obj, "architecture", doc->architecture, sizeof(doc->architecture));
	imds_get_optional(obj, "privateIp", doc->private_ip, sizeof(doc->private_ip));
	ret = 0;
out:
	if (ret)
		memset(doc, 0, sizeof(*doc));
	json_object_put(obj);
	return ret;
}

/* ---- HTTP ---- */

static size_t imds_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct imds_buf *b = userdata;
	size_t n = size * nmemb;

	if (n > IMDS_MAX_REPLY - b->len) {
		/* A short count makes curl abort the transfer (CURLE_WRITE_ERROR). */
		b->too_big = true;
		return 0;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static bool imds_graph_only(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (!isgraph((unsigned char)s[i]))
			return false;
	}
	return true;
}

int imds_endpoint_check(const char *ep, size_t *len)
{
	size_t n = strlen(ep);

	while (n > 0 && ep[n - 1] == '/')
		n--;
	*len = n;
	if (!imds_graph_only(ep, n))
		return -EILSEQ;
	if (n <= 7 || n >= IMDS_ENDPOINT_MAX || strncasecmp(ep, "http://", 7))
		return -EINVAL;
	return 0;
}

/* opts->endpoint, else the SDKs' environment variables, else the default. */
static int imds_pick_endpoint(const struct imds_opts *opts, struct imds_ctx *c)
{
	const char *ep = opts ? opts->endpoint : NULL;
	const char *mode;
	size_t len;
	int ret;

	if (!ep || !*ep)
		ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	if (!ep || !*ep) {
		mode = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
		ep = mode && !strcasecmp(mode, "IPv6") ? IMDS_IPV6_ENDPOINT :
		     IMDS_DEFAULT_ENDPOINT;
	}
	ret = imds_endpoint_check(ep, &len);
	/* Shown back to the user only when it holds no control characters. */
	if (ret == -EILSEQ)
		return imds_fail(c->err, c->errsz, -EINVAL,
				 "IMDS endpoint holds blanks or control characters "
				 "(check imds_endpoint and AWS_EC2_METADATA_SERVICE_ENDPOINT)");
	if (ret)
		return imds_fail(c->err, c->errsz, -EINVAL,
				 "IMDS endpoint \"%.80s\" is not an http:// URL with a host "
				 "(check imds_endpoint and AWS_EC2_METADATA_SERVICE_ENDPOINT)", ep);
	memcpy(c->endpoint, ep, len);
	c->endpoint[len] = '\0';
	return 0;
}

static void imds_pick_limits(const struct imds_opts *opts, struct imds_ctx *c)
{
	c->connect_ms = IMDS_DEFAULT_CONNECT_MS;
	c->request_ms = IMDS_DEFAULT_REQUEST_MS;
	c->retries = IMDS_DEFAULT_RETRIES;
	if (!opts)
		return;
	if (opts->connect_timeout_ms > 0)
		c->connect_ms = opts->connect_timeout_ms;
	if (opts->request_timeout_ms > 0)
		c->request_ms = opts->request_timeout_ms;
	/* 0 keeps the default; a negative count turns retries off. */
	if (opts->retries < 0)
		c->retries = 0;
	else if (opts->retries > 0)
		c->retries = opts->retries;
	if (c->retries > IMDS_MAX_RETRIES)
		c->retries = IMDS_MAX_RETRIES;
	if (c->connect_ms > c->request_ms)
		c->connect_ms = c->request_ms;
}

static int imds_setup_curl(struct imds_ctx *c, struct imds_buf *b)
{
	CURL *h;
	int bad = 0;

	cu = curl_dl_load(c->err, c->errsz);
	if (!cu)
		return -ENOSYS;
	h = cu->easy_init();
	if (!h)
		return imds_fail(c->err, c->errsz, -ENOMEM, "libcurl failed to initialise");
	c->curl = h;
	/* Never a proxy: IMDS refuses PUTs with X-Forwarded-For. */
	bad |= cu->easy_setopt(h, CURLOPT_NOPROXY, "*");
	bad |= cu->easy_setopt(h, CURLOPT_PROXY, "");
	bad |= cu->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms);
	bad |= cu->easy_setopt(h, CURLOPT_TIMEOUT_MS, c->request_ms);
	bad |= cu->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	bad |= cu->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	bad |= cu->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
#else
	bad |= cu->easy_setopt(h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTP);
#endif
	bad |= cu->easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	bad |= cu->easy_setopt(h, CURLOPT_MAXFILESIZE, (long)IMDS_MAX_REPLY);
	bad |= cu->easy_setopt(h, CURLOPT_WRITEFUNCTION, imds_write_cb);
	bad |= cu->easy_setopt(h, CURLOPT_WRITEDATA, b);
	bad |= cu->easy_setopt(h, CURLOPT_USERAGENT, "perfagent/" PERFAGENT_VERSION);
	if (bad)
		return imds_fail(c->err, c->errsz, -EIO,
				 "libcurl rejected an option (built without HTTP support?)");
	return 0;
}

static int imds_curl_errno(CURLcode rc, const struct imds_buf *b)
{
	switch (rc) {
	case CURLE_OK:
		return 0;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_FILESIZE_EXCEEDED:
		return -EFBIG;
	case CURLE_WRITE_ERROR:
		return b->too_big ? -EFBIG : -EIO;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		return -ECONNRESET;
	default:
		return -EIO;
	}
}

struct imds_req {
	bool put;
	const char *path;
	struct curl_slist *headers;
	const char *what;       /* for messages: "token request" */
	long status;            /* HTTP status of the last attempt */
	bool connected;         /* the last attempt got a connection */
	int attempts;
	char curlerr[CURL_ERROR_SIZE];
};

/* One attempt: 0 with req->status set, or a negative errno for the transport. */
static int imds_attempt(struct imds_ctx *c, struct imds_buf *b, struct imds_req *req)
{
	char url[IMDS_ENDPOINT_MAX + 64];
	curl_off_t connect_us = 0;
	CURLcode rc;
	CURL *h = c->curl;

	snprintf(url, sizeof(url), "%s%s", c->endpoint, req->path);
	b->len = 0;
	b->too_big = false;
	b->data[0] = '\0';
	req->curlerr[0] = '\0';
	req->status = 0;
	cu->easy_setopt(h, CURLOPT_URL, url);
	cu->easy_setopt(h, CURLOPT_HTTPHEADER, req->headers);
	if (req->put) {
		cu->easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
	} else {
		cu->easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
		cu->easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	cu->easy_setopt(h, CURLOPT_ERRORBUFFER, req->curlerr);
	rc = cu->easy_perform(h);
	cu->easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	req->attempts++;
	cu->easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_us);
	req->connected = connect_us > 0;
	if (rc == CURLE_OK)
		cu->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &req->status);
	if (!req->curlerr[0] && rc != CURLE_OK)
		snprintf(req->curlerr, sizeof(req->curlerr), "%s", cu->easy_strerror(rc));
	return imds_curl_errno(rc, b);
}

static bool imds_transient(int ret, long status)
{
	if (ret == -ETIMEDOUT || ret == -ECONNREFUSED || ret == -ECONNRESET)
		return true;
	return ret == 0 && status >= 500 && status <= 599;
}

static void imds_pause_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Attempts a request, retrying transient failures; never 4xx. */
static int imds_request(struct imds_ctx *c, struct imds_buf *b, struct imds_req *req)
{
	int ret, left = c->retries;

	for (;;) {
		ret = imds_attempt(c, b, req);
		if (!imds_transient(ret, req->status) || left-- <= 0)
			return ret;
		/* A timeout already waited long enough; others get a short pause. */
		if (ret != -ETIMEDOUT)
			imds_pause_ms(IMDS_RETRY_PAUSE_MS);
	}
}

/* A sentence for a transport failure of req. */
static int imds_transport_error(struct imds_ctx *c, const struct imds_req *req, int ret)
{
	bool token = req->put;

	switch (ret) {
	case -ETIMEDOUT:
		if (token)
			return imds_fail(c->err, c->errsz, ret,
					 "IMDS at %s did not answer within %ld ms "
					 "(timed out %d time%s; not on EC2, or the hop limit "
					 "blocks the token reply)",
					 c->endpoint, req->connected ? c->request_ms : c->connect_ms,
					 req->attempts, req->attempts == 1 ? "" : "s");
		return imds_fail(c->err, c->errsz, ret,
				 "IMDS at %s gave a token but did not send the identity "
				 "document within %ld ms (timed out %d time%s)",
				 c->endpoint, c->request_ms, req->attempts,
				 req->attempts == 1 ? "" : "s");
	case -ECONNREFUSED:
		return imds_fail(c->err, c->errsz, ret,
				 "IMDS at %s is not reachable (%s); not on EC2?",
				 c->endpoint, req->curlerr);
	case -EHOSTUNREACH:
		return imds_fail(c->err, c->errsz, ret, "IMDS endpoint %s: %s",
				 c->endpoint, req->curlerr);
	case -ECONNRESET:
		return imds_fail(c->err, c->errsz, ret,
				 "IMDS at %s dropped the connection during the %s (%s)",
				 c->endpoint, req->what, req->curlerr);
	case -EFBIG:
		return imds_fail(c->err, c->errsz, ret,
				 "IMDS reply to the %s is larger than 64 KiB", req->what);
	default:
		return imds_fail(c->err, c->errsz, ret, "IMDS %s to %s failed: %s",
				 req->what, c->endpoint, req->curlerr);
	}
}

/* A sentence for a non-200 HTTP status of req. */
static int imds_status_error(struct imds_ctx *c, const struct imds_req *req)
{
	long st = req->status;

	if (st == 401)
		return imds_fail(c->err, c->errsz, -EPERM, req->put ?
				 "IMDS rejected the token request with 401" :
				 "IMDS rejected the token with 401");
	if (st == 403)
		return imds_fail(c->err, c->errsz, -EACCES,
				 "IMDS refused with 403: the metadata endpoint is disabled "
				 "for this instance (HttpEndpoint=disabled)");
	if (st == 404)
		return imds_fail(c->err, c->errsz, -ENOENT, req->put ?
				 "IMDS answered the token request with 404 (not an IMDSv2 service?)" :
				 "IMDS has no instance identity document (404)");
	if (st == 400 && req->put)
		return imds_fail(c->err, c->errsz, -EPROTO,
				 "IMDS rejected the token request with 400 (bad TTL header)");
	if (st >= 500 && st <= 599)
		return imds_fail(c->err, c->errsz, -EIO,
				 "IMDS failed with %ld on the %s (%d attempt%s)", st,
				 req->what, req->attempts, req->attempts == 1 ? "" : "s");
	return imds_fail(c->err, c->errsz, -EPROTO, "IMDS answered %ld to the %s",
			 st, req->what);
}

static int imds_run(struct imds_ctx *c, struct imds_buf *b, struct imds_req *req)
{
	int ret;

	if (!req->headers)
		return imds_fail(c->err, c->errsz, -ENOMEM, "out of memory building the %s",
				 req->what);
	ret = imds_request(c, b, req);
	if (ret)
		return imds_transport_error(c, req, ret);
	if (req->status != 200)
		return imds_status_error(c, req);
	return 0;
}

static int imds_get_token(struct imds_ctx *c, struct imds_buf *b, char *token, size_t size)
{
	struct imds_req req = { .put = true, .path = IMDS_TOKEN_PATH, .what = "token request" };
	char hdr[64];
	size_t len;
	int ret;

	snprintf(hdr, sizeof(hdr), "X-aws-ec2-metadata-token-ttl-seconds: %d", IMDS_TOKEN_TTL_S);
	req.headers = cu->slist_append(NULL, hdr);
	ret = imds_run(c, b, &req);
	if (ret)
		goto out;
	len = b->len;
	while (len > 0 && isspace((unsigned char)b->data[len - 1]))
		len--;
	/* The token goes into a header: printable, no blanks, bounded. */
	if (len == 0 || len >= size || !imds_graph_only(b->data, len)) {
		ret = imds_fail(c->err, c->errsz, -EPROTO,
				"IMDS at %s sent a malformed token (%zu bytes)", c->endpoint, len);
		goto out;
	}
	memcpy(token, b->data, len);
	token[len] = '\0';
out:
	cu->slist_free_all(req.headers);
	return ret;
}

static int imds_get_path(struct imds_ctx *c, struct imds_buf *b, const char *token,
			 const char *path, const char *what)
{
	struct imds_req req = { .put = false, .path = path, .what = what };
	char hdr[IMDS_TOKEN_MAX + 64];
	int ret;

	snprintf(hdr, sizeof(hdr), "X-aws-ec2-metadata-token: %s", token);
	req.headers = cu->slist_append(NULL, hdr);
	ret = imds_run(c, b, &req);
	explicit_bzero(hdr, sizeof(hdr));
	cu->slist_free_all(req.headers);
	return ret;
}

int imds_check_tag(const char *body, size_t len)
{
	bool blank = true;

	if (!len || len >= sizeof(((struct imds_identity_doc *)0)->auto_scaling_group))
		return -EPROTO;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)body[i] < 0x20 || body[i] == 0x7f)
			return -EPROTO;
		blank &= body[i] == ' ';
	}
	/* CloudWatch refuses a dimension value of blanks only. */
	return blank ? -EPROTO : 0;
}

/* The group tag: best effort, one attempt, so a host outside a group waits at most one request. */
static void imds_get_asg(struct imds_ctx *c, struct imds_buf *b, const char *token,
			 struct imds_identity_doc *doc)
{
	char scratch[256];
	struct imds_ctx one = *c;

	one.retries = 0;
	one.err = scratch;
	one.errsz = sizeof(scratch);
	if (imds_get_path(&one, b, token, IMDS_ASG_TAG_PATH, "group tag request"))
		return;
	if (!imds_check_tag(b->data, b->len)) {
		memcpy(doc->auto_scaling_group, b->data, b->len);
		doc->auto_scaling_group[b->len] = '\0';
	}
}

int imds_fetch_identity(const struct imds_opts *opts, struct imds_identity_doc *doc,
			char *err, size_t errsz)
{
	struct imds_ctx c = { .err = err, .errsz = errsz };
	struct imds_buf b = { 0 };
	char token[IMDS_TOKEN_MAX];
	int ret;

	memset(doc, 0, sizeof(*doc));
	token[0] = '\0';
	if (err && errsz)
		err[0] = '\0';
	imds_pick_limits(opts, &c);
	ret = imds_pick_endpoint(opts, &c);
	if (ret)
		goto out;
	b.data = malloc(IMDS_MAX_REPLY + 1);
	if (!b.data) {
		ret = imds_fail(err, errsz, -ENOMEM, "out of memory for the IMDS reply");
		goto out;
	}
	ret = imds_setup_curl(&c, &b);
	if (ret)
		goto out;
	ret = imds_get_token(&c, &b, token, sizeof(token));
	if (ret)
		goto out;
	ret = imds_get_path(&c, &b, token, IMDS_DOC_PATH, "identity document request");
	if (ret)
		goto out;
	ret = imds_parse_identity(b.data, b.len, doc, err, errsz);
	if (!ret)
		imds_get_asg(&c, &b, token, doc);
out:
	explicit_bzero(token, sizeof(token));
	if (c.curl)
		cu->easy_cleanup(c.curl);
	free(b.data);
	return ret;
}
