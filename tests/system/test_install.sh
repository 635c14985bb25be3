#!/bin/bash
# make install and make uninstall into a DESTDIR: uninstall removes every
# file install put there but the configuration, and leaves no empty folder
# of ours behind. No root needed; nothing outside the temporary directory.
# lane: side
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/system/lib.sh

dest=$(mktemp -d /tmp/perfagent-install.XXXXXX)
trap 'rm -rf "$dest" "$dest.log"' EXIT
files() { (cd "$dest" && find . ! -type d | sort); }
dirs() { (cd "$dest" && find . -type d -empty | sort); }

make --no-print-directory -s install DESTDIR="$dest" PREFIX=/usr >"$dest.log" 2>&1 ||
	fail "make install failed: $(cat "$dest.log")"
installed=$(files)
for f in ./usr/bin/perfagent ./etc/perfagent/perfagent.conf ./usr/share/perfagent/profiles/base.conf \
	./usr/lib/systemd/system/perfagent.service ./usr/share/man/man8/perfagent.8; do
	grep -qx "$f" <<<"$installed" || fail "make install did not install $f"
done
pass "make install: $(wc -l <<<"$installed") files"

echo "# edited" >>"$dest/etc/perfagent/perfagent.conf"
make --no-print-directory -s uninstall DESTDIR="$dest" PREFIX=/usr >"$dest.log" 2>&1 ||
	fail "make uninstall failed: $(cat "$dest.log")"
left=$(files)
[ "$left" = "./etc/perfagent/perfagent.conf" ] ||
	fail "make uninstall left more than the configuration: $left"
grep -q '^# edited' "$dest/etc/perfagent/perfagent.conf" || fail "make uninstall changed the configuration"
empty=$(dirs | grep -v '^\./etc/perfagent/conf\.d$' | grep -E 'perfagent' || true)
[ -z "$empty" ] || fail "make uninstall left empty folders of ours: $empty"
pass "make uninstall: everything but the configuration removed"
