#!/usr/bin/env bats
# drove-sched and drove-monitor against a private ZooKeeper, with
# hand-written executor node data and applications: dry-run placements,
# scale up / down, replacement of terminal instances, placement errors,
# and the fence (a fake election znode) that makes them exit 111.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { zk_start; }
teardown_file() { zk_stop; }

setup() {
	T=$BATS_TEST_TMPDIR
	NS=/st$BATS_TEST_NUMBER
	cat >"$T/c.yml" <<CFG
zookeeper: {connectionString: "$ZK", nameSpace: st$BATS_TEST_NUMBER}
options: {hostname: 127.0.0.1}
CFG
	FENCE=$NS/leaderselection/leader-0000000001
	echo '{"hostname":"127.0.0.1","port":4000}' | zkc put "$FENCE"
	export DROVE_LEADER_ZNODE=$FENCE
}

teardown() {
	local f
	for f in "$T"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	true
}

zkc() { "$BIN/drove-zkcli" -z "$ZK" "$@"; }

# put_executor ID HOST STATE TAGS CORES MEMORY (TAGS etc. as JSON)
put_executor() {
	jq -cn --arg id "$1" --arg h "$2" --arg st "$3" --argjson tags "$4" \
		--argjson cores "$5" --argjson mem "$6" '{type:"EXECUTOR",
		hostname:$h, port:3000, transportType:"HTTP", updated:1,
		state:{executorId:$id, cpus:{type:"CPU", freeCores:$cores,
		usedCores:{}}, memory:{type:"MEMORY", freeMemory:$mem,
		usedMemory:{}}, layout:{cores:$cores, memory:$mem}},
		instances:[], tasks:[], serviceInstances:[], tags:$tags,
		metadata:{}, executorState:$st}' | zkc put "$NS/executor/$1"
}

# put_app NAME INSTANCES CORES MEMORY [POLICY]
put_app() {
	jq -cn --arg n "$1" --argjson i "$2" --argjson c "$3" --argjson m "$4" \
		--argjson p "${5:-null}" '{appId:($n+"-1"), spec:{name:$n,
		version:"1", type:"SERVICE", executable:{type:"DOCKER",
		url:"drove-test/web:1", dockerPullTimeout:"100 seconds"},
		exposedPorts:[{name:"main", port:8000, type:"HTTP"}],
		resources:[{type:"CPU", count:$c}, {type:"MEMORY", sizeInMB:$m}],
		healthcheck:{mode:{type:"HTTP", protocol:"HTTP", portName:"main",
		path:"/", verb:"GET", successCodes:[200]}, timeout:"1 second",
		interval:"2 seconds", attempts:3},
		readiness:{mode:{type:"HTTP", protocol:"HTTP", portName:"main",
		path:"/", verb:"GET", successCodes:[200]}, timeout:"1 second",
		interval:"2 seconds", attempts:3},
		env:{A:"b"}}} | if $p then .spec.placementPolicy = $p else . end
		| . + {instances:$i, created:1, updated:1}' |
		zkc put "$NS/applications/$1-1"
}

# put_request ID APPID CREATED
put_request() {
	jq -cn --arg id "$1" --arg a "$2" --argjson c "$3" \
		'{appId:$a, instanceId:$id, created:$c}' |
		zkc put "$NS/requests/$1"
}

# set_state APPID IID STATE: what drove-execd would report
set_state() {
	zkc get "$NS/instances/$1/$2" | jq -c --arg s "$3" '.state = $s' |
		zkc put "$NS/instances/$1/$2"
}

# start NAME ARGS...: a daemon whose exit code lands in $T/NAME.rc
start() {
	local name=$1
	shift
	mkfifo "$T/$name.ready"
	(
		"$BIN/$name" -c "$T/c.yml" -d 3 "$@" 3>"$T/$name.ready" \
			2>"$T/$name.err" &
		echo $! >"$T/$name.pid"
		rc=0
		wait $! || rc=$?
		echo "$rc" >"$T/$name.rc"
	) 3>&- &
	read -r -t 15 _ <"$T/$name.ready"
}

