// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's ethtool interface (see ethtool.h): the SIOCETHTOOL ioctl for
 * rings, coalescing, channels, driver and statistics, ethtool netlink only
 * to learn which coalescing parameters a driver supports and the rings'
 * push (LLQ) state, which the ioctl does not carry. Then the pure
 * helpers: statistics names, ring and channel resolution, CPU masks.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sockios.h>

#include "net/ethtool.h"
#include "core/util.h"

/* Entries allowed beyond the count the kernel gave: the ioctls fill in as
 * many as the driver has at that moment, whatever the caller asked for. */
#define STATS_SLACK 1024
#define STATS_TRIES 3

/* ---- the ioctl ---- */

static int eth_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	/* Any socket reaches SIOCETHTOOL; AF_INET may be compiled out. */
	if (fd < 0)
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

static int eth_ioctl(const char *ifname, void *cmd)
{
	struct ifreq ifr;
	int fd, ret = 0;

	if (!*ifname || strlen(ifname) >= sizeof(ifr.ifr_name))
		return -ENODEV;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ifname);
	ifr.ifr_data = cmd;
	fd = eth_socket();
	if (fd < 0)
		return fd;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int kernel_driver(const char *ifname, char *buf, size_t size)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	int ret = eth_ioctl(ifname, &di);

	if (ret)
		return ret;
	di.driver[sizeof(di.driver) - 1] = '\0';
	return util_join(buf, size, "%s", di.driver);
}

static int kernel_get_rings(const char *ifname, struct ethtool_rings *r)
{
	struct ethtool_ringparam rp = { .cmd = ETHTOOL_GRINGPARAM };
	int ret = eth_ioctl(ifname, &rp);

	if (ret)
		return ret;
	r->rx = rp.rx_pending;
	r->tx = rp.tx_pending;
	r->rx_max = rp.rx_max_pending;
	r->tx_max = rp.tx_max_pending;
	return 0;
}

static int kernel_set_rings(const char *ifname, const struct ethtool_rings *r)
{
	struct ethtool_ringparam rp = { .cmd = ETHTOOL_GRINGPARAM };
	int ret = eth_ioctl(ifname, &rp);

	if (ret)
		return ret;
	rp.cmd = ETHTOOL_SRINGPARAM;
	rp.rx_pending = r->rx;
	rp.tx_pending = r->tx;
	return eth_ioctl(ifname, &rp);
}

/* ---- ethtool netlink: which coalescing parameters a driver has ---- */

struct nl_msg {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[256];
} __attribute__((aligned(NLMSG_ALIGNTO)));

/* Appends an attribute to m (len bytes of data); NULL when it does not fit. */
static struct nlattr *nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len)
{
	size_t used = m->nh.nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	struct nlattr *a = (struct nlattr *)(m->attrs + used);

	if (used + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(m->attrs))
		return NULL;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len) /* data may be NULL (a nest's header): memcpy must not see it */
		memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + NLA_HDRLEN + len, 0, NLA_ALIGN(a->nla_len) - a->nla_len);
	m->nh.nlmsg_len += NLA_ALIGN(a->nla_len);
	return a;
}

