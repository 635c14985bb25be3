/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Listen-queue drops by listening port. The kernel counts every SYN or
 * handshake a listener refused (accept queue full, or out of memory: the
 * TcpExt ListenDrops, which include ListenOverflows) in that socket's
 * sk_drops, which sock_diag reports (INET_DIAG_SKMEMINFO, SK_MEMINFO_DROPS;
 * `ss -ltnm` shows it as "d"). No tracepoint sees these drops on 6.x (the
 * refused SYN is consumed, not freed as a drop), so this is how they are
 * attributed: every TCP listener of the agent's network namespace, IPv4 and
 * IPv6, dumped once per interval, its drops since the last dump summed by
 * port (SO_REUSEPORT groups have several sockets on one port).
 *
 * A listener's accept queue is as long as listen()'s backlog, capped by
 * net.core.somaxconn when listen() is called (__sys_listen()); raising
 * somaxconn later changes nothing for a socket already listening until it
 * listens again (a restart, or a reload that calls listen()). So drops are
 * also counted apart for listeners whose queue is somaxconn long (at the
 * cap: a larger somaxconn may help them) from those whose own backlog is
 * shorter (only the application can help them).
 */
#ifndef PA_LISTENERS_H
#define PA_LISTENERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct metric_entity;

/* One listening socket as sock_diag reports it. */
struct listen_sock {
	uint64_t inode;                 /* identifies the socket between dumps */
	uint16_t port;
	uint32_t queue;                 /* connections waiting for accept() now */
	uint32_t backlog;               /* the accept queue's size (listen()'s, capped by somaxconn) */
	uint32_t drops;                 /* since the socket was made */
};

/* A port's drops over one interval, with its largest listener's queue. */
struct port_drops {
	uint16_t port;
	uint64_t drops;
	uint32_t queue, backlog;
};

#define LISTENERS_TOP 5

struct listeners {
	struct listen_sock *prev;       /* the last dump, by inode */
	size_t n_prev;
	bool have_prev;
	struct port_drops top[LISTENERS_TOP];   /* the last interval's, most drops first */
	size_t n_top;
	uint32_t somaxconn;             /* read with the last dump; 0: unknown */
	/* The last interval's drops of listeners whose backlog is somaxconn. */
	uint64_t drops_at_somaxconn;
	bool have_interval;             /* the last dump had one before it */
	int error;                      /* of the last dump: 0 or a negative errno */
};

/*
 * Parses one buffer of sock_diag replies (struct nlmsghdr + struct
 * inet_diag_msg + attributes): appends each listener to *out (grown with
 * array_grow). *done is set at NLMSG_DONE. 0, -ENOMEM, or -EPROTO with a
 * malformed or error message (never reads past len).
 */
int listeners_parse(const void *buf, size_t len, struct listen_sock **out, size_t *n,
		    size_t *cap, bool *done);

/* Every TCP listener (IPv4 and IPv6) of this network namespace; 0 or -errno. */
int listeners_dump(struct listen_sock **out, size_t *n);

/*
 * The drops of now against l's last dump, by port, into l->top, and those
 * of listeners at l->somaxconn into l->drops_at_somaxconn; now becomes the
 * last dump (l takes it). The first call only sets the baseline. A socket
 * not in the last dump counts all its drops: it was made since.
 */
void listeners_update(struct listeners *l, struct listen_sock *now, size_t n);

/*
 * Reads net.core.somaxconn, dumps and updates; on an error l->error says
 * why and top is emptied.
 */
void listeners_collect(struct listeners *l);

/*
 * TcpListenDropsAtSomaxconn (catalogue), per second over the interval's
 * seconds, into inst: only with a dump, its baseline and somaxconn known.
 * 0 or -ENOMEM.
 */
int listeners_add_metrics(const struct listeners *l, double seconds,
			  struct metric_entity *inst);

/* ":8080 412 drops (queue 128 of 128), :443 3 drops ..." or "" when none. */
void listeners_top_text(const struct listeners *l, char *buf, size_t size);

/*
 * The "listen_drops" member of status: [{"port", "drops", "queue",
 * "backlog", "somaxconn" (null: unknown), "at_somaxconn"}] of the last
 * interval, most drops first; null when the last dump failed.
 */
struct json_object *listeners_json(const struct listeners *l);

void listeners_free(struct listeners *l);

#endif
