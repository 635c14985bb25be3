#!/usr/bin/env bash
# The spool's zlib packing (issue 21): compression ratio, CPU per document,
# and how long an outage the default spool_max_bytes covers, on documents
# this host really produces (`perfagent metrics --format emf` for SECONDS
# at a 1 s interval), without and with packing in the same run.
#
#   bench/spool_zlib.sh [SECONDS] [PUSHES]     # as root (probes), after make
set -eu
cd "$(dirname "$0")/.."

SECONDS_=${1:-30}
PUSHES=${2:-100000}
MAX_BYTES=$((6 << 20))  # SINK_DEFAULT_SPOOL_BYTES
PERFAGENT=${PERFAGENT:-$PWD/build/perfagent}
tmp=$(mktemp -d /tmp/perfagent-spoolzlib.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

make -s build/libperfagent.a
# shellcheck disable=SC2046 # the flags are words
cc -O2 -g -std=gnu11 -D_GNU_SOURCE -Iagent -Ibuild bench/spool_zlib.c build/libperfagent.a \
	$(pkg-config --libs json-c zlib) -o "$tmp/spool_zlib"
: >"$tmp/empty.conf"
timeout -s INT "$SECONDS_" "$PERFAGENT" metrics --format emf --interval 1 --no-imds \
	--config "$tmp/empty.conf" --state-dir "$tmp" >"$tmp/docs.jsonl" 2>"$tmp/metrics.log" || true
intervals=$(grep -o '"Timestamp":[0-9]*' "$tmp/docs.jsonl" | sort -u | wc -l)
docs=$(wc -l <"$tmp/docs.jsonl")
[ "$intervals" -gt 0 ] || { echo "no documents: $(cat "$tmp/metrics.log")" >&2; exit 1; }
echo "machine: $(uname -r), $(nproc) vCPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $("$PERFAGENT" version | head -1); zlib $(python3 -c 'import zlib; print(zlib.ZLIB_RUNTIME_VERSION)' 2>/dev/null || echo '?')"
echo "collected $docs documents over $intervals intervals of 1 s"
mkdir -m 0700 "$tmp/spool"
"$tmp/spool_zlib" "$tmp/docs.jsonl" $((docs / intervals)) "$PUSHES" "$MAX_BYTES" "$tmp/spool"
