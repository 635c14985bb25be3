// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Amazon NVMe statistics log page from its bytes (layout and sources in
 * nvme_page.h). Every field is read by offset, little-endian, with the
 * length checked first: a short or hostile buffer is refused, never read
 * past.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "storage/nvme_page.h"

static const char *const fields[NVME_N_COUNTERS] = {
	[NVME_READ_OPS] = "total_read_ops",
	[NVME_WRITE_OPS] = "total_write_ops",
	[NVME_READ_BYTES] = "total_read_bytes",
	[NVME_WRITE_BYTES] = "total_write_bytes",
	[NVME_READ_TIME_US] = "total_read_time",
	[NVME_WRITE_TIME_US] = "total_write_time",
	[NVME_VOL_IOPS_EXCEEDED_US] = "ebs_volume_performance_exceeded_iops",
	[NVME_VOL_TP_EXCEEDED_US] = "ebs_volume_performance_exceeded_tp",
	[NVME_INST_IOPS_EXCEEDED_US] = "ec2_instance_ebs_performance_exceeded_iops",
	[NVME_INST_TP_EXCEEDED_US] = "ec2_instance_ebs_performance_exceeded_tp",
};

const char *nvme_counter_field(enum nvme_counter_id id)
{
	return (size_t)id < NVME_N_COUNTERS ? fields[id] : "?";
}

const char *nvme_page_kind_name(enum nvme_page_kind kind)
{
	return kind == NVME_PAGE_STORE ? "instance-store" : "ebs";
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* One histogram at off (the caller checked off + NVME_HIST_SIZE <= len). */
static int parse_hist(const unsigned char *p, struct nvme_hist *h, const char *what,
		      char *note, size_t notesz)
{
	uint64_t n = le64(p);

	memset(h, 0, sizeof(*h));
	if (n > NVME_HIST_BINS_MAX) {
		snprintf(note, notesz, "%s histogram claims %llu bins (at most %d)", what,
			 (unsigned long long)n, NVME_HIST_BINS_MAX);
		return -EBADMSG;
	}
	for (unsigned int i = 0; i < n; i++) {
		const unsigned char *b = p + 8 + (size_t)i * 24;
		struct nvme_hist_bin *bin = &h->bins[i];

		bin->lower = le64(b);
		bin->upper = le64(b + 8);
		bin->count = le32(b + 16);
		if (bin->upper < bin->lower || (i && bin->lower < h->bins[i - 1].lower)) {
			snprintf(note, notesz, "%s histogram bin %u has bounds out of order "
				 "(%llu-%llu us)", what, i, (unsigned long long)bin->lower,
				 (unsigned long long)bin->upper);
			return -EBADMSG;
		}
	}
	h->n = (unsigned int)n;
	return 0;
}

static void parse_hists(const unsigned char *p, size_t len, struct nvme_page *page)
{
	page->have_hist = false;
	if (page->kind != NVME_PAGE_EBS) {
		snprintf(page->hist_note, sizeof(page->hist_note), "instance-store histograms "
			 "are not read (their layout is not settled)");
		return;
	}
	if (len < NVME_HIST_WRITE_OFF + NVME_HIST_SIZE) {
		snprintf(page->hist_note, sizeof(page->hist_note), "page of %zu bytes ends "
			 "before its histograms", len);
		return;
	}
	if (parse_hist(p + NVME_HIST_READ_OFF, &page->hist[NVME_OP_READ], "read",
		       page->hist_note, sizeof(page->hist_note)) ||
	    parse_hist(p + NVME_HIST_WRITE_OFF, &page->hist[NVME_OP_WRITE], "write",
		       page->hist_note, sizeof(page->hist_note))) {
		memset(page->hist, 0, sizeof(page->hist));
		return;
	}
	page->have_hist = true;
}

int nvme_page_parse(const void *buf, size_t len, struct nvme_page *page, char *err,
		    size_t errsz)
{
	const unsigned char *p = buf;
	uint32_t magic;

	memset(page, 0, sizeof(*page));
	if (len < NVME_STATS_HEAD_SIZE) {
		snprintf(err, errsz, "statistics page truncated: %zu bytes, its counters need %d",
			 len, NVME_STATS_HEAD_SIZE);
		return -EBADMSG;
	}
	magic = le32(p);
	if (magic == NVME_MAGIC_EBS) {
		page->kind = NVME_PAGE_EBS;
	} else if (magic == NVME_MAGIC_STORE) {
		page->kind = NVME_PAGE_STORE;
	} else {
		snprintf(err, errsz, "not an Amazon statistics page: magic 0x%08X (EBS 0x%08X, "
			 "instance store 0x%08X)", magic, NVME_MAGIC_EBS, NVME_MAGIC_STORE);
		return -ENOMSG;
	}
	page->version = le32(p + 4);
	if (page->version > NVME_VERSION_MAX) {
		snprintf(err, errsz, "statistics page version %u is newer than this perfagent "
			 "reads (0 and 1): its counters are not used; a newer perfagent may read "
			 "them", page->version);
		return -EPROTO;
	}
	for (int i = 0; i < NVME_N_COUNTERS; i++)
		page->counter[i] = le64(p + 8 + 8 * (size_t)i);
	page->queue_length = le64(p + 88);
	parse_hists(p, len, page);
	return 0;
}

bool nvme_hist_quantile(const struct nvme_hist *h, const uint64_t *count, double q,
			uint64_t *us)
{
	uint64_t total = 0, seen = 0;
	double want;

	for (unsigned int i = 0; i < h->n; i++)
		total += count[i];
	if (!total)
		return false;
	want = q * (double)total;
	for (unsigned int i = 0; i < h->n; i++) {
		seen += count[i];
		if ((double)seen >= want && count[i]) {
			*us = h->bins[i].upper;
			return true;
		}
	}
	*us = h->bins[h->n - 1].upper;
	return true;
}
