#!/usr/bin/env bats
# GET /apis/v1/cluster/dashboard (Drove's DashboardData) and POST
# /apis/v1/messages on a real local cluster: every key with its type and
# every state name counted (0 included); a deployed app counted in its
# state and in topApps as GET applications/{id} answers it; the executors
# counted by state with their utilization; clusterSummary is GET cluster's
# data; a running task in topTasks; an active local service in
# topServices; after a change, a new dashboard within 2 s (it is computed
# at most once a second); messages: malformed JSON, a missing type or
# header are 400, a good one is 200 with a bare MessageResponse REJECTED.
# The dashboard may be up to 1 s behind the other reads: what compares
# them is retried.

load helpers
bats_require_minimum_version 1.5.0

APP=dash
ID=dash-1
TAPP=DASHTASK

setup_file() {
	cluster_start
	wait_until 60 ping_is 200
	# one app of one instance and one long task, shared by the tests
	# that look for them (each waits for what it needs)
	jq -c '.spec.name = "dash" | .spec.exposureSpec.vhost = "dash.local" |
	    .instances = 1' "$TOP/examples/create.json" >"$BATS_FILE_TMPDIR/app.json"
	curl -s -H 'Content-Type: application/json' \
	    --data-binary @"$BATS_FILE_TMPDIR/app.json" \
	    "$API/apis/v1/applications/operations" | jq -e '.status == "SUCCESS"'
	jq -nc --arg a "$TAPP" '{type: "CREATE", spec: {sourceAppName: $a,
	    taskId: "long", executable: {type: "DOCKER", url: "drove-test/web:1",
	    dockerPullTimeout: "100 seconds"}, resources: [{type: "CPU", count: 1},
	    {type: "MEMORY", sizeInMB: 64}], placementPolicy: {type: "ANY"},
	    env: {}, args: ["sh", "-c", "sleep 600"], tags: {}}}' \
	    >"$BATS_FILE_TMPDIR/task.json"
	curl -s -H 'Content-Type: application/json' \
	    --data-binary @"$BATS_FILE_TMPDIR/task.json" \
	    "$API/apis/v1/tasks/operations" | jq -e '.status == "SUCCESS"'
}
teardown_file() { cluster_stop; }

setup() { wait_until 60 ping_is 200; }

dash() { curl -s "$API/apis/v1/cluster/dashboard"; }
get() { curl -s "$API/apis/v1/$1"; }

app_settled() {
	get "applications/$ID" | jq -e '.data.state == "RUNNING" and
	    .data.healthyInstances == 1 and .data.currentOperation == null'
}
task_running() {
	get "tasks/$TAPP/instances/long" | jq -e '.data.state == "RUNNING"'
}

# msg FILE: POST FILE to /apis/v1/messages as a cluster node named
# exec-x.test; "<http code>" then the body
msg() {
	NODE_ID=exec-x.test node_curl -s -o "$BATS_TEST_TMPDIR/body" \
	    -w '%{http_code}\n' -H 'Content-Type: application/json' \
	    --data-binary @"$1" "$API/apis/v1/messages"
	cat "$BATS_TEST_TMPDIR/body"
}

