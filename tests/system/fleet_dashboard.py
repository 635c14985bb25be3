#!/usr/bin/env python3
"""The fleet template's dashboard body, rendered and checked against the
rules CloudWatch documents for dashboard bodies (test_fleet_stack.sh). Not
the service itself: a body that passes can still be refused by it.

  fleet_dashboard.py TEMPLATE       prints one line per widget; exit 1 and
                                    what is wrong when the body is not valid

The template is read as text (no YAML library): the block under
`DashboardBody: !Sub` and the !Sub's own variables, with ${Parameter} as the
parameter's Default (a sample where it has none), ${AWS::Region} as a
region and ${Resource.Arn} as an alarm ARN. The rules are those of
CloudWatch's "Dashboard Body Structure and Syntax": a JSON object with a
`widgets` array of at most 500; each widget's x 0..23, width 1..24 (x +
width <= 24), height 1..1000, y >= 0; a metric widget's region, and each
line of its metrics either [Namespace, MetricName, (DimensionName,
DimensionValue)..., {options}?], the "..." shorthand, or [{expression,
id}]; ids start with a lower-case letter and are unique in the widget;
periods are 1, 5, 10, 30 or a multiple of 60; statistics are the named ones
or percentiles; an alarm widget names 1 to 100 alarm ARNs. Ours too: no two
widgets overlap, and an arithmetic expression uses only ids of its widget.
"""
import json
import re
import sys

STATS = {"Average", "Sum", "Minimum", "Maximum", "SampleCount"}
STAT_PATTERN = re.compile(r"(p|tm|wm|tc|ts|pr)\d+(\.\d+)?|(TM|WM|TC|TS|PR)\(.*\)|IQM")
WIDGET_TYPES = {"metric", "text", "log", "alarm", "explorer", "custom"}
ID_PATTERN = re.compile(r"[a-z][A-Za-z0-9_]*")
SAMPLE_GROUP = "web-fleet"


def indent_of(line):
    return len(line) - len(line.lstrip(" "))


def parameters(lines):
    """Each parameter's Default, as written (quotes taken off)."""
    params, name, inside = {}, None, False
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if indent_of(line) == 0:
            inside = line.startswith("Parameters:")
            continue
        if not inside:
            continue
        if indent_of(line) == 2 and line.rstrip().endswith(":"):
            name = line.strip()[:-1]
            params[name] = None
        elif name and line.strip().startswith("Default:"):
            params[name] = line.split(":", 1)[1].strip().strip("'\"")
    return params


def dashboard_sub(lines):
    """The !Sub's template string and its own variables, as written."""
    for i, line in enumerate(lines):
        if line.strip() == "DashboardBody: !Sub":
            break
    else:
        raise ValueError("no `DashboardBody: !Sub` in the template")
    start = lines[i + 1]
    if start.strip() != "- |":
        raise ValueError("DashboardBody's !Sub does not start with a `- |` block")
    item = indent_of(start)
    body, j = [], i + 2
    while j < len(lines) and (not lines[j].strip() or indent_of(lines[j]) > item):
        body.append(lines[j])
        j += 1
    variables = {}
    while j < len(lines) and (not lines[j].strip() or indent_of(lines[j]) >= item):
        m = re.match(r"\s*-?\s*(\w+): !Sub '(.*)'\s*$", lines[j])
        if m:
            variables[m.group(1)] = m.group(2)
        j += 1
    cut = min(indent_of(b) for b in body if b.strip())
    return "\n".join(b[cut:] for b in body), variables


def render(text):
    lines = text.splitlines()
    params = parameters(lines)
    body, variables = dashboard_sub(lines)

    def value(m):
        key = m.group(1)
        if key in params:
            default = params[key]
            return default if default else (SAMPLE_GROUP if key == "AutoScalingGroupName" else "x")
        if key == "AWS::Region":
            return "us-east-1"
        if key.endswith(".Arn"):
            return "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + key[:-4]
        raise ValueError("${%s}: not a parameter, pseudo parameter or resource ARN" % key)

    for name, raw in variables.items():
        variables[name] = re.sub(r"\$\{([^}]+)\}", value, raw)

    def value_or_variable(m):
        return variables[m.group(1)] if m.group(1) in variables else value(m)

    return re.sub(r"\$\{([^}]+)\}", value_or_variable, body)


def check_stat(stat, where, errors):
    if stat not in STATS and not STAT_PATTERN.fullmatch(stat):
        errors.append("%s: statistic %r is not one CloudWatch knows" % (where, stat))


def check_period(period, where, errors):
    if not isinstance(period, int) or not (period in (1, 5, 10, 30) or (period > 0 and period % 60 == 0)):
        errors.append("%s: period %r is not 1, 5, 10, 30 or a multiple of 60" % (where, period))


