#!/bin/sh
# Writes OUTDIR/perfagent-VERSION.tar.gz, the source both packages are built
# from: the files git tracks plus untracked files that .gitignore does not
# exclude (so work not yet committed is packaged too), never build/ output.
# Outside a git checkout: the tree without build/ and .git/.
# Usage: build-tarball.sh VERSION OUTDIR
set -eu

version=${1:?usage: build-tarball.sh VERSION OUTDIR}
outdir=${2:?usage: build-tarball.sh VERSION OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
name=perfagent-$version

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
list=$(mktemp)
trap 'rm -f "$list"' EXIT

cd "$top"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Files deleted in the work tree but still in the index are left out.
	git ls-files -z --cached --others --exclude-standard |
		xargs -0 -r sh -c 'for f; do [ -f "$f" ] && printf "%s\n" "$f"; done' sh |
		grep -v -e '^build/' -e '^debian/' | LC_ALL=C sort -u >"$list"
	mtime=$(git log -1 --format=%ct 2>/dev/null || date +%s)
else
	find . -path ./build -prune -o -path ./.git -prune -o -path ./debian -prune -o \
		-type f -print | sed 's|^\./||' | LC_ALL=C sort >"$list"
	mtime=$(date +%s)
fi

# Reproducible: sorted names, fixed owner and time, no gzip timestamp.
tar --create --files-from="$list" --transform "s|^|$name/|" \
	--owner=0 --group=0 --numeric-owner --mtime="@$mtime" --mode='u+w,go-w' |
	gzip -n -9 >"$outdir/$name.tar.gz.tmp"
mv "$outdir/$name.tar.gz.tmp" "$outdir/$name.tar.gz"
echo "$outdir/$name.tar.gz"
