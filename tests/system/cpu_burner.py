#!/usr/bin/env python3
"""A CPU burner with a known duty cycle, in a cgroup of its own.

cpu_burner.py CGROUP_DIR NAME DUTY [PERIOD_MS]: moves itself into
CGROUP_DIR (writes its pid to cgroup.procs), names itself NAME (its comm),
then forever spins for DUTY x PERIOD of its own CPU time and sleeps the
rest of each period. Prints "ready" once in place.
"""
import os
import sys
import time


def main():
    cgroup, name, duty = sys.argv[1], sys.argv[2], float(sys.argv[3])
    period = (float(sys.argv[4]) if len(sys.argv) > 4 else 20.0) / 1000
    with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))
    with open("/proc/self/comm", "w") as f:
        f.write(name)
    print("ready", flush=True)
    busy = duty * period
    next_start = time.monotonic()
    while True:
        spun_from = time.thread_time()
        while time.thread_time() - spun_from < busy:
            pass
        next_start += period
        pause = next_start - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        else:  # behind (preempted): start again from now
            next_start = time.monotonic()


if __name__ == "__main__":
    main()
