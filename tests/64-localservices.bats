#!/usr/bin/env bats
# Local services on a real multi-executor cluster (3 executors, real
# containers): CREATE is INACTIVE; ACTIVATE runs instancesPerHost HEALTHY
# instances on every executor, also on one that joins later;
# UPDATE_INSTANCE_COUNT, RESTART, REPLACE_INSTANCES, STOP_INSTANCES,
# DEPLOY_TEST_INSTANCE, DEACTIVATE and DESTROY (nothing left in
# ZooKeeper); Drove's refusals per state; the reads, events, reserved
# resources and the cluster and executor counts.
# Each test makes its own service (lsctl-<name>) and the teardown
# removes every service.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { cluster_start_multi; }
teardown_file() { cluster_stop; }

setup() {
	cluster_leader
	NEX=$(jq '.executors | length' <<<"$ST")
}

teardown() {
	local s sid
	for s in "$DROVE_RUN"/service/drove-*; do
		[ -e "$s/down" ] && continue
		s6-svc -u "$s" 2>/dev/null || true
	done
	for sid in $(curl -s "$API/apis/v1/localservices" | jq -r '.data | keys[]'); do
		curl -s -X POST "$API/apis/v1/localservices/operations/$sid/cancel" >/dev/null
		# a cancelled operation ends once its steps in flight are done
		wait_until 120 sh -c "curl -s '$API/apis/v1/localservices/$sid' | jq -e '.data.currentOperation == null'" || true
		op "{\"type\":\"DEACTIVATE\",\"serviceId\":\"$sid\"}" >/dev/null || true
		wait_until 60 sh -c "curl -s '$API/apis/v1/localservices/$sid/instances' | jq -e '.data | length == 0'" || true
		op "{\"type\":\"DESTROY\",\"serviceId\":\"$sid\"}" >/dev/null || true
		wait_until 30 sh -c "curl -s '$API/apis/v1/localservices/$sid' | jq -e '.status == \"FAILED\"'" || true
	done
}

# op JSON: POST it to the local-service operations; prints the answer
op() {
	printf '%s' "$1" >"$BATS_TEST_TMPDIR/op.json"
	curl -s -H 'Content-Type: application/json' \
	    --data-binary @"$BATS_TEST_TMPDIR/op.json" \
	    "$API/apis/v1/localservices/operations"
}
ok_op() { op "$1" | jq -e '.status == "SUCCESS"'; }

# spec NAME: a LocalServiceSpec of the test image
spec() {
	jq -c --arg n "$1" '.spec | .name = $n | del(.exposureSpec) |
	    .placementPolicy = {type: "LOCAL", hostLevel: false}' \
	    "$TOP/examples/create.json"
}

# create NAME PERHOST: CREATE lsctl-NAME (serviceId lsctl-NAME-1)
create() {
	ok_op "{\"type\":\"CREATE\",\"spec\":$(spec "lsctl-$1"),\"instancesPerHost\":$2}"
}

# create_with NAME PERHOST JQ: create, the spec edited by JQ
create_with() {
	ok_op "{\"type\":\"CREATE\",\"spec\":$(spec "lsctl-$1" | jq -c "$3"),\"instancesPerHost\":$2}"
}

