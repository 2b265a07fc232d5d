#!/usr/bin/env bats
# Maintenance mode on a real local cluster (scripts/cluster): POST
# /apis/v1/cluster/maintenance/set and /unset with Drove's answers and
# events, and Drove's window (drove.md §7.6: in MAINTENANCE, and for 40 s
# after any set or unset): the write and validate APIs answer 400, nothing
# is respawned, the containers keep running; after the window the app is
# brought back to its count.  The 40 s are Drove's and fixed: each test
# that enters the window waits it out.

load helpers
bats_require_minimum_version 1.5.0

MAINT='{"status":"FAILED","data":{"validationErrors":["Cluster is in maintenance mode"]},"message":"Command validation failure"}'

setup_file() { cluster_start; }
teardown_file() { cluster_stop; }

setup() {
	wait_until 60 ping_is 200
	# a test that failed in the window leaves it behind: wait it out
	wait_until 60 out_of_window
	APP=t$BATS_TEST_NUMBER
	ID=$APP-1
}

teardown() {
	[ "$(cluster_state)" = MAINTENANCE ] && post /apis/v1/cluster/maintenance/unset >/dev/null
	wait_until 60 out_of_window || true
	op "{\"type\":\"SUSPEND\",\"appId\":\"$ID\"}" >/dev/null
	wait_until 60 sh -c "curl -s $API/apis/v1/applications/$ID | jq -e '.status == \"FAILED\" or (.data.state == \"MONITORING\" and .data.currentOperation == null)'" || true
	op "{\"type\":\"DESTROY\",\"appId\":\"$ID\"}" >/dev/null
	wait_until 30 sh -c "curl -s $API/apis/v1/applications/$ID | jq -e '.status == \"FAILED\"'" || true
}

# post PATH [FILE]: POST (the JSON in FILE); prints "<http code> <body>"
post() {
	curl -s -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}' \
	    -H 'Content-Type: application/json' \
	    --data-binary @"${2:-/dev/null}" "$API$1"
	printf ' '
	cat "$BATS_TEST_TMPDIR/body"
}

# op JSON: POST it as an operation
op() {
	printf '%s' "$1" >"$BATS_TEST_TMPDIR/op.json"
	post /apis/v1/applications/operations "$BATS_TEST_TMPDIR/op.json"
}

