/*
 * delayline: a delay line between two network namespaces, for benches that
 * need a path with real delay where netem is not available.
 *
 * It opens one TUN device (IFF_TUN | IFF_NO_PI) in each of two network
 * namespaces and forwards every IP packet read from one to the other after
 * a fixed one-way delay, with optional random loss and an optional rate
 * limit. One thread, one ppoll() loop, no timer threads:
 *
 *   - each direction has a bounded FIFO of packets. The delay is constant,
 *     so the FIFO is also sorted by due time: only its head is ever due
 *     first, and the poll timeout is the head's due time;
 *   - with a rate limit, a packet also waits for the ones before it to be
 *     sent at that rate (a link with that bandwidth, its buffer the queue),
 *     then for the delay;
 *   - a packet is lost (by -l) before it is queued, by one random draw per
 *     packet from its direction's own sequence: the same seed loses the
 *     same packets (the nth, the mth...) of each direction, whatever the
 *     timing;
 *   - a packet that arrives when its queue is full is dropped and counted.
 *
 * Order is kept in each direction. Counters are printed on stderr at exit
 * (SIGINT, SIGTERM) and on SIGUSR1.
 *
 * Build: cc -std=c11 -O2 -Wall -Wextra -o build/delayline bench/delayline.c
 * bench/delayline.sh builds it, sets up the namespaces and runs it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_QUEUE 16384	/* packets per direction */
#define MAX_QUEUE (1u << 20)
#define BATCH 64		/* reads per direction per loop turn */

static const char usage[] =
	"usage: delayline -a NETNS:TUN -b NETNS:TUN [-d MS] [-l PERCENT] [-s SEED]\n"
	"                 [-r MBIT] [-q PACKETS]\n"
	"Forwards IP packets between TUN device TUN in network namespace NETNS of\n"
	"side a and the one of side b, in both directions, after a fixed delay.\n"
	"  -a, -b NETNS:TUN  NETNS is a name in /run/netns, a path (/proc/PID/ns/net)\n"
	"                    or empty for the current namespace; TUN is opened, or\n"
	"                    created if missing, with IFF_TUN | IFF_NO_PI\n"
	"  -d MS       one-way delay in milliseconds, each direction (default 0)\n"
	"  -l PERCENT  random loss in each direction, 0 to 100 (default 0)\n"
	"  -s SEED     seed of the loss sequence (default 1)\n"
	"  -r MBIT     rate limit of each direction in Mbit/s, 0 for none (default 0)\n"
	"  -q PACKETS  queue of each direction, packets waiting for the delay or\n"
	"              the rate included (default 16384); more are dropped\n"
	"Counters are printed on stderr on SIGINT, SIGTERM (then exit) and SIGUSR1.\n";

/* One packet in a queue; its bytes are in the queue's slot of the same index. */
struct meta {
	uint64_t due_ns;
	uint32_t len;
};

/* One direction: packets read from in_fd, written to out_fd when due. */
struct dir {
	const char *name;
	int in_fd, out_fd;
	size_t mtu;		/* of the input TUN when we started */
	size_t slot;		/* bytes per packet: that MTU + 1 */
	size_t cap, head, count, peak;
	unsigned char *data;	/* cap slots */
	struct meta *meta;	/* cap entries */
	uint64_t busy_until_ns;	/* the rate limiter's link is busy until then */
	uint64_t rng;		/* state of this direction's loss sequence */
	uint64_t received, forwarded, lost, queue_full, oversize, write_errors;
};

static uint64_t delay_ns;
static double rate_bps;		/* 0: no limit */
static uint64_t loss_threshold;	/* a 64-bit random below it: lost */
static volatile sig_atomic_t stop_signal, report_requested;

