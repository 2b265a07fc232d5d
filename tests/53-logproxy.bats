#!/usr/bin/env bats
# drove-httpd's log proxy: it calls the executor with NodeId and its
# CONTROLLER cluster secret, and refuses, before it looks anything up or
# forwards, every name that could leave an instance's log directory (400,
# the executor's {"error":".."} shape).  One controller (-c twice: a base
# file and one with clusterAuth) and three executors: E1 a drove-logstream
# with the same secrets, E2 one with Drove's defaults, E3 nothing listening
# (what is refused never reaches it; what is forwarded fails with 500).

load helpers
bats_require_minimum_version 1.5.0
NS=t-logproxy

zkcli() {
	"$BIN/drove-zkcli" -z "$ZK" "$@"
}

# executor ID PORT: its node data
executor() {
	jq -nc --arg id "$1" --argjson p "$2" '{type:"EXECUTOR",hostname:"127.0.0.1",port:$p,
	    transportType:"HTTP",updated:1,state:{executorId:$id,
	    cpus:{type:"CPU",freeCores:{"0":[1,2,3]},usedCores:{"0":[0]}},
	    memory:{type:"MEMORY",freeMemory:{"0":1000},usedMemory:{"0":24}},
	    layout:{cores:{"0":[0,1,2,3]},memory:{"0":1024}}},
	    instances:[],tasks:[],serviceInstances:[],tags:["127.0.0.1"],metadata:{},
	    executorState:"ACTIVE"}' | zkcli put "/$NS/executor/$1"
}

# instance N EXECUTOR: AI-N of hello-1, HEALTHY on EXECUTOR
instance() {
	jq -nc --arg i "AI-$1" --arg e "$2" '{appId:"hello-1",appName:"hello",instanceId:$i,
	    executorId:$e,localInfo:{hostname:"127.0.0.1",ports:{}},resources:[],
	    state:"HEALTHY",metadata:{},errorMessage:"",created:1,updated:1}' |
	    zkcli put "/$NS/instances/hello-1/AI-$1"
}

# ls_start NAME CONFIG: a drove-logstream in $T/NAME; its port in $T/NAME/port
ls_start() {
	mkdir -p "$T/$1"
	logstream_start "$2" "$T/$1"
	echo "$LSPORT" >"$T/$1/port"
}

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	zk_start
	mkdir -p "$T/logs/hello-1/AI-1" "$T/logs/hello-1/AI-2" "$T/outside"
	printf 'hello\nworld\n' >"$T/logs/hello-1/AI-1/output.log"
	printf 'two\n' >"$T/logs/hello-1/AI-2/output.log"
	printf 'secret\n' >"$T/outside/output.log"
	ln -s "$T/outside/output.log" "$T/logs/hello-1/AI-1/output.link"
	ln -s "$T/outside" "$T/logs/hello-1/AI-9"
	cat >"$T/controller.yml" <<-EOF
	server: {applicationConnectors: [{type: http, port: 4000}], bindAddress: 127.0.0.1}
	zookeeper: {connectionString: "$ZK", nameSpace: $NS}
	options: {hostname: 127.0.0.1}
	clusterAuth: {secrets: [{nodeType: CONTROLLER, secret: DefaultControllerSecret}]}
	EOF
	cat >"$T/auth.yml" <<-EOF
	clusterAuth:
	  secrets:
	    - {nodeType: CONTROLLER, secret: ctl-s3cret}
	    - {nodeType: EXECUTOR, secret: exe-s3cret}
	EOF
	cat >"$T/executor.yml" <<-EOF
	server: {applicationConnectors: [{type: http, port: 3000}], bindAddress: 127.0.0.1}
	logging:
	  appenders:
	    - {type: drove, logPath: "$T/logs"}
	EOF
	cat "$T/executor.yml" "$T/auth.yml" >"$T/executor-auth.yml"
	ls_start e1 "$T/executor-auth.yml"
	ls_start e2 "$T/executor.yml"
	mkdir -p "$T/httpd"
	mkfifo "$T/httpd/ready"
	"$BIN/drove-httpd" -c "$T/controller.yml" -c "$T/auth.yml" -p 0 -d 3 -v \
	    3>"$T/httpd/ready" >/dev/null 2>"$T/httpd/stderr" </dev/null &
	echo $! >"$T/httpd/pid"
	read -r -t 20 _ <"$T/httpd/ready"
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/httpd/stderr")
	echo "http://127.0.0.1:$port/apis/v1" >"$T/base"
	printf '{"hostname":"127.0.0.1","port":%s}' "$port" >"$T/leader.json"
	"$BIN/drove-zkcli" -z "$ZK" put -e "/$NS/leaderselection/leader-0000000001" \
	    <"$T/leader.json" >/dev/null 2>&1 3>&- &
	echo $! >"$T/holder"
	executor E1 "$(cat "$T/e1/port")"
	executor E2 "$(cat "$T/e2/port")"
	executor E3 "$(free_port)"
	instance 1 E1
	instance 2 E2
	instance 3 E3
	instance 9 E1
	B=$(cat "$T/base")
	wait_until 10 sh -c "curl -sf '$B/ping' >/dev/null &&
	    curl -s '$B/logfiles/applications/hello-1/AI-1/list' | grep -q output.log"
}

