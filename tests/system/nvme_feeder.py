#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes an EBS volume's statistics pages into a fake tree as its counters
grow in real time, for the daemon to read at each interval (--root DIR reads
DIR/dev/NAME as the page). Every 50 ms the page is written whole (a new file
renamed over the old one):

  0 <= t < A    1000 reads/s of 500 us each, no limit exceeded
  A <= t < B    the same, and the volume over its provisioned IOPS all the time;
                over its throughput, the instance's EBS IOPS and the instance's
                EBS throughput limits the shares VOL_TP, INST_IOPS and INST_TP
                of the time (default 0)
  t >= B        counters restart from zero (the volume attached again), then
                grow as in the first phase

Usage: nvme_feeder.py PAGE_FILE A B [VOL_TP INST_IOPS INST_TP]
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures", "nvme"))
import mkpage  # noqa: E402


def counters(t, a, b, shares):
    if t >= b:
        t -= b
        a = b = float("inf")
    reads = int(1000 * t)
    over = max(0.0, min(t, b) - a) * 1e6        # microseconds in phase 2
    exceeded = int(over)
    vol_tp, inst_iops, inst_tp = (int(over * s) for s in shares)
    bins = [0, 0, 0, reads]          # 256-512 us
    return mkpage.page(read_ops=reads, read_bytes=4096 * reads, read_time=500 * reads,
                       vol_iops_us=exceeded, vol_tp_us=vol_tp, inst_iops_us=inst_iops,
                       inst_tp_us=inst_tp, queue_length=8 if exceeded else 1,
                       read_hist=bins)


def main():
    path, a, b = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    shares = [float(x) for x in sys.argv[4:7]] + [0.0] * (7 - max(4, len(sys.argv)))
    start = time.monotonic()
    while True:
        data = counters(time.monotonic() - start, a, b, shares)
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.rename(path + ".tmp", path)
        time.sleep(0.05)


if __name__ == "__main__":
    main()
