// SPDX-License-Identifier: GPL-2.0-only
/*
 * probes: names, status JSON, and (as root) the whole BPF pipeline through
 * the API the daemon uses: every probe loads and attaches on tp_btf, and
 * on raw_tp when forced to; known workloads give the counts they must
 * (context switches and run-queue waits of a pipe ping-pong, N direct
 * writes on a loop device counted exactly, N connects in a network
 * namespace, retransmits induced by an nftables drop rule, listen-queue
 * overflows, the resets and drops of refused connects); a probe whose
 * tracepoint is missing is reported and the others keep running; a
 * missing optional tracepoint degrades a probe. Without the privilege to
 * load BPF the live tests skip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/log.h"
#include "core/metrics.h"
#include "probes/probes.h"

#define PINGPONGS 2000
#define LOOP_IOS 200
#define CONNECTS 50
#define PORT 7777

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
	assert_true(probes_name_known("block"));
	assert_true(probes_name_known("tcp"));
	assert_false(probes_name_known("nosuch"));
	assert_false(probes_name_known(""));
	assert_false(probes_name_known(NULL));
	assert_string_equal(probes_known_names(), "sched, block, tcp");
	assert_int_equal(probes_count(), 3);
	assert_string_equal(probe_attach_name(PROBE_ATTACH_MIXED), "tp_btf+raw_tp");
	assert_null(probe_attach_name(PROBE_ATTACH_NONE));
}

static void test_status_json_shape(void **state)
{
	const char *const disabled[] = { "sched", "block", "tcp", NULL };
	struct probes *p = probes_new();
	struct probe_counters c;
	struct json_object *arr, *o, *h;
	struct metric_set set;

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
	o = find_json(arr, "block");
	assert_non_null(o);
	assert_int_equal(json_object_object_length(o), 5);
	assert_string_equal(json_member(o, "state"), "disabled");
	assert_null(json_member(o, "attach"));
	assert_string_equal(json_member(o, "reason"), "disabled in config");
	assert_int_equal(json_object_array_length(
		json_object_object_get(o, "programs")), 0);
	json_object_put(arr);

	assert_int_equal(probes_read(p, &c), 0);
	assert_false(c.sched.valid);
	metric_set_init(&set, 0, 10);
	assert_int_equal(probes_collect(p, &set), 0);
	assert_int_equal(set.n, 0);
	metric_set_free(&set);
	h = probes_histograms_json(p);
	assert_int_equal(json_object_array_length(
		json_object_object_get(h, "histograms")), 0);
	json_object_put(h);
	assert_int_equal(probes_retarget(p, "nosuch", "sched_switch", "x"), -ENOENT);
	assert_int_equal(probes_retarget(p, "sched", "nosuch", "x"), -ENOENT);
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

/* Starts every probe; skips when this process may not load BPF programs. */
static struct probes *start_or_skip(void)
{
	struct probes *p = probes_new();
	const struct probe_status *st;

	assert_non_null(p);
	probes_configure(p, NULL);
	st = find_status(p, "sched");
	if (st->state != PROBE_RUNNING &&
	    (geteuid() != 0 || (st->reason && strstr(st->reason, "not permitted")))) {
		print_message("skipped: sched probe not running: %s\n",
			      st->reason ? st->reason : "?");
		probes_free(p);
		skip();
	}
	return p;
}

static void assert_runs_tp_btf(const struct probes *p, const char *name)
{
	const struct probe_status *st = find_status(p, name);

	if (st->state != PROBE_RUNNING || st->reason)
		print_message("%s: %s: %s\n", name, probe_state_name(st->state),
			      st->reason ? st->reason : "");
	assert_int_equal(st->state, PROBE_RUNNING);
	assert_int_equal(st->attach, PROBE_ATTACH_TP_BTF);
	assert_null(st->reason);
}

/* The member "count" of the first element of arr matching the fields. */
static long long json_count(struct json_object *root, const char *arr_name,
			    const char *probe, const char *name, const char *entity)
{
	struct json_object *arr = json_object_object_get(root, arr_name);

	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		if (strcmp(json_member(o, "probe"), probe) == 0 &&
		    strcmp(json_member(o, "name"), name) == 0 &&
		    strcmp(json_member(o, "entity"), entity) == 0)
			return json_object_get_int64(json_object_object_get(o, "count"));
	}
	return -1;
}