_Noreturn static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("delayline: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

_Noreturn static void bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("delayline: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nusage: delayline -a NETNS:TUN -b NETNS:TUN [-d MS] [-l PERCENT] [-s SEED]"
	      " [-r MBIT] [-q PACKETS]; -h explains\n", stderr);
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* splitmix64: small, fast, and good enough for a loss sequence. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* A number option in [min, max], or a usage error naming the option. */
static double number_arg(char opt, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		bad_usage("-%c: '%s' is not a number", opt, s);
	if (v < min || v > max)
		bad_usage("-%c: %s is out of range [%.15g, %.15g]", opt, s, min, max);
	return v;
}

static void enter_netns(const char *ns, const char *side)
{
	char path[PATH_MAX + sizeof("/run/netns/")];
	int fd;

	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("side %s: network namespace %s: %s", side, path, strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0)
		die("side %s: entering network namespace %s: %s", side, path,
		    strerror(errno));
	close(fd);
}

/*
 * Opens TUN device ifname in network namespace ns (a TUN device belongs to
 * the namespace its /dev/net/tun file was opened in), returns its file and
 * its MTU, and comes back to the namespace we started in.
 */
static int open_tun(const char *spec, const char *side, size_t *mtu)
{
	const char *colon = strrchr(spec, ':');
	char ns[PATH_MAX];
	struct ifreq ifr;
	int self, fd, sock;

	if (!colon || !colon[1])
		bad_usage("-%s: '%s' is not NETNS:TUN", side, spec);
	if (strlen(colon + 1) >= IFNAMSIZ)
		bad_usage("-%s: device name '%s' is longer than %d characters", side,
			  colon + 1, IFNAMSIZ - 1);
	snprintf(ns, sizeof(ns), "%.*s", (int)(colon - spec), spec);

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		die("/proc/self/ns/net: %s", strerror(errno));
	if (ns[0])
		enter_netns(ns, side);

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		die("side %s: /dev/net/tun: %s", side, strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", colon + 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die("side %s: TUN device %s in namespace '%s': %s%s", side, colon + 1,
		    ns, strerror(errno),
		    errno == EINVAL ? " (not a TUN device without packet info?)" :
		    errno == EBUSY ? " (already attached to another program?)" : "");

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || ioctl(sock, SIOCGIFMTU, &ifr) < 0)
		die("side %s: MTU of %s: %s", side, colon + 1, strerror(errno));
	close(sock);
	*mtu = (size_t)ifr.ifr_mtu;

	if (ns[0] && setns(self, CLONE_NEWNET) < 0)
		die("back to our network namespace: %s", strerror(errno));
	close(self);
	return fd;
}

static void dir_init(struct dir *d, const char *name, int in_fd, int out_fd,
		     size_t mtu, size_t cap)
{
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->in_fd = in_fd;
	d->out_fd = out_fd;
	d->mtu = mtu;
	d->slot = mtu + 1;
	d->cap = cap;
	d->data = malloc(cap * d->slot);
	d->meta = malloc(cap * sizeof(*d->meta));
	if (!d->data || !d->meta)
		die("%s: no memory for a queue of %zu packets of %zu bytes", name, cap,
		    d->slot);
}

static void dir_free(struct dir *d)
{
	free(d->data);
	free(d->meta);
}

/* Reads up to BATCH packets from d's input, queues or drops each. */
static void receive(struct dir *d, unsigned char *scratch)
{
	for (int i = 0; i < BATCH; i++) {
		int full = d->count == d->cap;
		size_t tail = (d->head + d->count) % d->cap;
		unsigned char *buf = full ? scratch : d->data + tail * d->slot;
		ssize_t n = read(d->in_fd, buf, d->slot);
		uint64_t t;

		if (n < 0) {
			if (errno == EAGAIN)
				return;
			die("%s: read: %s", d->name, strerror(errno));
		}
		d->received++;
		/* A packet longer than the MTU we started with (it was raised
		 * since) is cut to the slot, one byte longer than that MTU. */
		if ((size_t)n > d->mtu) {
			d->oversize++;
			continue;
		}
		if (loss_threshold && next_random(&d->rng) < loss_threshold) {
			d->lost++;
			continue;
		}
		if (full) {
			d->queue_full++;
			continue;
		}
		t = now_ns();
		if (rate_bps > 0) {
			if (d->busy_until_ns < t)
				d->busy_until_ns = t;
			d->busy_until_ns += (uint64_t)((double)n * 8e9 / rate_bps);
			t = d->busy_until_ns;
		}
		d->meta[tail].due_ns = t + delay_ns;
		d->meta[tail].len = (uint32_t)n;
		if (++d->count > d->peak)
			d->peak = d->count;
	}
}

/* Writes every packet of d that is due by now; returns the next due time or 0. */
static uint64_t send_due(struct dir *d, uint64_t now)
{
	while (d->count) {
		struct meta *m = &d->meta[d->head];

		if (m->due_ns > now)
			return m->due_ns;
		if (write(d->out_fd, d->data + d->head * d->slot, m->len) == (ssize_t)m->len)
			d->forwarded++;
		else
			d->write_errors++;	/* e.g. the other side's link is down */
		d->head = (d->head + 1) % d->cap;
		d->count--;
	}
	return 0;
}

static void print_counters(const struct dir *d)
{
	fprintf(stderr,
		"delayline: %s: received %llu forwarded %llu lost %llu queue-full %llu"
		" oversize %llu write-errors %llu queued %zu peak %zu\n",
		d->name, (unsigned long long)d->received,
		(unsigned long long)d->forwarded, (unsigned long long)d->lost,
		(unsigned long long)d->queue_full, (unsigned long long)d->oversize,
		(unsigned long long)d->write_errors, d->count, d->peak);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		report_requested = 1;
	else
		stop_signal = sig;
}

