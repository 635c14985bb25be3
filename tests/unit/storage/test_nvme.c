// SPDX-License-Identifier: GPL-2.0-only
/*
 * storage/: the statistics log-page fixtures (tests/fixtures/nvme, built by
 * mkpage.py from the documented layout) through the parser; deltas across
 * a restart, a 32-bit histogram wrap and a failed read; the metrics, the
 * window and the verdicts (volume, instance, instance store, host); the
 * daemon's collection on a fake tree (pages as files, a FIFO refused, a
 * missing page); the status JSON and its human lines.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "storage/nvme_page.h"
#include "storage/nvme_stats.h"
#include "core/util.h"

#define FIXTURES "tests/fixtures/nvme/"
#define S 1000ULL       /* ms */

static size_t load(const char *name, unsigned char *buf, size_t size)
{
	char path[PATH_MAX];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, size, f);
	fclose(f);
	return n;
}

static int parse(const char *name, struct nvme_page *p, char *err, size_t errsz)
{
	unsigned char buf[8192];
	size_t n = load(name, buf, sizeof(buf));

	err[0] = '\0';
	return nvme_page_parse(buf, n, p, err, errsz);
}

static void page_of(const char *name, struct nvme_page *p)
{
	char err[256];

	assert_int_equal(parse(name, p, err, sizeof(err)), 0);
}

static double metric(const struct metric_entity *e, const char *name)
{
	double v;

	if (!metric_find(e, name, &v))
		fail_msg("no metric %s", name);
	return v;
}

/* ---- parsing ---- */

static void test_parse_ebs(void **state)
{
	struct nvme_page p;

	page_of("ebs_t1.bin", &p);
	assert_int_equal(p.kind, NVME_PAGE_EBS);
	assert_int_equal(p.version, 0);
	assert_int_equal(p.counter[NVME_READ_OPS], 121000);
	assert_int_equal(p.counter[NVME_WRITE_BYTES], 106496000);
	assert_int_equal(p.counter[NVME_VOL_IOPS_EXCEEDED_US], 26000000);
	assert_int_equal(p.counter[NVME_INST_TP_EXCEEDED_US], 600000);
	assert_int_equal(p.queue_length, 32);
	assert_true(p.have_hist);
	assert_int_equal(p.hist[NVME_OP_READ].n, 15);
	assert_int_equal(p.hist[NVME_OP_READ].bins[3].lower, 256);
	assert_int_equal(p.hist[NVME_OP_READ].bins[3].upper, 512);
	assert_int_equal(p.hist[NVME_OP_READ].bins[3].count, 60900);
	assert_int_equal(p.hist[NVME_OP_WRITE].bins[4].count, 6500);
	assert_string_equal(nvme_counter_field(NVME_INST_IOPS_EXCEEDED_US),
			    "ec2_instance_ebs_performance_exceeded_iops");
}

static void test_parse_bad(void **state)
{
	struct nvme_page p;
	char err[256];

	assert_int_equal(parse("truncated.bin", &p, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "truncated: 80 bytes"));
	assert_int_equal(parse("unknown_version.bin", &p, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "version 7 is newer than this perfagent reads"));
	assert_int_equal(parse("bad_magic.bin", &p, err, sizeof(err)), -ENOMSG);
	assert_non_null(strstr(err, "magic 0x12345678"));
	/* Counters kept, histograms refused with the reason. */
	assert_int_equal(parse("bad_bins.bin", &p, err, sizeof(err)), 0);
	assert_int_equal(p.counter[NVME_READ_OPS], 5);
	assert_false(p.have_hist);
	assert_non_null(strstr(p.hist_note, "claims 65 bins"));
	/* A page cut after its counters: counters, no histograms. */
	assert_int_equal(parse("ebs_head_only.bin", &p, err, sizeof(err)), 0);
	assert_int_equal(p.counter[NVME_READ_OPS], 42);
	assert_false(p.have_hist);
	assert_non_null(strstr(p.hist_note, "ends before its histograms"));
	assert_int_equal(nvme_page_parse("", 0, &p, err, sizeof(err)), -EBADMSG);
}

