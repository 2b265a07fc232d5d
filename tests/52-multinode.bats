#!/usr/bin/env bats
# scripts/cluster with many nodes on one machine: 3 executors, 2
# controllers and a ZooKeeper ensemble of 3, the real daemons on the
# shared engine.  Status names every part; the executors are distinct
# (their own executorIds, placements and s6 services); one controller
# leads; down leaves no process.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { cluster_start_multi; }

teardown_file() { cluster_stop; }

# Every test: the cluster's status in $ST, $API the leader's URL.
setup() {
	cluster_leader
}

# A test that stopped a service brings it back.
teardown() {
	local s
	for s in "$DROVE_RUN"/service/drove-*; do
		[ -e "$s/down" ] && continue
		s6-svc -u "$s" 2>/dev/null || true
	done
	true
}

code_of() {
	curl -s -m 5 -o /dev/null -w '%{http_code}' "$1/apis/v1/ping"
}

@test "status names the three executors, two controllers, three ZooKeepers" {
	run "$TOP/scripts/cluster" status
	[ "$status" = 0 ]
	st=$output
	[ "$(jq '.executors | length' <<<"$st")" = 3 ]
	[ "$(jq '[.executors[].executorId] | unique | length' <<<"$st")" = 3 ]
	[ "$(jq '[.executors[].url] | unique | length' <<<"$st")" = 3 ]
	[ "$(jq -r '[.executors[].service] | join(" ")' <<<"$st")" = \
	    "drove-execd drove-execd-2 drove-execd-3" ]
	[ "$(jq -r '.executors[0].url' <<<"$st")" = \
	    "http://127.0.0.1:$LOGSTREAM_PORT" ]
	[ "$(jq '.controllers | length' <<<"$st")" = 2 ]
	[ "$(jq -r '[.controllers[].service] | join(" ")' <<<"$st")" = \
	    "drove-leader drove-leader-2" ]
	[ "$(jq -r '.controllers[0].api' <<<"$st")" = \
	    "http://127.0.0.1:$API_PORT" ]
	for s in $(jq -r '.executors[].service, .controllers[].service' <<<"$st"); do
		[ "$(s6-svstat -o up,ready "$DROVE_RUN/service/$s")" = "true true" ]
	done
	[[ "$(jq -r .zookeeper <<<"$st")" =~ ^127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+$ ]]
	# every executor has its own config, instance log directory and
	# logstream, whose port is in its executorId
	for i in 0 1 2; do
		url=$(jq -r ".executors[$i].url" <<<"$st")
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/apis/v1/logs/x/y/list")" != 000 ]
	done
	[ "$(grep -h logPath "$DROVE_RUN"/conf/executor*.yml "$DROVE_RUN"/conf/executor-*/executor.yml | sort -u | wc -l)" = 3 ]
}

@test "the three ZooKeeper servers form one ensemble" {
	modes=
	for hp in $(jq -r '.zookeeper | split(",") | .[]' <<<"$ST"); do
		m=$(timeout 3 bash -c 'exec 4<>"/dev/tcp/127.0.0.1/$1"; printf srvr >&4; cat <&4' _ "${hp#*:}" |
		    sed -n 's/^Mode: //p')
		modes="$modes $m"
	done
	[ "$(tr ' ' '\n' <<<"$modes" | sed '/^$/d' | sort | tr '\n' ' ')" = \
	    "follower follower leader " ]
}

@test "three distinct executors are registered with the cluster" {
	want=$(jq -r '[.executors[].executorId] | sort | join(" ")' <<<"$ST")
	wait_until 30 sh -c "[ \"\$(curl -s $API/apis/v1/cluster/executors | jq -r '[.data[].executorId] | sort | join(\" \")')\" = '$want' ]"
}

@test "exactly one controller leads: ping 200 there, 400 on the other" {
	codes=
	for u in $(jq -r '.controllers[].api' <<<"$ST"); do
		c=$(code_of "$u")
		codes="$codes $c"
		[ "$c" = 200 ] && [ "$u" = "$API" ]
	done
	[ "$(tr ' ' '\n' <<<"$codes" | sed '/^$/d' | sort | tr '\n' ' ')" = "200 400 " ]
	[ "$(jq '[.controllers[] | select(.leader)] | length' <<<"$ST")" = 1 ]
	[ "$(jq -r '.controllers[] | select(.leader) | .api' <<<"$ST")" = "$API" ]
}

@test "ONE_PER_HOST puts one instance on each executor" {
	spec=$(jq -c '.spec.name = "oneper" | .spec.exposureSpec.vhost = "oneper.local" |
	    .instances = 3 | .spec.placementPolicy = {type: "ONE_PER_HOST"}' \
	    "$TOP/examples/create.json")
	run curl -s -H 'Content-Type: application/json' -d "$spec" \
	    "$API/apis/v1/applications/operations"
	[ "$(jq -r .status <<<"$output")" = SUCCESS ]
	wait_until 90 sh -c "[ \"\$(curl -s $API/apis/v1/applications/oneper-1/instances | jq '[.data[] | select(.state == \"HEALTHY\")] | length')\" = 3 ]"
	run curl -s "$API/apis/v1/applications/oneper-1/instances"
	[ "$(jq -r '[.data[].executorId] | sort | join(" ")' <<<"$output")" = \
	    "$(jq -r '[.executors[].executorId] | sort | join(" ")' <<<"$ST")" ]
	# each container is labelled with the executor that runs it
	for iid in $(jq -r '.data[].instanceId' <<<"$output"); do
		eid=$(jq -r --arg i "$iid" '.data[] | select(.instanceId == $i) | .executorId' <<<"$output")
		[ "$(/usr/bin/docker ps -q --filter "label=drove.instance.id=$iid" \
		    --filter "label=drove.executor.id=$eid" | wc -l)" = 1 ]
	done
}

@test "s6-svc -d of one executor's service stops only that executor" {
	svc=$DROVE_RUN/service/$(jq -r '.executors[1].service' <<<"$ST")
	declare -A pid
	for s in $(jq -r '.executors[].service' <<<"$ST"); do
		pid[$s]=$(s6-svstat -o pid "$DROVE_RUN/service/$s")
		[ "${pid[$s]}" -gt 0 ]
	done
	victim=${pid[${svc##*/}]}
	grep -q drove-execd "/proc/$victim/cmdline"
	s6-svc -d "$svc"
	s6-svwait -D -t 20000 "$svc"
	run ! kill -0 "$victim"
	for s in "${!pid[@]}"; do
		[ "$DROVE_RUN/service/$s" = "$svc" ] && continue
		[ "$(s6-svstat -o pid "$DROVE_RUN/service/$s")" = "${pid[$s]}" ]
		kill -0 "${pid[$s]}"
	done
	# and up again: a new process of the same executor
	s6-svc -u "$svc"
	s6-svwait -U -t 30000 "$svc"
	[ "$(s6-svstat -o up,ready "$svc")" = "true true" ]
}

@test "down stops every member and leaves no process behind" {
	run "$TOP/scripts/cluster" up
	[ "$status" = 0 ] || { echo "$output"; tail -n 5 "$DROVE_RUN"/logs/services/*/current; false; }
	run "$TOP/scripts/cluster" down
	[ "$status" = 0 ]
	run ! pgrep -f "$DROVE_RUN/"
	for p in /proc/[0-9]*; do
		c=$(readlink "$p/cwd" 2>/dev/null) || continue
		[[ "$c/" != "$DROVE_RUN/"* ]]
	done
	run "$TOP/scripts/cluster" status
	[ "$status" = 1 ]
	[ "$(jq -r .leader <<<"$output")" = false ]
}