@test "every key with its type; every state name counted, 0 included" {
	run dash
	[ "$status" = 0 ]
	d=$output
	jq -e '.status == "SUCCESS" and .message == "success"' <<<"$d"
	jq -e '.data | keys == ["appStats", "clusterSummary", "executorStats",
	    "generatedAt", "serviceStats", "taskStats"]' <<<"$d"
	jq -e '.data.generatedAt | type == "number"' <<<"$d"
	now=$(($(date +%s%3N)))
	jq -e --argjson now "$now" '.data.generatedAt > $now - 60000 and
	    .data.generatedAt <= $now + 1000' <<<"$d"
	jq -e '.data.clusterSummary | type == "object" and
	    (.totalCores | type == "number") and (.leader | type == "string")' <<<"$d"
	# appStats
	jq -e '.data.appStats | keys == ["appCountByState", "topApps",
	    "totalHealthyInstances"]' <<<"$d"
	jq -e '.data.appStats.appCountByState | keys_unsorted == ["INIT",
	    "MONITORING", "RUNNING", "OUTAGE_DETECTED", "SCALING_REQUESTED",
	    "STOP_INSTANCES_REQUESTED", "REPLACE_INSTANCES_REQUESTED",
	    "DESTROY_REQUESTED", "DESTROYED", "FAILED"]' <<<"$d"
	jq -e '[.data.appStats.appCountByState[] | type == "number" and
	    . >= 0] | all' <<<"$d"
	jq -e '.data.appStats.appCountByState.DESTROYED == 0 and
	    .data.appStats.appCountByState.FAILED == 0' <<<"$d"
	jq -e '(.data.appStats.topApps | type == "array" and length <= 5) and
	    (.data.appStats.totalHealthyInstances | type == "number")' <<<"$d"
	# taskStats
	jq -e '.data.taskStats | keys == ["taskCountByState", "topTasks"]' <<<"$d"
	jq -e '.data.taskStats.taskCountByState | keys_unsorted == ["PENDING",
	    "PROVISIONING", "PROVISIONING_FAILED", "STARTING", "RUNNING",
	    "RUN_COMPLETED", "RUN_FAILED", "DEPROVISIONING", "STOPPED", "LOST",
	    "UNKNOWN"]' <<<"$d"
	jq -e '[.data.taskStats.taskCountByState[] | type == "number"] | all' <<<"$d"
	jq -e '.data.taskStats.topTasks | type == "array" and length <= 5' <<<"$d"
	# serviceStats
	jq -e '.data.serviceStats | keys == ["serviceCountByActivationState",
	    "serviceCountByState", "topServices", "totalHealthyInstances"]' <<<"$d"
	jq -e '.data.serviceStats.serviceCountByState | keys_unsorted == ["INIT",
	    "ACTIVATION_REQUESTED", "CONFIG_TESTING_REQUESTED",
	    "DEACTIVATION_REQUESTED", "EMERGENCY_DEACTIVATION_REQUESTED",
	    "INACTIVE", "ACTIVE", "CONFIG_TESTING", "ADJUSTING_INSTANCES",
	    "DEPLOYING_TEST_INSTANCE", "REPLACING_INSTANCES",
	    "STOPPING_INSTANCES", "UPDATING_INSTANCES_COUNT",
	    "DESTROY_REQUESTED", "DESTROYED"]' <<<"$d"
	jq -e '.data.serviceStats.serviceCountByActivationState |
	    keys_unsorted == ["ACTIVE", "CONFIG_TESTING", "INACTIVE"]' <<<"$d"
	jq -e '[.data.serviceStats.serviceCountByState[],
	    .data.serviceStats.serviceCountByActivationState[],
	    .data.serviceStats.totalHealthyInstances | type == "number"] | all' <<<"$d"
	jq -e '.data.serviceStats.serviceCountByState.DESTROYED == 0' <<<"$d"
	jq -e '.data.serviceStats.topServices | type == "array"' <<<"$d"
	# executorStats
	jq -e '.data.executorStats | keys == ["executorCountByState",
	    "utilization"]' <<<"$d"
	jq -e '.data.executorStats.executorCountByState | keys_unsorted ==
	    ["ACTIVE", "BLACKLIST_REQUESTED", "BLACKLISTED", "UNREADY",
	    "REMOVED"]' <<<"$d"
	jq -e '.data.executorStats.executorCountByState.REMOVED == 0' <<<"$d"
	jq -e '.data.executorStats.utilization | keys == ["averageUtilization",
	    "balanceScore", "highestUtilization", "lowestUtilization"] and
	    ([.[] | type == "number" and . >= 0] | all)' <<<"$d"
}