static void test_parse_store(void **state)
{
	struct nvme_page p;

	page_of("store_t1.bin", &p);
	assert_int_equal(p.kind, NVME_PAGE_STORE);
	assert_int_equal(p.counter[NVME_READ_OPS], 50100);
	assert_int_equal(p.counter[NVME_INST_IOPS_EXCEEDED_US], 6000000);
	assert_int_equal(p.queue_length, 7);
	assert_false(p.have_hist);
	assert_non_null(strstr(p.hist_note, "instance-store histograms are not read"));
}

/* ---- deltas, metrics, verdicts ---- */

struct run {
	struct nvme_vol vol;
	struct metric_set set;
	struct metric_entity *e;
};

/* Feeds the fixtures in order, at+60 s each; e holds the last interval's metrics. */
static void feed(struct run *r, uint64_t at_ms, const char *name)
{
	struct nvme_page p;

	page_of(name, &p);
	metric_set_free(&r->set);
	metric_set_init(&r->set, 0, 60);
	r->e = metric_set_entity(&r->set, ENTITY_BLOCK_DEVICE, "nvme1n1");
	assert_non_null(r->e);
	assert_int_equal(nvme_vol_update(&r->vol, &p, at_ms, r->e), 0);
}

static void verdict(const struct run *r, uint64_t now_ms, const char *limit, const char *text)
{
	const char *l;
	char buf[512];

	assert_int_equal(nvme_verdict(&r->vol, now_ms, NVME_WINDOW_S, &l, buf, sizeof(buf)), 0);
	assert_string_equal(l, limit);
	if (!strstr(buf, text))
		fail_msg("verdict '%s' lacks '%s'", buf, text);
}

/*
 * DeviceReadLatency as a distribution: a value per bin that had reads in
 * the interval (its midpoint), counts adding up to the bins' deltas, the
 * sum from the device's exact time, its p50 bin the same as
 * DeviceReadLatencyP50's (upper bound 512: the bin [256, 512), sent as 384).
 */
static void device_latency_dist(const struct metric_entity *e)
{
	const struct metric_dist *d = NULL;
	double below = 0;
	size_t i;

	for (i = 0; i < e->n; i++)
		if (!strcmp(e->metrics[i].name, "DeviceReadLatency"))
			d = e->metrics[i].dist;
	assert_non_null(d);
	assert_true(d->n >= 2 && d->n <= 15);
	for (i = 1; i < d->n; i++)
		assert_true(d->values[i] > d->values[i - 1]);
	for (i = 0; i < d->n; i++)
		below += d->counts[i];
	assert_true(fabs(below - d->count) < 1e-9);
	assert_true(fabs(d->sum - 61952000.0 / 120000 * d->count) < 1e-3);
	for (i = 0, below = 0; i < d->n && below + d->counts[i] < d->count / 2; i++)
		below += d->counts[i];
	assert_true(fabs(d->values[i] - 384) < 1e-9);
	assert_true(d->min == d->values[0] && d->max == d->values[d->n - 1]);
}