def check_options(opts, where, ids, errors):
    if "id" in opts:
        if not isinstance(opts["id"], str) or not ID_PATTERN.fullmatch(opts["id"]):
            errors.append("%s: id %r must start with a lower-case letter" % (where, opts.get("id")))
        elif opts["id"] in ids:
            errors.append("%s: id %r used twice in the widget" % (where, opts["id"]))
        else:
            ids.add(opts["id"])
    if "stat" in opts:
        check_stat(opts["stat"], where, errors)
    if "period" in opts:
        check_period(opts["period"], where, errors)


def check_metric_line(line, where, ids, expressions, errors):
    if not isinstance(line, list) or not line:
        errors.append("%s: a metrics line must be a non-empty array" % where)
        return
    opts = line[-1] if isinstance(line[-1], dict) else {}
    names = line[:-1] if opts else line
    if not names:
        if "expression" not in opts:
            errors.append("%s: an options-only line needs an expression" % where)
        else:
            expressions.append((where, opts["expression"]))
    elif names[0] in ("...", "."):
        pass
    elif len(names) < 2 or len(names) % 2 != 0:
        errors.append("%s: want [Namespace, MetricName, (DimensionName, DimensionValue)...], got %s"
                      % (where, json.dumps(line)))
    if not all(isinstance(n, str) and n for n in names):
        errors.append("%s: names and dimensions must be non-empty strings" % where)
    check_options(opts, where, ids, errors)


def check_expression(where, expression, ids, errors):
    """Arithmetic over the widget's ids; SEARCH and SELECT are CloudWatch's own."""
    if re.match(r"\s*(SEARCH|SELECT)\b", expression):
        if expression.count("(") != expression.count(")"):
            errors.append("%s: unbalanced parentheses in %r" % (where, expression))
        return
    for name in re.findall(r"\b[a-z][A-Za-z0-9_]*\b", expression):
        if name not in ids:
            errors.append("%s: %r uses %r, not an id of its widget" % (where, expression, name))


def check_widget(n, w, errors):
    where = "widget %d (%s)" % (n, w.get("properties", {}).get("title", w.get("type")))
    if w.get("type") not in WIDGET_TYPES:
        errors.append("%s: type %r" % (where, w.get("type")))
    x, y, width, height = (w.get(k) for k in ("x", "y", "width", "height"))
    if not all(isinstance(v, int) for v in (x, y, width, height)):
        errors.append("%s: x, y, width and height must be integers" % where)
        return None
    if not (0 <= x <= 23 and y >= 0 and 1 <= width <= 24 and 1 <= height <= 1000 and x + width <= 24):
        errors.append("%s: x %d, y %d, width %d, height %d outside the 24-column grid"
                      % (where, x, y, width, height))
    props = w.get("properties")
    if not isinstance(props, dict):
        errors.append("%s: no properties" % where)
        return (x, y, width, height)
    if w.get("type") == "metric":
        if not props.get("region"):
            errors.append("%s: a metric widget needs its region" % where)
        if "stat" in props:
            check_stat(props["stat"], where, errors)
        if "period" in props:
            check_period(props["period"], where, errors)
        metrics = props.get("metrics")
        if not isinstance(metrics, list) or not metrics:
            errors.append("%s: no metrics" % where)
            metrics = []
        ids, expressions = set(), []
        for i, line in enumerate(metrics):
            check_metric_line(line, "%s, metrics[%d]" % (where, i), ids, expressions, errors)
        for at, expression in expressions:
            check_expression(at, expression, ids, errors)
    elif w.get("type") == "alarm":
        alarms = props.get("alarms")
        if not isinstance(alarms, list) or not 1 <= len(alarms) <= 100 or \
                not all(isinstance(a, str) and a.startswith("arn:") for a in alarms):
            errors.append("%s: alarms must be 1 to 100 alarm ARNs" % where)
    return (x, y, width, height)


def overlap(a, b):
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def check(body):
    errors = []
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as e:
        line = body.splitlines()[e.lineno - 1] if e.lineno <= len(body.splitlines()) else ""
        return None, ["the body is not JSON: %s, at: %s" % (e, line.strip())]
    widgets = doc.get("widgets") if isinstance(doc, dict) else None
    if not isinstance(widgets, list) or len(widgets) > 500:
        return doc, ["the body needs a widgets array of at most 500"]
    boxes = [check_widget(n, w, errors) for n, w in enumerate(widgets)]
    for i, a in enumerate(boxes):
        for j in range(i):
            if a and boxes[j] and overlap(a, boxes[j]):
                errors.append("widgets %d and %d overlap" % (j, i))
    return doc, errors


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    try:
        body = render(text)
    except ValueError as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    doc, errors = check(body)
    for e in errors:
        print("FAIL: %s" % e, file=sys.stderr)
    if errors:
        return 1
    for w in doc["widgets"]:
        p = w["properties"]
        print("%s at %d,%d %dx%d: %s (%d lines)" % (w["type"], w["x"], w["y"], w["width"], w["height"],
              p.get("title", ""), len(p.get("metrics", p.get("alarms", [])))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
