// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/net/softnet_stat per CPU (see softnet.h): parsing both formats,
 * per-CPU deltas, the host-wide sums and the worst CPU, metrics and status.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/jsonutil.h"
#include "net/softnet.h"

#define SOFTNET_COLUMNS_MAX 32

int softnet_parse_line(const char *line, unsigned int position, struct softnet_row *row)
{
	unsigned long long col[SOFTNET_COLUMNS_MAX];
	const char *p = line;
	int n = 0;

	while (n < SOFTNET_COLUMNS_MAX) {
		char *end;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n')
			break;
		errno = 0;
		col[n] = strtoull(p, &end, 16);
		/* a counter the kernel prints as %08x: anything wider is not this file */
		if (errno || end == p || (*end && *end != ' ' && *end != '\t' && *end != '\n') ||
		    col[n] > UINT32_MAX)
			return -EINVAL;
		p = end;
		n++;
	}
	if (n < 3)
		return -EINVAL;
	row->dropped = (uint32_t)col[1];
	row->squeezed = (uint32_t)col[2];
	row->cpu_column = n >= SOFTNET_CPU_COLUMN;
	row->cpu = row->cpu_column ? (unsigned int)col[SOFTNET_CPU_COLUMN - 1] : position;
	/* no kernel has more (NR_CPUS is at most 8192): the line is not a CPU's */
	return row->cpu < SOFTNET_CPU_MAX ? 0 : -EINVAL;
}

void softnet_free(struct softnet_state *s)
{
	free(s->cpus);
	memset(s, 0, sizeof(*s));
}

static struct softnet_cpu *cpu_get(struct softnet_state *s, unsigned int cpu)
{
	struct softnet_cpu *c;

	for (size_t i = 0; i < s->n; i++) {
		if (s->cpus[i].cpu == cpu)
			return &s->cpus[i];
	}
	c = array_grow(s->cpus, &s->cap, s->n + 1, sizeof(*c), 64);
	if (!c)
		return NULL;
	s->cpus = c;
	c = &s->cpus[s->n++];
	memset(c, 0, sizeof(*c));
	c->cpu = cpu;
	return c;
}

static void forget_unseen(struct softnet_state *s)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->cpus[i].seen)
			s->cpus[k++] = s->cpus[i];
	}
	s->n = k;
}

