// SPDX-License-Identifier: GPL-2.0-only
/*
 * IMDS client: the identity document parser over good and hostile input,
 * and the HTTP client against a scripted in-process server on 127.0.0.1.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "identity/imds.h"

#define GOOD_DOC \
	"{\n" \
	"  \"accountId\" : \"123456789012\",\n" \
	"  \"architecture\" : \"x86_64\",\n" \
	"  \"availabilityZone\" : \"us-east-1a\",\n" \
	"  \"billingProducts\" : null,\n" \
	"  \"imageId\" : \"ami-0123456789abcdef0\",\n" \
	"  \"instanceId\" : \"i-0123456789abcdef0\",\n" \
	"  \"instanceType\" : \"c6in.large\",\n" \
	"  \"privateIp\" : \"10.0.0.10\",\n" \
	"  \"region\" : \"us-east-1\",\n" \
	"  \"version\" : \"2017-09-30\"\n" \
	"}\n"

static int parse(const char *body, struct imds_identity_doc *doc, char *err, size_t errsz)
{
	return imds_parse_identity(body, strlen(body), doc, err, errsz);
}

static void test_parse_good(void **state)
{
	struct imds_identity_doc doc;
	char err[256] = "";

	assert_int_equal(parse(GOOD_DOC, &doc, err, sizeof(err)), 0);
	assert_string_equal(doc.instance_id, "i-0123456789abcdef0");
	assert_string_equal(doc.instance_type, "c6in.large");
	assert_string_equal(doc.region, "us-east-1");
	assert_string_equal(doc.availability_zone, "us-east-1a");
	assert_string_equal(doc.account_id, "123456789012");
	assert_string_equal(doc.image_id, "ami-0123456789abcdef0");
	assert_string_equal(doc.architecture, "x86_64");
	assert_string_equal(doc.private_ip, "10.0.0.10");
}

static void test_parse_minimal(void **state)
{
	struct imds_identity_doc doc;
	char err[256];

	assert_int_equal(parse("{\"instanceId\":\"i-01234567\",\"instanceType\":\"m7g.metal\"}",
			       &doc, err, sizeof(err)), 0);
	assert_string_equal(doc.instance_id, "i-01234567");
	assert_string_equal(doc.region, "");
}

static void expect_bad(const char *body, size_t len, int want, const char *words)
{
	struct imds_identity_doc doc;
	char err[256] = "";

	memset(&doc, 0x55, sizeof(doc));
	assert_int_equal(imds_parse_identity(body, len, &doc, err, sizeof(err)), want);
	if (!strstr(err, words))
		fail_msg("error \"%s\" does not mention \"%s\"", err, words);
	/* Nothing half-filled is left behind. */
	assert_string_equal(doc.instance_id, "");
	assert_string_equal(doc.instance_type, "");
}

static void expect_bad_str(const char *body, int want, const char *words)
{
	expect_bad(body, strlen(body), want, words);
}

static void test_parse_garbage(void **state)
{
	expect_bad_str("<html>hello</html>", -EPROTO, "not valid JSON");
	expect_bad_str("", -EPROTO, "not valid JSON");
	expect_bad_str("   ", -EPROTO, "not valid JSON");
	expect_bad_str("{\"instanceId\":\"i-01234567\"} trailing", -EPROTO, "not valid JSON");
}

static void test_parse_truncated(void **state)
{
	size_t len = strlen(GOOD_DOC);

	expect_bad(GOOD_DOC, len / 2, -EPROTO, "not valid JSON");
	expect_bad(GOOD_DOC, len - 3, -EPROTO, "not valid JSON");
}

static void test_parse_not_object(void **state)
{
	expect_bad_str("[" GOOD_DOC "]", -EPROTO, "not an object");
	expect_bad_str("\"i-0123456789abcdef0\"", -EPROTO, "not an object");
	expect_bad_str("42", -EPROTO, "not an object");
	expect_bad_str("null", -EPROTO, "");
}

static void test_parse_missing_fields(void **state)
{
	expect_bad_str("{\"instanceId\":\"i-0123456789abcdef0\"}", -EPROTO, "no instanceType");
	expect_bad_str("{\"instanceType\":\"c6in.large\"}", -EPROTO, "no instanceId");
	expect_bad_str("{}", -EPROTO, "no instanceId");
	expect_bad_str("{\"instanceId\":\"i-0123456789abcdef0\",\"instanceType\":null}", -EPROTO,
		       "no instanceType");
}