/* Closes an interval; returns the histograms of that interval. */
static struct json_object *collect_interval(struct probes *p,
					    struct metric_set *set)
{
	struct json_object *h;

	metric_set_init(set, 0, 1);
	assert_int_equal(probes_collect(p, set), 0);
	h = probes_histograms_json(p);
	assert_non_null(h);
	assert_string_equal(json_member(json_object_array_get_idx(
		json_object_object_get(h, "histograms"), 0), "span"), "interval");
	return h;
}

static const struct metric *find_metric(const struct metric_set *set,
					const char *entity, const char *name)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct metric_entity *e = &set->entities[i];

		if (strcmp(e->name, entity) != 0)
			continue;
		for (size_t j = 0; j < e->n; j++) {
			if (strcmp(e->metrics[j].name, name) == 0)
				return &e->metrics[j];
		}
	}
	return NULL;
}

static void test_all_probes_run_tp_btf(void **state)
{
	struct probes *p = start_or_skip();
	struct json_object *arr, *progs;

	assert_runs_tp_btf(p, "sched");
	assert_runs_tp_btf(p, "block");
	assert_runs_tp_btf(p, "tcp");
	arr = probes_status_json(p);
	progs = json_object_object_get(find_json(arr, "tcp"), "programs");
	assert_int_equal(json_object_array_length(progs), 8);	/* tcp_parts in probe_tcp.c */
	for (size_t i = 0; i < json_object_array_length(progs); i++) {
		struct json_object *o = json_object_array_get_idx(progs, i);

		assert_string_equal(json_member(o, "attach"), "tp_btf");
		assert_null(json_member(o, "missing"));
	}
	json_object_put(arr);
	probes_free(p);
}

static void test_sched_counts_switches(void **state)
{
	const char *const disabled[] = { "sched", NULL };
	struct probes *p = start_or_skip();
	struct probe_counters before, after;
	struct metric_set set;
	struct json_object *h;
	long long waits;

	assert_runs_tp_btf(p, "sched");
	metric_set_init(&set, 0, 1);
	assert_int_equal(probes_collect(p, &set), 0);
	metric_set_free(&set);
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

	/*
	 * Every ping and pong wakes a task that then waits to run, but for the
	 * rare wakeup that catches its task before it has left the CPU: the
	 * kernel marks it running again without queueing it (ttwu_runnable), so
	 * no wait. Seen here: 3997 to 4007 waits for 4000 wakeups.
	 */
	h = collect_interval(p, &set);
	waits = json_count(h, "histograms", "sched", "runq_latency", "host");
	print_message("run-queue waits: %lld\n", waits);
	assert_true(waits >= 2 * PINGPONGS * 99 / 100);
	assert_non_null(find_metric(&set, "", "RunqLatencyP99"));
	assert_non_null(find_metric(&set, "", "RunqLatencyWorstCpuP99"));
	assert_true(find_metric(&set, "", "ContextSwitches")->value > 0);
	json_object_put(h);
	metric_set_free(&set);
	/* The histograms stay those of the interval collected, reads or not. */
	pingpong(100);
	assert_int_equal(probes_read(p, &after), 0);
	h = probes_histograms_json(p);
	assert_true(json_count(h, "histograms", "sched", "runq_latency", "host") ==
		    waits);
	json_object_put(h);

	probes_configure(p, disabled);
	assert_int_equal(find_status(p, "sched")->state, PROBE_DISABLED);
	assert_int_equal(probes_read(p, &after), 0);
	assert_false(after.sched.valid);

	probes_configure(p, NULL);
	assert_runs_tp_btf(p, "sched");
	pingpong(10);
	assert_int_equal(probes_read(p, &after), 0);
	assert_true(after.sched.valid);
	assert_true(after.sched.context_switches >= 10);
	probes_free(p);
}

