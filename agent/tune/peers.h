/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Other tuning agents on the host and the knobs they set, named as perfagent
 * names knobs (knob.h), so that status can say which knobs both want.
 *
 * tuned (redhat-performance/tuned)
 *   running   /run/tuned/tuned.pid names a process in /proc; or a process
 *             whose /proc/PID/comm is "tuned"; or systemd says tuned.service
 *             is active (/run/systemd/units/invocation:tuned.service, which
 *             systemd removes when the unit stops: the one sign left when
 *             /proc hides other processes, as ProtectProc=invisible does)
 *   installed /etc/tuned/active_profile or /run/tuned/tuned.pid exists
 *   profile   the names in /etc/tuned/active_profile, merged left to right;
 *             NAME/tuned.conf from the first of /etc/tuned/profiles,
 *             /etc/tuned, /usr/lib/tuned/profiles and /usr/lib/tuned that
 *             holds one not already in the include chain (so a profile in
 *             /etc/tuned may include the shipped one of its own name, as
 *             tuned allows); [main] include= (names separated by ',' or ';')
 *             is loaded first and the including profile's values win; a
 *             unit with replace=1 discards what the includes set in it,
 *             drop= some options; enabled=0 units and units conditional on
 *             cpuinfo_regex or uname_regex (which this host may not match)
 *             are left out. Include chains deeper than PEERS_INCLUDE_DEPTH
 *             and loops are refused with a note.
 *   knobs     the units of the plugin types perfagent also has:
 *               [sysctl] KEY (dots or slashes)    sysctl:KEY
 *               [vm] transparent_hugepages        vm:transparent_hugepage
 *               [vm] transparent_hugepage.defrag  vm:transparent_hugepage_defrag
 *               [vm] dirty_bytes, dirty_ratio,    sysctl:vm.dirty_... (a
 *                    dirty_background_...         "%" *_bytes: the ratio)
 *               [disk] readahead                  block:DEVICES:read_ahead_kb
 *               [disk] elevator                   block:DEVICES:scheduler
 *               [irqbalance] banned_cpus          irqbalance:banned_cpus (tuned
 *                    writes irqbalance's environment file, which wins over
 *                    perfagent's drop-in: that knob is then not applicable)
 *             (DEVICES: the unit's devices= globs, "*" by default); [cpu]
 *             (governor, force_latency), [net], [bootloader] and the other
 *             plugins set nothing perfagent has a knob for. A value holding
 *             ${...} is computed by tuned when it applies: recorded as set,
 *             value unknown.
 *
 * bpftune (oracle/bpftune)
 *   running   a process whose comm is "bpftune", or bpftune.service active
 *   installed /usr/sbin/bpftune exists
 *   knobs     the sysctls its tuners change (the table in peers.c, with its
 *             source); the values are chosen while it runs: unknown
 *
 * Everything is read under paths->sysroot with the readers that refuse a
 * FIFO or a device (core/util.h); a file larger than PEERS_FILE_MAX, one that
 * cannot be read and lines that are not "key = value" become a note of the
 * peer, never an error.
 */
#ifndef PA_PEERS_H
#define PA_PEERS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/paths.h"
#include "tune/knob.h"

#define PEERS_MAX 2                     /* tuned, bpftune */
#define PEERS_FILE_MAX (256 * 1024)     /* largest tuned.conf read */
#define PEERS_INCLUDE_DEPTH 8           /* tuned include chain */
#define PEERS_LOADS_MAX 32              /* tuned.conf files read in all */
#define PEERS_KNOBS_MAX 1024            /* knobs kept per peer */
#define PEER_VALUE_MAX 256
#define PEER_TEXT_MAX 512

struct peer_knob {
	char id[KNOB_ID_MAX];           /* perfagent's id; [disk] ids hold device globs */
	char value[PEER_VALUE_MAX];     /* the peer's value, as written in its profile */
	bool computed;                  /* set by the peer at run time: value unknown */
	char source[PEER_TEXT_MAX];     /* "/usr/lib/tuned/NAME/tuned.conf:12", "tuner tcp_buffer" */
	char unit[64];                  /* tuned: the unit (section), for replace= and drop= */
	char option[128];               /* tuned: the option as the profile names it */
};

struct peer {
	char name[16];                  /* "tuned", "bpftune" */
	bool running;
	char evidence[PEER_TEXT_MAX];   /* why running or installed: "/run/tuned/tuned.pid: pid 123" */
	char profile[PEER_TEXT_MAX];    /* tuned: the active profile(s); "" */
	size_t n_knobs, cap_knobs;
	struct peer_knob *knobs;
	char note[PEER_TEXT_MAX];       /* what could not be read and why; "" */
};

/* The peers found running or installed, in the order tuned, bpftune. */
struct peers {
	size_t n;
	struct peer v[PEERS_MAX];
};

/* Finds the peers. Returns 0, or -ENOMEM (out then holds what was found). */
int peers_detect(const struct pa_paths *paths, struct peers *out);

void peers_free(struct peers *p);

/* The peer's knob that sets perfagent's knob id (device globs matched), or NULL. */
const struct peer_knob *peer_knob_for(const struct peer *p, const char *id);

#endif
