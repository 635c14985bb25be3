// SPDX-License-Identifier: GPL-2.0-only
/* A thin epoll wrapper: each file descriptor carries its own handler. */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/evloop.h"

#define EVLOOP_BATCH 32

int evloop_init(struct evloop *loop)
{
	loop->batch = NULL;
	loop->batch_n = 0;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	return loop->epfd < 0 ? -errno : 0;
}

void evloop_fini(struct evloop *loop)
{
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->epfd = -1;
}

static int ctl(struct evloop *loop, int op, struct ev_source *src, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	return epoll_ctl(loop->epfd, op, src->fd, &ev) < 0 ? -errno : 0;
}

int evloop_add(struct evloop *loop, struct ev_source *src, uint32_t events)
{
	return ctl(loop, EPOLL_CTL_ADD, src, events);
}

int evloop_mod(struct evloop *loop, struct ev_source *src, uint32_t events)
{
	return ctl(loop, EPOLL_CTL_MOD, src, events);
}

void evloop_del(struct evloop *loop, struct ev_source *src)
{
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, src->fd, NULL);
	for (int i = 0; i < loop->batch_n; i++)
		if (loop->batch[i].data.ptr == src)
			loop->batch[i].data.ptr = NULL;
}

int evloop_run_once(struct evloop *loop, int timeout_ms)
{
	struct epoll_event events[EVLOOP_BATCH];
	int n;

	n = epoll_wait(loop->epfd, events, EVLOOP_BATCH, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	loop->batch = events;
	loop->batch_n = n;
	for (int i = 0; i < n; i++) {
		struct ev_source *src = events[i].data.ptr;

		if (src)	/* NULL: removed by an earlier handler */
			src->handle(src, events[i].events);
	}
	loop->batch = NULL;
	loop->batch_n = 0;
	return n;
}
