#!/usr/bin/env bats
# drove-httpd: leadership gating, CREATE/SCALE operations written to a
# private ZooKeeper, the read endpoints, and that every rejected request
# leaves ZooKeeper exactly as it was.  Each test starts from the same
# ZooKeeper state (setup): this node's election znode, executor E1 and the
# app hello-1 (2 instances) as CREATE stored it in setup_file.

load helpers
bats_require_minimum_version 1.5.0
NS=t-httpd

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	zk_start
	zkport=$ZK_PORT
	echo "$zkport" >"$T/zkport"

	cat >"$T/controller.yml" <<-EOF
	server: {applicationConnectors: [{type: http, port: 4000}], bindAddress: 127.0.0.1}
	zookeeper: {connectionString: "127.0.0.1:$zkport", nameSpace: $NS}
	options: {hostname: 127.0.0.1}
	EOF
	start_httpd "$T"
	port=$(cat "$T/port")
	put_ephemeral "/$NS/leaderselection/leader-0000000005" \
	    "{\"hostname\":\"127.0.0.1\",\"port\":$port}"
	for _ in $(seq 50); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' \
		    "http://127.0.0.1:$port/apis/v1/ping")" = 200 ] && break
		sleep 0.1
	done
	jq -n '{type:"CREATE",instances:2,spec:{name:"hello",version:"1",type:"SERVICE",
	    executable:{type:"DOCKER",url:"drove-test/web:1",dockerPullTimeout:"100 seconds"},
	    exposedPorts:[{name:"main",port:8000,type:"HTTP"}],
	    resources:[{type:"CPU",count:1},{type:"MEMORY",sizeInMB:64}],
	    healthcheck:{mode:{type:"HTTP",protocol:"HTTP",portName:"main",path:"/",verb:"GET",successCodes:[200]},
	        timeout:"1 second",interval:"2 seconds",attempts:3},
	    readiness:{mode:{type:"HTTP",protocol:"HTTP",portName:"main",path:"/",verb:"GET",successCodes:[200]},
	        timeout:"1 second",interval:"2 seconds",attempts:3},
	    exposureSpec:{vhost:"hello.local",portName:"main",mode:"ALL"},
	    tags:{team:"t"}, env:{A:"b"}}}' >"$T/create.json"
	# one executor (4 cores, 1024 MB on NUMA node 0): CREATE/SCALE check
	# capacity against it
	jq -nc '{type:"EXECUTOR",hostname:"127.0.0.1",port:1,transportType:"HTTP",updated:1,
	    state:{executorId:"E1",cpus:{type:"CPU",freeCores:{"0":[1,2,3]},usedCores:{"0":[0]}},
	    memory:{type:"MEMORY",freeMemory:{"0":1000},usedMemory:{"0":24}},
	    layout:{cores:{"0":[0,1,2,3]},memory:{"0":1024}}},
	    instances:[],tasks:[],serviceInstances:[],tags:["127.0.0.1"],metadata:{},executorState:"ACTIVE"}' \
	    >"$T/e1.json"
	zkcli put "/$NS/executor/E1" <"$T/e1.json"
	# the API sees executors through its view: wait until it shows E1
	wait_until 5 sh -c "curl -sf http://127.0.0.1:$port/apis/v1/cluster/executors | jq -e '.data | length == 1'"
	# hello-1 as CREATE stores it: every test starts with it
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/json' --data-binary @"$T/create.json" \
	    "http://127.0.0.1:$port/apis/v1/applications/operations")" = 200 ]
	zkcli get "/$NS/applications/hello-1" >"$T/hello.json"
}

teardown_file() {
	[ -f "$T/pid" ] && kill "$(cat "$T/pid")" 2>/dev/null
	if [ -f "$T/holders" ]; then
		while read -r p; do kill "$p" 2>/dev/null; done <"$T/holders"
	fi
	zk_stop
	true
}

# The state every test starts from: the children of each top-level znode
# removed (the znodes httpd made stay), then E1 and hello-1 put back.
reset_zk() {
	local top c
	for top in $(zkcli ls "/$NS"); do
		for c in $(zkcli ls "/$NS/$top"); do
			case $top/$c in
			leaderselection/leader-0000000005) ;;
			*) zkcli rm "/$NS/$top/$c" ;;
			esac
		done
	done
	zkcli put "/$NS/executor/E1" <"$T/e1.json"
	zkcli put "/$NS/applications/hello-1" <"$T/hello.json"
	# the API answers from a view that watches keep current: wait until
	# it shows the reset before the test starts
	wait_until 10 shows_reset
}

# op_done APP: what drove-monitor does when APP's operation ends (it does
# not run here): the record goes, and the API shows no operation
op_done() {
	zkcli rm "/$NS/operations/$1"
	wait_until 5 api_is "$B/applications/$1" '.data | has("currentOperation") | not'
}

# api_is URL JQ: the answer at URL satisfies the jq condition
api_is() {
	curl -sf "$1" | jq -e "$2" >/dev/null
}