/* Runs a shell command; its exit status. */
__attribute__((format(printf, 1, 2)))
static int shell(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void skip_without(const char *tool)
{
	if (shell("command -v %s >/dev/null 2>&1", tool) != 0) {
		print_message("skipped: %s not installed (make test-deps)\n", tool);
		skip();
	}
}

/*
 * The loop device a test made and its backing file, released by
 * block_teardown() after the test even when an assertion failed midway.
 */
static struct {
	char file[64];
	char dev[64];
} test_loop;

static void loop_release(void)
{
	if (test_loop.dev[0])
		shell("losetup -d %s", test_loop.dev);
	if (test_loop.file[0])
		unlink(test_loop.file);
	test_loop.dev[0] = test_loop.file[0] = '\0';
}

/*
 * After each block test, passed or failed midway: its loop device goes,
 * and the stamps are not left ignored for the next tests.
 */
static int block_teardown(void **state)
{
	(void)state;
	loop_release();
	probes_block_ignore_stamps(false);
	return 0;
}

/* A new loop device over a 16 MiB file: its path ("/dev/loopN"). */
static const char *loop_setup(void)
{
	char cmd[256];
	FILE *f;
	int fd;

	snprintf(test_loop.file, sizeof(test_loop.file), "/tmp/perfagent-probes-XXXXXX");
	fd = mkstemp(test_loop.file);
	if (fd < 0)
		test_loop.file[0] = '\0';
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(shell("truncate -s 16M %s", test_loop.file), 0);
	snprintf(cmd, sizeof(cmd), "losetup -f --show %s", test_loop.file);
	f = popen(cmd, "r");
	assert_non_null(f);
	if (!fgets(test_loop.dev, sizeof(test_loop.dev), f))
		test_loop.dev[0] = '\0';
	pclose(f);
	test_loop.dev[strcspn(test_loop.dev, "\n")] = '\0';
	assert_true(strncmp(test_loop.dev, "/dev/loop", 9) == 0);
	return test_loop.dev;
}

/* n 4 KiB O_DIRECT writes, then n reads: one request each. */
static void loop_direct_io(const char *dev, int n)
{
	void *buf = NULL;
	int fd = open(dev, O_RDWR | O_DIRECT);

	assert_true(fd >= 0);
	assert_int_equal(posix_memalign(&buf, 4096, 4096), 0);
	memset(buf, 0xab, 4096);
	for (int i = 0; i < n; i++)
		assert_int_equal(pwrite(fd, buf, 4096, (off_t)i * 4096), 4096);
	for (int i = 0; i < n; i++)
		assert_int_equal(pread(fd, buf, 4096, (off_t)i * 4096), 4096);
	free(buf);
	close(fd);
}

/*
 * LOOP_IOS direct writes and reads on a new loop device: the writes are
 * counted exactly (reads: at least, udev may read too); with timed set,
 * every write has its latency and the metrics are there.
 */
static void check_loop_direct_io(struct probes *p, bool timed)
{
	const char *dev = loop_setup(), *name = dev + 5;	/* loopN */
	char entity[96];
	struct metric_set set;
	struct json_object *h;
	long long writes, reads, lat;

	metric_set_init(&set, 0, 1);
	assert_int_equal(probes_collect(p, &set), 0);	/* baseline */
	metric_set_free(&set);
	loop_direct_io(dev, LOOP_IOS);
	h = collect_interval(p, &set);
	snprintf(entity, sizeof(entity), "%s write", name);
	writes = json_count(h, "histograms", "block", "size", entity);
	lat = json_count(h, "histograms", "block", "latency", entity);
	snprintf(entity, sizeof(entity), "%s read", name);
	reads = json_count(h, "histograms", "block", "size", entity);
	print_message("%s: %lld writes (%lld timed), %lld reads for %d each\n",
		      name, writes, lat, reads, LOOP_IOS);
	assert_int_equal(writes, LOOP_IOS);
	assert_true(reads >= LOOP_IOS);	/* udev may read too */
	assert_true(find_metric(&set, name, "WriteOps")->value > 0);
	assert_true(find_metric(&set, name, "WriteSizeP50")->value == 4096);
	if (timed) {
		assert_int_equal(lat, LOOP_IOS);
		assert_non_null(find_metric(&set, name, "WriteLatencyP99"));
		assert_non_null(find_metric(&set, name, "WriteQueueTimeP50"));
	} else {
		assert_int_equal(lat, -1);
		assert_null(find_metric(&set, name, "WriteLatencyP99"));
	}
	json_object_put(h);
	metric_set_free(&set);
	loop_release();
}

/* The block probe's status: device's "latency" member, the issue part's "idle". */
static void block_status(struct probes *p, const char *device, char *latency,
			 size_t size, bool *issue_idle)
{
	struct json_object *arr = probes_status_json(p), *b, *devs, *progs;

	latency[0] = '\0';
	b = find_json(arr, "block");
	assert_non_null(b);
	devs = json_object_object_get(b, "devices");
	assert_non_null(devs);
	for (size_t i = 0; i < json_object_array_length(devs); i++) {
		struct json_object *d = json_object_array_get_idx(devs, i);

		if (strcmp(json_member(d, "device"), device) == 0)
			snprintf(latency, size, "%s", json_member(d, "latency"));
	}
	progs = json_object_object_get(b, "programs");
	*issue_idle = false;
	for (size_t i = 0; i < json_object_array_length(progs); i++) {
		struct json_object *o = json_object_array_get_idx(progs, i);

		if (strcmp(json_member(o, "tracepoint"), "block_rq_issue") == 0)
			*issue_idle = json_member(o, "idle") != NULL;
	}
	json_object_put(arr);
}

/*
 * A loop device keeps I/O statistics (writeback throttling): its requests
 * carry their issue stamp, block_rq_issue stays idle. When the completion
 * program ignores the stamps (as on a queue without statistics), the first
 * interval's writes are counted but untimed (unless another disk's I/O came
 * first), block_rq_issue is attached, and from then on every write is timed
 * by the issue table.
 */
static void test_block_latency_methods(void **state)
{
	char entity[96], latency[64];
	struct probes *p = start_or_skip();
	struct metric_set set;
	struct json_object *h;
	const char *dev, *name;
	long long lat;
	bool idle;

	skip_without("losetup");
	dev = loop_setup();
	name = dev + 5;	/* loopN */
	snprintf(entity, sizeof(entity), "%s write", name);
	for (int ignore = 0; ignore < 2; ignore++) {
		probes_free(p);
		probes_block_ignore_stamps(ignore);
		p = probes_new();
		probes_configure(p, NULL);
		metric_set_init(&set, 0, 1);
		assert_int_equal(probes_collect(p, &set), 0);
		metric_set_free(&set);
		loop_direct_io(dev, 20);
		h = collect_interval(p, &set);
		assert_int_equal(json_count(h, "histograms", "block", "size", entity), 20);
		lat = json_count(h, "histograms", "block", "latency", entity);
		json_object_put(h);
		metric_set_free(&set);
		block_status(p, name, latency, sizeof(latency), &idle);
		print_message("%s: %s, block_rq_issue %s\n", name, latency,
			      idle ? "idle" : "attached");
		assert_true(idle == !ignore);
		if (!ignore) {
			assert_int_equal(lat, 20);
			assert_string_equal(latency, "request stamps");
		} else if (lat == 20) {
			/*
			 * Another disk's I/O (all unstamped too when the stamps
			 * are ignored) in the first interval attached the issue
			 * program before these writes: timed by the table.
			 */
			assert_int_equal(strncmp(latency, "issue table", 11), 0);
		} else {
			assert_int_equal(lat, -1);
			assert_string_equal(latency, "untimed");
		}
	}
	loop_direct_io(dev, 20);
	h = collect_interval(p, &set);
	assert_int_equal(json_count(h, "histograms", "block", "size", entity), 20);
	assert_int_equal(json_count(h, "histograms", "block", "latency", entity), 20);
	assert_non_null(find_metric(&set, name, "WriteLatencyP50"));
	json_object_put(h);
	metric_set_free(&set);
	block_status(p, name, latency, sizeof(latency), &idle);
	print_message("then: %s\n", latency);
	/* "+untimed" too when the first interval's writes were untimed. */
	assert_int_equal(strncmp(latency, "issue table", 11), 0);
	probes_block_ignore_stamps(false);
	loop_release();
	probes_free(p);
}

static void test_block_counts_direct_io(void **state)
{
	struct probes *p = start_or_skip();

	skip_without("losetup");
	assert_runs_tp_btf(p, "block");
	check_loop_direct_io(p, true);
	probes_free(p);
}

/* In a new network namespace: lo up and a listener on 127.0.0.1:PORT. */
static int netns_listener(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct ifreq ifr = { 0 };
	int s, one = 1;

	if (unshare(CLONE_NEWNET) != 0)
		return -1;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	strcpy(ifr.ifr_name, "lo");
	ifr.ifr_flags = IFF_UP | IFF_RUNNING;
	if (s < 0 || ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		return -1;
	close(s);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 128))
		return -1;
	return s;
}