/* The first attribute of type among len bytes of attributes, or NULL. */
static const struct nlattr *nl_find(const char *buf, size_t len, uint16_t type)
{
	size_t off = 0;

	while (off + NLA_HDRLEN <= len) {
		const struct nlattr *a = (const struct nlattr *)(buf + off);

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len - off)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

/* The kernel's answer: an error (0 for an ack), or attributes copied to out. */
static int nl_reply(const struct nlmsghdr *h, char *out, size_t *outlen)
{
	size_t len;

	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return -EBADMSG;
		return e->error ? e->error : -ENODATA;
	}
	if (h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return -EBADMSG;
	len = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	if (len > *outlen)
		return -EMSGSIZE;
	memcpy(out, (const char *)NLMSG_DATA(h) + GENL_HDRLEN, len);
	*outlen = len;
	return 0;
}

/*
 * Sends m and copies the attributes of the reply into out (*outlen bytes).
 * Returns 0 or the kernel's -errno.
 */
static int nl_call(int fd, struct nl_msg *m, char *out, size_t *outlen)
{
	static uint32_t seq;
	uint32_t buf[8192 / sizeof(uint32_t)];
	ssize_t n;

	m->nh.nlmsg_flags = NLM_F_REQUEST;
	m->nh.nlmsg_seq = ++seq;
	if (send(fd, m, m->nh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		size_t off = 0;

		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		while (off + sizeof(struct nlmsghdr) <= (size_t)n) {
			const struct nlmsghdr *h = (const struct nlmsghdr *)((char *)buf + off);

			if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > (size_t)n - off)
				return -EBADMSG;
			off += NLMSG_ALIGN(h->nlmsg_len);
			if (h->nlmsg_seq == m->nh.nlmsg_seq)
				return nl_reply(h, out, outlen);
		}
	}
}

static void nl_start(struct nl_msg *m, uint16_t family, uint8_t cmd)
{
	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nh.nlmsg_type = family;
	m->gh.cmd = cmd;
	m->gh.version = 1;
}

static int nl_ethtool_family(int fd, uint16_t *family)
{
	uint32_t reply[1024];
	size_t len = sizeof(reply);
	const struct nlattr *a;
	struct nl_msg m;
	int ret;

	nl_start(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	if (!nl_put(&m, CTRL_ATTR_FAMILY_NAME, ETHTOOL_GENL_NAME, sizeof(ETHTOOL_GENL_NAME)))
		return -EMSGSIZE;
	ret = nl_call(fd, &m, (char *)reply, &len);
	if (ret)
		return ret;
	a = nl_find((const char *)reply, len, CTRL_ATTR_FAMILY_ID);
	if (!a || a->nla_len < NLA_HDRLEN + sizeof(uint16_t))
		return -EBADMSG;
	memcpy(family, (const char *)a + NLA_HDRLEN, sizeof(*family));
	return 0;
}

/*
 * One ethtool netlink GET of ifname: cmd with its header nest attribute;
 * the reply's attributes into reply (*len bytes). 0 or the kernel's -errno
 * (-EOPNOTSUPP: the driver lacks it; kernels before 5.6 have no ethtool
 * netlink at all).
 */
static int nl_get(const char *ifname, uint8_t cmd, uint16_t header, void *reply, size_t *len)
{
	struct nlattr *nest, *name;
	struct nl_msg m;
	uint16_t family;
	int fd, ret;
	struct timeval tv = { .tv_sec = 1 };

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	/* The kernel always answers; the timeout only guards against a bug. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ret = nl_ethtool_family(fd, &family);
	if (ret)
		goto out;
	nl_start(&m, family, cmd);
	nest = nl_put(&m, header | NLA_F_NESTED, NULL, 0);
	name = nl_put(&m, ETHTOOL_A_HEADER_DEV_NAME, ifname, strlen(ifname) + 1);
	if (!nest || !name) {
		ret = -EMSGSIZE;
		goto out;
	}
	nest->nla_len += NLA_ALIGN(name->nla_len);
	ret = nl_call(fd, &m, reply, len);
out:
	close(fd);
	return ret;
}

/*
 * ETHTOOL_MSG_COALESCE_GET leaves out a parameter that is zero and not
 * supported by the driver: that is how "not supported" is told apart.
 */
static int nl_coal_supported(const char *ifname, unsigned int *supported)
{
	static const struct {
		uint16_t attr;
		unsigned int bit;
	} params[] = {
		{ ETHTOOL_A_COALESCE_RX_USECS, ETHTOOL_COAL_RX_USECS },
		{ ETHTOOL_A_COALESCE_TX_USECS, ETHTOOL_COAL_TX_USECS },
		{ ETHTOOL_A_COALESCE_USE_ADAPTIVE_RX, ETHTOOL_COAL_ADAPTIVE_RX },
	};
	uint32_t reply[2048];
	size_t len = sizeof(reply);
	int ret = nl_get(ifname, ETHTOOL_MSG_COALESCE_GET, ETHTOOL_A_COALESCE_HEADER, reply, &len);

	if (ret)
		return ret;
	*supported = 0;
	for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
		if (nl_find((const char *)reply, len, params[i].attr))
			*supported |= params[i].bit;
	}
	return 0;
}

/*
 * The rings' push attributes, after ETHTOOL_A_RINGS_TX_PUSH in the uapi enum
 * (include/uapi/linux/ethtool_netlink.h, kernel 6.4: RX_PUSH, then
 * TX_PUSH_BUF_LEN and its maximum), numbered here because build hosts'
 * headers may predate them.
 */
#define RINGS_TX_PUSH_BUF_LEN (ETHTOOL_A_RINGS_TX_PUSH + 2)
#define RINGS_TX_PUSH_BUF_LEN_MAX (ETHTOOL_A_RINGS_TX_PUSH + 3)

/* A u8 or u32 attribute of reply; false when absent or short. */
static bool nl_uint(const void *reply, size_t len, uint16_t type, size_t size, uint32_t *v)
{
	const struct nlattr *a = nl_find(reply, len, type);
	uint8_t b;

	if (!a || a->nla_len < NLA_HDRLEN + size)
		return false;
	if (size == 1) {
		memcpy(&b, (const char *)a + NLA_HDRLEN, 1);
		*v = b;
	} else {
		memcpy(v, (const char *)a + NLA_HDRLEN, sizeof(*v));
	}
	return true;
}

static int kernel_get_push(const char *ifname, struct ethtool_push *p)
{
	uint32_t reply[1024], v;
	size_t len = sizeof(reply);
	int ret = nl_get(ifname, ETHTOOL_MSG_RINGS_GET, ETHTOOL_A_RINGS_HEADER, reply, &len);

	if (ret)
		return ret;
	memset(p, 0, sizeof(*p));
	p->tx_push = nl_uint(reply, len, ETHTOOL_A_RINGS_TX_PUSH, 1, &v) ? (int)v : -1;
	nl_uint(reply, len, RINGS_TX_PUSH_BUF_LEN, 4, &p->buf_len);
	nl_uint(reply, len, RINGS_TX_PUSH_BUF_LEN_MAX, 4, &p->buf_len_max);
	return 0;
}

static int kernel_get_coal(const char *ifname, struct ethtool_coal *c)
{
	struct ethtool_coalesce ec = { .cmd = ETHTOOL_GCOALESCE };
	int ret = eth_ioctl(ifname, &ec);

	if (ret)
		return ret;
	c->rx_usecs = ec.rx_coalesce_usecs;
	c->tx_usecs = ec.tx_coalesce_usecs;
	c->adaptive_rx = ec.use_adaptive_rx_coalesce;
	/* Kernels before 5.6 have no ethtool netlink: assume all, as the ioctl does. */
	if (nl_coal_supported(ifname, &c->supported))
		c->supported = ETHTOOL_COAL_RX_USECS | ETHTOOL_COAL_TX_USECS |
			       ETHTOOL_COAL_ADAPTIVE_RX;
	return 0;
}

static int kernel_set_coal(const char *ifname, const struct ethtool_coal *c)
{
	struct ethtool_coalesce ec = { .cmd = ETHTOOL_GCOALESCE };
	int ret = eth_ioctl(ifname, &ec);

	if (ret)
		return ret;
	ec.cmd = ETHTOOL_SCOALESCE;
	ec.rx_coalesce_usecs = c->rx_usecs;
	ec.tx_coalesce_usecs = c->tx_usecs;
	ec.use_adaptive_rx_coalesce = c->adaptive_rx;
	return eth_ioctl(ifname, &ec);
}

static int kernel_get_chans(const char *ifname, struct ethtool_chans *c)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	int ret = eth_ioctl(ifname, &ch);

	if (ret)
		return ret;
	c->combined = ch.combined_count;
	c->rx = ch.rx_count;
	c->tx = ch.tx_count;
	c->combined_max = ch.max_combined;
	c->rx_max = ch.max_rx;
	c->tx_max = ch.max_tx;
	return 0;
}

static int kernel_set_chans(const char *ifname, const struct ethtool_chans *c)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	int ret = eth_ioctl(ifname, &ch);

	if (ret)
		return ret;
	ch.cmd = ETHTOOL_SCHANNELS;
	if (c->combined)
		ch.combined_count = c->combined;
	if (c->rx)
		ch.rx_count = c->rx;
	if (c->tx)
		ch.tx_count = c->tx;
	return eth_ioctl(ifname, &ch);
}