static void test_volume_limit(void **state)
{
	struct run r = { 0 };
	const char *l;
	char buf[512];

	feed(&r, 100 * S, "ebs_t0.bin");
	assert_int_equal(r.e->n, 0);            /* the baseline: no metrics */
	assert_int_equal(nvme_verdict(&r.vol, 100 * S, 60, &l, buf, sizeof(buf)), 0);
	assert_string_equal(l, "");
	feed(&r, 160 * S, "ebs_t1.bin");
	assert_true(fabs(metric(r.e, "VolumeIopsExceeded") - 35.0) < 1e-9);
	assert_true(fabs(metric(r.e, "VolumeThroughputExceeded")) < 1e-9);
	assert_true(fabs(metric(r.e, "InstanceIopsExceeded")) < 1e-9);
	assert_true(fabs(metric(r.e, "InstanceThroughputExceeded") - 1.0) < 1e-9);
	assert_true(fabs(metric(r.e, "VolumeLimitExceeded") - 35.0) < 1e-9);
	assert_int_equal((int)metric(r.e, "VolumeQueueLength"), 32);
	assert_int_equal((int)metric(r.e, "DeviceReadOps"), 120000);
	assert_int_equal((int)metric(r.e, "DeviceWriteOps"), 6000);
	assert_int_equal((int)metric(r.e, "DeviceReadBytes"), 491520000);
	assert_true(fabs(metric(r.e, "DeviceReadLatencyMean") - 61952000.0 / 120000) < 1e-6);
	assert_int_equal((int)metric(r.e, "DeviceReadLatencyP50"), 512);
	assert_int_equal((int)metric(r.e, "DeviceReadLatencyP90"), 1024);
	assert_int_equal((int)metric(r.e, "DeviceWriteLatencyP99"), 1024);
	assert_true(fabs(metric(r.e, "DeviceWriteLatencyMean") - 1000) < 1e-9);
	device_latency_dist(r.e);
	verdict(&r, 160 * S, "volume_iops", "over its provisioned IOPS 35% of the last minute: "
		"the volume is the limit; consider more IOPS or gp3 throughput");
	/* Two minutes later the interval has left the one-minute window. */
	verdict(&r, 280 * S, "none", "no limit reached");
	metric_set_free(&r.set);
}

static void test_instance_limit(void **state)
{
	struct run r = { 0 };
	struct nvme_page p;

	page_of("ebs_t0.bin", &p);
	assert_int_equal(nvme_vol_update(&r.vol, &p, 10 * S, NULL), 0);
	/* 10 s later: 4 s over the instance's EBS throughput, 1 s over the volume's IOPS. */
	p.counter[NVME_INST_TP_EXCEEDED_US] += 4000000;
	p.counter[NVME_VOL_IOPS_EXCEEDED_US] += 1000000;
	assert_int_equal(nvme_vol_update(&r.vol, &p, 20 * S, NULL), 0);
	verdict(&r, 20 * S, "instance_throughput", "at the instance's EBS throughput limit 40% "
		"of the last 10 s: the instance's EBS bandwidth is the limit, not the volume");
}

/* A page 10 s after p, with these exceeded microseconds more. */
static void later(struct nvme_vol *vol, struct nvme_page *p, uint64_t at_ms, uint64_t vol_iops,
		  uint64_t vol_tp, uint64_t inst_iops, uint64_t inst_tp, struct metric_entity *e)
{
	p->counter[NVME_VOL_IOPS_EXCEEDED_US] += vol_iops;
	p->counter[NVME_VOL_TP_EXCEEDED_US] += vol_tp;
	p->counter[NVME_INST_IOPS_EXCEEDED_US] += inst_iops;
	p->counter[NVME_INST_TP_EXCEEDED_US] += inst_tp;
	assert_int_equal(nvme_vol_update(vol, p, at_ms, e), 0);
}

/*
 * VolumeLimitExceeded is the larger of the volume's two shares (40%, not
 * their sum); EbsInstanceLimitExceeded the largest instance share over the
 * EBS volumes, instance store left out; none before an interval.
 */
