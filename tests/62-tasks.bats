#!/usr/bin/env bats
# Tasks on a real local cluster (real containers): a task that exits 0
# ends STOPPED/SUCCESSFUL with its output in the log API and its
# TASK_STATE_CHANGE events; a non-zero exit is FAILED with the code; KILL
# of a long task ends it CANCELLED and its container goes; a taskId on
# record is refused; an unknown task reads FAILED; DELETE takes only an
# ended task's record; the search redirects; a running task survives a
# restart of drove-execd (adopted) and a change of leader (two
# controllers: the leader's goes, the other takes over), and a task that
# exits while drove-execd is down is reported with its result; a lost
# executor's task is LOST and never run again.

load helpers
bats_require_minimum_version 1.5.0

APP=TASKBATS

setup_file() { DROVE_CONTROLLERS=2 cluster_start; }
teardown_file() { cluster_stop; }

# the leading controller's API (either may lead)
leader_api() {
	"$TOP/scripts/cluster" status 2>/dev/null | jq -er '.controllers[] |
	    select(.leader) | .api'
}

setup() {
	local s
	s6-svc -u "$DROVE_RUN/service/drove-execd"
	for s in "$DROVE_RUN"/service/drove-leader*; do
		s6-svc -u "$s"
	done
	wait_until 30 leader_api
	API=$(leader_api)
	wait_until 30 ping_is 200
	# no executor left blacklisted by a test that failed half-way
	for s in $(curl -s "$API/apis/v1/cluster/executors" |
	    jq -r '.data[] | select(.state != "ACTIVE") | .executorId'); do
		curl -s -X POST "$API/apis/v1/cluster/executors/$s/unblacklist" >/dev/null
	done
}

# task_op JSON: POST to the task operations; the answer on stdout
task_op() {
	printf '%s' "$1" >"$BATS_TEST_TMPDIR/op.json"
	curl -s -H 'Content-Type: application/json' \
	    --data-binary @"$BATS_TEST_TMPDIR/op.json" \
	    "$API/apis/v1/tasks/operations"
}

# create TASKID SCRIPT: CREATE a task of the test image running sh -c SCRIPT
create() {
	task_op "$(jq -nc --arg a "$APP" --arg t "$1" --arg s "$2" '{type:
	    "CREATE", spec: {sourceAppName: $a, taskId: $t, executable: {type:
	    "DOCKER", url: "drove-test/web:1", dockerPullTimeout:
	    "100 seconds"}, resources: [{type: "CPU", count: 1}, {type:
	    "MEMORY", sizeInMB: 64}], placementPolicy: {type: "ANY"},
	    env: {GREETING: "hi"}, args: ["sh", "-c", $s], tags: {}}}')"
}

kill_task() {
	task_op "$(jq -nc --arg a "$APP" --arg t "$1" \
	    '{type: "KILL", sourceAppName: $a, taskId: $t}')"
}

info() { curl -s "$API/apis/v1/tasks/$APP/instances/$1"; }
state() { info "$1" | jq -r .data.state; }
state_is() { [ "$(state "$1")" = "$2" ]; }
containers_of() {
	/usr/bin/docker ps -aq --filter "label=drove.instance.id=$1"
}
no_container() { [ -z "$(containers_of "$1")" ]; }

