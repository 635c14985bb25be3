// SPDX-License-Identifier: GPL-2.0-only
/*
 * ENA Express readiness (see ena_express.h), after AWS's checker script;
 * each item reads one value and says what to change.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonutil.h"
#include "net/ena_express.h"

#define MIB (1024ULL * 1024)
#define EXPRESS_MTU 8900
#define EXPRESS_TX_RING 1024U
#define EXPRESS_RX_RING 8192U
#define OVERLAY "the ena-express overlay sets it"

struct checks {
	struct json_object *arr;
	int required_failed, recommended_failed, unknown;
};

__attribute__((format(printf, 7, 8)))
static void add_check(struct checks *c, const char *name, int kind, int ok, const char *value,
		      const char *want, const char *fix_fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char fix[640];
	va_list ap;

	if (!o)
		return;
	va_start(ap, fix_fmt);
	vsnprintf(fix, sizeof(fix), fix_fmt, ap);
	va_end(ap);
	json_object_object_add(o, "check", json_object_new_string(name));
	json_object_object_add(o, "required", json_object_new_boolean(kind == 0));
	json_object_object_add(o, "high_rtt", json_object_new_boolean(kind == 2));
	json_object_object_add(o, "ok", ok < 0 ? NULL : json_object_new_boolean(ok));
	json_object_object_add(o, "value", json_str_or_null(value));
	json_object_object_add(o, "want", json_object_new_string(want));
	json_object_object_add(o, "fix", ok == 1 ? NULL : json_object_new_string(fix));
	if (json_object_array_add(c->arr, o))
		json_object_put(o);
	/* unreadable is not "to change", but it is not ready either */
	if (ok < 0)
		c->unknown++;
	else if (!ok && kind == 0)
		c->required_failed++;
	else if (!ok)
		c->recommended_failed++;
}

/* ---- the interface ---- */

static void check_mtu(struct checks *c, const struct ena_express_input *in)
{
	char v[32];

	snprintf(v, sizeof(v), "%" PRIu64, in->mtu);
	add_check(c, "mtu", 0, in->have_mtu ? in->mtu <= EXPRESS_MTU : -1, in->have_mtu ? v : NULL,
		  "8900 or less (8800 to 8900 for full bandwidth)",
		  "set the MTU of %s to 8900 (ENA Express carries packets up to 8900 bytes): ip "
		  "link set dev %s mtu 8900, and the same in its network configuration; "
		  "perfagent never changes the MTU", in->ifname, in->ifname);
}

/*
 * BQL: the module parameter where the driver has it; else, as the checker,
 * a tx queue whose byte_queue_limits/limit_min is 0 counts as BQL on.
 */
static int bql_on(const struct pa_paths *paths, const struct ena_express_input *in, char *v,
		  size_t size)
{
	char dir[PATH_MAX], rel[PATH_MAX];
	struct dirent **list = NULL;
	int n, on = -1;

	if (in->drv && in->drv->enable_bql >= 0) {
		snprintf(v, size, "%s (module parameter enable_bql)",
			 in->drv->enable_bql ? "on" : "off");
		return in->drv->enable_bql != 0;
	}
	snprintf(rel, sizeof(rel), "/sys/class/net/%s/queues", in->ifname);
	if (paths_sys(paths, dir, sizeof(dir), rel))
		return -1;
	n = scandir(dir, &list, NULL, versionsort);
	for (int i = 0; i < n; i++) {
		uint64_t min;
		bool have;

		if (on != 1 && !strncmp(list[i]->d_name, "tx-", 3) &&
		    !ena_sys_u64(paths, &min, &have, "%s/%s/byte_queue_limits/limit_min", rel,
				 list[i]->d_name)) {
			if (!min)
				snprintf(v, size, "on (%.16s byte_queue_limits/limit_min 0)",
					 list[i]->d_name);
			on = !min;
		}
		free(list[i]);
	}
	free(list);
	if (on == 0)
		snprintf(v, size, "off (limit_min above 0 on every tx queue)");
	return on;
}

static void check_bql(const struct pa_paths *paths, struct checks *c,
		      const struct ena_express_input *in)
{
	char v[96] = "";
	int on = bql_on(paths, in, v, sizeof(v));

	add_check(c, "bql", 0, on < 0 ? -1 : !on, on < 0 ? NULL : v, "off",
		  "turn Byte Queue Limits off on %s: load the ena driver without enable_bql=1, "
		  "or: for q in /sys/class/net/%s/queues/tx-*; do echo max > "
		  "$q/byte_queue_limits/limit_min; done", in->ifname, in->ifname);
}

