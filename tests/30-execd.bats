#!/usr/bin/env bats
# drove-execd and drove-reconcile against a private dockerd (own data root)
# and a private ZooKeeper: an assignment written by hand runs to HEALTHY and
# answers on its host port; a killed container is reported and cleaned up
# within 3 s; a restarted execd adopts its running container; targetState
# STOPPED removes it; drove-reconcile decides kill/adopt/lost; a running
# execd reaps zombies (not another executor's, not in maintenance) and
# reports a container removed behind its back as LOST.
# Each test starts from the same state: setup starts drove-execd, teardown
# stops it and removes every container, assignment and instance.

load helpers
bats_require_minimum_version 1.5.0
NS=t-execd

# state IID: the stored InstanceInfo's state
state() {
	zkcli get "/$NS/instances/web-1/$1" 2>/dev/null | jq -r .state
}

# assign IID [TARGET] [STATE] [IMAGE]: the assignment and its
# InstanceInfo, as drove-sched writes them
assign() {
	local e
	e=$EID
	jq -n --arg i "$1" --arg e "$e" --arg s "${3:-PENDING}" '{appId:"web-1",
	    appName:"web",instanceId:$i,executorId:$e,localInfo:{hostname:"127.0.0.1",ports:{}},
	    resources:[{type:"CPU",cores:{"0":[0]}},{type:"MEMORY",memoryInMB:{"0":32}}],
	    state:$s,metadata:{},errorMessage:"",created:1,updated:1}' |
	    zkcli put "/$NS/instances/web-1/$1" >/dev/null
	jq -n --arg i "$1" --arg e "$e" --arg t "${2:-RUNNING}" \
	    --arg img "${4:-drove-test/web:1}" '{appId:"web-1",
	    appName:"web",instanceId:$i,
	    executable:{type:"DOCKER",url:$img,dockerPullTimeout:"100 seconds"},
	    resources:[{type:"CPU",cores:{"0":[0]}},{type:"MEMORY",memoryInMB:{"0":32}}],
	    ports:[{name:"main",port:8000,type:"HTTP"}],volumes:[],
	    configs:[{type:"INLINE",localFilename:"/www/conf.txt",data:"aGVsbG8gY29uZmlnCg=="}],
	    healthcheck:{mode:{type:"HTTP",protocol:"HTTP",portName:"main",path:"/health",
	        verb:"GET",successCodes:[200]},timeout:"1 second",interval:"1 second",attempts:3},
	    readiness:{mode:{type:"HTTP",protocol:"HTTP",portName:"main",path:"/conf.txt",
	        verb:"GET",successCodes:[200]},timeout:"1 second",interval:"200ms",attempts:50},
	    loggingSpec:{type:"LOCAL",maxSize:"1m",maxFiles:2,compress:false},
	    env:{GREETING:"hi"},args:[],devices:[],
	    targetState:$t,executorId:$e,created:1}' |
	    zkcli put "/$NS/assignments/$e/$1" >/dev/null
}

setup_file() {
	execd_setup_file 3000 drove-dx
}

teardown_file() {
	execd_teardown_file
}

# Every test: a running execd (its node published), nothing assigned.
setup() {
	execd_setup
}

teardown() {
	execd_teardown assignments instances cluster
}

@test "execd: bad config exits 100, unreachable engine 111" {
	run "$BIN/drove-execd" -c "$T/nonexistent.yml"
	[ "$status" -eq 100 ]
	run "$BIN/drove-execd"
	[ "$status" -eq 100 ]
	sed "s|dockerSocketPath: [^,]*|dockerSocketPath: $T/none.sock|" \
	    "$T/executor.yml" >"$T/bad.yml"
	run "$BIN/drove-execd" -c "$T/bad.yml"
	[ "$status" -eq 111 ]
	run "$BIN/drove-reconcile" -c "$T/bad.yml" -n
	[ "$status" -eq 111 ]
}