# create_flagged NAME PERHOST: instances whose readiness passes only while
# $BATS_TEST_TMPDIR/flags/fail is absent or flags/<instanceId> exists:
# new instances can be made to fail while the old ones stay HEALTHY
create_flagged() {
	local f=$BATS_TEST_TMPDIR/flags
	mkdir -p "$f"
	chmod 777 "$f"
	create_with "$1" "$2" ".volumes = [{pathInContainer: \"/flags\", pathOnHost: \"$f\", mode: \"READ_WRITE\"}] |
	    .readiness = {mode: {type: \"CMD\", command: \"test ! -e /flags/fail || test -e /flags/\$DROVE_SERVICE_INSTANCE_ID\"},
	        timeout: \"1 second\", interval: \"200 milliseconds\", attempts: 3, initialDelay: \"0 seconds\"}"
}

summary() { curl -s "$API/apis/v1/localservices/$1" | jq -c .data; }

# watch_op SID: samples the service's instances until it is ACTIVE again
# (at most 180 s); prints the fewest HEALTHY and the most active seen
watch_op() {
	local min=999 max=0 i j h a
	for ((i = 0; i < 900; i++)); do
		j=$(curl -s "$API/apis/v1/localservices/$1/instances")
		h=$(jq '[.data[] | select(.state == "HEALTHY")] | length' <<<"$j")
		a=$(jq '.data | length' <<<"$j")
		[ "$h" -lt "$min" ] && min=$h
		[ "$a" -gt "$max" ] && max=$a
		state_is "$1" ACTIVE >/dev/null && break
		sleep 0.2
	done
	echo "$min $max"
}

insts() { curl -s "$API/apis/v1/localservices/$1/instances"; }
# healthy_per_host SID N: N HEALTHY instances on each of the NEX executors
# and nothing else active
healthy_per_host() {
	insts "$1" | jq -e --argjson n "$2" --argjson x "$NEX" '
	    (.data | length) == $n * $x and
	    ([.data[] | select(.state == "HEALTHY")] | group_by(.executorId) |
	     length == $x and all(length == $n))'
}
healthy_ids() {
	insts "$1" | jq -r '[.data[] | select(.state == "HEALTHY") | .instanceId] | sort | .[]'
}
state_is() {
	curl -s "$API/apis/v1/localservices/$1" | jq -e --arg s "$2" '.data.state == $s'
}
zk_ls() { "$BIN/drove-zkcli" -z "$ZK" ls "$1" 2>/dev/null; }

@test "CREATE is INACTIVE with no instance; ACTIVATE runs instancesPerHost HEALTHY on every executor" {
	create act 2
	run curl -s "$API/apis/v1/localservices/lsctl-act-1"
	echo "$output" | jq -e '.status == "SUCCESS" and .data.id == "lsctl-act-1" and
	    .data.name == "lsctl-act" and .data.instancesPerHost == 2 and
	    .data.state == "INACTIVE" and .data.activationState == "INACTIVE" and
	    .data.healthyInstances == 0 and (.data.created > 0)'
	curl -s "$API/apis/v1/localservices" | jq -e '.data["lsctl-act-1"].state == "INACTIVE"'
	curl -s "$API/apis/v1/localservices/lsctl-act-1/spec" | jq -e '.data.placementPolicy.type == "LOCAL"'
	curl -s "$API/apis/v1/cluster" | jq -e '.data.numLocalServices == 1 and .data.numActiveLocalServices == 0'
	node_curl -s "$API/apis/v1/internal/cluster/resources/reserved" | jq -e '.data.requiredInstances == {} and .data.cpus == 0'
	sleep 1
	insts lsctl-act-1 | jq -e '.data == []'
	ok_op '{"type":"ACTIVATE","serviceId":"lsctl-act-1"}'
	state_is lsctl-act-1 ACTIVE
	wait_until 90 healthy_per_host lsctl-act-1 2
	curl -s "$API/apis/v1/localservices/lsctl-act-1" | jq -e --argjson x "$NEX" \
	    '.data.healthyInstances == 2 * $x and .data.totalCPUs == 2 * $x and .data.totalMemory == 128 * $x'
	curl -s "$API/apis/v1/cluster" | jq -e '.data.numLocalServices == 1 and .data.numActiveLocalServices == 1'
	node_curl -s "$API/apis/v1/internal/cluster/resources/reserved" |
	    jq -e '.data == {cpus: 2, memory: 128, requiredInstances: {"lsctl-act-1": 2}}'
	# the containers are real, labelled LOCAL_SERVICE
	for iid in $(healthy_ids lsctl-act-1); do
		[ "$(/usr/bin/docker ps -q --filter "label=drove.instance.id=$iid" \
		    --filter label=drove.job.type=LOCAL_SERVICE | wc -l)" = 1 ]
	done
	# executor data lists them
	eid=$(jq -r '.executors[0].executorId' <<<"$ST")
	curl -s "$API/apis/v1/cluster/executors/$eid" | jq -e '[.data.serviceInstances[] | select(.serviceId == "lsctl-act-1")] | length == 2'
	# one instance by id, a state filter, events
	iid=$(healthy_ids lsctl-act-1 | head -n 1)
	curl -s "$API/apis/v1/localservices/lsctl-act-1/instances/$iid" | jq -e --arg i "$iid" '.data.instanceId == $i and .data.serviceId == "lsctl-act-1"'
	insts lsctl-act-1 >/dev/null
	curl -s "$API/apis/v1/localservices/lsctl-act-1/instances?state=PENDING" | jq -e '.data == []'
	# its logs through the API
	run curl -s "$API/apis/v1/logfiles/localservices/lsctl-act-1/$iid/list"
	echo "$output" | jq -e '.files | index("output.log") != null'
	run curl -s "$API/apis/v1/logfiles/localservices/lsctl-act-1/$iid/read/output.log?offset=0&length=65536"
	echo "$output" | jq -e '.offset == 0'
	run curl -s -o /dev/null -w '%{http_code}' "$API/apis/v1/logfiles/localservices/lsctl-act-1/SI-nope/list"
	[ "$output" = 204 ]
	events_match '[.data.events[] | select(.type == "LOCAL_SERVICE_STATE_CHANGE" and
	    .metadata.LOCAL_SERVICE_ID == "lsctl-act-1") | .metadata.CURRENT_STATE] | index("INACTIVE") != null and index("ACTIVE") != null'
	echo "$output" | jq -e '[.data.events[] | select(.type == "LOCAL_SERVICE_STATE_CHANGE")][0].metadata |
	    .LOCAL_SERVICE_NAME and .CURRENT_INSTANCES_PER_HOST and .PLACEMENT_POLICY == "LOCAL"'
	events_match '[.data.events[] | select(.type == "LOCAL_SERVICE_INSTANCE_STATE_CHANGE" and
	    .metadata.SERVICE_ID == "lsctl-act-1" and .metadata.CURRENT_STATE == "HEALTHY")] | length >= 6'
}

@test "an executor that joins later gets its instances" {
	svc=$DROVE_RUN/service/$(jq -r '.executors[2].service' <<<"$ST")
	eid=$(jq -r '.executors[2].executorId' <<<"$ST")
	s6-svc -d "$svc"
	s6-svwait -D -t 20000 "$svc"
	wait_until 30 sh -c "curl -s '$API/apis/v1/cluster/executors' | jq -e --arg e '$eid' '[.data[] | select(.executorId == \$e and .state != \"REMOVED\")] | length == 0'"
	create join 1
	ok_op '{"type":"ACTIVATE","serviceId":"lsctl-join-1"}'
	NEX=$((NEX - 1)) wait_until 90 healthy_per_host lsctl-join-1 1
	insts lsctl-join-1 | jq -e --arg e "$eid" '[.data[] | select(.executorId == $e)] == []'
	s6-svc -u "$svc"
	wait_until 90 healthy_per_host lsctl-join-1 1
	insts lsctl-join-1 | jq -e --arg e "$eid" '[.data[] | select(.executorId == $e and .state == "HEALTHY")] | length == 1'
	# and it became ACTIVE once its instance was HEALTHY
	wait_until 30 sh -c "curl -s '$API/apis/v1/cluster/executors' | jq -e --arg e '$eid' '.data[] | select(.executorId == \$e) | .state == \"ACTIVE\"'"
}

