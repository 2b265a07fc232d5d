#!/usr/bin/env bats
# Local-service instances on drove-execd (issue 9), against a private
# dockerd and a private ZooKeeper, with assignments and LocalServiceInfos
# written by hand as drove-sched and drove-httpd write them: an LS
# assignment runs to HEALTHY and reports at
# /<ns>/localserviceinstances/<serviceId>/<instanceId> with its
# LOCAL_SERVICE_INSTANCE_STATE_CHANGE events; its container has the
# LOCAL_SERVICE label and the local-service env; hostLevel binds the same
# host port; targetState STOPPED stops it; a restarted execd adopts it; a
# container removed behind our back is LOST; its logs are served by
# drove-logstream; the executor is UNREADY until every ACTIVE local
# service has instancesPerHost HEALTHY instances on it.
# Each test starts with a running execd and nothing assigned.

load helpers
bats_require_minimum_version 1.5.0
NS=t-lsexec
SID=lsexec-svc-1

# state IID: the stored LocalServiceInstanceInfo's state
state() {
	zkcli get "/$NS/localserviceinstances/$SID/$1" 2>/dev/null | jq -r .state
}

# executor_state: the executorState of our node
executor_state() {
	zkcli get "/$NS/executor/$EID" 2>/dev/null | jq -r .executorState
}

# wait_executor STATE SECONDS
wait_executor() {
	wait_is "$2" "$1" executor_state
}

# assign_ls IID PORT [TARGET] [HOSTLEVEL]: a LocalServiceInstanceSpec
# assignment (the test image's httpd on PORT) and its PENDING
# LocalServiceInstanceInfo, as drove-sched writes them
assign_ls() {
	jq -n --arg s "$SID" --arg i "$1" --arg e "$EID" '{serviceId:$s,
	    serviceName:"lsexec-svc",instanceId:$i,executorId:$e,
	    localInfo:{hostname:"127.0.0.1",ports:{}},
	    resources:[{type:"CPU",cores:{"0":[0]}},{type:"MEMORY",memoryInMB:{"0":32}}],
	    state:"PENDING",metadata:{},errorMessage:"",created:1,updated:1}' |
	    zkcli put "/$NS/localserviceinstances/$SID/$1" >/dev/null
	jq -n --arg s "$SID" --arg i "$1" --arg e "$EID" --argjson p "$2" \
	    --arg t "${3:-RUNNING}" --argjson h "${4:-true}" \
	    --arg cmd "trap 'exit 0' TERM; /bin/httpd -f -v -p $2 -h /www & wait" \
	    '{serviceId:$s,serviceName:"lsexec-svc",instanceId:$i,
	    jobType:"LOCAL_SERVICE",hostLevelInstance:$h,
	    executable:{type:"DOCKER",url:"drove-test/web:1",dockerPullTimeout:"100 seconds"},
	    resources:[{type:"CPU",cores:{"0":[0]}},{type:"MEMORY",memoryInMB:{"0":32}}],
	    ports:[{name:"main",port:$p,type:"HTTP"}],volumes:[],configs:[],
	    healthcheck:{mode:{type:"HTTP",protocol:"HTTP",portName:"main",path:"/health",
	        verb:"GET",successCodes:[200]},timeout:"1 second",interval:"1 second",attempts:3},
	    readiness:{mode:{type:"HTTP",protocol:"HTTP",portName:"main",path:"/health",
	        verb:"GET",successCodes:[200]},timeout:"1 second",interval:"200ms",attempts:50},
	    loggingSpec:{type:"LOCAL",maxSize:"1m",maxFiles:2,compress:false},
	    env:{GREETING:"hi"},args:["/bin/sh","-c",$cmd],devices:[],
	    preShutdown:{hooks:[],waitBeforeKill:"0 seconds"},
	    targetState:$t,executorId:$e,created:1}' |
	    zkcli put "/$NS/assignments/$EID/$1" >/dev/null
}

# service STATE [PER_HOST]: the LocalServiceInfo of $SID
service() {
	jq -n --arg s "$SID" --arg a "$1" --argjson n "${2:-1}" '{serviceId:$s,
	    spec:{name:"lsexec-svc",version:"1"},instancesPerHost:$n,
	    activationState:$a,created:1,updated:1}' |
	    zkcli put "/$NS/localservices/$SID" >/dev/null
}

