/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * irqbalance as systemd runs it, and perfagent's drop-in for it: the CPUs
 * irqbalance keeps interrupts off (knob_irqbalance.c is the knob).
 *
 * irqbalance reads its banned CPUs once, at start, from its environment:
 * IRQBALANCE_BANNED_CPULIST, a CPU list (irqbalance 1.8 and later), or
 * IRQBALANCE_BANNED_CPUS, a hex mask (older ones; later ones still take it,
 * first, with a warning). Setting either replaces irqbalance's own default,
 * the isolated and nohz_full CPUs (irqbalance(1); cputree.c,
 * setup_banned_cpus). Distributions set the environment through the unit's
 * EnvironmentFile= (/etc/default/irqbalance on Debian and Ubuntu,
 * /etc/sysconfig/irqbalance on Amazon Linux and RHEL): the administrator's
 * file, which perfagent never edits. It writes a drop-in instead,
 *
 *   /run/systemd/system/irqbalance.service.d/50-perfagent.conf
 *   [Service]
 *   Environment=IRQBALANCE_BANNED_CPULIST=2-7
 *
 * then runs systemctl daemon-reload and systemctl try-restart
 * irqbalance.service (a restart only if it is running, as tuned's
 * [irqbalance] plugin does). Under /run, the drop-in is gone at reboot, as
 * every other value perfagent sets is: the journal of an earlier boot is
 * void (journal.h), and so is the drop-in.
 *
 * Whose value wins: systemd gives EnvironmentFile= precedence over
 * Environment= for the same variable (systemd.exec(5)), so either variable
 * in the administrator's environment file beats the drop-in; a later drop-in
 * (override.conf, as systemctl edit writes it) beats it too. perfagent does
 * not fight either: when the unit, its environment files or another drop-in
 * set a banned-CPU variable, the knob is not applicable and the plan names
 * the file and line.
 *
 * Everything is read under paths->sysroot; systemctl runs only when the
 * sysroot is the host ("" or "/"), never for a tree under --root.
 */
#ifndef PA_IRQBALANCE_H
#define PA_IRQBALANCE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/paths.h"
#include "net/ethtool.h"

#define IRQB_UNIT "irqbalance.service"
#define IRQB_DROPIN_DIR "/run/systemd/system/" IRQB_UNIT ".d"
#define IRQB_DROPIN IRQB_DROPIN_DIR "/50-perfagent.conf"
#define IRQB_CPULIST_VAR "IRQBALANCE_BANNED_CPULIST"
#define IRQB_CPUS_VAR "IRQBALANCE_BANNED_CPUS"
#define IRQB_FILE_MAX 65536             /* unit, drop-in or environment file read */
#define IRQB_TEXT_MAX 192

struct irqb_service {
	bool systemd;                   /* /run/systemd/system exists: systemd runs the host */
	char unit[PATH_MAX];            /* host path of irqbalance.service; "" not installed */
	bool masked;                    /* the unit is a link to /dev/null, or empty */
	char exec[PATH_MAX];            /* its program, from ExecStart= */
	bool cpulist;                   /* takes IRQBALANCE_BANNED_CPULIST (irqbalance >= 1.8) */
	/* "/etc/default/irqbalance:30 sets IRQBALANCE_BANNED_CPULIST=0-3", or "" */
	char admin[IRQB_TEXT_MAX];
};

/*
 * Reads what the knob needs to know about irqbalance under the sysroot: the
 * unit (/etc, /run, /usr/local/lib, /usr/lib and /lib systemd/system, first
 * found), its drop-in directories in the same places, the environment files
 * they name, and whether its program knows IRQBALANCE_BANNED_CPULIST (the
 * name in its binary; a program that cannot be read is taken to).
 */
void irqb_service_read(const struct pa_paths *paths, struct irqb_service *s);

/*
 * The banned CPUs a drop-in's text sets (an Environment= line with either
 * variable; the last one wins, as in systemd), into m: empty when it sets
 * none. 0, or -EINVAL when the value is not a CPU list or mask.
 */
int irqb_dropin_parse(const char *text, struct cpu_mask *m);

/* The drop-in banning the CPUs of m, with the variable this irqbalance takes. */
int irqb_dropin_format(const struct cpu_mask *m, bool cpulist, char *buf, size_t size);

/* Whether systemctl may run: the sysroot is the host ("" or "/"). */
bool irqb_on_host(const struct pa_paths *paths);

/*
 * After the drop-in changed: systemctl daemon-reload, then (restart)
 * systemctl --no-block try-restart irqbalance.service (queued; a stopped
 * irqbalance stays stopped and reads the drop-in when it starts). Each may
 * take IRQB_SYSTEMCTL_MS: the daemon's event loop waits, and three of them
 * (a failure, then the reload that puts the drop-in back) stay well within
 * its 60 s watchdog. Only on the host; 0 at once for a tree. 0 or a
 * negative errno with err set.
 */
#define IRQB_SYSTEMCTL_MS 8000
int irqb_restart(const struct pa_paths *paths, bool restart, char *err, size_t errsz);

/* For tests: what runs the commands (spawn_wait() when NULL). */
typedef int (*irqb_runner)(const char *const argv[], char *err, size_t errsz);
void irqb_set_runner(irqb_runner run);

#endif