count_lines() { [ "$("$@" 2>/dev/null | grep -c .)" -eq "$N" ]; }
n_children() { N=$2; count_lines zkc ls "$1"; }
request_error_has() {
	zkc get "$NS/requests/$1" | jq -r .error | grep -qF "$2"
}

@test "usage: no config or no fence exits 100; -h exits 0" {
	run "$BIN/drove-sched"
	[ "$status" -eq 100 ]
	run env -u DROVE_LEADER_ZNODE "$BIN/drove-sched" -c "$T/c.yml"
	[ "$status" -eq 100 ]
	[[ "$output" == *DROVE_LEADER_ZNODE* ]]
	run env -u DROVE_LEADER_ZNODE "$BIN/drove-monitor" -c "$T/c.yml"
	[ "$status" -eq 100 ]
	run "$BIN/drove-monitor" -c /nonexistent.yml
	[ "$status" -eq 100 ]
	run "$BIN/drove-sched" -h
	[ "$status" -eq 0 ]
	[[ "$output" == *"--dry-run"* ]]
}

@test "sched -n prints placements in request order and writes nothing" {
	put_executor ex1 host1 ACTIVE '["host1"]' '{"0":[0,1,2,3],"1":[4,5]}' \
		'{"0":4096,"1":2048}'
	put_executor ex2 host2 ACTIVE '["host2","gpu"]' '{"0":[0,1,2,3,4,5,6,7]}' \
		'{"0":8192}'
	put_executor ex3 host3 BLACKLISTED '["host3"]' '{"0":[0,1]}' '{"0":8192}'
	put_app web 0 2 512
	put_app gpu 0 4 1024 '{"type":"MATCH_TAG","tag":"gpu"}'
	# an existing assignment on ex1 holds cores 4,5 of node 1
	jq -cn '{appId:"web-1", instanceId:"AI-old", targetState:"STOPPED",
		resources:[{type:"CPU", cores:{"1":[4,5]}},
		{type:"MEMORY", memoryInMB:{"1":100}}]}' |
		zkc put "$NS/assignments/ex1/AI-old"
	put_request AI-3 web-1 3
	put_request AI-1 web-1 1
	put_request AI-2 web-1 2
	put_request AI-4 gpu-1 4
	put_request AI-5 gone-1 5
	put_request AI-6 gpu-1 6
	put_request AI-7 gpu-1 7
	before=$(zk_dump "$NS")
	run --separate-stderr "$BIN/drove-sched" -c "$T/c.yml" -n
	[ "$status" -eq 0 ]
	echo "$output"
	[[ "$stderr" == *"info: placed 4 of 7 requests in "*" ms ("*" placements/s)" ]]
	[ "${lines[0]}" = '{"instanceId":"AI-1","appId":"web-1","executorId":"ex1","hostname":"host1","numaNode":0,"cores":[0,1],"memoryMB":512}' ]
	[ "${lines[1]}" = '{"instanceId":"AI-2","appId":"web-1","executorId":"ex1","hostname":"host1","numaNode":0,"cores":[2,3],"memoryMB":512}' ]
	[ "${lines[2]}" = '{"instanceId":"AI-3","appId":"web-1","error":"0 of 3 executors: 1 excluded by NO_TAG, 1 lack 2 free cores on one NUMA node, 1 not ACTIVE"}' ]
	[ "${lines[3]}" = '{"instanceId":"AI-4","appId":"gpu-1","executorId":"ex2","hostname":"host2","numaNode":0,"cores":[0,1,2,3],"memoryMB":1024}' ]
	[ "${lines[4]}" = '{"instanceId":"AI-5","appId":"gone-1","error":"App gone-1 not found"}' ]
	[ "${lines[5]}" = '{"instanceId":"AI-6","appId":"gpu-1","executorId":"ex2","hostname":"host2","numaNode":0,"cores":[4,5,6,7],"memoryMB":1024}' ]
	[ "${lines[6]}" = '{"instanceId":"AI-7","appId":"gpu-1","error":"0 of 3 executors: 1 excluded by MATCH_TAG(gpu), 1 lack 4 free cores on one NUMA node, 1 not ACTIVE"}' ]
	[ "${#lines[@]}" -eq 7 ]
	[ "$(zk_dump "$NS")" = "$before" ]
}

