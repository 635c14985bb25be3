// SPDX-License-Identifier: GPL-2.0-only
/*
 * Listen drops by port: sock_diag replies built as the kernel lays them out
 * (good, truncated, with an error message), the per-interval deltas by port
 * (baseline, reuseport groups summed, a socket made since the last dump, an
 * inode reused), and one dump of this process's own listener after a real
 * overflow on loopback.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "core/metrics.h"
#include "net/listeners.h"

/* Appends one SOCK_DIAG_BY_FAMILY message for a listener to buf at *len. */
static void put_listener(char *buf, size_t *len, uint64_t inode, uint16_t port, uint32_t queue,
			 uint32_t backlog, uint32_t drops, int state)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(buf + *len);
	struct inet_diag_msg *m = NLMSG_DATA(h);
	struct rtattr *a = (struct rtattr *)(m + 1);
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };

	memset(h, 0, NLMSG_SPACE(sizeof(*m)) + RTA_SPACE(sizeof(mem)));
	mem[SK_MEMINFO_DROPS] = drops;
	a->rta_type = INET_DIAG_SKMEMINFO;
	a->rta_len = RTA_LENGTH(sizeof(mem));
	memcpy(RTA_DATA(a), mem, sizeof(mem));
	m->idiag_family = AF_INET;
	m->idiag_state = state;
	m->id.idiag_sport = htons(port);
	m->idiag_rqueue = queue;
	m->idiag_wqueue = backlog;
	m->idiag_inode = inode;
	h->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*m) + RTA_SPACE(sizeof(mem)));
	*len += NLMSG_ALIGN(h->nlmsg_len);
}

static void put_done(char *buf, size_t *len)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(buf + *len);

	memset(h, 0, NLMSG_SPACE(sizeof(int)));
	h->nlmsg_type = NLMSG_DONE;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(int));
	*len += NLMSG_ALIGN(h->nlmsg_len);
}

static void test_parse(void **state)
{
	char buf[4096] __attribute__((aligned(8)));
	struct listen_sock *l = NULL;
	size_t len = 0, n = 0, cap = 0;
	bool done = false;

	put_listener(buf, &len, 11, 8080, 128, 128, 40, TCP_LISTEN);
	put_listener(buf, &len, 12, 22, 0, 4096, 0, TCP_LISTEN);
	put_listener(buf, &len, 13, 5555, 0, 0, 9, TCP_ESTABLISHED);  /* not a listener */
	put_done(buf, &len);
	assert_int_equal(listeners_parse(buf, len, &l, &n, &cap, &done), 0);
	assert_true(done);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].inode, 11);
	assert_int_equal(l[0].port, 8080);
	assert_int_equal(l[0].queue, 128);
	assert_int_equal(l[0].backlog, 128);
	assert_int_equal(l[0].drops, 40);
	assert_int_equal(l[1].port, 22);
	free(l);
}

static void test_parse_bad(void **state)
{
	char buf[4096] __attribute__((aligned(8)));
	struct listen_sock *l = NULL;
	size_t len = 0, n = 0, cap = 0;
	bool done = false;
	struct nlmsghdr *h;

	put_listener(buf, &len, 11, 8080, 1, 1, 4, TCP_LISTEN);
	/* a message cut short: an error, never a read past len */
	assert_int_equal(listeners_parse(buf, len - 8, &l, &n, &cap, &done), -EPROTO);
	/* a header that claims less than an inet_diag_msg */
	h = (struct nlmsghdr *)buf;
	h->nlmsg_len = NLMSG_LENGTH(4);
	assert_int_equal(listeners_parse(buf, len, &l, &n, &cap, &done), -EPROTO);
	/* the kernel's error answer */
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(struct nlmsgerr));
	assert_int_equal(listeners_parse(buf, len, &l, &n, &cap, &done), -EPROTO);
	/* skmeminfo too short to hold the drops: the listener counts none */
	len = 0;
	put_listener(buf, &len, 11, 8080, 1, 1, 4, TCP_LISTEN);
	h->nlmsg_len = NLMSG_LENGTH(sizeof(struct inet_diag_msg) + RTA_LENGTH(8));
	((struct rtattr *)((struct inet_diag_msg *)NLMSG_DATA(h) + 1))->rta_len = RTA_LENGTH(8);
	assert_int_equal(listeners_parse(buf, NLMSG_ALIGN(h->nlmsg_len), &l, &n, &cap, &done), 0);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].drops, 0);
	assert_false(done);
	free(l);
}

static struct listen_sock *socks(size_t n, const struct listen_sock *s)
{
	struct listen_sock *copy = malloc(n * sizeof(*s));

	memcpy(copy, s, n * sizeof(*s));
	return copy;
}

