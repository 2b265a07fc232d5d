#!/usr/bin/env bats
# Leader hand-over between two controllers on one ZooKeeper, each a
# drove-leader (running drove-monitor and drove-sched under s6-svscan while
# it leads) and a drove-httpd: a clean stop of the leader's drove-leader
# hands over in under 1 s, a kill -9 of the leader's whole controller
# within the session timeout + 0.5 s; the controllers write
# LEADERSHIP_ACQUIRED / LEADERSHIP_LOST; a hand-over rewrites nothing
# under applications, instances, requests, assignments or operations.

load helpers
bats_require_minimum_version 1.5.0

# zookeeper.sessionTimeout of the controllers, in seconds: well under the
# 10 s default, so that a kill -9 hand-over within it shows that the key
# is obeyed (the test ZooKeeper's tickTime of 500 ms allows 1..10 s).
SESSION=4

setup_file() { zk_start; }
teardown_file() { zk_stop; }

setup() {
	NS=ho$BATS_TEST_NUMBER
	D=$BATS_TEST_TMPDIR
}

# tree PID: PID and all its descendants.
tree() {
	local c
	echo "$1"
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		tree "$c"
	done
}

# Both controllers, whatever the test ended with.
teardown() {
	local n p
	for n in a b; do
		for p in "$D/$n/leader.pid" "$D/$n/httpd.pid"; do
			[ -s "$p" ] || continue
			# shellcheck disable=SC2046 # one pid per word
			kill $(tree "$(cat "$p")") 2>/dev/null || true
		done
	done
	sleep 0.3
	true
}

# ctl_up NAME HOSTNAME: controller NAME in $D/NAME (its own configuration,
# env and leader-service directories); NAME/api is its URL, NAME/leader.pid
# and NAME/httpd.pid its two programs.
ctl_up() {
	local n=$1 d=$D/$1 port s
	port=$(free_port)
	mkdir -p "$d/conf" "$d/env" "$d/logs" "$d/leader-service"
	cat >"$d/conf/controller.yml" <<-CFG
	server: {applicationConnectors: [{type: http, port: $port}], bindAddress: 127.0.0.1}
	zookeeper: {connectionString: "$ZK", nameSpace: $NS, sessionTimeout: ${SESSION}s}
	options: {hostname: $2}
	CFG
	echo "$d" >"$d/env/DROVE_RUN"
	echo "$d/conf" >"$d/env/DROVE_CONF_DIR"
	echo "$d/logs" >"$d/env/DROVE_LOG_DIR"
	echo "$BIN:/usr/sbin:/usr/bin:/sbin:/bin" >"$d/env/PATH"
	for s in drove-monitor drove-sched; do
		cp -R "$TOP/sv/sv-leader/$s" "$d/leader-service/$s"
		ln -s ../../env "$d/leader-service/$s/env"
	done
	echo "http://127.0.0.1:$port" >"$d/api"
	"$BIN/drove-httpd" -c "$d/conf/controller.yml" \
	    </dev/null >/dev/null 2>"$d/httpd.err" 3>&- &
	echo $! >"$d/httpd.pid"
	"$BIN/drove-leader" -c "$d/conf/controller.yml" -- \
	    s6-svscan "$d/leader-service" \
	    </dev/null >/dev/null 2>"$d/leader.err" 3>&- &
	echo $! >"$d/leader.pid"
	wait_until 10 grep -q 'leadership acquired\|standing by' "$d/leader.err"
}

# code NAME: the HTTP status of NAME's /apis/v1/ping
code() {
	curl -s -m 1 -o /dev/null -w '%{http_code}' "$(cat "$D/$1/api")/apis/v1/ping"
}

ping_ok() { [ "$(code "$1")" = 200 ]; }

# until_ping NAME SECS: poll NAME's ping every 10 ms until it answers 200;
# $MS is how long it took from $T0 (ms, date +%s%3N).
until_ping() {
	local end=$(($(date +%s%3N) + $2 * 1000))
	until ping_ok "$1"; do
		[ "$(date +%s%3N)" -lt "$end" ] || return 1
		sleep 0.01
	done
	MS=$(($(date +%s%3N) - T0))
}

# svc_up NAME: NAME's drove-monitor and drove-sched are up and ready.
svc_up() {
	local s
	for s in drove-monitor drove-sched; do
		s6-svok "$D/$1/leader-service/$s" 2>/dev/null || return 1
		[ "$(s6-svstat -o up,ready "$D/$1/leader-service/$s")" = "true true" ] || return 1
	done
}

