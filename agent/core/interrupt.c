// SPDX-License-Identifier: GPL-2.0-only
/* Ending a repeating command on SIGINT or SIGTERM (interrupt.h). */
#include <errno.h>
#include <signal.h>
#include <time.h>

#include "core/interrupt.h"

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

void interrupt_catch(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool interrupted(void)
{
	return stop;
}

void interrupt_sleep(unsigned int seconds)
{
	struct timespec t = { .tv_sec = seconds };

	while (!stop && nanosleep(&t, &t) && errno == EINTR)
		;
}