@test "a task that exits 0 ends STOPPED SUCCESSFUL, its output in the log API, its events recorded" {
	run create ok1 'echo "out $GREETING $DROVE_TASK_ID $DROVE_SOURCE_APP_NAME"; echo err >&2'
	[ "$(jq -r .status <<<"$output")" = SUCCESS ]
	[ "$(jq -r .data.taskId <<<"$output")" = "$APP-ok1" ]
	# readable at once, before any executor has seen it
	[ "$(info ok1 | jq -r .status)" = SUCCESS ]
	wait_until 60 state_is ok1 STOPPED
	run info ok1
	[ "$(jq -r .data.taskResult.status <<<"$output")" = SUCCESSFUL ]
	[ "$(jq -r .data.taskResult.exitCode <<<"$output")" = 0 ]
	[ "$(jq -r .data.executorId <<<"$output")" != "" ]
	[ "$(jq -r '.data.resources[0].type' <<<"$output")" = CPU ]
	iid=$(jq -r .data.instanceId <<<"$output")
	[[ $iid == TI-* ]]
	# the container is gone, the assignment too
	[ -z "$(containers_of "$iid")" ]
	eid=$(jq -r .data.executorId <<<"$output")
	wait_until 10 sh -c "! drove-zkcli -z $ZK ls /drove/assignments/$eid | grep -q $iid"
	# its output, through the controller's log proxy
	run curl -s "$API/apis/v1/logfiles/tasks/$APP/ok1/list"
	[ "$(jq -r '.files[0]' <<<"$output")" = output.log ]
	run curl -s "$API/apis/v1/logfiles/tasks/$APP/ok1/read/output.log?offset=0&length=4096"
	grep -q "out hi ok1 $APP" <<<"$(jq -r .data <<<"$output")"
	grep -q "err" <<<"$(jq -r .data <<<"$output")"
	run curl -s "$API/apis/v1/logfiles/tasks/$APP/ok1/download/output.log"
	grep -q "out hi ok1" <<<"$output"
	# every state of §4.3 on the way, in order, with the result at the end
	run curl -s "$API/apis/v1/cluster/events?size=1000"
	states=$(jq -r '[.data[] | select(.type == "TASK_STATE_CHANGE" and
	    .metadata.TASK_ID == "ok1")] | reverse |
	    map(.metadata.CURRENT_STATE) | join(" ")' <<<"$output")
	[ "$states" = "PENDING PROVISIONING STARTING RUNNING RUN_COMPLETED DEPROVISIONING STOPPED" ]
	last=$(jq -c '[.data[] | select(.type == "TASK_STATE_CHANGE" and
	    .metadata.TASK_ID == "ok1")] | reverse | last | .metadata' <<<"$output")
	[ "$(jq -r .RESULT_STATUS <<<"$last")" = SUCCESSFUL ]
	[ "$(jq -r .RESULT_EXIT_CODE <<<"$last")" = 0 ]
	[ "$(jq -r .APP_NAME <<<"$last")" = "$APP" ]
	[ "$(jq -r .INSTANCE_ID <<<"$last")" = "$iid" ]
	[ "$(jq -r .EXECUTOR_ID <<<"$last")" = "$eid" ]
	[ "$(jq -r .EXECUTABLE <<<"$last")" = drove-test/web:1 ]
	# over: not among the active tasks
	run curl -s "$API/apis/v1/tasks"
	[ "$(jq '[.data[] | select(.taskId == "ok1")] | length' <<<"$output")" = 0 ]
}

@test "a non-zero exit is FAILED with the exit code and Drove's message" {
	create fail1 'exit 3' | jq -e '.status == "SUCCESS"'
	wait_until 60 state_is fail1 STOPPED
	run info fail1
	[ "$(jq -r .data.taskResult.status <<<"$output")" = FAILED ]
	[ "$(jq -r .data.taskResult.exitCode <<<"$output")" = 3 ]
	[ "$(jq -r .data.errorMessage <<<"$output")" = "Task instance exited with status: 3" ]
}

@test "KILL of a running task: CANCELLED, its container gone; active reads, counts and refusals on the way" {
	create long1 'sleep 300' | jq -e '.status == "SUCCESS"'
	wait_until 60 state_is long1 RUNNING
	iid=$(info long1 | jq -r .data.instanceId)
	eid=$(info long1 | jq -r .data.executorId)
	[ -n "$(containers_of "$iid")" ]
	# a taskId on record is refused
	run create long1 'true'
	[ "$(jq -r .status <<<"$output")" = FAILED ]
	grep -q "already exists" <<<"$output"
	# listed as active, counted, on its executor
	curl -s "$API/apis/v1/tasks" | jq -e '[.data[] | select(.taskId == "long1")] | length == 1'
	curl -s "$API/apis/v1/cluster" | jq -e '.data.numActiveTasks >= 1'
	curl -s "$API/apis/v1/cluster/executors/$eid" | jq -e '[.data.tasks[] | select(.taskId == "long1")] | length == 1'
	# DELETE of an active task is refused
	run curl -s -X DELETE "$API/apis/v1/tasks/$APP/instances/long1"
	[ "$(jq -r .status <<<"$output")" = FAILED ]
	state_is long1 RUNNING
	run kill_task long1
	[ "$(jq -r .status <<<"$output")" = SUCCESS ]
	[ "$(jq -r .data.taskId <<<"$output")" = long1 ]
	wait_until 30 state_is long1 STOPPED
	run info long1
	[ "$(jq -r .data.taskResult.status <<<"$output")" = CANCELLED ]
	[ "$(jq -r .data.taskResult.exitCode <<<"$output")" = -1 ]
	[ -z "$(containers_of "$iid")" ]
	# a KILL of an ended task says so
	run kill_task long1
	[ "$(jq -r .status <<<"$output")" = FAILED ]
	grep -q "already ended" <<<"$output"
	run kill_task nosuchtask
	[ "$(jq -r .status <<<"$output")" = FAILED ]
}