# state: everything below the desired and observed state directories.
state() {
	local d
	for d in applications instances requests assignments operations; do
		zk_dump "/$NS/$d"
	done
}

# events TYPE: "HOSTNAME" of each stored event of TYPE, in order.
events() {
	local b e
	for b in $(drove-zkcli -z "$ZK" ls "/$NS/events" 2>/dev/null); do
		for e in $(drove-zkcli -z "$ZK" ls "/$NS/events/$b"); do
			drove-zkcli -z "$ZK" get "/$NS/events/$b/$e"
			echo
		done
	done | jq -r --arg t "$1" 'select(.type == $t) | .metadata.HOSTNAME'
}

# two controllers, a leading; an app created through a; its operation done
two_up() {
	ctl_up a host-a
	wait_until 10 ping_ok a
	wait_until 20 svc_up a
	ctl_up b host-b
	grep -q 'standing by' "$D/b/leader.err"
	[ "$(code b)" != 200 ]
	jq -c '.spec.name = "ho" | .instances = 0' "$TOP/examples/create.json" |
	    curl -sf -H 'Content-Type: application/json' --data-binary @- \
	    "$(cat "$D/a/api")/apis/v1/applications/operations" >"$D/create.out"
	# the CREATE is over once its operation record is gone
	wait_until 20 test -z "$(drove-zkcli -z "$ZK" ls "/$NS/operations")"
	state >"$D/before"
	grep -q ho-1 "$D/before"
}

@test "a clean stop of the leader hands over in under 1 s and rewrites nothing" {
	two_up
	T0=$(date +%s%3N)
	kill -TERM "$(cat "$D/a/leader.pid")"
	until_ping b 5
	echo "clean stop hand-over: $MS ms" >&3
	[ "$MS" -lt 1000 ]
	# a's drove-httpd, still running, no longer leads
	wait_until 5 sh -c "[ \"\$(curl -s -m 1 -o /dev/null -w '%{http_code}' $(cat "$D/a/api")/apis/v1/ping)\" != 200 ]"
	# a's leader programs are gone, b's are up
	wait_until 10 test -z "$(pgrep -f "s6-svscan $D/a/leader-service")"
	wait_until 20 svc_up b
	sleep 2
	state >"$D/after"
	diff "$D/before" "$D/after"
	# the events: a acquired, a lost, b acquired, in that order
	run events LEADERSHIP_ACQUIRED
	[ "$output" = "$(printf 'host-a\nhost-b')" ]
	run events LEADERSHIP_LOST
	[ "$output" = host-a ]
	# the old leader still answers reads
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$(cat "$D/a/api")/apis/v1/applications")" != 000 ]
}

@test "a kill -9 of the leader's controller hands over within the session timeout + 0.5 s" {
	two_up
	# the whole controller a: drove-httpd, drove-leader and its programs
	pids=$(for p in leader httpd; do tree "$(cat "$D/a/$p.pid")"; done)
	T0=$(date +%s%3N)
	# shellcheck disable=SC2086 # one pid per word
	kill -9 $pids
	until_ping b $((SESSION + 5))
	echo "kill -9 hand-over: $MS ms (session timeout ${SESSION} s)" >&3
	[ "$MS" -le $((SESSION * 1000 + 500)) ]
	wait_until 20 svc_up b
	sleep 2
	state >"$D/after"
	diff "$D/before" "$D/after"
	run events LEADERSHIP_ACQUIRED
	[ "$output" = "$(printf 'host-a\nhost-b')" ]
	# a could not say it lost the lead
	run events LEADERSHIP_LOST
	[ -z "$output" ]
}

@test "a bad zookeeper.sessionTimeout is a configuration error" {
	mkdir -p "$D/x"
	cat >"$D/x/c.yml" <<-CFG
	zookeeper: {connectionString: "$ZK", nameSpace: $NS, sessionTimeout: soon}
	CFG
	run drove-leader -c "$D/x/c.yml" -- true
	[ "$status" -eq 100 ]
	[[ "$output" == *zookeeper.sessionTimeout* ]]
	run drove-httpd -c "$D/x/c.yml"
	[ "$status" -eq 100 ]
	[[ "$output" == *zookeeper.sessionTimeout* ]]
}