/* The number of statistics the driver has now; -EOPNOTSUPP when none. */
static int stats_count(const char *ifname, size_t *n)
{
	/* The header and the one count it returns for the one set asked. */
	uint64_t buf[(sizeof(struct ethtool_sset_info) + sizeof(uint32_t) + 7) / 8] = { 0 };
	struct ethtool_sset_info *si = (struct ethtool_sset_info *)buf;
	int ret;

	si->cmd = ETHTOOL_GSSET_INFO;
	si->sset_mask = 1ULL << ETH_SS_STATS;
	ret = eth_ioctl(ifname, si);
	if (ret)
		return ret;
	if (!(si->sset_mask & (1ULL << ETH_SS_STATS)) || si->data[0] == 0)
		return -EOPNOTSUPP;
	if (si->data[0] > ETHTOOL_STATS_MAX)
		return -E2BIG;
	*n = si->data[0];
	return 0;
}

/* One try: -EAGAIN when the table changed size in between. */
static int stats_read(const char *ifname, size_t n, struct ethtool_stat_table *t)
{
	struct ethtool_gstrings *gs;
	struct ethtool_stats *st;
	int ret;

	gs = calloc(1, sizeof(*gs) + (n + STATS_SLACK) * ETH_GSTRING_LEN);
	st = calloc(1, sizeof(*st) + (n + STATS_SLACK) * sizeof(uint64_t));
	if (!gs || !st) {
		ret = -ENOMEM;
		goto out;
	}
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_STATS;
	gs->len = n;
	st->cmd = ETHTOOL_GSTATS;
	st->n_stats = n;
	ret = eth_ioctl(ifname, gs);
	if (!ret)
		ret = eth_ioctl(ifname, st);
	if (ret)
		goto out;
	if (gs->len != n || st->n_stats != n) {
		ret = -EAGAIN;
		goto out;
	}
	ret = ethtool_table_parse(gs->data, n * ETH_GSTRING_LEN, n, t);
	if (!ret)
		memcpy(t->values, st->data, n * sizeof(uint64_t));
out:
	free(gs);
	free(st);
	return ret;
}