@test "monitor requests instances, sched places them, scale down, replace" {
	put_executor ex1 host1 ACTIVE '["host1"]' '{"0":[0,1,2,3],"1":[4,5]}' \
		'{"0":4096,"1":2048}'
	put_app web 2 2 512
	start drove-monitor
	start drove-sched
	wait_until 10 n_children "$NS/assignments/ex1" 2
	wait_until 10 n_children "$NS/requests" 0
	grep -q 'app web-1: starting 2 instances' "$T/drove-monitor.err"
	[ "$(grep -c 'info: placed AI-' "$T/drove-sched.err")" -eq 2 ]
	mapfile -t ids < <(zkc ls "$NS/assignments/ex1")
	cores=$(for i in "${ids[@]}"; do
		zkc get "$NS/assignments/ex1/$i" | jq -c '.resources[0].cores'
	done | sort | tr '\n' ' ')
	[ "$cores" = '{"0":[0,1]} {"1":[4,5]} ' ]
	a=$(zkc get "$NS/assignments/ex1/${ids[0]}")
	[ "$(jq -r .targetState <<<"$a")" = RUNNING ]
	[ "$(jq -r .executorId <<<"$a")" = ex1 ]
	[ "$(jq -c .ports <<<"$a")" = '[{"name":"main","port":8000,"type":"HTTP"}]' ]
	[ "$(jq -c .loggingSpec <<<"$a")" = '{"type":"LOCAL","maxSize":"10m","maxFiles":3,"compress":true}' ]
	[ "$(jq -c .env <<<"$a")" = '{"A":"b"}' ]
	i0=$(zkc get "$NS/instances/web-1/${ids[0]}")
	[ "$(jq -r .state <<<"$i0")" = PENDING ]
	[ "$(jq -r .localInfo.hostname <<<"$i0")" = host1 ]
	[ "$(jq -c .resources <<<"$i0")" = "$(jq -c .resources <<<"$a")" ]

	# scale down to 1: the instance that is not HEALTHY is stopped
	set_state web-1 "${ids[0]}" HEALTHY
	put_app web 1 2 512
	target() { zkc get "$NS/assignments/ex1/$1" | jq -r .targetState; }
	wait_until 10 sh -c "[ \"\$($BIN/drove-zkcli -z $ZK get $NS/assignments/ex1/${ids[1]} | jq -r .targetState)\" = STOPPED ]"
	[ "$(target "${ids[0]}")" = RUNNING ]
	grep -q "app web-1: stopping ${ids[1]}" "$T/drove-monitor.err"
	sleep 0.5
	n_children "$NS/requests" 0

	# the stopped instance reaches STOPPED: its assignment goes away
	set_state web-1 "${ids[1]}" STOPPED
	wait_until 10 n_children "$NS/assignments/ex1" 1
	[ "$(zkc ls "$NS/assignments/ex1")" = "${ids[0]}" ]

	# the healthy one is LOST: assignment deleted, a replacement placed
	set_state web-1 "${ids[0]}" LOST
	wait_until 10 sh -c "! $BIN/drove-zkcli -z $ZK get $NS/assignments/ex1/${ids[0]} >/dev/null 2>&1"
	wait_until 10 n_children "$NS/assignments/ex1" 1
	new=$(zkc ls "$NS/assignments/ex1")
	[ "$new" != "${ids[0]}" ]
	[ "$new" != "${ids[1]}" ]
	[[ "$new" == AI-* ]]
	grep -q "${ids[0]} is LOST: removing its assignment" "$T/drove-monitor.err"
	grep -q "placed $new of web-1" "$T/drove-sched.err"

	# an UNHEALTHY instance is replaced at once (not counted)
	set_state web-1 "$new" UNHEALTHY
	wait_until 10 n_children "$NS/assignments/ex1" 2
	[ "$(target "$new")" = RUNNING ]

	# removing the app stops everything it has
	zkc rm "$NS/applications/web-1"
	for i in $(zkc ls "$NS/assignments/ex1"); do
		wait_until 10 sh -c "[ \"\$($BIN/drove-zkcli -z $ZK get $NS/assignments/ex1/$i | jq -r .targetState)\" = STOPPED ]"
	done

	# SIGTERM: clean exit 0
	kill "$(cat "$T/drove-monitor.pid")" "$(cat "$T/drove-sched.pid")"
	wait_until 10 test -s "$T/drove-monitor.rc"
	wait_until 10 test -s "$T/drove-sched.rc"
	[ "$(cat "$T/drove-monitor.rc")" = 0 ]
	[ "$(cat "$T/drove-sched.rc")" = 0 ]
}

