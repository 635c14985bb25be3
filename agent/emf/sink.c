// SPDX-License-Identifier: GPL-2.0-only
/* The EMF sink: non-blocking delivery to the CloudWatch agent, with a spool. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/jsonutil.h"
#include "core/log.h"
#include "emf/sink.h"
#include "emf/spool.h"
#include "core/util.h"

enum sink_conn {
	CONN_DOWN,          /* no socket: waiting for retry_at_ms, or for documents */
	CONN_CONNECTING,
	CONN_UP,
};

struct sink_counters {
	uint64_t sent, bytes, dropped, reconnects;
};

struct sink {
	struct ev_source src;           /* the socket; fd -1 when there is none */
	struct evloop *loop;
	struct sink_endpoint ep;
	const char *ep_from;            /* "config", SINK_ENDPOINT_ENV or "default" */
	char persist_path[PATH_MAX];    /* "" when not persisted */
	size_t max_docs;
	size_t max_bytes;               /* of memory, packed blocks as they are */
	int loaded;                     /* documents read back from the spool file */
	struct spool q;
	enum sink_conn conn;
	uint32_t events;                /* what the socket is registered for */
	bool ever_up;
	bool failing;                   /* the last attempt failed; nothing taken since */
	uint64_t retry_at_ms, connect_deadline_ms, backoff_ms;
	/*
	 * The connection's byte stream: q[0, wr_idx) is written, and wr_off
	 * bytes of q[wr_idx]. Of the written bytes, "taken" are the agent's;
	 * "popped" belong to documents already released from q.
	 */
	size_t wr_idx, wr_off;
	uint64_t written, taken, popped;
	bool took_any;                  /* something was taken on this connection */
	uint64_t progress_ms;           /* when taken last grew, or writing began */
	uint64_t poll_at_ms;            /* 0: no check of taken scheduled */
	bool diag;                      /* taken = read by the agent (sock_diag) */
	int diag_misses;                /* lookups in a row that found no socket */
	int diag_fd;
	uint32_t diag_seq;
	struct sockaddr_storage local;
	struct sink_counters c, reported;
	uint64_t last_accepted_wall_ms, last_error_wall_ms, reported_error_wall_ms;
	char last_error[256];
	/* Said once in the log, not at every retry or interval (sink_log_*). */
	struct log_episode outage;      /* no agent takes documents */
	struct log_episode spool_full;  /* ... and the spool drops the oldest */
	uint64_t dropped_at_outage;     /* c.dropped when the outage began */
};

static void flush(struct sink *s, uint64_t now);

/* ---- endpoints ---- */

static int parse_port(const char *p, struct sink_endpoint *ep)
{
	unsigned long port;
	char *end;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	port = strtoul(p, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -EINVAL;
	if (ep->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&ep->addr)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&ep->addr)->sin6_port = htons(port);
	return 0;
}

/* ADDRESS: an IPv6 literal when it came in brackets, else IPv4 or localhost. */
static int parse_address(const char *host, bool bracketed, struct sink_endpoint *ep)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&ep->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ep->addr;

	if (bracketed) {
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -EINVAL;
		in6->sin6_family = AF_INET6;
		ep->addrlen = sizeof(*in6);
		return 0;
	}
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
		return -EINVAL;
	in->sin_family = AF_INET;
	ep->addrlen = sizeof(*in);
	return 0;
}

int sink_endpoint_parse(const char *text, struct sink_endpoint *ep)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *rest, *end, *port;
	bool bracketed;
	size_t len;

	memset(ep, 0, sizeof(*ep));
	if (strlen(text) >= sizeof(ep->text))
		return -EINVAL;
	if (strncmp(text, "tcp://", 6) == 0)
		ep->transport = SINK_TCP;
	else if (strncmp(text, "udp://", 6) == 0)
		ep->transport = SINK_UDP;
	else
		return -EINVAL;
	rest = text + 6;
	bracketed = *rest == '[';
	if (bracketed) {
		end = strchr(++rest, ']');
		port = end && end[1] == ':' ? end + 2 : NULL;
	} else {
		end = strrchr(rest, ':');
		port = end ? end + 1 : NULL;
	}
	len = end ? (size_t)(end - rest) : 0;
	if (!port || !len || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, rest, len);
	host[len] = '\0';
	if (parse_address(host, bracketed, ep) || parse_port(port, ep))
		return -EINVAL;
	strcpy(ep->text, text);
	return 0;
}