static void test_limit_shares(void **state)
{
	struct nvme_state s = { .n = 3 };
	struct metric_set set;
	struct metric_entity *e;
	struct nvme_page ebs, store;
	double pct;

	s.vols = calloc(3, sizeof(*s.vols));
	assert_non_null(s.vols);
	page_of("ebs_t0.bin", &ebs);
	page_of("store_t0.bin", &store);
	assert_int_equal(nvme_vol_update(&s.vols[0], &ebs, 10 * S, NULL), 0);
	assert_int_equal(nvme_vol_update(&s.vols[1], &ebs, 10 * S, NULL), 0);
	assert_int_equal(nvme_vol_update(&s.vols[2], &store, 10 * S, NULL), 0);
	/* Baselines only: no interval, no instance share. */
	assert_false(nvme_instance_exceeded(&s, &pct));

	metric_set_init(&set, 0, 10);
	e = metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "nvme1n1");
	/* 1 s over the volume's IOPS, 4 s over its throughput; instance IOPS 2 s. */
	later(&s.vols[0], &ebs, 20 * S, 1000000, 4000000, 2000000, 0, e);
	assert_true(fabs(metric(e, "VolumeLimitExceeded") - 40.0) < 1e-9);
	assert_true(fabs(metric(e, "VolumeIopsExceeded") - 10.0) < 1e-9);
	assert_true(nvme_instance_exceeded(&s, &pct));
	assert_true(fabs(pct - 20.0) < 1e-9);
	/* The other volume met the instance's throughput limit 3 s; the store device 9 s. */
	page_of("ebs_t0.bin", &ebs);
	later(&s.vols[1], &ebs, 20 * S, 0, 0, 1000000, 3000000, NULL);
	store.counter[NVME_INST_IOPS_EXCEEDED_US] += 9000000;
	assert_int_equal(nvme_vol_update(&s.vols[2], &store, 20 * S, NULL), 0);
	assert_true(nvme_instance_exceeded(&s, &pct));
	assert_true(fabs(pct - 30.0) < 1e-9);
	/* A volume whose page fails has no share this interval. */
	nvme_vol_fail(&s.vols[1], -EIO, "gone");
	assert_true(nvme_instance_exceeded(&s, &pct));
	assert_true(fabs(pct - 20.0) < 1e-9);
	metric_set_free(&set);
	free(s.vols);
}

static void test_restart(void **state)
{
	struct run r = { 0 };

	feed(&r, 100 * S, "ebs_t0.bin");
	feed(&r, 160 * S, "ebs_t1.bin");
	feed(&r, 220 * S, "ebs_reset.bin");
	/* Every counter restarted: the deltas are the new values, never negative. */
	assert_int_equal(r.vol.resets, 1);
	assert_int_equal((int)metric(r.e, "DeviceReadOps"), 300);
	assert_int_equal((int)metric(r.e, "DeviceWriteOps"), 20);
	assert_true(fabs(metric(r.e, "VolumeIopsExceeded") - 2000000.0 / 60e6 * 100) < 1e-9);
	assert_int_equal((int)metric(r.e, "DeviceReadLatencyP50"), 512);
	assert_int_equal((int)metric(r.e, "VolumeQueueLength"), 2);
	metric_set_free(&r.set);
}

static void test_hist_wrap(void **state)
{
	struct run r = { 0 };

	feed(&r, 100 * S, "ebs_wrap_t0.bin");
	feed(&r, 101 * S, "ebs_wrap_t1.bin");
	/*
	 * Bin 3 went 0xFFFFFF00 -> 0x100: 512 completions, not a restart (which
	 * would count 256 and put the median in bin 4's 300); bin 4 +300.
	 */
	assert_int_equal(r.vol.resets, 0);
	assert_int_equal((int)metric(r.e, "DeviceReadOps"), 812);
	assert_int_equal(r.vol.lat[NVME_OP_READ].p50_us, 512);
	assert_int_equal(r.vol.lat[NVME_OP_READ].p90_us, 1024);
	metric_set_free(&r.set);
}

