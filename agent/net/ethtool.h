/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NIC settings and statistics straight from the kernel's ethtool interface
 * (the SIOCETHTOOL ioctl, and ethtool netlink to learn which coalescing
 * parameters a driver supports), in the caller's network namespace. Never
 * from the ethtool program's output.
 *
 * Every kernel access goes through a struct ethtool_io. ethtool_io_kernel is
 * the real one and the default; a test installs its own with
 * ethtool_io_set() to serve the ring and coalescing settings no virtual
 * device has. Nothing in the environment or the config selects it.
 *
 * The interfaces themselves are found under the sysroot (/sys/class/net of
 * a fake tree in tests), but the kernel's ops act on the running kernel: so
 * with a fake sysroot the kernel's ops are never used (ethtool_io_usable()),
 * and a fake tree cannot steer perfagent into the host's NICs.
 *
 * Also here: the pure helpers the [ethtool] knobs are planned with (ring and
 * channel resolution, CPU masks for RPS) and the parser of the kernel's
 * statistics name table, all exposed for tests and fuzzing.
 */
#ifndef PA_ETHTOOL_H
#define PA_ETHTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/paths.h"

#define ETHTOOL_NAME_LEN 32             /* ETH_GSTRING_LEN: one statistics name */
#define ETHTOOL_STATS_MAX 65536         /* names in a table we accept */
#define ETHTOOL_DRIVER_MAX 32

struct ethtool_rings {
	uint32_t rx, tx;                /* entries per queue now */
	uint32_t rx_max, tx_max;        /* the device's maximum; 0: not reported */
};

/* Which coalescing parameters the driver takes (netlink tells; ioctl: all). */
#define ETHTOOL_COAL_RX_USECS (1u << 0)
#define ETHTOOL_COAL_TX_USECS (1u << 1)
#define ETHTOOL_COAL_ADAPTIVE_RX (1u << 2)

struct ethtool_coal {
	uint32_t rx_usecs, tx_usecs;
	bool adaptive_rx;
	unsigned int supported;         /* ETHTOOL_COAL_* */
};

/*
 * Channels: ENA and most NICs have combined (rx+tx) channels; some (veth)
 * separate rx and tx ones. A count the driver does not have is 0.
 */
struct ethtool_chans {
	uint32_t combined, rx, tx;
	uint32_t combined_max, rx_max, tx_max;
};

/*
 * A statistics table (ethtool -S): names in the driver's order, "" for an
 * entry whose name is not printable ASCII, and their values.
 */
struct ethtool_stat_table {
	size_t n;
	char (*names)[ETHTOOL_NAME_LEN + 1];
	uint64_t *values;
};

/*
 * Tx push (ENA's LLQ) from ethtool netlink's rings: tx_push since kernel
 * 5.19, the push buffer length since 6.4 (ENA: 96 bytes of headers, 224
 * with large LLQ, `ethtool -g`'s "TX push buff len").
 */
struct ethtool_push {
	int tx_push;                    /* 1 on, 0 off, -1 not reported */
	uint32_t buf_len, buf_len_max;  /* 0: not reported */
};

/* The kernel access of this module. Each returns 0 or -errno (-EOPNOTSUPP:
 * the driver lacks the operation; -ENODEV: no such interface here). */
struct ethtool_io {
	const char *name;       /* "kernel", or a test's name */
	bool kernel;            /* acts on the running kernel (see above) */
	int (*driver)(const char *ifname, char *buf, size_t size);
	int (*get_rings)(const char *ifname, struct ethtool_rings *r);
	/* Sets rx and tx entries; the other ring parameters are kept. */
	int (*set_rings)(const char *ifname, const struct ethtool_rings *r);
	int (*get_coal)(const char *ifname, struct ethtool_coal *c);
	/* Sets the three fields; every other coalescing parameter is kept. */
	int (*set_coal)(const char *ifname, const struct ethtool_coal *c);
	int (*get_chans)(const char *ifname, struct ethtool_chans *c);
	/* Sets the counts; a 0 count the driver has is left as it is. */
	int (*set_chans)(const char *ifname, const struct ethtool_chans *c);
	/* Fills t (free with ethtool_table_free()); names and values match. */
	int (*get_stats)(const char *ifname, struct ethtool_stat_table *t);
	/* Optional (NULL: not known to this io). */
	int (*get_push)(const char *ifname, struct ethtool_push *p);
};

extern const struct ethtool_io ethtool_io_kernel;

/* The ops in use: the kernel's unless a test installed others. */
const struct ethtool_io *ethtool_io(void);
/* Tests only: installs io (NULL: the kernel's again). */
void ethtool_io_set(const struct ethtool_io *io);