/* The configured endpoint, else the environment's, else the default. */
static const char *resolve_endpoint(const char *configured, struct sink_endpoint *ep)
{
	const char *env = getenv(SINK_ENDPOINT_ENV);

	if (configured && *configured)
		return sink_endpoint_parse(configured, ep) ? NULL : "config";
	if (env && *env) {
		if (sink_endpoint_parse(env, ep) == 0)
			return SINK_ENDPOINT_ENV;
		log_warn("%s='%.64s' is not tcp://ADDRESS:PORT or udp://ADDRESS:PORT; using %s",
			 SINK_ENDPOINT_ENV, env, SINK_DEFAULT_ENDPOINT);
	}
	sink_endpoint_parse(SINK_DEFAULT_ENDPOINT, ep);
	return "default";
}

static bool endpoint_is_loopback(const struct sink_endpoint *ep)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)&ep->addr;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ep->addr;

	if (ep->addr.ss_family == AF_INET)
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
}

/* ---- bookkeeping ---- */

static void set_error(struct sink *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(struct sink *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->last_error, sizeof(s->last_error), fmt, ap);
	va_end(ap);
	s->last_error_wall_ms = util_now_wall_ms();
}

/* ---- the log: an agent that is away is said once, and its return ---- */

/* A connection that never carried a document failed: the agent is away. */
static void log_outage(struct sink *s, uint64_t now)
{
	char since[32];

	switch (log_episode_step(&s->outage, now)) {
	case LOG_EPISODE_FIRST:
		s->dropped_at_outage = s->c.dropped;
		log_warn("EMF sink: %s: no CloudWatch agent takes metrics there. They wait in "
			 "the spool (up to %zu KiB compressed, then the oldest are dropped) and go out "
			 "when it answers; retried every %d s at most, said again hourly. Start the "
			 "CloudWatch agent with its EMF listener, point emf_endpoint at it, or set "
			 "metrics = off in perfagent.conf to stop sending", s->last_error,
			 s->max_bytes >> 10, SINK_BACKOFF_MAX_MS / 1000);
		break;
	case LOG_EPISODE_REMIND:
		log_duration(now - s->outage.since_ms, since, sizeof(since));
		log_warn("EMF sink: still no agent at %s after %s (%lu retries): %zu documents "
			 "waiting, %llu dropped; last error: %s", s->ep.text, since,
			 s->outage.repeats, s->q.n,
			 (unsigned long long)(s->c.dropped - s->dropped_at_outage), s->last_error);
		break;
	case LOG_EPISODE_REPEAT:
		log_debug("EMF sink: %s; %zu documents waiting, next try in %llu ms",
			  s->last_error, s->q.n, (unsigned long long)(s->retry_at_ms - now));
		break;
	}
}

/* The first document taken after an outage that was logged. */
static void log_recovered(struct sink *s, uint64_t now)
{
	char took[32];
	bool was_full = log_episode_end(&s->spool_full, now, took, sizeof(took));

	if (!log_episode_end(&s->outage, now, took, sizeof(took))) {
		if (was_full)
			log_info("EMF sink: the agent at %s takes documents again; the spool "
				 "no longer drops (%llu dropped in all)", s->ep.text,
				 (unsigned long long)s->c.dropped);
		return;
	}
	log_info("EMF sink: the agent at %s takes documents again after %s (%lu retries); "
		 "%zu documents waiting are being sent, %llu were dropped meanwhile", s->ep.text,
		 took, s->outage.repeats, s->q.n,
		 (unsigned long long)(s->c.dropped - s->dropped_at_outage));
}

static void count_taken(struct sink *s, size_t bytes)
{
	if (s->outage.since_ms || s->spool_full.since_ms)
		log_recovered(s, util_now_mono_ms());
	s->c.sent++;
	s->c.bytes += bytes;
	s->last_accepted_wall_ms = util_now_wall_ms();
	s->took_any = true;
	s->failing = false;
	s->backoff_ms = SINK_BACKOFF_MIN_MS;
}

/*
 * The oldest document the stream allows to forget: a written one that was
 * not taken is forgotten (it may still arrive, it will not be sent again);
 * never the one half written, which would glue two lines together.
 */
static void drop_oldest(struct sink *s)
{
	if (s->wr_idx > 0) {
		s->popped += spool_peek(&s->q, 0)->len;
		s->wr_idx--;
		spool_remove(&s->q, 0);
	} else {
		spool_remove(&s->q, s->wr_off > 0);
	}
	s->c.dropped++;
}

