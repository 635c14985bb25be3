// SPDX-License-Identifier: GPL-2.0-only
/*
 * probes: names, status JSON, and (as root) the whole BPF pipeline: load and
 * attach the sched probe, count context switches we cause, disable and
 * enable it again. Without the privilege to load BPF the live test skips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"
#include "probes.h"

#define PINGPONGS 2000

static const struct probe_status *find_status(const struct probes *p,
					      const char *name)
{
	for (size_t i = 0; i < probes_count(); i++) {
		const struct probe_status *st = probes_status(p, i);

		if (strcmp(st->name, name) == 0)
			return st;
	}
	return NULL;
}

static struct json_object *find_json(struct json_object *arr, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		struct json_object *n;

		if (json_object_object_get_ex(o, "name", &n) &&
		    strcmp(json_object_get_string(n), name) == 0)
			return o;
	}
	return NULL;
}

/* The member key of o: present, and a string (NULL when JSON null). */
static const char *json_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	if (!v)
		return NULL;
	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

static void test_names(void **state)
{
	assert_true(probes_name_known("sched"));
	assert_false(probes_name_known("nosuch"));
	assert_false(probes_name_known(""));
	assert_false(probes_name_known(NULL));
	assert_non_null(strstr(probes_known_names(), "sched"));
	assert_true(probes_count() >= 1);
}

static void test_status_json_shape(void **state)
{
	const char *const disabled[] = { "sched", NULL };
	struct probes *p = probes_new();
	struct probe_counters c;
	struct json_object *arr, *o;

	assert_non_null(p);
	arr = probes_status_json(p);
	assert_true(json_object_is_type(arr, json_type_array));
	assert_int_equal(json_object_array_length(arr), probes_count());
	o = find_json(arr, "sched");
	assert_non_null(o);
	assert_string_equal(json_member(o, "state"), "not running");
	assert_null(json_member(o, "attach"));
	assert_non_null(json_member(o, "reason"));
	json_object_put(arr);

	probes_configure(p, disabled);
	arr = probes_status_json(p);
	o = find_json(arr, "sched");
	assert_non_null(o);
	assert_int_equal(json_object_object_length(o), 4);
	assert_string_equal(json_member(o, "state"), "disabled");
	assert_null(json_member(o, "attach"));
	assert_string_equal(json_member(o, "reason"), "disabled in config");
	json_object_put(arr);

	assert_int_equal(probes_read(p, &c), 0);
	assert_false(c.sched.valid);
	probes_free(p);
}

/* Parent and child bounce a byte over two pipes n times; each read blocks. */
static void pingpong(int n)
{
	int to_child[2], to_parent[2];
	char b = 'x';
	pid_t pid;
	int status;

	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (int i = 0; i < n; i++) {
			if (read(to_child[0], &b, 1) != 1 ||
			    write(to_parent[1], &b, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	for (int i = 0; i < n; i++) {
		assert_int_equal(write(to_child[1], &b, 1), 1);
		assert_int_equal(read(to_parent[0], &b, 1), 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

/* Skips when this process may not load BPF programs. */
static void skip_unless_permitted(const struct probe_status *st)
{
	if (st->state == PROBE_RUNNING)
		return;
	if (geteuid() != 0 || (st->reason && strstr(st->reason, "not permitted"))) {
		print_message("skipped: sched probe not running: %s\n",
			      st->reason ? st->reason : "?");
		skip();
	}
}

static void assert_runs_tp_btf(const struct probes *p)
{
	const struct probe_status *st = find_status(p, "sched");

	if (st->state != PROBE_RUNNING)
		print_message("sched: %s: %s\n", probe_state_name(st->state),
			      st->reason ? st->reason : "");
	assert_int_equal(st->state, PROBE_RUNNING);
	assert_int_equal(st->attach, PROBE_ATTACH_TP_BTF);
	assert_null(st->reason);
}

static void test_sched_counts_switches(void **state)
{
	const char *const unknown[] = { "nosuch", NULL };
	const char *const disabled[] = { "sched", NULL };
	struct probes *p = probes_new();
	struct probe_counters before, after;

	assert_non_null(p);
	probes_configure(p, unknown);
	skip_unless_permitted(find_status(p, "sched"));
	assert_runs_tp_btf(p);

	assert_int_equal(probes_read(p, &before), 0);
	assert_true(before.sched.valid);
	pingpong(PINGPONGS);
	assert_int_equal(probes_read(p, &after), 0);
	assert_true(after.sched.valid);
	print_message("context switches: %llu during %d ping-pongs\n",
		      (unsigned long long)(after.sched.context_switches -
					   before.sched.context_switches),
		      PINGPONGS);
	assert_true(after.sched.context_switches -
		    before.sched.context_switches >= PINGPONGS);

	probes_configure(p, disabled);
	assert_int_equal(find_status(p, "sched")->state, PROBE_DISABLED);
	assert_int_equal(probes_read(p, &after), 0);
	assert_false(after.sched.valid);

	probes_configure(p, NULL);
	assert_runs_tp_btf(p);
	pingpong(10);
	assert_int_equal(probes_read(p, &after), 0);
	assert_true(after.sched.valid);
	assert_true(after.sched.context_switches >= 10);
	probes_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_status_json_shape),
		cmocka_unit_test(test_sched_counts_switches),
	};

	log_init(LOG_LVL_WARN, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
