// SPDX-License-Identifier: GPL-2.0-only
/*
 * NVMe statistics per interval (see nvme_stats.h): deltas and the window,
 * metrics, finding and reading the devices, the verdict and the status
 * JSON. The human lines are in nvme_status.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "storage/nvme_read.h"
#include "storage/nvme_stats.h"
#include "identity/inventory.h"
#include "net/ena.h"
#include "core/array.h"
#include "core/jsonutil.h"
#include "core/log.h"

static const struct exceeded_info {
	enum nvme_counter_id counter;
	const char *metric;
	const char *json;
} exceeded[NVME_N_EXCEEDED] = {
	{ NVME_VOL_IOPS_EXCEEDED_US, "VolumeIopsExceeded", "volume_iops" },
	{ NVME_VOL_TP_EXCEEDED_US, "VolumeThroughputExceeded", "volume_throughput" },
	{ NVME_INST_IOPS_EXCEEDED_US, "InstanceIopsExceeded", "instance_iops" },
	{ NVME_INST_TP_EXCEEDED_US, "InstanceThroughputExceeded", "instance_throughput" },
};

static const struct op_info {
	const char *name;       /* "Read" */
	const char *json;       /* "read" */
	enum nvme_counter_id ops, bytes, time;
	const char *host_lat, *host_queue;      /* the block probe's metrics */
} ops[NVME_N_OPS] = {
	[NVME_OP_READ] = { "Read", "read", NVME_READ_OPS, NVME_READ_BYTES, NVME_READ_TIME_US,
			   "ReadLatencyP50", "ReadQueueTimeP50" },
	[NVME_OP_WRITE] = { "Write", "write", NVME_WRITE_OPS, NVME_WRITE_BYTES,
			    NVME_WRITE_TIME_US, "WriteLatencyP50", "WriteQueueTimeP50" },
};

const char *nvme_exceeded_metric(int i)
{
	return i >= 0 && i < NVME_N_EXCEEDED ? exceeded[i].metric : "?";
}

void nvme_stats_init(struct nvme_state *s)
{
	memset(s, 0, sizeof(*s));
	s->window_s = NVME_WINDOW_S;
}

void nvme_stats_free(struct nvme_state *s)
{
	free(s->vols);
	memset(s, 0, sizeof(*s));
}

/* ---- deltas and the window ---- */

/* Any counter lower than before: the page restarted from zero. */
static bool page_restarted(const struct nvme_page *old, const struct nvme_page *now)
{
	for (int i = 0; i < NVME_N_COUNTERS; i++) {
		if (now->counter[i] < old->counter[i])
			return true;
	}
	return false;
}

static bool same_bins(const struct nvme_hist *a, const struct nvme_hist *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n; i++) {
		if (a->bins[i].lower != b->bins[i].lower || a->bins[i].upper != b->bins[i].upper)
			return false;
	}
	return true;
}

/* Per-bin counts of the interval; false when there is no comparable baseline. */
static bool hist_delta(const struct nvme_page *old, const struct nvme_page *now, int op,
		       bool restarted, uint64_t *out)
{
	const struct nvme_hist *a = &old->hist[op], *b = &now->hist[op];

	if (!now->have_hist || (!restarted && (!old->have_hist || !same_bins(a, b))))
		return false;
	for (unsigned int i = 0; i < b->n; i++) {
		struct ena_counter c = { .last = a->bins[i].count, .have = !restarted };

		if (!ena_counter_delta(&c, b->bins[i].count, 32, &out[i]))
			out[i] = b->bins[i].count;
	}
	return true;
}

static void window_push(struct nvme_vol *vol, const struct nvme_slot *slot)
{
	vol->slots[vol->head] = *slot;
	vol->head = (vol->head + 1) % NVME_WINDOW_SLOTS;
	if (vol->used < NVME_WINDOW_SLOTS)
		vol->used++;
}

double nvme_window_pct(const struct nvme_vol *vol, int i, uint64_t now_ms,
		       unsigned int window_s, uint64_t *covered_ms)
{
	uint64_t since = now_ms > window_s * 1000ULL ? now_ms - window_s * 1000ULL : 0;
	uint64_t sum = 0, span = 0;
	double pct;

	*covered_ms = 0;
	if (i < 0 || i >= NVME_N_EXCEEDED)
		return 0;
	for (size_t k = 0; k < vol->used; k++) {
		const struct nvme_slot *sl = &vol->slots[(vol->head + NVME_WINDOW_SLOTS - 1 - k) %
							 NVME_WINDOW_SLOTS];

		if (sl->end_ms <= since)
			break;      /* newest first: the rest is older */
		sum += sl->exceeded_us[i];
		span += sl->end_ms - sl->start_ms;
	}
	*covered_ms = span;
	if (!span)
		return 0;
	pct = (double)sum / 1000.0 / (double)span * 100.0;
	return pct > 100 ? 100 : pct;
}

