/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which metrics go to CloudWatch: metrics_level = basic (the short list in
 * metric_level.c, what a fleet needs: 23 custom metrics on a host with two
 * ENA interfaces and four EBS volumes, 25 on a burstable type), detailed
 * (everything, the per-instance quantiles too) or custom (metrics_include
 * globs, default all, less metrics_exclude globs). The metric set keeps
 * every metric: status and the adaptive rules read them whatever is sent.
 */
#ifndef PA_METRIC_LEVEL_H
#define PA_METRIC_LEVEL_H

#include <stdbool.h>
#include <stddef.h>

#define METRIC_FILTER_MAX_GLOBS 32
#define METRIC_GLOB_MAX 64

enum metric_level {
	METRIC_LEVEL_BASIC = 0,     /* the default */
	METRIC_LEVEL_DETAILED,
	METRIC_LEVEL_CUSTOM,
};

struct metric_filter {
	enum metric_level level;
	int n_include, n_exclude;   /* custom only */
	char include[METRIC_FILTER_MAX_GLOBS][METRIC_GLOB_MAX];
	char exclude[METRIC_FILTER_MAX_GLOBS][METRIC_GLOB_MAX];
};

/* "basic", "detailed", "custom"; 0 or -EINVAL. */
int metric_level_parse(const char *s, enum metric_level *out);
const char *metric_level_name(enum metric_level level);

/* True when a metric of that name is in the basic list. */
bool metric_is_basic(const char *name);

/* True when f sends the metric name. */
bool metric_filter_sends(const struct metric_filter *f, const char *name);

/*
 * A block device's metric sent (also) with the instance's dimension sets,
 * without the device's own dimension: ReadLatency, WriteLatency,
 * VolumeLimitExceeded. All disks together are then one metric per instance
 * (CloudWatch combines the data points of the same name and dimension
 * values).
 */
bool metric_instance_wide(const char *name);

/*
 * True when f sends a block device's metric name with the device's own
 * dimension too: always, except the instance-wide latencies at basic.
 */
bool metric_filter_per_device(const struct metric_filter *f, const char *name);

/*
 * A metrics_include/metrics_exclude value: comma- or blank-separated globs,
 * added to list (an empty value clears it). A glob that matches no metric
 * of the catalogue is refused, with the closest name in err.
 */
int metric_filter_add_globs(char list[][METRIC_GLOB_MAX], int *n, const char *value,
			    char *err, size_t errsz);

/* Metrics only the daemon makes (knobs applied, adaptive steps, sink): NULL-terminated. */
extern const char *const metric_daemon_only[];

#endif