/* Checks every line before any state changes, so a torn read changes nothing. */
static int check_text(const char *text)
{
	struct softnet_row row;
	unsigned int pos = 0;

	for (const char *p = text; *p; pos++) {
		const char *nl = strchr(p, '\n');

		if (softnet_parse_line(p, pos, &row))
			return -EINVAL;
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}

static void worst(int *cpu, uint64_t *max, unsigned int this, uint64_t d)
{
	if (d > *max) {
		*max = d;
		*cpu = (int)this;
	}
}

int softnet_update(struct softnet_state *s, const char *text, double seconds,
		   struct softnet_interval *iv)
{
	bool first = !s->n;
	unsigned int pos = 0;

	if (check_text(text))
		return -EINVAL;
	memset(iv, 0, sizeof(*iv));
	iv->worst_drop_cpu = iv->worst_squeeze_cpu = -1;
	iv->seconds = seconds;
	for (size_t i = 0; i < s->n; i++)
		s->cpus[i].seen = false;
	for (const char *p = text; *p; pos++) {
		const char *nl = strchr(p, '\n');
		struct softnet_row row;
		struct softnet_cpu *c;
		uint64_t dd, ds;

		softnet_parse_line(p, pos, &row);
		s->cpu_column = row.cpu_column;
		if (!(c = cpu_get(s, row.cpu)))
			return -ENOMEM;
		if (c->seen)
			goto next;      /* a CPU listed twice: its first line counts */
		c->seen = true;
		/* both or neither: a CPU's two counters get their baseline together */
		if (ena_counter_delta(&c->dropped, row.dropped, SOFTNET_BITS, &dd) &
		    ena_counter_delta(&c->squeezed, row.squeezed, SOFTNET_BITS, &ds)) {
			iv->cpus++;
			iv->dropped += dd;
			iv->squeezed += ds;
			worst(&iv->worst_drop_cpu, &iv->worst_drop, row.cpu, dd);
			worst(&iv->worst_squeeze_cpu, &iv->worst_squeeze, row.cpu, ds);
		}
next:
		if (!nl)
			break;
		p = nl + 1;
	}
	forget_unseen(s);
	if (first)
		return 0;
	s->last = *iv;
	s->have_interval = true;
	s->intervals++;
	s->total_dropped += iv->dropped;
	s->total_squeezed += iv->squeezed;
	return 1;
}

int softnet_add_metrics(const struct softnet_interval *iv, struct metric_entity *inst)
{
	double sec = iv->seconds > 0 ? iv->seconds : 1;
	int ret;

	ret = metric_add(inst, "SoftnetDrops", UNIT_COUNT_PER_SECOND, (double)iv->dropped / sec);
	if (!ret)
		ret = metric_add(inst, "SoftnetTimeSqueezes", UNIT_COUNT_PER_SECOND,
				 (double)iv->squeezed / sec);
	/* the busiest CPU: one saturated CPU hides in the host-wide sum */
	if (!ret)
		ret = metric_add(inst, "SoftnetDropsWorstCpu", UNIT_COUNT_PER_SECOND,
				 (double)iv->worst_drop / sec);
	if (!ret)
		ret = metric_add(inst, "SoftnetTimeSqueezesWorstCpu", UNIT_COUNT_PER_SECOND,
				 (double)iv->worst_squeeze / sec);
	return ret;
}

/* ---- status ---- */

static struct json_object *u64_json(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static struct json_object *cpu_json(int cpu)
{
	return cpu < 0 ? NULL : json_object_new_int(cpu);
}

static void add_finding(struct json_object *arr, const char *counter, const char *msg)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return;
	json_object_object_add(o, "counter", json_object_new_string(counter));
	json_object_object_add(o, "message", json_object_new_string(msg));
	if (json_object_array_add(arr, o))
		json_object_put(o);
}

static void findings(const struct softnet_interval *iv, struct json_object *arr)
{
	char n[32], w[32], msg[512];

	if (iv->dropped) {
		ena_format_count(iv->dropped, n, sizeof(n));
		ena_format_count(iv->worst_drop, w, sizeof(w));
		snprintf(msg, sizeof(msg), "%s packet%s dropped in the last interval, %s of them "
			 "on CPU %d: a CPU's input backlog was full (net.core.netdev_max_backlog); "
			 "raise it (the base profile's softnet-backlog rule does) or spread receive "
			 "work over more CPUs (more queues, RPS)", n, iv->dropped == 1 ? "" : "s",
			 w, iv->worst_drop_cpu);
		add_finding(arr, "dropped", msg);
	}
	if (iv->squeezed) {
		ena_format_count(iv->squeezed, n, sizeof(n));
		ena_format_count(iv->worst_squeeze, w, sizeof(w));
		snprintf(msg, sizeof(msg), "the receive softirq ran out of budget %s time%s in the "
			 "last interval, %s on CPU %d: packets waited for its next round; raise "
			 "net.core.netdev_budget and netdev_budget_usecs (the base profile's "
			 "softnet-budget and softnet-time rules do)", n, iv->squeezed == 1 ? "" : "s", w,
			 iv->worst_squeeze_cpu);
		add_finding(arr, "time_squeeze", msg);
	}
}

struct json_object *softnet_status_json(const struct softnet_state *s)
{
	struct json_object *o = json_object_new_object(), *since = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	const struct softnet_interval *iv = &s->last;
	bool h = s->have_interval;

	if (!o || !since || !arr) {
		json_object_put(o);
		json_object_put(since);
		json_object_put(arr);
		return NULL;
	}
	json_object_object_add(o, "intervals", u64_json(s->intervals));
	json_object_object_add(o, "cpus", u64_json(s->n));
	json_object_object_add(o, "cpu_numbers", json_object_new_boolean(s->cpu_column));
	json_object_object_add(o, "interval_s", h ? json_object_new_double(iv->seconds) : NULL);
	json_object_object_add(o, "dropped", h ? u64_json(iv->dropped) : NULL);
	json_object_object_add(o, "squeezed", h ? u64_json(iv->squeezed) : NULL);
	json_object_object_add(o, "worst_drop_cpu", h ? cpu_json(iv->worst_drop_cpu) : NULL);
	json_object_object_add(o, "worst_drop", h ? u64_json(iv->worst_drop) : NULL);
	json_object_object_add(o, "worst_squeeze_cpu",
			       h ? cpu_json(iv->worst_squeeze_cpu) : NULL);
	json_object_object_add(o, "worst_squeeze", h ? u64_json(iv->worst_squeeze) : NULL);
	json_object_object_add(since, "dropped", u64_json(s->total_dropped));
	json_object_object_add(since, "squeezed", u64_json(s->total_squeezed));
	json_object_object_add(o, "since_start", since);
	json_object_object_add(o, "error", s->error[0] ? json_object_new_string(s->error) : NULL);
	if (h)
		findings(iv, arr);
	json_object_object_add(o, "findings", arr);
	return o;
}

#define LABEL "%-12s "

void softnet_status_print(struct json_object *sn, FILE *out)
{
	struct json_object *f = json_at_array(sn, "findings");
	size_t n = json_at_len(f, "");
	char d[32], q[32];

	if (!sn)
		return;
	if (json_at(sn, "error")) {
		fprintf(out, LABEL "/proc/net/softnet_stat: %s; drops and time squeezes of the "
			"receive softirq are not measured\n", "softnet", json_at_str(sn, "error", ""));
		return;
	}
	if (!json_at(sn, "dropped")) {
		fprintf(out, LABEL "no interval measured yet\n", "softnet");
		return;
	}
	ena_format_count((uint64_t)json_at_int(sn, "since_start.dropped"), d, sizeof(d));
	ena_format_count((uint64_t)json_at_int(sn, "since_start.squeezed"), q, sizeof(q));
	if (!n)
		fprintf(out, LABEL "no drops or time squeezes on %lld CPUs in the last interval "
			"(since start: %s dropped, %s squeezed)\n", "softnet",
			(long long)json_at_int(sn, "cpus"), d, q);
	for (size_t i = 0; i < n; i++)
		fprintf(out, LABEL "%s\n", i ? "" : "softnet",
			json_at_str(json_object_array_get_idx(f, i), "message", ""));
}