static int add(struct metric_entity *e, const char *name, enum metric_unit unit, double v)
{
	return e ? metric_add(e, name, unit, v) : 0;
}

/*
 * The device's latency histogram of the interval as a distribution: each
 * bin with operations as its midpoint (the top bin, open above, as its
 * lower bound), so CloudWatch can take any percentile over any set of
 * volumes; a value is at most half its bin's width off. The sum is the
 * device's exact time where known (mean_us), else the values' own.
 */
static bool hist_dist(const struct nvme_hist *h, const uint64_t *bins, double mean_us,
		      struct metric_dist *d)
{
	memset(d, 0, sizeof(*d));
	for (unsigned int i = 0; i < h->n && d->n < METRIC_DIST_MAX; i++) {
		const struct nvme_hist_bin *b = &h->bins[i];
		double v = b->upper > b->lower && b->upper != UINT64_MAX ?
			   ((double)b->lower + (double)b->upper) / 2 : (double)b->lower;

		if (!bins[i])
			continue;
		d->count += (double)bins[i];
		d->sum += v * (double)bins[i];
		/* Values must rise: a bin no higher than the last joins it. */
		if (d->n && v <= d->values[d->n - 1]) {
			d->counts[d->n - 1] += (double)bins[i];
			continue;
		}
		d->values[d->n] = v;
		d->counts[d->n++] = (double)bins[i];
	}
	if (!d->n)
		return false;
	d->min = d->values[0];
	d->max = d->values[d->n - 1];
	if (mean_us > 0)
		d->sum = mean_us * d->count;
	return true;
}

/* The latency view and metrics of one operation for this interval. */
static int op_update(struct nvme_vol *vol, const struct nvme_page *old,
		     const struct nvme_page *page, int op, const uint64_t *delta, bool restarted,
		     struct metric_entity *e)
{
	const struct op_info *o = &ops[op];
	struct nvme_lat *l = &vol->lat[op];
	uint64_t bins[NVME_HIST_BINS_MAX] = { 0 };
	char name[METRIC_NAME_MAX];
	struct metric_dist dist;
	int ret;

	memset(l, 0, sizeof(*l));
	l->ops = delta[o->ops];
	snprintf(name, sizeof(name), "Device%sOps", o->name);
	ret = add(e, name, UNIT_COUNT, (double)delta[o->ops]);
	snprintf(name, sizeof(name), "Device%sBytes", o->name);
	if (!ret)
		ret = add(e, name, UNIT_BYTES, (double)delta[o->bytes]);
	if (!ret && l->ops) {
		l->have_mean = true;
		l->mean_us = (double)delta[o->time] / (double)l->ops;
		snprintf(name, sizeof(name), "Device%sLatencyMean", o->name);
		ret = add(e, name, UNIT_MICROSECONDS, l->mean_us);
	}
	if (ret || !hist_delta(old, page, op, restarted, bins) ||
	    !nvme_hist_quantile(&page->hist[op], bins, 0.5, &l->p50_us))
		return ret;
	if (e && hist_dist(&page->hist[op], bins, l->have_mean ? l->mean_us : 0, &dist)) {
		snprintf(name, sizeof(name), "Device%sLatency", o->name);
		ret = metric_add_dist(e, name, UNIT_MICROSECONDS, &dist);
		if (ret)
			return ret;
	}
	l->have_p50 = true;
	nvme_hist_quantile(&page->hist[op], bins, 0.9, &l->p90_us);
	nvme_hist_quantile(&page->hist[op], bins, 0.99, &l->p99_us);
	snprintf(name, sizeof(name), "Device%sLatencyP50", o->name);
	ret = add(e, name, UNIT_MICROSECONDS, (double)l->p50_us);
	snprintf(name, sizeof(name), "Device%sLatencyP90", o->name);
	if (!ret)
		ret = add(e, name, UNIT_MICROSECONDS, (double)l->p90_us);
	snprintf(name, sizeof(name), "Device%sLatencyP99", o->name);
	if (!ret)
		ret = add(e, name, UNIT_MICROSECONDS, (double)l->p99_us);
	return ret;
}

