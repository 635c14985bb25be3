/* SPDX-License-Identifier: GPL-2.0-only */
/* Levelled logging to stderr, with repeats of one message rate-limited. */
#ifndef PA_LOG_H
#define PA_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/*
 * A condition that lasts, such as an agent that is not listening, met again
 * at every retry: the caller says it once when it begins, reminds at most
 * every remind_s (LOG_EPISODE_REMIND_S when 0) while it lasts, logs each
 * repeat in between at debug only, and says once that it is over. The
 * caller keeps the struct, zeroed at first.
 */
#define LOG_EPISODE_REMIND_S 3600

struct log_episode {
	uint64_t since_ms;      /* 0: not going on */
	uint64_t reminded_ms;
	unsigned long repeats;  /* occurrences after the first */
	unsigned int remind_s;
};

enum log_episode_step {
	LOG_EPISODE_FIRST,      /* it begins: say what happens and what to do */
	LOG_EPISODE_REMIND,     /* still going on, remind_s after the last word */
	LOG_EPISODE_REPEAT,     /* one more time: debug */
};

/* Counts one occurrence at now_ms (monotonic) and says which it is. */
enum log_episode_step log_episode_step(struct log_episode *e, uint64_t now_ms);

/*
 * Ends it: false when none was going on. Otherwise true, with how long it
 * lasted in words ("2 min 5 s") in buf.
 */
bool log_episode_end(struct log_episode *e, uint64_t now_ms, char *buf, size_t size);

/* A duration in words: "45 s", "12 min 5 s", "3 h 20 min". */
void log_duration(uint64_t ms, char *buf, size_t size);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
