#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A strict stand-in for the CloudWatch agent's EMF listener.

serve:  listens on loopback, TCP (one document per line) and UDP (one
        document per datagram) on the same port, and checks every document
        against the published EMF rules (structure, limits, units,
        LogGroupName, finite values) plus perfagent's own PerfAgentRun and
        PerfAgentSeq. Valid documents go to OUT/docs.jsonl in arrival order,
        refused ones with the reasons to OUT/errors.log, connections to
        OUT/events.log; every byte received over TCP goes first, before any
        parsing, to OUT/raw/CONNECTION (the SIGTERM handler only sets a
        flag, so a byte read is always recorded). --mode noread accepts and never reads; --mode close
        closes every connection as soon as it is accepted; --mode reset
        reads at most 3000 bytes of each connection, then resets it (RST,
        SO_LINGER 0): mid-document, with more unread. SIGTERM stops it
        at once: data not read yet stays unread, as when an agent dies.
        --read-every S makes a slow agent, which reads only every S seconds.
check:  checks documents given one per line (files, or - for stdin).
report: sums up one or more OUT directories, in order, as JSON: per run,
        documents, duplicates, out-of-order first arrivals and gaps in
        PerfAgentSeq; whether each run arrived whole before the next began
        (runs_in_order); every error; namespaces, log groups, resolutions.