shows_reset() {
	curl -sf "$B/applications" | jq -e '.data | keys == ["hello-1"] and
	    .["hello-1"].healthyInstances == 0 and .["hello-1"].pendingInstances == 0' &&
	curl -sf "$B/cluster/executors" | jq -e '[.data[] | [.executorId, .usedCores]] == [["E1", 0]]'
}

setup() {
	B="http://127.0.0.1:$(cat "$T/port")/apis/v1"
	reset_zk
}

# Daemons a test starts (pids in $BATS_TEST_TMPDIR/*.bg) end with it.
teardown() {
	local f
	for f in "$BATS_TEST_TMPDIR"/*.bg "$BATS_TEST_TMPDIR"/logstream.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	true
}

# put_instance N STATE: instance AI-N of hello-1 on E1, host port 3000N
put_instance() {
	jq -nc --arg i "$1" --arg st "$2" '{appId:"hello-1",appName:"hello",instanceId:("AI-"+$i),
	    executorId:"E1",localInfo:{hostname:"127.0.0.1",ports:{main:{containerPort:8000,
	    hostPort:(30000+($i|tonumber)),portType:"HTTP"}}},resources:[],state:$st,metadata:{},
	    errorMessage:"",created:(100-($i|tonumber)),updated:1}' |
	    zkcli put "/$NS/instances/hello-1/AI-$1"
}

# req [curl args]: sets $code and $body
req() {
	body=$(curl -s -o - -w '\n%{http_code}' "$@")
	code=${body##*$'\n'}
	body=${body%$'\n'*}
}

post() {
	req -X POST -H 'Content-Type: application/json' --data-binary "$2" "$B$1"
}

snapshot() {
	zkcli dump "/$NS" | grep -v '"path":"/'"$NS"'/leaderselection' | sort
}

# unchanged: ZooKeeper's namespace equals the snapshot in $T/before
unchanged() {
	diff "$T/before" <(snapshot)
}

@test "ping answers pong on the leader" {
	req "$B/ping"
	[ "$code" = 200 ]
	[ "$(jq -c . <<<"$body")" = '{"status":"SUCCESS","data":"pong","message":"success"}' ]
}

@test "another node with a lower sequence is leader: 400 on every /apis route" {
	put_ephemeral "/$NS/leaderselection/leader-0000000001" \
	    '{"hostname":"10.9.9.9","port":4000}'
	for _ in $(seq 50); do
		req "$B/ping"
		[ "$code" = 400 ] && break
		sleep 0.1
	done
	[ "$code" = 400 ]
	[ "$(jq -c . <<<"$body")" = '{"status":"FAILED","message":"This node is not the leader controller"}' ]
	snapshot >"$T/before"
	post /applications/operations "$(cat "$T/create.json")"
	[ "$code" = 400 ]
	[ "$(jq -r .message <<<"$body")" = "This node is not the leader controller" ]
	unchanged
	req "$B/applications"
	[ "$code" = 400 ]
	zkcli rm "/$NS/leaderselection/leader-0000000001"
	for _ in $(seq 50); do
		req "$B/ping"
		[ "$code" = 200 ] && break
		sleep 0.1
	done
	[ "$code" = 200 ]
}

@test "CREATE a valid app: 200 {appId}, ApplicationInfo stored in ZooKeeper" {
	zkcli rm "/$NS/applications/hello-1"
	audit='ACCESS_AUDIT: Api \[POST\] /apis/v1/applications/operations called by default-user'
	audits=$(grep -c "$audit" "$T/stderr")
	post /applications/operations "$(cat "$T/create.json")"
	[ "$code" = 200 ]
	[ "$(jq -c . <<<"$body")" = '{"status":"SUCCESS","data":{"appId":"hello-1"},"message":"success"}' ]
	run zkcli get "/$NS/applications/hello-1"
	[ "$status" = 0 ]
	[ "$(jq -r .appId <<<"$output")" = hello-1 ]
	[ "$(jq -r .instances <<<"$output")" = 2 ]
	[ "$(jq -c .spec <<<"$output")" = "$(jq -c .spec "$T/create.json")" ]
	[ "$(jq '.created > 0 and .updated == .created' <<<"$output")" = true ]
	[ "$(grep -c "$audit" "$T/stderr")" -eq $((audits + 1)) ]
}

@test "GET applications lists the app summary" {
	req "$B/applications"
	[ "$code" = 200 ]
	[ "$(jq -r .status <<<"$body")" = SUCCESS ]
	[ "$(jq -c '.data["hello-1"] | del(.created, .updated)' <<<"$body")" = \
	    '{"id":"hello-1","name":"hello","requiredInstances":2,"healthyInstances":0,"totalCPUs":2,"totalMemory":128,"tags":{"team":"t"},"state":"RUNNING","pendingInstances":0}' ]
	req "$B/applications/hello-1"
	[ "$code" = 200 ]
	[ "$(jq -r .data.id <<<"$body")" = hello-1 ]
	req "$B/applications/nope-1"
	[ "$code" = 200 ]
	[ "$(jq -c . <<<"$body")" = '{"status":"FAILED","message":"App nope-1 not found"}' ]
	req "$B/applications/hello-1/spec"
	[ "$(jq -c .data <<<"$body")" = "$(jq -c .spec "$T/create.json")" ]
}

@test "CREATE accepts enum values in any case and stores them upper case" {
	post /applications/operations "$(jq -c '.type="create" | .instances=0 | .spec.version="lc"
	    | .spec.type="service" | .spec.exposedPorts[0].type="http"
	    | .spec.healthcheck.mode.verb="get" | .spec.readiness.mode.type="Http"' "$T/create.json")"
	[ "$code" = 200 ]
	[ "$(jq -r .data.appId <<<"$body")" = hello-lc ]
	run zkcli get "/$NS/applications/hello-lc"
	[ "$(jq -c '[.spec.type, .spec.exposedPorts[0].type, .spec.healthcheck.mode.verb, .spec.readiness.mode.type, .instances]' <<<"$output")" = \
	    '["SERVICE","HTTP","GET","HTTP",0]' ]
	req "$B/applications/hello-lc"
	[ "$(jq -r .data.state <<<"$body")" = MONITORING ]
	zkcli rm "/$NS/applications/hello-lc"
}

@test "CREATE of an existing app: 400, ZooKeeper unchanged" {
	snapshot >"$T/before"
	post /applications/operations "$(cat "$T/create.json")"
	[ "$code" = 400 ]
	[ "$(jq -c . <<<"$body")" = '{"status":"FAILED","data":{"validationErrors":["App hello-1 already exists"]},"message":"Command validation failure"}' ]
	unchanged
}

@test "malformed JSON: 400 JSON validation failure, ZooKeeper unchanged" {
	snapshot >"$T/before"
	post /applications/operations '{"type":"CREATE",'
	[ "$code" = 400 ]
	[ "$(jq -r .status <<<"$body")" = FAILED ]
	[ "$(jq -r .message <<<"$body")" = "JSON validation failure" ]
	[ "$(jq '.data.validationErrors | length' <<<"$body")" = 1 ]
	post /operations 'not json'
	[ "$code" = 400 ]
	[ "$(jq -r .message <<<"$body")" = "JSON validation failure" ]
	unchanged
}

@test "missing fields: 400 with the specific validationErrors, ZooKeeper unchanged" {
	snapshot >"$T/before"
	post /applications/operations "$(jq -c '.spec.name="other" | del(.spec.resources[0], .spec.readiness)
	    | .spec.healthcheck.mode.portName="admin" | .spec.exposedPorts[0].port=0' "$T/create.json")"
	[ "$code" = 400 ]
	[ "$(jq -r .message <<<"$body")" = "Command validation failure" ]
	errs=$(jq -c '.data.validationErrors | sort' <<<"$body")
	[ "$errs" = "$(jq -c 'sort' <<<'["Cpu requirements are mandatory","- readiness must not be null",
	    "Port admin used in healthcheck not found in exposedPorts",
	    "- exposedPorts[0].port must be between 1 and 65535"]')" ]
	post /applications/operations '{"type":"CREATE","spec":{"version":"2"}}'
	[ "$code" = 400 ]
	jq -e '.data.validationErrors | index("- Application name is mandatory")' <<<"$body"
	jq -e '.data.validationErrors | index("Memory requirements are mandatory")' <<<"$body"
	post /applications/operations "$(jq -c '.instances=5000' "$T/create.json")"
	[ "$code" = 400 ]
	[ "$(jq -c .data.validationErrors <<<"$body")" = '["- instances must be between 0 and 2048"]' ]
	post /applications/operations '{"type":"EXPLODE","appId":"hello-1"}'
	[ "$code" = 400 ]
	jq -e '.data.validationErrors[0] | startswith("- type has invalid value '"'EXPLODE'"'")' <<<"$body"
	unchanged
}

@test "SCALE of an unknown app: 400, ZooKeeper unchanged" {
	snapshot >"$T/before"
	post /applications/operations '{"type":"SCALE","appId":"nope-1","requiredInstances":3}'
	[ "$code" = 400 ]
	[ "$(jq -c . <<<"$body")" = '{"status":"FAILED","data":{"validationErrors":["App nope-1 not found"]},"message":"Command validation failure"}' ]
	post /applications/operations '{"type":"SCALE","appId":"hello-1","requiredInstances":-1}'
	[ "$code" = 400 ]
	[ "$(jq -c .data.validationErrors <<<"$body")" = '["- requiredInstances must be between 0 and 2048"]' ]
	post /applications/operations '{"type":"DESTROY","appId":"hello-1"}'
	[ "$code" = 400 ]
	[ "$(jq -c .data.validationErrors <<<"$body")" = '["Only [RECOVER, REPLACE_INSTANCES, SCALE_INSTANCES, START_INSTANCES, STOP_INSTANCES, SUSPEND] allowed for app hello-1 as it is in RUNNING state"]' ]
	unchanged
}

@test "capacity: CREATE/SCALE/START_INSTANCES beyond the cluster: 400, ZooKeeper unchanged" {
	snapshot >"$T/before"
	verr() { jq -c .data.validationErrors <<<"$body"; }
	# hello-1 has 2 instances of 1 core / 64 MB; E1 has 4 cores, 1024 MB
	post /applications/operations '{"type":"SCALE","appId":"hello-1","requiredInstances":7}'
	[ "$code" = 400 ]
	[ "$(jq -c . <<<"$body")" = '{"status":"FAILED","data":{"validationErrors":["Required 5 cores / 320 MB for 5 instances but eligible executors have only 4 free cores / 1024 MB"]},"message":"Command validation failure"}' ]
	post /applications/operations '{"type":"START_INSTANCES","appId":"hello-1","instances":5}'
	[ "$code" = 400 ]
	[ "$(verr)" = '["Required 5 cores / 320 MB for 5 instances but eligible executors have only 4 free cores / 1024 MB"]' ]
	post /applications/operations "$(jq -c '.spec.name="wide" | .spec.resources[0].count=8 | .instances=1' "$T/create.json")"
	[ "$code" = 400 ]
	[ "$(verr)" = '["Instance needs 8 cores but the largest NUMA node of any executor has 4"]' ]
	post /applications/operations "$(jq -c '.spec.name="fat" | .spec.resources[1].sizeInMB=2000 | .instances=1' "$T/create.json")"
	[ "$code" = 400 ]
	[ "$(verr)" = '["Required 1 cores / 2000 MB for 1 instances but eligible executors have only 4 free cores / 1024 MB"]' ]
	post /applications/operations "$(jq -c '.spec.name="gpu" | .spec.placementPolicy={type:"MATCH_TAG",tag:"gpu"} | .instances=1' "$T/create.json")"
	[ "$code" = 400 ]
	[ "$(verr)" = '["Required 1 cores / 64 MB for 1 instances but eligible executors have only 0 free cores / 0 MB"]' ]
	# scaling down and CREATE with 0 instances need no capacity
	zkcli rm "/$NS/executor/E1"
	wait_until 5 api_is "$B/cluster/executors" '.data == []'
	post /applications/operations "$(jq -c '.spec.name="none" | .instances=1' "$T/create.json")"
	[ "$code" = 400 ]
	[ "$(verr)" = '["No executors on cluster"]' ]
	post /applications/operations '{"type":"SCALE","appId":"hello-1","requiredInstances":3}'
	[ "$code" = 400 ]
	[ "$(verr)" = '["No executors on cluster"]' ]
	zkcli put "/$NS/executor/E1" <"$T/e1.json"
	unchanged
}

@test "SCALE, START_INSTANCES and SUSPEND update instances" {
	post /operations '{"type":"scale","appId":"hello-1","requiredInstances":4,"opSpec":{"timeout":"5m","parallelism":2,"failureStrategy":"stop"}}'
	[ "$code" = 200 ]
	[ "$(jq -c .data <<<"$body")" = '{"appId":"hello-1"}' ]
	[ "$(zkcli get "/$NS/applications/hello-1" | jq .instances)" = 4 ]
	# the operation record, for drove-monitor: a scale to 4
	[ "$(zkcli get "/$NS/operations/hello-1" | jq -c '{type,requested,state,requiredInstances,previousInstances,opSpec}')" = \
	    '{"type":"SCALE_INSTANCES","requested":"SCALE_INSTANCES","state":"SCALING_REQUESTED","requiredInstances":4,"previousInstances":2,"opSpec":{"timeout":300000,"parallelism":2,"failureStrategy":"STOP"}}' ]
	req "$B/applications/hello-1"
	[ "$(jq -r .data.state <<<"$body")" = SCALING_REQUESTED ]
	[ "$(jq -c .data.currentOperation.type <<<"$body")" = '"SCALE_INSTANCES"' ]
	# only a SCALE may follow until the scale ends
	post /applications/operations '{"type":"START_INSTANCES","appId":"hello-1","instances":3}'
	[ "$code" = 400 ]
	[ "$(jq -c .data.validationErrors <<<"$body")" = '["Only [SCALE_INSTANCES] allowed for app hello-1 as it is in SCALING_REQUESTED state","Operation SCALE_INSTANCES is in progress for app hello-1"]' ]
	op_done hello-1
	post /applications/operations '{"type":"START_INSTANCES","appId":"hello-1","instances":3}'
	[ "$code" = 200 ]
	[ "$(zkcli get "/$NS/applications/hello-1" | jq .instances)" = 7 ]
	req "$B/applications/hello-1"
	[ "$(jq .data.requiredInstances <<<"$body")" = 7 ]
	op_done hello-1
	post /applications/operations '{"type":"SUSPEND","appId":"hello-1"}'
	[ "$code" = 200 ]
	op_done hello-1
	[ "$(zkcli get "/$NS/applications/hello-1" | jq .instances)" = 0 ]
	req "$B/applications/hello-1"
	[ "$(jq -r .data.state <<<"$body")" = MONITORING ]
}

@test "instances, endpoints and cluster read what the executors wrote" {
	post /applications/operations '{"type":"SCALE","appId":"hello-1","requiredInstances":2}'
	[ "$code" = 200 ]
	put_instance 1 HEALTHY
	put_instance 2 HEALTHY
	put_instance 3 STOPPED
	# what E1 uses comes from its assignments: AI-1 holds core 0, 24 MB
	zkcli put "/$NS/assignments/E1/AI-1" <<<'{"appId":"hello-1","instanceId":"AI-1","resources":[{"type":"CPU","cores":{"0":[0]}},{"type":"MEMORY","memoryInMB":{"0":24}}],"targetState":"RUNNING"}'
	# other writers' changes reach the API's view within moments
	wait_until 5 api_is "$B/applications/hello-1" '.data.healthyInstances == 2'
	wait_until 5 api_is "$B/cluster" '.data.usedCores == 1'
	req "$B/applications/hello-1/instances"
	[ "$code" = 200 ]
	[ "$(jq -c '[.data[].instanceId]' <<<"$body")" = '["AI-2","AI-1"]' ]
	req "$B/applications/hello-1/instances?state=STOPPED"
	[ "$(jq -c '[.data[].instanceId]' <<<"$body")" = '["AI-3"]' ]
	req "$B/applications/hello-1/instances/AI-3"
	[ "$(jq -r .data.state <<<"$body")" = STOPPED ]
	req "$B/applications/hello-1"
	[ "$(jq .data.healthyInstances <<<"$body")" = 2 ]
	req "$B/endpoints?app=hello"
	[ "$(jq -c .data <<<"$body")" = '[{"appName":"hello","appId":"hello-1","vhost":"hello.local","tags":{"team":"t"},"hosts":[{"host":"127.0.0.1","port":30002,"portType":"HTTP"},{"host":"127.0.0.1","port":30001,"portType":"HTTP"}]}]' ]
	req "$B/endpoints?app=other"
	[ "$(jq -c .data <<<"$body")" = '[]' ]
	req "$B/cluster"
	[ "$(jq -c '.data | {leader,state,numExecutors,numApplications,freeCores,usedCores,totalCores,freeMemory,usedMemory,totalMemory}' <<<"$body")" = \
	    "{\"leader\":\"127.0.0.1:$(cat "$T/port")\",\"state\":\"NORMAL\",\"numExecutors\":1,\"numApplications\":1,\"freeCores\":3,\"usedCores\":1,\"totalCores\":4,\"freeMemory\":1000,\"usedMemory\":24,\"totalMemory\":1024}" ]
	req "$B/cluster/executors"
	[ "$(jq -c '.data[0] | {executorId,freeCores,state}' <<<"$body")" = '{"executorId":"E1","freeCores":3,"state":"ACTIVE"}' ]
	req "$B/cluster/executors/E1"
	[ "$(jq -r .data.type <<<"$body")" = EXECUTOR ]
	[ "$(jq -c '.data.state.cpus.usedCores' <<<"$body")" = '{"0":[0]}' ]
	[ "$(jq -c '[.data.instances[].instanceId]' <<<"$body")" = '["AI-1"]' ]
	req "$B/cluster/executors/E9"
	[ "$code" = 200 ]
	[ "$(jq -c . <<<"$body")" = '{"status":"FAILED","message":"No executor found with id: E9"}' ]
	zkcli rm "/$NS/assignments/E1/AI-1"
	req "$B/logfiles/applications/hello-1/AI-404/list"
	[ "$code" = 204 ]
}

@test "logfiles are proxied to the executor running the instance" {
	[ -x "$BIN/drove-logstream" ] || skip "no drove-logstream"
	L=$BATS_TEST_TMPDIR
	put_instance 1 HEALTHY
	mkdir -p "$L/logs/hello-1/AI-1"
	printf 'hello\nworld\n' >"$L/logs/hello-1/AI-1/output.log"
	cat >"$L/executor.yml" <<-EOF
	server: {applicationConnectors: [{type: http, port: 3000}], bindAddress: 127.0.0.1}
	logging:
	  appenders:
	    - {type: drove, logPath: "$L/logs"}
	EOF
	logstream_start "$L/executor.yml" "$L"
	zkcli get "/$NS/executor/E1" | jq -c --argjson p "$LSPORT" '.port=$p' |
	    zkcli put "/$NS/executor/E1"
	# the proxy finds the executor through the API's view
	wait_until 5 api_is "$B/cluster/executors/E1" ".data.port == $LSPORT"
	wait_until 5 api_is "$B/applications/hello-1/instances/AI-1" '.status == "SUCCESS"'
	req "$B/logfiles/applications/hello-1/AI-1/list"
	[ "$code" = 200 ]
	[ "$(jq -c . <<<"$body")" = '{"files":["output.log"]}' ]
	req "$B/logfiles/applications/hello-1/AI-1/read/output.log?offset=6&length=3"
	[ "$code" = 200 ]
	[ "$(jq -c . <<<"$body")" = '{"data":"wor","offset":6}' ]
	run curl -s -D "$L/headers" "$B/logfiles/applications/hello-1/AI-1/download/output.log"
	[ "$output" = "$(printf 'hello\nworld')" ]
	grep -qi '^Content-Disposition: attachment; filename=output.log' "$L/headers"
	req "$B/logfiles/applications/hello-1/AI-1/read/missing.log"
	[ "$code" = 400 ]
	jq -e .error <<<"$body"
}

@test "maintenance mode: operations refused, cluster state MAINTENANCE" {
	echo '{"state":"MAINTENANCE","updated":1}' | zkcli put "/$NS/cluster/maintenance"
	wait_until 5 api_is "$B/cluster" '.data.state == "MAINTENANCE"'
	snapshot >"$T/before"
	post /applications/operations '{"type":"SCALE","appId":"hello-1","requiredInstances":1}'
	[ "$code" = 400 ]
	[ "$(jq -c .data.validationErrors <<<"$body")" = '["Cluster is in maintenance mode"]' ]
	unchanged
	req "$B/cluster"
	[ "$(jq -r .data.state <<<"$body")" = MAINTENANCE ]
	zkcli rm "/$NS/cluster/maintenance"
	wait_until 5 api_is "$B/cluster" '.data.state == "NORMAL"'
}

@test "unknown paths 404, wrong methods 405, bodies over 1 MiB 413" {
	req "$B/nothing/here"
	[ "$code" = 404 ]
	[ "$(jq -r .status <<<"$body")" = FAILED ]
	req -X DELETE "$B/applications"
	[ "$code" = 405 ]
	snapshot >"$T/before"
	head -c 1100000 /dev/zero | tr '\0' ' ' >"$T/big"
	req -X POST --data-binary @"$T/big" "$B/applications/operations"
	[ "$code" = 413 ]
	unchanged
}

@test "rule dry-run: Drove's shape for true, false, parse and eval failures" {
	snapshot >"$T/before"
	si='"schedulingInfo":{"executorNodeId":"e1","allocatedExecutorNodeMetadata":{"zone":"z1","cores":"8"},"allExecutorMetadata":{},"applicationEnvironment":{"ENV":"prod"}}'
	post /applications/placementpolicy/rule/dryrun \
	    '{"ruleBasedPlacementPolicy":{"type":"RULE_BASED","ruleType":"MVEL","rule":"allocatedExecutorNodeMetadata['"'zone'"'] == '"'z1'"' && allocatedExecutorNodeMetadata.cores > 4"},'"$si"'}'
	[ "$code" = 200 ]
	[ "$(jq -c . <<<"$body")" = '{"status":"SUCCESS","data":{"status":true,"checkResult":{"status":"SUCCESS"},"evalResult":{"status":"SUCCESS","result":true}},"message":"success"}' ]
	post /applications/placementpolicy/rule/dryrun \
	    '{"ruleBasedPlacementPolicy":{"type":"RULE_BASED","ruleType":"HOPE","rule":"\"/allocatedExecutorNodeMetadata/zone\" == \"z2\""},'"$si"'}'
	[ "$code" = 200 ]
	[ "$(jq -c .data <<<"$body")" = '{"status":false,"checkResult":{"status":"SUCCESS"},"evalResult":{"status":"SUCCESS","result":false}}' ]
	post /applications/placementpolicy/rule/dryrun \
	    '{"ruleBasedPlacementPolicy":{"type":"RULE_BASED","ruleType":"MVEL","rule":"Runtime.getRuntime().exec(\"id\")"},'"$si"'}'
	[ "$code" = 200 ]
	[ "$(jq -r .data.status <<<"$body")" = false ]
	[ "$(jq -r .data.checkResult.status <<<"$body")" = FAILURE ]
	[ "$(jq -r .data.checkResult.error <<<"$body")" = "column 1: 'Runtime' is not a context key; method calls and classes are not allowed" ]
	[ "$(jq -r .data.evalResult.status <<<"$body")" = FAILURE ]
	post /applications/placementpolicy/rule/dryrun \
	    '{"ruleBasedPlacementPolicy":{"type":"RULE_BASED","ruleType":"MVEL","rule":"applicationEnvironment.ENV && true"},'"$si"'}'
	[ "$(jq -c .data <<<"$body")" = '{"status":false,"checkResult":{"status":"SUCCESS"},"evalResult":{"status":"FAILURE","result":false,"error":"operand of '"'&&'"' is not a boolean"}}' ]
	post /applications/placementpolicy/rule/dryrun '{"schedulingInfo":{}}'
	[ "$code" = 400 ]
	[ "$(jq -r '.data.validationErrors[0]' <<<"$body")" = "- ruleBasedPlacementPolicy needs ruleType and rule" ]
	# The validator refuses a spec whose rule does not parse.
	post /applications/validate/spec "$(jq -c '.spec.placementPolicy={"type":"RULE_BASED","ruleType":"MVEL","rule":"new java.io.File(\"/\") != null"} | .spec' "$T/create.json")"
	[ "$code" = 400 ]
	[ "$(jq -r '.data.validationErrors[0]' <<<"$body")" = "- placementPolicy rule does not parse: column 1: 'new' is not allowed" ]
	unchanged
}

@test "tasks/validate/spec: 200 without data, 400 with Drove's messages, malformed JSON, maintenance" {
	snapshot >"$T/before"
	task='{"sourceAppName":"TEST_APP","taskId":"T0012","executable":{"type":"DOCKER","url":"ghcr.io/appform-io/test-task","dockerPullTimeout":"100 seconds"},"resources":[{"type":"CPU","count":1},{"type":"MEMORY","sizeInMB":128}],"placementPolicy":{"type":"ANY"},"env":{"ITERATIONS":"10"},"args":[],"tags":{},"logging":{"type":"LOCAL","maxSize":"100m","maxFiles":3,"compress":true}}'
	post /tasks/validate/spec "$task"
	[ "$code" = 200 ]
	[ "$(jq -c . <<<"$body")" = '{"status":"SUCCESS","message":"success"}' ]
	post /tasks/validate/spec "$(jq -c '.taskId="T/1" | del(.sourceAppName, .resources[1])
	    | .placementPolicy={type:"local",hostLevel:false}' <<<"$task")"
	[ "$code" = 400 ]
	[ "$(jq -r .status <<<"$body")" = FAILED ]
	[ "$(jq -r .message <<<"$body")" = "Command validation failure" ]
	[ "$(jq -c '.data.validationErrors | sort' <<<"$body")" = "$(jq -c 'sort' <<<'["- Source Application name is mandatory",
	    "- Only characters, numbers, hyphen and underscore is allowed",
	    "Memory requirements are mandatory",
	    "Local service placement is not allowed for tasks"]')" ]
	post /tasks/validate/spec '{"sourceAppName":'
	[ "$code" = 400 ]
	[ "$(jq -r .message <<<"$body")" = "JSON validation failure" ]
	[ "$(jq '.data.validationErrors | length' <<<"$body")" = 1 ]
	req "$B/tasks/validate/spec"
	[ "$code" = 405 ]
	unchanged
	echo '{"state":"MAINTENANCE","updated":1}' | zkcli put "/$NS/cluster/maintenance"
	wait_until 5 api_is "$B/cluster" '.data.state == "MAINTENANCE"'
	post /tasks/validate/spec "$task"
	[ "$code" = 400 ]
	[ "$(jq -c .data.validationErrors <<<"$body")" = '["Cluster is in maintenance mode"]' ]
	zkcli rm "/$NS/cluster/maintenance"
	wait_until 5 api_is "$B/cluster" '.data.state == "NORMAL"'
}

@test "an app that cannot be placed shows pendingInstances and placementError" {
	# hello-1 needs nothing placed: it has its 2 instances
	put_instance 1 HEALTHY
	put_instance 2 HEALTHY
	# ONE_PER_HOST passes the capacity check (per-host limits are for the
	# scheduler) but only one of two instances fits on the one executor
	post /applications/operations "$(jq -c '.spec.name="solo" | .spec.placementPolicy={type:"ONE_PER_HOST"} | .instances=2 | .opSpec={timeout:"5m",parallelism:2,failureStrategy:"STOP"}' "$T/create.json")"
	[ "$code" = 200 ]
	L=$BATS_TEST_TMPDIR
	cat >"$L/sched.yml" <<-EOF
	zookeeper: {connectionString: "127.0.0.1:$(cat "$T/zkport")", nameSpace: $NS}
	EOF
	export DROVE_LEADER_ZNODE="/$NS/leaderselection/leader-0000000005"
	"$BIN/drove-monitor" -c "$L/sched.yml" 2>"$L/monitor.err" 3>&- &
	echo $! >"$L/monitor.bg"
	"$BIN/drove-sched" -c "$L/sched.yml" 2>"$L/sched.err" 3>&- &
	echo $! >"$L/sched.bg"
	for _ in $(seq 100); do
		req "$B/applications/solo-1"
		[ "$(jq -r '.data.placementError // empty' <<<"$body")" != "" ] && break
		sleep 0.1
	done
	[ "$(jq -c '.data | {pendingInstances, placementError}' <<<"$body")" = \
	    '{"pendingInstances":1,"placementError":"0 of 1 executors: 1 excluded by ONE_PER_HOST"}' ]
	req "$B/applications"
	[ "$(jq -r '.data["solo-1"].placementError' <<<"$body")" = "0 of 1 executors: 1 excluded by ONE_PER_HOST" ]
	[ "$(jq -r '.data["hello-1"] | has("placementError")' <<<"$body")" = false ]
}

@test "read your writes: a GET right after a SUCCESS shows the write" {
	for i in $(seq 20); do
		post /applications/operations "$(jq -c --arg n "ryw$i" '.spec.name=$n | .instances=0' "$T/create.json")"
		[ "$code" = 200 ]
		req "$B/applications/ryw$i-1"
		[ "$(jq -r .status <<<"$body")" = SUCCESS ]
		req "$B/applications"
		[ "$(jq -r --arg a "ryw$i-1" '.data[$a].id' <<<"$body")" = "ryw$i-1" ]
		post /applications/operations "{\"type\":\"SCALE\",\"appId\":\"ryw$i-1\",\"requiredInstances\":1}"
		[ "$code" = 200 ]
		req "$B/applications/ryw$i-1"
		[ "$(jq .data.requiredInstances <<<"$body")" = 1 ]
		op_done "ryw$i-1"
		post /applications/operations "{\"type\":\"SUSPEND\",\"appId\":\"ryw$i-1\"}"
		[ "$code" = 200 ]
		req "$B/applications"
		[ "$(jq --arg a "ryw$i-1" '.data[$a].requiredInstances' <<<"$body")" = 0 ]
	done
}

@test "SIGTERM: exits 0" {
	# a drove-httpd of this test's own: the others' goes on
	H=$BATS_TEST_TMPDIR/httpd
	start_httpd "$H"
	pid=$(cat "$H/pid")
	echo "$pid" >"$BATS_TEST_TMPDIR/httpd.bg"
	kill -TERM "$pid"
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	run ! kill -0 "$pid"
	for _ in $(seq 20); do
		[ -s "$H/rc" ] && break
		sleep 0.1
	done
	[ "$(cat "$H/rc")" = 0 ]
	grep -q 'signal 15, exiting' "$H/stderr"
	run ! grep -q 'fatal' "$H/stderr"
}


# ls_spec: hello-1's spec as a local service (LOCAL placement)
ls_spec() {
	jq -c '.spec | .type="LOCAL_SERVICE" | .placementPolicy={type:"local",hostLevel:true}' "$T/create.json"
}

@test "local service validate/spec: valid answers {valid:true}, ZooKeeper unchanged" {
	snapshot >"$T/before"
	post /localservices/validate/spec "$(ls_spec)"
	[ "$code" = 200 ]
	[ "$(jq -c . <<<"$body")" = '{"status":"SUCCESS","data":{"valid":true},"message":"success"}' ]
	# an exposureSpec is no LocalServiceSpec field: ignored like any unknown member
	post /localservices/validate/spec "$(ls_spec | jq -c '.exposureSpec={portName:"nope"}')"
	[ "$code" = 200 ]
	# the app validator refuses what the local-service one needs
	post /applications/validate/spec "$(ls_spec)"
	[ "$code" = 400 ]
	[ "$(jq -c .data.validationErrors <<<"$body")" = '["Local service placement is not allowed for apps"]' ]
	unchanged
}

@test "local service validate/spec: invalid specs 400 with Drove's messages" {
	snapshot >"$T/before"
	post /localservices/validate/spec "$(ls_spec | jq -c '.placementPolicy={type:"ANY"}')"
	[ "$code" = 400 ]
	[ "$(jq -r .message <<<"$body")" = "Command validation failure" ]
	[ "$(jq -c .data.validationErrors <<<"$body")" = '["Only local placement is allowed for local services"]' ]
	post /localservices/validate/spec "$(ls_spec | jq -c 'del(.placementPolicy)')"
	[ "$code" = 400 ]
	[ "$(jq -c .data.validationErrors <<<"$body")" = '["Only local placement is allowed for local services"]' ]
	post /localservices/validate/spec "$(ls_spec | jq -c '.exposedPorts=[] | .healthcheck.mode={type:"CMD",command:"true"} | .readiness.mode=.healthcheck.mode')"
	[ "$code" = 400 ]
	[ "$(jq -c .data.validationErrors <<<"$body")" = '["- exposedPorts must not be empty"]' ]
	post /localservices/validate/spec "$(ls_spec | jq -c '.name="" | .resources=[{type:"CPU",count:1}]')"
	[ "$code" = 400 ]
	[ "$(jq -c .data.validationErrors <<<"$body")" = '["- Local service name is mandatory","Memory requirements are mandatory"]' ]
	unchanged
}

@test "local service validate/spec: malformed JSON 400, maintenance refused" {
	snapshot >"$T/before"
	post /localservices/validate/spec '{"name":'
	[ "$code" = 400 ]
	[ "$(jq -r .message <<<"$body")" = "JSON validation failure" ]
	[ "$(jq -r '.data.validationErrors | length' <<<"$body")" = 1 ]
	req -X GET "$B/localservices/validate/spec"
	[ "$code" = 405 ]
	echo '{"state":"MAINTENANCE","updated":1}' | zkcli put "/$NS/cluster/maintenance"
	wait_until 5 api_is "$B/cluster" '.data.state == "MAINTENANCE"'
	post /localservices/validate/spec "$(ls_spec)"
	[ "$code" = 400 ]
	[ "$(jq -c .data.validationErrors <<<"$body")" = '["Cluster is in maintenance mode"]' ]
	zkcli rm "/$NS/cluster/maintenance"
	wait_until 5 api_is "$B/cluster" '.data.state == "NORMAL"'
}
