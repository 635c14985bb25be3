// SPDX-License-Identifier: GPL-2.0-only
/* Hot-plug: netlink link and uevent sockets, folded into bursts (hotplug.h). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "core/array.h"
#include "core/log.h"
#include "core/util.h"
#include "daemon/hotplug.h"

#define RECV_BUF (32 * 1024)    /* a dump datagram is at most a page or two */
#define RCVBUF_WANTED (4 * 1024 * 1024)
#define UEVENT_KERNEL_GROUP 1   /* the kernel's uevents; 2 is udev's re-broadcast */
#define DUMP_SEQ 1

struct link_entry {
	int ifindex;
	unsigned int flags;
	bool ever_running;      /* its carrier was on once: a return counts */
	unsigned int seen;      /* the dump generation that last saw it */
	char name[HOTPLUG_NAME_MAX];
};

struct hotplug {
	struct ev_source rtnl;
	struct ev_source uevent;
	hotplug_fn fn;
	void *arg;
	struct hotplug_stats stats;
	struct hotplug_burst burst;
	bool dumping;           /* the link dump's replies fill the table, no events */
	unsigned int generation;
	size_t n_links, cap_links;
	struct link_entry *links;
	char watching[192];
	char buf[RECV_BUF];
};

/* ---- parsing ---- */

/* A device name as a kernel message gives it: short, printable, no slash. */
static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= HOTPLUG_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '/')
			return false;
	return true;
}

int hotplug_parse_uevent(const char *buf, size_t len, struct hotplug_event *ev)
{
	const char *action = NULL, *subsystem = NULL, *devtype = "", *devname = NULL;
	const char *devpath = NULL, *end = buf + len, *p = buf;
	size_t first = strnlen(buf, len);

	/* The header, "ACTION@DEVPATH", then KEY=VALUE strings, each ending in NUL. */
	if (first == len || !memchr(buf, '@', first))
		return -EINVAL;
	for (p += first + 1; p < end; p += strnlen(p, (size_t)(end - p)) + 1) {
		size_t n = strnlen(p, (size_t)(end - p));

		if (n == (size_t)(end - p) || (n && !memchr(p, '=', n)))
			return -EINVAL;    /* unterminated, or not KEY=VALUE */
		if (!strncmp(p, "ACTION=", 7))
			action = p + 7;
		else if (!strncmp(p, "SUBSYSTEM=", 10))
			subsystem = p + 10;
		else if (!strncmp(p, "DEVTYPE=", 8))
			devtype = p + 8;
		else if (!strncmp(p, "DEVNAME=", 8))
			devname = p + 8;
		else if (!strncmp(p, "DEVPATH=", 8))
			devpath = p + 8;
	}
	if (!action || !subsystem)
		return -EINVAL;
	if (strcmp(subsystem, "block") || strcmp(devtype, "disk"))
		return 0;
	memset(ev, 0, sizeof(*ev));
	ev->dev = HOTPLUG_BLOCK;
	if (!strcmp(action, "add") || !strcmp(action, "change"))
		ev->what = HOTPLUG_ADDED;
	else if (!strcmp(action, "remove"))
		ev->what = HOTPLUG_REMOVED;
	else
		return 0;
	if (!devname && devpath)
		devname = strrchr(devpath, '/') ? strrchr(devpath, '/') + 1 : devpath;
	if (!devname || !name_ok(devname, strlen(devname)))
		return -EINVAL;
	strcpy(ev->name, devname);
	return 1;
}

/* The interface name among a link message's attributes; false when absent or bad. */
static bool link_name(const struct nlmsghdr *nh, char *name)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));

	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t n;

		if (a->rta_type != IFLA_IFNAME)
			continue;
		n = strnlen(RTA_DATA(a), RTA_PAYLOAD(a));
		if (n == RTA_PAYLOAD(a) || !name_ok(RTA_DATA(a), n))
			return false;
		memcpy(name, RTA_DATA(a), n + 1);
		return true;
	}
	return false;
}

int hotplug_parse_rtnl(const void *buf, size_t len,
		       void (*fn)(const struct hotplug_link *link, void *arg), void *arg,
		       bool *done)
{
	int count = 0;
	/* Signed: NLMSG_NEXT() subtracts the aligned length, which may pass the end. */
	int rest = len > INT32_MAX ? -1 : (int)len;

	if (rest < 0)
		return -EINVAL;
	for (const struct nlmsghdr *nh = buf; NLMSG_OK(nh, rest); nh = NLMSG_NEXT(nh, rest)) {
		struct hotplug_link link = { 0 };
		const struct ifinfomsg *ifi;

		if (nh->nlmsg_type == NLMSG_DONE) {
			*done = true;
			return count;
		}
		if (nh->nlmsg_type != RTM_NEWLINK && nh->nlmsg_type != RTM_DELLINK)
			continue;
		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
			return -EINVAL;
		ifi = NLMSG_DATA(nh);
		if (!link_name(nh, link.name))
			return -EINVAL;
		link.removed = nh->nlmsg_type == RTM_DELLINK;
		link.ifindex = ifi->ifi_index;
		link.flags = ifi->ifi_flags;
		fn(&link, arg);
		count++;
	}
	/* Bytes left over that do not make a message: a truncated datagram. */
	return rest > 0 ? -EINVAL : count;
}

