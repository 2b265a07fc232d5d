#!/usr/bin/env bats
# Executor loss on a real local cluster: an executor whose ZooKeeper
# session is gone is out of /endpoints at once, its instances are LOST
# after the grace period (options.executorGracePeriod, 5 s) and it is
# REMOVED; when it comes back it reaps what it ran and runs the
# replacements, nothing twice.  A short stall moves nothing.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { cluster_start; }
teardown_file() { cluster_stop; }

setup() {
	s6-svc -u "$DROVE_RUN/service/drove-execd"
	wait_until 30 ping_is 200
	for e in $(curl -s "$API/apis/v1/cluster/executors" | jq -r '.data[].executorId'); do
		curl -s -X POST "$API/apis/v1/cluster/executors/$e/unblacklist" >/dev/null
	done
	wait_until 30 sh -c "curl -s $API/apis/v1/cluster/executors | jq -e '[.data[] | select(.state == \"ACTIVE\")] | length == 1'"
}

# Every app goes, so that each test finds the executor empty.
teardown() {
	local a
	for a in $(curl -s "$API/apis/v1/applications" | jq -r '.data | keys[]'); do
		curl -s -X POST "$API/apis/v1/applications/operations/$a/cancel" >/dev/null
		wait_until 30 sh -c "curl -s $API/apis/v1/applications/$a | jq -e '.data.currentOperation == null'" || true
		ok_op "{\"type\":\"SUSPEND\",\"appId\":\"$a\"}" >/dev/null || true
		wait_until 30 sh -c "curl -s $API/apis/v1/applications/$a | jq -e '.data.state == \"MONITORING\"'" || true
		ok_op "{\"type\":\"DESTROY\",\"appId\":\"$a\"}" >/dev/null || true
	done
	wait_until 30 sh -c "[ \"\$(curl -s $API/apis/v1/applications | jq '.data | length')\" = 0 ]" || true
}

# deploy NAME: NAME-1 with 2 HEALTHY instances
deploy() {
	ok_op "$(jq -c --arg n "$1" '.spec.name = $n | .spec.exposureSpec.vhost = "\($n).local" |
	    .instances = 2 | .opSpec.parallelism = 2' "$TOP/examples/create.json")"
	wait_until 60 healthy_is "$1-1" 2
}

healthy_ids() {
	curl -s "$API/apis/v1/applications/$1/instances" |
	    jq -r '[.data[] | select(.state == "HEALTHY") | .instanceId] | sort | .[]'
}
healthy_is() { [ "$(healthy_ids "$1" | grep -c .)" = "$2" ]; }
# the instance ids the engine runs for app $1, sorted
engine_ids() {
	/usr/bin/docker ps --filter label=drove.instance.id \
	    --format '{{.Label "drove.instance.info"}}' |
	    jq -r --arg a "$1" 'select(.appId == $a) | .instanceId' | sort
}
hosts_of() {
	curl -s "$API/apis/v1/endpoints/app/$1" | jq '[.data[].hosts[]] | length'
}

@test "a lost executor: out of /endpoints at once, LOST and REMOVED after the grace, nothing twice when it returns" {
	deploy loss
	before=$(healthy_ids loss-1)
	eid=$(curl -s "$API/apis/v1/cluster/executors" | jq -r '.data[0].executorId')
	[ "$(hosts_of loss)" = 2 ]
	s6-svc -d "$DROVE_RUN/service/drove-execd"
	wait_until 3 sh -c "[ \"\$(curl -s $API/apis/v1/endpoints/app/loss | jq '[.data[].hosts[]] | length')\" = 0 ]"
	# the containers outlive their executor
	[ "$(engine_ids loss-1)" = "$before" ]
	wait_until 30 sh -c "curl -s '$API/apis/v1/applications/loss-1/instances/old' | jq -e '[.data[] | select(.state == \"LOST\" and .errorMessage == \"Instance lost\")] | length == 2'"
	run curl -s "$API/apis/v1/cluster/executors"
	echo "$output" | jq -e --arg e "$eid" '.data | map(select(.executorId == $e)) | .[0].state == "REMOVED"'
	run node_curl -s "$API/apis/v1/internal/cluster/executors/$eid/instances/last"
	[ "$(echo "$output" | jq -r '.data.staleAppInstanceIds | sort | .[]')" = "$before" ]
	events_match '[.data.events[] | select(.type == "EXECUTOR_REMOVED" and .metadata.EXECUTOR_ID == $e)] | length >= 1' --arg e "$eid"
	# back: it reaps what it ran and runs the replacements
	s6-svc -u "$DROVE_RUN/service/drove-execd"
	wait_until 60 healthy_is loss-1 2
	after=$(healthy_ids loss-1)
	[ -z "$(comm -12 <(echo "$before") <(echo "$after"))" ]
	wait_until 30 sh -c "[ \"\$(/usr/bin/docker ps --filter label=drove.instance.id --format '{{.Label \"drove.instance.info\"}}' | jq -r 'select(.appId == \"loss-1\") | .instanceId' | sort | tr '\n' ' ')\" = \"$(echo "$after" | tr '\n' ' ')\" ]"
	run curl -s "$API/apis/v1/cluster/executors"
	echo "$output" | jq -e --arg e "$eid" '.data | map(select(.executorId == $e)) | length == 1 and .[0].state == "ACTIVE"'
	events_match '[.data.events[] | select(.type == "EXECUTOR_ADDED" and .metadata.EXECUTOR_ID == $e and .metadata.PORT > 0)] | length >= 1' --arg e "$eid"
}