static int netns_connect(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int c = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	return c;
}

/* Child: n connects to its own namespace's listener. */
static int child_connects(int n)
{
	int l = netns_listener();

	for (int i = 0; l >= 0 && i < n; i++) {
		int c = netns_connect(), a = c >= 0 ? accept(l, NULL, NULL) : -1;

		if (a < 0)
			return 1;
		close(a);
		close(c);
	}
	return l >= 0 ? 0 : 1;
}

/*
 * Child: data on a connection whose segments nftables drops on input, so
 * that they are sent and lost: retransmits. (Dropped on output, they would
 * fail to send and be tried again without counting as retransmits.)
 */
static int child_retransmits(void)
{
	int l = netns_listener(), c = netns_connect(), a;
	char buf[1000] = { 0 };

	a = l >= 0 && c >= 0 ? accept(l, NULL, NULL) : -1;
	if (a < 0)
		return 1;
	if (shell("nft add table inet pa_test && nft add chain inet pa_test in "
		  "'{ type filter hook input priority 0; }' && nft add rule "
		  "inet pa_test in tcp dport %d drop", PORT) != 0)
		return 2;
	if (write(c, buf, sizeof(buf)) != sizeof(buf))
		return 1;
	sleep(2);	/* RTO 200 ms, doubling: 3 or more retransmits */
	return 0;
}

