#!/usr/bin/env bats
# Application operations on a real local cluster (scripts/cluster: real
# ZooKeeper, Docker engine, the drove daemons under s6): every operation,
# the refusals of Drove's allowed-operations table, cancel, ROLLBACK, the
# app states, instances/old, and a leader killed in the middle of a
# rolling replace.  Each test deploys its own app (name = the test's own),
# so no test depends on another.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { cluster_start; }
teardown_file() { cluster_stop; }


setup() {
	wait_until 60 ping_is 200
	APP=t$BATS_TEST_NUMBER
	ID=$APP-1
}

# Each test's app goes, so that the next ones find the cluster's cores
# free.
teardown() {
	curl -s -X POST "$API/apis/v1/applications/operations/$ID/cancel" >/dev/null
	wait_until 60 sh -c "curl -s $API/apis/v1/applications/$ID | jq -e '.data.currentOperation == null'" || true
	op "{\"type\":\"SUSPEND\",\"appId\":\"$ID\"}" >/dev/null
	wait_until 60 sh -c "curl -s $API/apis/v1/applications/$ID | jq -e '.status == \"FAILED\" or .data.state == \"MONITORING\"'" || true
	op "{\"type\":\"DESTROY\",\"appId\":\"$ID\"}" >/dev/null
	wait_until 30 sh -c "curl -s $API/apis/v1/applications/$ID | jq -e '.status == \"FAILED\"'" || true
}

# op JSON: POST it as an operation; prints "<http code> <body>"
op() {
	printf '%s' "$1" >"$BATS_TEST_TMPDIR/op.json"
	curl -s -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}' \
	    -H 'Content-Type: application/json' \
	    --data-binary @"$BATS_TEST_TMPDIR/op.json" \
	    "$API/apis/v1/applications/operations"
	printf ' '
	cat "$BATS_TEST_TMPDIR/body"
}

ok() { [ "${1%% *}" = 200 ] || { echo "refused: $1"; return 1; }; }

# create N [JQ]: CREATE app $APP with N instances, the spec edited by JQ
create() {
	local out
	out=$(op "$(jq -c --arg n "$APP" --argjson k "$1" \
	    ".spec.name = \$n | .spec.exposureSpec.vhost = \"\$n.local\" |
	     .instances = \$k | ${2:-.}" "$TOP/examples/create.json")")
	ok "$out"
}

