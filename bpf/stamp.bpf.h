/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Start times of kernel objects that have no storage of their own (block
 * requests) or whose storage costs an allocation and a free per use
 * (socket storage: about 1.5 us per connect measured here), kept in a
 * direct-mapped table indexed by a hash of the object's address.
 *
 * A slot is one u64, a 16-bit tag from the same hash over a 48-bit
 * timestamp (78 hours of ns), written in one store: no lock, no
 * allocation, no clean-up (a slot is simply overwritten). Two objects in
 * flight in the same slot lose one sample, never a count: with n in flight
 * an object loses its sample with probability about n / table size.
 */
#ifndef PA_BPF_STAMP_BPF_H
#define PA_BPF_STAMP_BPF_H

#define STAMP_TS_BITS	48
#define STAMP_TS_MASK	((1ULL << STAMP_TS_BITS) - 1)
#define STAMP_TAG(hash)	((hash) & 0xffff)

/* A table of 2^bits slots. */
#define STAMP_TABLE(name, bits)						\
	struct {							\
		__uint(type, BPF_MAP_TYPE_ARRAY);			\
		__uint(max_entries, 1 << (bits));			\
		__type(key, __u32);					\
		__type(value, __u64);					\
	} name SEC(".maps")

/* Where stamp_addr() turns a pointer into a number. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} stamp_addr_slot SEC(".maps");

/*
 * The address of a BTF-typed pointer (tp_btf arguments) as a number: the
 * verifier allows no arithmetic on such pointers, but stored into a
 * per-CPU slot and read back, the value is a plain scalar (programs loaded
 * with CAP_PERFMON may store kernel addresses in maps), for a store and a
 * load instead of a bpf_probe_read_kernel() call.
 */
static __always_inline __u64 stamp_addr(const void *ptr)
{
	volatile __u64 *v;
	__u32 zero = 0;

	v = bpf_map_lookup_elem(&stamp_addr_slot, &zero);
	if (!v)
		return 0;
	*v = (__u64)ptr;
	return *v;
}

static __always_inline __u64 stamp_hash(__u64 addr)
{
	return addr * 0x9e3779b97f4a7c15ULL;	/* Fibonacci hashing */
}

static __always_inline __u64 *stamp_slot(void *table, __u32 bits, __u64 hash)
{
	__u32 slot = hash >> (64 - bits);

	return bpf_map_lookup_elem(table, &slot);
}

static __always_inline void stamp_put(void *table, __u32 bits, __u64 addr,
				      __u64 now)
{
	__u64 hash = stamp_hash(addr), *slot = stamp_slot(table, bits, hash);

	if (slot)
		*slot = STAMP_TAG(hash) << STAMP_TS_BITS | (now & STAMP_TS_MASK);
}

/*
 * Takes addr's stamp out of the table: *ns since it. False when the slot
 * holds none, or another object's.
 */
static __always_inline bool stamp_take(void *table, __u32 bits, __u64 addr,
				       __u64 now, __u64 *ns)
{
	__u64 hash = stamp_hash(addr), *slot = stamp_slot(table, bits, hash);
	__u64 stamp;

	if (!slot)
		return false;
	stamp = *slot;
	if (!stamp || stamp >> STAMP_TS_BITS != STAMP_TAG(hash))
		return false;
	*slot = 0;
	*ns = (now - stamp) & STAMP_TS_MASK;
	return true;
}

/*
 * True at most once per period (in now's unit) for addr: the first call,
 * then the first after period has passed since the last true. Two objects
 * sharing a slot each count more often, never less.
 */
static __always_inline bool stamp_every(void *table, __u32 bits, __u64 addr, __u64 now,
					__u64 period)
{
	__u64 hash = stamp_hash(addr), *slot = stamp_slot(table, bits, hash);
	__u64 stamp;

	if (!slot)
		return false;
	stamp = *slot;
	if (stamp && stamp >> STAMP_TS_BITS == STAMP_TAG(hash) &&
	    ((now - stamp) & STAMP_TS_MASK) < period)
		return false;
	*slot = STAMP_TAG(hash) << STAMP_TS_BITS | (now & STAMP_TS_MASK);
	return true;
}

#endif
