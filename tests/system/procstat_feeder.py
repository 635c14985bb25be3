#!/usr/bin/env python3
"""Writes a synthetic /proc/stat that advances in real time.

Usage: procstat_feeder.py FILE VCPUS BUSY STEAL
  BUSY and STEAL are the shares (0..1) of every vCPU's time; the rest is
  idle. Ticks are USER_HZ (100 per second). The file is replaced atomically
  every 50 ms until the process is killed.
"""
import os
import sys
import time

path, vcpus, busy, steal = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
start = time.time()
base = 1000000  # ticks already counted at "boot"
while True:
    t = (time.time() - start) * 100 * vcpus
    user = base + int(t * busy)
    st = base // 100 + int(t * steal)
    idle = base + int(t * (1 - busy - steal))
    line = f"cpu  {user} 0 0 {idle} 0 0 0 {st} 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n"
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(line)
    os.replace(tmp, path)
    time.sleep(0.05)
