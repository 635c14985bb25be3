// SPDX-License-Identifier: GPL-2.0-only
/* Adaptive rules: parsing and checking an [adapt.NAME] section (adapt_rule.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tune/adapt_rule.h"

/* Evidence and guards: metrics the daemon collects every interval (catalogue). */
static const char *const known_metrics[] = {
	"TcpListenOverflows", "TcpRetransmits", "TcpConnectFailures", "TcpResetsSent",
	"TcpResetsReceived", "TcpMemoryPressures", "PacketDrops", "SoftnetDrops",
	"SoftnetTimeSqueezes", "RunqLatencyP50", "RunqLatencyP99",
	"TcpSrttP50", "TcpSrttP99", "TcpConnectLatencyP99", "CPUUtilization", "StealPercent",
	"TcpRcvBufAtMax", "TcpSndBufAtMax", "TcpRcvBufAtCoreMax", "TcpSndBufAtCoreMax",
	"TcpListenDropsAtSomaxconn",
};

/* Those of each network interface (agent/net/ena.c): a ring rule's evidence. */
static const char *const interface_metrics[] = {
	"RxOverruns", "RxDrops", "TxDrops",
};

bool adapt_metric_per_interface(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(interface_metrics); i++)
		if (!strcmp(interface_metrics[i], name))
			return true;
	return false;
}

bool adapt_metric_known(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(known_metrics); i++)
		if (!strcmp(known_metrics[i], name))
			return true;
	return adapt_metric_per_interface(name);
}

void adapt_rule_init(struct adapt_rule *r, const char *name, const char *origin)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->origin, sizeof(r->origin), "%s", origin);
	r->cooldown_s = ADAPT_COOLDOWN_DEFAULT_S;
	r->step = ADAPT_STEP_DOUBLE;
	r->step_by = 0;
}

static bool parse_number(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return s[0] && !errno && !*end && isfinite(*out);
}

static bool parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = (unsigned int)v;
	return true;
}

/* "METRIC > RATE over N" */
static int parse_when(struct adapt_rule *r, const char *value, char *err, size_t errsz)
{
	char metric[ADAPT_METRIC_MAX], rate[32], over[16], word[8], extra[2];
	int n = sscanf(value, "%47s > %31s %7s %15s %1s", metric, rate, word, over, extra);

	if (n < 2 || n == 3 || n > 4 || (n == 4 && strcmp(word, "over")))
		return util_err(err, errsz, "bad when '%.80s': expected METRIC > RATE [over N], "
				"such as TcpListenOverflows > 0 over 2", value);
	if (!adapt_metric_known(metric))
		return util_err(err, errsz, "unknown metric '%.48s' in when: the evidence must be a "
				"metric the agent collects (packaging/metrics-catalogue.md)", metric);
	if (!parse_number(rate, &r->threshold) || r->threshold < 0)
		return util_err(err, errsz, "bad rate '%.31s' in when: expected a number of events "
				"per second, 0 or more", rate);
	r->over = 1;
	if (n == 4 && !parse_uint(over, 60, &r->over))
		return util_err(err, errsz, "bad 'over %.15s' in when: expected 1 to 60 intervals",
				over);
	if (r->over == 0)
		return util_err(err, errsz, "bad 'over 0' in when: expected 1 to 60 intervals");
	strcpy(r->metric, metric);
	return 0;
}

/* "double", "+N" or "*F": a step that grows the value. */
static int parse_step(struct adapt_rule *r, const char *value, char *err, size_t errsz)
{
	if (!strcmp(value, "double")) {
		r->step = ADAPT_STEP_DOUBLE;
		return 0;
	}
	if ((value[0] == '+' || value[0] == '*') && parse_number(value + 1, &r->step_by)) {
		r->step = value[0] == '+' ? ADAPT_STEP_ADD : ADAPT_STEP_MUL;
		if (r->step == ADAPT_STEP_ADD ? r->step_by >= 1 : r->step_by > 1 && r->step_by <= 16)
			return 0;
	}
	return util_err(err, errsz, "bad step '%.40s': expected double, +N (N at least 1) or *F "
			"(F above 1, at most 16): a step must grow the value", value);
}

static int parse_guards(struct adapt_rule *r, const char *value, char *err, size_t errsz)
{
	char buf[256], *tok, *save = NULL;

	if (snprintf(buf, sizeof(buf), "%s", value) >= (int)sizeof(buf))
		return util_err(err, errsz, "guard list too long");
	r->n_guards = 0;
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (!adapt_metric_known(tok))
			return util_err(err, errsz, "unknown metric '%.48s' in guard: a guard must be "
					"a metric the agent collects", tok);
		if (r->n_guards == ADAPT_MAX_GUARDS)
			return util_err(err, errsz, "more than %d guards", ADAPT_MAX_GUARDS);
		snprintf(r->guards[r->n_guards++], ADAPT_METRIC_MAX, "%s", tok);
	}
	return 0;
}

