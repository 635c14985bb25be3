// SPDX-License-Identifier: GPL-2.0-only
/*
 * The storage lines of `perfagent status`, from the JSON of
 * nvme_status_json(), one verdict per volume:
 *
 *   ebs nvme1n1  vol-0abc: over its provisioned IOPS 35% of the last minute: ...
 *                queue 4; reads p50 512 us at the device, 700 us in the host
 *   store nvme2n1 AWS123...: statistics not available: permission denied ...
 */
#include <stdio.h>
#include <string.h>

#include "storage/nvme_stats.h"
#include "core/jsonutil.h"

#define LABEL "%-12s "

/* "reads p50 512 us at the device, 700 us in the host" into buf (appended). */
static void lat_text(struct json_object *lat, const char *op, char *buf, size_t size)
{
	struct json_object *l = json_at(lat, op);
	size_t off = strlen(buf);

	if (!json_at_int(l, "ops") || off + 2 >= size)
		return;
	off += (size_t)snprintf(buf + off, size - off, "%s%ss %lld", off ? "; " : "", op,
				(long long)json_at_int(l, "ops"));
	if (off < size && json_at(l, "device_p50"))
		off += (size_t)snprintf(buf + off, size - off, ", p50 %lld us at the device",
					(long long)json_at_int(l, "device_p50"));
	else if (off < size && json_at(l, "device_mean"))
		off += (size_t)snprintf(buf + off, size - off, ", mean %.0f us at the device",
					json_at_double(l, "device_mean"));
	if (off < size && json_at(l, "host_p50"))
		snprintf(buf + off, size - off, ", %.0f us in the host",
			 json_at_double(l, "host_p50") + json_at_double(l, "host_queue_p50"));
}

static void print_vol(struct json_object *v, FILE *out)
{
	const char *kind = json_at_str(v, "kind", "?"), *state = json_at_str(v, "state", "?");
	char label[48], detail[256] = "";
	struct json_object *q = json_at(v, "queue_length");

	snprintf(label, sizeof(label), "%s %s", !strcmp(kind, "instance-store") ? "store" :
		 kind, json_at_str(v, "device", "?"));
	fprintf(out, LABEL "%s%s", label, json_at_str(v, "id", ""),
		json_at(v, "id") ? ": " : "");
	if (!strcmp(state, "unavailable") || !strcmp(state, "unsupported")) {
		fprintf(out, "statistics not available: %s\n", json_at_str(v, "error", "?"));
		return;
	}
	if (!strcmp(state, "waiting")) {
		fprintf(out, "first statistics page read; the verdict comes after the next "
			"interval\n");
		return;
	}
	fprintf(out, "%s\n", json_at_str(v, "verdict", "?"));
	if (q)
		snprintf(detail, sizeof(detail), "queue %lld", (long long)json_at_int(q, ""));
	lat_text(json_at(v, "latency_us"), "read", detail, sizeof(detail));
	lat_text(json_at(v, "latency_us"), "write", detail, sizeof(detail));
	if (detail[0])
		fprintf(out, LABEL "%s (last interval)\n", "", detail);
	if (json_at(v, "histograms"))
		fprintf(out, LABEL "no device latency histograms: %s\n", "",
			json_at_str(v, "histograms", ""));
}

void nvme_status_print(struct json_object *storage, FILE *out)
{
	struct json_object *arr = json_at_array(storage, "volumes");
	size_t n = json_at_len(arr, "");

	if (!n) {
		fprintf(out, LABEL "no EBS or instance-store NVMe devices\n", "storage");
		return;
	}
	for (size_t i = 0; i < n; i++)
		print_vol(json_object_array_get_idx(arr, i), out);
}