static void check_rings(struct checks *c, const struct ena_express_input *in)
{
	const struct ethtool_rings *r = in->rings;
	uint32_t tx_want = r->tx_max && r->tx_max < EXPRESS_TX_RING ? r->tx_max : EXPRESS_TX_RING;
	uint32_t rx_want = r->rx_max && r->rx_max < EXPRESS_RX_RING ? r->rx_max : EXPRESS_RX_RING;
	int64_t force = in->drv ? in->drv->force_large_llq : -1;
	char v[48], want[48];
	int ok;

	snprintf(v, sizeof(v), "%u", r->tx);
	snprintf(want, sizeof(want), "%u or more", tx_want);
	add_check(c, "tx_ring", 1, in->have_rings ? r->tx >= tx_want : -1,
		  in->have_rings ? v : NULL, want,
		  "raise the Tx ring of %s to %u: tx_ring = >%u in an [ethtool] profile section "
		  "(the ena-express overlay has it), or ethtool -G %s tx %u", in->ifname, tx_want,
		  tx_want, in->ifname, tx_want);
	/* the checker asks for large LLQ off only while it keeps the Tx ring below 1024 */
	ok = in->have_rings && r->tx >= EXPRESS_TX_RING ? 1 : force < 0 ? -1 : force == 0;
	/* as the checker: anything but an explicit 0, the unset 65535 too, is not off */
	snprintf(v, sizeof(v), "force_large_llq_header=%lld%s", (long long)force,
		 force == ENA_LLQ_PARAM_UNSET ? " (not set)" : "");
	add_check(c, "large_llq", 1, ok, force < 0 ? NULL : v,
		  "off by module parameter while the Tx ring is below 1024",
		  "large LLQ halves the Tx ring (1024 -> 512); where no packet has headers above "
		  "96 bytes, load the driver with it off: rmmod ena && modprobe ena "
		  "force_large_llq_header=0 (and in /etc/modprobe.d)");
	snprintf(v, sizeof(v), "%u", r->rx);
	snprintf(want, sizeof(want), "%u or more", rx_want);
	add_check(c, "rx_ring", 1, in->have_rings ? r->rx >= rx_want : -1,
		  in->have_rings ? v : NULL, want,
		  "raise the Rx ring of %s to %u: rx_ring = >%u in an [ethtool] profile section "
		  "(the ena-express overlay has it), or ethtool -G %s rx %u", in->ifname, rx_want,
		  rx_want, in->ifname, rx_want);
}

/* ---- the kernel's settings ---- */

static const struct sysctl_item {
	const char *check, *path, *name;
	int kind;               /* 0 required, 1 recommended, 2 high RTT */
	int field;              /* 1-based field of a list ("4096 131072 6291456"); 0: whole */
	uint64_t min;           /* at least; with equal NULL */
	const char *equal;      /* exactly, when not NULL */
	const char *set_by;     /* who changes it */
} sysctl_items[] = {
	{ "tcp_limit_output_bytes", "/proc/sys/net/ipv4/tcp_limit_output_bytes",
	  "net.ipv4.tcp_limit_output_bytes", 0, 0, 1 * MIB, NULL, OVERLAY },
	{ "tcp_autocorking", "/proc/sys/net/ipv4/tcp_autocorking", "net.ipv4.tcp_autocorking",
	  1, 0, 0, "0", OVERLAY },
	{ "tcp_limit_output_bytes_high_rtt", "/proc/sys/net/ipv4/tcp_limit_output_bytes",
	  "net.ipv4.tcp_limit_output_bytes", 2, 0, 4 * MIB, NULL, OVERLAY },
	{ "tcp_rmem_max", "/proc/sys/net/ipv4/tcp_rmem", "net.ipv4.tcp_rmem (its third field)",
	  2, 3, 8 * MIB, NULL, OVERLAY },
	{ "tcp_wmem_max", "/proc/sys/net/ipv4/tcp_wmem", "net.ipv4.tcp_wmem (its third field)",
	  2, 3, 8 * MIB, NULL, OVERLAY },
	{ "rmem_default", "/proc/sys/net/core/rmem_default", "net.core.rmem_default", 2, 0,
	  4 * MIB, NULL, OVERLAY },
	{ "wmem_default", "/proc/sys/net/core/wmem_default", "net.core.wmem_default", 2, 0,
	  4 * MIB, NULL, OVERLAY },
	{ "rmem_max", "/proc/sys/net/core/rmem_max", "net.core.rmem_max", 2, 0, 8 * MIB, NULL,
	  OVERLAY },
	{ "wmem_max", "/proc/sys/net/core/wmem_max", "net.core.wmem_max", 2, 0, 8 * MIB, NULL,
	  OVERLAY },
	{ "tcp_congestion_control", "/proc/sys/net/ipv4/tcp_congestion_control",
	  "net.ipv4.tcp_congestion_control", 2, 0, 0, "cubic", OVERLAY },
	{ "hystart_detect", "/sys/module/tcp_cubic/parameters/hystart_detect",
	  "tcp_cubic's module parameter hystart_detect", 2, 0, 0, "0",
	  "perfagent does not set module parameters: echo 0 > "
	  "/sys/module/tcp_cubic/parameters/hystart_detect, and options tcp_cubic "
	  "hystart_detect=0 in /etc/modprobe.d" },
};

/* The field'th whitespace-separated word of line (0: all of it), in place. */
static const char *field_of(char *line, int field)
{
	char *save = NULL, *w = NULL;

	if (!field)
		return line;
	for (int i = 1; i <= field; i++) {
		w = strtok_r(i == 1 ? line : NULL, " \t", &save);
		if (!w)
			return NULL;
	}
	return w;
}