# events_of IID: "type serviceId state" of each stored event about IID, in
# commit order (buckets b<start>, events e<time>-<seq>)
events_of() {
	local b e
	for b in $(zkcli ls "/$NS/events" 2>/dev/null | sort); do
		for e in $(zkcli ls "/$NS/events/$b" 2>/dev/null |
		    sort); do
			zkcli get "/$NS/events/$b/$e"
		done
	done | jq -r --arg i "$1" 'select(.metadata.INSTANCE_ID == $i) |
	    "\(.type) \(.metadata.SERVICE_ID) \(.metadata.CURRENT_STATE)"'
}

setup_file() {
	execd_setup_file 3063 drove-lx
}

teardown_file() {
	[ -f "$T/logstream.pid" ] && kill "$(cat "$T/logstream.pid")"
	execd_teardown_file
}

setup() {
	execd_setup
}

teardown() {
	execd_teardown assignments localserviceinstances localservices events
}

@test "an LS assignment runs to HEALTHY at its LS path, with its events" {
	port=$(free_port)
	assign_ls SI-1 "$port"
	wait_state SI-1 HEALTHY 30
	info=$(zkcli get "/$NS/localserviceinstances/$SID/SI-1")
	[ "$(jq -r .serviceId <<<"$info")" = "$SID" ]
	[ "$(jq -r .serviceName <<<"$info")" = lsexec-svc ]
	[ "$(jq -r .executorId <<<"$info")" = "$EID" ]
	[ "$(jq 'has("appId")' <<<"$info")" = false ]
	# reported nowhere else
	run ! zkcli get "/$NS/instances/$SID/SI-1"
	run events_of SI-1
	[[ "$output" == *"LOCAL_SERVICE_INSTANCE_STATE_CHANGE $SID PROVISIONING"* ]]
	[[ "$output" == *"LOCAL_SERVICE_INSTANCE_STATE_CHANGE $SID HEALTHY"* ]]
	[ "$(curl -s "http://127.0.0.1:$port/health")" = OK ]
}

@test "an LS container: LOCAL_SERVICE label, the service env, hostLevel binds the same port" {
	port=$(free_port)
	assign_ls SI-2 "$port"
	wait_state SI-2 HEALTHY 30
	info=$(zkcli get "/$NS/localserviceinstances/$SID/SI-2")
	[ "$(jq -r .localInfo.ports.main.hostPort <<<"$info")" = "$port" ]
	[ "$(jq -r .localInfo.ports.main.containerPort <<<"$info")" = "$port" ]
	c=$(container_of SI-2)
	[ -n "$c" ]
	[ "$(dk inspect -f '{{.Name}}' "$c")" = "/$SID-SI-2" ]
	[ "$(dk inspect -f '{{index .Config.Labels "drove.job.type"}}' "$c")" = LOCAL_SERVICE ]
	[ "$(dk inspect -f '{{index .Config.Labels "drove.executor.id"}}' "$c")" = "$EID" ]
	dk inspect -f '{{index .Config.Labels "drove.instance.info"}}' "$c" |
	    jq -e --arg s "$SID" '.serviceId == $s and (has("appId") | not)'
	[ "$(dk inspect -f "{{(index (index .HostConfig.PortBindings \"$port/tcp\") 0).HostPort}}" "$c")" = "$port" ]
	dk inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$c" >"$T/env"
	grep -qx GREETING=hi "$T/env"
	grep -qx "DROVE_SERVICE_ID=$SID" "$T/env"
	grep -qx DROVE_SERVICE_NAME=lsexec-svc "$T/env"
	grep -qx DROVE_SERVICE_INSTANCE_ID=SI-2 "$T/env"
	grep -qx "PORT_$port=$port" "$T/env"
	grep -qx HOST=127.0.0.1 "$T/env"
	grep -qx DROVE_EXECUTOR_HOST=127.0.0.1 "$T/env"
	grep -qx DROVE_CONTAINER_ID=drove-test/web:1 "$T/env"
	run ! grep -q '^DROVE_APP_\|^DROVE_INSTANCE_ID=' "$T/env"
	[ "$(curl -s "http://127.0.0.1:$port/health")" = OK ]
}

@test "an LS instance without hostLevel gets a host port of its own" {
	port=$(free_port)
	assign_ls SI-3 "$port" RUNNING false
	wait_state SI-3 HEALTHY 30
	info=$(zkcli get "/$NS/localserviceinstances/$SID/SI-3")
	[ "$(jq -r .localInfo.ports.main.containerPort <<<"$info")" = "$port" ]
	hp=$(jq -r .localInfo.ports.main.hostPort <<<"$info")
	[ "$hp" != "$port" ]
	[ "$(curl -s "http://127.0.0.1:$hp/health")" = OK ]
}

@test "targetState STOPPED stops an LS instance and removes its container" {
	port=$(free_port)
	assign_ls SI-4 "$port"
	wait_state SI-4 HEALTHY 30
	[ -n "$(container_of SI-4)" ]
	zkcli get "/$NS/assignments/$EID/SI-4" | jq '.targetState = "STOPPED"' |
	    zkcli put "/$NS/assignments/$EID/SI-4" >/dev/null
	wait_state SI-4 STOPPED 15
	[ -z "$(container_of SI-4)" ]
	run events_of SI-4
	[[ "$output" == *"LOCAL_SERVICE_INSTANCE_STATE_CHANGE $SID STOPPING"* ]]
	[[ "$output" == *"LOCAL_SERVICE_INSTANCE_STATE_CHANGE $SID STOPPED"* ]]
	run ! curl -sf "http://127.0.0.1:$port/health"
}

@test "a restarted execd adopts its running LS container" {
	port=$(free_port)
	assign_ls SI-5 "$port"
	wait_state SI-5 HEALTHY 30
	c=$(container_of SI-5)
	stop_execd
	[ "$(dk inspect -f '{{.State.Running}}' "$c")" = true ]
	before=$(zkcli get "/$NS/localserviceinstances/$SID/SI-5" | jq .updated)
	sleep 1
	start_execd
	[ "$(container_of SI-5)" = "$c" ]
	grep -q "adopting container ${c:0:12}" "$LOG"
	for _ in $(seq 50); do
		after=$(zkcli get "/$NS/localserviceinstances/$SID/SI-5" | jq .updated)
		[ "$after" -gt "$before" ] && break
		sleep 0.1
	done
	[ "$after" -gt "$before" ]
	[ "$(state SI-5)" = HEALTHY ]
	# still the same container, still answering, after a zombie sweep
	sleep 1
	[ "$(container_of SI-5)" = "$c" ]
	[ "$(curl -s "http://127.0.0.1:$port/health")" = OK ]
}

@test "an LS container gone while execd was down is LOST at restart" {
	port=$(free_port)
	assign_ls SI-6 "$port"
	wait_state SI-6 HEALTHY 30
	stop_execd
	dk rm -f "$(container_of SI-6)" >/dev/null
	start_execd
	wait_state SI-6 LOST 5
	[ "$(zkcli get "/$NS/localserviceinstances/$SID/SI-6" | jq -r .errorMessage)" = \
	    "Container not found on executor restart" ]
	run events_of SI-6
	[[ "$output" == *"LOCAL_SERVICE_INSTANCE_STATE_CHANGE $SID LOST"* ]]
}

@test "docker rm -f of an LS instance's container: LOST (Container vanished)" {
	port=$(free_port)
	assign_ls SI-7 "$port"
	wait_state SI-7 HEALTHY 30
	dk rm -f "$(container_of SI-7)" >/dev/null
	wait_state SI-7 LOST 5
	[ "$(zkcli get "/$NS/localserviceinstances/$SID/SI-7" | jq -r .errorMessage)" = \
	    "Container vanished" ]
}

@test "an unassigned LS container is reaped as a zombie" {
	port=$(free_port)
	assign_ls SI-8 "$port"
	wait_state SI-8 HEALTHY 30
	c=$(container_of SI-8)
	stop_execd
	zkcli rm "/$NS/assignments/$EID/SI-8"
	start_execd
	for _ in $(seq 50); do
		[ -z "$(container_of SI-8)" ] && break
		sleep 0.1
	done
	[ -z "$(container_of SI-8)" ]
	grep -q "instance SI-8: kill container ${c:0:12}" "$LOG"
}

@test "LS instance logs go to <logPath>/<serviceId>/<instanceId> and drove-logstream serves them" {
	port=$(free_port)
	assign_ls SI-9 "$port"
	wait_state SI-9 HEALTHY 30
	curl -s "http://127.0.0.1:$port/index.html" >/dev/null
	f=$T/logs/$SID/SI-9/output.log
	for _ in $(seq 30); do
		grep -q response:200 "$f" 2>/dev/null && break
		sleep 0.1
	done
	grep -q response:200 "$f"
	logstream_start "$T/executor.yml" "$T"
	b=http://127.0.0.1:$LSPORT/apis/v1/logs/filestream/$SID/SI-9
	# as a controller calls it: Drove's default secret (none configured)
	h=(-H 'NodeId: 127.0.0.1' -H 'Cluster-Authorization: DefaultControllerSecret')
	curl -sf "${h[@]}" "$b/list" | jq -e '.files | index("output.log")'
	curl -sf "${h[@]}" "$b/read/output.log?offset=0&length=100000" |
	    jq -er .data | grep -q response:200
}

@test "without an ACTIVE local service the executor is ACTIVE at once" {
	[ "$(executor_state)" = ACTIVE ]
	stop_execd
	service INACTIVE 1
	SID=lsexec-svc-2 service CONFIG_TESTING 1
	start_execd
	[ "$(executor_state)" = ACTIVE ]
	run ! grep -q "executor UNREADY" "$LOG"
}

@test "UNREADY while an ACTIVE service's instance is not HEALTHY, then ACTIVE for good" {
	stop_execd
	service ACTIVE 1
	start_execd
	[ "$(executor_state)" = UNREADY ]
	grep -q "executor UNREADY: local service $SID has 0 of 1 instances HEALTHY" "$LOG"
	port=$(free_port)
	assign_ls SI-10 "$port"
	wait_state SI-10 HEALTHY 30
	wait_executor ACTIVE 5
	# one line per reason, not one per look
	[ "$(grep -c "executor UNREADY" "$LOG")" -eq 1 ]
	# ACTIVE until restart, whatever happens to the instance
	zkcli get "/$NS/assignments/$EID/SI-10" | jq '.targetState = "STOPPED"' |
	    zkcli put "/$NS/assignments/$EID/SI-10" >/dev/null
	wait_state SI-10 STOPPED 15
	sleep 0.5
	[ "$(executor_state)" = ACTIVE ]
}

@test "the executor follows LocalServiceInfo changes while UNREADY" {
	stop_execd
	service ACTIVE 2
	start_execd
	[ "$(executor_state)" = UNREADY ]
	port=$(free_port)
	assign_ls SI-11 "$port"
	wait_state SI-11 HEALTHY 30
	sleep 0.5
	[ "$(executor_state)" = UNREADY ]
	grep -q "executor UNREADY: local service $SID has 1 of 2 instances HEALTHY" "$LOG"
	# a second ACTIVE service appears: still waiting
	SID=lsexec-svc-2 service ACTIVE 1
	for _ in $(seq 50); do
		grep -q "lsexec-svc-2 has 0 of 1" "$LOG" && break
		sleep 0.1
	done
	grep -q "lsexec-svc-2 has 0 of 1" "$LOG"
	[ "$(executor_state)" = UNREADY ]
	# one instance per host is enough now, and the other one is deactivated
	service ACTIVE 1
	SID=lsexec-svc-2 service INACTIVE 1
	wait_executor ACTIVE 5
}

@test "a restarted execd is ACTIVE once its adopted LS instance is HEALTHY" {
	port=$(free_port)
	assign_ls SI-12 "$port"
	wait_state SI-12 HEALTHY 30
	service ACTIVE 1
	stop_execd
	start_execd
	wait_executor ACTIVE 5
	grep -q "executor ACTIVE: its local services are HEALTHY" "$LOG"
	[ "$(state SI-12)" = HEALTHY ]
}

@test "a running execd reaps a stray LS container and keeps its assigned one" {
	port=$(free_port)
	assign_ls SI-13 "$port"
	wait_state SI-13 HEALTHY 30
	c=$(container_of SI-13)
	# its creation triggers a sweep (which may take it before it starts)
	stray=$(dk create --label drove.instance.id=SI-z1 \
	    --label drove.job.type=LOCAL_SERVICE \
	    --label "drove.executor.id=$EID" drove-test/web:1)
	dk start "$stray" >/dev/null 2>&1 || true
	for _ in $(seq 50); do
		[ -z "$(dk ps -aq --no-trunc --filter "id=$stray")" ] && break
		sleep 0.1
	done
	[ -z "$(dk ps -aq --no-trunc --filter "id=$stray")" ]
	grep -q "instance SI-z1: killing zombie container ${stray:0:12}" "$LOG"
	[ "$(container_of SI-13)" = "$c" ]
	[ "$(state SI-13)" = HEALTHY ]
}