/* Drops the oldest documents until the spool is within its bounds. */
static void enforce_bounds(struct sink *s)
{
	size_t dropped = 0;

	/*
	 * The documents being sent are unpacked, so while connected they get
	 * SINK_SEND_SLACK on top: else catching up after an outage would drop
	 * the very documents it is sending.
	 */
	size_t max_bytes = s->max_bytes + (s->conn == CONN_UP ? SINK_SEND_SLACK : 0);

	while ((s->q.n > s->max_docs || s->q.bytes > max_bytes) && s->q.n > (s->wr_off > 0)) {
		drop_oldest(s);
		dropped++;
	}
	if (!dropped)
		return;
	set_error(s, "spool full (%zu documents, %zu KiB): dropped the oldest", s->q.n,
		  s->q.bytes >> 10);
	switch (log_episode_step(&s->spool_full, util_now_mono_ms())) {
	case LOG_EPISODE_FIRST:
	case LOG_EPISODE_REMIND:
		log_warn("EMF sink: %s is not taking documents and the spool is full (%zu "
			 "documents in %zu KiB, compressed from %zu KiB): the oldest are dropped, "
			 "%llu so far (spool_max_bytes and spool_max_documents set the bound)",
			 s->ep.text, s->q.n, s->q.bytes >> 10, s->q.wire_bytes >> 10,
			 (unsigned long long)s->c.dropped);
		break;
	case LOG_EPISODE_REPEAT:
		log_debug("EMF sink: spool full, dropped %zu, %llu in all", dropped,
			  (unsigned long long)s->c.dropped);
		break;
	}
}

static void watch(struct sink *s, uint32_t events)
{
	if (s->events != events && evloop_mod(s->loop, &s->src, events) == 0)
		s->events = events;
}

/* ---- what the agent has taken (TCP) ---- */

/* The agent's socket, as sock_diag names it: local end the agent, remote end us. */
static void diag_sockid(const struct sink *s, struct inet_diag_sockid *id)
{
	if (s->ep.addr.ss_family == AF_INET) {
		const struct sockaddr_in *peer = (const struct sockaddr_in *)&s->ep.addr;
		const struct sockaddr_in *me = (const struct sockaddr_in *)&s->local;

		id->idiag_sport = peer->sin_port;
		id->idiag_dport = me->sin_port;
		memcpy(id->idiag_src, &peer->sin_addr, 4);
		memcpy(id->idiag_dst, &me->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *peer = (const struct sockaddr_in6 *)&s->ep.addr;
		const struct sockaddr_in6 *me = (const struct sockaddr_in6 *)&s->local;

		id->idiag_sport = peer->sin6_port;
		id->idiag_dport = me->sin6_port;
		memcpy(id->idiag_src, &peer->sin6_addr, 16);
		memcpy(id->idiag_dst, &me->sin6_addr, 16);
	}
	id->idiag_cookie[0] = id->idiag_cookie[1] = INET_DIAG_NOCOOKIE;
}

/* Bytes received by the agent's socket and not read yet, from sock_diag. */
static int peer_unread(struct sink *s, uint32_t *unread)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = ++s->diag_seq },
		.req = { .sdiag_family = s->ep.addr.ss_family, .sdiag_protocol = IPPROTO_TCP,
			 .idiag_states = ~0u },
	};
	char buf[512] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	const struct inet_diag_msg *m = NLMSG_DATA(nlh);
	ssize_t n;

	diag_sockid(s, &msg.req.id);
	if (send(s->diag_fd, &msg, sizeof(msg), 0) < 0)
		return -errno;
	/* The kernel answers during send(); skip any stale reply. */
	do {
		n = recv(s->diag_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			return -errno;
		if (n < (ssize_t)sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
		    nlh->nlmsg_len > (size_t)n)
			return -EIO;
	} while (nlh->nlmsg_seq != s->diag_seq);
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nlh);

		return e->error ? e->error : -EIO;
	}
	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EIO;
	/* With no connection left the lookup can find the listener: that is "gone". */
	if (m->idiag_state == TCP_LISTEN || m->id.idiag_dport != msg.req.id.idiag_dport)
		return -ENOENT;
	*unread = m->idiag_rqueue;
	return 0;
}

/* A live connection whose agent socket stays invisible this long is not on loopback. */
#define SINK_DIAG_MISSES 3

