#!/usr/bin/env bats
# drove-leader: election, failover, and giving up when ZooKeeper goes away.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { zk_start; }
teardown_file() { zk_stop; }

# write_config: the candidates' configuration, on $ZK
write_config() {
	cat >"$BATS_TEST_TMPDIR/c.yml" <<CFG
zookeeper: {connectionString: "$ZK", nameSpace: lt$BATS_TEST_NUMBER}
server: {applicationConnectors: [{type: http, port: 4000}]}
options: {hostname: 127.0.0.1}
CFG
}

setup() {
	write_config
	NS=/lt$BATS_TEST_NUMBER
}

# Candidates, znode holders (pids in *.bg) and a test's own ZooKeeper go
# with the test, whatever it ended with.
teardown() {
	local f
	pkill -f "drove-leader -c $BATS_TEST_TMPDIR" 2>/dev/null || true
	for f in "$BATS_TEST_TMPDIR"/*.bg; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	[ -n "${OWN_ZK:-}" ] && zk_stop
	true
}

# start_leader NAME PORT: a candidate whose leader program writes a marker
start_leader() {
	local name=$1 port=$2
	drove-leader -c "$BATS_TEST_TMPDIR/c.yml" -p "$port" -- \
		sh -c "echo \$DROVE_LEADER_ZNODE >$BATS_TEST_TMPDIR/$name.leads; exec sleep 600" \
		2>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/$name.pid"
}

@test "usage errors exit 100" {
	run drove-leader -c "$BATS_TEST_TMPDIR/c.yml"
	[ "$status" -eq 100 ]
	run drove-leader -c /nonexistent.yml -- true
	[ "$status" -eq 100 ]
	[[ "$output" == *"/nonexistent.yml"* ]]
}

@test "the first candidate leads and exports its election znode" {
	start_leader a 4001
	wait_until 10 test -s "$BATS_TEST_TMPDIR/a.leads"
	znode=$(cat "$BATS_TEST_TMPDIR/a.leads")
	[[ "$znode" == "$NS/leaderselection/leader-"* ]]
	run drove-zkcli -z "$ZK" get "$znode"
	[ "$(echo "$output" | jq -r .port)" = 4001 ]
	[ "$(echo "$output" | jq -r .hostname)" = 127.0.0.1 ]
}

@test "a standby takes over at once when the leader stops" {
	start_leader a 4001
	wait_until 10 test -s "$BATS_TEST_TMPDIR/a.leads"
	start_leader b 4002
	wait_until 10 grep -q 'standing by' "$BATS_TEST_TMPDIR/b.err"
	[ ! -e "$BATS_TEST_TMPDIR/b.leads" ]
	kill "$(cat "$BATS_TEST_TMPDIR/a.pid")"
	wait_until 5 test -s "$BATS_TEST_TMPDIR/b.leads"
	# a's znode went with its session: only b is left
	run drove-zkcli -z "$ZK" ls "$NS/leaderselection"
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	# a's leader program was stopped with it
	run ! pgrep -f "$BATS_TEST_TMPDIR/a.leads"
}

@test "losing ZooKeeper stops the leader program and exits 111" {
	# a ZooKeeper of this test's own: it is stopped here
	OWN_ZK=1
	zk_start
	write_config
	start_leader a 4001
	wait_until 10 test -s "$BATS_TEST_TMPDIR/a.leads"
	pid=$(cat "$BATS_TEST_TMPDIR/a.pid")
	zk_stop
	wait_until 10 sh -c "! kill -0 $pid 2>/dev/null"
	wait "$pid" || rc=$?
	[ "${rc:-0}" -eq 111 ]
	run ! pgrep -f "$BATS_TEST_TMPDIR/a.leads"
	grep -q 'giving up leadership' "$BATS_TEST_TMPDIR/a.err"
}

@test "a leader program that exits makes drove-leader exit 111 and hand over" {
	drove-leader -c "$BATS_TEST_TMPDIR/c.yml" -p 4001 -- sh -c 'exit 0' 2>/dev/null 3>&- &
	pid=$!
	wait "$pid" || rc=$?
	[ "${rc:-0}" -eq 111 ]
	wait_until 5 sh -c "[ -z \"\$(drove-zkcli -z $ZK ls $NS/leaderselection)\" ]"
}

@test "a restarted controller removes its own earlier election znode and leads at once" {
	# a ghost of this controller (same hostname and port), still holding
	# a live session, would otherwise keep the lead until it times out
	printf '{"hostname":"127.0.0.1","port":4001}' |
		drove-zkcli -z "$ZK" put -e "$NS/leaderselection/leader-0000000000" >/dev/null 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/ghost.bg"
	wait_until 10 drove-zkcli -z "$ZK" get "$NS/leaderselection/leader-0000000000"
	start_leader a 4001
	wait_until 5 test -s "$BATS_TEST_TMPDIR/a.leads"
	grep -q 'removing leader-0000000000' "$BATS_TEST_TMPDIR/a.err"
}

@test "another controller's znode is left alone" {
	printf '{"hostname":"127.0.0.1","port":4009}' |
		drove-zkcli -z "$ZK" put -e "$NS/leaderselection/leader-0000000000" >/dev/null 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/other.bg"
	wait_until 10 drove-zkcli -z "$ZK" get "$NS/leaderselection/leader-0000000000"
	start_leader a 4001
	wait_until 10 grep -q 'standing by' "$BATS_TEST_TMPDIR/a.err"
	[ ! -e "$BATS_TEST_TMPDIR/a.leads" ]
}