static double larger(double a, double b)
{
	return a > b ? a : b;
}

/*
 * The interval's exceeded shares, each counter's metric, and the basic
 * VolumeLimitExceeded: the larger of the volume's two shares (a lower bound
 * of the time over either limit: the page does not say how they overlap).
 */
static int exceeded_update(struct nvme_vol *vol, const uint64_t *delta, uint64_t us,
			   struct metric_entity *e)
{
	int ret = 0;

	for (int i = 0; i < NVME_N_EXCEEDED; i++) {
		double pct = (double)delta[exceeded[i].counter] / (double)us * 100.0;

		vol->shares[i] = pct > 100 ? 100 : pct;
	}
	vol->have_shares = true;
	for (int i = 0; i < NVME_N_EXCEEDED && !ret; i++) {
		if (i < 2 && vol->kind != NVME_PAGE_EBS)
			continue;   /* an instance-store device has no volume limits */
		ret = add(e, exceeded[i].metric, UNIT_PERCENT, vol->shares[i]);
	}
	if (!ret && vol->kind == NVME_PAGE_EBS)
		ret = add(e, "VolumeLimitExceeded", UNIT_PERCENT,
			  larger(vol->shares[0], vol->shares[1]));
	return ret;
}

int nvme_vol_update(struct nvme_vol *vol, const struct nvme_page *page, uint64_t now_ms,
		    struct metric_entity *e)
{
	struct nvme_slot slot = { .start_ms = vol->last_ms, .end_ms = now_ms };
	uint64_t delta[NVME_N_COUNTERS];
	bool restarted;
	int ret = 0;

	vol->err = 0;
	vol->error[0] = '\0';
	vol->kind = page->kind;
	vol->queue_length = page->queue_length;
	vol->have_shares = false;
	if (!vol->have_page || now_ms <= vol->last_ms) {
		/* the baseline: nothing to compare with yet */
		memset(vol->lat, 0, sizeof(vol->lat));
		goto keep;
	}
	restarted = page_restarted(&vol->page, page);
	vol->resets += restarted;
	for (int i = 0; i < NVME_N_COUNTERS; i++)
		delta[i] = restarted ? page->counter[i] : page->counter[i] - vol->page.counter[i];
	for (int i = 0; i < NVME_N_EXCEEDED; i++)
		slot.exceeded_us[i] = delta[exceeded[i].counter];
	ret = exceeded_update(vol, delta, (now_ms - vol->last_ms) * 1000, e);
	if (!ret)
		ret = add(e, "VolumeQueueLength", UNIT_COUNT, (double)page->queue_length);
	for (int op = 0; op < NVME_N_OPS && !ret; op++)
		ret = op_update(vol, &vol->page, page, op, delta, restarted, e);
	window_push(vol, &slot);
keep:
	vol->page = *page;
	vol->have_page = true;
	vol->last_ms = now_ms ? now_ms : 1;
	return ret;
}

bool nvme_instance_exceeded(const struct nvme_state *s, double *pct)
{
	bool any = false;

	*pct = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct nvme_vol *vol = &s->vols[i];

		if (vol->kind != NVME_PAGE_EBS || !vol->have_shares)
			continue;
		*pct = larger(*pct, larger(vol->shares[2], vol->shares[3]));
		any = true;
	}
	return any;
}

void nvme_vol_fail(struct nvme_vol *vol, int err, const char *why)
{
	vol->err = err ? err : -EIO;
	snprintf(vol->error, sizeof(vol->error), "%s", why);
	memset(vol->lat, 0, sizeof(vol->lat));
	vol->have_shares = false;
}

/* ---- collecting ---- */

static struct nvme_vol *vol_get(struct nvme_state *s, const char *dev, const char *id)
{
	struct nvme_vol *vol;

	for (size_t i = 0; i < s->n; i++) {
		vol = &s->vols[i];
		if (strcmp(vol->dev, dev))
			continue;
		if (strcmp(vol->id, id)) {      /* another volume behind this name */
			memset(vol, 0, sizeof(*vol));
			goto name;
		}
		return vol;
	}
	vol = array_grow(s->vols, &s->cap, s->n + 1, sizeof(*vol), 4);
	if (!vol)
		return NULL;
	s->vols = vol;
	vol = &s->vols[s->n++];
	memset(vol, 0, sizeof(*vol));
name:
	snprintf(vol->dev, sizeof(vol->dev), "%s", dev);
	snprintf(vol->id, sizeof(vol->id), "%s", id);
	return vol;
}