@test "unknown tasks read FAILED; DELETE takes an ended task's record" {
	run curl -s -w ' %{http_code}' "$API/apis/v1/tasks/$APP/instances/nosuch"
	[ "${output##* }" = 200 ]
	[ "$(jq -r .status <<<"${output% *}")" = FAILED ]
	run curl -s -X DELETE "$API/apis/v1/tasks/$APP/instances/nosuch"
	[ "$(jq -r .status <<<"$output")" = FAILED ]
	[ "$(jq -r .data.deleted <<<"$output")" = false ]
	create del1 'true' | jq -e '.status == "SUCCESS"'
	wait_until 60 state_is del1 STOPPED
	run curl -s -X DELETE "$API/apis/v1/tasks/$APP/instances/del1"
	[ "$(jq -r .data.deleted <<<"$output")" = true ]
	[ "$(info del1 | jq -r .status)" = FAILED ]
	# its taskId may be used again
	create del1 'true' | jq -e '.status == "SUCCESS"'
	wait_until 60 state_is del1 STOPPED
}

@test "the search redirects to the task's page, or home" {
	create srch1 'true' | jq -e '.status == "SUCCESS"'
	run curl -s -o /dev/null -w '%{http_code} %{redirect_url}' \
	    -d "taskSearchAppName=$APP&taskSearchTaskID=srch1" "$API/apis/v1/tasks/search"
	[ "$output" = "303 $API/tasks/$APP/srch1" ]
	run curl -s -o /dev/null -w '%{http_code} %{redirect_url}' \
	    -d "taskSearchAppName=$APP&taskSearchTaskID=nope" "$API/apis/v1/tasks/search"
	[ "$output" = "303 $API/" ]
}

@test "a task beyond the cluster's capacity is refused at CREATE" {
	run task_op "$(jq -nc --arg a "$APP" '{type: "CREATE", spec:
	    {sourceAppName: $a, taskId: "huge1", executable: {type: "DOCKER",
	    url: "drove-test/web:1", dockerPullTimeout: "100 seconds"},
	    resources: [{type: "CPU", count: 100000}, {type: "MEMORY",
	    sizeInMB: 64}], placementPolicy: {type: "ANY"}, args: [],
	    tags: {}}}')"
	[ "$(jq -r .status <<<"$output")" = FAILED ]
	[ "$(info huge1 | jq -r .status)" = FAILED ]
}

@test "a running task is adopted by a restarted drove-execd and ends SUCCESSFUL" {
	create adopt1 'echo begin; sleep 5; echo end' | jq -e '.status == "SUCCESS"'
	wait_until 60 state_is adopt1 RUNNING
	iid=$(info adopt1 | jq -r .data.instanceId)
	cid=$(containers_of "$iid")
	s6-svc -r "$DROVE_RUN/service/drove-execd"
	wait_until 30 grep -q "adopting container" "$DROVE_RUN/logs/services/drove-execd/current"
	# the same container, still running
	[ "$(containers_of "$iid")" = "$cid" ]
	wait_until 60 state_is adopt1 STOPPED
	run info adopt1
	[ "$(jq -r .data.taskResult.status <<<"$output")" = SUCCESSFUL ]
	[ -z "$(containers_of "$iid")" ]
	run curl -s "$API/apis/v1/logfiles/tasks/$APP/adopt1/read/output.log?offset=0&length=4096"
	grep -q end <<<"$(jq -r .data <<<"$output")"
}

