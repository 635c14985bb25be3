#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Compares the agent's read-latency quantiles of one block device with
the kernel's own times of the same reads (ftrace) and with fio's
completion-latency percentiles (check_block_quantiles.sh).

  block_quantiles.py DOCS FIO_JSON DEVICE MIN_P50_US [--traced N]
                     [--trace FILE] [--scale S]

DOCS: the EMF documents the daemon sent (emf_checker.py's docs.jsonl);
every ReadLatency distribution of Device=DEVICE in them is summed (the
values are bucket middles at merge level 0: the same value for the same
bucket in every interval). FIO_JSON: fio --output-format=json with
--percentile_list=50:90:99.

--trace FILE: an ftrace instance's trace of the device's block_rq_issue
and block_rq_complete events over the same reads (no BPF involved). Each
read's time from issue to completion (paired by sector; microsecond
timestamps) is the interval the agent times (the request's
io_start_time_ns, stamped where block_rq_issue fires, to block_rq_complete),
so the agent's quantiles must lie within one bucket of these.

fio's percentile is the p-th sample of the same reads timed from the read
system call to its return: it also holds the system call's way down to the
block layer and fio's wake-up after the completion, a few tens of
microseconds on a quiet host, which the block layer never sees. The agent
must be within one bucket of fio's too, unless fio's own value is more
than one bucket above the kernel's: then the host added time outside the
block layer (a busy or stolen CPU: seen in CI, p50s 900 us apart over a
2500 us device), which no block-layer tool can see, and the line says so.

Prints one line per quantile; exits 2 when the I/O counts disagree (below)
or when the median is under MIN_P50_US (every read of the device sleeps at
least that long: a latency below it is not the device's); else 1 when a
quantile is more than one bucket from the kernel's (or, without --trace,
from fio's), or from fio's while fio agrees with the kernel; else 3 when
only fio's time outside the block layer kept them apart; else 0.

--traced N: the kernel's block_rq_complete tracepoint fired N times for the
device over the same reads, counted by ftrace; N must be fio's count. The
agent, which counts from that tracepoint with a BPF program, must count N,
or at most BPF_SHORT_MAX fewer, never more: on the test VM about 1 event in
23000 of these loop devices reaches no BPF program at all (ftrace records
it; bpftrace's programs on the same tracepoint miss the same one; no
recursion miss is recorded; each one caught ran in softirq on top of a
thread of the VM's init process: bench/block_lost_events.sh, and
bench/README.md has the runs). Without
--traced the agent's count is held against fio's the same way.
--scale multiplies the agent's values first: the test checks with it that
a wrong agent fails.

One bucket: the agent's quantile is the middle of the bucket of bpf/hist.h
holding its p-th sample (nanoseconds, 16 buckets per power of two, so a
bucket is 2^h / 16 wide for values in [2^h, 2^(h+1)): 6.25 % of its lower
bound). Agreement: the other value lies in the agent's bucket or in one of
its two neighbours (|bucket(other) - bucket(agent)| <= 1).
"""
import json
import math
import re
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


# "  1234.567890: block_rq_issue: 7,0 R 4096 () 2048 + 8 none,0,0 [fio]"
TRACE_LINE = re.compile(r" (\d+)\.(\d{6}): block_rq_(issue|complete): .*?\) (\d+) \+ \d+ ")


def kernel_latencies(trace):
    """{value in ns: count}: each read's issue to completion in ftrace's
    trace, paired by sector (every read is issued once and completes once
    at iodepth 1); and how many completions found no issue."""
    counts, issued, unpaired = {}, {}, 0
    for line in open(trace):
        m = TRACE_LINE.search(line)
        if not m:
            continue
        t_us = int(m.group(1)) * 1000000 + int(m.group(2))
        sector = m.group(4)
        if m.group(3) == "issue":
            issued[sector] = t_us
        elif sector in issued:
            ns = (t_us - issued.pop(sector)) * 1000
            counts[ns] = counts.get(ns, 0) + 1
        else:
            unpaired += 1
    return counts, unpaired


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


def check_count(n_agent, n_fio, traced):
    """Whether the agent counted the reads (printing why not)."""
    good = True
    if traced is not None:
        print(f"  the kernel's block_rq_complete fired {traced} times (ftrace)")
        if traced != n_fio:
            print(f"  FAIL: ftrace counted {traced} completions of fio's {n_fio} reads")
            good = False
    fired = n_fio if traced is None else traced
    short = fired - n_agent
    if 0 < short <= BPF_SHORT_MAX:
        print(f"  {short} of the tracepoint's events reached no BPF program")
    elif short != 0:
        print(f"  FAIL: the agent counted {n_agent} reads of {fired}"
              f" (at most {BPF_SHORT_MAX} fewer, never more)")
        good = False
    return good


def verdict(ab, kb, fb):
    """One quantile's verdict from its buckets (agent, kernel or None,
    fio): (exit code, words)."""
    if kb is not None and abs(kb - ab) > 1:
        return 1, "FAIL: more than one bucket apart from the kernel's"
    if abs(fb - ab) <= 1:
        return 0, "ok"
    if kb is None:
        return 1, "FAIL: more than one bucket apart from fio's"
    if fb - kb > 1:
        return 3, "fio more than one bucket over the kernel's: time outside the block layer"
    return 1, "FAIL: more than one bucket apart from fio's"


def bucket_text(ns, ab):
    """ns in us and its bucket, with its distance from the agent's."""
    b = hist_bucket(ns)
    return f"{ns / 1000:9.1f} us (bucket {b}, {b - ab:+d})"


