# shellcheck shell=bash disable=SC2034,SC2015
# bench/lib.sh: helpers shared by the bench scripts (sourced, never run).
#
# The caller sets PROG, then calls bench_init: it makes the run directory
# $RUN (/tmp/drove-bench-<PROG>.XXXXXX, kept with BENCH_KEEP=1) and traps
# EXIT so that the caller's bench_before_cleanup (a function, if defined)
# runs, everything started through bench_spawn (each in a session of its
# own) is stopped, then anything left whose command line names $RUN or
# whose working directory is in it.  Only 127.0.0.1 is used.
#
#   zk_start [heap] [extra zoo.cfg lines]   ZooKeeper on a free port: $ZK
#   zk_mntr KEY                             one counter of `mntr`
#   ctl_start [namespace]                   drove-leader (running drove-monitor
#                                           and drove-sched under s6-svscan, as
#                                           scripts/cluster does) and
#                                           drove-httpd: $API
#   api_op JSON                             POST an operation; 0 if accepted
#   ops_submit FILE PAR SECS                POST every line of FILE, PAR at a
#                                           time, for at most SECS: $OPS_OK
#   wrk_run URL SECS                        $WRK_RPS $WRK_P99_MS $WRK_REQS
#                                           $WRK_ERRORS
#   rss_mb PID, wait_idle PID SECS, daemon_pids, nginx_start DIR, median,
#   now_ms, fcmp A OP B, verdict 0|1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${DROVE_BIN:-$ROOT/bin}
BENCH_PIDS=()