@test "a short stall of the executor moves nothing" {
	deploy stall
	before=$(healthy_ids stall-1)
	pid=$(pgrep -f "drove-execd -c $DROVE_RUN/")
	[ -n "$pid" ]
	kill -STOP "$pid"
	sleep 3
	kill -CONT "$pid"
	sleep 7		# past the grace period: had the session gone, it would show
	[ "$(healthy_ids stall-1)" = "$before" ]
	run curl -s "$API/apis/v1/applications/stall-1/instances/old"
	echo "$output" | jq -e '[.data[] | select(.state == "LOST")] | length == 0'
	[ "$(engine_ids stall-1)" = "$before" ]
}

@test "blacklist: no placements, persisted across the executor's restart, events; unblacklist makes it ACTIVE" {
	eid=$(curl -s "$API/apis/v1/cluster/executors" | jq -r '.data[0].executorId')
	run curl -s -X POST "$API/apis/v1/cluster/executors/blacklist?id=$eid&id=nope"
	echo "$output" | jq -e --arg e "$eid" '.status == "SUCCESS" and .data.successful == [$e] and .data.failed == ["nope"] and
	    .data.message == "Blacklisting successful and app movement scheduled"'
	# nothing of it runs: BLACKLISTED at once
	wait_until 10 sh -c "curl -s $API/apis/v1/cluster/executors/$eid | jq -e '.data.executorState == \"BLACKLISTED\"'"
	run curl -s "$API/apis/v1/cluster/executors"
	echo "$output" | jq -e --arg e "$eid" '.data[] | select(.executorId == $e) | .state == "BLACKLISTED"'
	# no placement on it
	printf '%s' "$(jq -c '.spec.name = "bl" | .instances = 1' "$TOP/examples/create.json")" >"$BATS_TEST_TMPDIR/c.json"
	run curl -s -H 'Content-Type: application/json' --data-binary @"$BATS_TEST_TMPDIR/c.json" "$API/apis/v1/applications/operations"
	echo "$output" | jq -e '.status == "FAILED" and .data.validationErrors == ["No executors on cluster"]'
	# it outlives the executor's restart
	s6-svc -r "$DROVE_RUN/service/drove-execd"
	sleep 2
	wait_until 30 sh -c "curl -s $API/apis/v1/cluster/executors/$eid | jq -e '.data.executorState == \"BLACKLISTED\"'"
	run curl -s -X POST "$API/apis/v1/cluster/executors/$eid/unblacklist"
	echo "$output" | jq -e --arg e "$eid" '.data.successful == [$e] and .data.failed == []'
	wait_until 10 sh -c "curl -s $API/apis/v1/cluster/executors/$eid | jq -e '.data.executorState == \"ACTIVE\"'"
	for t in EXECUTOR_BLACKLIST_REQUESTED EXECUTOR_BLACKLISTED EXECUTOR_UN_BLACKLISTED; do
		events_match '[.data.events[] | select(.type == $t and .metadata.EXECUTOR_ID == $e)] | length >= 1' --arg t "$t" --arg e "$eid"
	done
	run curl -s -X POST "$API/apis/v1/cluster/executors/blacklist"
	echo "$output" | jq -e '.status == "FAILED"'
}