static void test_update(void **state)
{
	struct listeners l = { 0 };
	char text[256];
	const struct listen_sock first[] = {
		{ .inode = 7, .port = 8080, .drops = 100, .queue = 5, .backlog = 128 },
		{ .inode = 3, .port = 8080, .drops = 50, .queue = 1, .backlog = 128 },
		{ .inode = 9, .port = 22, .drops = 1, .backlog = 4096 },
	};
	const struct listen_sock second[] = {
		/* reuseport group: 30 + 20 on 8080, the fuller queue shown */
		{ .inode = 3, .port = 8080, .drops = 70, .queue = 128, .backlog = 128 },
		{ .inode = 7, .port = 8080, .drops = 130, .queue = 2, .backlog = 128 },
		{ .inode = 9, .port = 22, .drops = 1, .backlog = 4096 },
		/* made since the last dump: all its drops are this interval's */
		{ .inode = 20, .port = 443, .drops = 60, .queue = 10, .backlog = 10 },
	};
	const struct listen_sock third[] = {
		/* inode 7 reused by a new socket whose count starts again */
		{ .inode = 7, .port = 9000, .drops = 4, .backlog = 16 },
	};

	listeners_update(&l, socks(3, first), 3);
	assert_int_equal(l.n_top, 0);   /* a baseline: counts since boot are not an interval's */
	listeners_update(&l, socks(4, second), 4);
	assert_int_equal(l.n_top, 2);
	assert_int_equal(l.top[0].port, 443);
	assert_int_equal(l.top[0].drops, 60);
	assert_int_equal(l.top[1].port, 8080);
	assert_int_equal(l.top[1].drops, 50);
	assert_int_equal(l.top[1].queue, 128);
	listeners_top_text(&l, text, sizeof(text));
	assert_string_equal(text, ":443 60 drops (queue 10 of 10), :8080 50 drops (queue 128 of 128)");
	listeners_update(&l, socks(1, third), 1);
	assert_int_equal(l.n_top, 1);
	assert_int_equal(l.top[0].port, 9000);
	assert_int_equal(l.top[0].drops, 4);
	listeners_update(&l, NULL, 0);
	assert_int_equal(l.n_top, 0);
	listeners_top_text(&l, text, sizeof(text));
	assert_string_equal(text, "");
	listeners_free(&l);
}

/* Status' "at_somaxconn" of the port l shows i-th (listeners_json()). */
static bool shown_at_somaxconn(const struct listeners *l, size_t i)
{
	struct json_object *a = listeners_json(l), *v;
	bool at;

	assert_non_null(a);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(a, i), "at_somaxconn",
					      &v));
	at = json_object_get_boolean(v);
	json_object_put(a);
	return at;
}

/*
 * Drops of listeners whose queue is somaxconn long (listen() was capped)
 * count apart: the accept-queue rule's evidence. Others, and any listener
 * while somaxconn is unknown, do not.
 */
static void test_at_somaxconn(void **state)
{
	struct listeners l = { .somaxconn = 128 };
	struct metric_set set;
	struct metric_entity *inst;
	double v;
	const struct listen_sock first[] = {
		{ .inode = 1, .port = 8080, .drops = 10, .backlog = 128 },
		{ .inode = 2, .port = 443, .drops = 10, .backlog = 16 },
		{ .inode = 3, .port = 22, .backlog = 4096 },
	};
	const struct listen_sock second[] = {
		{ .inode = 1, .port = 8080, .drops = 60, .queue = 128, .backlog = 128 },
		{ .inode = 2, .port = 443, .drops = 110, .queue = 16, .backlog = 16 },
		{ .inode = 3, .port = 22, .backlog = 4096 },
	};

	metric_set_init(&set, 1000, 10);
	inst = metric_set_entity(&set, ENTITY_INSTANCE, "");
	listeners_update(&l, socks(3, first), 3);
	assert_int_equal(listeners_add_metrics(&l, 10, inst), 0);
	assert_false(metric_find(inst, "TcpListenDropsAtSomaxconn", &v));  /* a baseline */
	listeners_update(&l, socks(3, second), 3);
	assert_int_equal(l.drops_at_somaxconn, 50);
	assert_int_equal(l.top[0].port, 443);
	assert_false(shown_at_somaxconn(&l, 0));        /* its own backlog: somaxconn cannot help */
	assert_int_equal(l.top[1].port, 8080);
	assert_true(shown_at_somaxconn(&l, 1));
	assert_int_equal(listeners_add_metrics(&l, 10, inst), 0);
	assert_true(metric_find(inst, "TcpListenDropsAtSomaxconn", &v));
	assert_true(v == 5.0);                  /* 50 drops over 10 s */
	/* somaxconn unknown: nothing is at it, and no metric */
	l.somaxconn = 0;
	listeners_update(&l, socks(3, first), 3);
	assert_int_equal(l.drops_at_somaxconn, 0);
	metric_set_free(&set);
	metric_set_init(&set, 1000, 10);
	inst = metric_set_entity(&set, ENTITY_INSTANCE, "");
	assert_int_equal(listeners_add_metrics(&l, 10, inst), 0);
	assert_false(metric_find(inst, "TcpListenDropsAtSomaxconn", &v));
	metric_set_free(&set);
	listeners_free(&l);
}

/* A listener with backlog 1 that never accepts, and connects: the kernel's own count. */
static void test_dump_real(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct listeners l = { 0 };
	int srv = socket(AF_INET, SOCK_STREAM, 0), c[8];

	assert_true(srv >= 0);
	assert_int_equal(bind(srv, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(srv, 1), 0);
	assert_int_equal(getsockname(srv, (struct sockaddr *)&a, &alen), 0);
	listeners_collect(&l);
	assert_int_equal(l.error, 0);
	for (int i = 0; i < 8; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(c[i], (struct sockaddr *)&a, sizeof(a));
	}
	usleep(100 * 1000);
	listeners_collect(&l);
	assert_int_equal(l.error, 0);
	assert_true(l.n_top >= 1);
	assert_int_equal(l.top[0].port, ntohs(a.sin_port));
	assert_true(l.top[0].drops >= 1);
	assert_int_equal(l.top[0].backlog, 1);
	/* somaxconn read with the dump; a backlog of 1 of its own is not at it */
	assert_true(l.somaxconn > 1);
	assert_false(shown_at_somaxconn(&l, 0));
	for (int i = 0; i < 8; i++)
		close(c[i]);
	close(srv);
	listeners_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_at_somaxconn),
		cmocka_unit_test(test_dump_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