# create_flagged N [JQ]: create N instances whose readiness passes only
# while $BATS_TEST_TMPDIR/flags/fail is absent or flags/<instanceId> exists:
# new instances can be made to fail while the old ones stay HEALTHY
create_flagged() {
	local f=$BATS_TEST_TMPDIR/flags
	mkdir -p "$f"
	chmod 777 "$f"
	create "$1" "${2:-.} |
	    .spec.volumes = [{pathInContainer: \"/flags\", pathOnHost: \"$f\", mode: \"READ_WRITE\"}] |
	    .spec.readiness = {mode: {type: \"CMD\", command: \"test ! -e /flags/fail || test -e /flags/\$DROVE_INSTANCE_ID\"},
	        timeout: \"1 second\", interval: \"200 milliseconds\", attempts: 3, initialDelay: \"0 seconds\"}"
}

summary() { curl -s "$API/apis/v1/applications/$ID" | jq -c .data; }
field() { curl -s "$API/apis/v1/applications/$ID" | jq -r ".data.$1"; }
state_is() { [ "$(field state)" = "$1" ]; }
idle() { [ "$(field currentOperation)" = null ]; }
healthy_ids() {
	curl -s "$API/apis/v1/applications/$ID/instances" |
	    jq -r '[.data[] | select(.state == "HEALTHY") | .instanceId] | sort | .[]'
}
healthy_count() { healthy_ids | wc -l; }
healthy_is() { [ "$(healthy_count)" = "$1" ]; }
# settled N: RUNNING (MONITORING for 0) without operation, N HEALTHY
settled() {
	local s=RUNNING
	[ "$1" = 0 ] && s=MONITORING
	state_is "$s" && idle && healthy_is "$1" &&
	    [ "$(field requiredInstances)" = "$1" ]
}
# containers of the app in the engine, running or not
containers() {
	/usr/bin/docker ps -aq --filter "label=drove.instance.id" \
	    --format '{{.Label "drove.instance.info"}}' |
	    jq -r --arg a "$ID" 'select(.appId == $a) | .instanceId' | sort
}

@test "CREATE with instances is a scale: SCALING_REQUESTED with currentOperation, then RUNNING" {
	create 2
	run summary
	echo "$output" | jq -e '.state == "SCALING_REQUESTED" and
	    .currentOperation.type == "CREATE" and
	    .currentOperation.requiredInstances == 2'
	wait_until 60 settled 2
	run summary
	echo "$output" | jq -e 'has("currentOperation") | not'
}

@test "CREATE without instances is MONITORING; a second CREATE is refused" {
	create 0
	state_is MONITORING
	run op "$(jq -c --arg n "$APP" '.spec.name = $n' "$TOP/examples/create.json")"
	[ "${output%% *}" = 400 ]
	[ "$(echo "${output#* }" | jq -c .data.validationErrors)" = "[\"App $ID already exists\"]" ]
}

@test "START_INSTANCES adds to the HEALTHY count; SUSPEND scales to 0 and leaves MONITORING" {
	create 1
	wait_until 60 settled 1
	ok "$(op "{\"type\":\"START_INSTANCES\",\"appId\":\"$ID\",\"instances\":2,\"opSpec\":{\"timeout\":\"5m\",\"parallelism\":2,\"failureStrategy\":\"STOP\"}}")"
	wait_until 60 settled 3
	ok "$(op "{\"type\":\"SUSPEND\",\"appId\":\"$ID\"}")"
	wait_until 60 settled 0
	[ -z "$(/usr/bin/docker ps -q --filter "label=drove.instance.id" --format '{{.Label "drove.instance.info"}}' | grep "\"$ID\"")" ]
}

@test "SCALE down stops the surplus and waits for it to stop" {
	create 3 '.opSpec.parallelism = 3'
	wait_until 60 settled 3
	ok "$(op "{\"type\":\"SCALE\",\"appId\":\"$ID\",\"requiredInstances\":1}")"
	wait_until 60 settled 1
	wait_until 30 sh -c "[ \$(/usr/bin/docker ps -q --filter label=drove.instance.id --format '{{.Label \"drove.instance.info\"}}' | grep -c '\"$ID\"') = 1 ]"
}

@test "operations the app's state does not allow are refused with Drove's messages" {
	create 0
	run op "{\"type\":\"STOP_INSTANCES\",\"appId\":\"$ID\",\"instanceIds\":[\"AI-x\"]}"
	[ "${output%% *}" = 400 ]
	[ "$(echo "${output#* }" | jq -c .)" = "{\"status\":\"FAILED\",\"data\":{\"validationErrors\":[\"Only [DESTROY, RECOVER, SCALE_INSTANCES, START_INSTANCES] allowed for app $ID as it is in MONITORING state\"]},\"message\":\"Command validation failure\"}" ]
	run op "{\"type\":\"SUSPEND\",\"appId\":\"$ID\"}"
	[ "${output%% *}" = 400 ]
	ok "$(op "{\"type\":\"SCALE\",\"appId\":\"$ID\",\"requiredInstances\":1}")"
	wait_until 60 settled 1
	run op "{\"type\":\"DESTROY\",\"appId\":\"$ID\"}"
	[ "${output%% *}" = 400 ]
	[ "$(echo "${output#* }" | jq -r '.data.validationErrors[0]')" = "Only [RECOVER, REPLACE_INSTANCES, SCALE_INSTANCES, START_INSTANCES, STOP_INSTANCES, SUSPEND] allowed for app $ID as it is in RUNNING state" ]
	run op '{"type":"SCALE","appId":"nope-1","requiredInstances":1}'
	[ "${output%% *}" = 400 ]
	[ "$(echo "${output#* }" | jq -r '.data.validationErrors[0]')" = "App nope-1 not found" ]
}

@test "a second operation while one is in progress is refused, naming it" {
	create 2 '.opSpec.parallelism = 2 | .spec.readiness.initialDelay = "2 seconds"'
	wait_until 60 settled 2
	ok "$(op "{\"type\":\"REPLACE_INSTANCES\",\"appId\":\"$ID\",\"opSpec\":{\"timeout\":\"5m\",\"parallelism\":1,\"failureStrategy\":\"STOP\"}}")"
	run op "{\"type\":\"SCALE\",\"appId\":\"$ID\",\"requiredInstances\":5}"
	[ "${output%% *}" = 400 ]
	[ "$(echo "${output#* }" | jq -c .data.validationErrors)" = "[\"No operations allowed for $ID as it is in REPLACE_INSTANCES_REQUESTED state\",\"Operation REPLACE_INSTANCES is in progress for app $ID\"]" ]
	wait_until 60 settled 2
}

@test "SCALE while SCALING_REQUESTED retargets the scale" {
	create 0 '.spec.readiness.initialDelay = "2 seconds"'
	ok "$(op "{\"type\":\"SCALE\",\"appId\":\"$ID\",\"requiredInstances\":4,\"opSpec\":{\"timeout\":\"5m\",\"parallelism\":1,\"failureStrategy\":\"STOP\"}}")"
	state_is SCALING_REQUESTED
	ok "$(op "{\"type\":\"SCALE\",\"appId\":\"$ID\",\"requiredInstances\":2,\"opSpec\":{\"timeout\":\"5m\",\"parallelism\":2,\"failureStrategy\":\"STOP\"}}")"
	[ "$(field currentOperation.requiredInstances)" = 2 ]
	wait_until 60 settled 2
}

@test "STOP_INSTANCES: unknown ids are refused; skipRespawn lowers the count; without it they are replaced" {
	create 3 '.opSpec.parallelism = 3'
	wait_until 60 settled 3
	run op "{\"type\":\"STOP_INSTANCES\",\"appId\":\"$ID\",\"instanceIds\":[\"AI-nope\"]}"
	[ "${output%% *}" = 400 ]
	[ "$(echo "${output#* }" | jq -r '.data.validationErrors[0]')" = "App $ID does not have any instances with the following ids: AI-nope" ]
	one=$(healthy_ids | head -1)
	ok "$(op "{\"type\":\"STOP_INSTANCES\",\"appId\":\"$ID\",\"instanceIds\":[\"$one\"],\"skipRespawn\":true}")"
	state_is STOP_INSTANCES_REQUESTED
	wait_until 60 settled 2
	run healthy_ids
	[[ "$output" != *"$one"* ]]
	two=$(healthy_ids | head -1)
	ok "$(op "{\"type\":\"STOP_INSTANCES\",\"appId\":\"$ID\",\"instanceIds\":[\"$two\"]}")"
	wait_until 60 sh -c "curl -s $API/apis/v1/applications/$ID/instances/$two | jq -e '.data.state == \"STOPPED\"'"
	wait_until 60 settled 2
	run healthy_ids
	[[ "$output" != *"$two"* ]]
}

@test "REPLACE_INSTANCES replaces every HEALTHY instance, never going below the count" {
	create 3 '.opSpec.parallelism = 3'
	wait_until 60 settled 3
	before=$(healthy_ids)
	ok "$(op "{\"type\":\"REPLACE_INSTANCES\",\"appId\":\"$ID\",\"instanceIds\":[],\"stopFirst\":false,\"opSpec\":{\"timeout\":\"5m\",\"parallelism\":2,\"failureStrategy\":\"STOP\"}}")"
	state_is REPLACE_INSTANCES_REQUESTED
	[ "$(field currentOperation.stepsTotal)" = 3 ]
	low=3
	for _ in $(seq 600); do
		n=$(healthy_count)
		[ "$n" -lt "$low" ] && low=$n
		settled 3 && break
		sleep 0.1
	done
	settled 3
	[ "$low" = 3 ]
	after=$(healthy_ids)
	[ -z "$(comm -12 <(echo "$before") <(echo "$after"))" ]
	wait_until 30 sh -c "[ \"\$(/usr/bin/docker ps -q --filter label=drove.instance.id --format '{{.Label \"drove.instance.info\"}}' | grep -c '\"$ID\"')\" = 3 ]"
}

@test "REPLACE_INSTANCES of given ids with stopFirst replaces only those; ids not HEALTHY are refused" {
	create 2 '.opSpec.parallelism = 2'
	wait_until 60 settled 2
	run op "{\"type\":\"REPLACE_INSTANCES\",\"appId\":\"$ID\",\"instanceIds\":[\"AI-a\",\"AI-b\"]}"
	[ "${output%% *}" = 400 ]
	[ "$(echo "${output#* }" | jq -r '.data.validationErrors[0]')" = "There are no replaceable healthy instances with ids: [AI-a, AI-b]" ]
	one=$(healthy_ids | head -1)
	other=$(healthy_ids | tail -1)
	ok "$(op "{\"type\":\"REPLACE_INSTANCES\",\"appId\":\"$ID\",\"instanceIds\":[\"$one\"],\"stopFirst\":true}")"
	wait_until 60 settled 2
	run healthy_ids
	[[ "$output" != *"$one"* ]]
	[[ "$output" == *"$other"* ]]
}

@test "cancel: in-flight steps finish and the app keeps what runs; stops cannot be cancelled" {
	create 0 '.spec.readiness.initialDelay = "2 seconds"'
	run curl -s -X POST "$API/apis/v1/applications/operations/$ID/cancel"
	[ "$(echo "$output" | jq -c .)" = '{"status":"FAILED","data":{"validationErrors":["Current operation could not be cancelled"]},"message":"Command validation failure"}' ]
	ok "$(op "{\"type\":\"SCALE\",\"appId\":\"$ID\",\"requiredInstances\":6,\"opSpec\":{\"timeout\":\"5m\",\"parallelism\":1,\"failureStrategy\":\"STOP\"}}")"
	wait_until 30 sh -c "curl -s $API/apis/v1/applications/$ID/instances | jq -e '.data | length == 1'"
	run curl -s -X POST "$API/apis/v1/operations/$ID/cancel"
	[ "$(echo "$output" | jq -c .)" = '{"status":"SUCCESS","message":"success"}' ]
	[ "$(field currentOperation.cancelled)" = true ]
	wait_until 60 idle
	n=$(field requiredInstances)
	[ "$n" -ge 1 ] && [ "$n" -lt 6 ]
	healthy_is "$n"
	state_is RUNNING
}

@test "ROLLBACK of a failed scale-up stops what it started and restores the previous count" {
	create_flagged 1
	wait_until 60 settled 1
	old=$(healthy_ids)
	touch "$BATS_TEST_TMPDIR/flags/$old" "$BATS_TEST_TMPDIR/flags/fail"
	ok "$(op "{\"type\":\"SCALE\",\"appId\":\"$ID\",\"requiredInstances\":3,\"opSpec\":{\"timeout\":\"5m\",\"parallelism\":2,\"failureStrategy\":\"ROLLBACK\"}}")"
	wait_until 60 idle
	wait_until 30 settled 1
	[ "$(healthy_ids)" = "$old" ]
	wait_until 30 sh -c "[ \"\$(/usr/bin/docker ps -q --filter label=drove.instance.id --format '{{.Label \"drove.instance.info\"}}' | grep -c '\"$ID\"')\" = 1 ]"
}

@test "ROLLBACK of a failed replace stops the new instance and keeps the old ones running" {
	create_flagged 2 '.opSpec.parallelism = 2'
	wait_until 60 settled 2
	old=$(healthy_ids)
	for i in $old; do touch "$BATS_TEST_TMPDIR/flags/$i"; done
	touch "$BATS_TEST_TMPDIR/flags/fail"
	ok "$(op "{\"type\":\"REPLACE_INSTANCES\",\"appId\":\"$ID\",\"opSpec\":{\"timeout\":\"5m\",\"parallelism\":1,\"failureStrategy\":\"ROLLBACK\"}}")"
	wait_until 60 idle
	settled 2
	[ "$(healthy_ids)" = "$old" ]
}

@test "a failure with failureStrategy STOP ends the operation with the count that runs" {
	create_flagged 1
	wait_until 60 settled 1
	old=$(healthy_ids)
	touch "$BATS_TEST_TMPDIR/flags/$old" "$BATS_TEST_TMPDIR/flags/fail"
	ok "$(op "{\"type\":\"SCALE\",\"appId\":\"$ID\",\"requiredInstances\":2,\"opSpec\":{\"timeout\":\"5m\",\"parallelism\":1,\"failureStrategy\":\"STOP\"}}")"
	wait_until 60 idle
	settled 1
}

@test "DESTROY from MONITORING removes the app, its instance records and its operation" {
	create 1
	wait_until 60 settled 1
	ok "$(op "{\"type\":\"SUSPEND\",\"appId\":\"$ID\"}")"
	wait_until 60 settled 0
	ok "$(op "{\"type\":\"DESTROY\",\"appId\":\"$ID\"}")"
	wait_until 30 sh -c "curl -s $API/apis/v1/applications/$ID | jq -e '.status == \"FAILED\"'"
	run drove-zkcli -z "$ZK" ls /drove/applications
	[[ "$output" != *"$ID"* ]]
	run drove-zkcli -z "$ZK" ls /drove/instances
	[[ "$output" != *"$ID"* ]]
	run drove-zkcli -z "$ZK" ls /drove/operations
	[[ "$output" != *"$ID"* ]]
	# the name can be used again
	create 0
}

@test "RECOVER: OUTAGE_DETECTED, then a scale to the expected count" {
	create 1
	wait_until 60 settled 1
	ok "$(op "{\"type\":\"RECOVER\",\"appId\":\"$ID\"}")"
	wait_until 30 settled 1
	# the app went OUTAGE_DETECTED, SCALING_REQUESTED, RUNNING, in order
	events_match '[.data.events[] |
	    select(.type == "APP_STATE_CHANGE" and .metadata.APP_ID == $a) |
	    .metadata.CURRENT_STATE] | reverse | .[-3:] == ["OUTAGE_DETECTED", "SCALING_REQUESTED", "RUNNING"]' --arg a "$ID"
}

@test "a container killed behind drove's back is replaced through a recovery" {
	create 2 '.opSpec.parallelism = 2'
	wait_until 60 settled 2
	victim=$(healthy_ids | head -1)
	cid=$(/usr/bin/docker ps -q --filter "label=drove.instance.id=$victim")
	[ -n "$cid" ]
	/usr/bin/docker kill "$cid" >/dev/null
	wait_until 30 sh -c "curl -s $API/apis/v1/applications/$ID/instances/$victim | jq -e '.data.state != \"HEALTHY\"'"
	wait_until 30 settled 2
	run healthy_ids
	[[ "$output" != *"$victim"* ]]
}

@test "instances/old lists what is no longer active, newest first, with start and size" {
	create 2 '.opSpec.parallelism = 2'
	wait_until 60 settled 2
	ok "$(op "{\"type\":\"SUSPEND\",\"appId\":\"$ID\"}")"
	wait_until 60 settled 0
	run curl -s "$API/apis/v1/applications/$ID/instances/old"
	echo "$output" | jq -e '.status == "SUCCESS" and (.data | length == 2) and all(.data[]; .state == "STOPPED")'
	echo "$output" | jq -e '.data[0].updated >= .data[1].updated'
	run curl -s "$API/apis/v1/applications/$ID/instances/old?start=1&size=5"
	echo "$output" | jq -e '.data | length == 1'
	run curl -s "$API/apis/v1/applications/$ID/instances/old?size=x"
	echo "$output" | jq -e '.status == "FAILED"'
	run curl -s "$API/apis/v1/applications/nope-1/instances/old"
	# an unknown app has no instances: SUCCESS [], as Drove answers
	[ "$(echo "$output" | jq -c .)" = '{"status":"SUCCESS","data":[],"message":"success"}' ]
}

@test "kill -9 of the leader programs in the middle of a rolling replace: the new leader completes it" {
	create 4 '.opSpec.parallelism = 4 | .spec.readiness.initialDelay = "2 seconds"'
	wait_until 90 settled 4
	before=$(healthy_ids)
	ok "$(op "{\"type\":\"REPLACE_INSTANCES\",\"appId\":\"$ID\",\"opSpec\":{\"timeout\":\"5m\",\"parallelism\":1,\"failureStrategy\":\"STOP\"}}")"
	wait_until 60 sh -c "curl -s $API/apis/v1/applications/$ID | jq -e '.data.currentOperation.stepsDone >= 1'"
	pkill -9 -f "drove-(leader|monitor|sched) -c $DROVE_RUN/" || true
	# the replace goes on under the next leader and ends
	wait_until 120 settled 4
	after=$(healthy_ids)
	[ -z "$(comm -12 <(echo "$before") <(echo "$after"))" ]
	# no extra container, running or not: exactly the four HEALTHY ones
	containers_are() { [ "$(containers | tr '\n' ' ')" = "$(echo "$after" | tr '\n' ' ')" ]; }
	wait_until 30 containers_are
}
