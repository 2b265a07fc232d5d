#!/usr/bin/env bats
# Golden placements: every tests/golden/sched/*.t runs through
# `drove-sched --dry-run --state` and its stdout must equal the expected
# block (each line normalised with jq -cS).  A case file has sections:
#   --- args       optional: one line of extra arguments (-S spread ...)
#   --- requires   optional: a shell command run in the project root; the
#                  case is skipped when it fails (a feature not landed yet)
#   --- state      the snapshot: `drove-zkcli dump /<ns>` NDJSON
#   --- expect     the expected output lines
# Lines starting with # before the first section are comments.  A new case
# costs no code.

load helpers
teardown() { zk_stop; }
bats_require_minimum_version 1.5.0

# section FILE NAME: the lines of one section
section() {
	awk -v want="--- $2" '
		/^--- / { on = ($0 == want); next }
		on { print }' "$1"
}

norm() { jq -cS . || echo "(not JSON)"; }

@test "golden cases: drove-sched --dry-run --state" {
	local t n=0 failed=0 skipped=0 args
	for t in "$TOP"/tests/golden/sched/*.t; do
		n=$((n + 1))
		req=$(section "$t" requires)
		if [ -n "$req" ] && ! (cd "$TOP" && eval "$req") >/dev/null 2>&1
		then
			echo "# skip $(basename "$t"): requires $req" >&3
			skipped=$((skipped + 1))
			continue
		fi
		section "$t" state >"$BATS_TEST_TMPDIR/state"
		args=$(section "$t" args)
		# shellcheck disable=SC2086
		"$BIN/drove-sched" --dry-run --state "$BATS_TEST_TMPDIR/state" \
			$args >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" ||
			{ echo "$(basename "$t"): exit $?"; cat "$BATS_TEST_TMPDIR/err"; failed=$((failed + 1)); continue; }
		norm <"$BATS_TEST_TMPDIR/out" >"$BATS_TEST_TMPDIR/got"
		section "$t" expect | norm >"$BATS_TEST_TMPDIR/want"
		if ! diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got" \
			>"$BATS_TEST_TMPDIR/diff"; then
			echo "$(basename "$t"): output differs"
			cat "$BATS_TEST_TMPDIR/diff"
			failed=$((failed + 1))
		fi
	done
	echo "$n cases, $failed failed, $skipped skipped"
	[ "$n" -gt 0 ]
	[ "$failed" -eq 0 ]
}

@test "--state: the timing line, -S and --seed validation" {
	f=$TOP/tests/golden/sched/any.t
	section "$f" state >"$BATS_TEST_TMPDIR/state"
	run --separate-stderr "$BIN/drove-sched" --state "$BATS_TEST_TMPDIR/state"
	[ "$status" -eq 0 ]
	[[ "$stderr" =~ ^drove-sched:\ info:\ placed\ [0-9]+\ of\ [0-9]+\ requests\ in\ [0-9.]+\ ms\ \([0-9]+\ placements/s\)$ ]]
	run "$BIN/drove-sched" --state "$BATS_TEST_TMPDIR/state" -S worst
	[ "$status" -eq 100 ]
	[[ "$output" == *"unknown strategy 'worst'"* ]]
	run "$BIN/drove-sched" --state "$BATS_TEST_TMPDIR/state" --seed x
	[ "$status" -eq 100 ]
	run "$BIN/drove-sched" --state "$BATS_TEST_TMPDIR/nonexistent"
	[ "$status" -eq 100 ]
	[[ "$output" == *nonexistent* ]]
}

@test "--state: a bad snapshot exits 100 naming the file and line" {
	s=$BATS_TEST_TMPDIR/bad
	printf '%s\n' '{"path":"/drove/applications/a-1","data":{"appId":"a-1"}}' \
		'' '{"path":"/drove/executor/e1","data":' >"$s"
	run "$BIN/drove-sched" --state "$s"
	[ "$status" -eq 100 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "drove-sched: fatal: $s: line 3 column "* ]]
	printf '%s\n' '{"path":"/drove/executor/e1","data":{"hostname":"h"}}' >"$s"
	run "$BIN/drove-sched" --state "$s"
	[ "$status" -eq 100 ]
	[[ "$output" == *"$s: line 1: /drove/executor/e1: executor data without a \"state\" object"* ]]
	printf '%s\n' '[1,2]' >"$s"
	run "$BIN/drove-sched" --state "$s"
	[ "$status" -eq 100 ]
	[[ "$output" == *"$s: line 1: expected {\"path\""* ]]
	printf '%s\n' '{"path":"/drove/requests/AI-1","data":"x"}' >"$s"
	run "$BIN/drove-sched" --state "$s"
	[ "$status" -eq 100 ]
	[[ "$output" == *"line 1: /drove/requests/AI-1: data is not a JSON object"* ]]
}

@test "--state reads what drove-zkcli dump prints" {
	zk_start
	zkc() { "$BIN/drove-zkcli" -z "$ZK" "$@"; }
	echo '{"hostname":"h1","executorState":"ACTIVE","tags":["h1"],"state":{"executorId":"e1","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}' |
		zkc put /gd/executor/e1
	echo '{"appId":"a-1","spec":{"name":"a","resources":[{"type":"CPU","count":2},{"type":"MEMORY","sizeInMB":100}]},"instances":1}' |
		zkc put /gd/applications/a-1
	echo '{"appId":"a-1","created":5}' | zkc put /gd/requests/AI-1
	echo '{"x":1}' | zkc put /gd/instances/a-1/AI-0
	zkc dump /gd >"$BATS_TEST_TMPDIR/dump"
	zk_stop
	run --separate-stderr "$BIN/drove-sched" --state "$BATS_TEST_TMPDIR/dump"
	[ "$status" -eq 0 ]
	[ "$output" = '{"instanceId":"AI-1","appId":"a-1","executorId":"e1","hostname":"h1","numaNode":0,"cores":[0,1],"memoryMB":100}' ]
}
