/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * systemd's notification protocol (sd_notify) without libsystemd: one
 * datagram to $NOTIFY_SOCKET. Does nothing when not started by systemd.
 */
#ifndef PA_NOTIFY_H
#define PA_NOTIFY_H

/* Sends "READY=1", "STATUS=...", "STOPPING=1" etc. Returns 0 or -errno. */
int notify_send(const char *state);

int notify_ready(const char *status);
int notify_reloading(void);
int notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The service manager's watchdog (WatchdogSec=): how often to send
 * "WATCHDOG=1", in ms: half of $WATCHDOG_USEC, as sd_watchdog_enabled()
 * advises. 0 when there is no watchdog, it is meant for another process
 * ($WATCHDOG_PID), or the variable is not a positive number.
 */
unsigned long notify_watchdog_period_ms(void);

#endif