static int kernel_get_stats(const char *ifname, struct ethtool_stat_table *t)
{
	size_t n = 0;
	int ret = -EAGAIN;

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < STATS_TRIES && ret == -EAGAIN; i++) {
		ret = stats_count(ifname, &n);
		if (!ret)
			ret = stats_read(ifname, n, t);
	}
	return ret;
}

const struct ethtool_io ethtool_io_kernel = {
	.name = "kernel",
	.kernel = true,
	.driver = kernel_driver,
	.get_rings = kernel_get_rings,
	.set_rings = kernel_set_rings,
	.get_coal = kernel_get_coal,
	.set_coal = kernel_set_coal,
	.get_chans = kernel_get_chans,
	.set_chans = kernel_set_chans,
	.get_stats = kernel_get_stats,
	.get_push = kernel_get_push,
};

static const struct ethtool_io *active_io = &ethtool_io_kernel;

const struct ethtool_io *ethtool_io(void)
{
	return active_io;
}

void ethtool_io_set(const struct ethtool_io *io)
{
	active_io = io ? io : &ethtool_io_kernel;
}

bool ethtool_io_usable(const struct pa_paths *paths)
{
	return !active_io->kernel || !paths->sysroot[0] || !strcmp(paths->sysroot, "/");
}

void ethtool_nic_driver(const struct pa_paths *paths, const char *ifname, char *buf,
			size_t size)
{
	char rel[PATH_MAX], path[PATH_MAX], target[PATH_MAX];
	ssize_t n = -1;

	buf[0] = '\0';
	if (!util_join(rel, sizeof(rel), "/sys/class/net/%s/device/driver", ifname) &&
	    !paths_sys_link(paths, path, sizeof(path), rel))
		n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		snprintf(buf, size, "%s", basename(target));
		return;
	}
	if (ethtool_io_usable(paths) && active_io->driver &&
	    active_io->driver(ifname, buf, size))
		buf[0] = '\0';
}

/* ---- statistics names ---- */

/* One name: up to the first NUL; "" when it holds anything unprintable. */
static void copy_name(char *dst, const unsigned char *src)
{
	size_t i;

	for (i = 0; i < ETHTOOL_NAME_LEN && src[i]; i++) {
		if (src[i] < 0x20 || src[i] > 0x7e) {
			dst[0] = '\0';
			return;
		}
		dst[i] = (char)src[i];
	}
	dst[i] = '\0';
}

