#!/usr/bin/env bats
# scripts/cluster with stand-in daemons: ZooKeeper, our own dockerd (on its
# own bridge), the test image, the sv/ templates under s6-svscan with the
# nested leader-service tree, status JSON, idempotent up/down, and nothing
# left running afterwards.  Needs root, java, dockerd, s6.
# setup_file brings the cluster up (its output is checked by a test), with
# a site's own controller and executor files (DROVE_*_CONFIG); the last
# test brings it down.

load helpers
bats_require_minimum_version 1.5.0
ROOT=$TOP

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	export DROVE_RUN="$T/run" DROVE_BIN="$T/bin" UP_TIMEOUT=60
	export ZK_PORT API_PORT LOGSTREAM_PORT
	ZK_PORT=$(free_port)
	API_PORT=$(free_port)
	LOGSTREAM_PORT=$(free_port)
	# a /24 no interface has (a bridge left by a killed run would
	# otherwise take the containers' route)
	for x in $(seq 150 249); do
		ip -4 -o addr show | grep -q " 172\.30\.$x\." || break
	done
	export DROVE_BRIDGE=drovet$((RANDOM % 1000)) DROVE_BRIDGE_CIDR=172.30.$x.1/24
	unset DROVE_ENGINE_SOCKET
	# a site's own files, given relative to the caller's directory
	printf 'userAuth: {enabled: false}\n' >"$T/ctl-local.yml"
	printf 'clusterAuth: {secrets: [{nodeType: CONTROLLER, secret: site-c}, {nodeType: EXECUTOR, secret: site-e}]}\n' \
	    >"$T/exec-local.yml"
	export DROVE_CONTROLLER_CONFIG=ctl-local.yml DROVE_EXECUTOR_CONFIG=$T/exec-local.yml
	mkdir -p "$DROVE_BIN" "$T/www/apis/v1"
	echo pong >"$T/www/apis/v1/ping"
	# drove-leader stand-in: no election, just runs the leader tree.
	cat >"$DROVE_BIN/drove-leader" <<-'EOF'
	#!/bin/sh
	while [ "$1" != -- ]; do shift; done; shift
	echo >&3; exec 3>&-
	DROVE_LEADER_ZNODE=/drove/leaderselection/leader-0000000000
	export DROVE_LEADER_ZNODE
	exec "$@"
	EOF
	cat >"$DROVE_BIN/drove-httpd" <<-EOF
	#!/bin/sh
	echo >&3; exec 3>&-
	exec busybox httpd -f -p 127.0.0.1:$API_PORT -h $T/www
	EOF
	for p in drove-execd drove-monitor drove-sched; do
		printf '#!/bin/sh\necho "%s leader=$DROVE_LEADER_ZNODE conf=$DROVE_CONF_DIR args=$*" >&2\necho >&3; exec 3>&-\nexec sleep 100000\n' "$p" >"$DROVE_BIN/$p"
	done
	printf '#!/bin/sh\necho reconciled >&2\n' >"$DROVE_BIN/drove-reconcile"
	cp "$ROOT/bin/drove-logstream" "$DROVE_BIN/"
	chmod +x "$DROVE_BIN"/*
	cp "$DROVE_BIN/drove-monitor" "$T/drove-monitor.orig"
	rc=0
	(cd "$T" && "$ROOT/scripts/cluster" up) >"$T/up.out" 2>"$T/up.err" || rc=$?
	# later ups run elsewhere
	export DROVE_CONTROLLER_CONFIG=$T/ctl-local.yml
	echo "$rc" >"$T/up.rc"
}

teardown_file() {
	"$ROOT/scripts/cluster" down >/dev/null 2>&1 || true
}

# A test that replaced the drove-monitor stand-in puts it back.
teardown() {
	if ! cmp -s "$T/drove-monitor.orig" "$DROVE_BIN/drove-monitor"; then
		cp "$T/drove-monitor.orig" "$DROVE_BIN/drove-monitor"
		s6-svc -u "$DROVE_RUN/leader-service/drove-monitor" 2>/dev/null
	fi
	true
}

@test "status of a cluster that is not running says down and exits 1" {
	run env DROVE_RUN="$BATS_TEST_TMPDIR/none" API_PORT="$(free_port)" \
	    ZK_PORT="$(free_port)" "$ROOT/scripts/cluster" status
	[ "$status" = 1 ]
	[ "$(jq -r .leader <<<"$output")" = false ]
	[ "$(jq -c .services <<<"$output")" = '{}' ]
}

@test "up starts everything and prints the status JSON" {
	[ "$(cat "$T/up.rc")" = 0 ] || { cat "$T/up.err"; false; }
	json=$(sed -n '/^{/,/^}/p' "$T/up.out")
	[ "$(jq -r .api <<<"$json")" = "http://127.0.0.1:$API_PORT" ]
	[ "$(jq -r .zookeeper <<<"$json")" = "127.0.0.1:$ZK_PORT" ]
	[ "$(jq -r .engine <<<"$json")" = "$DROVE_RUN/docker.sock" ]
	[ "$(jq -r .run <<<"$json")" = "$DROVE_RUN" ]
	[ "$(jq -r '[.services[]] | unique | join(",")' <<<"$json")" = up ]
	[ "$(jq -r '.services | keys | join(",")' <<<"$json")" = \
	    dockerd,drove-execd,drove-httpd,drove-leader,drove-logstream,drove-monitor,drove-sched,zookeeper ]
}

@test "ZooKeeper answers ruok and the API answers ping" {
	# not fd 3: bats owns it
	ans=$(exec 5<>"/dev/tcp/127.0.0.1/$ZK_PORT"; printf ruok >&5; read -r -t 2 a <&5; echo "$a")
	[ "$ans" = imok ]
	run curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$API_PORT/apis/v1/ping"
	[ "$output" = 200 ]
}

@test "the test image answers /health on our engine" {
	export DOCKER_HOST=unix://$DROVE_RUN/docker.sock
	cid=$(/usr/bin/docker run -d -p 127.0.0.1::8000 drove-test/web:1)
	port=
	# a container start on a loaded 2-core machine may take seconds
	for _ in $(seq 150); do
		port=$(/usr/bin/docker port "$cid" 8000/tcp | sed -n '1s/.*://p')
		[ -n "$port" ] && [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" = 200 ] && break
		sleep 0.1
	done
	run curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health"
	[ "$output" = 200 ]
	/usr/bin/docker rm -f "$cid" >/dev/null
}

@test "services read the envdir and the leader tree gets DROVE_LEADER_ZNODE" {
	run cat "$DROVE_RUN/logs/services/drove-sched/current"
	[[ "$output" == *"leader=/drove/leaderselection/leader-0000000000 conf=$DROVE_RUN/conf"* ]]
	run cat "$DROVE_RUN/logs/services/drove-execd/current"
	[[ "$output" == *reconciled* ]]
	grep -q "logPath: $DROVE_RUN/logs/instances" "$DROVE_RUN/conf/executor.yml"
	grep -q "port: $LOGSTREAM_PORT" "$DROVE_RUN/conf/executor.yml"
	grep -q "maxOpenFiles: 20000" "$DROVE_RUN/conf/executor.yml"
	grep -q "port: $API_PORT" "$DROVE_RUN/conf/controller.yml"
}

@test "DROVE_*_CONFIG: copied as *.local.yml, passed as a second -c" {
	cmp "$T/ctl-local.yml" "$DROVE_RUN/conf/controller.local.yml"
	cmp "$T/exec-local.yml" "$DROVE_RUN/conf/executor.local.yml"
	c="-c $DROVE_RUN/conf/controller.yml -c $DROVE_RUN/conf/controller.local.yml"
	grep -q -- "drove-sched .*args=$c -d 3" "$DROVE_RUN/logs/services/drove-sched/current"
	grep -q -- "drove-monitor .*args=$c -d 3" "$DROVE_RUN/logs/services/drove-monitor/current"
	e="-c $DROVE_RUN/conf/executor.yml -c $DROVE_RUN/conf/executor.local.yml"
	grep -q -- "drove-execd .*args=$e -d 3" "$DROVE_RUN/logs/services/drove-execd/current"
	# recorded, as absolute paths, for the next up
	grep -q "^DROVE_CONTROLLER_CONFIG=$T/ctl-local.yml\$" "$DROVE_RUN/cluster.env"
}

@test "the generated configurations share random cluster secrets" {
	for f in controller executor; do
		grep -A3 '^clusterAuth:' "$DROVE_RUN/conf/$f.yml" |
		    sed -n 's/.*nodeType: \([A-Z]*\), secret: "\([0-9a-f]*\)".*/\1 \2/p' >"$BATS_TEST_TMPDIR/$f"
	done
	[ "$(wc -l <"$BATS_TEST_TMPDIR/controller")" = 2 ]
	cmp "$BATS_TEST_TMPDIR/controller" "$BATS_TEST_TMPDIR/executor"
	[ "$(awk '{print length($2)}' "$BATS_TEST_TMPDIR/controller" | sort -u)" = 32 ]
	[ "$(awk '{print $2}' "$BATS_TEST_TMPDIR/controller" | sort -u | wc -l)" = 2 ]
}