Rules: awsdocs CloudWatch_Embedded_Metric_Format_Specification (2023
schema), CloudWatch API MetricDatum/Dimension limits, the CloudWatch agent's
framing (shared/reference/integration.md sections 1-2). A metric's value is
a number, an array of 1..100 numbers, or a distribution: an object with
Values and Counts (arrays of 1..100 numbers, the same length, counts > 0,
as MetricDatum's Values/Counts) and optionally Max, Min, Count, Sum.
"""
import argparse
import fcntl
import json
import math
import os
import re
import selectors
import signal
import socket
import struct
import sys
import termios
import time

UNITS = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes",
    "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
    "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
    "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
    "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}
NAMESPACE_RE = re.compile(r"^[A-Za-z0-9._#:/-]{1,255}$")
LOG_GROUP_RE = re.compile(r"^[A-Za-z0-9._/#-]{1,512}$")
MAX_LINE = 1024 * 1024            # the agent's TCP MaxLogSize
MAX_DATAGRAM = 65507
MAX_METRICS = 100
MAX_VALUES = 100
MAX_DIMENSIONS = 30
VALUE_LIMIT = 2.0 ** 360
PAST_MS = 14 * 24 * 3600 * 1000
FUTURE_MS = 2 * 3600 * 1000


class Invalid(Exception):
    pass


def strict_object(pairs):
    seen = set()
    for k, _ in pairs:
        if k in seen:
            raise Invalid(f"duplicate member {k!r}")
        seen.add(k)
    return dict(pairs)


def no_constants(name):
    raise Invalid(f"{name} is not JSON")


def ascii_text(v, lo, hi, what):
    if not isinstance(v, str) or not lo <= len(v) <= hi:
        raise Invalid(f"{what} must be a string of {lo}..{hi} characters: {v!r}")
    if not v.isascii():
        raise Invalid(f"{what} must be ASCII: {v!r}")
    return v


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_number(name, x, what="value"):
    if not is_number(x):
        raise Invalid(f"metric {name}: {what} {x!r} is not a number")
    if not math.isfinite(x) or abs(x) > VALUE_LIMIT:
        raise Invalid(f"metric {name}: {what} {x!r} is not finite or beyond 2^360")


DIST_MEMBERS = {"Values", "Counts", "Max", "Min", "Count", "Sum"}


def check_distribution(name, v):
    """Values and Counts: arrays of 1..100 numbers of the same length, counts > 0;
    Max, Min, Count, Sum: numbers that agree with them."""
    extra = set(v) - DIST_MEMBERS
    if extra:
        raise Invalid(f"metric {name}: unknown distribution members {sorted(extra)}")
    values, counts = v.get("Values"), v.get("Counts")
    for what, arr in (("Values", values), ("Counts", counts)):
        if not isinstance(arr, list) or not 1 <= len(arr) <= MAX_VALUES:
            raise Invalid(f"metric {name}: {what} must be an array of 1..{MAX_VALUES} numbers")
        for x in arr:
            check_number(name, x, what[:-1].lower())
    if len(values) != len(counts):
        raise Invalid(f"metric {name}: {len(values)} Values but {len(counts)} Counts")
    if any(c <= 0 for c in counts):
        raise Invalid(f"metric {name}: a count is not positive: {counts}")
    if len(set(values)) != len(values):
        raise Invalid(f"metric {name}: Values repeat a value")
    for k in DIST_MEMBERS - {"Values", "Counts"}:
        if k in v:
            check_number(name, v[k], k)
    if "Count" in v and abs(v["Count"] - sum(counts)) > 1e-9 * v["Count"]:
        raise Invalid(f"metric {name}: Count {v['Count']} is not the sum of Counts {sum(counts)}")
    if "Min" in v and v["Min"] > min(values) or "Max" in v and v["Max"] < max(values):
        raise Invalid(f"metric {name}: Values outside Min..Max")


def check_value(name, v):
    if isinstance(v, dict):
        return check_distribution(name, v)
    values = v if isinstance(v, list) else [v]
    if isinstance(v, list) and not 1 <= len(v) <= MAX_VALUES:
        raise Invalid(f"metric {name}: {len(v)} values, want 1..{MAX_VALUES}")
    for x in values:
        check_number(name, x)


def utf8_text(v, lo, hi, what):
    """CloudWatch counts a dimension value in characters, UTF-8 on the wire."""
    if not isinstance(v, str) or not lo <= len(v) <= hi:
        raise Invalid(f"{what} must be a string of {lo}..{hi} characters: {v!r}")
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(f"{what} is not valid UTF-8: {v!r}")
    if any(ord(c) < 0x20 or ord(c) == 0x7f for c in v):
        raise Invalid(f"{what} holds a control character: {v!r}")
    return v


def check_dimensions(doc, dimensions):
    if not isinstance(dimensions, list) or not dimensions:
        raise Invalid("Dimensions must be a non-empty array")
    for dimset in dimensions:
        if not isinstance(dimset, list) or len(dimset) > MAX_DIMENSIONS:
            raise Invalid(f"a DimensionSet must be an array of at most {MAX_DIMENSIONS}")
        if len(set(map(str, dimset))) != len(dimset):
            raise Invalid(f"DimensionSet {dimset} repeats a key")
        for key in dimset:
            ascii_text(key, 1, 250, "a dimension name")
            if key.startswith(":"):
                raise Invalid(f"dimension name {key!r} starts with ':'")
            if key not in doc:
                raise Invalid(f"dimension {key!r} is not a root member")
            value = utf8_text(doc[key], 1, 1024, f"dimension {key}'s value")
            if not value.strip():
                raise Invalid(f"dimension {key}'s value is blank")


def check_metrics(doc, metrics, dim_keys, resolutions):
    if not isinstance(metrics, list) or not 1 <= len(metrics) <= MAX_METRICS:
        raise Invalid(f"Metrics must hold 1..{MAX_METRICS} definitions, not "
                      f"{len(metrics) if isinstance(metrics, list) else metrics!r}")
    names = set()
    for m in metrics:
        if not isinstance(m, dict):
            raise Invalid("a MetricDefinition must be an object")
        extra = set(m) - {"Name", "Unit", "StorageResolution"}
        if extra:
            raise Invalid(f"unknown MetricDefinition members {sorted(extra)}")
        name = ascii_text(m.get("Name"), 1, 255, "a metric Name")
        if name in names:
            raise Invalid(f"metric {name} defined twice in one directive")
        names.add(name)
        if name in dim_keys:
            raise Invalid(f"{name} is both a dimension and a metric")
        if name not in doc:
            raise Invalid(f"metric {name} has no root member")
        check_value(name, doc[name])
        if "Unit" in m and m["Unit"] not in UNITS:
            raise Invalid(f"metric {name}: unit {m['Unit']!r} is not an EMF unit")
        res = m.get("StorageResolution", 60)
        if not is_number(res) or isinstance(res, float) or res not in (1, 60):
            raise Invalid(f"metric {name}: StorageResolution {res!r} is not 1 or 60")
        if resolutions.setdefault(name, res) != res:
            raise Invalid(f"metric {name} has two resolutions in one event")


def check_aws(aws, now_ms):
    if not isinstance(aws, dict):
        raise Invalid("no _aws object")
    ts = aws.get("Timestamp")
    if not isinstance(ts, int) or isinstance(ts, bool):
        raise Invalid(f"_aws.Timestamp must be an integer (ms): {ts!r}")
    if not now_ms - PAST_MS <= ts <= now_ms + FUTURE_MS:
        raise Invalid(f"_aws.Timestamp {ts} is not within 14 days past .. 2 hours ahead")
    group = aws.get("LogGroupName")
    if not isinstance(group, str) or not LOG_GROUP_RE.match(group):
        raise Invalid(f"_aws.LogGroupName missing or invalid: {group!r} (the agent drops it)")
    if "LogStreamName" in aws:
        ascii_text(aws["LogStreamName"], 1, 512, "_aws.LogStreamName")
    directives = aws.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        raise Invalid("_aws.CloudWatchMetrics must be a non-empty array")
    return directives


def validate(text, now_ms=None, perfagent=True):
    """The parsed document, or raises Invalid with the first broken rule."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    if "\n" in text or "\r" in text:
        raise Invalid("a document spans lines")
    try:
        doc = json.loads(text, object_pairs_hook=strict_object, parse_constant=no_constants)
    except ValueError as e:
        raise Invalid(f"not JSON: {e}") from None
    if not isinstance(doc, dict):
        raise Invalid("the document is not a JSON object")
    resolutions = {}
    for d in check_aws(doc.get("_aws"), now_ms):
        if not isinstance(d, dict) or set(d) != {"Namespace", "Dimensions", "Metrics"}:
            raise Invalid(f"a MetricDirective needs exactly Namespace, Dimensions, Metrics: {d!r}")
        ns = d["Namespace"]
        if not isinstance(ns, str) or not NAMESPACE_RE.match(ns) or ns.startswith(("AWS/", ":")):
            raise Invalid(f"bad Namespace {ns!r}")
        check_dimensions(doc, d["Dimensions"])
        dim_keys = {k for s in d["Dimensions"] for k in s}
        check_metrics(doc, d["Metrics"], dim_keys, resolutions)
    if perfagent:
        seq, run = doc.get("PerfAgentSeq"), doc.get("PerfAgentRun")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise Invalid(f"PerfAgentSeq must be an integer >= 1: {seq!r}")
        if not isinstance(run, str) or not re.match(r"^[0-9a-f]{16}$", run):
            raise Invalid(f"PerfAgentRun must be 16 hex digits: {run!r}")
    return doc


class Server:
    def __init__(self, args):
        self.args = args
        self.sel = selectors.DefaultSelector()
        self.stop = False
        os.makedirs(args.out, exist_ok=True)
        self.docs = open(os.path.join(args.out, "docs.jsonl"), "a", buffering=1)
        self.errors = open(os.path.join(args.out, "errors.log"), "a", buffering=1)
        self.events = open(os.path.join(args.out, "events.log"), "a", buffering=1)
        self.raw_dir = os.path.join(args.out, "raw")
        os.makedirs(self.raw_dir, exist_ok=True)
        self.conns = {}
        self.next_id = 0
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((args.host, args.port))
        self.tcp.listen(64)
        self.tcp.setblocking(False)
        self.sel.register(self.tcp, selectors.EVENT_READ, self.accept)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((args.host, args.port))
        self.udp.setblocking(False)
        self.sel.register(self.udp, selectors.EVENT_READ, self.datagram)

    def event(self, what):
        self.events.write(f"{time.time():.3f} {what}\n")

    def document(self, raw, where):
        try:
            text = raw.decode("utf-8")
            validate(text, perfagent=not self.args.any_producer)
        except (UnicodeDecodeError, Invalid) as e:
            self.errors.write(json.dumps({"where": where, "error": str(e),
                                          "raw": raw[:2000].decode("utf-8", "replace")}) + "\n")
            return
        self.docs.write(text + "\n")

    def accept(self, sock):
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return
        self.next_id += 1
        cid = self.next_id
        self.event(f"accept {cid}")
        if self.args.mode == "close":
            conn.close()
            self.event(f"close {cid}")
            return
        raw = os.open(os.path.join(self.raw_dir, str(cid)),
                      os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
        self.conns[conn] = (cid, bytearray(), raw)
        if self.args.mode in ("read", "reset"):
            conn.setblocking(False)
            self.sel.register(conn, selectors.EVENT_READ, self.read)

    def read(self, conn):
        cid, buf, raw = self.conns[conn]
        try:
            data = conn.recv(3000 if self.args.mode == "reset" else 65536)
        except BlockingIOError:
            return
        except OSError as e:
            data = b""
            self.event(f"error {cid} {e}")
        if not data:
            if buf:
                self.event(f"truncated {cid} {len(buf)} bytes at close")
            self.event(f"eof {cid}")
            self.forget(conn)
            return
        os.write(raw, data)
        buf += data
        while True:
            nl = buf.find(b"\n")
            if nl < 0:
                break
            line = bytes(buf[:nl])
            del buf[:nl + 1]
            self.document(line, f"tcp {cid}")
        if self.args.mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            if buf:
                self.event(f"truncated {cid} {len(buf)} bytes at reset")
            self.event(f"reset {cid}")
            self.forget(conn)
            return
        if len(buf) > MAX_LINE:
            self.errors.write(json.dumps({"where": f"tcp {cid}",
                                          "error": "line longer than 1 MiB"}) + "\n")
            buf.clear()

    def forget(self, conn):
        self.sel.unregister(conn)
        conn.close()
        os.close(self.conns.pop(conn)[2])

    def datagram(self, sock):
        try:
            data = sock.recv(MAX_DATAGRAM + 1)
        except BlockingIOError:
            return
        if data.endswith(b"\n"):
            data = data[:-1]
        self.document(data, "udp")

    def run(self):
        print(f"listening tcp+udp {self.args.host}:{self.args.port} mode {self.args.mode}",
              flush=True)
        while not self.stop:
            for key, _ in self.sel.select(timeout=0.1):
                key.data(key.fileobj)
                if self.stop:
                    break
            if self.args.read_every and not self.stop:
                time.sleep(self.args.read_every)
        # As an agent that dies: unread bytes stay unread (the kernel resets;
        # with none, the close is an end of file to the sender).
        for conn in list(self.conns):
            unread = struct.unpack("i", fcntl.ioctl(conn, termios.FIONREAD, b"\0" * 4))[0]
            self.event(f"stop {self.conns[conn][0]} unread {unread}")
            conn.close()
        self.event("stopped")


def serve(args):
    server = Server(args)

    def on_term(signo, frame):
        server.stop = True
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    server.run()
    return 0


def check(args):
    bad = good = 0
    for path in args.files:
        f = sys.stdin if path == "-" else open(path)
        for n, line in enumerate(f, 1):
            try:
                validate(line.rstrip("\n"), perfagent=not args.any_producer)
                good += 1
            except Invalid as e:
                bad += 1
                print(f"{path}:{n}: {e}", file=sys.stderr)
    print(json.dumps({"valid": good, "invalid": bad}))
    return 1 if bad or not good else 0


def summarize_run(seqs):
    seen, max_seen, out_of_order = set(), 0, 0
    for s in seqs:
        if s in seen:
            continue
        if s < max_seen:
            out_of_order += 1
        seen.add(s)
        max_seen = max(max_seen, s)
    missing = sorted(set(range(1, max_seen + 1)) - seen)
    return {"count": len(seqs), "unique": len(seen), "first": min(seen), "last": max_seen,
            "duplicates": len(seqs) - len(seen), "out_of_order": out_of_order,
            "n_missing": len(missing), "missing": missing[:20]}


def report(args):
    runs, order, arrivals = {}, [], []
    errors, truncated, total = [], 0, 0
    seen = {"namespaces": set(), "log_groups": set(), "resolutions": set(), "metrics": set(),
            "dimension_sets": set(), "metrics_per_document_max": 0}
    for d in args.dirs:
        for line in open(os.path.join(d, "docs.jsonl")):
            doc = json.loads(line)
            total += 1
            run = doc.get("PerfAgentRun")
            if run not in runs:
                runs[run] = []
                order.append(run)
            runs[run].append(doc.get("PerfAgentSeq"))
            arrivals.append(order.index(run))
            seen["log_groups"].add(doc["_aws"]["LogGroupName"])
            for dr in doc["_aws"]["CloudWatchMetrics"]:
                seen["namespaces"].add(dr["Namespace"])
                seen["dimension_sets"].update(",".join(s) for s in dr["Dimensions"])
                seen["metrics_per_document_max"] = max(seen["metrics_per_document_max"],
                                                       len(dr["Metrics"]))
                for m in dr["Metrics"]:
                    seen["metrics"].add(m["Name"])
                    seen["resolutions"].add(m.get("StorageResolution", 60))
        errors += [json.loads(e) for e in open(os.path.join(d, "errors.log"))]
        truncated += sum(" truncated " in e for e in open(os.path.join(d, "events.log")))
    out = {"documents": total, "errors": len(errors), "error_samples": errors[:5],
           "truncated_at_close": truncated, "runs_in_order": arrivals == sorted(arrivals),
           "runs": [dict(run=r, **summarize_run(runs[r])) for r in order]}
    out.update({k: sorted(v) if isinstance(v, set) else v for k, v in seen.items()})
    print(json.dumps(out, indent=1))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--mode", choices=("read", "noread", "close", "reset"), default="read")
    s.add_argument("--read-every", type=float, default=0, metavar="SECONDS",
                   help="a slow agent: wait this long after each round of reads")
    s.add_argument("--any-producer", action="store_true",
                   help="do not require PerfAgentRun and PerfAgentSeq")
    c = sub.add_parser("check")
    c.add_argument("files", nargs="+")
    c.add_argument("--any-producer", action="store_true")
    r = sub.add_parser("report")
    r.add_argument("dirs", nargs="+")
    args = ap.parse_args()
    return {"serve": serve, "check": check, "report": report}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