static void test_parse_bad_instance_id(void **state)
{
	static const char *const ids[] = {
		"\"i-0123456\"",                /* 7 digits */
		"\"i-0123456789abcdef01\"",     /* 18 */
		"\"i-0123456789ABCDEF0\"",      /* upper case */
		"\"x-0123456789abcdef0\"",
		"\"i-0123456789abcdeg0\"",
		"\"i-01234567 \"",
		"12345678",
		"[\"i-0123456789abcdef0\"]",
	};
	char body[256];
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(body, sizeof(body), "{\"instanceId\":%s,\"instanceType\":\"c6in.large\"}",
			 ids[i]);
		expect_bad_str(body, -EPROTO, "instanceId");
	}
}

static void test_parse_bad_instance_type(void **state)
{
	expect_bad_str("{\"instanceId\":\"i-0123456789abcdef0\",\"instanceType\":\"banana\"}",
		       -EPROTO, "invalid instanceType");
	expect_bad_str("{\"instanceId\":\"i-0123456789abcdef0\",\"instanceType\":7}",
		       -EPROTO, "invalid instanceType");
	expect_bad_str("{\"instanceId\":\"i-0123456789abcdef0\",\"instanceType\":\"\"}",
		       -EPROTO, "instanceType");
	expect_bad_str("{\"instanceId\":\"i-0123456789abcdef0\",\"instanceType\":\"c6in.large\\n\"}",
		       -EPROTO, "instanceType");
}

static void test_parse_huge_strings(void **state)
{
	struct imds_identity_doc doc;
	char err[256];
	char *body = malloc(8192);
	char big[4000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(body, 8192, "{\"instanceId\":\"i-0123456789abcdef0\",\"instanceType\":\"%s\"}",
		 big);
	expect_bad_str(body, -EPROTO, "instanceType");
	snprintf(body, 8192, "{\"instanceId\":\"i-%s\",\"instanceType\":\"c6in.large\"}", big);
	expect_bad_str(body, -EPROTO, "instanceId");
	/* An over-long optional field is dropped, not fatal. */
	snprintf(body, 8192, "{\"instanceId\":\"i-0123456789abcdef0\","
		 "\"instanceType\":\"c6in.large\",\"region\":\"%s\"}", big);
	assert_int_equal(parse(body, &doc, err, sizeof(err)), 0);
	assert_string_equal(doc.region, "");
	free(body);
}

static void test_parse_embedded_nul(void **state)
{
	static const char raw[] = "{\"instanceId\":\"i-0123456789abcdef0\",\0"
				  "\"instanceType\":\"c6in.large\"}";
	struct imds_identity_doc doc;
	char err[256];

	expect_bad(raw, sizeof(raw) - 1, -EPROTO, "NUL");
	expect_bad_str("{\"instanceId\":\"i-0123456789abcdef0\\u0000x\","
		       "\"instanceType\":\"c6in.large\"}", -EPROTO, "instanceId");
	/* A NUL in an optional field drops that field. */
	assert_int_equal(parse("{\"instanceId\":\"i-0123456789abcdef0\","
			       "\"instanceType\":\"c6in.large\",\"region\":\"us\\u0000x\"}",
			       &doc, err, sizeof(err)), 0);
	assert_string_equal(doc.region, "");
}

static void test_parse_oversize_and_deep(void **state)
{
	char *big = malloc(IMDS_MAX_REPLY + 2);
	char deep[512];
	int i, n = 0;

	memset(big, ' ', IMDS_MAX_REPLY + 1);
	big[IMDS_MAX_REPLY + 1] = '\0';
	expect_bad(big, IMDS_MAX_REPLY + 1, -EFBIG, "larger than 64 KiB");
	free(big);

	n += snprintf(deep + n, sizeof(deep) - n, "{\"instanceId\":\"i-0123456789abcdef0\","
		      "\"instanceType\":\"c6in.large\",\"x\":");
	for (i = 0; i < 40; i++)
		deep[n++] = '[';
	for (i = 0; i < 40; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = '\0';
	expect_bad_str(deep, -EPROTO, "not valid JSON");
}

/* ---- a scripted HTTP server ---- */

enum srv_mode {
	SRV_OK,
	SRV_403,
	SRV_401_ON_GET,
	SRV_404,
	SRV_500_ONCE,
	SRV_500_ALWAYS,
	SRV_GARBAGE,
	SRV_OVERSIZE_LEN,   /* big body announced by Content-Length */
	SRV_OVERSIZE_CLOSE, /* big body delimited by closing the connection */
	SRV_BAD_TOKEN,      /* a token that would split the header it goes into */
};

struct srv {
	int fd;
	int port;
	enum srv_mode mode;
	pthread_t thread;
	volatile bool stop;
	int requests;
	int puts;
	bool bad_ttl;       /* a PUT came without the TTL header */
	bool saw_xff;
	bool saw_v1_get;    /* a GET came without the token */
	char endpoint[64];
	const char *asg;    /* the group tag's value; NULL: 404, as without metadata tags */
	int asg_status;     /* 0: 200 with asg, else this status */
};

static struct srv srv;

static int listen_any(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		p += n;
		len -= n;
	}
}

static void respond(int fd, int status, const char *body, size_t len)
{
	char head[256];

	snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Type: text/plain\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, len);
	send_all(fd, head, strlen(head));
	send_all(fd, body, len);
}