/*
 * How many bytes of this connection the agent has taken: acknowledged by
 * its TCP stack (SIOCOUTQ) minus, when sock_diag can see its socket, what
 * it has not read. final: the connection is ending, so a socket that
 * cannot be found is gone (what it held is lost), not invisible.
 */
static void update_taken(struct sink *s, uint64_t now, bool final)
{
	uint64_t taken;
	uint32_t unread;
	int outq, ret;

	if (ioctl(s->src.fd, SIOCOUTQ, &outq) < 0)
		return;
	taken = s->written - (uint64_t)outq;
	if (s->diag) {
		ret = peer_unread(s, &unread);
		s->diag_misses = ret ? s->diag_misses + 1 : 0;
		if (ret == 0) {
			taken = taken > unread ? taken - unread : 0;
		} else if (final || s->diag_misses < SINK_DIAG_MISSES) {
			/* Gone (its unread bytes with it), or about to be seen gone. */
			taken = s->taken;
		} else {
			/* NAT, another namespace, no inet_diag: settle for the ACKs. */
			log_info("EMF sink: cannot see the agent's socket for %s (%s); counting what "
				 "its TCP stack acknowledged", s->ep.text, strerror(-ret));
			s->diag = false;
		}
	}
	if (taken > s->taken) {
		s->taken = taken;
		s->progress_ms = now;
	}
	/* Release every document taken whole. */
	while (s->wr_idx > 0 && s->popped + spool_peek(&s->q, 0)->len <= s->taken) {
		size_t len = spool_peek(&s->q, 0)->len;

		s->popped += len;
		count_taken(s, len);
		spool_remove(&s->q, 0);
		s->wr_idx--;
	}
}

/* ---- the connection ---- */

/* Ends the connection; what the agent has not taken goes back to be sent again. */
static void conn_close(struct sink *s, uint64_t now)
{
	if (s->conn == CONN_UP && s->ep.transport == SINK_TCP)
		update_taken(s, now, true);
	if (s->src.fd >= 0) {
		evloop_del(s->loop, &s->src);
		close(s->src.fd);
	}
	s->src.fd = -1;
	s->events = 0;
	s->conn = CONN_DOWN;
	s->wr_idx = s->wr_off = 0;
	s->written = s->taken = s->popped = 0;
	s->poll_at_ms = 0;
}

static void conn_lost(struct sink *s, uint64_t now, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A failed connect or a lost connection: retry, at once if it was working. */
static void conn_lost(struct sink *s, uint64_t now, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->last_error, sizeof(s->last_error), fmt, ap);
	va_end(ap);
	s->last_error_wall_ms = util_now_wall_ms();
	conn_close(s, now);
	if (s->took_any) {
		s->retry_at_ms = now;
	} else {
		s->retry_at_ms = now + s->backoff_ms;
		s->backoff_ms = s->backoff_ms * 2 > SINK_BACKOFF_MAX_MS ? SINK_BACKOFF_MAX_MS
									 : s->backoff_ms * 2;
	}
	/* Losing a connection that worked is routine (agent restart); failing is not. */
	if (s->took_any)
		log_info("EMF sink: %s; %zu documents waiting, next try in %llu ms",
			s->last_error, s->q.n, (unsigned long long)(s->retry_at_ms - now));
	else
		log_outage(s, now);
	s->took_any = false;
	s->failing = true;
}

/*
 * The agent never sends: readable means end of file, an error, or stray
 * bytes (read and dropped). Returns 0 while the connection stands.
 */
static int peer_check(struct sink *s, uint64_t now)
{
	char buf[512];

	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(s->src.fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0 || (n == 0 && s->ep.transport == SINK_UDP) || (n < 0 && errno == EINTR))
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n == 0)
			conn_lost(s, now, "the agent at %s closed the connection", s->ep.text);
		else
			conn_lost(s, now, "%s: %s", s->ep.text, strerror(errno));
		return -EPIPE;
	}
	return 0;
}

static void conn_up(struct sink *s, uint64_t now)
{
	socklen_t len = sizeof(s->local);

	getsockname(s->src.fd, (struct sockaddr *)&s->local, &len);
	s->conn = CONN_UP;
	if (s->ever_up)
		s->c.reconnects++;
	s->ever_up = true;
	s->progress_ms = now;
	s->diag = s->ep.transport == SINK_TCP && s->diag_fd >= 0 && endpoint_is_loopback(&s->ep);
	s->diag_misses = 0;
	log_info("EMF sink: connected to %s; %zu documents waiting", s->ep.text, s->q.n);
	watch(s, EPOLLIN | (s->ep.transport == SINK_TCP ? EPOLLRDHUP : 0));
	flush(s, now);
}