/* A bound: a whole number, or a formula (checked here, resolved per machine). */
static int parse_bound(char *dst, const char *key, const char *value, char *err, size_t errsz)
{
	struct formula f;
	unsigned long long v;
	char *end, ferr[256];

	if (strlen(value) >= ADAPT_BOUND_MAX)
		return util_err(err, errsz, "%s too long", key);
	if (formula_is_relative(value)) {
		if (formula_parse(value, &f, ferr, sizeof(ferr)))
			return util_err(err, errsz, "bad %s '%.60s': %s", key, value, ferr);
	} else {
		errno = 0;
		v = strtoull(value, &end, 10);
		if (value[0] < '0' || value[0] > '9' || errno || *end || v > INT64_MAX)
			return util_err(err, errsz, "bad %s '%.60s': expected a whole number, 0 or "
					"more, or a value relative to the machine (1%%mem, 64*vcpus)",
					key, value);
	}
	strcpy(dst, value);
	return 0;
}

/* "ethtool.rx_ring", or a sysctl key. */
static int parse_knob(struct adapt_rule *r, const char *value, char *err, size_t errsz)
{
	if (!strncmp(value, "ethtool.", 8)) {
		if (strcmp(value, ADAPT_RX_RING_KNOB))
			return util_err(err, errsz, "bad knob '%.80s': of the [ethtool] settings only "
					"%s can be stepped (each interface's receive ring)", value,
					ADAPT_RX_RING_KNOB);
		r->target = ADAPT_TARGET_RX_RING;
	} else if (strlen(value) >= sizeof(r->knob) || !value[0] || strchr(value, '/') ||
		   strstr(value, "..")) {
		return util_err(err, errsz, "bad knob '%.80s': expected a sysctl key such as "
				"net.core.somaxconn, or %s", value, ADAPT_RX_RING_KNOB);
	} else {
		r->target = ADAPT_TARGET_SYSCTL;
	}
	strcpy(r->knob, value);
	return 0;
}

/* interfaces = and drivers =: comma-separated names or globs, as in [ethtool]. */
static int parse_names(char *dst, size_t size, const char *key, const char *value, char *err,
		       size_t errsz)
{
	size_t len = 0;     /* of the name being read */

	for (const char *p = value;; p++) {
		if (*p == ',' || !*p) {
			if (!len)
				break;  /* an empty name */
			if (!*p) {
				if (strlen(value) >= size)
					break;
				strcpy(dst, value);
				return 0;
			}
			len = 0;
		} else if (*p == ' ') {
			continue;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			   (*p >= '0' && *p <= '9') || strchr("_.-*?[]", *p)) {
			len++;
		} else {
			return util_err(err, errsz, "bad %s '%.80s': '%c' is not a name or glob "
					"character", key, value, *p);
		}
	}
	return util_err(err, errsz, "bad %s '%.80s': expected NAME[, NAME...] (globs allowed), "
			"at most %zu characters", key, value, size - 1);
}

int adapt_rule_set(struct adapt_rule *r, const char *key, const char *value, char *err,
		   size_t errsz)
{
	if (!strcmp(key, "knob"))
		return parse_knob(r, value, err, errsz);
	if (!strcmp(key, "interfaces"))
		return parse_names(r->interfaces, sizeof(r->interfaces), key, value, err, errsz);
	if (!strcmp(key, "drivers"))
		return parse_names(r->drivers, sizeof(r->drivers), key, value, err, errsz);
	if (!strcmp(key, "when"))
		return parse_when(r, value, err, errsz);
	if (!strcmp(key, "step"))
		return parse_step(r, value, err, errsz);
	if (!strcmp(key, "floor"))
		return parse_bound(r->floor, key, value, err, errsz);
	if (!strcmp(key, "cap"))
		return parse_bound(r->cap, key, value, err, errsz);
	if (!strcmp(key, "cooldown")) {
		if (!parse_uint(value, 86400, &r->cooldown_s) || r->cooldown_s < 1)
			return util_err(err, errsz, "bad cooldown '%.40s': expected 1 to 86400 seconds",
					value);
		return 0;
	}
	if (!strcmp(key, "guard"))
		return parse_guards(r, value, err, errsz);
	if (!strcmp(key, "judge")) {
		if (strcmp(value, "evidence") && strcmp(value, "guards"))
			return util_err(err, errsz, "bad judge '%.40s': expected evidence (a step "
					"must make the evidence fall) or guards (it must not make a "
					"guard worse)", value);
		r->judge_by_guards = !strcmp(value, "guards");
		return 0;
	}
	if (!strcmp(key, "fields")) {
		if (!strcmp(value, "all")) {
			r->field = 0;
			return 0;
		}
		if (!parse_uint(value, 8, &r->field) || r->field == 0)
			return util_err(err, errsz, "bad fields '%.40s': expected all or 1 to 8", value);
		return 0;
	}
	return util_err(err, errsz, "unknown key '%s' in [adapt.%s]: expected knob, when, step, "
			"floor, cap, cooldown, guard, judge, fields, interfaces or drivers", key, r->name);
}