@test "drove-logstream reads the merged files: the site's secrets, not the generated" {
	u=http://127.0.0.1:$LOGSTREAM_PORT/apis/v1/logs/filestream/a-1/AI-1/list
	gen=$(sed -n 's/.*nodeType: CONTROLLER, secret: "\(.*\)".*/\1/p' "$DROVE_RUN/conf/executor.yml")
	[ -n "$gen" ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$u")" = 401 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'NodeId: c' -H "Cluster-Authorization: $gen" "$u")" = 401 ]
	# authenticated: the instance has no logs (400), but no 401
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'NodeId: c' -H 'Cluster-Authorization: site-c' "$u")" = 400 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'NodeId: e' -H 'Cluster-Authorization: site-e' "$u")" = 400 ]
}

@test "a DROVE_*_CONFIG that cannot be read: up exits 100 with one line" {
	d=$BATS_TEST_TMPDIR/run
	run --separate-stderr env DROVE_RUN="$d" DROVE_CONTROLLER_CONFIG="$T/nope.yml" \
	    "$ROOT/scripts/cluster" up
	[ "$status" = 100 ]
	[ "${#stderr_lines[@]}" = 1 ]
	[[ "$stderr" == *"DROVE_CONTROLLER_CONFIG"*"$T/nope.yml"* ]]
	[ ! -e "$d" ]
	run --separate-stderr env DROVE_RUN="$d" DROVE_EXECUTOR_CONFIG="$T" \
	    "$ROOT/scripts/cluster" up
	[ "$status" = 100 ]
	[ "${#stderr_lines[@]}" = 1 ]
	[[ "$stderr" == *"DROVE_EXECUTOR_CONFIG"* ]]
	[ ! -e "$d" ]
}

