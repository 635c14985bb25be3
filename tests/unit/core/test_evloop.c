// SPDX-License-Identifier: GPL-2.0-only
/*
 * evloop: a handler that removes and frees another source whose event is
 * in the same batch (a reload freeing the sink while its socket is ready)
 * must not have that source's handler called. Under make sanitize, the
 * old behaviour is a heap use-after-free.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/evloop.h"

struct test_src {
	struct ev_source src;
	struct evloop *loop;
	struct test_src *victim;	/* removed and freed by this one's handler */
	int *calls;
	struct test_src **handled;	/* the last one handled */
};

static void handle(struct ev_source *src, uint32_t events)
{
	struct test_src *t = (struct test_src *)src;

	(*t->calls)++;
	*t->handled = t;
	if (t->victim) {
		evloop_del(t->loop, &t->victim->src);
		close(t->victim->src.fd);
		free(t->victim);
		t->victim = NULL;
	}
}

static void test_del_from_handler_drops_pending_event(void **unused)
{
	struct evloop loop;
	int calls = 0, a[2], b[2];
	struct test_src *first = calloc(1, sizeof(*first));
	struct test_src *second = calloc(1, sizeof(*second));
	struct test_src *survivor = NULL;

	assert_int_equal(evloop_init(&loop), 0);
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	/* Both readable before the wait: one batch holds both events. */
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	*first = (struct test_src){ .src = { .fd = a[0], .handle = handle }, .loop = &loop,
				    .calls = &calls, .handled = &survivor };
	*second = (struct test_src){ .src = { .fd = b[0], .handle = handle }, .loop = &loop,
				     .calls = &calls, .handled = &survivor };
	/* Whichever is handled first removes and frees the other. */
	first->victim = second;
	second->victim = first;
	assert_int_equal(evloop_add(&loop, &first->src, EPOLLIN), 0);
	assert_int_equal(evloop_add(&loop, &second->src, EPOLLIN), 0);
	assert_int_equal(evloop_run_once(&loop, 1000), 2);
	assert_int_equal(calls, 1);
	/* The one handled survives and is still watched; the other is gone. */
	assert_int_equal(evloop_run_once(&loop, 0), 1);
	assert_int_equal(calls, 2);
	evloop_del(&loop, &survivor->src);
	close(survivor->src.fd);
	free(survivor);
	close(a[1]);
	close(b[1]);
	evloop_fini(&loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_del_from_handler_drops_pending_event),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
