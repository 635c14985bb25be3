/* SPDX-License-Identifier: GPL-2.0-only */
/* A thin epoll wrapper: each file descriptor carries its own handler. */
#ifndef PA_EVLOOP_H
#define PA_EVLOOP_H

#include <stdint.h>

struct ev_source {
	int fd;
	void (*handle)(struct ev_source *src, uint32_t events);
};

struct evloop {
	int epfd;
	/* The events evloop_run_once() is handling, for evloop_del() to clear. */
	struct epoll_event *batch;
	int batch_n;
};

int evloop_init(struct evloop *loop);
void evloop_fini(struct evloop *loop);
int evloop_add(struct evloop *loop, struct ev_source *src, uint32_t events);
int evloop_mod(struct evloop *loop, struct ev_source *src, uint32_t events);
/*
 * Stops watching src. Safe from a handler: an event of src still waiting in
 * the batch being handled is dropped, so src may be freed right after.
 */
void evloop_del(struct evloop *loop, struct ev_source *src);

/* Waits up to timeout_ms (-1: forever) and runs the handlers of ready sources. */
int evloop_run_once(struct evloop *loop, int timeout_ms);

#endif
