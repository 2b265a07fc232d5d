# Shared bats helpers: a private ZooKeeper and dockerd per test file.
# Anything started in the background closes fd 3 (3>&-): bats waits for
# every holder of fd 3 before it ends a file.
# Usage in a .bats file:
#   load helpers
#   setup_file() { zk_start; }       teardown_file() { zk_stop; }
# Exports: TOP (project root), BIN, ZK (connect string), ZK_DIR,
#          DOCKER_HOST / ENGINE_SOCK after engine_start.

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BIN=$TOP/bin
export TOP BIN
export PATH="$BIN:$PATH"

# A TCP port on 127.0.0.1 that nothing listens on: random picks from a
# range outside the kernel's ephemeral ports, probed with bash's /dev/tcp.
free_port() {
	local p
	while :; do
		p=$(shuf -i 20000-32000 -n 1)
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

# events_match FILTER [JQ-OPTIONS...]: wait up to 10 s until the answer of
# /cluster/events/latest (all events) satisfies the jq FILTER; it is left
# in $output.  An event reaches drove-httpd's index through the view's
# watches a moment after the record committed with it, so a read right
# after a state change may not show it yet.  On a timeout jq runs once
# more, unsilenced, and its status is returned.
events_match() {
	local filter=$1 i
	shift
	for ((i = 0; i < 100; i++)); do
		output=$(curl -s "$API/apis/v1/cluster/events/latest?size=100000")
		echo "$output" | jq -e "$@" "$filter" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "$output" | jq -e "$@" "$filter"
}

# wait_until SECONDS CMD...: retry CMD every 0.1 s until it succeeds.
wait_until() {
	local limit=$1 i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -ge $((limit * 10)) ] && return 1
		sleep 0.1
	done
}

# A server that accepts but does not answer must not hang the probe.
zk_ruok() {
	local r
	r=$(timeout 2 bash -c 'exec 4<>"/dev/tcp/127.0.0.1/$1" && printf ruok >&4 && cat <&4' _ "$1" 2>/dev/null)
	[ "$r" = imok ]
}

# zk_start: ZooKeeper standalone on a random loopback port.
zk_start() {
	ZK_DIR=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/zk.XXXXXX")
	ZK_PORT=$(free_port)
	mkdir -p "$ZK_DIR/data"
	cat >"$ZK_DIR/zoo.cfg" <<CFG
tickTime=500
initLimit=10
syncLimit=5
dataDir=$ZK_DIR/data
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,stat,mntr
maxSessionTimeout=20000
CFG
	java -Xmx256m -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar \
		-Dzookeeper.log.dir="$ZK_DIR" \
		org.apache.zookeeper.server.quorum.QuorumPeerMain "$ZK_DIR/zoo.cfg" \
		>"$ZK_DIR/log" 2>&1 </dev/null 3>&- &
	echo $! >"$ZK_DIR/pid"
	ZK=127.0.0.1:$ZK_PORT
	export ZK ZK_DIR ZK_PORT
	wait_until 30 zk_ruok "$ZK_PORT"
}

zk_stop() {
	[ -n "${ZK_DIR:-}" ] && [ -f "$ZK_DIR/pid" ] || return 0
	kill "$(cat "$ZK_DIR/pid")" 2>/dev/null || true
	wait_until 10 sh -c "! kill -0 $(cat "$ZK_DIR/pid") 2>/dev/null" || kill -9 "$(cat "$ZK_DIR/pid")" 2>/dev/null || true
}

# A listing of every znode and its data below a path, for before/after diffs.
zk_dump() {
	"$BIN/drove-zkcli" -z "$ZK" dump "$1" 2>/dev/null | sort
}

