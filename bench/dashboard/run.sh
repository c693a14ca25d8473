#!/bin/sh
# Compares the dashboard's server time for a new account (a few rows) on
# this tree with a base commit (default d9fc5ee^, main before the charts),
# in one run: the base's tree is exported with git archive, the tagged
# internal/manage/dashboard_small_test.go is copied into it, and the test
# runs on base and head in turn, COUNT times each, so that a busy machine
# slows both alike. It prints each run and the ratio of the medians.
# (BenchmarkDashboard in internal/manage measures 100,000 jobs.)
#
#	bench/dashboard/run.sh [BASE]      # COUNT=5 by default
set -eu
base=${1:-d9fc5ee^}
count=${COUNT:-5}
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/base"
git -C "$root" archive "$base" | tar -x -C "$tmp/base"
cp "$root/internal/manage/dashboard_small_test.go" "$tmp/base/internal/manage/"
(cd "$tmp/base" && go test -c -tags benchdashboard -o "$tmp/base.test" ./internal/manage/)
(cd "$root" && go test -c -tags benchdashboard -o "$tmp/head.test" ./internal/manage/)
run() { # run BINARY LABEL
	(cd "$tmp" && "$1" -test.run '^TestDashboardSmallServerTime$' -test.count=1) |
		awk -v label="$2" '/^dashboard-small/ { print label, "dashboard/new-account", $2 }'
}
i=0
while [ "$i" -lt "$count" ]; do
	run "$tmp/base.test" base
	run "$tmp/head.test" head
	i=$((i + 1))
done | tee "$tmp/runs"
awk -f "$root/bench/internal/medians.awk" "$tmp/runs"