static void run_child(int (*fn)(int), int arg)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn(arg));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static int child_retransmits_arg(int unused)
{
	return child_retransmits();
}

static void test_tcp_connects_in_netns(void **state)
{
	struct probes *p = start_or_skip();
	struct metric_set set;
	struct json_object *h;
	long long n;

	assert_runs_tp_btf(p, "tcp");
	metric_set_init(&set, 0, 1);
	assert_int_equal(probes_collect(p, &set), 0);
	metric_set_free(&set);
	run_child(child_connects, CONNECTS);
	h = collect_interval(p, &set);
	n = json_count(h, "histograms", "tcp", "connect_latency", "host");
	print_message("connect latency samples: %lld for %d connects\n", n,
		      CONNECTS);
	/* Exact on a quiet host; other tests' connects may run meanwhile. */
	assert_true(n >= CONNECTS && n <= CONNECTS + 10);
	assert_non_null(find_metric(&set, "", "TcpConnectLatencyP50"));
	assert_true(find_metric(&set, "", "TcpConnects")->value > 0);
	assert_non_null(find_metric(&set, "", "TcpSrttP50"));
	json_object_put(h);
	metric_set_free(&set);
	probes_free(p);
}

static void test_tcp_retransmits_nft_drop(void **state)
{
	struct probes *p = start_or_skip();
	struct metric_set set;
	struct json_object *h;
	long long n;

	skip_without("nft");
	assert_runs_tp_btf(p, "tcp");
	metric_set_init(&set, 0, 1);
	assert_int_equal(probes_collect(p, &set), 0);
	metric_set_free(&set);
	run_child(child_retransmits_arg, 0);
	h = collect_interval(p, &set);
	n = json_count(h, "counters", "tcp", "retransmits", "ESTABLISHED");
	print_message("retransmits in ESTABLISHED: %lld\n", n);
	assert_true(n >= 2);
	assert_true(find_metric(&set, "", "TcpRetransmitsEstablished")->value > 0);
	json_object_put(h);
	metric_set_free(&set);
	probes_free(p);
}

