#!/bin/sh
# Compares the server time of the customer page's first render on this
# tree with a base commit (default 67ef203, main before languages), in one
# run: the base's tree is exported with git archive (no worktree, nothing
# in the repository changes), internal/web/render_bench_test.go is copied
# into it, and BenchmarkFirstRender runs on base and head in turn, COUNT
# times each, so that a busy machine slows both alike. It prints each
# run and the ratio of the medians, head / base.
#
#	bench/firstrender/run.sh [BASE]      # COUNT=5 BENCHTIME=1s by default
set -eu
base=${1:-67ef203}
count=${COUNT:-5}
benchtime=${BENCHTIME:-1s}
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/base"
git -C "$root" archive "$base" | tar -x -C "$tmp/base"
cp "$root/internal/web/render_bench_test.go" "$tmp/base/internal/web/"

bench() { # bench DIR LABEL
	(cd "$1" && go test -run '^$' -bench FirstRender -benchtime="$benchtime" -count=1 ./internal/web/) |
		awk -v label="$2" '/^BenchmarkFirstRender/ { sub(/-[0-9]+$/, "", $1); print label, $1, $3 }'
}
i=0
while [ "$i" -lt "$count" ]; do
	bench "$tmp/base" base
	bench "$root" head
	i=$((i + 1))
done | tee "$tmp/runs"
awk -f "$root/bench/internal/medians.awk" "$tmp/runs"