static void respond_big(int fd, bool with_len)
{
	size_t len = 100 * 1024;
	char *body = malloc(len);
	const char *head = with_len ?
		"HTTP/1.1 200 OK\r\nContent-Length: 102400\r\nConnection: close\r\n\r\n" :
		"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";

	memset(body, 'x', len);
	send_all(fd, head, strlen(head));
	send_all(fd, body, len);
	free(body);
}

static void serve_ok(int fd, bool put, const char *req)
{
	if (put && srv.mode == SRV_BAD_TOKEN) {
		static const char token[] = "TOKEN\r\nX-Injected: 1";

		respond(fd, 200, token, strlen(token));
		return;
	}
	if (put) {
		if (!strcasestr(req, "\r\nX-aws-ec2-metadata-token-ttl-seconds: 21600\r\n")) {
			srv.bad_ttl = true;
			respond(fd, 400, "", 0);
			return;
		}
		respond(fd, 200, "TOKEN-abc_123==", 15);
		return;
	}
	if (!strcasestr(req, "\r\nX-aws-ec2-metadata-token: TOKEN-abc_123==\r\n")) {
		srv.saw_v1_get = true;
		respond(fd, 401, "", 0);
		return;
	}
	if (strstr(req, "GET /latest/meta-data/tags/instance/aws:autoscaling:groupName ")) {
		if (srv.asg && !srv.asg_status)
			respond(fd, 200, srv.asg, strlen(srv.asg));
		else
			respond(fd, srv.asg_status ? srv.asg_status : 404, "", 0);
		return;
	}
	if (srv.mode == SRV_401_ON_GET)
		respond(fd, 401, "", 0);
	else if (srv.mode == SRV_GARBAGE)
		respond(fd, 200, "<html>", 6);
	else if (srv.mode == SRV_OVERSIZE_LEN || srv.mode == SRV_OVERSIZE_CLOSE)
		respond_big(fd, srv.mode == SRV_OVERSIZE_LEN);
	else
		respond(fd, 200, GOOD_DOC, strlen(GOOD_DOC));
}

