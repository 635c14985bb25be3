// SPDX-License-Identifier: GPL-2.0-only
/*
 * Levelled logging to stderr. systemd sends stderr to the journal, which reads
 * the "<N>" syslog priority prefix; in a terminal we print the level as a word.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"

static const char *const level_names[] = { "error", "warn", "info", "debug" };
/* syslog priorities: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
static const int level_priority[] = { 3, 4, 6, 7 };

/*
 * One slot per recently seen call site, identified by the address of its
 * format string, so two different messages never share a rate limit.
 */
struct rate_slot {
	const void *site;
	uint64_t window_start_ms;
	unsigned int shown;
	unsigned int suppressed;
};

#define RATE_SLOTS 64

static struct {
	enum log_level level;
	int prefix_priority;
	struct rate_slot slots[RATE_SLOTS];
} logger = { .level = LOG_LVL_INFO };

int log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *log_level_name(enum log_level level)
{
	return level <= LOG_LVL_DEBUG ? level_names[level] : "?";
}

void log_init(enum log_level level, int prefix_priority)
{
	logger.level = level;
	logger.prefix_priority = prefix_priority;
	memset(logger.slots, 0, sizeof(logger.slots));
}

void log_set_level(enum log_level level)
{
	logger.level = level;
}

enum log_level log_get_level(void)
{
	return logger.level;
}

static struct rate_slot *rate_slot_for(const void *site, uint64_t now)
{
	struct rate_slot *oldest = &logger.slots[0];

	for (int i = 0; i < RATE_SLOTS; i++) {
		struct rate_slot *s = &logger.slots[i];

		if (s->site == site)
			return s;
		if (s->window_start_ms < oldest->window_start_ms)
			oldest = s;
	}
	/* Reuse the slot that was quiet the longest. */
	*oldest = (struct rate_slot){ .site = site, .window_start_ms = now };
	return oldest;
}

static void emit(enum log_level level, const char *fmt, va_list ap)
{
	if (logger.prefix_priority)
		fprintf(stderr, "<%d>", level_priority[level]);
	else
		fprintf(stderr, "perfagent: %s: ", level_names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void emit_plain(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(level, fmt, ap);
	va_end(ap);
}

static void log_vmsg(enum log_level level, const void *site, const char *fmt, va_list ap)
{
	uint64_t now = util_now_mono_ms();
	struct rate_slot *slot;

	if (level > logger.level)
		return;
	slot = rate_slot_for(site, now);
	if (now - slot->window_start_ms >= LOG_RATE_WINDOW_S * 1000ULL) {
		if (slot->suppressed)
			emit_plain(level, "(%u similar messages suppressed in the last %d s)",
				   slot->suppressed, LOG_RATE_WINDOW_S);
		slot->window_start_ms = now;
		slot->shown = 0;
		slot->suppressed = 0;
	}
	if (slot->shown >= LOG_RATE_BURST) {
		slot->suppressed++;
		return;
	}
	slot->shown++;
	emit(level, fmt, ap);
	fflush(stderr);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, fmt, ap);
	va_end(ap);
}

void log_msg_site(enum log_level level, const void *site, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, site, fmt, ap);
	va_end(ap);
}

enum log_episode_step log_episode_step(struct log_episode *e, uint64_t now_ms)
{
	uint64_t remind_ms = (e->remind_s ? e->remind_s : LOG_EPISODE_REMIND_S) * 1000ULL;

	if (!e->since_ms) {
		/* 0 means "none": a clock that reads 0 still starts one. */
		e->since_ms = now_ms ? now_ms : 1;
		e->reminded_ms = e->since_ms;
		e->repeats = 0;
		return LOG_EPISODE_FIRST;
	}
	e->repeats++;
	if (now_ms - e->reminded_ms >= remind_ms) {
		e->reminded_ms = now_ms;
		return LOG_EPISODE_REMIND;
	}
	return LOG_EPISODE_REPEAT;
}

bool log_episode_end(struct log_episode *e, uint64_t now_ms, char *buf, size_t size)
{
	if (!e->since_ms)
		return false;
	log_duration(now_ms > e->since_ms ? now_ms - e->since_ms : 0, buf, size);
	e->since_ms = 0;
	e->reminded_ms = 0;
	return true;
}

void log_duration(uint64_t ms, char *buf, size_t size)
{
	uint64_t s = (ms + 500) / 1000;

	if (s < 60)
		snprintf(buf, size, "%llu s", (unsigned long long)s);
	else if (s < 3600)
		snprintf(buf, size, "%llu min %llu s", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(buf, size, "%llu h %llu min", (unsigned long long)(s / 3600),
			 (unsigned long long)(s % 3600 / 60));
}