static void forget_unseen(struct nvme_state *s)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (!s->vols[i].seen)
			continue;
		if (k != i)
			s->vols[k] = s->vols[i];
		k++;
	}
	s->n = k;
}

/* The block probe's host-side latency of this interval, from its entity. */
static void host_latency(struct nvme_vol *vol, const struct metric_entity *e)
{
	for (int op = 0; op < NVME_N_OPS && e; op++) {
		struct nvme_lat *l = &vol->lat[op];

		l->have_host = metric_find(e, ops[op].host_lat, &l->host_us);
		if (l->have_host && !metric_find(e, ops[op].host_queue, &l->host_queue_us))
			l->host_queue_us = 0;
	}
}

/* Logged when a device's error changes, not every interval. */
static void note_error(struct nvme_vol *vol, int ret, const char *why)
{
	if (strcmp(vol->error, why))
		log_warn("NVMe statistics of %s (%s) not read: %s", vol->dev, vol->id, why);
	nvme_vol_fail(vol, ret, why);
}

static int collect_one(struct nvme_vol *vol, const struct pa_paths *paths, uint64_t now_ms,
		       struct metric_set *set, const char *volume_id)
{
	unsigned char buf[NVME_STATS_PAGE_SIZE];
	struct metric_entity *e = NULL;
	struct nvme_page page;
	char why[256];
	size_t len;
	int ret;

	ret = nvme_read_page(paths, vol->dev, buf, sizeof(buf), &len, why, sizeof(why));
	if (!ret)
		ret = nvme_page_parse(buf, len, &page, why, sizeof(why));
	if (ret) {
		note_error(vol, ret, why);
		return 0;
	}
	if (vol->err)
		log_info("NVMe statistics of %s (%s) read again", vol->dev, vol->id);
	if (set) {
		e = metric_set_entity(set, ENTITY_BLOCK_DEVICE, vol->dev);
		if (!e)
			return -ENOMEM;
		if (volume_id[0])
			snprintf(e->volume_id, sizeof(e->volume_id), "%s", volume_id);
	}
	ret = nvme_vol_update(vol, &page, now_ms, e);
	host_latency(vol, e);
	return ret;
}

static int dev_filter(const struct dirent *d)
{
	return (!strncmp(d->d_name, "nvme", 4) || !strncmp(d->d_name, "xvd", 3)) &&
	       strlen(d->d_name) < sizeof(((struct nvme_vol *)0)->dev);
}

static int collect_dev(struct nvme_state *s, const struct pa_paths *paths, const char *name,
		       uint64_t now_ms, struct metric_set *set)
{
	struct inv_blockdev bd;
	struct nvme_vol *vol;
	bool ebs;

	inventory_read_blockdev(paths, name, &bd);
	ebs = !strcmp(bd.kind, "ebs");
	if (!strncmp(name, "xvd", 3)) {
		if (!(vol = vol_get(s, name, "")))
			return -ENOMEM;
		vol->seen = vol->xen = true;
		return 0;
	}
	if (!ebs && strcmp(bd.kind, "instance-store"))
		return 0;   /* another NVMe device: no Amazon page */
	vol = vol_get(s, name, ebs && bd.ebs_volume_id[0] ? bd.ebs_volume_id : bd.serial);
	if (!vol)
		return -ENOMEM;
	vol->seen = true;
	vol->kind = ebs ? NVME_PAGE_EBS : NVME_PAGE_STORE;
	return collect_one(vol, paths, now_ms, set, ebs ? bd.ebs_volume_id : "");
}

/* EbsInstanceLimitExceeded on the instance's entity, when a volume measured the interval. */
static int add_instance_exceeded(const struct nvme_state *s, struct metric_set *set)
{
	struct metric_entity *inst;
	double pct;

	if (!set || !nvme_instance_exceeded(s, &pct))
		return 0;
	inst = metric_set_entity(set, ENTITY_INSTANCE, "");
	return inst ? metric_add(inst, "EbsInstanceLimitExceeded", UNIT_PERCENT, pct) : -ENOMEM;
}

int nvme_stats_collect(struct nvme_state *s, const struct pa_paths *paths, uint64_t now_ms,
		       struct metric_set *set)
{
	char dir[PATH_MAX];
	struct dirent **list = NULL;
	int n, ret = 0;