static void test_failed_read_keeps_baseline(void **state)
{
	struct run r = { 0 };

	feed(&r, 100 * S, "ebs_t0.bin");
	nvme_vol_fail(&r.vol, -EREMOTEIO, "refused");
	assert_int_equal(r.vol.err, -EREMOTEIO);
	feed(&r, 160 * S, "ebs_t1.bin");
	/* The good page after the failure covers both intervals. */
	assert_int_equal(r.vol.err, 0);
	assert_int_equal((int)metric(r.e, "DeviceReadOps"), 120000);
	metric_set_free(&r.set);
}

static void test_store(void **state)
{
	struct run r = { 0 };
	double v;

	feed(&r, 100 * S, "store_t0.bin");
	feed(&r, 160 * S, "store_t1.bin");
	assert_false(metric_find(r.e, "VolumeIopsExceeded", &v));
	assert_false(metric_find(r.e, "VolumeLimitExceeded", &v));
	assert_false(metric_find(r.e, "DeviceReadLatencyP50", &v));
	assert_true(fabs(metric(r.e, "InstanceIopsExceeded") - 10.0) < 1e-9);
	assert_true(fabs(metric(r.e, "DeviceReadLatencyMean") - 100.0) < 1e-9);
	verdict(&r, 160 * S, "instance_iops", "at the device's IOPS limit 10% of the last "
		"minute: this instance-store device is the limit");
	metric_set_free(&r.set);
}

static void test_host_verdict(void **state)
{
	struct run r = { 0 };

	feed(&r, 100 * S, "ebs_wrap_t0.bin");
	feed(&r, 101 * S, "ebs_wrap_t1.bin");
	/* Device p50 512 us; the block probe saw 5 ms issue-to-completion + 3 ms queued. */
	r.vol.lat[NVME_OP_READ].have_host = true;
	r.vol.lat[NVME_OP_READ].host_us = 5000;
	r.vol.lat[NVME_OP_READ].host_queue_us = 3000;
	verdict(&r, 101 * S, "host", "device latency normal; the wait is in the host: reads "
		"take 512 us at the device (p50), 8000 us in the host (block layer queue 3000 us)");
	/* Host close to the device: no verdict against the host. */
	r.vol.lat[NVME_OP_READ].host_us = 700;
	r.vol.lat[NVME_OP_READ].host_queue_us = 20;
	verdict(&r, 101 * S, "none", "no limit reached in the last 1 s; reads take 512 us at "
		"the device (p50), 720 us in the host");
	metric_set_free(&r.set);
}

/* ---- the daemon's collection on a fake tree ---- */

struct tree {
	char dir[PATH_MAX];
	struct pa_paths paths;
	struct nvme_state st;
};

static void put_file(struct tree *t, const char *rel, const void *data, size_t len)
{
	char path[PATH_MAX], dir[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s%s", t->paths.sysroot, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(util_mkdir_p(dir, 0755), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void put_text(struct tree *t, const char *rel, const char *text)
{
	put_file(t, rel, text, strlen(text));
}

static void put_page(struct tree *t, const char *dev, const char *fixture)
{
	unsigned char buf[8192];
	char rel[64];
	size_t n = load(fixture, buf, sizeof(buf));

	snprintf(rel, sizeof(rel), "/dev/%s", dev);
	put_file(t, rel, buf, n);
}

static void disk(struct tree *t, const char *dev, const char *model, const char *serial)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "/sys/block/%s/device/model", dev);
	put_text(t, rel, model);
	snprintf(rel, sizeof(rel), "/sys/block/%s/device/serial", dev);
	put_text(t, rel, serial);
}