/* ---- bursts ---- */

static bool burst_pending(const struct hotplug *h)
{
	return h->burst.n > 0 || h->burst.overflow;
}

static void burst_touch(struct hotplug *h, uint64_t now)
{
	if (!burst_pending(h))
		h->burst.first_mono_ms = now;
	h->burst.last_mono_ms = now;
}

static void burst_overflow(struct hotplug *h)
{
	burst_touch(h, util_now_mono_ms());
	h->burst.overflow = true;
}

static void burst_add(struct hotplug *h, const struct hotplug_event *ev)
{
	struct hotplug_burst *b = &h->burst;

	h->stats.events++;
	burst_touch(h, util_now_mono_ms());
	for (int i = 0; i < b->n; i++)
		if (!memcmp(&b->ev[i], ev, sizeof(*ev)))
			return;
	if (b->n == HOTPLUG_MAX_EVENTS)
		b->overflow = true;
	else
		b->ev[b->n++] = *ev;
}

int hotplug_next_timeout(const struct hotplug *h, uint64_t now_ms)
{
	uint64_t quiet, cap, due;

	if (!h || !burst_pending(h))
		return -1;
	quiet = h->burst.last_mono_ms + HOTPLUG_QUIET_MS;
	cap = h->burst.first_mono_ms + HOTPLUG_MAX_WAIT_MS;
	due = quiet < cap ? quiet : cap;
	return due > now_ms ? (int)(due - now_ms) : 0;
}

void hotplug_tick(struct hotplug *h, uint64_t now_ms)
{
	if (!h || hotplug_next_timeout(h, now_ms) != 0)
		return;
	h->stats.bursts++;
	h->fn(&h->burst, h->arg);
	memset(&h->burst, 0, sizeof(h->burst));
}

const struct hotplug_stats *hotplug_stats(const struct hotplug *h)
{
	return &h->stats;
}

const char *hotplug_watching(const struct hotplug *h)
{
	return h->watching;
}

/* ---- the link table ---- */

static struct link_entry *link_find(struct hotplug *h, int ifindex)
{
	for (size_t i = 0; i < h->n_links; i++)
		if (h->links[i].ifindex == ifindex)
			return &h->links[i];
	return NULL;
}

static void link_forget(struct hotplug *h, struct link_entry *e)
{
	*e = h->links[--h->n_links];
}

/* A new entry, or NULL when the table is full (then every message looks new). */
static struct link_entry *link_insert(struct hotplug *h, const struct hotplug_link *l)
{
	struct link_entry *v;

	if (h->n_links == HOTPLUG_MAX_LINKS)
		return NULL;
	v = array_grow(h->links, &h->cap_links, h->n_links + 1, sizeof(*v), 64);
	if (!v)
		return NULL;
	h->links = v;
	v = &h->links[h->n_links++];
	v->ifindex = l->ifindex;
	strcpy(v->name, l->name);
	return v;
}

static void net_event(struct hotplug *h, enum hotplug_what what, const char *name,
		      const char *old)
{
	struct hotplug_event ev = { .dev = HOTPLUG_NET, .what = what };

	strcpy(ev.name, name);
	if (old)
		strcpy(ev.old, old);
	burst_add(h, &ev);
}

static void on_link(const struct hotplug_link *l, void *arg)
{
	struct hotplug *h = arg;
	struct link_entry *e = link_find(h, l->ifindex);
	bool came_back;

	if (l->removed) {
		if (e)
			link_forget(h, e);
		if (!h->dumping)
			net_event(h, HOTPLUG_REMOVED, l->name, NULL);
		return;
	}
	if (!e) {
		e = link_insert(h, l);
		if (e) {
			e->flags = l->flags;
			e->ever_running = l->flags & IFF_RUNNING;
			e->seen = h->generation;
		}
		if (!h->dumping)
			net_event(h, HOTPLUG_ADDED, l->name, NULL);
		return;
	}
	/* Back up, not up for the first time (a new interface's first carrier). */
	came_back = e->ever_running && !(e->flags & IFF_RUNNING) && (l->flags & IFF_RUNNING);
	e->flags = l->flags;
	e->ever_running |= (l->flags & IFF_RUNNING) != 0;
	e->seen = h->generation;
	if (strcmp(e->name, l->name)) {
		if (!h->dumping)
			net_event(h, HOTPLUG_RENAMED, l->name, e->name);
		strcpy(e->name, l->name);
	} else if (came_back && !h->dumping) {
		net_event(h, HOTPLUG_UP_AGAIN, l->name, NULL);
	} else if (!h->dumping) {
		h->stats.ignored++;
	}
}

/* After a dump: links it did not list are gone (their removal was missed). */
static void drop_unseen(struct hotplug *h)
{
	for (size_t i = h->n_links; i-- > 0;)
		if (h->links[i].seen != h->generation)
			link_forget(h, &h->links[i]);
}

