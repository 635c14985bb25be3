// SPDX-License-Identifier: GPL-2.0-only
/*
 * `perfagent status` as text (cli/status.c, cli/status_health.c), from
 * replies of the daemon's shape: each case a status document and lines its
 * text must hold, or must not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "cli/status.h"

struct text_case {
	const char *what;
	const char *status;             /* the daemon's reply */
	const char *want[3];            /* each must appear (NULL ends) */
	const char *not_want;           /* must not appear; NULL: nothing */
};

static const struct text_case cases[] = {
	{
		"/proc/stat unreadable: the error, and the ranking from the processes' own counters",
		"{\"cpu\": {\"error\": \"cannot read /proc/stat: Permission denied\","
		" \"consumers\": {\"window_s\": 60, \"cpu_s\": 30,"
		" \"by_process\": [{\"name\": \"nginx\", \"share_pct\": 80, \"cpu_s\": 24}]}}}",
		{ "cpu          cannot read /proc/stat: Permission denied\n",
		  "cpu users    nginx used 80% of the CPU time in", NULL },
		NULL,
	},
	{
		"no CPU figures and no error: no cpu lines",
		"{\"cpu\": {\"consumers\": {\"window_s\": 60, \"cpu_s\": 30,"
		" \"by_process\": [{\"name\": \"nginx\", \"share_pct\": 80, \"cpu_s\": 24}]}}}",
		{ NULL },
		"cpu",
	},
	{
		"a listener capped by somaxconn: a larger somaxconn helps once it listens again",
		"{\"listen_drops\": [{\"port\": 8080, \"drops\": 412, \"queue\": 128,"
		" \"backlog\": 128, \"somaxconn\": 128, \"at_somaxconn\": true}]}",
		{ "listen drops port 8080: 412 dropped in the last interval, accept queue 128 of "
		  "128 (net.core.somaxconn's 128: a larger one helps once the service listens "
		  "again)\n", NULL },
		NULL,
	},
	{
		"a listener's own short backlog: the application must raise it",
		"{\"listen_drops\": [{\"port\": 443, \"drops\": 3, \"queue\": 16, \"backlog\": 16,"
		" \"somaxconn\": 4096, \"at_somaxconn\": false}]}",
		{ "accept queue 16 of 16 (below net.core.somaxconn's 4096: the application's "
		  "own listen() backlog, or the somaxconn it listened under; raise the backlog "
		  "in the application, or restart it)\n", NULL },
		NULL,
	},
	{
		"somaxconn unknown: no advice either way",
		"{\"listen_drops\": [{\"port\": 443, \"drops\": 3, \"queue\": 16, \"backlog\": 16,"
		" \"somaxconn\": null, \"at_somaxconn\": false}]}",
		{ "accept queue 16 of 16\n", NULL },
		"somaxconn",
	},
	{
		"a program the kernel skipped nested runs of: how many, and that counts are low",
		"{\"probes\": [{\"name\": \"block\", \"state\": \"running\", \"attach\": \"tp_btf\","
		" \"programs\": [{\"tracepoint\": \"block_rq_complete\", \"attach\": \"tp_btf\","
		" \"missed\": 3}, {\"tracepoint\": \"block_rq_issue\", \"attach\": \"tp_btf\","
		" \"missed\": 0}]}]}",
		{ "probes       block    running      tp_btf\n",
		  "                      block_rq_complete missed 3 nested runs (the kernel "
		  "skips them): counts up to 3 low\n", NULL },
		"block_rq_issue missed",
	},
	{
		"no program missed a run: no missed line",
		"{\"probes\": [{\"name\": \"sched\", \"state\": \"running\", \"attach\": \"tp_btf\","
		" \"programs\": [{\"tracepoint\": \"sched_switch\", \"attach\": \"tp_btf\","
		" \"missed\": 0}]}]}",
		{ "probes       sched    running      tp_btf\n", NULL },
		"missed",
	},
	{
		"no interval collected yet: unknown, and the note instead of an empty interval",
		"{\"health\": {\"verdict\": \"unknown\", \"window\": {\"interval_s\": 60,"
		" \"span_s\": 0, \"end_at\": null, \"partial\": true, \"note\": \"no interval "
		"collected yet: the first ends one interval after the agent started\"},"
		" \"lines\": [], \"not_judged\": []}}",
		{ "health       unknown (no interval collected yet: the first ends one interval "
		  "after the agent started)\n", NULL },
		"last interval",
	},
	{
		"another tuner on a knob only an adaptive rule claims, and on one both claim",
		"{\"profile\": {\"peers\": [{\"name\": \"bpftune\", \"running\": true,"
		" \"evidence\": \"/proc/4343/comm: bpftune\", \"shared_knobs\": ["
		"{\"id\": \"sysctl:net.ipv4.tcp_rmem\", \"perfagent\": \"4096 131072 16777216\","
		" \"perfagent_action\": \"set\", \"peer\": null, \"adaptive_rule\": \"tcp-rmem\"},"
		"{\"id\": \"sysctl:net.core.netdev_budget\", \"perfagent\": \"steps it up to 1200\","
		" \"perfagent_action\": \"adaptive\", \"peer\": null,"
		" \"adaptive_rule\": \"softnet-budget\"}]}]}}",
		{ "sysctl:net.ipv4.tcp_rmem (perfagent 4096 131072 16777216, bpftune sets it at "
		  "run time; rule tcp-rmem steps it)",
		  "sysctl:net.core.netdev_budget (perfagent's rule softnet-budget steps it up to "
		  "1200, bpftune sets it at run time)", NULL },
		"; adaptive",
	},
};

/* The text status prints for the reply json. A new string. */
static char *print(const char *json)
{
	struct json_object *o = json_tokener_parse(json);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(o);
	assert_non_null(out);
	status_print(o, out);
	fclose(out);
	json_object_put(o);
	return text;
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct text_case *c = &cases[i];
		char *text = print(c->status);

		for (int w = 0; c->want[w]; w++)
			if (!strstr(text, c->want[w]))
				fail_msg("%s: '%s' not in:\n%s", c->what, c->want[w], text);
		if (c->not_want && strstr(text, c->not_want))
			fail_msg("%s: '%s' in:\n%s", c->what, c->not_want, text);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