int main(int argc, char **argv)
{
	const char *spec_a = NULL, *spec_b = NULL;
	double delay_ms = 0, loss_pct = 0, rate_mbit = 0, queue = DEFAULT_QUEUE;
	unsigned long long seed = 1;
	struct dir ab, ba;
	size_t mtu_a, mtu_b;
	int fd_a, fd_b, opt;
	sigset_t blocked, during_poll;
	struct sigaction sa;
	unsigned char *scratch;

	while ((opt = getopt(argc, argv, ":a:b:d:l:s:r:q:h")) != -1) {
		switch (opt) {
		case 'a': spec_a = optarg; break;
		case 'b': spec_b = optarg; break;
		case 'd': delay_ms = number_arg('d', optarg, 0, 3600e3); break;
		case 'l': loss_pct = number_arg('l', optarg, 0, 100); break;
		case 's': seed = (unsigned long long)number_arg('s', optarg, 0, 1e15); break;
		case 'r': rate_mbit = number_arg('r', optarg, 0, 1e6); break;
		case 'q': queue = number_arg('q', optarg, 1, MAX_QUEUE); break;
		case 'h': fputs(usage, stdout); return 0;
		case ':': bad_usage("-%c needs a value", optopt);
		default: bad_usage("unknown option -%c", optopt);
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument '%s'", argv[optind]);
	if (!spec_a || !spec_b)
		bad_usage("both sides are needed: -a NETNS:TUN -b NETNS:TUN");
	if (queue != (size_t)queue)
		bad_usage("-q: %g is not a whole number of packets", queue);

	delay_ns = (uint64_t)(delay_ms * 1e6 + 0.5);
	rate_bps = rate_mbit * 1e6;
	loss_threshold = loss_pct >= 100 ? UINT64_MAX :
		(uint64_t)(loss_pct / 100 * 18446744073709551616.0);

	fd_a = open_tun(spec_a, "a", &mtu_a);
	fd_b = open_tun(spec_b, "b", &mtu_b);
	dir_init(&ab, "a->b", fd_a, fd_b, mtu_a, (size_t)queue);
	dir_init(&ba, "b->a", fd_b, fd_a, mtu_b, (size_t)queue);
	ab.rng = seed;
	ba.rng = seed ^ 0x5bd1e9955bd1e995u;	/* another sequence, same seed */
	scratch = malloc((mtu_a > mtu_b ? mtu_a : mtu_b) + 1);
	if (!scratch)
		die("no memory");

	/* Signals are only delivered inside ppoll(), so no read or write is
	 * ever interrupted and the handler only sets flags. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGUSR1);
	sigprocmask(SIG_BLOCK, &blocked, &during_poll);
	sigdelset(&during_poll, SIGINT);
	sigdelset(&during_poll, SIGTERM);
	sigdelset(&during_poll, SIGUSR1);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	/* Wake up within 1 us of a due time, not the default 50 us. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);

	fprintf(stderr, "delayline: %s <-> %s, delay %g ms, loss %g %% (seed %llu), ",
		spec_a, spec_b, delay_ms, loss_pct, seed);
	if (rate_mbit > 0)
		fprintf(stderr, "rate %g Mbit/s", rate_mbit);
	else
		fprintf(stderr, "no rate limit");
	fprintf(stderr, ", queue %zu packets, MTU %zu/%zu\n", (size_t)queue, mtu_a,
		mtu_b);

	while (!stop_signal) {
		uint64_t now = now_ns();
		uint64_t due_ab = send_due(&ab, now), due_ba = send_due(&ba, now);
		uint64_t due = due_ab && (!due_ba || due_ab < due_ba) ? due_ab : due_ba;
		struct pollfd fds[2] = {
			{ .fd = fd_a, .events = POLLIN },
			{ .fd = fd_b, .events = POLLIN },
		};
		struct timespec timeout, *tp = NULL;

		if (due) {
			uint64_t wait = due > now ? due - now : 0;

			timeout.tv_sec = (time_t)(wait / 1000000000u);
			timeout.tv_nsec = (long)(wait % 1000000000u);
			tp = &timeout;
		}
		if (ppoll(fds, 2, tp, &during_poll) < 0) {
			if (errno != EINTR)
				die("ppoll: %s", strerror(errno));
		} else {
			for (int i = 0; i < 2; i++)
				if (fds[i].revents & (POLLERR | POLLHUP | POLLNVAL))
					die("side %c: the TUN device is gone", 'a' + i);
			if (fds[0].revents & POLLIN)
				receive(&ab, scratch);
			if (fds[1].revents & POLLIN)
				receive(&ba, scratch);
		}
		if (report_requested) {
			report_requested = 0;
			print_counters(&ab);
			print_counters(&ba);
		}
	}
	fprintf(stderr, "delayline: stopped by signal %d\n", (int)stop_signal);
	print_counters(&ab);
	print_counters(&ba);
	dir_free(&ab);
	dir_free(&ba);
	free(scratch);
	close(fd_a);
	close(fd_b);
	return 0;
}
