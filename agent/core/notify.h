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

#endif