static bool is_pow2(unsigned long long v)
{
	return v && !(v & (v - 1));
}

/* What a rule on an interface's receive ring must be. */
static int check_ring(const struct adapt_rule *r, char *err, size_t errsz)
{
	const char *bounds[2] = { r->floor, r->cap };

	if (!adapt_metric_per_interface(r->metric))
		return util_err(err, errsz, "[adapt.%s]: %s is stepped per interface on that "
				"interface's own evidence, and %s is not a metric of an interface: "
				"use RxOverruns, RxDrops or TxDrops", r->name, r->knob, r->metric);
	if (r->step != ADAPT_STEP_DOUBLE)
		return util_err(err, errsz, "[adapt.%s]: ring sizes are powers of two: %s takes "
				"step = double", r->name, r->knob);
	if (r->field)
		return util_err(err, errsz, "[adapt.%s]: fields = is for sysctls of several "
				"fields; %s is one number", r->name, r->knob);
	for (int i = 0; i < 2; i++) {
		if (!bounds[i][0] || formula_is_relative(bounds[i]))
			continue;
		if (!is_pow2(strtoull(bounds[i], NULL, 10)))
			return util_err(err, errsz, "[adapt.%s]: %s %s is not a power of two: ring "
					"sizes are (1024, 2048, 4096 ...)", r->name,
					i ? "cap" : "floor", bounds[i]);
	}
	return 0;
}

int adapt_rule_check(const struct adapt_rule *r, char *err, size_t errsz)
{
	const char *missing = !r->knob[0] ? "knob" : !r->metric[0] ? "when" : !r->cap[0] ? "cap"
				: NULL;
	unsigned long long lo, hi;

	if (missing)
		return util_err(err, errsz, "[adapt.%s] has no %s: a rule needs knob, when and cap",
				r->name, missing);
	if (r->target == ADAPT_TARGET_SYSCTL && (r->interfaces[0] || r->drivers[0]))
		return util_err(err, errsz, "[adapt.%s]: %s = chooses the interfaces of %s; "
				"knob = %s is a sysctl, one for the host", r->name,
				r->interfaces[0] ? "interfaces" : "drivers", ADAPT_RX_RING_KNOB,
				r->knob);
	if (r->target == ADAPT_TARGET_RX_RING && check_ring(r, err, errsz))
		return -EINVAL;
	if (r->judge_by_guards && !r->n_guards)
		return util_err(err, errsz, "[adapt.%s]: judge = guards needs a guard = metric: "
				"without one nothing could show that a step did harm", r->name);
	/* Where both are numbers the order can be checked now; formulas per machine. */
	if (r->floor[0] && !formula_is_relative(r->floor) && !formula_is_relative(r->cap)) {
		lo = strtoull(r->floor, NULL, 10);
		hi = strtoull(r->cap, NULL, 10);
		if (hi < lo)
			return util_err(err, errsz, "[adapt.%s]: cap %llu is below floor %llu", r->name,
					hi, lo);
	}
	return 0;
}

int adapt_bound(const char *text, const struct machine_facts *m, uint64_t *out, char *err,
		size_t errsz)
{
	struct formula f;

	*out = 0;
	if (!text[0])
		return 0;
	if (!formula_is_relative(text)) {
		*out = strtoull(text, NULL, 10);
		return 0;
	}
	if (formula_parse(text, &f, err, errsz))
		return -EINVAL;
	return formula_resolve(&f, m, out, NULL, 0, err, errsz);
}

void adapt_step_text(const struct adapt_rule *r, char *buf, size_t size)
{
	if (r->step == ADAPT_STEP_DOUBLE)
		snprintf(buf, size, "double");
	else
		snprintf(buf, size, "%c%g", r->step == ADAPT_STEP_ADD ? '+' : '*', r->step_by);
}

void adapt_rule_text(const struct adapt_rule *r, char *buf, size_t size)
{
	char step[32], field[80] = "";
	size_t off;

	adapt_step_text(r, step, sizeof(step));
	if (r->field)
		snprintf(field, sizeof(field), " (field %u)", r->field);
	if (r->target == ADAPT_TARGET_RX_RING)
		snprintf(field, sizeof(field), " of %.40s (%.20s)",
			 r->interfaces[0] ? r->interfaces : "every interface",
			 r->drivers[0] ? r->drivers : "ena");
	off = (size_t)snprintf(buf, size, "%s%s: when %s > %g/s over %u interval%s, step %s "
			       "within %s..%s%s, cooldown %u s", r->knob, field, r->metric,
			       r->threshold, r->over, r->over == 1 ? "" : "s", step,
			       r->floor[0] ? r->floor : "0", r->cap,
			       r->target == ADAPT_TARGET_RX_RING ?
			       ", the device's maximum and the ring memory budget" : "",
			       r->cooldown_s);
	for (int i = 0; i < r->n_guards && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : ", guards ",
					r->guards[i]);
	if (r->judge_by_guards && off < size)
		snprintf(buf + off, size - off, " (a step is judged by its guards)");
}