/* Whether NIC settings may be read and written with this sysroot: never the
 * kernel's for a fake tree. */
bool ethtool_io_usable(const struct pa_paths *paths);

/*
 * The driver of an interface: its sysfs device/driver link under the
 * sysroot ("ena"), else, for virtual devices without one (veth), what the
 * driver tells ETHTOOL_GDRVINFO when ethtool_io_usable(). "" when neither.
 */
void ethtool_nic_driver(const struct pa_paths *paths, const char *ifname, char *buf,
			size_t size);

/* ---- statistics names ---- */

/*
 * Parses the kernel's name table of n entries (n * ETHTOOL_NAME_LEN bytes in
 * buf, len of which are there) into t->names, allocating t->values zeroed.
 * Each entry is cut at its first NUL or at ETHTOOL_NAME_LEN bytes; an entry
 * with a byte outside printable ASCII, an empty one and one beyond len are
 * "" so that the indices still match the values. Returns 0, -EINVAL for n
 * above ETHTOOL_STATS_MAX, or -ENOMEM. Any bytes are safe to pass.
 */
int ethtool_table_parse(const void *buf, size_t len, size_t n, struct ethtool_stat_table *t);
void ethtool_table_free(struct ethtool_stat_table *t);
/* The value of the first entry called name; 0 or -ENOENT. */
int ethtool_table_find(const struct ethtool_stat_table *t, const char *name, uint64_t *value);

/* ---- planning helpers ---- */

/* A whole decimal number (digits only) that fits 32 bits. */
bool ethtool_parse_u32(const char *s, uint32_t *v);

/*
 * The ring size a profile value leads to: "max" is the device's maximum; a
 * number above the maximum is cut to it; the result is rounded down to a
 * power of two (ENA takes only those). dev_max 0 (not reported) leaves a
 * number as it is and makes "max" unresolvable. Returns the size, or 0 when
 * wanted is neither "max" nor a number, or "max" has no maximum.
 */
uint32_t ethtool_ring_resolve(const char *wanted, uint32_t dev_max);

/*
 * The most entries per receive ring that keep queues rings of page_size
 * pages (one per entry) within budget bytes, as a power of two; 0 when not
 * even one entry per ring fits.
 */
uint32_t ethtool_ring_budget_cap(uint64_t budget, unsigned int queues, uint64_t page_size);

/*
 * The channel count a profile value leads to: "max" or a number, never
 * above the device's maximum nor the vCPUs (0: unknown, no bound). 0 when
 * wanted is neither or nothing bounds "max".
 */
uint32_t ethtool_chans_resolve(const char *wanted, uint32_t dev_max, unsigned int vcpus);

/* The largest channel count of the device: combined, else min(rx, tx). */
uint32_t ethtool_chans_max(const struct ethtool_chans *c);

#define ETHTOOL_MAX_CPUS 8192

/* A set of CPUs, as in cpumask files. */
struct cpu_mask {
	uint32_t w[ETHTOOL_MAX_CPUS / 32];
};

void cpu_mask_clear(struct cpu_mask *m);
void cpu_mask_set(struct cpu_mask *m, unsigned int cpu);
bool cpu_mask_test(const struct cpu_mask *m, unsigned int cpu);
unsigned int cpu_mask_count(const struct cpu_mask *m);
bool cpu_mask_empty(const struct cpu_mask *m);
/* "0-3,8,10-11" (cpulist files); 0 or -EINVAL (CPUs past the maximum too). */
int cpu_mask_parse_list(const char *s, struct cpu_mask *m);
/* "ff,00000000" (rps_cpus, smp_affinity: hex, comma every 32 bits); 0 or -EINVAL. */
int cpu_mask_parse_hex(const char *s, struct cpu_mask *m);
/*
 * The canonical hex form: no leading zeros, a comma every 32 bits from the
 * right ("ff,00000000"), "0" for none; the kernel takes it back. 0 or -E2BIG.
 */
int cpu_mask_format(const struct cpu_mask *m, char *buf, size_t size);
/* "1-3,8" */
int cpu_mask_format_list(const struct cpu_mask *m, char *buf, size_t size);

/*
 * The CPUs RPS spreads a NIC's receive work to (AWS ENA best practices):
 * the online CPUs of the NIC's NUMA node (node empty: all online ones),
 * without the CPUs that take its interrupts and their SMT siblings. When
 * that leaves none: without the interrupt CPUs only; then the node's CPUs.
 */
void ethtool_rps_mask(const struct cpu_mask *online, const struct cpu_mask *node,
		      const struct cpu_mask *irq, const struct cpu_mask *siblings,
		      struct cpu_mask *out);

#endif