@test "a lost executor's instances are LOST, never placed elsewhere; it gets new ones when it is back" {
	create lost 1
	ok_op '{"type":"ACTIVATE","serviceId":"lsctl-lost-1"}'
	wait_until 90 healthy_per_host lsctl-lost-1 1
	svc=$DROVE_RUN/service/$(jq -r '.executors[1].service' <<<"$ST")
	eid=$(jq -r '.executors[1].executorId' <<<"$ST")
	gone=$(insts lsctl-lost-1 | jq -r --arg e "$eid" '.data[] | select(.executorId == $e) | .instanceId')
	[ -n "$gone" ]
	s6-svc -d "$svc"
	s6-svwait -D -t 20000 "$svc"
	wait_until 60 sh -c "curl -s '$API/apis/v1/localservices/lsctl-lost-1/instances/$gone' | jq -e '.data.state == \"LOST\" and .data.errorMessage == \"Instance lost\"'"
	curl -s "$API/apis/v1/localservices/lsctl-lost-1/instances/old" | jq -e --arg i "$gone" '[.data[] | select(.instanceId == $i)] | length == 1'
	sleep 3
	# the others keep one each; nothing moved to them
	NEX=$((NEX - 1)) healthy_per_host lsctl-lost-1 1
	insts lsctl-lost-1 | jq -e --arg e "$eid" '[.data[] | select(.executorId == $e)] == []'
	events_match '[.data.events[] | select(.type == "LOCAL_SERVICE_INSTANCE_STATE_CHANGE" and
	    .metadata.INSTANCE_ID == $i and .metadata.CURRENT_STATE == "LOST")] | length == 1' --arg i "$gone"
	s6-svc -u "$svc"
	wait_until 90 healthy_per_host lsctl-lost-1 1
	insts lsctl-lost-1 | jq -e --arg e "$eid" --arg i "$gone" '[.data[] | select(.executorId == $e and .instanceId != $i and .state == "HEALTHY")] | length == 1'
	# the container of the lost one is reaped
	wait_until 90 sh -c "[ -z \"\$(/usr/bin/docker ps -q --filter label=drove.instance.id=$gone)\" ]"
}

@test "UPDATE_INSTANCE_COUNT changes the count on every executor" {
	create count 1
	ok_op '{"type":"ACTIVATE","serviceId":"lsctl-count-1"}'
	wait_until 90 healthy_per_host lsctl-count-1 1
	ok_op '{"type":"UPDATE_INSTANCE_COUNT","serviceId":"lsctl-count-1","instancesPerHost":2}'
	curl -s "$API/apis/v1/localservices/lsctl-count-1" | jq -e '.data.instancesPerHost == 2'
	wait_until 90 healthy_per_host lsctl-count-1 2
	ok_op '{"type":"UPDATE_INSTANCE_COUNT","serviceId":"lsctl-count-1","instancesPerHost":1}'
	wait_until 60 healthy_per_host lsctl-count-1 1
	run op '{"type":"UPDATE_INSTANCE_COUNT","serviceId":"lsctl-count-1","instancesPerHost":0}'
	echo "$output" | jq -e '.status == "FAILED" and (.data.validationErrors[0] | test("instancesPerHost"))'
}

@test "RESTART replaces every instance, then the service is ACTIVE again" {
	create restart 1
	ok_op '{"type":"ACTIVATE","serviceId":"lsctl-restart-1"}'
	wait_until 90 healthy_per_host lsctl-restart-1 1
	before=$(healthy_ids lsctl-restart-1)
	ok_op '{"type":"RESTART","serviceId":"lsctl-restart-1","stopFirst":false}'
	state_is lsctl-restart-1 REPLACING_INSTANCES
	summary lsctl-restart-1 | jq -e --argjson x "$NEX" '.currentOperation | .type == "RESTART" and
	    .parallelism == 1 and .failureStrategy == "STOP" and .stepsTotal == $x'
	# parallelism 1 (the default): one executor at a time, new before old
	read -r min max < <(watch_op lsctl-restart-1)
	echo "fewest HEALTHY $min, most active $max"
	[ "$min" -ge "$NEX" ]
	[ "$max" -le $((NEX + 1)) ]
	state_is lsctl-restart-1 ACTIVE
	summary lsctl-restart-1 | jq -e '.currentOperation == null and .lastOperation.type == "RESTART" and
	    .lastOperation.result == "COMPLETED" and .lastOperation.failure == null'
	wait_until 60 healthy_per_host lsctl-restart-1 1
	after=$(healthy_ids lsctl-restart-1)
	[ -z "$(comm -12 <(echo "$before") <(echo "$after"))" ]
	curl -s "$API/apis/v1/localservices/lsctl-restart-1/instances/old" |
	    jq -e --argjson x "$NEX" '[.data[] | select(.state == "STOPPED")] | length == $x'
	events_match '[.data.events[] | select(.type == "LOCAL_SERVICE_STATE_CHANGE" and
	    .metadata.LOCAL_SERVICE_ID == "lsctl-restart-1") | .metadata.CURRENT_STATE] | index("REPLACING_INSTANCES") != null'
}

