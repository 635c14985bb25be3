/* SPDX-License-Identifier: GPL-2.0-only */
/* Levelled logging to stderr, with repeats of one message rate-limited. */
#ifndef PA_LOG_H
#define PA_LOG_H

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* Parses "error", "warn", "info" or "debug"; returns -EINVAL otherwise. */
int log_level_parse(const char *name, enum log_level *out);
const char *log_level_name(enum log_level level);

/*
 * prefix_priority: when true every line starts with "<N>", the syslog
 * priority the journal understands (set when stderr is the journal).
 */
void log_init(enum log_level level, int prefix_priority);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/*
 * Repeats of the same call site within LOG_RATE_WINDOW_S are shown at most
 * LOG_RATE_BURST times; the number suppressed is reported once the window
 * has passed and the message comes again.
 */
#define LOG_RATE_WINDOW_S 60
#define LOG_RATE_BURST 5

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Like log_msg, rate-limited by site instead of by fmt: for messages relayed
 * from a library through one format ("%s"), pass the library's own format.
 */
void log_msg_site(enum log_level level, const void *site, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