@test "execd publishes its node data" {
	run zkcli ls "/$NS/executor"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	# Java's UUID.nameUUIDFromBytes("127.0.0.1:3000"), as Drove's
	[ "${lines[0]}" = 01c2a3a6-a998-3779-abad-2f82f71dfc33 ]
	node=$(zkcli get "/$NS/executor/${lines[0]}")
	[ "$(jq -r .type <<<"$node")" = EXECUTOR ]
	[ "$(jq -r .hostname <<<"$node")" = 127.0.0.1 ]
	[ "$(jq -r .port <<<"$node")" = 3000 ]
	[ "$(jq -r .state.executorId <<<"$node")" = "${lines[0]}" ]
	[ "$(jq '.state.layout.cores["0"] | length' <<<"$node")" -ge 1 ]
	[ "$(jq -r .executorState <<<"$node")" = ACTIVE ]
	[ "$(jq -c .tags <<<"$node")" = '["127.0.0.1"]' ]
	# what changes with every instance is not in it
	[ "$(jq -c '[has("instances"), (.state | has("cpus")), (.state | has("memory"))]' \
	    <<<"$node")" = '[false,false,false]' ]
	# removed by someone else: put back at once
	eid=${lines[0]}
	before=$(jq .updated <<<"$node")
	sleep 0.01
	zkcli rm "/$NS/executor/$eid"
	for _ in $(seq 50); do
		zkcli get "/$NS/executor/$eid" >/dev/null 2>&1 && break
		sleep 0.1
	done
	node=$(zkcli get "/$NS/executor/$eid")
	[ "$(jq -r .state.executorId <<<"$node")" = "$eid" ]
	[ "$(jq .updated <<<"$node")" -gt "$before" ]
}

