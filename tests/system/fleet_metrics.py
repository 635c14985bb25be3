#!/usr/bin/env python3
"""The metric names a CloudFormation template of packaging/cloudformation/
uses, and the names the metric catalogue documents.

  fleet_metrics.py template FILE     names the template reads, one a line
  fleet_metrics.py catalogue FILE    names the catalogue lists, one a line
  fleet_metrics.py basic FILE        the catalogue's names of the basic level
  fleet_metrics.py emf FILE          names in EMF documents (one a line)

The template is read as text (no YAML library needed; its !Sub and
Fn::ForEach stay as written): alarms' MetricName, dashboard metric arrays,
SEARCH's MetricName="...", Metrics Insights' SELECT F(Name), with the
Fn::ForEach lists expanded. The catalogue's first table column is expanded
as the catalogue writes it: `XP50`, `P90`, `Max` (suffixes of the first
name), `XP50` ... `Max` (all of P50, P90, P99, P999, Max), <Op> (Read,
Write, Flush, Discard, Other); names with other <...> are left out."""
import json
import re
import sys

QUANTILES = ["P50", "P90", "P99", "P999", "Max"]
OPS = ["Read", "Write", "Flush", "Discard", "Other"]


def template_names(text):
    loops = {}
    for var, items in re.findall(r"Fn::ForEach::\w+:\s*\n\s*- (\w+)\s*\n\s*- \[([^\]]*)\]", text):
        loops[var] = [i.strip() for i in items.split(",")]
    found = set()
    patterns = [
        r"MetricName:\s*([\w${}]+)",
        r'\["\$\{Namespace\}",\s*"(\w+)"',
        r'MetricName=\\"(\w+)\\"',
        r"SELECT\s+\w+\(([\w${}]+)\)",
    ]
    for pat in patterns:
        found.update(re.findall(pat, text))
    # SEARCH's MetricName=(\"A\" OR \"B\")
    for group in re.findall(r"MetricName=\(([^)]*)\)", text):
        found.update(re.findall(r'\\"(\w+)\\"', group))
    names = set()
    for n in found:
        m = re.fullmatch(r"\$\{(\w+)\}", n)
        names.update(loops.get(m.group(1), []) if m else [n])
    return names


def catalogue_names(text):
    names = set()
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cell = line.split("|")[1]
        toks = re.findall(r"`([^`]+)`", cell)
        stem = None
        for tok in toks:
            ops = OPS if "<Op>" in tok else [""]
            tok = tok.replace("<Op>", "")
            if "<" in tok or tok.endswith("..."):
                continue
            if tok in QUANTILES and stem is not None:
                names.update(o + stem + tok for o in ops_stem)
                continue
            names.update(o + tok for o in ops)
            m = re.fullmatch(r"(\w+?)(P\d+|Max)", tok)
            if stem is None and m:
                stem, ops_stem = m.group(1), ops
        if stem is not None and re.search(r"`\s*\.\.\.\s*`", cell):
            names.update(o + stem + q for o in ops_stem for q in QUANTILES)
    return names


def basic_names(text):
    """The catalogue's rows whose level is basic; "basic (Read, Write)" limits <Op>."""
    names = set()
    for line in text.splitlines():
        cells = line.split("|")
        if not line.startswith("| `") or len(cells) < 6 or not cells[3].strip().startswith("basic"):
            continue
        only = re.findall(r"\b(" + "|".join(OPS) + r")\b", cells[3])
        for tok in re.findall(r"`([^`]+)`", cells[1]):
            ops = (only or OPS) if "<Op>" in tok else [""]
            names.update(o + tok.replace("<Op>", "") for o in ops)
    return names


def emf_names(text):
    names = set()
    for line in text.splitlines():
        for d in json.loads(line)["_aws"]["CloudWatchMetrics"]:
            names.update(m["Name"] for m in d["Metrics"])
    return names


def main():
    kind, path = sys.argv[1], sys.argv[2]
    text = open(path, encoding="utf-8").read()
    fn = {"template": template_names, "catalogue": catalogue_names, "basic": basic_names,
          "emf": emf_names}[kind]
    for n in sorted(fn(text)):
        print(n)


if __name__ == "__main__":
    main()