static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	strcpy(t->dir, "/tmp/pa-nvme-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->paths.sysroot, sizeof(t->paths.sysroot), "%s/root", t->dir);
	nvme_stats_init(&t->st);
	disk(t, "nvme0n1", "Amazon Elastic Block Store              ", "vol0123456789abcdef0");
	disk(t, "nvme1n1", "Amazon EC2 NVMe Instance Storage", "AWS1234567890ABCDEF");
	disk(t, "nvme2n1", "Some Other NVMe Disk", "X1");
	put_text(t, "/sys/block/sda/device/model", "QEMU HARDDISK");
	*state = t;
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;

	nftw(t->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	nvme_stats_free(&t->st);
	free(t);
	return 0;
}

static const struct nvme_vol *vol_named(const struct tree *t, const char *dev)
{
	for (size_t i = 0; i < t->st.n; i++)
		if (!strcmp(t->st.vols[i].dev, dev))
			return &t->st.vols[i];
	return NULL;
}

static void collect(struct tree *t, uint64_t at_ms, struct metric_set *set)
{
	metric_set_init(set, 0, 60);
	assert_int_equal(nvme_stats_collect(&t->st, &t->paths, at_ms, set), 0);
}

static void test_collect_tree(void **state)
{
	struct tree *t = *state;
	struct metric_set set;
	struct metric_entity *e;
	char path[PATH_MAX + 64];
	const struct nvme_vol *v;

	put_page(t, "nvme0n1", "ebs_t0.bin");
	/* nvme1n1's page is a FIFO: refused, never opened for a blocking read. */
	snprintf(path, sizeof(path), "%s/dev/nvme1n1", t->paths.sysroot);
	assert_int_equal(mkfifo(path, 0600), 0);
	collect(t, 100 * S, &set);
	metric_set_free(&set);
	assert_int_equal(t->st.n, 2);           /* nvme2n1 and sda are not Amazon's */
	v = vol_named(t, "nvme0n1");
	assert_string_equal(v->id, "vol-0123456789abcdef0");
	assert_int_equal(v->err, 0);
	v = vol_named(t, "nvme1n1");
	assert_string_equal(v->id, "AWS1234567890ABCDEF");
	assert_int_equal(v->err, -EBADF);
	assert_non_null(strstr(v->error, "is not a regular file"));

	put_page(t, "nvme0n1", "ebs_t1.bin");
	collect(t, 160 * S, &set);
	/* The block probe's entity is the same one: its host latency is read from it. */
	e = metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "nvme0n1");
	assert_string_equal(e->volume_id, "vol-0123456789abcdef0");
	assert_true(fabs(metric(e, "VolumeIopsExceeded") - 35.0) < 1e-9);
	metric_set_free(&set);

	/* The device disappears: forgotten. */
	snprintf(path, sizeof(path), "%s/sys/block/nvme1n1/device/model", t->paths.sysroot);
	assert_int_equal(unlink(path), 0);
	collect(t, 170 * S, &set);
	metric_set_free(&set);
	assert_int_equal(t->st.n, 1);
}

static void test_collect_host_latency(void **state)
{
	struct tree *t = *state;
	struct metric_set set;
	struct metric_entity *e;

	put_page(t, "nvme0n1", "ebs_wrap_t0.bin");
	put_page(t, "nvme1n1", "store_t0.bin");
	collect(t, 100 * S, &set);
	metric_set_free(&set);
	put_page(t, "nvme0n1", "ebs_wrap_t1.bin");
	metric_set_init(&set, 0, 1);
	/* What the block probe adds for the interval before storage collects. */
	e = metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "nvme0n1");
	assert_int_equal(metric_add(e, "ReadLatencyP50", UNIT_MICROSECONDS, 6000), 0);
	assert_int_equal(metric_add(e, "ReadQueueTimeP50", UNIT_MICROSECONDS, 2500), 0);
	assert_int_equal(nvme_stats_collect(&t->st, &t->paths, 101 * S, &set), 0);
	metric_set_free(&set);
	assert_true(vol_named(t, "nvme0n1")->lat[NVME_OP_READ].have_host);
	assert_true(fabs(vol_named(t, "nvme0n1")->lat[NVME_OP_READ].host_us - 6000) < 1e-9);
}

