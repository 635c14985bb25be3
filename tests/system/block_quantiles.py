#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Compares the agent's read-latency quantiles of one block device with
fio's completion-latency percentiles of the same reads
(check_block_quantiles.sh).

  block_quantiles.py DOCS FIO_JSON DEVICE MIN_P50_US [--traced N] [--scale S]

DOCS: the EMF documents the daemon sent (emf_checker.py's docs.jsonl);
every ReadLatency distribution of Device=DEVICE in them is summed (the
values are bucket middles at merge level 0: the same value for the same
bucket in every interval). FIO_JSON: fio --output-format=json with
--percentile_list=50:90:99. Prints one line per quantile; exits 2 when the
I/O counts disagree (below) or when the median is under MIN_P50_US (every read of the
device sleeps at least that long: a latency below it is not the device's),
else 1 when a quantile is more than one histogram bucket from fio's (below).

--traced N: the kernel's block_rq_complete tracepoint fired N times for the
device over the same reads, counted by ftrace (no BPF involved); N must be
fio's count. The agent, which counts from that tracepoint with a BPF
program, must count N, or at most BPF_SHORT_MAX fewer, never more: on the
test VM about 1 event in 23000 of these loop devices reaches no BPF program
at all (ftrace records it; bpftrace's programs on the same tracepoint miss
the same one; no recursion miss is recorded; bench/README.md has the runs).
Without --traced the agent's count is held against fio's the same way.
--scale multiplies the agent's values first: the test checks with it that
a wrong agent fails.

One bucket: the agent's quantile is the middle of the bucket of bpf/hist.h
holding its p-th sample (nanoseconds, 16 buckets per power of two, so a
bucket is 2^h / 16 wide for values in [2^h, 2^(h+1)): 6.25 % of its lower
bound). fio's percentile is the p-th sample of the same reads timed from
the read system call to its return, which also holds the system call's way
to the block layer and fio's wake-up after the completion: never less than
the block layer's time, a few tens of microseconds more. Agreement: fio's
value lies in the agent's bucket or in one of its two neighbours
(|bucket(fio) - bucket(agent)| <= 1).
"""
import json
import math
import sys

SUB_BITS = 4
SUBS = 1 << SUB_BITS
MAX_BITS = 32
BUCKETS = (MAX_BITS - SUB_BITS + 1) * SUBS
QUANTILES = (50, 90, 99)
BPF_SHORT_MAX = 2


def hist_bucket(v):
    """bpf/hist.bpf.h's hist_bucket()."""
    v = int(v)
    if v >= 1 << MAX_BITS:
        return BUCKETS - 1
    if v < SUBS:
        return v
    h = v.bit_length() - 1
    return (h - SUB_BITS + 1) * SUBS + ((v >> (h - SUB_BITS)) & (SUBS - 1))


def bucket_range(b):
    """Smallest and largest nanosecond value of bucket b."""
    if b < SUBS:
        return b, b
    h = b // SUBS + SUB_BITS - 1
    lo = (SUBS + b % SUBS) << (h - SUB_BITS)
    return lo, lo + (1 << (h - SUB_BITS)) - 1


def agent_values(docs, device):
    """{value in us: count} over every ReadLatency of device."""
    counts = {}
    for line in open(docs):
        d = json.loads(line)
        if d.get("Device") != device or "ReadLatency" not in d:
            continue
        dist = d["ReadLatency"]
        for v, c in zip(dist["Values"], dist["Counts"]):
            counts[v] = counts.get(v, 0) + c
    return counts


def nearest_rank(counts, q):
    """The smallest value with at least q % of the samples at or below it."""
    total = sum(counts.values())
    rank = math.ceil(q / 100 * total)
    seen = 0
    for v in sorted(counts):
        seen += counts[v]
        if seen >= rank:
            return v
    return None


def pop_option(args, name, convert, default):
    """The value after name in args, converted (both taken out of args)."""
    if name not in args:
        return default
    i = args.index(name)
    value = convert(args[i + 1])
    del args[i:i + 2]
    return value


def main():
    args = sys.argv[1:]
    scale = pop_option(args, "--scale", float, 1.0)
    traced = pop_option(args, "--traced", int, None)
    docs, fio_json, device, min_p50 = args
    counts = agent_values(docs, device)
    fio = json.load(open(fio_json))["jobs"][0]["read"]
    pct = fio["clat_ns"]["percentile"]
    n_agent, n_fio = sum(counts.values()), fio["total_ios"]
    ok, hard = True, False
    print(f"{device}: {n_agent} reads timed by the agent, {n_fio} by fio")
    if traced is not None:
        print(f"  the kernel's block_rq_complete fired {traced} times (ftrace)")
        if traced != n_fio:
            print(f"  FAIL: ftrace counted {traced} completions of fio's {n_fio} reads")
            hard = True
    fired = n_fio if traced is None else traced
    short = fired - n_agent
    if 0 < short <= BPF_SHORT_MAX:
        print(f"  {short} of the tracepoint's events reached no BPF program")
    elif short != 0:
        print(f"  FAIL: the agent counted {n_agent} reads of {fired}"
              f" (at most {BPF_SHORT_MAX} fewer, never more)")
        hard = True
    for q in QUANTILES:
        a_us = nearest_rank(counts, q) if counts else 0
        a_ns = round(a_us * 1000 * scale)
        f_ns = pct[f"{q:.6f}"]
        ab, fb = hist_bucket(a_ns), hist_bucket(f_ns)
        lo, hi = bucket_range(ab)
        good = abs(fb - ab) <= 1
        print(f"  p{q}: agent {a_ns / 1000:9.1f} us (bucket {ab}: {lo / 1000:.1f}..{hi / 1000:.1f})"
              f"  fio {f_ns / 1000:9.1f} us (bucket {fb})  {fb - ab:+d} bucket(s)"
              f"  {'ok' if good else 'FAIL: more than one bucket apart'}")
        ok = ok and good
        if q == 50 and a_ns < float(min_p50) * 1000 - (hi - lo + 1) / 2:
            print(f"  FAIL: p50 {a_ns / 1000:.1f} us is below the device's {min_p50} us")
            hard = True
    sys.exit(2 if hard else 0 if ok else 1)


if __name__ == "__main__":
    main()