@test "REPLACE_INSTANCES and STOP_INSTANCES of one instance: new ones take their place" {
	create repl 1
	ok_op '{"type":"ACTIVATE","serviceId":"lsctl-repl-1"}'
	wait_until 90 healthy_per_host lsctl-repl-1 1
	one=$(healthy_ids lsctl-repl-1 | head -n 1)
	ok_op "{\"type\":\"REPLACE_INSTANCES\",\"serviceId\":\"lsctl-repl-1\",\"instanceIds\":[\"$one\"],\"stopFirst\":true}"
	wait_until 90 sh -c "curl -s '$API/apis/v1/localservices/lsctl-repl-1' | jq -e '.data.state == \"ACTIVE\"'"
	wait_until 60 healthy_per_host lsctl-repl-1 1
	run ! grep -qx "$one" <(healthy_ids lsctl-repl-1)
	two=$(healthy_ids lsctl-repl-1 | head -n 1)
	ok_op "{\"type\":\"STOP_INSTANCES\",\"serviceId\":\"lsctl-repl-1\",\"instanceIds\":[\"$two\"]}"
	wait_until 60 sh -c "curl -s '$API/apis/v1/localservices/lsctl-repl-1/instances/$two' | jq -e '.data.state == \"STOPPED\"'"
	wait_until 60 healthy_per_host lsctl-repl-1 1
	run ! grep -qx "$two" <(healthy_ids lsctl-repl-1)
	run op '{"type":"STOP_INSTANCES","serviceId":"lsctl-repl-1","instanceIds":[]}'
	echo "$output" | jq -e '.status == "FAILED"'
	run op '{"type":"STOP_INSTANCES","serviceId":"lsctl-repl-1","instanceIds":["SI-nope"]}'
	echo "$output" | jq -e '.status == "FAILED" and (.data.validationErrors[0] | test("SI-nope"))'
}

@test "DEPLOY_TEST_INSTANCE runs exactly one; DEACTIVATE none; DESTROY leaves nothing in ZooKeeper" {
	create test 2
	ok_op '{"type":"DEPLOY_TEST_INSTANCE","serviceId":"lsctl-test-1"}'
	state_is lsctl-test-1 CONFIG_TESTING
	wait_until 90 sh -c "curl -s '$API/apis/v1/localservices/lsctl-test-1/instances' | jq -e '[.data[] | select(.state == \"HEALTHY\")] | length == 1'"
	sleep 2
	insts lsctl-test-1 | jq -e '.data | length == 1'
	# ACTIVATE from CONFIG_TESTING
	ok_op '{"type":"ACTIVATE","serviceId":"lsctl-test-1"}'
	wait_until 90 healthy_per_host lsctl-test-1 2
	ok_op '{"type":"STOP","serviceId":"lsctl-test-1"}'
	state_is lsctl-test-1 INACTIVE
	wait_until 60 sh -c "curl -s '$API/apis/v1/localservices/lsctl-test-1/instances' | jq -e '.data == []'"
	node_curl -s "$API/apis/v1/internal/cluster/resources/reserved" | jq -e '.data.requiredInstances["lsctl-test-1"] == null'
	for iid in $(curl -s "$API/apis/v1/localservices/lsctl-test-1/instances/old" | jq -r '.data[].instanceId'); do
		[ "$(/usr/bin/docker ps -aq --filter "label=drove.instance.id=$iid" | wc -l)" = 0 ]
	done
	ok_op '{"type":"DESTROY","serviceId":"lsctl-test-1"}'
	wait_until 30 sh -c "curl -s '$API/apis/v1/localservices/lsctl-test-1' | jq -e '.status == \"FAILED\" and .message == \"Local service lsctl-test-1 not found\"'"
	run zk_ls /drove/localservices
	[[ $output != *lsctl-test-1* ]]
	run zk_ls /drove/localserviceinstances
	[[ $output != *lsctl-test-1* ]]
	run zk_ls /drove/localserviceoperations
	[[ $output != *lsctl-test-1* ]]
	events_match '[.data.events[] | select(.type == "LOCAL_SERVICE_STATE_CHANGE" and
	    .metadata.LOCAL_SERVICE_ID == "lsctl-test-1") | .metadata.CURRENT_STATE] | index("DESTROYED") != null'
}

@test "a blacklisted executor's instances are stopped; unblacklisted, it gets them again" {
	create bl 1
	ok_op '{"type":"ACTIVATE","serviceId":"lsctl-bl-1"}'
	wait_until 90 healthy_per_host lsctl-bl-1 1
	eid=$(jq -r '.executors[0].executorId' <<<"$ST")
	curl -s -X POST "$API/apis/v1/cluster/executors/$eid/blacklist" | jq -e '.status == "SUCCESS"'
	wait_until 60 sh -c "curl -s '$API/apis/v1/localservices/lsctl-bl-1/instances' | jq -e --arg e '$eid' '[.data[] | select(.executorId == \$e)] == []'"
	NEX=$((NEX - 1)) healthy_per_host lsctl-bl-1 1
	curl -s -X POST "$API/apis/v1/cluster/executors/$eid/unblacklist" | jq -e '.status == "SUCCESS"'
	wait_until 90 healthy_per_host lsctl-bl-1 1
}

