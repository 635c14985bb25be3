// SPDX-License-Identifier: GPL-2.0-only
/* procfs network counters: netstat/snmp pairs, good and bad (softnet_stat: test_softnet.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/netstat.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netstat_find),
		cmocka_unit_test(test_netstat_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