@test "up again is idempotent" {
	run "$ROOT/scripts/cluster" up
	[ "$status" = 0 ]
	[[ "$output" == *"already running"* ]]
}

@test "a service exiting 100 stays down (finish maps it to 125)" {
	printf '#!/bin/sh\nexit 100\n' >"$DROVE_BIN/drove-monitor"
	s6-svc -k "$DROVE_RUN/leader-service/drove-monitor"
	sleep 2.5
	run s6-svstat -o up,exitcode "$DROVE_RUN/leader-service/drove-monitor"
	[ "$output" = "false 100" ]
}

@test "down stops everything, removes containers, leaves nothing behind" {
	run "$ROOT/scripts/cluster" up
	[ "$status" = 0 ]
	# a container left running: down must remove it
	cid=$(DOCKER_HOST=unix://$DROVE_RUN/docker.sock /usr/bin/docker run -d \
	    drove-test/web:1)
	[ -d "$DROVE_RUN/docker/containers/$cid" ]
	run "$ROOT/scripts/cluster" down
	[ "$status" = 0 ]
	run ! pgrep -f "$DROVE_RUN/"
	run ! ip link show "$DROVE_BRIDGE"
	[ ! -d "$DROVE_RUN/docker/containers/$cid" ]
	run "$ROOT/scripts/cluster" down
	[ "$status" = 0 ]
}