static void check_sysctl(const struct pa_paths *paths, struct checks *c,
			 const struct sysctl_item *it)
{
	char line[256], want[64];
	const char *v = NULL;
	int ok = -1;

	if (!ena_sys_line(paths, line, sizeof(line), "%s", it->path))
		v = field_of(line, it->field);
	if (it->equal) {
		snprintf(want, sizeof(want), "%s", it->equal);
		if (v)
			ok = !strcmp(v, it->equal);
	} else {
		char *end;
		unsigned long long n;

		snprintf(want, sizeof(want), "%" PRIu64 " or more", it->min);
		if (v) {
			errno = 0;
			n = strtoull(v, &end, 10);
			ok = errno || *end || !*v ? -1 : n >= it->min;
		}
	}
	add_check(c, it->check, it->kind, ok, v, want, "set %s to %s: %s", it->name, want,
		  it->set_by);
}

static void sysctls(const struct pa_paths *paths, struct checks *c, int kind)
{
	for (size_t i = 0; i < sizeof(sysctl_items) / sizeof(sysctl_items[0]); i++) {
		if (sysctl_items[i].kind == kind)
			check_sysctl(paths, c, &sysctl_items[i]);
	}
}

/* Every required item known to hold. */
static bool ready(struct json_object *arr)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *c = json_object_array_get_idx(arr, i);

		if (json_at_bool(c, "required") && !json_at_bool(c, "ok"))
			return false;
	}
	return true;
}

static struct json_object *srd_enabled(int64_t mode)
{
	/* ena_srd_mode: 0 off; 1 on; 2 off, UDP setting kept; 3 on for TCP and UDP */
	return mode < 0 ? NULL : json_object_new_boolean(mode == 1 || mode == 3);
}

struct json_object *ena_express_json(const struct pa_paths *paths,
				     const struct ena_express_input *in)
{
	struct json_object *o = json_object_new_object();
	struct checks c = { .arr = json_object_new_array() };

	if (!o || !c.arr) {
		json_object_put(o);
		json_object_put(c.arr);
		return NULL;
	}
	/* the checker's order: MTU, TCP, BQL, rings; then the high-RTT items */
	check_mtu(&c, in);
	sysctls(paths, &c, 0);
	sysctls(paths, &c, 1);
	check_bql(paths, &c, in);
	check_rings(&c, in);
	sysctls(paths, &c, 2);
	json_object_object_add(o, "ready", json_object_new_boolean(ready(c.arr)));
	json_object_object_add(o, "required_failed", json_object_new_int(c.required_failed));
	json_object_object_add(o, "recommended_failed",
			       json_object_new_int(c.recommended_failed));
	json_object_object_add(o, "unknown", json_object_new_int(c.unknown));
	json_object_object_add(o, "srd_mode", in->srd_mode < 0 ? NULL :
			       json_object_new_int64(in->srd_mode));
	json_object_object_add(o, "enabled", srd_enabled(in->srd_mode));
	json_object_object_add(o, "checks", c.arr);
	json_object_object_add(o, "note", json_object_new_string("ENA Express is turned on per "
		"network interface through the EC2 API (EnaSrdSpecification), on both ends; "
		"these are the instance's side of it, after AWS's check-ena-express-settings.sh"));
	return o;
}

#define LABEL "%-12s "

void ena_express_print(struct json_object *x, FILE *out)
{
	struct json_object *checks = json_at_array(x, "checks"), *en = json_at(x, "enabled");
	size_t n = json_at_len(checks, "");
	long long req = json_at_int(x, "required_failed"), rec = json_at_int(x, "recommended_failed");
	long long unk = json_at_int(x, "unknown");
	const char *state = !en ? " (whether it is on for this ENI is not known)" :
			    json_at_bool(en, "") ? " (enabled on this ENI)" :
			    " (not enabled on this ENI)";

	if (!x)
		return;
	fprintf(out, LABEL "ENA Express: %s%s", "", json_at_bool(x, "ready") ? "ready" :
		"not ready", state);
	if (req || rec)
		fprintf(out, ": %lld required, %lld recommended setting%s to change", req, rec,
			rec == 1 ? "" : "s");
	if (unk)
		fprintf(out, "%s%lld unreadable", req || rec ? ", " : ": ", unk);
	/* Off on this ENI, or not known to be on: the items matter only once it
	 * is, and a screen of them would hide the rest of status. */
	if ((!en || !json_at_bool(en, "")) && (req || rec || unk)) {
		fputs(" (status --json lists them)\n", out);
		return;
	}
	fputc('\n', out);
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(checks, i);

		if (json_at_bool(c, "ok"))
			continue;
		fprintf(out, LABEL "  %s %s, want %s%s: %s\n", "", json_at_str(c, "check", "?"),
			json_at_str(c, "value", "unknown"), json_at_str(c, "want", "?"),
			json_at_bool(c, "required") ? "" : json_at_bool(c, "high_rtt") ?
			" (high RTT)" : " (recommended)", json_at_str(c, "fix", ""));
	}
}