static void conn_open(struct sink *s, uint64_t now)
{
	int type = s->ep.transport == SINK_TCP ? SOCK_STREAM : SOCK_DGRAM;
	int fd;

	if (s->ep.transport == SINK_TCP && s->diag_fd < 0)
		s->diag_fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	fd = socket(s->ep.addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		conn_lost(s, now, "cannot open a socket for %s: %s", s->ep.text, strerror(errno));
		return;
	}
	s->src.fd = fd;
	s->events = EPOLLOUT;
	if (evloop_add(s->loop, &s->src, EPOLLOUT) < 0) {
		close(fd);
		s->src.fd = -1;
		conn_lost(s, now, "epoll: %s", strerror(errno));
		return;
	}
	if (connect(fd, (struct sockaddr *)&s->ep.addr, s->ep.addrlen) == 0) {
		conn_up(s, now);
	} else if (errno == EINPROGRESS) {
		s->conn = CONN_CONNECTING;
		s->connect_deadline_ms = now + SINK_CONNECT_TIMEOUT_MS;
	} else {
		conn_lost(s, now, "cannot connect to %s: %s", s->ep.text, strerror(errno));
	}
}

static void connect_done(struct sink *s, uint64_t now)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(s->src.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err)
		conn_lost(s, now, "cannot connect to %s: %s", s->ep.text, strerror(err));
	else
		conn_up(s, now);
}

/* ---- sending ---- */

static void flush_tcp(struct sink *s, uint64_t now)
{
	bool blocked = false;

	if (s->written == s->taken)
		s->progress_ms = now;   /* a stall counts from the first byte waiting */
	while (s->wr_idx < s->q.n && s->written - s->popped < SINK_MAX_IN_FLIGHT) {
		struct spool_doc *d = spool_at(&s->q, s->wr_idx);
		ssize_t n;

		if (!d)         /* no memory to unpack it now: the next submit tries again */
			break;
		n = send(s->src.fd, d->data + s->wr_off, d->len - s->wr_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			blocked = true;
			break;
		}
		if (n < 0) {
			conn_lost(s, now, "sending to %s: %s", s->ep.text, strerror(errno));
			return;
		}
		s->written += n;
		s->wr_off += n;
		if (s->wr_off == d->len) {
			s->wr_idx++;
			s->wr_off = 0;
		}
	}
	watch(s, EPOLLIN | EPOLLRDHUP | (blocked ? EPOLLOUT : 0));
	if (s->written > s->taken && !s->poll_at_ms)
		s->poll_at_ms = now + SINK_POLL_MS;
}

/* One document per datagram, without its newline; taken once the kernel has it. */
static void flush_udp(struct sink *s, uint64_t now)
{
	bool blocked = false;

	while (s->q.n) {
		struct spool_doc *d = spool_at(&s->q, 0);
		ssize_t n;

		if (!d)
			break;
		if (d->len - 1 > SINK_UDP_MAX) {
			set_error(s, "a %zu-byte document does not fit in a datagram", d->len - 1);
			spool_remove(&s->q, 0);
			s->c.dropped++;
			continue;
		}
		n = send(s->src.fd, d->data, d->len - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
			blocked = true;
			break;
		}
		if (n < 0) {
			conn_lost(s, now, "sending to %s: %s", s->ep.text, strerror(errno));
			return;
		}
		count_taken(s, n);
		spool_remove(&s->q, 0);
	}
	watch(s, EPOLLIN | (blocked ? EPOLLOUT : 0));
}

/* Sends what it can, after checking the agent is still there. */
static void flush(struct sink *s, uint64_t now)
{
	if (peer_check(s, now))
		return;
	if (s->ep.transport == SINK_TCP)
		flush_tcp(s, now);
	else
		flush_udp(s, now);
}

static void on_event(struct ev_source *src, uint32_t events)
{
	struct sink *s = (struct sink *)((char *)src - offsetof(struct sink, src));
	uint64_t now = util_now_mono_ms();

	if (s->conn == CONN_CONNECTING)
		connect_done(s, now);
	else if (s->conn == CONN_UP && (events & EPOLLOUT))
		flush(s, now);
	else if (s->conn == CONN_UP)
		peer_check(s, now);
}