@test "a request that does not fit gets the reasons, and is placed later" {
	put_executor ex1 host1 ACTIVE '["host1"]' '{"0":[0,1],"1":[2,3]}' \
		'{"0":1000,"1":1000}'
	put_app big 0 4 512
	put_request AI-big big-1 1
	start drove-sched
	wait_until 10 request_error_has AI-big \
		'0 of 1 executors: 1 lack 4 free cores on one NUMA node'
	grep -q 'request AI-big (big-1): cannot place: 0 of 1' "$T/drove-sched.err"
	# the executor grows: the request is retried and placed
	put_executor ex1 host1 ACTIVE '["host1"]' '{"0":[0,1],"1":[2,3,4,5]}' \
		'{"0":1000,"1":1000}'
	wait_until 10 n_children "$NS/assignments/ex1" 1
	n_children "$NS/requests" 0
	[ "$(zkc get "$NS/assignments/ex1/AI-big" | jq -c .resources)" = \
		'[{"type":"CPU","cores":{"1":[2,3,4,5]}},{"type":"MEMORY","memoryInMB":{"1":512}}]' ]
	# a request for an app that is gone is deleted
	put_request AI-stale nope-1 2
	wait_until 10 n_children "$NS/requests" 0
	grep -q 'application nope-1 is gone' "$T/drove-sched.err"
}

@test "a vanished fence makes both daemons exit 111 at their next write" {
	put_executor ex1 host1 ACTIVE '["host1"]' '{"0":[0,1,2,3]}' '{"0":4096}'
	put_app web 0 1 128
	start drove-monitor
	start drove-sched
	zkc rm "$FENCE"
	put_app web 1 1 128
	wait_until 10 test -s "$T/drove-monitor.rc" || { cat "$T"/*.err; false; }
	[ "$(cat "$T/drove-monitor.rc")" = 111 ]
	grep -q 'not the leader' "$T/drove-monitor.err"
	n_children "$NS/requests" 0
	# a request appears (as from another monitor): sched's write fails
	put_request AI-x web-1 1
	wait_until 10 test -s "$T/drove-sched.rc"
	[ "$(cat "$T/drove-sched.rc")" = 111 ]
	grep -q 'not the leader' "$T/drove-sched.err"
	n_children "$NS/requests" 1
	# stdout only: the ZooKeeper client may warn on stderr under load
	run --separate-stderr zkc ls "$NS/assignments/ex1"
	[ -z "$output" ] || { echo "assignments: $output"; false; }
}

@test "daemons refuse to start without their fence znode (exit 111)" {
	zkc rm "$FENCE"
	run "$BIN/drove-sched" -c "$T/c.yml"
	[ "$status" -eq 111 ]
	run "$BIN/drove-monitor" -c "$T/c.yml"
	[ "$status" -eq 111 ]
}
