// SPDX-License-Identifier: GPL-2.0-only
/* Kernel network counters from procfs (netstat.h). */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "net/netstat.h"

#define PROC_TEXT_MAX (1 << 20)

/* The line after *p that starts with prefix, or NULL; *p moves past it. */
static const char *line_with(const char *text, const char *prefix, size_t *len)
{
	size_t n = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, prefix, n)) {
			const char *end = strchr(p, '\n');

			*len = end ? (size_t)(end - p) : strlen(p);
			return p;
		}
	}
	return NULL;
}

int netstat_find(const char *text, const char *group, const char *name, int64_t *value)
{
	char prefix[64];
	const char *names, *values;
	size_t nlen, vlen, want = strlen(name);

	if (snprintf(prefix, sizeof(prefix), "%s:", group) >= (int)sizeof(prefix))
		return -ENOENT;
	names = line_with(text, prefix, &nlen);
	/* The values line is the next line with the same prefix. */
	values = names ? line_with(names + nlen, prefix, &vlen) : NULL;
	if (!values)
		return -ENOENT;
	for (const char *n = names + strlen(prefix), *v = values + strlen(prefix);;) {
		size_t nl, vl;

		n += strspn(n, " ");
		v += strspn(v, " ");
		nl = strcspn(n, " \n");
		vl = strcspn(v, " \n");
		if (!nl || !vl || n >= names + nlen || v >= values + vlen)
			return -ENOENT;
		if (nl == want && !strncmp(n, name, want)) {
			char *end;

			errno = 0;
			*value = strtoll(v, &end, 10);
			return errno || end != v + vl ? -ENOENT : 0;
		}
		n += nl;
		v += vl;
	}
}

/*
 * rel's text (0), or a negative errno after a warning that names what goes
 * missing (the log repeats it at most 5 times a minute). Not a word for a
 * file that is not there: a fake tree or a kernel without it.
 */
static int read_proc(const struct pa_paths *paths, const char *rel, const char *metrics,
		     char **text)
{
	char path[PATH_MAX];
	ssize_t ret;

	ret = paths_sys(paths, path, sizeof(path), rel);
	if (!ret)
		ret = util_read_file(path, PROC_TEXT_MAX, text);
	if (ret >= 0)
		return 0;
	if (ret != -ENOENT)
		log_warn("%s: %s; %s left out", rel, util_file_strerror((int)ret), metrics);
	return (int)ret;
}

/* GROUP's NAME in text, or -1 after a warning: the file is not the kernel's format. */
static int64_t counter(const char *text, const char *rel, const char *group, const char *name,
		       const char *metric)
{
	int64_t v;

	if (!netstat_find(text, group, name, &v))
		return v;
	log_warn("%s: no %s %s counter; %s left out", rel, group, name, metric);
	return -1;
}

static void add_rate(struct metric_entity *inst, const char *name, uint64_t now, uint64_t prev,
		     double seconds)
{
	metric_add(inst, name, UNIT_COUNT_PER_SECOND, now >= prev ? (double)(now - prev) / seconds
								 : 0);
}

void netcounters_collect(struct netcounters *nc, const struct pa_paths *paths, double seconds,
			 struct metric_entity *inst)
{
	int64_t pressures = -1, overflows = -1, out_segs = -1;
	struct softnet_interval iv;
	int softnet, ret;
	char *text;

	/* Status says why softnet is not measured (softnet_status_print()). */
	ret = read_proc(paths, "/proc/net/softnet_stat", "SoftnetDrops, SoftnetTimeSqueezes",
			&text);
	softnet = ret;
	if (!ret) {
		softnet = softnet_update(&nc->softnet, text, seconds, &iv);
		if (softnet == -EINVAL)
			log_warn("/proc/net/softnet_stat: a line is not the kernel's format; "
				 "SoftnetDrops, SoftnetTimeSqueezes left out");
		free(text);
	}
	snprintf(nc->softnet.error, sizeof(nc->softnet.error), "%s",
		 softnet >= 0 ? "" : softnet == -EINVAL ? "a line is not the kernel's format" :
		 util_file_strerror(softnet));
	if (!read_proc(paths, "/proc/net/netstat", "TcpMemoryPressures, TcpListenOverflows",
		       &text)) {
		pressures = counter(text, "/proc/net/netstat", "TcpExt", "TCPMemoryPressures",
				    "TcpMemoryPressures");
		overflows = counter(text, "/proc/net/netstat", "TcpExt", "ListenOverflows",
				    "TcpListenOverflows");
		free(text);
	}
	if (!read_proc(paths, "/proc/net/snmp", "TcpOutSegs", &text)) {
		out_segs = counter(text, "/proc/net/snmp", "Tcp", "OutSegs", "TcpOutSegs");
		free(text);
	}
	if (nc->have_prev && seconds > 0) {
		if (pressures >= 0 && nc->pressures >= 0)
			add_rate(inst, "TcpMemoryPressures", (uint64_t)pressures,
				 (uint64_t)nc->pressures, seconds);
		if (overflows >= 0 && nc->listen_overflows >= 0)
			add_rate(inst, "TcpListenOverflows", (uint64_t)overflows,
				 (uint64_t)nc->listen_overflows, seconds);
		if (out_segs >= 0 && nc->out_segs >= 0)
			add_rate(inst, "TcpOutSegs", (uint64_t)out_segs, (uint64_t)nc->out_segs,
				 seconds);
	}
	/* per CPU, with its own baselines: not tied to have_prev */
	if (softnet == 1)
		softnet_add_metrics(&iv, inst);
	nc->have_prev = pressures >= 0 || overflows >= 0 || out_segs >= 0;
	nc->pressures = pressures;
	nc->listen_overflows = overflows;
	nc->out_segs = out_segs;
}

void netcounters_free(struct netcounters *nc)
{
	softnet_free(&nc->softnet);
}