teardown_file() {
	local f
	for f in "$T"/*/pid "$T"/*/logstream.pid "$T/holder"; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	zk_stop
	true
}

setup() {
	B=$(cat "$T/base")
	L=$B/logfiles/applications/hello-1
}

# get URL: sets $code and $body
get() {
	body=$(curl -s --path-as-is -o - -w '\n%{http_code}' "$@")
	code=${body##*$'\n'}
	body=${body%$'\n'*}
}

@test "the proxy sends NodeId and its configured CONTROLLER secret" {
	get "$L/AI-1/read/output.log?offset=0&length=5"
	[ "$code" = 200 ]
	[ "$(jq -c . <<<"$body")" = '{"data":"hello","offset":0}' ]
	# an executor with other secrets (Drove's defaults) refuses it: 401
	# from the executor, passed through
	get "$L/AI-2/list"
	[ "$code" = 401 ]
	# the executor with our secrets, called directly: the secret works
	# there and nothing else does
	e1=http://127.0.0.1:$(cat "$T/e1/port")/apis/v1/logs/filestream/hello-1/AI-1/list
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'NodeId: x' -H 'Cluster-Authorization: ctl-s3cret' "$e1")" = 200 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'NodeId: x' -H 'Cluster-Authorization: DefaultControllerSecret' "$e1")" = 401 ]
}

@test "an executor that is not listening: a valid request is forwarded (500)" {
	get "$L/AI-3/list"
	[ "$code" = 500 ]
	jq -e '.data.failure | test("unable to reach the executor")' <<<"$body"
}

@test "dot-dot, plain or percent-encoded, in any segment: 400 before forwarding" {
	for i in AI-1 AI-3; do
		refused "$L/$i/read/..%2f..%2f..%2foutside%2foutput.log?offset=0"
		refused "$L/$i/download/%2e%2e%2foutput.log"
		refused "$L/$i/download/%2E%2E"
		refused "$L/$i/read/..?offset=0"
		refused "$L/$i/..%2f..%2flist"
	done
	refused "$L/%2e%2e/list"
	refused "$B/logfiles/applications/..%2f..%2foutside/AI-3/list"
	refused "$B/logfiles/applications/%2e%2e/%2e%2e/list"
	refused "$B/logfiles/tasks/hello/%2e%2e/read/output.log"
	refused "$B/logfiles/localservices/%2e%2e/SI-1/list"
	refused "$B/logfiles/localservices/ls-1/SI-1/read/..%2foutput.log"
}

@test "absolute paths: 400 before forwarding" {
	refused "$L/AI-3/read/%2fetc%2fpasswd?offset=0"
	refused "$L/AI-3/download//etc/passwd"
	refused "$L/AI-3/read/$T/outside/output.log?offset=0"
	refused "$B/logfiles/tasks/hello/T-1/read/%2ftmp%2fx"
	refused "$B/logfiles/localservices/ls-1/SI-1/download//etc/passwd"
}

@test "double-encoded names: 400 before forwarding" {
	refused "$L/AI-3/read/%252e%252e%252f%252e%252e%252foutside%252foutput.log?offset=0"
	refused "$L/AI-3/download/%252e%252e"
	refused "$B/logfiles/applications/%252e%252e/AI-3/list"
	refused "$L/AI-3/read/output%252elog?offset=0"
}

@test "backslashes: 400 before forwarding" {
	refused "$L/AI-3/read/..\\..\\outside\\output.log?offset=0"
	refused "$L/AI-3/read/..%5c..%5coutside%5coutput.log?offset=0"
	refused "$B/logfiles/applications/hello-1\\..\\x/AI-3/list"
}

@test "NUL (%00): 400 before forwarding, never a name cut short" {
	refused "$L/AI-1/read/output.log%00.txt?offset=0"
	refused "$L/AI-3/read/output.log%00?offset=0"
	refused "$L/AI-1/download/output.log%00"
	refused "$L/AI-3%00/list"
	refused "$B/logfiles/applications/hello-1%00/AI-1/list"
	refused "$B/logfiles/tasks/hello/T-1/read/output.log%00.txt"
}

@test "other shapes after the ids: 400 before forwarding" {
	refused "$L/AI-3/write/output.log"
	refused "$L/AI-3/list/more"
	refused "$L/AI-3/read/"
}

@test "symbolic links on the executor: its 400 passed through" {
	refused "$L/AI-1/read/output.link?offset=0"
	jq -e '.error | test("log directory")' <<<"$body"
	refused "$L/AI-1/download/output.link"
	refused "$L/AI-9/list"
	refused "$L/AI-9/read/output.log?offset=0"
}