@test "ADJUST_INSTANCES ends at once when nothing is to be done; its state is seen" {
	create adj 1
	ok_op '{"type":"ADJUST_INSTANCES","serviceId":"lsctl-adj-1"}'
	wait_until 30 state_is lsctl-adj-1 INACTIVE
	events_match '[.data.events[] | select(.type == "LOCAL_SERVICE_STATE_CHANGE" and
	    .metadata.LOCAL_SERVICE_ID == "lsctl-adj-1") | .metadata.CURRENT_STATE] ==
	    ["INACTIVE", "ADJUSTING_INSTANCES", "INACTIVE"] or
	    ([.data.events[] | select(.type == "LOCAL_SERVICE_STATE_CHANGE" and
	    .metadata.LOCAL_SERVICE_ID == "lsctl-adj-1") | .metadata.CURRENT_STATE] | sort ==
	    ["ADJUSTING_INSTANCES", "INACTIVE", "INACTIVE"])'
	run zk_ls /drove/localserviceoperations
	[[ $output != *lsctl-adj-1* ]]
	insts lsctl-adj-1 | jq -e '.data == []'
}

@test "refusals per state, unknown ids, a second CREATE" {
	create refuse 1
	run op '{"type":"DEACTIVATE","serviceId":"lsctl-refuse-1"}'
	echo "$output" | jq -e '.status == "FAILED" and .data.validationErrors[0] ==
	    "Only [ACTIVATE, ADJUST_INSTANCES, DEPLOY_TEST_INSTANCE, DESTROY, UPDATE_INSTANCE_COUNT] allowed for local service lsctl-refuse-1 as it is in INACTIVE state"'
	run op '{"type":"RESTART","serviceId":"lsctl-refuse-1"}'
	echo "$output" | jq -e '.status == "FAILED"'
	run op "{\"type\":\"CREATE\",\"spec\":$(spec lsctl-refuse),\"instancesPerHost\":1}"
	echo "$output" | jq -e '.status == "FAILED" and .data.validationErrors[0] == "Local service lsctl-refuse-1 already exists"'
	run op "{\"type\":\"CREATE\",\"spec\":$(spec lsctl-refuse2),\"instancesPerHost\":257}"
	echo "$output" | jq -e '.status == "FAILED"'
	run op "{\"type\":\"CREATE\",\"spec\":$(spec lsctl-refuse3 | jq -c '.placementPolicy = {type: "ANY"}'),\"instancesPerHost\":1}"
	echo "$output" | jq -e '.status == "FAILED"'
	ok_op '{"type":"ACTIVATE","serviceId":"lsctl-refuse-1"}'
	run op '{"type":"DESTROY","serviceId":"lsctl-refuse-1"}'
	echo "$output" | jq -e '.status == "FAILED" and (.data.validationErrors[0] | test("as it is in ACTIVE state"))'
	run op '{"type":"ACTIVATE","serviceId":"lsctl-refuse-1"}'
	echo "$output" | jq -e '.status == "FAILED"'
	run op '{"type":"ACTIVATE","serviceId":"lsctl-nope-1"}'
	echo "$output" | jq -e '.status == "FAILED" and .data.validationErrors[0] == "Local service lsctl-nope-1 not found"'
	run op '{"type":"SCALE","serviceId":"lsctl-refuse-1"}'
	echo "$output" | jq -e '.status == "FAILED"'
	run curl -s -w '\n%{http_code}' "$API/apis/v1/localservices/lsctl-nope-1"
	[ "$(tail -n 1 <<<"$output")" = 200 ]
	head -n 1 <<<"$output" | jq -e '.status == "FAILED"'
	# an unknown service has no instances: SUCCESS [], as Drove answers
	curl -s "$API/apis/v1/localservices/lsctl-nope-1/instances" | jq -e '.status == "SUCCESS" and .data == []'
	run curl -s -X POST "$API/apis/v1/localservices/operations/lsctl-refuse-1/cancel"
	echo "$output" | jq -e '.status == "FAILED" and .data.validationErrors[0] == "Current operation could not be cancelled"'
}

@test "the maintenance window refuses local-service writes" {
	create maint 1
	curl -s -X POST "$API/apis/v1/cluster/maintenance/set" | jq -e '.status == "SUCCESS"'
	run op '{"type":"ACTIVATE","serviceId":"lsctl-maint-1"}'
	curl -s -X POST "$API/apis/v1/cluster/maintenance/unset" >/dev/null
	echo "$output" | jq -e '.status == "FAILED" and .data.validationErrors[0] == "Cluster is in maintenance mode"'
	state_is lsctl-maint-1 INACTIVE
	# writes are accepted again once the window is over
	wait_until 60 ok_op '{"type":"DESTROY","serviceId":"lsctl-maint-1"}'
}

