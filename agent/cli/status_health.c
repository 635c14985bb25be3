// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "health" member of status as text: problems first, one line each
 * with its figures and why; the lines that are well collapsed into one
 * "ok" line with each area's key figure (daemon/health.h makes the JSON).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/status.h"
#include "core/jsonutil.h"

#define LABEL "%-12s "

/* "850 us", "12.3 ms", "1.20 s". */
static const char *duration(double us, char *buf, size_t size)
{
	if (us < 1000)
		snprintf(buf, size, "%.0f us", us);
	else if (us < 1e6)
		snprintf(buf, size, "%.1f ms", us / 1000);
	else
		snprintf(buf, size, "%.2f s", us / 1e6);
	return buf;
}

/* "512 B/s", "3.2 MiB/s". */
static const char *throughput(double bps, char *buf, size_t size)
{
	static const char *const units[] = { "B/s", "KiB/s", "MiB/s", "GiB/s" };
	size_t u = 0;

	while (bps >= 1024 && u < 3) {
		bps /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", bps, units[u]);
	return buf;
}

/* ", name X us" when line has key. */
static void put_us(struct json_object *l, const char *key, const char *name, FILE *out)
{
	char b[32];

	if (json_at(l, key))
		fprintf(out, ", %s %s", name, duration(json_at_double(l, key), b, sizeof(b)));
}

static void runqueue_text(struct json_object *l, bool brief, FILE *out)
{
	fputs("run queue", out);
	put_us(l, "p99_us", "p99", out);
	if (!brief) {
		put_us(l, "p50_us", "p50", out);
		put_us(l, "worst_cpu_p99_us", "worst CPU p99", out);
	}
	if (json_at(l, "waited_pct"))
		fprintf(out, ", waited %.1f%% of the time", json_at_double(l, "waited_pct"));
}

static void disk_op_text(struct json_object *l, const char *op, bool brief, FILE *out)
{
	char key[32], b[32];

	snprintf(key, sizeof(key), "%s_iops", op);
	if (!json_at(l, key) || json_at_double(l, key) <= 0)
		return;
	fprintf(out, ", %s %.0f IOPS", op, json_at_double(l, key));
	snprintf(key, sizeof(key), "%s_bytes_per_s", op);
	if (json_at(l, key) && !brief)
		fprintf(out, " %s", throughput(json_at_double(l, key), b, sizeof(b)));
	snprintf(key, sizeof(key), "%s_p50_us", op);
	if (!brief)
		put_us(l, key, "p50", out);
	snprintf(key, sizeof(key), "%s_p99_us", op);
	put_us(l, key, "p99", out);
	snprintf(key, sizeof(key), "%s_queue_depth", op);
	if (json_at(l, key) && !brief)
		fprintf(out, ", queue depth %.1f", json_at_double(l, key));
}

static void disk_text(struct json_object *l, bool brief, FILE *out)
{
	fprintf(out, "%s", json_at_str(l, "entity", "?"));
	if (json_at(l, "volume_id"))
		fprintf(out, " (%s)", json_at_str(l, "volume_id", ""));
	disk_op_text(l, "read", brief, out);
	disk_op_text(l, "write", brief, out);
}

static void tcp_text(struct json_object *l, bool brief, FILE *out)
{
	struct json_object *drops = json_at_array(l, "top_drop_reasons");

	fprintf(out, "tcp");
	if (json_at(l, "retransmits_per_s"))
		fprintf(out, ", retransmits %.1f/s", json_at_double(l, "retransmits_per_s"));
	if (json_at(l, "retransmit_pct"))
		fprintf(out, " (%.2f%% of segments)", json_at_double(l, "retransmit_pct"));
	put_us(l, "rtt_p99_us", "rtt p99", out);
	if (brief)
		return;
	put_us(l, "rtt_p50_us", "rtt p50", out);
	put_us(l, "connect_p99_us", "connect p99", out);
	if (json_at(l, "resets_sent_per_s"))
		fprintf(out, ", resets %.1f/s sent %.1f/s received",
			json_at_double(l, "resets_sent_per_s"),
			json_at_double(l, "resets_received_per_s"));
	if (json_at(l, "listen_overflows_per_s"))
		fprintf(out, ", listen overflows %.1f/s", json_at_double(l, "listen_overflows_per_s"));
	if (json_at(l, "drops_per_s"))
		fprintf(out, ", drops %.1f/s", json_at_double(l, "drops_per_s"));
	for (size_t i = 0; i < json_at_len(drops, ""); i++) {
		struct json_object *r = json_object_array_get_idx(drops, i);

		fprintf(out, "%s%s %.1f/s", i ? ", " : " (", json_at_str(r, "reason", "?"),
			json_at_double(r, "per_s"));
	}
	if (json_at_len(drops, ""))
		fputc(')', out);
}

/* The ENA counters a health line carries (daemon/health.c), in short words. */
static const struct {
	const char *key, *words;
} ena_counters[] = {
	{ "bw_in_allowance_exceeded_packets", "over the inbound bandwidth allowance" },
	{ "bw_out_allowance_exceeded_packets", "over the bandwidth allowance" },
	{ "pps_allowance_exceeded_packets", "over the packets-per-second allowance" },
	{ "conntrack_allowance_exceeded_packets", "over the connection-tracking allowance" },
	{ "linklocal_allowance_exceeded_packets", "over the link-local allowance" },
	{ "reset_failures", "failed device resets" },
	{ "driver_resets", "driver resets" },
	{ "tx_timeouts", "Tx timeouts" },
	{ "keepalive_timeouts", "keep-alive timeouts" },
	{ "tx_missed_completions", "missed Tx completions" },
};

/* "ens5: 3 driver resets, 1 Tx timeout ...": the counters that moved. */
static void ena_text(struct json_object *l, bool brief, FILE *out)
{
	int shown = 0;

	fprintf(out, "%s:", json_at_str(l, "entity", "?"));
	for (size_t i = 0; i < sizeof(ena_counters) / sizeof(ena_counters[0]); i++) {
		double v = json_at_double(l, ena_counters[i].key);

		if (v > 0)
			fprintf(out, "%s %.0f %s", shown++ ? "," : "", v, ena_counters[i].words);
	}
	if (!shown)
		fputs(" no counter moved", out);
}

static void cpu_text(struct json_object *l, bool brief, FILE *out)
{
	fprintf(out, "cpu %.0f%% busy", json_at_double(l, "busy_pct"));
	if (!brief || json_at_double(l, "steal_pct") > 0)
		fprintf(out, ", steal %.1f%%", json_at_double(l, "steal_pct"));
	if (json_at(l, "credits_balance"))
		fprintf(out, ", about %.0f credits", json_at_double(l, "credits_balance"));
}

static void tuning_text(struct json_object *l, bool brief, FILE *out)
{
	fprintf(out, "tuning (%s", json_at_str(l, "mode", "?"));
	if (json_at(l, "knobs_applied"))
		fprintf(out, ", %lld applied", (long long)json_at_int(l, "knobs_applied"));
	if (json_at(l, "changes_planned"))
		fprintf(out, ", %lld planned", (long long)json_at_int(l, "changes_planned"));
	fputc(')', out);
}

static void probe_text(struct json_object *l, bool brief, FILE *out)
{
	fprintf(out, "%s probe not running", json_at_str(l, "entity", "?"));
}

static const struct {
	const char *area;
	void (*text)(struct json_object *line, bool brief, FILE *out);
} areas[] = {
	{ "runqueue", runqueue_text }, { "disk", disk_text }, { "tcp", tcp_text },
	{ "ena", ena_text }, { "cpu", cpu_text }, { "tuning", tuning_text },
	{ "probe", probe_text },
};

/* A line's figures as text, brief (the key figure) or whole. */
static void line_text(struct json_object *l, bool brief, FILE *out)
{
	const char *area = json_at_str(l, "area", "");

	for (size_t i = 0; i < sizeof(areas) / sizeof(areas[0]); i++) {
		if (!strcmp(areas[i].area, area)) {
			areas[i].text(l, brief, out);
			return;
		}
	}
	fputs(area, out);
}

/* The header: the overall verdict and what the figures cover. */
static void print_window(struct json_object *h, FILE *out)
{
	fprintf(out, LABEL "%s", "health", json_at_str(h, "verdict", "?"));
	if (!json_at(h, "window.end_at")) {     /* nothing collected: the note says so */
		fprintf(out, " (%s)\n", json_at_str(h, "window.note", ""));
		return;
	}
	fprintf(out, " (last interval: %.1f s to %s)", json_at_double(h, "window.span_s"),
		json_at_str(h, "window.end_at", ""));
	if (json_at_bool(h, "window.partial"))
		fprintf(out, "; PARTIAL: %s", json_at_str(h, "window.note", ""));
	fputc('\n', out);
}

void status_print_health(struct json_object *h, FILE *out)
{
	struct json_object *lines = json_at_array(h, "lines");
	size_t n = json_at_len(h, "lines"), ok = 0;

	if (!h)
		return;
	print_window(h, out);
	for (size_t i = 0; i < n; i++) {
		struct json_object *l = json_object_array_get_idx(lines, i);

		if (!strcmp(json_at_str(l, "verdict", "ok"), "ok"))
			continue;
		fprintf(out, "  %-10s ", json_at_str(l, "verdict", "?"));
		line_text(l, false, out);
		fprintf(out, "\n  %-10s why: %s\n", "", json_at_str(l, "reason", ""));
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *l = json_object_array_get_idx(lines, i);

		if (strcmp(json_at_str(l, "verdict", "ok"), "ok"))
			continue;
		fprintf(out, ok++ ? "; " : "  %-10s ", "ok");
		line_text(l, true, out);
	}
	if (ok)
		fputc('\n', out);
	for (size_t i = 0; i < json_at_len(h, "not_judged"); i++)
		fprintf(out, "  %-10s %s\n", i ? "" : "not judged",
			json_object_get_string(json_object_array_get_idx(
				json_at_array(h, "not_judged"), i)));
}