/* Checks what was taken, gives up on a stalled agent, writes more if room opened. */
static void poll_taken(struct sink *s, uint64_t now)
{
	s->poll_at_ms = 0;
	if (peer_check(s, now))
		return;
	update_taken(s, now, false);
	if (s->written > s->taken && now - s->progress_ms >= SINK_STALL_MS) {
		conn_lost(s, now, "the agent at %s took nothing for %d s", s->ep.text,
			  SINK_STALL_MS / 1000);
		return;
	}
	flush_tcp(s, now);
}

/* ---- the API ---- */

int sink_submit(struct sink *s, const char *doc, size_t len)
{
	uint64_t now = util_now_mono_ms();

	if (spool_push(&s->q, doc, len)) {
		s->c.dropped++;
		set_error(s, "out of memory: a document was dropped");
		return -ENOMEM;
	}
	enforce_bounds(s);
	if (s->conn == CONN_UP)
		flush(s, now);
	else if (s->conn == CONN_DOWN && now >= s->retry_at_ms)
		conn_open(s, now);
	return 0;
}

int sink_next_timeout(const struct sink *s, uint64_t now_ms)
{
	uint64_t at;

	if (s->conn == CONN_DOWN && s->q.n)
		at = s->retry_at_ms;
	else if (s->conn == CONN_CONNECTING)
		at = s->connect_deadline_ms;
	else if (s->conn == CONN_UP && s->poll_at_ms)
		at = s->poll_at_ms;
	else
		return -1;
	if (at <= now_ms)
		return 0;
	return at - now_ms > INT_MAX ? INT_MAX : (int)(at - now_ms);
}

void sink_tick(struct sink *s, uint64_t now_ms)
{
	if (s->conn == CONN_DOWN && s->q.n && now_ms >= s->retry_at_ms)
		conn_open(s, now_ms);
	else if (s->conn == CONN_CONNECTING && now_ms >= s->connect_deadline_ms)
		conn_lost(s, now_ms, "no answer from %s in %d ms", s->ep.text,
			  SINK_CONNECT_TIMEOUT_MS);
	else if (s->conn == CONN_UP && s->poll_at_ms && now_ms >= s->poll_at_ms)
		poll_taken(s, now_ms);
}

int sink_configure(struct sink *s, const struct sink_opts *o)
{
	uint64_t now = util_now_mono_ms();
	struct sink_endpoint ep;
	const char *from = resolve_endpoint(o->endpoint, &ep);

	if (!from)
		return -EINVAL;
	s->max_docs = o->max_documents ? o->max_documents : 1;
	s->max_bytes = o->max_bytes ? o->max_bytes : SINK_DEFAULT_SPOOL_BYTES;
	snprintf(s->persist_path, sizeof(s->persist_path), "%s",
		 o->persist_path ? o->persist_path : "");
	s->ep_from = from;
	if (strcmp(ep.text, s->ep.text) != 0) {
		if (s->ep.text[0])
			log_info("EMF sink: endpoint now %s (was %s)", ep.text, s->ep.text);
		conn_close(s, now);
		s->ep = ep;
		/* Another endpoint: its failures are a new story. */
		memset(&s->outage, 0, sizeof(s->outage));
		memset(&s->spool_full, 0, sizeof(s->spool_full));
		s->failing = false;
		s->backoff_ms = SINK_BACKOFF_MIN_MS;
		s->retry_at_ms = now;
	}
	enforce_bounds(s);
	return 0;
}

/* One spool file into the spool; what happened said in the log. */
static void load_spool_file(struct sink *s, const char *path, const char *what)
{
	struct spool_dropped dropped;
	char why[512], aside[PATH_MAX + 16];
	int n;

	/* The file holds at most the spool; slack for a half-written document over it. */
	n = spool_load(&s->q, path, SINK_MAX_SPOOL_BYTES + (1u << 20), util_now_wall_ms(),
		       &dropped, why, sizeof(why));
	if (n == -EBADMSG) {
		/* Kept for a look, out of the way of the next save. */
		snprintf(aside, sizeof(aside), "%s.corrupt", path);
		log_warn("EMF spool %s: refused: %s; moved to %s%s", path, why, aside,
			 rename(path, aside) ? " (failed: left in place)" : "");
		return;
	}
	if (n < 0) {
		log_warn("EMF spool %s: cannot load it: %s; left in place", path, why);
		return;
	}
	s->loaded += n;
	s->c.dropped += spool_dropped_total(&dropped);
	if (n)
		log_info("EMF spool %s: %d documents from the previous run go first%s", path, n,
			 what);
	if (spool_dropped_total(&dropped))
		log_warn("EMF spool %s: dropped what CloudWatch would refuse: %zu not EMF, %zu "
			 "larger than 256 KiB, %zu older than 14 days, %zu over 2 hours ahead",
			 path, dropped.not_emf, dropped.too_large, dropped.too_old,
			 dropped.ahead);
}

