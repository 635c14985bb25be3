/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hot-plug: the host's network interfaces and block devices as they come,
 * go and come back, for the daemon to keep them tuned without a restart.
 *
 * Two netlink sockets in the daemon's event loop: rtnetlink's link group
 * (RTM_NEWLINK, RTM_DELLINK: interfaces of this network namespace) and the
 * kernel's uevent group (NETLINK_KOBJECT_UEVENT: block disks added, changed
 * or removed; a loop device attached is a "change"). Only messages the
 * kernel sent count (netlink port 0); a message that cannot be parsed is
 * counted and dropped.
 *
 * Events are gathered into a burst: the burst is handed over once nothing
 * new came for HOTPLUG_QUIET_MS, or HOTPLUG_MAX_WAIT_MS after its first
 * event, whichever is first, so that a CNI attaching 20 interfaces in a
 * second costs one plan, not 20. A burst names at most HOTPLUG_MAX_EVENTS
 * devices; beyond that, or when the kernel dropped messages (ENOBUFS), it
 * says overflow: the daemon then re-plans everything, which is what it
 * does anyway (a plan scans every device), and only loses the names in the
 * status line. A handler reads at most HOTPLUG_READ_BUDGET messages per
 * socket per call, so a flood of uevents cannot hold the loop.
 *
 * What an interface did is told from the link's state, which this module
 * keeps per ifindex (at most HOTPLUG_MAX_LINKS; a dump at start fills it):
 * a new ifindex was added; a known one under a new name was renamed; one
 * whose carrier came back (IFF_RUNNING on, off, then on again, as an ENA
 * device reset does: the driver restores its default rings and interrupt
 * settings) came back up. A new interface's first carrier is not a return.
 */
#ifndef PA_HOTPLUG_H
#define PA_HOTPLUG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/evloop.h"

#define HOTPLUG_QUIET_MS 250
#define HOTPLUG_MAX_WAIT_MS 1000
#define HOTPLUG_MAX_EVENTS 64
#define HOTPLUG_MAX_LINKS 4096
#define HOTPLUG_READ_BUDGET 256
#define HOTPLUG_NAME_MAX 32     /* interface names are at most 15, disk names short */

enum hotplug_dev {
	HOTPLUG_NET,
	HOTPLUG_BLOCK,
};

enum hotplug_what {
	HOTPLUG_ADDED,          /* a new interface; a disk added or changed */
	HOTPLUG_REMOVED,
	HOTPLUG_RENAMED,        /* old holds the previous name */
	HOTPLUG_UP_AGAIN,       /* the carrier came back: a reset, or down and up */
};

struct hotplug_event {
	enum hotplug_dev dev;
	enum hotplug_what what;
	char name[HOTPLUG_NAME_MAX];
	char old[HOTPLUG_NAME_MAX];
};

struct hotplug_burst {
	uint64_t first_mono_ms;
	uint64_t last_mono_ms;
	bool overflow;          /* more events than kept, or the kernel dropped some */
	int n;
	struct hotplug_event ev[HOTPLUG_MAX_EVENTS];
};

struct hotplug_stats {
	uint64_t events;        /* relevant events taken into bursts */
	uint64_t ignored;       /* well-formed but not about a disk or a link change */
	uint64_t malformed;     /* could not be parsed, or not from the kernel */
	uint64_t lost;          /* times the kernel reported dropped messages */
	uint64_t bursts;        /* bursts handed over */
};

struct hotplug;

typedef void (*hotplug_fn)(const struct hotplug_burst *burst, void *arg);

/*
 * Opens both sockets and adds them to loop; fn gets each burst. A socket
 * that cannot be opened is reported in err (the other still works: NULL is
 * returned only when neither can).
 */
struct hotplug *hotplug_start(struct evloop *loop, hotplug_fn fn, void *arg, char *err,
			      size_t errsz);
void hotplug_stop(struct hotplug *h, struct evloop *loop);

/* Milliseconds until hotplug_tick() hands over a burst, or -1. */
int hotplug_next_timeout(const struct hotplug *h, uint64_t now_ms);
void hotplug_tick(struct hotplug *h, uint64_t now_ms);
const struct hotplug_stats *hotplug_stats(const struct hotplug *h);
/* Which sockets work: "links and disks", "links only (...)". */
const char *hotplug_watching(const struct hotplug *h);

/* ---- parsing, exposed for tests and the fuzzer ---- */

/*
 * One uevent datagram ("ACTION@DEVPATH\0KEY=VALUE\0..."): fills ev for a
 * whole block disk added, changed or removed and returns 1; 0 for any other
 * well-formed uevent (a partition, another subsystem, an action such as
 * bind); -EINVAL when malformed.
 */
int hotplug_parse_uevent(const char *buf, size_t len, struct hotplug_event *ev);

/* A link as an rtnetlink message describes it. */
struct hotplug_link {
	bool removed;           /* RTM_DELLINK */
	int ifindex;
	unsigned int flags;     /* IFF_* */
	char name[HOTPLUG_NAME_MAX];
};

/*
 * The links of one rtnetlink datagram (possibly several messages): calls
 * fn for each RTM_NEWLINK and RTM_DELLINK with a name. Returns the number
 * of links, or -EINVAL when a message is malformed (those before it were
 * reported); done is set at NLMSG_DONE (the end of a dump).
 */
int hotplug_parse_rtnl(const void *buf, size_t len,
		       void (*fn)(const struct hotplug_link *link, void *arg), void *arg,
		       bool *done);

#endif