die() { echo "$PROG: fatal: $*" >&2; exit 111; }
warn() { echo "$PROG: warning: $*" >&2; }
info() { echo "$PROG: info: $*" >&2; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

need() {	# programs...
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 ||
		    die "$p is missing (scripts/install-deps installs it)"
	done
}

# Processes of this run not started by bench_spawn (s6-supervise, the
# leader's services): by command line or working directory.
bench_leftovers() {
	local p c me=${BASHPID:-$$}
	[ -n "${RUN-}" ] || return 0
	for p in /proc/[0-9]*; do
		c=${p#/proc/}
		[ "$c" = "$$" ] || [ "$c" = "$me" ] && continue
		if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null |
		    grep -qF -- "$RUN/"; then
			echo "$c"
			continue
		fi
		c=$(readlink "$p/cwd" 2>/dev/null) || continue
		case $c/ in
		"$RUN"/*) echo "${p#/proc/}" ;;
		esac
	done
}

bench_stop_pid() {	# pid: TERM its session, then KILL after 10 s
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		warn "pid $pid ignored SIGTERM: killing it"
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null || true
}

bench_cleanup() {
	local rc=$? i pid left
	set +e
	trap - EXIT INT TERM
	if declare -F bench_before_cleanup >/dev/null; then
		bench_before_cleanup
	fi
	for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
		bench_stop_pid "${BENCH_PIDS[i]}"
	done
	for i in $(seq 1 30); do
		left=$(bench_leftovers)
		[ -z "$left" ] && break
		if [ "$i" -lt 20 ]; then
			# shellcheck disable=SC2086
			kill -TERM $left 2>/dev/null
		else
			# shellcheck disable=SC2086
			kill -KILL $left 2>/dev/null
		fi
		sleep 0.3
	done
	left=$(bench_leftovers)
	# shellcheck disable=SC2086,SC2046
	[ -n "$left" ] && warn "still running:" $(ps -o pid=,comm= -p $left)
	if [ -n "${RUN-}" ] && [ -d "$RUN" ]; then
		if [ -n "${BENCH_KEEP-}" ]; then
			info "run directory kept: $RUN"
		else
			rm -rf "$RUN"
		fi
	fi
	exit "$rc"
}

bench_init() {
	RUN=$(mktemp -d "/tmp/drove-bench-$PROG.XXXXXX") ||
	    die "unable to make a run directory"
	chmod 755 "$RUN"
	mkdir -p "$RUN/logs"
	trap bench_cleanup EXIT
	trap 'exit 111' INT TERM
}

# bench_spawn LOG cmd args...: start cmd in a session of its own, output to
# LOG; its pid in $SPAWNED.  bench_spawn_out OUT LOG cmd...: stdout to OUT.
bench_spawn() {
	local log=$1
	shift
	bench_spawn_out "$log" "$log" "$@"
}

bench_spawn_out() {
	local out=$1 log=$2
	shift 2
	setsid "$@" </dev/null >>"$out" 2>>"$log" &
	SPAWNED=$!
	BENCH_PIDS+=("$SPAWNED")
}

free_port() {
	local p
	while :; do
		p=$(shuf -i 20000-32000 -n 1)
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || {
			echo "$p"
			return
		}
	done
}

# wait_for SECS cmd...: retry cmd every 0.1 s; 1 if it never succeeds.
wait_for() {
	local end=$(($(now_ms) + $1 * 1000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

zk_4lw() {	# word: ZooKeeper's answer on stdout
	# shellcheck disable=SC2016
	timeout 5 bash -c 'exec 4<>"/dev/tcp/127.0.0.1/$1" &&
	    printf %s "$2" >&4 && cat <&4' _ "$ZK_PORT" "$1" 2>/dev/null
}

zk_ok() { [ "$(zk_4lw ruok)" = imok ]; }
zk_serving() { zk_4lw srvr | grep -q '^Mode:'; }

zk_mntr() {	# key: its value, or nothing
	zk_4lw mntr | awk -v k="$1" '$1 == k { print $2 }'
}

# zk_start [heap] [zoo.cfg lines]: the known-good configuration of
# tests/helpers.bash, on a free port.
zk_start() {
	local heap=${1:-256m} extra=${2-}
	need java
	ZK_PORT=$(free_port)
	mkdir -p "$RUN/zk/data"
	cat >"$RUN/zk/zoo.cfg" <<-EOF
	tickTime=500
	initLimit=10
	syncLimit=5
	dataDir=$RUN/zk/data
	clientPort=$ZK_PORT
	clientPortAddress=127.0.0.1
	admin.enableServer=false
	4lw.commands.whitelist=ruok,stat,mntr,srvr,wchs
	maxSessionTimeout=20000
	$extra
	EOF
	bench_spawn "$RUN/logs/zookeeper.log" java "-Xmx$heap" \
	    -Dzookeeper.log.dir="$RUN/zk" \
	    -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar \
	    org.apache.zookeeper.server.quorum.QuorumPeerMain "$RUN/zk/zoo.cfg"
	ZK_PID=$SPAWNED
	ZK=127.0.0.1:$ZK_PORT
	wait_for 60 zk_serving || die "ZooKeeper did not start (see $RUN/logs)"
}

# ctl_start [namespace]: the controller programs on ZooKeeper $ZK.
ctl_start() {
	local ns=${1:-drove} s
	need s6-svscan s6-svwait s6-svstat s6-envdir s6-log curl jq
	for s in drove-leader drove-httpd drove-monitor drove-sched; do
		[ -x "$BIN/$s" ] || die "$BIN/$s is missing (run make)"
	done
	NS=$ns
	API_PORT=$(free_port)
	API=http://127.0.0.1:$API_PORT
	mkdir -p "$RUN/conf" "$RUN/env" "$RUN/leader-service"
	cat >"$RUN/conf/controller.yml" <<-EOF
	# written by bench/lib.sh
	server:
	  applicationConnectors: [{type: http, port: $API_PORT}]
	  bindAddress: 127.0.0.1
	zookeeper: {connectionString: "$ZK", nameSpace: $NS}
	options: {hostname: 127.0.0.1}
	EOF
	# CTL_CONFIG_EXTRA: YAML lines merged over it (a second -c)
	local extra=()
	if [ -n "${CTL_CONFIG_EXTRA:-}" ]; then
		printf '%s\n' "$CTL_CONFIG_EXTRA" >"$RUN/conf/controller.local.yml"
		extra=(-c "$RUN/conf/controller.local.yml")
	fi
	# the envdir of the leader's services, as scripts/cluster fills it
	echo "$RUN" >"$RUN/env/DROVE_RUN"
	echo "$RUN/conf" >"$RUN/env/DROVE_CONF_DIR"
	echo "$RUN/logs" >"$RUN/env/DROVE_LOG_DIR"
	echo "$BIN:/usr/sbin:/usr/bin:/sbin:/bin" >"$RUN/env/PATH"
	for s in drove-monitor drove-sched; do
		cp -R "$ROOT/sv/sv-leader/$s" "$RUN/leader-service/$s"
		ln -s ../../env "$RUN/leader-service/$s/env"
	done
	bench_spawn "$RUN/logs/drove-leader.log" env PATH="$BIN:$PATH" \
	    "$BIN/drove-leader" -c "$RUN/conf/controller.yml" -- \
	    s6-svscan "$RUN/leader-service"
	LEADER_PID=$SPAWNED
	bench_spawn "$RUN/logs/drove-httpd.log" \
	    "$BIN/drove-httpd" -c "$RUN/conf/controller.yml" "${extra[@]}"
	HTTPD_PID=$SPAWNED
	wait_for 30 api_ping || die "drove-httpd does not answer /ping" \
	    "(see $RUN/logs)"
	for s in drove-monitor drove-sched; do
		wait_for 10 s6-svok "$RUN/leader-service/$s" &&
		    s6-svwait -U -t 30000 "$RUN/leader-service/$s" ||
		    die "$s is not up (see $RUN/logs/$s/current)"
	done
}

api_ping() {
	[ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' \
	    "$API/apis/v1/ping")" = 200 ]
}

# daemon_pids: "name pid" lines for the controller's daemons.
daemon_pids() {
	local s pid
	echo "drove-leader $LEADER_PID"
	echo "drove-httpd $HTTPD_PID"
	for s in drove-monitor drove-sched; do
		pid=$(s6-svstat -o pid "$RUN/leader-service/$s" 2>/dev/null) ||
		    pid=-1
		echo "$s $pid"
	done
}

cpu_ticks() {	# pid: user + system clock ticks so far
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" \
	    2>/dev/null || echo 0
}

# wait_idle PID SECS: until PID uses no CPU for 1 s (requests a load
# generator left in flight are done), at most SECS; 1 if still busy.
wait_idle() {
	local pid=$1 end=$(($(now_ms) + $2 * 1000)) a b
	a=$(cpu_ticks "$pid")
	while :; do
		sleep 1
		b=$(cpu_ticks "$pid")
		[ "$b" -le $((a + 1)) ] && return 0
		[ "$(now_ms)" -ge "$end" ] && return 1
		a=$b
	done
}

rss_mb() {	# pid: VmRSS in MB (one decimal), "?" if gone
	awk '/^VmRSS:/ { printf "%.1f\n", $2 / 1024; found = 1 }
	    END { if (!found) print "?" }' "/proc/$1/status" 2>/dev/null ||
	    echo "?"
}

# api_op JSON: POST one operation; 0 if the API accepted it.
api_op() {
	local out
	out=$(curl -s -m 60 -H 'Content-Type: application/json' \
	    --data-binary "$1" "$API/apis/v1/applications/operations") ||
	    return 1
	jq -e '.status == "SUCCESS"' <<<"$out" >/dev/null 2>&1 || {
		warn "refused: $(head -c 300 <<<"$out")"
		return 1
	}
}

# A CREATE of app NAME (version 1) at 0 instances: examples/create.json
# with its own name and vhost; compact, one line.
create_op() {
	jq -c --arg n "$1" '.spec.name = $n | .instances = 0 |
	    .spec.exposureSpec.vhost = ($n + ".local")' \
	    "$ROOT/examples/create.json"
}

scale_op() {	# appId n
	jq -nc --arg a "$1" --argjson n "$2" '{type: "SCALE", appId: $a,
	    requiredInstances: $n, opSpec: {timeout: "5m", parallelism: 32,
	    failureStrategy: "STOP"}}'
}

# ops_submit FILE PAR SECS: POST each line of FILE (an operation), PAR in
# parallel from one curl; the whole submission is bounded by SECS + 60 s
# (each request by 60 s): the number answered 200 in $OPS_OK.
ops_submit() {
	local file=$1 par=$2 secs=$3 codes=$RUN/codes.$$ dir=$RUN/ops.$$ i=0
	local line
	# One curl for all of them, par at a time on kept-alive connections,
	# so that the client's own cost (a process per request) does not
	# weigh on what is measured.
	mkdir -p "$dir"
	: >"$dir/config"
	while IFS= read -r line; do
		i=$((i + 1))
		printf '%s' "$line" >"$dir/$i.json"
		[ "$i" -gt 1 ] && echo next >>"$dir/config"
		printf '%s\n' "url = \"$API/apis/v1/applications/operations\"" \
		    "data-binary = \"@$dir/$i.json\"" \
		    'header = "Content-Type: application/json"' \
		    'output = "/dev/null"' 'write-out = "%{http_code}\\n"' \
		    'max-time = 60' >>"$dir/config"
		# BENCH_USER: user:password for every request ("next" drops
		# what ~/.curlrc set)
		[ -n "${BENCH_USER:-}" ] &&
		    printf 'user = "%s"\n' "$BENCH_USER" >>"$dir/config"
	done <"$file"
	timeout "$((secs + 60))" curl -sS --no-progress-meter -Z --parallel-max "$par" \
	    -K "$dir/config" >"$codes" 2>>"$RUN/logs/submit.err" || true
	OPS_OK=$(grep -c '^200$' "$codes" || true)
	rm -rf "$codes" "$dir"
}

# wrk_run URL SECS: wrk -t2 -c10 --latency; sets WRK_RPS, WRK_P99_MS
# ("-" when nothing completed), WRK_REQS, WRK_ERRORS (socket errors and
# non-2xx answers) and WRK_OUT (the whole report).
wrk_run() {
	local url=$1 secs=$2
	need wrk
	# WRK_HEADER: one header every request carries (e.g. Authorization)
	local hdr=()
	[ -n "${WRK_HEADER:-}" ] && hdr=(-H "$WRK_HEADER")
	WRK_OUT=$(wrk -t2 -c10 -d"${secs}s" --timeout 30s --latency \
	    "${hdr[@]}" "$url" 2>&1) || true
	WRK_RPS=$(awk '/^Requests\/sec:/ { printf "%.1f", $2 }' <<<"$WRK_OUT")
	WRK_REQS=$(awk '/ requests in / { print $1 }' <<<"$WRK_OUT")
	WRK_P99_MS=$(awk '$1 == "99%" {
	    v = $2; u = v; sub(/^[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
	    if (u == "us") f = 0.001; else if (u == "ms") f = 1
	    else if (u == "s") f = 1000; else if (u == "m") f = 60000
	    else if (u == "h") f = 3600000; else f = -1
	    if (f > 0) printf "%.2f", v * f }' <<<"$WRK_OUT")
	WRK_ERRORS=$(awk '
	    /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
	    /Non-2xx or 3xx responses:/ { n += $NF }
	    END { print n + 0 }' <<<"$WRK_OUT")
	: "${WRK_RPS:=0}" "${WRK_REQS:=0}"
	[ "${WRK_REQS:-0}" -gt 0 ] && [ -n "$WRK_P99_MS" ] || WRK_P99_MS=-
}

# nginx_start DIR: nginx (the Debian build, `nginx -p DIR -c conf`, in the
# foreground) serving DIR/www on a free port as application/json:
# access log off, sendfile, keepalive.  $NGINX_URL.
nginx_start() {
	local dir=$1 port
	need nginx
	port=$(free_port)
	mkdir -p "$dir/tmp" "$dir/logs"
	cat >"$dir/nginx.conf" <<-EOF
	daemon off;
	worker_processes ${NGINX_WORKERS:-auto};
	pid $dir/nginx.pid;
	error_log $dir/logs/error.log warn;
	events { worker_connections 1024; }
	http {
	    access_log off;
	    sendfile on;
	    tcp_nopush on;
	    keepalive_timeout 65;
	    keepalive_requests 1000000;
	    types { }
	    default_type application/json;
	    client_body_temp_path $dir/tmp/body;
	    proxy_temp_path $dir/tmp/proxy;
	    fastcgi_temp_path $dir/tmp/fastcgi;
	    uwsgi_temp_path $dir/tmp/uwsgi;
	    scgi_temp_path $dir/tmp/scgi;
	    server {
	        listen 127.0.0.1:$port;
	        root $dir/www;
	    }
	}
	EOF
	chmod -R a+rX "$dir"
	bench_spawn "$RUN/logs/nginx.log" nginx -p "$dir" -c "$dir/nginx.conf"
	NGINX_PID=$SPAWNED
	NGINX_URL=http://127.0.0.1:$port
	wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" ||
	    die "nginx did not start (see $dir/logs/error.log)"
}

median() {	# numbers on stdin: their median
	sort -n | awk '{ v[NR] = $1 } END {
	    if (NR == 0) { print "-"; exit }
	    if (NR % 2) print v[(NR + 1) / 2]
	    else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# verdict OK: "met" or "NOT met"
verdict() { if [ "$1" = 1 ]; then echo met; else echo "NOT met"; fi; }

# fcmp A OP B: awk float comparison, 0 if true ("-" or "?" is false).
fcmp() {
	case $1$3 in *-* | *'?'*) return 1 ;; esac
	awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
	    if (op == "<") r = a + 0 < b + 0
	    else if (op == "<=") r = a + 0 <= b + 0
	    else if (op == ">=") r = a + 0 >= b + 0
	    else if (op == ">") r = a + 0 > b + 0
	    exit !r }'
}

# bench_cluster_up: a private cluster under $RUN/cluster (after
# bench_init): scripts/cluster with its own free 127.0.0.1 ports and, unless
# DROVE_ENGINE_SOCKET names an engine, its own dockerd on a bridge and
# subnet nobody else uses; DROVE_EXECUTORS and the other variables of
# scripts/cluster pass through.  Sets API and ENGINE and exports
# DOCKER_HOST.  The caller's cleanup runs `scripts/cluster down` when
# $DROVE_RUN exists.
bench_cluster_up() {
	local status n
	export DROVE_RUN=$RUN/cluster
	export DROVE_BIN=$BIN
	export ZK_PORT API_PORT LOGSTREAM_PORT
	ZK_PORT=$(free_port)
	API_PORT=$(free_port)
	LOGSTREAM_PORT=$(free_port)
	while [ "$LOGSTREAM_PORT" = "$API_PORT" ] ||
	    [ "$ZK_PORT" = "$API_PORT" ] || [ "$ZK_PORT" = "$LOGSTREAM_PORT" ]; do
		LOGSTREAM_PORT=$(free_port)
	done
	if [ -z "${DROVE_ENGINE_SOCKET-}" ]; then
		export DROVE_BRIDGE DROVE_BRIDGE_CIDR
		DROVE_BRIDGE=drbr$((RANDOM % 10000))
		for n in $(shuf -i 100-250); do
			ip -4 route | grep -q "^172\.30\.$n\." && continue
			DROVE_BRIDGE_CIDR=172.30.$n.1/24
			break
		done
		[ -n "${DROVE_BRIDGE_CIDR-}" ] ||
		    die "no free 172.30.x.0/24 subnet"
	fi
	info "run directory $RUN: scripts/cluster up"
	UP_TIMEOUT=120 "$ROOT/scripts/cluster" up >"$RUN/cluster-up.out" \
	    2>"$RUN/cluster-up.log" || { tail -n 20 "$RUN/cluster-up.log" >&2;
	    die "the cluster did not come up"; }
	status=$("$ROOT/scripts/cluster" status) ||
	    die "the cluster is not up after up"
	API=$(jq -r .api <<<"$status")
	ENGINE=$(jq -r .engine <<<"$status")
	export DOCKER_HOST=unix://$ENGINE
	info "cluster up: API $API, engine $ENGINE"
}