	/* have_shares: each device's update or failure below says it anew. */
	for (size_t i = 0; i < s->n; i++)
		s->vols[i].seen = false;
	if (paths_sys(paths, dir, sizeof(dir), "/sys/block"))
		return 0;
	n = scandir(dir, &list, dev_filter, versionsort);
	for (int i = 0; i < n; i++) {
		if (!ret)
			ret = collect_dev(s, paths, list[i]->d_name, now_ms, set);
		free(list[i]);
	}
	free(list);
	forget_unseen(s);
	return ret ? ret : add_instance_exceeded(s, set);
}

/* ---- the verdict ---- */

/* "the last minute", "the last 5 min", "the last 40 s" */
static void span_words(uint64_t ms, char *buf, size_t size)
{
	uint64_t s = (ms + 500) / 1000;

	if (s >= 55 && s <= 65)
		snprintf(buf, size, "the last minute");
	else if (s >= 90)
		snprintf(buf, size, "the last %" PRIu64 " min", (s + 30) / 60);
	else
		snprintf(buf, size, "the last %" PRIu64 " s", s ? s : 1);
}

static const char *const limit_words[NVME_N_EXCEEDED] = {
	"over its provisioned IOPS %.0f%% of %s: the volume is the limit; consider more IOPS "
	"or gp3 throughput",
	"over its provisioned throughput %.0f%% of %s: the volume is the limit; consider more "
	"gp3 throughput or a volume type with more",
	"at the instance's EBS IOPS limit %.0f%% of %s: the instance's EBS bandwidth is the "
	"limit, not the volume; consider an instance type with more EBS IOPS",
	"at the instance's EBS throughput limit %.0f%% of %s: the instance's EBS bandwidth is "
	"the limit, not the volume; consider an instance type with more EBS bandwidth",
};

static const char *const store_words[2] = {
	"at the device's IOPS limit %.0f%% of %s: this instance-store device is the limit; "
	"spread the I/O over more devices or use a larger type",
	"at the device's throughput limit %.0f%% of %s: this instance-store device is the "
	"limit; spread the I/O over more devices or use a larger type",
};

/* The most-used operation with both a device and a host latency; -1: none. */
static int host_comparable(const struct nvme_vol *vol, double *device_us)
{
	int best = -1;

	for (int op = 0; op < NVME_N_OPS; op++) {
		const struct nvme_lat *l = &vol->lat[op];

		if (!l->ops || !l->have_host || !(l->have_p50 || l->have_mean))
			continue;
		if (best < 0 || l->ops > vol->lat[best].ops)
			best = op;
	}
	if (best >= 0)
		*device_us = vol->lat[best].have_p50 ? (double)vol->lat[best].p50_us :
			     vol->lat[best].mean_us;
	return best;
}

static int latency_verdict(const struct nvme_vol *vol, const char *span, const char **limit,
			   char *buf, size_t size)
{
	double dev_us, host_us;
	int op = host_comparable(vol, &dev_us), n;
	const struct nvme_lat *l;

	*limit = "none";
	if (op < 0)
		return snprintf(buf, size, "no limit reached in %s", span) >= (int)size ? -E2BIG : 0;
	l = &vol->lat[op];
	host_us = l->host_us + l->host_queue_us;
	if (host_us >= NVME_HOST_FACTOR * dev_us && host_us - dev_us >= NVME_HOST_GAP_US) {
		*limit = "host";
		n = snprintf(buf, size, "device latency normal; the wait is in the host: %ss take "
			     "%.0f us at the device (p50), %.0f us in the host (block layer queue "
			     "%.0f us): look at the I/O scheduler, the queue depth and CPU load",
			     ops[op].json, dev_us, host_us, l->host_queue_us);
	} else {
		n = snprintf(buf, size, "no limit reached in %s; %ss take %.0f us at the device "
			     "(p50), %.0f us in the host", span, ops[op].json, dev_us, host_us);
	}
	return n < 0 || (size_t)n >= size ? -E2BIG : 0;
}