@test "an assignment runs to HEALTHY and answers on its host port" {
	before=$(zkcli get "/$NS/executor/$(cat "$T/eid")" | jq .updated)
	assign AI-1
	wait_state AI-1 HEALTHY 30
	info=$(zkcli get "/$NS/instances/web-1/AI-1")
	port=$(jq -r .localInfo.ports.main.hostPort <<<"$info")
	[ "$(jq -r .localInfo.ports.main.containerPort <<<"$info")" = 8000 ]
	[ "$(jq -r .executorId <<<"$info")" = "$EID" ]
	[ "$(curl -s "http://127.0.0.1:$port/health")" = OK ]
	[ "$(curl -s "http://127.0.0.1:$port/conf.txt")" = "hello config" ]
	c=$(container_of AI-1)
	[ -n "$c" ]
	[ "$(dk inspect -f '{{.Name}}' "$c")" = /web-1-AI-1 ]
	[ "$(dk inspect -f '{{index .Config.Labels "drove.job.type"}}' "$c")" = SERVICE ]
	dk inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$c" >"$T/env"
	grep -qx GREETING=hi "$T/env"
	grep -qx DROVE_INSTANCE_ID=AI-1 "$T/env"
	grep -qx "PORT_8000=$port" "$T/env"
	[ "$(dk inspect -f '{{.HostConfig.CpusetCpus}}' "$c")" = 0 ]
	[ "$(dk inspect -f '{{.HostConfig.Memory}}' "$c")" = $((32 << 20)) ]
	# instance state changes do not rewrite the node data
	[ "$(zkcli get "/$NS/executor/$(cat "$T/eid")" | jq .updated)" = "$before" ]
	# httpd -v logs each request on stderr: followed into output.log
	for _ in $(seq 30); do
		grep -q response:200 "$T/logs/web-1/AI-1/output.log" 2>/dev/null &&
		    break
		sleep 0.1
	done
	grep -q response:200 "$T/logs/web-1/AI-1/output.log"
}

@test "a killed container is reported and cleaned up within 3 s" {
	assign AI-k
	wait_state AI-k HEALTHY 30
	c=$(container_of AI-k)
	[ -n "$c" ]
	dk kill "$c" >/dev/null
	wait_state AI-k STOPPED 3
	[ "$(zkcli get "/$NS/instances/web-1/AI-k" | jq -r .errorMessage)" = \
	    "Container exited with code 137" ]
	[ -z "$(container_of AI-k)" ]
}

@test "a restarted execd adopts its running container" {
	assign AI-2
	wait_state AI-2 HEALTHY 30
	c=$(container_of AI-2)
	stop_execd
	[ "$(dk inspect -f '{{.State.Running}}' "$c")" = true ]
	before=$(zkcli get "/$NS/instances/web-1/AI-2" | jq .updated)
	sleep 1
	start_execd
	[ "$(container_of AI-2)" = "$c" ]
	[ "$(state AI-2)" = HEALTHY ]
	after=$(zkcli get "/$NS/instances/web-1/AI-2" | jq .updated)
	[ "$after" -gt "$before" ]
	grep -q "adopting container ${c:0:12}" "$LOG"
	# adopted, not restarted
	sed -n '/adopting/,$p' "$LOG" >"$BATS_TEST_TMPDIR/after"
	grep -q "adopting" "$BATS_TEST_TMPDIR/after"
	run ! grep -q "instance AI-2: STARTING" "$BATS_TEST_TMPDIR/after"
	sleep 2
	[ "$(state AI-2)" = HEALTHY ]
}

@test "targetState STOPPED stops and removes the container" {
	assign AI-s
	wait_state AI-s HEALTHY 30
	[ -n "$(container_of AI-s)" ]
	assign AI-s STOPPED HEALTHY
	wait_state AI-s STOPPED 20
	[ -z "$(container_of AI-s)" ]
}

@test "an image that cannot be pulled ends STOPPED with the engine's reason" {
	# nothing listens on port 1: the pull fails at once
	assign AI-pull RUNNING PENDING 127.0.0.1:1/none/img:1
	wait_state AI-pull STOPPED 30
	err=$(zkcli get "/$NS/instances/web-1/AI-pull" | jq -r .errorMessage)
	[ -n "$err" ]
	[[ "$err" == *"127.0.0.1:1"* ]]
	[ -z "$(container_of AI-pull)" ]
}

@test "reconcile: kill an unassigned container, adopt, lost" {
	stop_execd
	# assigned, running: adopt
	assign AI-3
	start_execd
	wait_state AI-3 HEALTHY 30
	# SIGTERM: exit 0, the container keeps running
	kill "$(cat "$T/execd.pid")"
	rc=0
	wait "$(cat "$T/execd.pid")" || rc=$?
	[ "$rc" -eq 0 ]
	[ "$(dk inspect -f '{{.State.Running}}' "$(container_of AI-3)")" = true ]
	# labelled, not assigned: kill (a running execd would do it at once)
	stray=$(dk run -d --label drove.instance.id=AI-stray \
	    --label drove.executor.id="$EID" drove-test/web:1)
	# another executor's (same engine), or nobody's: never touched
	other=$(dk run -d --label drove.instance.id=AI-other \
	    --label drove.executor.id=OTHER drove-test/web:1)
	nobody=$(dk run -d --label drove.instance.id=AI-nobody drove-test/web:1)
	# assigned, stored HEALTHY, no container: lost
	assign AI-4 RUNNING HEALTHY
	run "$BIN/drove-reconcile" -c "$T/executor.yml" -n
	[ "$status" -eq 0 ]
	echo "$output" >"$T/dec"
	[ "$(jq -r 'select(.instanceId=="AI-stray") | .action' "$T/dec")" = kill ]
	[ "$(jq -r 'select(.instanceId=="AI-stray") | .containerId' "$T/dec")" = "$stray" ]
	[ "$(jq -r 'select(.instanceId=="AI-3") | .action' "$T/dec")" = adopt ]
	[ "$(jq -r 'select(.instanceId=="AI-4") | .action' "$T/dec")" = lost ]
	[ -z "$(jq -r 'select(.instanceId=="AI-other" or .instanceId=="AI-nobody")' "$T/dec")" ]
	# -n changed nothing
	[ "$(dk inspect -f '{{.State.Running}}' "$stray")" = true ]
	[ "$(state AI-4)" = HEALTHY ]
	run "$BIN/drove-reconcile" -c "$T/executor.yml"
	[ "$status" -eq 0 ]
	[ -z "$(dk ps -aq --filter label=drove.instance.id=AI-stray)" ]
	[ "$(dk inspect -f '{{.State.Running}}' "$other" "$nobody")" = "true
true" ]
	[ "$(state AI-4)" = LOST ]
	[ "$(zkcli get "/$NS/instances/web-1/AI-4" | jq -r .errorMessage)" = \
	    "Container not found on executor restart" ]
	[ -n "$(container_of AI-3)" ]
}

@test "execd on startup removes strays, adopts the rest, marks lost ones" {
	assign AI-5
	wait_state AI-5 HEALTHY 30
	c=$(container_of AI-5)
	stop_execd
	# labelled, not assigned: removed; assigned HEALTHY without a
	# container: LOST
	stray=$(dk run -d --label drove.instance.id=AI-stray2 \
	    --label drove.executor.id="$EID" drove-test/web:1)
	[ -n "$stray" ]
	assign AI-6 RUNNING HEALTHY
	start_execd
	[ -z "$(dk ps -aq --filter label=drove.instance.id=AI-stray2)" ]
	[ "$(container_of AI-5)" = "$c" ]
	wait_state AI-5 HEALTHY 5
	grep -q "adopting container ${c:0:12}" "$LOG"
	wait_state AI-6 LOST 5
}

# our_stray IID: a container labelled as instance IID of this executor,
# started (the reaper may remove it between its create and its start:
# that is what it is for); prints its id
our_stray() {
	local c
	c=$(dk create --label drove.instance.id="$1" \
	    --label drove.executor.id="$EID" drove-test/web:1) || return 1
	dk start "$c" >/dev/null 2>&1 || true
	echo "$c"
}

# gone CONTAINER SECONDS: the container no longer exists
gone() {
	local i
	for i in $(seq $(($2 * 10))); do
		[ -z "$(dk ps -aq --no-trunc --filter "id=$1")" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "a stray container started while execd runs is removed; another executor's is not" {
	other=$(dk run -d --label drove.instance.id=AI-other \
	    --label drove.executor.id=0000-other drove-test/web:1)
	stray=$(our_stray AI-z1)
	# no executor label: nobody's to reap (executors share engines)
	old=$(dk create --label drove.instance.id=AI-z2 drove-test/web:1)
	gone "$stray" 5
	grep -q "instance AI-z1: killing zombie container ${stray:0:12}" "$LOG"
	sleep 1
	[ "$(dk inspect -f '{{.State.Running}}' "$other")" = true ]
	[ -n "$(dk ps -aq --no-trunc --filter "id=$old")" ]
	run ! grep -q 'AI-other\|AI-z2' "$LOG"
	dk rm -f "$other" "$old" >/dev/null
}

@test "an assigned instance's own containers are not taken for zombies" {
	assign AI-own
	wait_state AI-own HEALTHY 30
	c=$(container_of AI-own)
	# a sweep while it runs (any stray's start triggers one)
	stray=$(our_stray AI-z3)
	gone "$stray" 5
	[ "$(container_of AI-own)" = "$c" ]
	[ "$(state AI-own)" = HEALTHY ]
}

@test "docker rm -f of an assigned instance's container: LOST at once" {
	assign AI-v
	wait_state AI-v HEALTHY 30
	c=$(container_of AI-v)
	dk rm -f "$c" >/dev/null
	wait_state AI-v LOST 3
	[ "$(zkcli get "/$NS/instances/web-1/AI-v" | jq -r .errorMessage)" = \
	    "Container vanished" ]
	sleep 1
	[ "$(state AI-v)" = LOST ]
	[ -z "$(container_of AI-v)" ]
}

@test "in the maintenance window no stray container is removed" {
	now=$(($(date +%s%N) / 1000000))
	# set long ago but still MAINTENANCE, then NORMAL but recent
	for m in "MAINTENANCE $((now - 3600000))" "NORMAL $now"; do
		set -- $m
		jq -n --arg s "$1" --argjson u "$2" '{state:$s,updated:$u}' |
		    zkcli put "/$NS/cluster/maintenance" >/dev/null
		stray=$(dk run -d --label drove.instance.id=AI-m \
		    --label drove.executor.id="$EID" drove-test/web:1)
		for _ in $(seq 30); do
			grep -q "AI-m: zombie container ${stray:0:12} kept" \
			    "$LOG" && break
			sleep 0.1
		done
		grep -q "AI-m: zombie container ${stray:0:12} kept" "$LOG"
		[ "$(dk inspect -f '{{.State.Running}}' "$stray")" = true ]
		dk rm -f "$stray" >/dev/null
	done
	# out of the window: reaped
	jq -n --argjson u $((now - 60000)) '{state:"NORMAL",updated:$u}' |
	    zkcli put "/$NS/cluster/maintenance" >/dev/null
	stray=$(our_stray AI-m)
	gone "$stray" 5
}