static void load_spool(struct sink *s)
{
	char v1[PATH_MAX];
	size_t len = strlen(s->persist_path);

	if (!s->persist_path[0])
		return;
	/* The uncompressed file of versions before the gzip one: older, so first. */
	if (len > 3 && strcmp(s->persist_path + len - 3, ".gz") == 0) {
		snprintf(v1, sizeof(v1), "%.*s", (int)(len - 3), s->persist_path);
		load_spool_file(s, v1, " (uncompressed file of an earlier version)");
	}
	load_spool_file(s, s->persist_path, "");
	enforce_bounds(s);
}

struct sink *sink_new(struct evloop *loop, const struct sink_opts *o)
{
	struct sink *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->loop = loop;
	s->src = (struct ev_source){ .fd = -1, .handle = on_event };
	s->diag_fd = -1;
	s->backoff_ms = SINK_BACKOFF_MIN_MS;
	spool_init(&s->q);
	if (sink_configure(s, o)) {
		free(s);
		return NULL;
	}
	load_spool(s);
	conn_open(s, util_now_mono_ms());
	return s;
}

/* At stop: without a spool file, one last chance to write; then save or drop. */
static void save_or_drop(struct sink *s)
{
	size_t n;
	int ret;

	if (!s->persist_path[0]) {
		if (s->conn == CONN_UP)
			flush(s, util_now_mono_ms());
		if (s->conn == CONN_UP)
			update_taken(s, util_now_mono_ms(), true);
		n = s->q.n - s->wr_idx;
		if (n)
			log_warn("EMF sink: %zu documents not sent to %s are dropped at stop "
				 "(spool_persist = no)", n, s->ep.text);
		return;
	}
	conn_close(s, util_now_mono_ms());
	n = s->q.n < s->max_docs ? s->q.n : s->max_docs;
	ret = spool_save(&s->q, s->persist_path, s->max_docs);
	if (ret)
		log_error("EMF spool %s: cannot save %zu documents: %s", s->persist_path, n,
			  strerror(-ret));
	else if (n)
		log_info("EMF spool %s: %zu documents not taken by the agent saved for the next "
			 "start", s->persist_path, n);
}

void sink_free(struct sink *s)
{
	if (!s)
		return;
	save_or_drop(s);
	conn_close(s, util_now_mono_ms());
	if (s->diag_fd >= 0)
		close(s->diag_fd);
	spool_free(&s->q);
	free(s);
}

void sink_get_stats(const struct sink *s, struct sink_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->sent = s->c.sent;
	st->bytes = s->c.bytes;
	st->dropped = s->c.dropped;
	st->reconnects = s->c.reconnects;
	st->queued = s->q.n;
	st->spool_bytes = s->q.bytes;
	st->spool_wire_bytes = s->q.wire_bytes;
	st->in_flight = s->wr_idx + (s->wr_off > 0);
	st->last_accepted_wall_ms = s->last_accepted_wall_ms;
	st->last_error_wall_ms = s->last_error_wall_ms;
	snprintf(st->last_error, sizeof(st->last_error), "%s", s->last_error);
}

int sink_report(struct sink *s, struct metric_entity *e, char *error, size_t size)
{
	const struct sink_counters *c = &s->c, *r = &s->reported;
	const struct {
		const char *name;
		enum metric_unit unit;
		double value;
	} m[] = {
		{ "SinkDocumentsSent", UNIT_COUNT, c->sent - r->sent },
		{ "SinkBytesSent", UNIT_BYTES, c->bytes - r->bytes },
		{ "SinkDocumentsDropped", UNIT_COUNT, c->dropped - r->dropped },
		{ "SinkReconnects", UNIT_COUNT, c->reconnects - r->reconnects },
		{ "SinkDocumentsQueued", UNIT_COUNT, s->q.n },
	};
	int ret = 0;

	for (size_t i = 0; i < ARRAY_SIZE(m) && !ret; i++)
		ret = metric_add(e, m[i].name, m[i].unit, m[i].value);
	if (!ret && s->last_accepted_wall_ms)
		ret = metric_add(e, "SinkLastAcceptedAge", UNIT_SECONDS,
				 (util_now_wall_ms() - s->last_accepted_wall_ms) / 1000.0);
	s->reported = s->c;
	error[0] = '\0';
	if (s->last_error_wall_ms > s->reported_error_wall_ms)
		snprintf(error, size, "%s", s->last_error);
	s->reported_error_wall_ms = s->last_error_wall_ms;
	return ret;
}

