// SPDX-License-Identifier: GPL-2.0-only
/* Listen-queue drops by port, from sock_diag (listeners.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "core/array.h"
#include "core/metrics.h"
#include "core/util.h"
#include "net/listeners.h"

#define DUMP_BUF (32 * 1024)
#define DUMP_MAX_READS 4096     /* a namespace with a million listeners still ends */

static int add_listener(const struct nlmsghdr *h, struct listen_sock **out, size_t *n,
			size_t *cap)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	/* Signed, as the RTA_ macros expect: a short last attribute ends the loop. */
	int attrs_len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
	struct rtattr *a = (struct rtattr *)(m + 1);
	struct listen_sock s = {
		.inode = m->idiag_inode,
		.port = ntohs(m->id.idiag_sport),
		.queue = m->idiag_rqueue,
		.backlog = m->idiag_wqueue,
	};
	struct listen_sock *grown;

	if (m->idiag_state != TCP_LISTEN)
		return 0;
	for (; RTA_OK(a, attrs_len); a = RTA_NEXT(a, attrs_len)) {
		if (a->rta_type == INET_DIAG_SKMEMINFO &&
		    RTA_PAYLOAD(a) >= (int)((SK_MEMINFO_DROPS + 1) * sizeof(uint32_t)))
			memcpy(&s.drops, (const char *)RTA_DATA(a) + SK_MEMINFO_DROPS * sizeof(uint32_t),
			       sizeof(s.drops));
	}
	grown = array_grow(*out, cap, *n + 1, sizeof(**out), 16);
	if (!grown)
		return -ENOMEM;
	*out = grown;
	(*out)[(*n)++] = s;
	return 0;
}

int listeners_parse(const void *buf, size_t len, struct listen_sock **out, size_t *n,
		    size_t *cap, bool *done)
{
	const struct nlmsghdr *h = buf;
	int left, ret;

	if (len > INT_MAX)
		return -E2BIG;
	/* Signed, as NLMSG_NEXT expects: a padded last message leaves it <= 0. */
	left = (int)len;
	for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
		if (h->nlmsg_type == NLMSG_DONE) {
			*done = true;
			return 0;
		}
		if (h->nlmsg_type == NLMSG_ERROR)
			return -EPROTO;
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
			continue;
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
			return -EPROTO;
		ret = add_listener(h, out, n, cap);
		if (ret)
			return ret;
	}
	return left > 0 ? -EPROTO : 0;  /* a partial message left over */
}

/* One family's listeners, appended. */
static int dump_family(int fd, int family, char *buf, struct listen_sock **out, size_t *n,
		       size_t *cap)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = {
			.nlmsg_len = sizeof(msg),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		},
		.req = {
			.sdiag_family = family,
			.sdiag_protocol = IPPROTO_TCP,
			.idiag_states = 1 << TCP_LISTEN,
			.idiag_ext = 1 << (INET_DIAG_SKMEMINFO - 1),
		},
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	bool done = false;

	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (int reads = 0; !done && reads < DUMP_MAX_READS; reads++) {
		ssize_t len = recv(fd, buf, DUMP_BUF, 0);
		int ret;

		if (len < 0)
			return errno == EINTR ? -EINTR : -errno;
		if (len == 0)
			return -EPROTO;
		ret = listeners_parse(buf, (size_t)len, out, n, cap, &done);
		if (ret)
			return ret;
	}
	return done ? 0 : -E2BIG;
}