/* EbsInstanceLimitExceeded on the instance's entity: EBS volumes only, not in a baseline. */
static void test_collect_instance_exceeded(void **state)
{
	struct tree *t = *state;
	struct metric_set set;
	struct metric_entity *inst;
	double v;

	put_page(t, "nvme0n1", "ebs_t0.bin");
	put_page(t, "nvme1n1", "store_t0.bin");
	collect(t, 100 * S, &set);
	assert_false(metric_find(metric_set_entity(&set, ENTITY_INSTANCE, ""),
				 "EbsInstanceLimitExceeded", &v));
	metric_set_free(&set);
	/* ebs_t1: the instance's throughput 0.6 s of 60; the store device's IOPS 10%. */
	put_page(t, "nvme0n1", "ebs_t1.bin");
	put_page(t, "nvme1n1", "store_t1.bin");
	collect(t, 160 * S, &set);
	inst = metric_set_entity(&set, ENTITY_INSTANCE, "");
	assert_true(fabs(metric(inst, "EbsInstanceLimitExceeded") - 1.0) < 1e-9);
	assert_true(fabs(metric(metric_set_entity(&set, ENTITY_BLOCK_DEVICE, "nvme0n1"),
				"VolumeLimitExceeded") - 35.0) < 1e-9);
	metric_set_free(&set);
	/* The EBS page cannot be read: no EBS interval, no metric. */
	put_text(t, "/dev/nvme0n1", "short");
	collect(t, 220 * S, &set);
	assert_false(metric_find(metric_set_entity(&set, ENTITY_INSTANCE, ""),
				 "EbsInstanceLimitExceeded", &v));
	metric_set_free(&set);
}

static void test_status(void **state)
{
	struct tree *t = *state;
	struct json_object *o;
	struct metric_set set;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	put_page(t, "nvme0n1", "ebs_t0.bin");
	put_page(t, "nvme1n1", "unknown_version.bin");
	collect(t, 100 * S, &set);
	metric_set_free(&set);
	put_page(t, "nvme0n1", "ebs_t1.bin");
	collect(t, 160 * S, &set);
	metric_set_free(&set);
	o = nvme_status_json(&t->st, 160 * S);
	assert_non_null(o);
	assert_string_equal(json_object_get_string(json_object_object_get(
		json_object_array_get_idx(json_object_object_get(o, "volumes"), 0), "limit")),
		"volume_iops");
	out = open_memstream(&text, &len);
	nvme_status_print(o, out);
	fclose(out);
	if (!strstr(text, "ebs nvme0n1  vol-0123456789abcdef0: over its provisioned IOPS 35% "
		    "of the last minute: the volume is the limit; consider more IOPS or gp3 "
		    "throughput\n") ||
	    !strstr(text, "queue 32; reads 120000, p50 512 us at the device; writes 6000, p50 "
		    "1024 us at the device (last interval)\n") ||
	    !strstr(text, "store nvme1n1 AWS1234567890ABCDEF: statistics not available: "
		    "statistics page version 7 is newer"))
		fail_msg("status text:\n%s", text);
	free(text);
	json_object_put(o);
}

static void test_status_empty(void **state)
{
	struct nvme_state s;
	struct json_object *o;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	nvme_stats_init(&s);
	o = nvme_status_json(&s, 1);
	out = open_memstream(&text, &len);
	nvme_status_print(o, out);
	fclose(out);
	assert_string_equal(text, "storage      no EBS or instance-store NVMe devices\n");
	free(text);
	json_object_put(o);
	nvme_stats_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ebs),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_store),
		cmocka_unit_test(test_volume_limit),
		cmocka_unit_test(test_instance_limit),
		cmocka_unit_test(test_limit_shares),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_hist_wrap),
		cmocka_unit_test(test_failed_read_keeps_baseline),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_host_verdict),
		cmocka_unit_test_setup_teardown(test_collect_tree, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_collect_host_latency, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_collect_instance_exceeded, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_status, tree_setup, tree_teardown),
		cmocka_unit_test(test_status_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