static int request_dump(struct hotplug *h)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = DUMP_SEQ },
		.ifi = { .ifi_family = AF_UNSPEC },
	};

	if (send(h->rtnl.fd, &req, sizeof(req), 0) < 0)
		return -errno;
	h->dumping = true;
	h->generation++;
	return 0;
}

/* ---- the sockets ---- */

/*
 * One datagram from the kernel into h->buf: its length, 0 when there is
 * nothing more to read now, or -1 after a datagram that is not the kernel's
 * or was cut short (counted) or an error (ENOBUFS: messages were dropped).
 */
static ssize_t recv_kernel(struct hotplug *h, int fd)
{
	struct sockaddr_nl from;
	struct iovec iov = { .iov_base = h->buf, .iov_len = sizeof(h->buf) };
	struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from),
			      .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0 && errno == ENOBUFS) {
		h->stats.lost++;
		burst_overflow(h);
		return -1;
	}
	if (n < 0)
		return 0;
	if (from.nl_pid != 0 || (msg.msg_flags & MSG_TRUNC)) {
		h->stats.malformed++;
		return -1;
	}
	return n;
}

static void on_rtnl(struct ev_source *src, uint32_t events)
{
	struct hotplug *h = (struct hotplug *)((char *)src - offsetof(struct hotplug, rtnl));

	for (int i = 0; i < HOTPLUG_READ_BUDGET; i++) {
		ssize_t n = recv_kernel(h, src->fd);
		bool done = false;

		if (n == 0)
			return;
		if (n < 0) {
			if (h->burst.overflow && !h->dumping)
				request_dump(h);    /* the table may have missed removals */
			continue;
		}
		if (hotplug_parse_rtnl(h->buf, (size_t)n, on_link, h, &done) < 0)
			h->stats.malformed++;
		if (done && h->dumping) {
			h->dumping = false;
			drop_unseen(h);
		}
	}
}

static void on_uevent(struct ev_source *src, uint32_t events)
{
	struct hotplug *h = (struct hotplug *)((char *)src - offsetof(struct hotplug, uevent));

	for (int i = 0; i < HOTPLUG_READ_BUDGET; i++) {
		struct hotplug_event ev;
		ssize_t n = recv_kernel(h, src->fd);
		int ret;

		if (n == 0)
			return;
		if (n < 0)
			continue;
		ret = hotplug_parse_uevent(h->buf, (size_t)n, &ev);
		if (ret < 0)
			h->stats.malformed++;
		else if (ret == 0)
			h->stats.ignored++;
		else
			burst_add(h, &ev);
	}
}

static int open_netlink(int protocol, unsigned int groups)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int size = RCVBUF_WANTED;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);

	if (fd < 0)
		return -errno;
	/* A large buffer rides out a burst while the loop is busy; FORCE needs root. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

static int start_source(struct evloop *loop, struct ev_source *src, int fd,
			void (*handle)(struct ev_source *, uint32_t))
{
	int ret;

	src->fd = fd;
	src->handle = handle;
	ret = evloop_add(loop, src, EPOLLIN);
	if (ret) {
		close(fd);
		src->fd = -1;
	}
	return ret;
}

struct hotplug *hotplug_start(struct evloop *loop, hotplug_fn fn, void *arg, char *err,
			      size_t errsz)
{
	struct hotplug *h = calloc(1, sizeof(*h));
	int rfd, ufd, rret = 0, uret = 0;

	err[0] = '\0';
	if (!h) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	h->fn = fn;
	h->arg = arg;
	h->rtnl.fd = h->uevent.fd = -1;
	rfd = open_netlink(NETLINK_ROUTE, RTMGRP_LINK);
	rret = rfd < 0 ? rfd : start_source(loop, &h->rtnl, rfd, on_rtnl);
	if (!rret && (rret = request_dump(h)) < 0) {
		evloop_del(loop, &h->rtnl);
		close(h->rtnl.fd);
		h->rtnl.fd = -1;
	}
	ufd = open_netlink(NETLINK_KOBJECT_UEVENT, UEVENT_KERNEL_GROUP);
	uret = ufd < 0 ? ufd : start_source(loop, &h->uevent, ufd, on_uevent);
	if (rret && uret) {
		snprintf(err, errsz, "cannot watch links (rtnetlink: %s) nor disks (uevents: %s)",
			 strerror(-rret), strerror(-uret));
		free(h);
		return NULL;
	}
	if (rret || uret)
		snprintf(err, errsz, "cannot watch %s (%s): a new %s is tuned only at the next "
			 "reload", rret ? "links" : "disks", strerror(rret ? -rret : -uret),
			 rret ? "interface" : "disk");
	snprintf(h->watching, sizeof(h->watching), "%s", rret ? "disks only" :
		 uret ? "links only" : "links and disks");
	return h;
}

void hotplug_stop(struct hotplug *h, struct evloop *loop)
{
	if (!h)
		return;
	if (h->rtnl.fd >= 0) {
		evloop_del(loop, &h->rtnl);
		close(h->rtnl.fd);
	}
	if (h->uevent.fd >= 0) {
		evloop_del(loop, &h->uevent);
		close(h->uevent.fd);
	}
	free(h->links);
	free(h);
}