# drove-sched alone on a namespace of its own (hand-written records, no
# monitor): pinned placement, and room left for ACTIVE local services
@test "drove-sched: LS requests go to their executor (UNREADY too); apps leave room for ACTIVE local services" {
	T=$BATS_TEST_TMPDIR
	NS=lsres
	zkc() { "$BIN/drove-zkcli" -z "$ZK" "$@"; }
	printf 'zookeeper: {connectionString: "%s", nameSpace: %s}\noptions: {hostname: 127.0.0.1}\n' \
	    "$ZK" "$NS" >"$T/c.yml"
	echo '{"hostname":"127.0.0.1","port":4000}' | zkc put "/$NS/leaderselection/leader-0000000001"
	for e in e1:ACTIVE e2:UNREADY e3:BLACKLISTED; do
		jq -cn --arg id "${e%%:*}" --arg st "${e#*:}" '{type:"EXECUTOR",
		    hostname:"127.0.0.1", port:3000, transportType:"HTTP", updated:1,
		    state:{executorId:$id, layout:{cores:{"0":[0,1]}, memory:{"0":1000}}},
		    tags:["127.0.0.1"], metadata:{}, executorState:$st}' |
		    zkc put "/$NS/executor/${e%%:*}"
	done
	spec "lsctl-res" | jq -c '.resources = [{type:"CPU",count:1},{type:"MEMORY",sizeInMB:100}] |
	    {serviceId:"lsctl-res-1", spec:., instancesPerHost:1, activationState:"ACTIVE", created:1, updated:1}' |
	    zkc put "/$NS/localservices/lsctl-res-1"
	jq -c '.spec | .name = "lsctl-app" | .resources = [{type:"CPU",count:2},{type:"MEMORY",sizeInMB:100}] |
	    {appId:"lsctl-app-1", spec:., instances:1, created:1, updated:1}' "$TOP/examples/create.json" |
	    zkc put "/$NS/applications/lsctl-app-1"
	echo '{"appId":"lsctl-app-1","instanceId":"AI-big","created":1}' | zkc put "/$NS/requests/AI-big"
	for e in e2 e3; do
		jq -cn --arg e "$e" '{jobType:"LOCAL_SERVICE", serviceId:"lsctl-res-1",
		    instanceId:"SI-\($e)", executorId:$e, created:2}' | zkc put "/$NS/requests/SI-$e"
	done
	DROVE_LEADER_ZNODE=/$NS/leaderselection/leader-0000000001 \
	    "$BIN/drove-sched" -c "$T/c.yml" 2>"$T/sched.err" 3>&- &
	pid=$!
	# the LS instance on the UNREADY executor is placed with its info
	wait_until 15 zkc get "/$NS/assignments/e2/SI-e2"
	zkc get "/$NS/assignments/e2/SI-e2" | jq -e '.jobType == "LOCAL_SERVICE" and .serviceId == "lsctl-res-1"'
	zkc get "/$NS/localserviceinstances/lsctl-res-1/SI-e2" | jq -e '.state == "PENDING" and .executorId == "e2"'
	# not on the blacklisted one
	wait_until 15 sh -c "\"$BIN/drove-zkcli\" -z $ZK get /$NS/requests/SI-e3 | jq -e '.error == \"executor e3 is BLACKLISTED\"'"
	# the app's 2 cores would fit e1 but for the local service's 1
	wait_until 15 sh -c "\"$BIN/drove-zkcli\" -z $ZK get /$NS/requests/AI-big | jq -e '.error | test(\"free cores\")'"
	run ! zkc get "/$NS/assignments/e1/AI-big"
	# once the service is INACTIVE the room is the app's
	zkc get "/$NS/localservices/lsctl-res-1" | jq -c '.activationState = "INACTIVE"' |
	    zkc put "/$NS/localservices/lsctl-res-1"
	wait_until 15 zkc get "/$NS/assignments/e1/AI-big"
	kill "$pid"
	wait "$pid" || true
}

@test "RESTART stopFirst with parallelism 1 on 3 executors: never fewer than executors - 1 HEALTHY, all new ids at the end" {
	create ops-par 1
	ok_op '{"type":"ACTIVATE","serviceId":"lsctl-ops-par-1"}'
	wait_until 90 healthy_per_host lsctl-ops-par-1 1
	before=$(healthy_ids lsctl-ops-par-1)
	ok_op '{"type":"RESTART","serviceId":"lsctl-ops-par-1","stopFirst":true,
	    "clusterOpSpec":{"timeout":"5m","parallelism":1,"failureStrategy":"STOP"}}'
	read -r min max < <(watch_op lsctl-ops-par-1)
	echo "fewest HEALTHY $min, most active $max"
	[ "$min" -ge $((NEX - 1)) ]
	[ "$max" -le "$NEX" ]
	state_is lsctl-ops-par-1 ACTIVE
	wait_until 60 healthy_per_host lsctl-ops-par-1 1
	after=$(healthy_ids lsctl-ops-par-1)
	[ -z "$(comm -12 <(echo "$before") <(echo "$after"))" ]
	summary lsctl-ops-par-1 | jq -e '.lastOperation.result == "COMPLETED"'
	# the operation record is gone
	run zk_ls /drove/localserviceoperations
	[[ $output != *lsctl-ops-par-1* ]]
}

@test "a replacement that fails with failureStrategy STOP ends the RESTART with its failure; nothing more is replaced" {
	create_flagged ops-fail 1
	ok_op '{"type":"ACTIVATE","serviceId":"lsctl-ops-fail-1"}'
	wait_until 90 healthy_per_host lsctl-ops-fail-1 1
	before=$(healthy_ids lsctl-ops-fail-1)
	for i in $before; do touch "$BATS_TEST_TMPDIR/flags/$i"; done
	touch "$BATS_TEST_TMPDIR/flags/fail"
	ok_op '{"type":"RESTART","serviceId":"lsctl-ops-fail-1","stopFirst":false,
	    "clusterOpSpec":{"timeout":"5m","parallelism":1,"failureStrategy":"STOP"}}'
	wait_until 120 state_is lsctl-ops-fail-1 ACTIVE
	run summary lsctl-ops-fail-1
	echo "$output"
	echo "$output" | jq -e '.currentOperation == null and .lastOperation.type == "RESTART" and
	    .lastOperation.result == "FAILED" and (.lastOperation.failure | test("^instance SI-.* went "))'
	# the failed step's old instance was never stopped and no other step
	# began: the old ones all run, one new one was tried
	wait_until 30 healthy_per_host lsctl-ops-fail-1 1
	[ "$(healthy_ids lsctl-ops-fail-1)" = "$before" ]
	curl -s "$API/apis/v1/localservices/lsctl-ops-fail-1/instances/old" | jq -e '.data | length == 1'
}