# engine_start: a Docker engine for this file.  scripts/run-tests starts
# one dockerd for the whole run and exports DROVE_TEST_ENGINE (its socket).
# Without it, a private one is started by scripts/test-engine (on a bridge
# of its own: a system dockerd may hold docker0) and stopped by engine_stop.
engine_start() {
	if [ -n "${DROVE_TEST_ENGINE:-}" ] &&
		curl -sf --unix-socket "$DROVE_TEST_ENGINE" http://x/_ping >/dev/null; then
		ENGINE_SOCK=$DROVE_TEST_ENGINE
		ENGINE_DIR=
	else
		ENGINE_DIR=$(mktemp -d /tmp/drove-engine.XXXXXX)
		ENGINE_SOCK=$ENGINE_DIR/docker.sock
		"$TOP/scripts/test-engine" start "$ENGINE_DIR" 3>&- || return 1
	fi
	DOCKER_HOST=unix://$ENGINE_SOCK
	export ENGINE_DIR ENGINE_SOCK DOCKER_HOST
	"$TOP/scripts/build-test-image" >/dev/null
}

# Remove the containers a test made (by label), stop a private engine.
engine_stop() {
	local ids
	ids=$(/usr/bin/docker ps -aq --filter label=drove.instance.id 2>/dev/null)
	if [ -n "$ids" ]; then
		# shellcheck disable=SC2086 # one argument per id
		/usr/bin/docker rm -f $ids >/dev/null 2>&1 || true
	fi
	[ -n "${ENGINE_DIR:-}" ] || return 0
	"$TOP/scripts/test-engine" stop "$ENGINE_DIR" 3>&- || true
}

# cluster_start: a whole local cluster (scripts/cluster) for a test file,
# on the shared engine: exports DROVE_RUN, its ports, API and ZK.
cluster_start() {
	engine_start
	export DROVE_RUN=$BATS_FILE_TMPDIR/cluster
	export ZK_PORT=$(free_port) API_PORT=$(free_port) LOGSTREAM_PORT=$(free_port)
	export DROVE_ENGINE_SOCKET=$ENGINE_SOCK
	"$TOP/scripts/cluster" up >"$BATS_FILE_TMPDIR/up.json" 2>"$BATS_FILE_TMPDIR/up.err" || {
		cat "$BATS_FILE_TMPDIR/up.err" >&3
		return 1
	}
	export API=http://127.0.0.1:$API_PORT
	export ZK=127.0.0.1:$ZK_PORT
}

# cluster_start_multi: the same with 3 executors, 2 controllers and a
# ZooKeeper ensemble of 3.
cluster_start_multi() {
	export DROVE_EXECUTORS=3 DROVE_CONTROLLERS=2 DROVE_ZK_SERVERS=3
	export UP_TIMEOUT=120
	cluster_start
}

cluster_stop() {
	"$TOP/scripts/cluster" down >/dev/null 2>&1 || true
	engine_stop
}

# node_curl CURL-ARGS...: curl as a cluster node of the scripts/cluster
# cluster (NodeId $NODE_ID, default 127.0.0.1, and its generated CONTROLLER
# secret): the internal paths answer nodes only.
node_curl() {
	local secret
	secret=$(sed -n 's/.*nodeType: CONTROLLER, secret: "\([0-9a-f]*\)".*/\1/p' \
	    "$DROVE_RUN/conf/controller.yml" | head -n 1)
	curl -H "NodeId: ${NODE_ID:-127.0.0.1}" \
	    -H "Cluster-Authorization: $secret" "$@"
}

# cluster_leader: waits (60 s at most) for the cluster to have a leader;
# ST its status, API the leader's URL.
cluster_leader() {
	wait_until 60 sh -c '"$TOP/scripts/cluster" status | jq -e .leader'
	ST=$("$TOP/scripts/cluster" status)
	API=$(jq -r .api <<<"$ST")
}

# ping_is CODE: the cluster's API answers ping with HTTP CODE (200 on the
# leader)
ping_is() {
	[ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$API/apis/v1/ping")" = "$1" ]
}