def main():
    args = sys.argv[1:]
    scale = pop_option(args, "--scale", float, 1.0)
    traced = pop_option(args, "--traced", int, None)
    trace = pop_option(args, "--trace", str, None)
    docs, fio_json, device, min_p50 = args
    counts = agent_values(docs, device)
    fio = json.load(open(fio_json))["jobs"][0]["read"]
    pct = fio["clat_ns"]["percentile"]
    n_agent, n_fio = sum(counts.values()), fio["total_ios"]
    print(f"{device}: {n_agent} reads timed by the agent, {n_fio} by fio")
    hard = not check_count(n_agent, n_fio, traced)
    kernel = None
    if trace is not None:
        kernel, unpaired = kernel_latencies(trace)
        print(f"  the kernel timed {sum(kernel.values())} reads from issue to completion (ftrace)")
        if unpaired or sum(kernel.values()) != n_fio:
            print(f"  FAIL: ftrace paired {sum(kernel.values())} issues with completions"
                  f" of fio's {n_fio} reads ({unpaired} completions without an issue)")
            hard = True
    worst = 0
    for q in QUANTILES:
        a_us = nearest_rank(counts, q) if counts else 0
        a_ns = round(a_us * 1000 * scale)
        f_ns = pct[f"{q:.6f}"]
        k_ns = nearest_rank(kernel, q) if kernel else None
        ab = hist_bucket(a_ns)
        lo, hi = bucket_range(ab)
        rc, words = verdict(ab, None if k_ns is None else hist_bucket(k_ns), hist_bucket(f_ns))
        kernel_text = "" if k_ns is None else f"  kernel {bucket_text(k_ns, ab)}"
        print(f"  p{q}: agent {a_ns / 1000:9.1f} us (bucket {ab}: {lo / 1000:.1f}..{hi / 1000:.1f})"
              f"{kernel_text}  fio {bucket_text(f_ns, ab)}  {words}")
        worst = max(worst, rc, key=lambda c: (0, 3, 1).index(c))
        if q == 50 and a_ns < float(min_p50) * 1000 - (hi - lo + 1) / 2:
            print(f"  FAIL: p50 {a_ns / 1000:.1f} us is below the device's {min_p50} us")
            hard = True
    sys.exit(2 if hard else worst)


if __name__ == "__main__":
    main()