ok() { [ "${1%% *}" = 200 ] || { echo "refused: $1"; return 1; }; }
# refused OUT: HTTP 400 with Drove's maintenance envelope, exactly
refused() {
	[ "${1%% *}" = 400 ] && [ "$(echo "${1#* }" | jq -c .)" = "$MAINT" ] ||
	    { echo "not refused for maintenance: $1"; return 1; }
}

cluster_state() { curl -s "$API/apis/v1/cluster" | jq -r .data.state; }
# validate/spec accepts a valid spec: the window is over
out_of_window() {
	jq .spec "$TOP/examples/create.json" >"$BATS_TEST_TMPDIR/spec.json"
	[ "$(post /apis/v1/applications/validate/spec "$BATS_TEST_TMPDIR/spec.json" | cut -d' ' -f1)" = 200 ]
}
now_ms() { date +%s%3N; }

create() {
	ok "$(op "$(jq -c --arg n "$APP" --argjson k "$1" \
	    ".spec.name = \$n | .spec.exposureSpec.vhost = \"\$n.local\" |
	     .instances = \$k | .opSpec.parallelism = \$k" \
	    "$TOP/examples/create.json")")"
}
field() { curl -s "$API/apis/v1/applications/$ID" | jq -r ".data.$1"; }
ids_in() {
	curl -s "$API/apis/v1/applications/$ID/instances" |
	    jq -r --arg s "$1" '[.data[] | select($s == "" or .state == $s) | .instanceId] | sort | .[]'
}
settled() {
	[ "$(field state)" = RUNNING ] && [ "$(field currentOperation)" = null ] &&
	    [ "$(ids_in HEALTHY | wc -l)" = "$1" ]
}
running() {
	[ "$(/usr/bin/docker inspect -f '{{.State.Running}}' \
	    "$(/usr/bin/docker ps -aq --filter "label=drove.instance.id=$1")")" = true ]
}
# nothing new: the active instances are among $BEFORE, no request pending,
# no operation, and exactly $1 HEALTHY
nothing_new() {
	local now
	now=$(ids_in "")
	[ -z "$(comm -13 <(echo "$BEFORE") <(echo "$now"))" ] ||
	    { echo "new instances: $now"; return 1; }
	[ -z "$("$BIN/drove-zkcli" -z "$ZK" ls /drove/requests 2>/dev/null)" ] ||
	    { echo "requests pending"; return 1; }
	[ "$(field currentOperation)" = null ] || { echo "an operation"; return 1; }
	[ "$(ids_in HEALTHY | wc -l)" = "$1" ]
}

@test "set and unset: Drove's answers, /cluster's state, the events with HOSTNAME; writes and validations refused in the window and its 40 s tail" {
	t0=$(now_ms)
	run post /apis/v1/cluster/maintenance/set
	[ "${output%% *}" = 200 ]
	echo "${output#* }" | jq -e --argjson t0 "$t0" '.status == "SUCCESS" and
	    .message == "success" and (.data | keys) == ["state", "updated"] and
	    .data.state == "MAINTENANCE" and .data.updated >= $t0'
	set_at=$(echo "${output#* }" | jq .data.updated)
	[ "$(cluster_state)" = MAINTENANCE ]

	# every write and validate API, and nothing written
	refused "$(op "$(jq -c --arg n "$APP" '.spec.name = $n' "$TOP/examples/create.json")")"
	jq .spec "$TOP/examples/create.json" >"$BATS_TEST_TMPDIR/spec.json"
	refused "$(post /apis/v1/applications/validate/spec "$BATS_TEST_TMPDIR/spec.json")"
	echo '{"ruleBasedPlacementPolicy":{"ruleType":"HOPE","rule":"true"},"schedulingInfo":{}}' >"$BATS_TEST_TMPDIR/rule.json"
	refused "$(post /apis/v1/applications/placementpolicy/rule/dryrun "$BATS_TEST_TMPDIR/rule.json")"
	refused "$(post /apis/v1/applications/operations/$ID/cancel)"
	refused "$(post /apis/v1/operations/$ID/cancel)"
	run curl -s "$API/apis/v1/applications/$ID"
	echo "$output" | jq -e '.status == "FAILED"'
	# set again: still MAINTENANCE, a new time
	run post /apis/v1/cluster/maintenance/set
	echo "${output#* }" | jq -e --argjson s "$set_at" '.data.state == "MAINTENANCE" and .data.updated >= $s'

	run post /apis/v1/cluster/maintenance/unset
	[ "${output%% *}" = 200 ]
	echo "${output#* }" | jq -e --argjson s "$set_at" '.status == "SUCCESS" and
	    (.data | keys) == ["state", "updated"] and .data.state == "NORMAL" and
	    .data.updated >= $s'
	unset_at=$(echo "${output#* }" | jq .data.updated)
	[ "$(cluster_state)" = NORMAL ]

	# the events, with this controller's hostname (the host of /cluster's
	# leader)
	host=$(curl -s "$API/apis/v1/cluster" | jq -r '.data.leader | sub(":[0-9]+$"; "")')
	[ -n "$host" ]
	events_match '.data.events |= map(select(.time >= $t0)) |
	    [.data.events[] | select(.type == "MAINTENANCE_MODE_SET")] as $set |
	    [.data.events[] | select(.type == "MAINTENANCE_MODE_REMOVED")] as $rm |
	    ($set | length) == 2 and ($rm | length) == 1 and
	    any($set[]; .time == $s) and $rm[0].time == $u and
	    all($set[], $rm[]; .metadata == {"HOSTNAME": $h} and (.id | length) > 0)' --arg h "$host" --argjson s "$set_at" --argjson u "$unset_at" --argjson t0 "$t0"

	# the tail: still refused right after the unset and a few seconds on
	refused "$(op "$(jq -c --arg n "$APP" '.spec.name = $n' "$TOP/examples/create.json")")"
	sleep 3
	refused "$(post /apis/v1/applications/validate/spec "$BATS_TEST_TMPDIR/spec.json")"
	# then accepted, not before the 40 s are over
	wait_until 50 out_of_window
	[ "$(now_ms)" -ge $((unset_at + 40000)) ]
	ok "$(op "$(jq -c --arg n "$APP" '.spec.name = $n' "$TOP/examples/create.json")")"
}

@test "in the window a killed container is not respawned and the others keep running; after it the app is back at its count" {
	create 3
	wait_until 60 settled 3
	BEFORE=$(ids_in "")
	victim=$(echo "$BEFORE" | head -1)
	others=$(echo "$BEFORE" | tail -n +2)
	ok "$(post /apis/v1/cluster/maintenance/set)"

	/usr/bin/docker kill "$(/usr/bin/docker ps -q --filter "label=drove.instance.id=$victim")" >/dev/null
	wait_until 30 sh -c "curl -s $API/apis/v1/applications/$ID/instances/$victim | jq -e '.data.state != \"HEALTHY\"'"
	# for 5 s: no new instance asked for, the others HEALTHY and running
	for _ in $(seq 10); do
		nothing_new 2
		for i in $others; do running "$i"; done
		sleep 0.5
	done
	[ "$(field requiredInstances)" = 3 ]

	run post /apis/v1/cluster/maintenance/unset
	[ "${output%% *}" = 200 ]
	unset_at=$(echo "${output#* }" | jq .data.updated)
	# the tail: still refused, still nothing respawned
	refused "$(op "{\"type\":\"SCALE\",\"appId\":\"$ID\",\"requiredInstances\":3}")"
	sleep 3
	nothing_new 2
	# after the window: back at 3 HEALTHY, with a new instance
	wait_until 60 settled 3
	[ "$(now_ms)" -ge $((unset_at + 40000)) ]
	run ids_in HEALTHY
	[[ "$output" != *"$victim"* ]]
	for i in $others; do
		[[ "$output" = *"$i"* ]]
		running "$i"
	done
}