@test "a cancel lets the replacement in flight finish and begins no other" {
	create_with ops-cancel 1 '.readiness.initialDelay = "4 seconds"'
	ok_op '{"type":"ACTIVATE","serviceId":"lsctl-ops-cancel-1"}'
	wait_until 90 healthy_per_host lsctl-ops-cancel-1 1
	before=$(healthy_ids lsctl-ops-cancel-1)
	ok_op '{"type":"RESTART","serviceId":"lsctl-ops-cancel-1","stopFirst":false,
	    "clusterOpSpec":{"timeout":"5m","parallelism":1,"failureStrategy":"STOP"}}'
	# the first step is in flight: its new instance exists
	wait_until 30 sh -c "curl -s '$API/apis/v1/localservices/lsctl-ops-cancel-1/instances' | jq -e --argjson x $NEX '.data | length == \$x + 1'"
	run curl -s -X POST "$API/apis/v1/localservices/operations/lsctl-ops-cancel-1/cancel"
	echo "$output" | jq -e '.status == "SUCCESS"'
	# a second cancel of the same operation is refused
	run curl -s -X POST "$API/apis/v1/localservices/operations/lsctl-ops-cancel-1/cancel"
	echo "$output" | jq -e '.status == "FAILED" and .data.validationErrors[0] == "Current operation could not be cancelled"'
	wait_until 90 state_is lsctl-ops-cancel-1 ACTIVE
	summary lsctl-ops-cancel-1 | jq -e '.lastOperation.type == "RESTART" and .lastOperation.result == "CANCELLED"'
	wait_until 60 healthy_per_host lsctl-ops-cancel-1 1
	sleep 2
	# exactly one instance was replaced
	healthy_per_host lsctl-ops-cancel-1 1
	[ "$(comm -12 <(echo "$before") <(healthy_ids lsctl-ops-cancel-1) | wc -l)" = $((NEX - 1)) ]
	curl -s "$API/apis/v1/localservices/lsctl-ops-cancel-1/instances/old" | jq -e '.data | length == 1'
}

@test "STOP_INSTANCES with parallelism 1 stops one at a time; they are respawned" {
	create ops-stop 1
	ok_op '{"type":"ACTIVATE","serviceId":"lsctl-ops-stop-1"}'
	wait_until 90 healthy_per_host lsctl-ops-stop-1 1
	ids=$(healthy_ids lsctl-ops-stop-1 | head -n 2 | jq -R . | jq -sc .)
	ok_op "{\"type\":\"STOP_INSTANCES\",\"serviceId\":\"lsctl-ops-stop-1\",\"instanceIds\":$ids,
	    \"opSpec\":{\"timeout\":\"5m\",\"parallelism\":1,\"failureStrategy\":\"STOP\"}}"
	read -r min max < <(watch_op lsctl-ops-stop-1)
	echo "fewest HEALTHY $min, most active $max"
	# the one being stopped and its respawned successor
	[ "$max" -le $((NEX + 1)) ]
	wait_until 60 healthy_per_host lsctl-ops-stop-1 1
	# the second stop began once the first was over (their events)
	events_match '
	    def span($i): [.data.events[] | select(.type == "LOCAL_SERVICE_INSTANCE_STATE_CHANGE" and
	        .metadata.INSTANCE_ID == $i and
	        (.metadata.CURRENT_STATE | IN("STOPPING", "DEPROVISIONING", "STOPPED"))) | .time] | [min, max];
	    span($ids[0]) as $a | span($ids[1]) as $b |
	    $a[0] != null and $b[0] != null and ($a[1] <= $b[0] or $b[1] <= $a[0])' --argjson ids "$ids"
	for i in $(jq -r '.[]' <<<"$ids"); do
		curl -s "$API/apis/v1/localservices/lsctl-ops-stop-1/instances/$i" | jq -e '.data.state == "STOPPED"'
	done
	summary lsctl-ops-stop-1 | jq -e '.lastOperation.type == "STOP_INSTANCES" and .lastOperation.result == "COMPLETED"'
}

@test "kill -9 of the leader programs during a RESTART: the next leader completes it, one instance per executor" {
	create_with ops-lead 1 '.readiness.initialDelay = "2 seconds"'
	ok_op '{"type":"ACTIVATE","serviceId":"lsctl-ops-lead-1"}'
	wait_until 90 healthy_per_host lsctl-ops-lead-1 1
	before=$(healthy_ids lsctl-ops-lead-1)
	ok_op '{"type":"RESTART","serviceId":"lsctl-ops-lead-1","stopFirst":false,
	    "clusterOpSpec":{"timeout":"5m","parallelism":1,"failureStrategy":"STOP"}}'
	wait_until 60 sh -c "curl -s '$API/apis/v1/localservices/lsctl-ops-lead-1' | jq -e '.data.currentOperation.stepsDone >= 1'" || {
		summary lsctl-ops-lead-1; insts lsctl-ops-lead-1; false; }
	# as tests/45-operations.bats: every leader program of this cluster
	pids=$(pgrep -f "drove-(leader|monitor|sched) -c $DROVE_RUN/" || true)
	[ -n "$pids" ]
	# shellcheck disable=SC2086 # one argument per pid
	kill -9 $pids
	wait_until 60 sh -c '"$TOP/scripts/cluster" status | jq -e .leader'
	API=$(jq -r .api <<<"$("$TOP/scripts/cluster" status)")
	wait_until 180 sh -c "curl -s '$API/apis/v1/localservices/lsctl-ops-lead-1' | jq -e '.data.state == \"ACTIVE\" and .data.lastOperation.result == \"COMPLETED\"'"
	wait_until 60 healthy_per_host lsctl-ops-lead-1 1
	after=$(healthy_ids lsctl-ops-lead-1)
	[ -z "$(comm -12 <(echo "$before") <(echo "$after"))" ]
	# exactly one running container per executor: the HEALTHY ones
	wait_until 60 sh -c "[ \"\$(/usr/bin/docker ps -q --filter label=drove.job.type=LOCAL_SERVICE --format '{{.Label \"drove.instance.info\"}}' | grep -c '\"lsctl-ops-lead-1\"')\" = $NEX ]"
}