# logstream_start CONFIG DIR: drove-logstream of executor configuration
# CONFIG on a port of its choosing (pid DIR/logstream.pid, stderr
# DIR/logstream.err); LSPORT its port.  logstream_port DIR: that port.
logstream_start() {
	rm -f "$2/logstream.ready"
	mkfifo "$2/logstream.ready"
	"$BIN/drove-logstream" -c "$1" -p 0 -d 3 3>"$2/logstream.ready" \
	    >/dev/null 2>"$2/logstream.err" </dev/null &
	echo $! >"$2/logstream.pid"
	read -r -t 10 _ <"$2/logstream.ready"
	LSPORT=$(logstream_port "$2")
	[ -n "$LSPORT" ]
}

logstream_port() {
	sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1/logstream.err"
}

# --- a drove-execd of the file's own (30-execd, 63-localservice-exec) -----
# The file sets NS and defines state IID (what the instance's stored info
# says).  execd_setup_file starts ZooKeeper ($T/zkport), a dockerd of the
# file's own ($T/dx: the executor reaps every labelled container it does
# not know) with the test image, and writes $T/executor.yml; execd_setup
# starts drove-execd (log: $LOG) and waits for its node (EID, $T/eid).

zkcli() {
	"$BIN/drove-zkcli" -z "127.0.0.1:$(cat "$T/zkport")" "$@"
}

dk() {
	DOCKER_HOST="unix://$(cat "$T/dx")/docker.sock" docker "$@"
}

# wait_is SECONDS WANT CMD...: until CMD prints WANT (checked every 0.1 s);
# else what it prints, on fd 3
wait_is() {
	local n=$(($1 * 10)) want=$2
	shift 2
	for _ in $(seq "$n"); do
		[ "$("$@")" = "$want" ] && return 0
		sleep 0.1
	done
	echo "# $* is $("$@"), wanted $want" >&3
	return 1
}

# wait_state IID STATE SECONDS
wait_state() {
	wait_is "$3" "$2" state "$1"
}

# start_execd: its log is this test's ($LOG)
start_execd() {
	rm -f "$T/ready"
	mkfifo "$T/ready"
	"$BIN/drove-execd" -c "$T/executor.yml" -d 3 -v 3>"$T/ready" \
	    >/dev/null 2>>"$LOG" </dev/null &
	echo $! >"$T/execd.pid"
	read -r -t 30 _ <"$T/ready"
}

execd_running() {
	[ -f "$T/execd.pid" ] && kill -0 "$(cat "$T/execd.pid")" 2>/dev/null
}