/* Child: n refused connects and n datagrams to closed ports. */
static int child_refused(int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT + 1) };
	int l = netns_listener();

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; l >= 0 && i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		int u = socket(AF_INET, SOCK_DGRAM, 0);

		if (connect(c, (struct sockaddr *)&a, sizeof(a)) == 0 ||
		    errno != ECONNREFUSED ||
		    sendto(u, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)) != 1)
			return 1;
		close(c);
		close(u);
	}
	return l >= 0 ? 0 : 1;
}

/*
 * Refused connects: an RST sent and received, a failed connect and a
 * drop for want of a socket each; so is each datagram to a closed port.
 * Drop reasons are named from the kernel's BTF.
 */
static void test_tcp_resets_and_drops(void **state)
{
	struct probes *p = start_or_skip();
	struct metric_set set;
	struct json_object *h;
	long long drops;

	metric_set_init(&set, 0, 1);
	assert_int_equal(probes_collect(p, &set), 0);
	metric_set_free(&set);
	run_child(child_refused, 5);
	h = collect_interval(p, &set);
	drops = json_count(h, "counters", "tcp", "drops", "NO_SOCKET");
	print_message("drops for want of a socket: %lld\n", drops);
	assert_true(drops >= 10);
	assert_true(find_metric(&set, "", "PacketDropsNoSocket")->value > 0);
	assert_true(find_metric(&set, "", "PacketDrops")->value > 0);
	assert_true(find_metric(&set, "", "TcpResetsSent")->value > 0);
	assert_true(find_metric(&set, "", "TcpResetsReceived")->value > 0);
	assert_true(find_metric(&set, "", "TcpConnectFailures")->value > 0);
	json_object_put(h);
	metric_set_free(&set);
	probes_free(p);
}

static void test_missing_tracepoint_stops_one_probe(void **state)
{
	struct probes *p = start_or_skip();
	const struct probe_status *st;
	struct json_object *arr;

	probes_free(p);
	p = probes_new();
	assert_int_equal(probes_retarget(p, "sched", "sched_switch",
					 "no_such_tracepoint"), 0);
	probes_configure(p, NULL);
	st = find_status(p, "sched");
	print_message("sched: %s: %s\n", probe_state_name(st->state), st->reason);
	assert_int_equal(st->state, PROBE_NOT_RUNNING);
	assert_non_null(strstr(st->reason, "sched_switch missing"));
	assert_non_null(strstr(st->reason, "tracepoint no_such_tracepoint not found"));
	assert_runs_tp_btf(p, "block");
	assert_runs_tp_btf(p, "tcp");
	arr = probes_status_json(p);
	assert_string_equal(json_member(find_json(arr, "sched"), "state"),
			    "not running");
	json_object_put(arr);

	/* Retried at the next configure: back once the tracepoint is. */
	assert_int_equal(probes_retarget(p, "sched", "sched_switch",
					 "sched_switch"), 0);
	probes_configure(p, NULL);
	assert_runs_tp_btf(p, "sched");
	probes_free(p);
}

