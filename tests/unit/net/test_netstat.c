// SPDX-License-Identifier: GPL-2.0-only
/*
 * procfs network counters: netstat/snmp pairs, good and bad (softnet_stat:
 * test_softnet.c); the listen overflows of a real listener, no BPF.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "core/metrics.h"
#include "core/paths.h"
#include "core/util.h"
#include "net/netstat.h"
#include "net/softnet.h"

static const char netstat[] =
	"TcpExt: SyncookiesSent ListenOverflows TCPMemoryPressures\n"
	"TcpExt: 3 17 2\n"
	"IpExt: InNoRoutes InTruncatedPkts\n"
	"IpExt: 0 5\n";

static void test_netstat_find(void **state)
{
	int64_t v;

	assert_int_equal(netstat_find(netstat, "TcpExt", "ListenOverflows", &v), 0);
	assert_int_equal(v, 17);
	assert_int_equal(netstat_find(netstat, "TcpExt", "TCPMemoryPressures", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(netstat_find(netstat, "IpExt", "InTruncatedPkts", &v), 0);
	assert_int_equal(v, 5);
	/* a prefix of a name is not the name */
	assert_int_equal(netstat_find(netstat, "TcpExt", "Listen", &v), -ENOENT);
	assert_int_equal(netstat_find(netstat, "Udp", "InDatagrams", &v), -ENOENT);
}

static void test_netstat_bad(void **state)
{
	int64_t v;

	/* no values line, fewer values than names, a value that is not a number */
	assert_int_equal(netstat_find("TcpExt: A B\n", "TcpExt", "A", &v), -ENOENT);
	assert_int_equal(netstat_find("TcpExt: A B\nTcpExt: 1\n", "TcpExt", "B", &v), -ENOENT);
	assert_int_equal(netstat_find("TcpExt: A B\nTcpExt: 1 x2\n", "TcpExt", "B", &v), -ENOENT);
	assert_int_equal(netstat_find("", "TcpExt", "A", &v), -ENOENT);
}

/* TcpListenOverflows of one interval of nc, or -1 when it was not added. */
static double overflows_rate(struct netcounters *nc, const struct pa_paths *paths)
{
	struct metric_entity *inst;
	struct metric_set set;
	double v = -1;

	metric_set_init(&set, 0, 1);
	inst = metric_set_entity(&set, ENTITY_INSTANCE, "");
	assert_non_null(inst);
	netcounters_collect(nc, paths, 1, inst);
	if (!metric_find(inst, "TcpListenOverflows", &v))
		v = -1;
	metric_set_free(&set);
	return v;
}

/*
 * A listener that never accepts, with a backlog of 1, on loopback of this
 * test's namespace: connects beyond the backlog overflow it, and the
 * kernel's TcpExt ListenOverflows counts them.
 */
static void test_listen_overflows(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct netcounters nc = { 0 };
	socklen_t len = sizeof(a);
	struct pa_paths paths;
	int l, c[16];
	double rate;

	paths_init(&paths);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &len), 0);
	/* The first reading is the count since boot: a baseline, never a rate. */
	assert_true(overflows_rate(&nc, &paths) == -1);
	for (int i = 0; i < 16; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(c[i], (struct sockaddr *)&a, sizeof(a));
	}
	usleep(200000);
	rate = overflows_rate(&nc, &paths);
	print_message("listen overflows: %.1f/s\n", rate);
	assert_true(rate > 0);
	for (int i = 0; i < 16; i++)
		close(c[i]);
	close(l);
	netcounters_free(&nc);
}

/* softnet's status line for nc, as `perfagent status` prints it. A new string. */
static char *softnet_line(const struct netcounters *nc)
{
	struct json_object *j = softnet_status_json(&nc->softnet);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	softnet_status_print(j, out);
	fclose(out);
	json_object_put(j);
	return text;
}

/*
 * A softnet_stat that cannot be read (a FIFO), or is not the kernel's:
 * status says why softnet is not measured, not "no interval yet" for ever;
 * a good file clears it.
 */
static void test_softnet_unreadable(void **state)
{
	char dir[] = "/tmp/test_netstat.XXXXXX", path[PATH_MAX], *line;
	struct netcounters nc = { 0 };
	struct pa_paths paths;

	assert_non_null(mkdtemp(dir));
	paths_init(&paths);
	snprintf(paths.sysroot, sizeof(paths.sysroot), "%s", dir);
	snprintf(path, sizeof(path), "%s/proc/net", dir);
	assert_int_equal(util_mkdir_p(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/proc/net/softnet_stat", dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	overflows_rate(&nc, &paths);
	line = softnet_line(&nc);
	assert_non_null(strstr(line, "softnet      /proc/net/softnet_stat: a FIFO or socket, not "
			       "a file; drops and time squeezes of the receive softirq are not "
			       "measured\n"));
	free(line);

	unlink(path);
	assert_int_equal(util_write_atomic(path, "junk\n", 5, 0644), 0);
	overflows_rate(&nc, &paths);
	line = softnet_line(&nc);
	assert_non_null(strstr(line, "softnet_stat: a line is not the kernel's format;"));
	free(line);

	assert_int_equal(util_write_atomic(path, "00000010 00000000 00000000 00000000 "
					   "00000000 00000000 00000000 00000000 00000000 "
					   "00000000 00000000 00000000 00000000\n", 117, 0644), 0);
	overflows_rate(&nc, &paths);
	line = softnet_line(&nc);
	assert_non_null(strstr(line, "softnet      no interval measured yet"));
	free(line);
	netcounters_free(&nc);
	unlink(path);
	snprintf(path, sizeof(path), "%s/proc/net", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/proc", dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netstat_find),
		cmocka_unit_test(test_netstat_bad),
		cmocka_unit_test(test_listen_overflows),
		cmocka_unit_test(test_softnet_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