int ethtool_table_parse(const void *buf, size_t len, size_t n, struct ethtool_stat_table *t)
{
	const unsigned char *p = buf;

	memset(t, 0, sizeof(*t));
	if (n > ETHTOOL_STATS_MAX)
		return -EINVAL;
	if (n == 0)
		return 0;
	t->names = calloc(n, sizeof(*t->names));
	t->values = calloc(n, sizeof(*t->values));
	if (!t->names || !t->values) {
		ethtool_table_free(t);
		return -ENOMEM;
	}
	t->n = n;
	for (size_t i = 0; i < n && len / ETHTOOL_NAME_LEN > i; i++)
		copy_name(t->names[i], p + i * ETHTOOL_NAME_LEN);
	return 0;
}

void ethtool_table_free(struct ethtool_stat_table *t)
{
	free(t->names);
	free(t->values);
	memset(t, 0, sizeof(*t));
}

int ethtool_table_find(const struct ethtool_stat_table *t, const char *name, uint64_t *value)
{
	if (!*name)
		return -ENOENT;
	for (size_t i = 0; i < t->n; i++) {
		if (!strcmp(t->names[i], name)) {
			*value = t->values[i];
			return 0;
		}
	}
	return -ENOENT;
}

/* ---- rings and channels ---- */

bool ethtool_parse_u32(const char *s, uint32_t *v)
{
	unsigned long long n = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		n = n * 10 + (unsigned)(*s - '0');
		if (n > UINT32_MAX)
			return false;
	}
	*v = (uint32_t)n;
	return true;
}

static uint32_t floor_pow2(uint32_t v)
{
	uint32_t p = 1;

	if (!v)
		return 0;
	while (p <= v / 2)
		p *= 2;
	return p;
}

uint32_t ethtool_ring_resolve(const char *wanted, uint32_t dev_max)
{
	uint32_t v;

	if (!strcmp(wanted, "max"))
		v = dev_max;
	else if (!ethtool_parse_u32(wanted, &v))
		return 0;
	if (dev_max && v > dev_max)
		v = dev_max;
	return floor_pow2(v);
}

uint32_t ethtool_ring_budget_cap(uint64_t budget, unsigned int queues, uint64_t page_size)
{
	uint64_t per_ring;

	if (!queues || !page_size)
		return 0;
	per_ring = budget / queues / page_size;
	return floor_pow2(per_ring > UINT32_MAX ? UINT32_MAX : (uint32_t)per_ring);
}

uint32_t ethtool_chans_resolve(const char *wanted, uint32_t dev_max, unsigned int vcpus)
{
	uint32_t v;

	if (!strcmp(wanted, "max"))
		v = dev_max ? dev_max : vcpus;
	else if (!ethtool_parse_u32(wanted, &v))
		return 0;
	if (dev_max && v > dev_max)
		v = dev_max;
	if (vcpus && v > vcpus)
		v = vcpus;
	return v;
}

uint32_t ethtool_chans_max(const struct ethtool_chans *c)
{
	if (c->combined_max)
		return c->combined_max;
	return c->rx_max < c->tx_max ? c->rx_max : c->tx_max;
}

/* ---- CPU masks ---- */

void cpu_mask_clear(struct cpu_mask *m)
{
	memset(m, 0, sizeof(*m));
}

void cpu_mask_set(struct cpu_mask *m, unsigned int cpu)
{
	if (cpu < ETHTOOL_MAX_CPUS)
		m->w[cpu / 32] |= 1u << (cpu % 32);
}

bool cpu_mask_test(const struct cpu_mask *m, unsigned int cpu)
{
	return cpu < ETHTOOL_MAX_CPUS && (m->w[cpu / 32] >> (cpu % 32) & 1);
}

unsigned int cpu_mask_count(const struct cpu_mask *m)
{
	unsigned int n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(m->w); i++)
		n += (unsigned int)__builtin_popcount(m->w[i]);
	return n;
}

bool cpu_mask_empty(const struct cpu_mask *m)
{
	return cpu_mask_count(m) == 0;
}

/* A CPU number below ETHTOOL_MAX_CPUS at *p; advances *p. */
static bool parse_cpu(const char **p, unsigned int *cpu)
{
	unsigned long v = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (unsigned)(*s++ - '0');
		if (v >= ETHTOOL_MAX_CPUS)
			return false;
	}
	*cpu = (unsigned int)v;
	*p = s;
	return true;
}

