#!/usr/bin/env python3
"""Checks agent/'s source layout against its declared one-way order.

The order, top to bottom (README.md, "Source layout"): main.c, cli/,
daemon/, config, tune/ and emf/, probes/, cpu/ and storage/, identity/ and net/,
core/.
A folder may include headers of its own folder and of folders on lower rows
only; folders on one row do not include each other. Also checked: every include of an agent
header is written root-relative ("tune/journal.h"), no header include circle
within a folder, and agent/'s top holds only the wiring files.

Usage: tests/check_layout.py [AGENT_DIR]   (default: agent/ of this checkout)
       tests/check_layout.py --self-test   (shows that each check can fail)
Exit status 0 when the layout holds, 1 with one line per violation.
"""
import os
import re
import shutil
import sys
import tempfile

# Rows, top first; main and config are agent/'s top-level wiring files.
ORDER = [
    ["main"],
    ["cli"],
    ["daemon"],
    ["config"],
    ["tune", "emf"],
    ["probes"],
    ["cpu", "storage"],
    ["identity", "net"],
    ["core"],
]
TOP_FILES = {"main.c": "main", "config.c": "config", "config.h": "config"}
ROW = {room: i for i, row in enumerate(ORDER) for room in row}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def room_of(agent, path):
    """The room of a file under agent: its folder, or main/config at the top."""
    rel = os.path.relpath(path, agent)
    parts = rel.split(os.sep)
    if len(parts) == 1:
        return TOP_FILES.get(parts[0])
    return parts[0]


def outside_agent(name):
    """Includes that are not agent headers: BPF structs, skeletons, vmlinux.h."""
    return name.startswith("bpf/") or name.endswith(".skel.h") or name == "vmlinux.h"


def sources(agent):
    for dirpath, _, files in os.walk(agent):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.join(dirpath, f)


def check(agent):
    errors = []
    headers = {}   # header path -> agent headers it includes (for circles)
    for path in sources(agent):
        rel = os.path.relpath(path, agent)
        room = room_of(agent, path)
        if room not in ROW:
            errors.append(f"{rel}: not in a declared folder (top: {', '.join(TOP_FILES)}; "
                          f"folders: {', '.join(r for row in ORDER for r in row if r not in TOP_FILES.values())})")
            continue
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        targets = []
        for m in INCLUDE.finditer(text):
            name = m.group(1)
            line = text.count("\n", 0, m.start()) + 1
            if outside_agent(name):
                continue
            target = os.path.join(agent, name)
            if not os.path.isfile(target):
                errors.append(f"{rel}:{line}: #include \"{name}\" is not root-relative "
                              f"(write the folder: \"<folder>/{os.path.basename(name)}\")")
                continue
            troom = room_of(agent, target)
            targets.append(target)
            if troom == room or troom not in ROW:
                continue
            if ROW[troom] < ROW[room]:
                errors.append(f"{rel}:{line}: #include \"{name}\" goes up ({room} is on row "
                              f"{ROW[room] + 1}, {troom} on row {ROW[troom] + 1})")
            elif ROW[troom] == ROW[room]:
                errors.append(f"{rel}:{line}: #include \"{name}\" crosses row {ROW[room] + 1} "
                              f"({room} and {troom} sit side by side)")
        if path.endswith(".h"):
            headers[path] = targets
    errors += circles(agent, headers)
    return errors


def circles(agent, headers):
    """Header include circles (all within one folder once the order holds)."""
    errors, state = [], {}

    def visit(h, stack):
        state[h] = "open"
        for t in headers.get(h, []):
            if state.get(t) == "open":
                loop = stack[stack.index(t):] + [t]
                errors.append("include circle: " +
                              " -> ".join(os.path.relpath(x, agent) for x in loop))
            elif t not in state:
                visit(t, stack + [t])
        state[h] = "done"

    for h in sorted(headers):
        if h not in state:
            visit(h, [h])
    return errors


def self_test():
    """Each kind of violation, planted in a copy of a tiny tree, must be found."""
    cases = {
        "upward": {"core/util.h": '#include "tune/tune.h"\n', "tune/tune.h": ""},
        "same row": {"tune/tune.h": '#include "emf/emf.h"\n', "emf/emf.h": ""},
        "not root-relative": {"core/util.c": '#include "util.h"\n', "core/util.h": ""},
        "circle": {"core/a.h": '#include "core/b.h"\n', "core/b.h": '#include "core/a.h"\n'},
        "flat file": {"stray.c": ""},
    }
    good = {"main.c": '#include "cli/cli.h"\n#include "config.h"\n', "config.h": "",
            "cli/cli.h": '#include "core/util.h"\n', "core/util.h": '#include "bpf/hist.h"\n'}
    failed = 0
    for name, files in list(cases.items()) + [("clean", good)]:
        tmp = tempfile.mkdtemp(prefix="pa-layout-")
        try:
            for rel, text in files.items():
                os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
                with open(os.path.join(tmp, rel), "w", encoding="utf-8") as fh:
                    fh.write(text)
            found = check(tmp)
        finally:
            shutil.rmtree(tmp)
        if (name == "clean") == (not found):
            print(f"ok: {name}: {found[0] if found else 'no violation'}")
        else:
            print(f"FAIL: {name}: {found or 'not detected'}")
            failed += 1
    return 1 if failed else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    agent = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "agent")
    errors = check(os.path.normpath(agent))
    for e in errors:
        print(f"layout: {e}")
    if errors:
        print(f"layout: {len(errors)} violation(s) of the declared order (README.md, Source layout)")
        return 1
    print("layout: every include follows the declared order")
    return 0


if __name__ == "__main__":
    sys.exit(main())