# stop_execd: SIGTERM, then wait for it to go
stop_execd() {
	local p
	p=$(cat "$T/execd.pid")
	kill "$p"
	for _ in $(seq 100); do
		kill -0 "$p" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# the container of IID (running or not)
container_of() {
	dk ps -aq --no-trunc --filter "label=drove.instance.id=$1"
}

# execd_setup_file API_PORT ENGINE_PREFIX (unix socket paths are short:
# the engine lives under /tmp/ENGINE_PREFIX.XXXXXX)
execd_setup_file() {
	local d
	export T="$BATS_FILE_TMPDIR"
	mkdir -p "$T/logs"
	zk_start
	echo "$ZK_PORT" >"$T/zkport"
	d=$(mktemp -d "/tmp/$2.XXXXXX")
	echo "$d" >"$T/dx"
	"$TOP/scripts/test-engine" start "$d" 3>&-
	DOCKER_HOST="unix://$d/docker.sock" "$TOP/scripts/build-test-image"
	cat >"$T/executor.yml" <<-EOF
	server: {applicationConnectors: [{type: http, port: $1}], bindAddress: 127.0.0.1}
	zookeeper: {connectionString: "127.0.0.1:$ZK_PORT", nameSpace: $NS}
	resources: {osCores: [], exposedMemPercentage: 100, tags: [], disableNUMAPinning: true}
	options: {hostname: 127.0.0.1, dockerSocketPath: $d/docker.sock, cacheImages: true,
	  maxOpenFiles: 20000, publishAddress: 127.0.0.1, containerStopTimeout: 1s}
	logging: {appenders: [{type: drove, logPath: $T/logs}]}
	EOF
}

execd_teardown_file() {
	execd_running && kill "$(cat "$T/execd.pid")"
	[ -f "$T/dx" ] && "$TOP/scripts/test-engine" stop "$(cat "$T/dx")" 3>&-
	zk_stop
	true
}

execd_setup() {
	LOG=$BATS_TEST_TMPDIR/execd.log
	start_execd
	for _ in $(seq 50); do
		EID=$(zkcli ls "/$NS/executor" 2>/dev/null | head -n 1)
		[ -n "$EID" ] && break
		sleep 0.1
	done
	[ -n "$EID" ]
	echo "$EID" >"$T/eid"
}

# execd_teardown ZNODE...: drove-execd stopped, every container removed,
# and the znodes /$NS/ZNODE
execd_teardown() {
	local ids z
	if execd_running; then
		stop_execd || kill -9 "$(cat "$T/execd.pid")"
	fi
	ids=$(dk ps -aq)
	if [ -n "$ids" ]; then
		# shellcheck disable=SC2086 # one argument per id
		dk rm -f $ids >/dev/null
	fi
	for z in "$@"; do
		zkcli rm "/$NS/$z" 2>/dev/null || true
	done
}

# put_ephemeral PATH JSON: holds the node in a background session (its
# pid in $T/holders); ZooKeeper's port in $T/zkport.
put_ephemeral() {
	printf '%s' "$2" >"$T/eph.json"
	"$BIN/drove-zkcli" -z "127.0.0.1:$(cat "$T/zkport")" put -e "$1" \
	    <"$T/eph.json" >/dev/null 2>&1 3>&- &
	echo $! >>"$T/holders"
	for _ in $(seq 50); do
		zkcli get "$1" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# start_httpd DIR [CONFIG]: drove-httpd alone (no leader programs) with
# CONFIG ($T/controller.yml) on a free port; DIR/pid, DIR/stderr, DIR/port,
# and DIR/rc once it has exited.
start_httpd() {
	local d=$1
	mkdir -p "$d"
	mkfifo "$d/ready"
	(
		"$BIN/drove-httpd" -c "${2:-$T/controller.yml}" -p 0 -d 3 -v \
		    3>"$d/ready" >/dev/null 2>"$d/stderr" </dev/null &
		echo $! >"$d/pid"
		wait $!
		echo $? >"$d/rc"
	) 3>&- &
	read -r -t 20 _ <"$d/ready"
	sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
	    "$d/stderr" >"$d/port"
	[ -s "$d/port" ]
}

# --- answers' shapes (69-contract) -------------------------------------

# http_call CURL-ARGS...: one request; code its HTTP status, body its body
http_call() {
	body=$(curl -s -o - -w '\n%{http_code}' "$@")
	code=${body##*$'\n'}
	body=${body%$'\n'*}
}

# no_nulls JSON: no null anywhere in JSON (Drove's mapper is NON_NULL);
# else the paths of the nulls on stderr
no_nulls() {
	local p
	p=$(jq -c '[paths(. == null)]' <<<"$1") || return 1
	[ "$p" = "[]" ] && return 0
	echo "# null at $p in: $1" >&2
	return 1
}

# refused URL: 400 {"error":"<why>"}, and nothing of a file named secret
# (the file's own get URL sets code and body)
refused() {
	get "$1"
	[ "$code" = 400 ] || { echo "$1: $code $body"; return 1; }
	jq -e '(.error | type == "string" and length > 0) and (keys == ["error"])' <<<"$body" >/dev/null ||
	    { echo "$1: $body"; return 1; }
	[[ "$body" != *secret* ]] || { echo "$1 leaked: $body"; return 1; }
}

# ok_op JSON: POST the application operation JSON on $API; true when it
# answers SUCCESS (the answer on stdout)
ok_op() {
	printf '%s' "$1" >"$BATS_TEST_TMPDIR/op.json"
	curl -s -H 'Content-Type: application/json' \
	    --data-binary @"$BATS_TEST_TMPDIR/op.json" \
	    "$API/apis/v1/applications/operations" | jq -e '.status == "SUCCESS"'
}