# drove-monitor alone on a namespace of its own: Drove's StaleDataCleaner
@test "drove-monitor: an INACTIVE local service not updated for 7 days is destroyed, with its DESTROYED event" {
	T=$BATS_TEST_TMPDIR
	NS=lsstale
	zkc() { "$BIN/drove-zkcli" -z "$ZK" "$@"; }
	printf 'zookeeper: {connectionString: "%s", nameSpace: %s}\noptions: {hostname: 127.0.0.1}\n' \
	    "$ZK" "$NS" >"$T/c.yml"
	echo '{"hostname":"127.0.0.1","port":4000}' | zkc put "/$NS/leaderselection/leader-0000000001"
	now=$(($(date +%s) * 1000))
	old=$((now - 8 * 24 * 3600 * 1000))
	young=$((now - 6 * 24 * 3600 * 1000))
	for s in stale:INACTIVE:$old young:INACTIVE:$young active:ACTIVE:$old; do
		IFS=: read -r n a u <<<"$s"
		spec "lsctl-$n" | jq -c --arg a "$a" --argjson u "$u" --arg id "lsctl-$n-1" \
		    '{serviceId:$id, spec:., instancesPerHost:1, activationState:$a, created:1, updated:$u}' |
		    zkc put "/$NS/localservices/lsctl-$n-1"
	done
	echo "{\"serviceId\":\"lsctl-stale-1\",\"serviceName\":\"lsctl-stale\",\"instanceId\":\"SI-x\",\"executorId\":\"e1\",\"state\":\"STOPPED\",\"created\":1,\"updated\":$old}" |
	    zkc put "/$NS/localserviceinstances/lsctl-stale-1/SI-x"
	DROVE_LEADER_ZNODE=/$NS/leaderselection/leader-0000000001 \
	    "$BIN/drove-monitor" -c "$T/c.yml" 2>"$T/monitor.err" 3>&- &
	pid=$!
	wait_until 20 sh -c "! \"$BIN/drove-zkcli\" -z $ZK get /$NS/localservices/lsctl-stale-1" ||
	    { cat "$T/monitor.err"; false; }
	run ! zkc get "/$NS/localserviceinstances/lsctl-stale-1/SI-x"
	run ! zkc get "/$NS/localserviceinstances/lsctl-stale-1"
	zkc get "/$NS/localservices/lsctl-young-1" | jq -e '.activationState == "INACTIVE"'
	zkc get "/$NS/localservices/lsctl-active-1" | jq -e '.activationState == "ACTIVE"'
	run zkc ls "/$NS/events"
	found=
	for e in $output; do
		zkc get "/$NS/events/$e" | jq -e '.type == "LOCAL_SERVICE_STATE_CHANGE" and
		    .metadata.LOCAL_SERVICE_ID == "lsctl-stale-1" and .metadata.CURRENT_STATE == "DESTROYED"' && found=1
	done
	[ -n "$found" ]
	grep -q 'lsctl-stale-1: INACTIVE since' "$T/monitor.err"
	kill "$pid"
	wait "$pid" || true
}

@test "a replacement that cannot be placed fails when its computeTimeout is up, not at the next sweep" {
	# each instance takes 60% of an executor's memory: a new one cannot
	# join the old one on its executor, so the RESTART's first step waits
	# (PENDING, unplaced) until Drove's computeTimeout: pull 1 s +
	# readiness 3 x (1 + 1) s + health 3 x (1 + 2) s = 16 s
	mem=$(curl -s "$API/apis/v1/cluster/executors" |
	    jq '[.data[] | .freeMemory + .usedMemory] | min')
	big=$((mem * 6 / 10))
	create_with ops-due 1 ".executable.dockerPullTimeout = \"1 second\" |
	    .resources = [{type: \"CPU\", count: 1}, {type: \"MEMORY\", sizeInMB: $big}]"
	ok_op '{"type":"ACTIVATE","serviceId":"lsctl-ops-due-1"}'
	wait_until 90 healthy_per_host lsctl-ops-due-1 1
	ok_op '{"type":"RESTART","serviceId":"lsctl-ops-due-1","stopFirst":false,
	    "clusterOpSpec":{"timeout":"2 seconds","parallelism":1,"failureStrategy":"STOP"}}'
	t0=$SECONDS
	wait_until 90 sh -c "curl -s '$API/apis/v1/localservices/lsctl-ops-due-1' | jq -e '.data.lastOperation.result == \"FAILED\"'"
	took=$((SECONDS - t0))
	run summary lsctl-ops-due-1
	echo "$output; ended after $took s"
	echo "$output" | jq -e '.lastOperation.failure | test("was not HEALTHY within 16 s")'
	[ "$took" -ge 15 ]
	[ "$took" -le 22 ]
}
