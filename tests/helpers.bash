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

# ping_is CODE: the cluster's API answers ping with HTTP CODE (200 on the
# leader)
ping_is() {
	[ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$API/apis/v1/ping")" = "$1" ]
}