# apps_match: the dashboard's app figures are those of the app list, and
# its topApps entry of $ID is GET applications/$ID's data
apps_match() {
	local d apps s want
	d=$(dash)
	apps=$(get applications)
	for s in RUNNING MONITORING; do
		want=$(jq --arg s "$s" '[.data[] | select(.state == $s)] | length' <<<"$apps")
		[ "$(jq --arg s "$s" '.data.appStats.appCountByState[$s]' <<<"$d")" = "$want" ] ||
		    return 1
	done
	[ "$(jq '[.data.appStats.appCountByState[]] | add' <<<"$d")" = \
	    "$(jq '.data | length' <<<"$apps")" ] || return 1
	[ "$(jq '.data.appStats.totalHealthyInstances' <<<"$d")" = \
	    "$(jq '[.data[].healthyInstances] | add' <<<"$apps")" ] || return 1
	jq -e --arg id "$ID" '[.data.appStats.topApps[] | select(.id == $id)] |
	    length == 1' <<<"$d" || return 1
	[ "$(jq -S -c --arg id "$ID" '.data.appStats.topApps[] |
	    select(.id == $id)' <<<"$d")" = \
	    "$(get "applications/$ID" | jq -S -c .data)" ]
}

@test "a deployed app: counted in its state, in topApps as GET applications/{id} answers it" {
	wait_until 120 app_settled
	wait_until 10 apps_match
	dash | jq -e '.data.appStats.appCountByState.RUNNING >= 1 and
	    .data.appStats.totalHealthyInstances >= 1'
}

# count_is JQ N: the dashboard's number at JQ is N
count_is() { [ "$(dash | jq "$1")" = "$2" ]; }
# gone APPID: the app is no more
gone() { get "applications/$1" | jq -e '.status == "FAILED"'; }

@test "an app at 0 instances is counted in MONITORING and left out of topApps" {
	jq -c '.spec.name = "dashzero" | .spec.exposureSpec.vhost = "dz.local" |
	    .instances = 0' "$TOP/examples/create.json" >"$BATS_TEST_TMPDIR/z.json"
	before=$(get applications | jq '[.data[] | select(.state == "MONITORING")] | length')
	curl -s -H 'Content-Type: application/json' \
	    --data-binary @"$BATS_TEST_TMPDIR/z.json" \
	    "$API/apis/v1/applications/operations" | jq -e '.status == "SUCCESS"'
	wait_until 10 count_is .data.appStats.appCountByState.MONITORING $((before + 1))
	dash | jq -e '[.data.appStats.topApps[] | select(.id == "dashzero-1")] |
	    length == 0'
	curl -s -H 'Content-Type: application/json' \
	    -d '{"type":"DESTROY","appId":"dashzero-1"}' \
	    "$API/apis/v1/applications/operations" | jq -e '.status == "SUCCESS"'
	wait_until 30 gone dashzero-1
}

@test "after a change the dashboard is computed again within 2 s" {
	# a dashboard that shows the view as it is now
	wait_until 10 same_summary
	d=$(dash)
	g0=$(jq .data.generatedAt <<<"$d")
	before=$(jq .data.clusterSummary.numApplications <<<"$d")
	jq -c '.spec.name = "dashnew" | .spec.exposureSpec.vhost = "dn.local" |
	    .instances = 0' "$TOP/examples/create.json" >"$BATS_TEST_TMPDIR/n.json"
	curl -s -H 'Content-Type: application/json' \
	    --data-binary @"$BATS_TEST_TMPDIR/n.json" \
	    "$API/apis/v1/applications/operations" | jq -e '.status == "SUCCESS"'
	wait_until 2 count_is .data.clusterSummary.numApplications $((before + 1))
	dash | jq -e --argjson g0 "$g0" '.data.generatedAt > $g0'
	curl -s -H 'Content-Type: application/json' \
	    -d '{"type":"DESTROY","appId":"dashnew-1"}' \
	    "$API/apis/v1/applications/operations" | jq -e '.status == "SUCCESS"'
	wait_until 30 gone dashnew-1
}

# exec_match: the executors counted by state as GET cluster/executors
# lists them, and the utilization of the one executor, computed here
exec_match() {
	local d ex s want
	d=$(dash)
	ex=$(get cluster/executors)
	for s in ACTIVE BLACKLIST_REQUESTED BLACKLISTED UNREADY REMOVED; do
		want=$(jq --arg s "$s" '[.data[] | select(.state == $s)] | length' <<<"$ex")
		[ "$(jq --arg s "$s" '.data.executorStats.executorCountByState[$s]' <<<"$d")" = "$want" ] ||
		    return 1
	done
	want=$(jq '.data[0] | [.usedCores / (.usedCores + .freeCores),
	    .usedMemory / (.usedMemory + .freeMemory)] | max' <<<"$ex")
	jq -e --argjson w "$want" '.data.executorStats.utilization |
	    (.highestUtilization - $w) | . < 1e-9 and . > -1e-9' <<<"$d"
}

@test "executors: counted by state as GET cluster/executors lists them, with their utilization" {
	wait_until 120 app_settled
	wait_until 120 task_running
	# both read the view; retried should it change between the two reads
	wait_until 10 exec_match
	d=$(dash)
	jq -e '.data.executorStats.executorCountByState.ACTIVE == 1' <<<"$d"
	# one executor: its own utilization everywhere, perfectly balanced;
	# the app's instance and the task hold cores of it
	jq -e '.data.executorStats.utilization | .highestUtilization > 0 and
	    .highestUtilization <= 1 and
	    .averageUtilization == .highestUtilization and
	    .lowestUtilization == .highestUtilization and
	    .balanceScore == 0' <<<"$d"
}

# same_summary: the dashboard's clusterSummary is GET cluster's data
same_summary() {
	[ "$(dash | jq -S -c .data.clusterSummary)" = \
	    "$(get cluster | jq -S -c .data)" ]
}

@test "clusterSummary is GET /apis/v1/cluster's data" {
	wait_until 120 app_settled
	# both read the view; retried should it change between the two reads
	wait_until 10 same_summary
	dash | jq -e '.data.clusterSummary.numApplications >= 1 and
	    .data.clusterSummary.numExecutors == 1 and
	    .data.clusterSummary.usedCores >= 1'
}

# task_match: the task is in topTasks as GET tasks/... answers it
task_match() {
	[ "$(dash | jq -S -c --arg a "$TAPP" '.data.taskStats.topTasks[] |
	    select(.sourceAppName == $a and .taskId == "long")')" = \
	    "$(get "tasks/$TAPP/instances/long" | jq -S -c .data)" ]
}

@test "a running task is in topTasks, as GET tasks/{app}/instances/{id} answers it" {
	wait_until 120 task_running
	wait_until 10 task_match
	d=$(dash)
	jq -e '.data.taskStats.taskCountByState.RUNNING >= 1' <<<"$d"
	jq -e --arg a "$TAPP" '[.data.taskStats.topTasks[] |
	    select(.sourceAppName == $a and .taskId == "long")] | length == 1' <<<"$d"
	# the longest running first
	jq -e '.data.taskStats.topTasks | [.[].created] | . == sort' <<<"$d"
}

# ls_top: local service $1 is in topServices as GET localservices/$1
# answers it
ls_top() {
	[ "$(dash | jq -S -c --arg id "$1" '.data.serviceStats.topServices[] |
	    select(.id == $id)')" = "$(get "localservices/$1" | jq -S -c .data)" ]
}

@test "local services: an inactive one counted, not on top; an active one in topServices" {
	jq -c '.spec | .name = "dashls" | del(.exposureSpec) |
	    .placementPolicy = {type: "LOCAL", hostLevel: false}' \
	    "$TOP/examples/create.json" >"$BATS_TEST_TMPDIR/spec.json"
	jq -c --slurpfile s "$BATS_TEST_TMPDIR/spec.json" \
	    '{type: "CREATE", spec: $s[0], instancesPerHost: 1}' -n \
	    >"$BATS_TEST_TMPDIR/ls.json"
	curl -s -H 'Content-Type: application/json' \
	    --data-binary @"$BATS_TEST_TMPDIR/ls.json" \
	    "$API/apis/v1/localservices/operations" | jq -e '.status == "SUCCESS"'
	wait_until 10 count_is .data.serviceStats.serviceCountByState.INACTIVE 1
	d=$(dash)
	jq -e '.data.serviceStats.serviceCountByActivationState.INACTIVE == 1' <<<"$d"
	jq -e '[.data.serviceStats.topServices[] | select(.id == "dashls-1")] |
	    length == 0' <<<"$d"
	curl -s -H 'Content-Type: application/json' \
	    -d '{"type":"ACTIVATE","serviceId":"dashls-1"}' \
	    "$API/apis/v1/localservices/operations" | jq -e '.status == "SUCCESS"'
	wait_until 120 sh -c "curl -s $API/apis/v1/localservices/dashls-1 |
	    jq -e '.data.state == \"ACTIVE\" and .data.healthyInstances == 1 and
	    .data.currentOperation == null'"
	wait_until 10 ls_top dashls-1
	d=$(dash)
	jq -e '.data.serviceStats.serviceCountByState.ACTIVE == 1 and
	    .data.serviceStats.serviceCountByActivationState.ACTIVE == 1 and
	    .data.serviceStats.totalHealthyInstances == 1' <<<"$d"
	curl -s -H 'Content-Type: application/json' \
	    -d '{"type":"DEACTIVATE","serviceId":"dashls-1"}' \
	    "$API/apis/v1/localservices/operations" >/dev/null
}

@test "messages: malformed JSON, no type, an unknown type, no header are 400" {
	printf '{"type":' >"$BATS_TEST_TMPDIR/bad.json"
	run msg "$BATS_TEST_TMPDIR/bad.json"
	[ "${lines[0]}" = 400 ]
	jq -e '.status == "FAILED" and .message == "JSON validation failure"' <<<"${lines[1]}"
	echo '{"header":{"id":"m1","senderType":"EXECUTOR","direction":"REQUEST","messageTime":1}}' \
	    >"$BATS_TEST_TMPDIR/notype.json"
	run msg "$BATS_TEST_TMPDIR/notype.json"
	[ "${lines[0]}" = 400 ]
	jq -e '.status == "FAILED" and .message == "Command validation failure" and
	    (.data.validationErrors[0] | test("type"))' <<<"${lines[1]}"
	echo '{"type":"START_INSTANCE","header":{"id":"m1"}}' \
	    >"$BATS_TEST_TMPDIR/badtype.json"
	run msg "$BATS_TEST_TMPDIR/badtype.json"
	[ "${lines[0]}" = 400 ]
	jq -e '.message == "Command validation failure"' <<<"${lines[1]}"
	echo '{"type":"EXECUTOR_SNAPSHOT"}' >"$BATS_TEST_TMPDIR/nohdr.json"
	run msg "$BATS_TEST_TMPDIR/nohdr.json"
	[ "${lines[0]}" = 400 ]
	jq -e '.message == "Command validation failure" and
	    (.data.validationErrors[0] | test("header"))' <<<"${lines[1]}"
}

@test "messages: a good one is 200 with a bare MessageResponse REJECTED, its id echoed" {
	jq -nc '{type: "INSTANCE_STATE_REPORT", header: {id: "3f2c7f1e-msg-1",
	    senderType: "EXECUTOR", direction: "REQUEST", replyToId: null,
	    messageTime: 1719892354194}, resourceSnapshot: {}, instanceInfo: {}}' \
	    >"$BATS_TEST_TMPDIR/good.json"
	t0=$(date +%s%3N)
	run msg "$BATS_TEST_TMPDIR/good.json"
	[ "${lines[0]}" = 200 ]
	r=${lines[1]}
	# no envelope: header and status only
	jq -e 'keys == ["header", "status"] and .status == "REJECTED"' <<<"$r"
	jq -e '.header | .replyToId == "3f2c7f1e-msg-1" and
	    .senderType == "CONTROLLER" and .direction == "REPLY" and
	    (.id | test("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"))' <<<"$r"
	jq -e --argjson t0 "$t0" '.header.messageTime >= $t0 and
	    .header.messageTime < $t0 + 60000' <<<"$r"
	# every answer has a new id
	run msg "$BATS_TEST_TMPDIR/good.json"
	[ "$(jq -r .header.id <<<"${lines[1]}")" != "$(jq -r .header.id <<<"$r")" ]
	# and the controller says why in its log
	wait_until 10 grep -q "INSTANCE_STATE_REPORT message from 'exec-x.test' is rejected: executors of this cluster report through ZooKeeper" \
	    "$DROVE_RUN/logs/services/drove-httpd/current"
}