static void serve(int fd)
{
	char req[8192];
	size_t len = 0;
	ssize_t n;
	bool put;

	while (len < sizeof(req) - 1) {
		n = recv(fd, req + len, sizeof(req) - 1 - len, 0);
		if (n <= 0)
			return;
		len += n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	srv.requests++;
	put = !strncmp(req, "PUT ", 4);
	srv.puts += put;
	if (strcasestr(req, "\r\nX-Forwarded-For:"))
		srv.saw_xff = true;
	if (put && strncmp(req, "PUT /latest/api/token HTTP/1.1\r\n", 32)) {
		respond(fd, 403, "", 0);
		return;
	}
	if (srv.mode == SRV_403 || srv.mode == SRV_404 || srv.mode == SRV_500_ALWAYS ||
	    (srv.mode == SRV_500_ONCE && srv.requests == 1)) {
		respond(fd, srv.mode == SRV_403 ? 403 : srv.mode == SRV_404 ? 404 : 500, "", 0);
		return;
	}
	serve_ok(fd, put, req);
}

static void *srv_main(void *arg)
{
	struct pollfd pfd = { .fd = srv.fd, .events = POLLIN };
	int c;

	while (!srv.stop) {
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		c = accept(srv.fd, NULL, NULL);
		if (c < 0)
			continue;
		serve(c);
		close(c);
	}
	return NULL;
}

static void srv_start(enum srv_mode mode)
{
	memset(&srv, 0, sizeof(srv));
	srv.mode = mode;
	srv.fd = listen_any(&srv.port);
	snprintf(srv.endpoint, sizeof(srv.endpoint), "http://127.0.0.1:%d", srv.port);
	assert_int_equal(pthread_create(&srv.thread, NULL, srv_main, NULL), 0);
}

static int srv_stop(void **state)
{
	if (srv.fd > 0) {
		srv.stop = true;
		pthread_join(srv.thread, NULL);
		close(srv.fd);
		srv.fd = 0;
	}
	unsetenv("http_proxy");
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fetch(enum srv_mode mode, struct imds_identity_doc *doc, char *err, size_t errsz)
{
	struct imds_opts o = { .connect_timeout_ms = 200, .request_timeout_ms = 500 };

	srv_start(mode);
	o.endpoint = srv.endpoint;
	return imds_fetch_identity(&o, doc, err, errsz);
}

static void expect_err(const char *err, const char *words)
{
	if (!strstr(err, words))
		fail_msg("error \"%s\" does not mention \"%s\"", err, words);
}

static void test_fetch_ok(void **state)
{
	struct imds_identity_doc doc;
	char err[256] = "";

	/* A proxy in the environment must not be used. */
	setenv("http_proxy", "http://127.0.0.1:9", 1);
	assert_int_equal(fetch(SRV_OK, &doc, err, sizeof(err)), 0);
	assert_string_equal(doc.instance_type, "c6in.large");
	assert_string_equal(doc.region, "us-east-1");
	/* No group tag (404): no group, and no error. */
	assert_string_equal(doc.auto_scaling_group, "");
	assert_int_equal(srv.puts, 1);
	assert_int_equal(srv.requests, 3);
	assert_false(srv.bad_ttl);
	assert_false(srv.saw_xff);
	assert_false(srv.saw_v1_get);
}

/* The group tag with the token of the document; a failed tag costs one request, never the identity. */
static void test_fetch_asg_tag(void **state)
{
	struct imds_opts o = { .connect_timeout_ms = 200, .request_timeout_ms = 500 };
	struct imds_identity_doc doc;
	char err[256] = "";

	srv_start(SRV_OK);
	srv.asg = "web-fleet \xc3\xa9t\xc3\xa9";
	o.endpoint = srv.endpoint;
	assert_int_equal(imds_fetch_identity(&o, &doc, err, sizeof(err)), 0);
	assert_string_equal(doc.auto_scaling_group, "web-fleet \xc3\xa9t\xc3\xa9");
	assert_false(srv.saw_v1_get);
	srv.asg_status = 500;
	srv.requests = 0;
	assert_int_equal(imds_fetch_identity(&o, &doc, err, sizeof(err)), 0);
	assert_string_equal(doc.auto_scaling_group, "");
	assert_string_equal(doc.instance_type, "c6in.large");
	assert_int_equal(srv.requests, 3);     /* the tag is not retried */
	/* A value with a control character is not a group name. */
	srv.asg_status = 0;
	srv.asg = "bad\x01name";
	assert_int_equal(imds_fetch_identity(&o, &doc, err, sizeof(err)), 0);
	assert_string_equal(doc.auto_scaling_group, "");
	assert_int_equal(imds_check_tag("   ", 3), -EPROTO);
	assert_int_equal(imds_check_tag("a b", 3), 0);
}

static void test_fetch_endpoint_from_env(void **state)
{
	struct imds_identity_doc doc;
	char err[256] = "";
	char ep[80];

	srv_start(SRV_OK);
	snprintf(ep, sizeof(ep), "%s/", srv.endpoint);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ep, 1);
	assert_int_equal(imds_fetch_identity(NULL, &doc, err, sizeof(err)), 0);
	assert_string_equal(doc.instance_id, "i-0123456789abcdef0");
}

static void test_fetch_bad_endpoint(void **state)
{
	struct imds_opts o = { .endpoint = "https://169.254.169.254" };
	struct imds_identity_doc doc;
	char err[256] = "";

	assert_int_equal(imds_fetch_identity(&o, &doc, err, sizeof(err)), -EINVAL);
	expect_err(err, "not an http:// URL");
	o.endpoint = "file:///etc/passwd";
	assert_int_equal(imds_fetch_identity(&o, &doc, err, sizeof(err)), -EINVAL);
}

static void test_fetch_403(void **state)
{
	struct imds_identity_doc doc;
	char err[256] = "";

	assert_int_equal(fetch(SRV_403, &doc, err, sizeof(err)), -EACCES);
	expect_err(err, "403");
	expect_err(err, "HttpEndpoint=disabled");
	assert_int_equal(srv.requests, 1); /* 4xx is not retried */
}

static void test_fetch_401(void **state)
{
	struct imds_identity_doc doc;
	char err[256] = "";

	assert_int_equal(fetch(SRV_401_ON_GET, &doc, err, sizeof(err)), -EPERM);
	expect_err(err, "rejected the token with 401");
	assert_int_equal(srv.requests, 2);
}

/* A token that is not one printable word is refused, never sent as a header. */
static void test_fetch_bad_token(void **state)
{
	struct imds_identity_doc doc;
	char err[256] = "";

	assert_int_equal(fetch(SRV_BAD_TOKEN, &doc, err, sizeof(err)), -EPROTO);
	expect_err(err, "sent a malformed token");
	assert_int_equal(srv.requests, 1);  /* no GET with it */
}

static void test_fetch_404(void **state)
{
	struct imds_identity_doc doc;
	char err[256] = "";

	assert_int_equal(fetch(SRV_404, &doc, err, sizeof(err)), -ENOENT);
	expect_err(err, "404");
	assert_int_equal(srv.requests, 1);
}

static void test_fetch_5xx_retried(void **state)
{
	struct imds_identity_doc doc;
	char err[256] = "";

	assert_int_equal(fetch(SRV_500_ONCE, &doc, err, sizeof(err)), 0);
	assert_int_equal(srv.requests, 4);
	srv_stop(state);
	assert_int_equal(fetch(SRV_500_ALWAYS, &doc, err, sizeof(err)), -EIO);
	expect_err(err, "500");
	assert_int_equal(srv.requests, 2); /* one retry by default */
}

static void test_fetch_garbage(void **state)
{
	struct imds_identity_doc doc;
	char err[256] = "";

	assert_int_equal(fetch(SRV_GARBAGE, &doc, err, sizeof(err)), -EPROTO);
	expect_err(err, "not valid JSON");
}

static void test_fetch_oversize(void **state)
{
	struct imds_identity_doc doc;
	char err[256] = "";

	assert_int_equal(fetch(SRV_OVERSIZE_LEN, &doc, err, sizeof(err)), -EFBIG);
	expect_err(err, "larger than 64 KiB");
	srv_stop(state);
	assert_int_equal(fetch(SRV_OVERSIZE_CLOSE, &doc, err, sizeof(err)), -EFBIG);
	expect_err(err, "larger than 64 KiB");
}

static void test_fetch_timeout(void **state)
{
	struct imds_opts o = { .connect_timeout_ms = 100, .request_timeout_ms = 300 };
	struct imds_identity_doc doc;
	char err[256] = "", ep[64];
	uint64_t t0;
	int port, fd;

	/* Listening but never accepting: the kernel completes the handshake. */
	fd = listen_any(&port);
	snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", port);
	o.endpoint = ep;
	t0 = now_ms();
	assert_int_equal(imds_fetch_identity(&o, &doc, err, sizeof(err)), -ETIMEDOUT);
	assert_true(now_ms() - t0 < 1500);
	expect_err(err, "did not answer within 300 ms");
	expect_err(err, "timed out 2 times");
	close(fd);
}

static void test_fetch_refused(void **state)
{
	struct imds_opts o = { .retries = -1 };
	struct imds_identity_doc doc;
	char err[256] = "", ep[64];
	int port, fd;

	fd = listen_any(&port);
	close(fd);
	snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", port);
	o.endpoint = ep;
	assert_int_equal(imds_fetch_identity(&o, &doc, err, sizeof(err)), -ECONNREFUSED);
	expect_err(err, "not reachable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_minimal),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_not_object),
		cmocka_unit_test(test_parse_missing_fields),
		cmocka_unit_test(test_parse_bad_instance_id),
		cmocka_unit_test(test_parse_bad_instance_type),
		cmocka_unit_test(test_parse_huge_strings),
		cmocka_unit_test(test_parse_embedded_nul),
		cmocka_unit_test(test_parse_oversize_and_deep),
		cmocka_unit_test_teardown(test_fetch_ok, srv_stop),
		cmocka_unit_test_teardown(test_fetch_asg_tag, srv_stop),
		cmocka_unit_test_teardown(test_fetch_endpoint_from_env, srv_stop),
		cmocka_unit_test_teardown(test_fetch_bad_endpoint, srv_stop),
		cmocka_unit_test_teardown(test_fetch_403, srv_stop),
		cmocka_unit_test_teardown(test_fetch_401, srv_stop),
		cmocka_unit_test_teardown(test_fetch_bad_token, srv_stop),
		cmocka_unit_test_teardown(test_fetch_404, srv_stop),
		cmocka_unit_test_teardown(test_fetch_5xx_retried, srv_stop),
		cmocka_unit_test_teardown(test_fetch_garbage, srv_stop),
		cmocka_unit_test_teardown(test_fetch_oversize, srv_stop),
		cmocka_unit_test_teardown(test_fetch_timeout, srv_stop),
		cmocka_unit_test_teardown(test_fetch_refused, srv_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