static void test_missing_optional_tracepoint_degrades(void **state)
{
	struct probes *p = start_or_skip();
	const struct probe_status *st;
	struct json_object *arr, *progs, *o;
	struct metric_set set;

	probes_free(p);
	p = probes_new();
	assert_int_equal(probes_retarget(p, "tcp", "tcp_probe", "no_such_tp"), 0);
	assert_int_equal(probes_retarget(p, "tcp", "inet_sock_set_state",
					 "no_such_tp2"), 0);
	assert_int_equal(probes_retarget(p, "block", "block_rq_issue",
					 "no_such_tp3"), 0);
	probes_configure(p, NULL);
	st = find_status(p, "tcp");
	print_message("tcp: %s\n", st->reason);
	assert_int_equal(st->state, PROBE_RUNNING);
	assert_int_equal(st->attach, PROBE_ATTACH_TP_BTF);
	assert_non_null(strstr(st->reason, "tcp_probe missing (no smoothed RTT): "
			       "tracepoint no_such_tp not found"));
	assert_non_null(strstr(st->reason, "inet_sock_set_state missing (no "
			       "connect latency): tracepoint no_such_tp2 not found"));
	st = find_status(p, "block");
	print_message("block: %s\n", st->reason);
	assert_int_equal(st->state, PROBE_RUNNING);
	assert_non_null(strstr(st->reason, "block_rq_issue missing (no latency "
			       "nor queue time where requests carry no issue stamp)"));
	assert_runs_tp_btf(p, "sched");

	arr = probes_status_json(p);
	progs = json_object_object_get(find_json(arr, "tcp"), "programs");
	o = json_object_array_get_idx(progs, 2);
	assert_string_equal(json_member(o, "tracepoint"), "no_such_tp");
	assert_null(json_member(o, "attach"));
	assert_non_null(json_member(o, "missing"));
	json_object_put(arr);

	run_child(child_connects, 3);
	metric_set_init(&set, 0, 1);
	assert_int_equal(probes_collect(p, &set), 0);
	assert_null(find_metric(&set, "", "TcpSrttP50"));
	assert_null(find_metric(&set, "", "TcpConnects"));
	assert_non_null(find_metric(&set, "", "TcpRetransmits"));
	metric_set_free(&set);
	/* Loop devices keep statistics: their requests are timed all the same. */
	if (shell("command -v losetup >/dev/null 2>&1") == 0)
		check_loop_direct_io(p, true);
	probes_free(p);
}

/* Every probe on its raw_tp programs: what needs tp_btf is said missing. */
static void test_raw_tp_fallback(void **state)
{
	struct probes *p = start_or_skip();
	const struct probe_status *st;
	struct probe_counters before, after;
	struct metric_set set;

	probes_free(p);
	p = probes_new();
	for (size_t i = 0; i < probes_count(); i++)
		assert_int_equal(probes_only_raw_tp(p, probes_status(p, i)->name,
						    true), 0);
	probes_configure(p, NULL);
	for (size_t i = 0; i < probes_count(); i++) {
		st = probes_status(p, i);
		print_message("%s: %s on %s: %s\n", st->name,
			      probe_state_name(st->state),
			      probe_attach_name(st->attach),
			      st->reason ? st->reason : "complete");
		assert_int_equal(st->state, PROBE_RUNNING);
		assert_int_equal(st->attach, PROBE_ATTACH_RAW_TP);
	}
	assert_null(find_status(p, "sched")->reason);
	assert_null(find_status(p, "block")->reason);
	assert_null(find_status(p, "tcp")->reason);

	assert_int_equal(probes_read(p, &before), 0);
	pingpong(100);
	run_child(child_connects, 3);
	assert_int_equal(probes_read(p, &after), 0);
	assert_true(after.sched.context_switches - before.sched.context_switches >=
		    100);
	metric_set_init(&set, 0, 1);
	assert_int_equal(probes_collect(p, &set), 0);
	assert_non_null(find_metric(&set, "", "ContextSwitches"));
	assert_non_null(find_metric(&set, "", "RunqLatencyP50"));
	assert_non_null(find_metric(&set, "", "TcpConnectLatencyP50"));
	assert_non_null(find_metric(&set, "", "TcpRetransmits"));
	assert_non_null(find_metric(&set, "", "PacketDrops"));
	metric_set_free(&set);
	if (shell("command -v losetup >/dev/null 2>&1") == 0)
		check_loop_direct_io(p, true);
	probes_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_status_json_shape),
		cmocka_unit_test(test_all_probes_run_tp_btf),
		cmocka_unit_test(test_sched_counts_switches),
		cmocka_unit_test_teardown(test_block_counts_direct_io, block_teardown),
		cmocka_unit_test_teardown(test_block_latency_methods, block_teardown),
		cmocka_unit_test(test_tcp_connects_in_netns),
		cmocka_unit_test(test_tcp_retransmits_nft_drop),
		cmocka_unit_test(test_tcp_resets_and_drops),
		cmocka_unit_test(test_missing_tracepoint_stops_one_probe),
		cmocka_unit_test_teardown(test_missing_optional_tracepoint_degrades, block_teardown),
		cmocka_unit_test_teardown(test_raw_tp_fallback, block_teardown),
	};

	log_init(LOG_LVL_ERROR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