@test "blacklisting an executor that runs a task: BLACKLISTED at once, the task runs to its end" {
	create black1 'sleep 8; echo done' | jq -e '.status == "SUCCESS"'
	wait_until 60 state_is black1 RUNNING
	eid=$(info black1 | jq -r .data.executorId)
	curl -s -X POST "$API/apis/v1/cluster/executors/$eid/blacklist" |
	    jq -e --arg e "$eid" '.data.successful == [$e]'
	# tasks are not moved (as in Drove): the executor is BLACKLISTED
	# while the task still runs there
	wait_until 20 sh -c "curl -s $API/apis/v1/cluster/executors/$eid | jq -e '.data.executorState == \"BLACKLISTED\"'"
	state_is black1 RUNNING
	wait_until 60 state_is black1 STOPPED
	info black1 | jq -e '.data.taskResult.status == "SUCCESSFUL"'
	curl -s -X POST "$API/apis/v1/cluster/executors/$eid/unblacklist" |
	    jq -e '.status == "SUCCESS"'
	wait_until 20 sh -c "curl -s $API/apis/v1/cluster/executors/$eid | jq -e '.data.executorState == \"ACTIVE\"'"
}

@test "a task that exits while drove-execd is down is reported with its result" {
	create down1 'sleep 2; exit 7' | jq -e '.status == "SUCCESS"'
	wait_until 60 state_is down1 RUNNING
	iid=$(info down1 | jq -r .data.instanceId)
	s6-svc -d "$DROVE_RUN/service/drove-execd"
	wait_until 30 sh -c "[ \"\$(/usr/bin/docker inspect -f '{{.State.Status}}' $(containers_of "$iid"))\" = exited ]"
	s6-svc -u "$DROVE_RUN/service/drove-execd"
	wait_until 60 state_is down1 STOPPED
	run info down1
	[ "$(jq -r .data.taskResult.status <<<"$output")" = FAILED ]
	[ "$(jq -r .data.taskResult.exitCode <<<"$output")" = 7 ]
	[ -z "$(containers_of "$iid")" ]
}

@test "a task runs on through a change of leader and ends SUCCESSFUL" {
	create lead1 'sleep 8' | jq -e '.status == "SUCCESS"'
	wait_until 60 state_is lead1 RUNNING
	iid=$(info lead1 | jq -r .data.instanceId)
	eid=$(info lead1 | jq -r .data.executorId)
	# the leading controller's drove-leader (and with it its drove-monitor
	# and drove-sched) goes; the other controller takes over
	old=$API
	svc=$("$TOP/scripts/cluster" status | jq -r '.controllers[] |
	    select(.leader) | .service')
	s6-svc -d "$DROVE_RUN/service/$svc"
	wait_until 30 sh -c "'$TOP/scripts/cluster' status 2>/dev/null |
	    jq -e --arg a '$old' '.controllers[] | select(.leader and .api != \$a)'"
	API=$(leader_api)
	[ "$API" != "$old" ]
	wait_until 30 ping_is 200
	state_is lead1 RUNNING
	wait_until 60 state_is lead1 STOPPED
	[ "$(info lead1 | jq -r .data.taskResult.status)" = SUCCESSFUL ]
	# the new leader's drove-monitor deletes its assignment
	wait_until 30 sh -c "! drove-zkcli -z $ZK ls /drove/assignments/$eid | grep -q $iid"
	# and the new leader places new tasks
	create lead2 'true' | jq -e '.status == "SUCCESS"'
	wait_until 60 state_is lead2 STOPPED
}

@test "a lost executor's running task is LOST, never run again; its container is reaped when the executor returns" {
	create lost1 'sleep 300' | jq -e '.status == "SUCCESS"'
	wait_until 60 state_is lost1 RUNNING
	iid=$(info lost1 | jq -r .data.instanceId)
	[ -n "$(containers_of "$iid")" ]
	# drove-execd goes (its session with it), past the grace period
	s6-svc -d "$DROVE_RUN/service/drove-execd"
	wait_until 60 state_is lost1 LOST
	run info lost1
	[ "$(jq -r .data.taskResult.status <<<"$output")" = LOST ]
	[ "$(jq -r .data.taskResult.exitCode <<<"$output")" = -1 ]
	[ "$(jq -r .data.errorMessage <<<"$output")" = "Executor lost" ]
	curl -s "$API/apis/v1/cluster/events?size=1000" | jq -e '[.data[] |
	    select(.type == "TASK_STATE_CHANGE" and .metadata.TASK_ID == "lost1" and
	    .metadata.CURRENT_STATE == "LOST")] | length == 1'
	# back: the container is reaped, the task stays LOST, nothing reruns
	s6-svc -u "$DROVE_RUN/service/drove-execd"
	wait_until 60 no_container "$iid"
	sleep 1
	state_is lost1 LOST
	[ "$(/usr/bin/docker ps -aq --filter label=drove.job.type=COMPUTATION | wc -l)" = 0 ]
}
