/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The EMF sink: hands documents to the CloudWatch agent's EMF listener, over
 * TCP (one document per line, one long-lived connection) or UDP (one
 * document per datagram), from the daemon's event loop and never blocking
 * it.
 *
 * Documents wait in a spool (spool.h) until the agent has taken them. Over
 * TCP, "taken" means read by the agent process when the endpoint is on this
 * host (its socket's unread bytes, from sock_diag), else acknowledged by the
 * peer's TCP stack (SIOCOUTQ). When a connection ends, whatever was not
 * taken is sent again, in order, on the next one: an agent restart loses
 * nothing perfagent could know about, at the price of a few duplicates
 * (EMF is at-least-once anyway). What is still lost: documents the agent
 * read but had not shipped when it died (its own batching, up to its
 * force_flush_interval), and, for an endpoint on another host, what its TCP
 * stack acknowledged but the agent never read. Over UDP a datagram the
 * kernel took counts as delivered; nothing better can be known.
 *
 * Bounds: the spool holds at most max_documents documents and max_bytes of
 * memory (documents packed with zlib, spool.h), written-but-not-taken ones
 * included, plus SINK_SEND_SLACK for the ones unpacked to be sent; at most
 * SINK_MAX_IN_FLIGHT bytes are written and not taken. Beyond the bound the
 * oldest document is dropped and counted, even one written and not taken:
 * it is not sent again, so an agent that accepts but never reads costs
 * bounded memory too.
 */
#ifndef PA_SINK_H
#define PA_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "core/evloop.h"
#include "core/metrics.h"
#include "emf/spool.h"

#define SINK_DEFAULT_ENDPOINT "tcp://127.0.0.1:25888"
#define SINK_ENDPOINT_ENV "AWS_EMF_AGENT_ENDPOINT"
#define SINK_ENDPOINT_MAX 128           /* "tcp://[IPv6]:PORT" with room */
#define SINK_MAX_SPOOL_BYTES (64u << 20)     /* spool_max_bytes' ceiling */
/*
 * About 120 hours at interval 60 with 6 documents an interval
 * (bench/spool_zlib.sh); the agent's RSS stays under 16 MB full
 * (bench/spool_memory.sh: 1.5 MB of RSS per MiB of spool).
 */
#define SINK_DEFAULT_SPOOL_BYTES (6u << 20)
#define SINK_SEND_SLACK (SINK_MAX_IN_FLIGHT + SPOOL_PACK_BYTES)
#define SINK_MAX_IN_FLIGHT (256u << 10)
#define SINK_UDP_MAX 65507              /* an IPv4 datagram's payload */
#define SINK_CONNECT_TIMEOUT_MS 2000
#define SINK_BACKOFF_MIN_MS 250
#define SINK_BACKOFF_MAX_MS 8000
#define SINK_POLL_MS 100                /* how often taken bytes are checked */
#define SINK_STALL_MS 30000             /* nothing taken for this long: reconnect */
/* gzip; "emf-spool.jsonl", uncompressed, from earlier versions is loaded too. */
#define SINK_SPOOL_FILE "emf-spool.jsonl.gz"

enum sink_transport { SINK_TCP, SINK_UDP };

struct sink_endpoint {
	enum sink_transport transport;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char text[SINK_ENDPOINT_MAX];
};

/*
 * Parses "tcp://ADDRESS:PORT" or "udp://ADDRESS:PORT", ADDRESS an IPv4
 * address, an IPv6 one in brackets, or localhost (127.0.0.1): never a name
 * to resolve, which could block. 0 or -EINVAL.
 */
int sink_endpoint_parse(const char *text, struct sink_endpoint *ep);

struct sink_opts {
	const char *endpoint;       /* NULL or "": $AWS_EMF_AGENT_ENDPOINT, else the default */
	size_t max_documents;
	size_t max_bytes;           /* 0: SINK_DEFAULT_SPOOL_BYTES */
	const char *persist_path;   /* NULL: the spool is not kept across restarts */
};

struct sink;

/*
 * A sink on loop, connecting at once. The spool file (when persist_path is
 * set) is loaded first. NULL when out of memory or when the endpoint given
 * does not parse (the config checks it first).
 */
struct sink *sink_new(struct evloop *loop, const struct sink_opts *o);

/* New settings (reload): another endpoint reconnects, a lower bound drops. */
int sink_configure(struct sink *s, const struct sink_opts *o);

/* Closes, saving what was not taken to persist_path when set. NULL is a no-op. */
void sink_free(struct sink *s);

/* Queues a copy of doc (compact JSON, no newline) and sends what it can. 0 or -ENOMEM. */
int sink_submit(struct sink *s, const char *doc, size_t len);

/* Milliseconds until sink_tick() has work, or -1. */
int sink_next_timeout(const struct sink *s, uint64_t now_ms);
/* Retries, connect timeouts, checks what the agent has taken. */
void sink_tick(struct sink *s, uint64_t now_ms);

struct sink_stats {
	uint64_t sent;              /* documents taken by the agent */
	uint64_t bytes;             /* their bytes, newlines included */
	uint64_t dropped;           /* over the bound or too large: given up on */
	uint64_t reconnects;        /* connections made after the first */
	size_t queued;              /* waiting, in flight included */
	size_t spool_bytes;         /* their memory, packed */
	size_t spool_wire_bytes;    /* their bytes on the wire */
	size_t in_flight;           /* written, not yet taken */
	uint64_t last_accepted_wall_ms;
	uint64_t last_error_wall_ms;
	char last_error[256];
};

void sink_get_stats(const struct sink *s, struct sink_stats *st);

/*
 * The sink's self-metrics for this interval onto e (counts since the last
 * call, the queue now), and into error the last error if one happened since
 * the last call ("" otherwise). 0 or -ENOMEM.
 */
int sink_report(struct sink *s, struct metric_entity *e, char *error, size_t size);

/*
 * The "sink" member of status: state, settings and counters. s NULL
 * (metrics = off): state "off", why, and every other member null.
 */
struct json_object *sink_status_json(const struct sink *s);

#endif