int cpu_mask_parse_list(const char *s, struct cpu_mask *m)
{
	cpu_mask_clear(m);
	while (isspace((unsigned char)*s))
		s++;
	while (*s && !isspace((unsigned char)*s)) {
		unsigned int lo, hi;

		if (!parse_cpu(&s, &lo))
			return -EINVAL;
		hi = lo;
		if (*s == '-' && (s++, !parse_cpu(&s, &hi)))
			return -EINVAL;
		if (hi < lo)
			return -EINVAL;
		for (unsigned int c = lo; c <= hi; c++)
			cpu_mask_set(m, c);
		if (*s == ',')
			s++;
		else if (*s && !isspace((unsigned char)*s))
			return -EINVAL;
	}
	while (isspace((unsigned char)*s))
		s++;
	return *s ? -EINVAL : 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int cpu_mask_parse_hex(const char *s, struct cpu_mask *m)
{
	size_t len = strlen(s), word = 0, digits = 0;

	cpu_mask_clear(m);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	while (len && isspace((unsigned char)*s))
		s++, len--;
	if (!len)
		return -EINVAL;
	/* From the right: 8 digits a word, words between commas. */
	for (size_t i = len; i-- > 0;) {
		int d = hex_digit(s[i]);

		if (s[i] == ',') {
			if (!digits || i == 0)
				return -EINVAL;
			word++;
			digits = 0;
			continue;
		}
		if (d < 0 || digits == 8)
			return -EINVAL;
		if (d && word >= ARRAY_SIZE(m->w))
			return -EINVAL;
		if (word < ARRAY_SIZE(m->w))
			m->w[word] |= (uint32_t)d << (4 * digits);
		digits++;
	}
	return 0;
}

int cpu_mask_format(const struct cpu_mask *m, char *buf, size_t size)
{
	size_t top = ARRAY_SIZE(m->w), off;

	while (top > 0 && !m->w[top - 1])
		top--;
	if (!top)
		return util_join(buf, size, "0") ? -E2BIG : 0;
	off = (size_t)snprintf(buf, size, "%x", m->w[top - 1]);
	for (size_t i = top - 1; i-- > 0 && off < size;)
		off += (size_t)snprintf(buf + off, size - off, ",%08x", m->w[i]);
	return off < size ? 0 : -E2BIG;
}

int cpu_mask_format_list(const struct cpu_mask *m, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int c = 0; c < ETHTOOL_MAX_CPUS && off < size; c++) {
		unsigned int end = c;

		if (!cpu_mask_test(m, c))
			continue;
		while (end + 1 < ETHTOOL_MAX_CPUS && cpu_mask_test(m, end + 1))
			end++;
		if (end == c)
			off += (size_t)snprintf(buf + off, size - off, "%s%u", off ? "," : "", c);
		else
			off += (size_t)snprintf(buf + off, size - off, "%s%u-%u", off ? "," : "", c,
						end);
		c = end;
	}
	return off < size ? 0 : -E2BIG;
}

/* out = a without b */
static void mask_minus(const struct cpu_mask *a, const struct cpu_mask *b, struct cpu_mask *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(out->w); i++)
		out->w[i] = a->w[i] & ~b->w[i];
}

void ethtool_rps_mask(const struct cpu_mask *online, const struct cpu_mask *node,
		      const struct cpu_mask *irq, const struct cpu_mask *siblings,
		      struct cpu_mask *out)
{
	struct cpu_mask cand, avoid;

	cand = *online;
	if (!cpu_mask_empty(node)) {
		for (size_t i = 0; i < ARRAY_SIZE(cand.w); i++)
			cand.w[i] &= node->w[i];
	}
	if (cpu_mask_empty(&cand))      /* a node without online CPUs: any CPU */
		cand = *online;
	for (size_t i = 0; i < ARRAY_SIZE(avoid.w); i++)
		avoid.w[i] = irq->w[i] | siblings->w[i];
	mask_minus(&cand, &avoid, out);
	if (cpu_mask_empty(out))
		mask_minus(&cand, irq, out);
	if (cpu_mask_empty(out))
		*out = cand;
}