int nvme_verdict(const struct nvme_vol *vol, uint64_t now_ms, unsigned int window_s,
		 const char **limit, char *buf, size_t size)
{
	double best = 0, pct;
	uint64_t cov, covered = 0;
	char span[32];
	int which = -1, n;

	*limit = "";
	buf[0] = '\0';
	if (vol->xen || vol->err || !vol->used)
		return 0;
	for (int i = 0; i < NVME_N_EXCEEDED; i++) {
		if (i < 2 && vol->kind != NVME_PAGE_EBS)
			continue;
		pct = nvme_window_pct(vol, i, now_ms, window_s, &cov);
		covered = cov > covered ? cov : covered;
		if (pct >= NVME_LIMIT_PCT && pct > best) {
			best = pct;
			which = i;
		}
	}
	span_words(covered, span, sizeof(span));
	if (which < 0)
		return latency_verdict(vol, span, limit, buf, size);
	*limit = exceeded[which].json;
	n = snprintf(buf, size, vol->kind == NVME_PAGE_EBS ? limit_words[which] :
		     store_words[which - 2], best, span);
	return n < 0 || (size_t)n >= size ? -E2BIG : 0;
}

/* ---- status JSON ---- */

static struct json_object *u64_json(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static void put(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *lat_json(const struct nvme_lat *l)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	put(o, "ops", u64_json(l->ops));
	put(o, "device_mean", l->have_mean ? json_object_new_double(l->mean_us) : NULL);
	put(o, "device_p50", l->have_p50 ? u64_json(l->p50_us) : NULL);
	put(o, "device_p90", l->have_p50 ? u64_json(l->p90_us) : NULL);
	put(o, "device_p99", l->have_p50 ? u64_json(l->p99_us) : NULL);
	put(o, "host_p50", l->have_host ? json_object_new_double(l->host_us) : NULL);
	put(o, "host_queue_p50", l->have_host ? json_object_new_double(l->host_queue_us) : NULL);
	return o;
}

static const char *state_of(const struct nvme_vol *vol)
{
	if (vol->xen)
		return "unsupported";
	if (vol->err)
		return "unavailable";
	return vol->used ? "ok" : "waiting";
}

static struct json_object *vol_json(const struct nvme_vol *vol, uint64_t now_ms,
				    unsigned int window_s)
{
	struct json_object *o = json_object_new_object(), *pct = json_object_new_object();
	struct json_object *lat = json_object_new_object();
	uint64_t cov, covered = 0;
	const char *limit;
	char verdict[512];

	if (!o || !pct || !lat) {
		json_object_put(o);
		json_object_put(pct);
		json_object_put(lat);
		return NULL;
	}
	for (int i = 0; i < NVME_N_EXCEEDED; i++) {
		double p = nvme_window_pct(vol, i, now_ms, window_s, &cov);
		bool na = i < 2 && vol->kind != NVME_PAGE_EBS;

		covered = cov > covered ? cov : covered;
		put(pct, exceeded[i].json, na || !vol->used ? NULL : json_object_new_double(p));
	}
	for (int op = 0; op < NVME_N_OPS; op++)
		put(lat, ops[op].json, lat_json(&vol->lat[op]));
	nvme_verdict(vol, now_ms, window_s, &limit, verdict, sizeof(verdict));
	put(o, "device", json_object_new_string(vol->dev));
	put(o, "id", json_str_or_null(vol->id));
	put(o, "kind", json_object_new_string(vol->xen ? "xen" : nvme_page_kind_name(vol->kind)));
	put(o, "state", json_object_new_string(state_of(vol)));
	put(o, "error", vol->xen ? json_object_new_string("a Xen block device: detailed EBS "
		"statistics exist only for NVMe devices on Nitro instances") :
	    json_str_or_null(vol->error));
	put(o, "covered_s", u64_json((covered + 500) / 1000));
	put(o, "exceeded_pct", pct);
	put(o, "queue_length", vol->have_page ? u64_json(vol->queue_length) : NULL);
	put(o, "resets", u64_json(vol->resets));
	put(o, "histograms", vol->have_page && !vol->page.have_hist ?
	    json_object_new_string(vol->page.hist_note) : NULL);
	put(o, "latency_us", lat);
	put(o, "limit", json_str_or_null(limit));
	put(o, "verdict", json_str_or_null(verdict));
	return o;
}

struct json_object *nvme_status_json(const struct nvme_state *s, uint64_t now_ms)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();

	if (!o || !arr) {
		json_object_put(o);
		json_object_put(arr);
		return NULL;
	}
	put(o, "window_s", u64_json(s->window_s));
	put(o, "limit_pct", json_object_new_double(NVME_LIMIT_PCT));
	put(o, "volumes", arr);
	for (size_t i = 0; i < s->n; i++) {
		struct json_object *v = vol_json(&s->vols[i], now_ms, s->window_s);

		if (!v || json_object_array_add(arr, v)) {
			json_object_put(v);
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}
