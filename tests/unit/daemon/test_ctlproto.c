// SPDX-License-Identifier: GPL-2.0-only
/* Control protocol framing, request parsing and reply encoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ctlproto.h"

static char line[CTL_MAX_REQUEST + 1];

static void test_line_split_over_appends(void **state)
{
	struct ctl_linebuf lb = { 0 };

	assert_int_equal(ctl_linebuf_append(&lb, "{\"cmd\":", 7), 0);
	assert_int_equal(ctl_linebuf_take(&lb, line), -EAGAIN);
	assert_int_equal(ctl_linebuf_append(&lb, "\"status\"}\n{\"cmd\"", 16), 0);
	assert_int_equal(ctl_linebuf_take(&lb, line), 16);
	assert_string_equal(line, "{\"cmd\":\"status\"}");
	/* The start of the next request stays buffered. */
	assert_int_equal(ctl_linebuf_take(&lb, line), -EAGAIN);
	assert_int_equal(lb.len, 6);
}

static void test_several_lines_and_crlf(void **state)
{
	struct ctl_linebuf lb = { 0 };
	const char *in = "a\r\n\nb\n";

	assert_int_equal(ctl_linebuf_append(&lb, in, strlen(in)), 0);
	assert_int_equal(ctl_linebuf_take(&lb, line), 1);
	assert_string_equal(line, "a");
	assert_int_equal(ctl_linebuf_take(&lb, line), 0);
	assert_int_equal(ctl_linebuf_take(&lb, line), 1);
	assert_string_equal(line, "b");
	assert_int_equal(ctl_linebuf_take(&lb, line), -EAGAIN);
}

static void test_size_bound(void **state)
{
	static char big[CTL_MAX_REQUEST + 1];
	struct ctl_linebuf lb = { 0 };

	memset(big, 'x', sizeof(big));
	/* Exactly the bound fits (a 4095-byte line plus its newline)... */
	big[CTL_MAX_REQUEST - 1] = '\n';
	assert_int_equal(ctl_linebuf_append(&lb, big, CTL_MAX_REQUEST), 0);
	assert_int_equal(ctl_linebuf_take(&lb, line), CTL_MAX_REQUEST - 1);
	/* ...one byte more does not, even when split over appends. */
	memset(big, 'x', sizeof(big));
	assert_int_equal(ctl_linebuf_append(&lb, big, CTL_MAX_REQUEST), 0);
	assert_int_equal(ctl_linebuf_append(&lb, "\n", 1), -EMSGSIZE);
}

static void test_request_parse(void **state)
{
	const struct ctl_command *cmd;
	const char *code;
	char msg[256];
	const char *req = "{\"cmd\":\"reload\"}";

	cmd = ctl_request_parse(req, strlen(req), &code, msg, sizeof(msg));
	assert_non_null(cmd);
	assert_string_equal(cmd->name, "reload");
	assert_true(cmd->mutating);

	req = "{ \"cmd\" : \"status\", \"extra\": 1 }";
	cmd = ctl_request_parse(req, strlen(req), &code, msg, sizeof(msg));
	assert_non_null(cmd);
	assert_false(cmd->mutating);
}

struct bad_request {
	const char *text;
	size_t len;   /* 0: strlen */
	const char *code;
};

static const struct bad_request bad_requests[] = {
	{ "", 0, "bad_request" },
	{ "status", 0, "bad_request" },
	{ "{\"cmd\":\"status\"", 0, "bad_request" },
	{ "{\"cmd\":\"status\"} trailing", 0, "bad_request" },
	{ "{\"cmd\":\"status\"}{\"cmd\":\"status\"}", 0, "bad_request" },
	{ "[\"status\"]", 0, "bad_request" },
	{ "{\"cmd\":42}", 0, "bad_request" },
	{ "{\"command\":\"status\"}", 0, "bad_request" },
	{ "{\"cmd\":\"st\0atus\"}", 16, "bad_request" },
	{ "{\"cmd\":\"shutdown\"}", 0, "unknown_command" },
	/* a NUL inside the JSON string is not the end of the name */
	{ "{\"cmd\":\"apply\\u0000\"}", 0, "bad_request" },
	{ "{\"cmd\":\"status\\u0000x\"}", 0, "bad_request" },
	{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]", 0,
	  "bad_request" },
};

static void test_bad_requests(void **state)
{
	for (size_t i = 0; i < sizeof(bad_requests) / sizeof(bad_requests[0]); i++) {
		const struct bad_request *b = &bad_requests[i];
		size_t len = b->len ? b->len : strlen(b->text);
		const char *code = NULL;
		char msg[256] = "";

		if (ctl_request_parse(b->text, len, &code, msg, sizeof(msg)))
			fail_msg("request %zu accepted: %s", i, b->text);
		assert_string_equal(code, b->code);
		assert_true(strlen(msg) > 0);
	}
}

/* An unknown name is echoed as printable ASCII: the reply stays valid UTF-8. */
static void test_unknown_name_echo(void **state)
{
	const char *req = "{\"cmd\":\"ap\xff\xfely\\u00e9\\n\"}";
	const char *code = NULL;
	char msg[256] = "";

	assert_null(ctl_request_parse(req, strlen(req), &code, msg, sizeof(msg)));
	assert_string_equal(code, "unknown_command");
	assert_non_null(strstr(msg, "unknown command 'ap\?\?ly\?\?\?';"));
	for (const char *p = msg; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
}

static void test_replies(void **state)
{
	struct json_object *result = json_object_new_object();
	struct json_object *parsed, *v;
	char *ok, *err;

	json_object_object_add(result, "n", json_object_new_int(7));
	ok = ctl_reply_ok(result);
	assert_non_null(ok);
	assert_int_equal(ok[strlen(ok) - 1], '\n');
	assert_ptr_equal(strchr(ok, '\n'), ok + strlen(ok) - 1);
	parsed = json_tokener_parse(ok);
	assert_true(json_object_object_get_ex(parsed, "ok", &v) && json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(parsed, "result", &v));
	assert_int_equal(json_object_get_int(json_object_object_get(v, "n")), 7);
	json_object_put(parsed);

	/* A message with a newline stays on one line (JSON escapes it). */
	err = ctl_reply_error("failed", "two\nlines \"quoted\"");
	assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);
	parsed = json_tokener_parse(err);
	assert_true(json_object_object_get_ex(parsed, "error", &v));
	assert_string_equal(json_object_get_string(json_object_object_get(v, "message")),
			    "two\nlines \"quoted\"");
	json_object_put(parsed);
	free(ok);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_split_over_appends),
		cmocka_unit_test(test_several_lines_and_crlf),
		cmocka_unit_test(test_size_bound),
		cmocka_unit_test(test_request_parse),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_unknown_name_echo),
		cmocka_unit_test(test_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
