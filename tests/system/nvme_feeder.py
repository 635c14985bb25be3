#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes an EBS volume's statistics pages into a fake tree as its counters
grow in real time, for the daemon to read at each interval (--root DIR reads
DIR/dev/NAME as the page). Every 50 ms the page is written whole (a new file
renamed over the old one):

  0 <= t < A    1000 reads/s of 500 us each, no limit exceeded
  A <= t < B    the same, and the volume over its provisioned IOPS all the time
  t >= B        counters restart from zero (the volume attached again), then
                grow as in the first phase

Usage: nvme_feeder.py PAGE_FILE A B
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures", "nvme"))
import mkpage  # noqa: E402


def counters(t, a, b):
    if t >= b:
        t -= b
        a = b = float("inf")
    reads = int(1000 * t)
    exceeded = int(max(0.0, min(t, b) - a) * 1e6)
    bins = [0, 0, 0, reads]          # 256-512 us
    return mkpage.page(read_ops=reads, read_bytes=4096 * reads, read_time=500 * reads,
                       vol_iops_us=exceeded, queue_length=8 if exceeded else 1,
                       read_hist=bins)


def main():
    path, a, b = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    start = time.monotonic()
    while True:
        data = counters(time.monotonic() - start, a, b)
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.rename(path + ".tmp", path)
        time.sleep(0.05)


if __name__ == "__main__":
    main()