int listeners_dump(struct listen_sock **out, size_t *n)
{
	struct timeval timeout = { .tv_sec = 1 };       /* the kernel answers at once */
	char *buf = malloc(DUMP_BUF);   /* malloc's alignment suits nlmsghdr */
	size_t cap = 0;
	int fd, ret;

	*out = NULL;
	*n = 0;
	if (!buf)
		return -ENOMEM;
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	ret = dump_family(fd, AF_INET, buf, out, n, &cap);
	/* A kernel without IPv6 answers its dump with an error: IPv4's stand. */
	if (!ret && dump_family(fd, AF_INET6, buf, out, n, &cap) == -ENOMEM)
		ret = -ENOMEM;
	close(fd);
	free(buf);
	if (ret) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

static int by_inode(const void *a, const void *b)
{
	const struct listen_sock *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

/* Adds drops on port to top, keeping the port's fullest queue; false when top is full. */
static bool add_port(struct port_drops *top, size_t *n, size_t max, const struct listen_sock *s,
		     uint64_t drops)
{
	for (size_t i = 0; i < *n; i++) {
		if (top[i].port != s->port)
			continue;
		top[i].drops += drops;
		if (s->queue > top[i].queue) {
			top[i].queue = s->queue;
			top[i].backlog = s->backlog;
		}
		return true;
	}
	if (*n == max)
		return false;
	top[(*n)++] = (struct port_drops){ .port = s->port, .drops = drops, .queue = s->queue,
					   .backlog = s->backlog };
	return true;
}

static int most_drops(const void *a, const void *b)
{
	const struct port_drops *x = a, *y = b;

	if (x->drops != y->drops)
		return x->drops > y->drops ? -1 : 1;
	return x->port - y->port;
}

/* Whether an accept queue of backlog is as long as somaxconn allows (never when unknown). */
static bool at_somaxconn(const struct listeners *l, uint32_t backlog)
{
	return l->somaxconn && backlog >= l->somaxconn;
}

void listeners_update(struct listeners *l, struct listen_sock *now, size_t n)
{
	/* Every port with drops first, then the most: listeners are few. */
	struct port_drops *ports = n ? calloc(n, sizeof(*ports)) : NULL;
	size_t n_ports = 0;

	if (n)
		qsort(now, n, sizeof(*now), by_inode);
	l->drops_at_somaxconn = 0;
	l->have_interval = l->have_prev;
	for (size_t i = 0; l->have_prev && ports && i < n; i++) {
		const struct listen_sock *old = l->n_prev ?
			bsearch(&now[i], l->prev, l->n_prev, sizeof(*l->prev), by_inode) : NULL;
		/* drops only grow: a smaller count is a new socket on a reused inode */
		uint64_t d = old && old->drops <= now[i].drops ? now[i].drops - old->drops :
			     now[i].drops;

		if (d)
			add_port(ports, &n_ports, n, &now[i], d);
		if (at_somaxconn(l, now[i].backlog))
			l->drops_at_somaxconn += d;
	}
	if (n_ports)
		qsort(ports, n_ports, sizeof(*ports), most_drops);
	l->n_top = n_ports < LISTENERS_TOP ? n_ports : LISTENERS_TOP;
	if (l->n_top)
		memcpy(l->top, ports, l->n_top * sizeof(*ports));
	free(ports);
	free(l->prev);
	l->prev = now;
	l->n_prev = n;
	l->have_prev = true;
}

void listeners_collect(struct listeners *l)
{
	struct listen_sock *now;
	char line[32];
	unsigned long v;
	size_t n;

	/* The agent's own network namespace, as sock_diag's dump. */
	l->somaxconn = util_read_line("/proc/sys/net/core/somaxconn", line, sizeof(line)) > 0 &&
		       sscanf(line, "%lu", &v) == 1 && v && v <= UINT32_MAX ? (uint32_t)v : 0;
	l->error = listeners_dump(&now, &n);
	if (l->error) {
		l->n_top = 0;
		l->have_interval = false;
		return;
	}
	listeners_update(l, now, n);
}

int listeners_add_metrics(const struct listeners *l, double seconds,
			  struct metric_entity *inst)
{
	if (l->error || !l->have_interval || !l->somaxconn || seconds <= 0)
		return 0;
	return metric_add(inst, "TcpListenDropsAtSomaxconn", UNIT_COUNT_PER_SECOND,
			  (double)l->drops_at_somaxconn / seconds);
}

void listeners_top_text(const struct listeners *l, char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < l->n_top && len < size; i++) {
		int w = snprintf(buf + len, size - len, "%s:%u %llu drops (queue %u of %u)",
				 i ? ", " : "", l->top[i].port, (unsigned long long)l->top[i].drops,
				 l->top[i].queue, l->top[i].backlog);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

struct json_object *listeners_json(const struct listeners *l)
{
	struct json_object *arr;

	if (l->error)
		return NULL;
	arr = json_object_new_array();
	for (size_t i = 0; arr && i < l->n_top; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "port", json_object_new_int(l->top[i].port));
		json_object_object_add(o, "drops", json_object_new_int64((int64_t)l->top[i].drops));
		json_object_object_add(o, "queue", json_object_new_int64(l->top[i].queue));
		json_object_object_add(o, "backlog", json_object_new_int64(l->top[i].backlog));
		json_object_object_add(o, "somaxconn", l->somaxconn ?
				       json_object_new_int64(l->somaxconn) : NULL);
		json_object_object_add(o, "at_somaxconn",
				       json_object_new_boolean(at_somaxconn(l, l->top[i].backlog)));
		json_object_array_add(arr, o);
	}
	return arr;
}

void listeners_free(struct listeners *l)
{
	free(l->prev);
	l->prev = NULL;
	l->n_prev = 0;
	l->have_prev = false;
	l->n_top = 0;
}
