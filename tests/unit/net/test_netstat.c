// SPDX-License-Identifier: GPL-2.0-only
/* procfs network counters: netstat/snmp pairs and softnet_stat, good and bad. */
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

static void test_softnet(void **state)
{
	uint64_t dropped, squeezed;

	/* two CPUs; columns beyond the third are ignored */
	assert_int_equal(softnet_parse("0000a000 00000002 0000000f 00000000\n"
				       "00000100 00000001 00000001 00000000\n", &dropped, &squeezed),
			 0);
	assert_int_equal(dropped, 3);
	assert_int_equal(squeezed, 16);
	assert_int_equal(softnet_parse("00000001 zz 00000003\n", &dropped, &squeezed), -EINVAL);
	assert_int_equal(softnet_parse("00000001 00000002\n", &dropped, &squeezed), -EINVAL);
	assert_int_equal(softnet_parse("", &dropped, &squeezed), 0);
	assert_int_equal(dropped, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netstat_find),
		cmocka_unit_test(test_netstat_bad),
		cmocka_unit_test(test_softnet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