static const char *state_name(const struct sink *s)
{
	if (s->conn == CONN_UP)
		return "connected";
	return s->failing ? "unavailable" : "connecting";
}

static const char *delivery_name(const struct sink *s)
{
	if (s->ep.transport == SINK_UDP)
		return "datagram handed to the kernel (udp: no confirmation)";
	if (s->conn == CONN_UP ? s->diag : s->diag_fd >= 0 && endpoint_is_loopback(&s->ep))
		return "read by the agent (sock_diag)";
	return "acknowledged by the agent host's TCP stack";
}

static void summary(const struct sink *s, char *buf, size_t size)
{
	uint64_t now = util_now_mono_ms();
	int off;

	off = snprintf(buf, size, "%s, %llu sent, %zu waiting, %llu dropped", s->ep.text,
		       (unsigned long long)s->c.sent, s->q.n, (unsigned long long)s->c.dropped);
	if (s->conn != CONN_UP && s->failing && off > 0 && (size_t)off < size)
		snprintf(buf + off, size - off, "; %s; next try in %.1f s", s->last_error,
			 s->retry_at_ms > now ? (s->retry_at_ms - now) / 1000.0 : 0.0);
}

/* A number member of a sink that is there; null when metrics are off. */
static struct json_object *num_or_null(const struct sink *s, int64_t v)
{
	return s ? json_object_new_int64(v) : NULL;
}

struct json_object *sink_status_json(const struct sink *s)
{
	/* Metrics off: every member still there (null), as the README promises. */
	static const struct sink none;
	const struct sink *x = s ? s : &none;
	struct json_object *o = json_object_new_object();
	struct json_object *spool = s ? json_object_new_object() : NULL;
	char buf[512];

	if (s)
		summary(s, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "metrics = off in the configuration: nothing is sent "
			 "to CloudWatch");
	json_object_object_add(o, "state", json_object_new_string(s ? state_name(s) : "off"));
	json_object_object_add(o, "reason", json_object_new_string(buf));
	json_object_object_add(o, "endpoint", json_str_or_null(x->ep.text));
	json_object_object_add(o, "endpoint_from", json_str_or_null(x->ep_from));
	json_object_object_add(o, "delivery", s ? json_object_new_string(delivery_name(s)) : NULL);
	json_object_object_add(o, "documents_sent", num_or_null(s, x->c.sent));
	json_object_object_add(o, "bytes_sent", num_or_null(s, x->c.bytes));
	json_object_object_add(o, "queued", num_or_null(s, x->q.n));
	json_object_object_add(o, "in_flight", num_or_null(s, x->wr_idx + (x->wr_off > 0)));
	json_object_object_add(o, "dropped", num_or_null(s, x->c.dropped));
	json_object_object_add(o, "reconnects", num_or_null(s, x->c.reconnects));
	json_object_object_add(o, "last_accepted_at", json_time_or_null(x->last_accepted_wall_ms));
	json_object_object_add(o, "last_error", json_str_or_null(x->last_error));
	json_object_object_add(o, "last_error_at", json_time_or_null(x->last_error_wall_ms));
	if (spool) {
		json_object_object_add(spool, "max_documents", json_object_new_int64(s->max_docs));
		json_object_object_add(spool, "max_bytes", json_object_new_int64(s->max_bytes));
		json_object_object_add(spool, "memory_bytes", json_object_new_int64(s->q.bytes));
		json_object_object_add(spool, "document_bytes",
				       json_object_new_int64(s->q.wire_bytes));
		json_object_object_add(spool, "file", json_str_or_null(s->persist_path));
		json_object_object_add(spool, "loaded_at_start", json_object_new_int(s->loaded));
	}
	json_object_object_add(o, "spool", spool);
	return o;
}
