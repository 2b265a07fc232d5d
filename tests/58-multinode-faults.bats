#!/usr/bin/env bats
# Faults on a cluster of many machines on one (scripts/cluster: 3
# executors, 2 controllers, a ZooKeeper ensemble of 3): an executor lost
# (its instances run again elsewhere, nothing twice when it returns), an
# executor blacklisted (its instances move away, it gets no placement), a
# leader hand-over and a ZooKeeper server killed (no container restarted).
# Each test deploys its own app and removes it.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { cluster_start_multi; }

teardown_file() { cluster_stop; }

# $ST the status, $API the leader's URL
leader_api() {
	ST=$("$TOP/scripts/cluster" status) || true
	API=$(jq -r '.controllers[] | select(.leader) | .api' <<<"$ST" | head -1)
	[ -n "$API" ] && [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$API/apis/v1/ping")" = 200 ]
}

setup() {
	local s
	for s in "$DROVE_RUN"/service/drove-* "$DROVE_RUN"/service/zookeeper*; do
		s6-svc -u "$s" 2>/dev/null || true
	done
	wait_until 60 leader_api
	for e in $(curl -s "$API/apis/v1/cluster/executors" | jq -r '.data[].executorId'); do
		curl -s -X POST "$API/apis/v1/cluster/executors/$e/unblacklist" >/dev/null
	done
	wait_until 60 sh -c "curl -s $API/apis/v1/cluster/executors | jq -e '[.data[] | select(.state == \"ACTIVE\")] | length == 3'"
	APP=f$BATS_TEST_NUMBER
	ID=$APP-1
}

teardown() {
	leader_api || true
	curl -s -X POST "$API/apis/v1/applications/operations/$ID/cancel" >/dev/null
	wait_until 30 sh -c "curl -s $API/apis/v1/applications/$ID | jq -e '.data.currentOperation == null'" || true
	op "{\"type\":\"SUSPEND\",\"appId\":\"$ID\"}" || true
	wait_until 30 sh -c "curl -s $API/apis/v1/applications/$ID | jq -e '.status == \"FAILED\" or .data.state == \"MONITORING\"'" || true
	op "{\"type\":\"DESTROY\",\"appId\":\"$ID\"}" || true
}

op() {
	printf '%s' "$1" >"$BATS_TEST_TMPDIR/op.json"
	curl -s -H 'Content-Type: application/json' \
	    --data-binary @"$BATS_TEST_TMPDIR/op.json" \
	    "$API/apis/v1/applications/operations" | jq -e '.status == "SUCCESS"' >/dev/null
}

# deploy N: $ID with N HEALTHY instances
deploy() {
	op "$(jq -c --arg n "$APP" --argjson k "$1" '.spec.name = $n |
	    .spec.exposureSpec.vhost = "\($n).local" | .instances = $k |
	    .opSpec.parallelism = $k' "$TOP/examples/create.json")"
	wait_until 90 healthy_is "$1"
}

instances() { curl -s "$API/apis/v1/applications/$ID/instances"; }
healthy_ids() {
	instances | jq -r '[.data[] | select(.state == "HEALTHY") | .instanceId] | sort | .[]'
}
healthy_is() { [ "$(healthy_ids | grep -c .)" = "$1" ]; }
settled() {
	healthy_is "$1" && curl -s "$API/apis/v1/applications/$ID" |
	    jq -e '.data.state == "RUNNING" and (.data | has("currentOperation") | not)' >/dev/null
}
# "instanceId container-id" of the app's running containers, sorted
containers() {
	/usr/bin/docker ps --no-trunc --filter label=drove.instance.id \
	    --format '{{.Label "drove.instance.info"}} {{.ID}}' |
	    jq -rR --arg a "$ID" 'capture("^(?<j>.*) (?<c>[0-9a-f]+)$") |
	        (.j | fromjson) as $i | select($i.appId == $a) |
	        "\($i.instanceId) \(.c)"' | sort
}
# the executor that runs the most of the app's HEALTHY instances
busiest() {
	instances | jq -r '[.data[] | select(.state == "HEALTHY") | .executorId] |
	    group_by(.) | max_by(length) | .[0]'
}
service_of() { jq -r --arg e "$1" '.executors[] | select(.executorId == $e) | .service' <<<"$ST"; }

@test "an executor lost: its instances HEALTHY on the others, nothing twice when it returns" {
	deploy 4
	eid=$(busiest)
	svc=$DROVE_RUN/service/$(service_of "$eid")
	s6-svc -d "$svc"
	# LOST after the grace, replaced on the two others
	wait_until 60 sh -c "curl -s $API/apis/v1/applications/$ID/instances/old | jq -e '[.data[] | select(.state == \"LOST\")] | length >= 1'"
	wait_until 90 settled 4
	run instances
	echo "$output" | jq -e --arg e "$eid" '[.data[] | select(.state == "HEALTHY" and .executorId == $e)] | length == 0'
	# back: it reaps what it ran; each instance runs once
	s6-svc -u "$svc"
	s6-svwait -U -t 30000 "$svc"
	want=$(healthy_ids | tr '\n' ' ')
	wait_until 60 sh -c "[ \"\$(/usr/bin/docker ps --filter label=drove.instance.id --format '{{.Label \"drove.instance.info\"}}' | jq -r 'select(.appId == \"$ID\") | .instanceId' | sort | tr '\n' ' ')\" = '$want' ]"
}

@test "a blacklisted executor: its instances move away, it gets no placement, unblacklist makes it ACTIVE" {
	deploy 3
	eid=$(busiest)
	run curl -s -X POST "$API/apis/v1/cluster/executors/$eid/blacklist"
	echo "$output" | jq -e --arg e "$eid" '.data.successful == [$e]'
	wait_until 90 sh -c "curl -s $API/apis/v1/cluster/executors/$eid | jq -e '.data.executorState == \"BLACKLISTED\"'"
	wait_until 60 settled 3
	run instances
	echo "$output" | jq -e --arg e "$eid" '[.data[] | select(.executorId == $e)] | length == 0'
	# new placements avoid it
	op "{\"type\":\"SCALE\",\"appId\":\"$ID\",\"requiredInstances\":5,\"opSpec\":{\"timeout\":\"5m\",\"parallelism\":5,\"failureStrategy\":\"STOP\"}}"
	wait_until 90 settled 5
	run instances
	echo "$output" | jq -e --arg e "$eid" '[.data[] | select(.executorId == $e)] | length == 0'
	run curl -s -X POST "$API/apis/v1/cluster/executors/unblacklist?id=$eid"
	echo "$output" | jq -e --arg e "$eid" '.data.successful == [$e]'
	wait_until 30 sh -c "curl -s $API/apis/v1/cluster/executors/$eid | jq -e '.data.executorState == \"ACTIVE\"'"
}

@test "a leader hand-over restarts no container" {
	deploy 3
	before=$(containers)
	[ "$(echo "$before" | grep -c .)" = 3 ]
	old=$API
	lsvc=$(jq -r '.controllers[] | select(.leader) | .service' <<<"$ST")
	s6-svc -d "$DROVE_RUN/service/$lsvc"
	wait_until 30 sh -c '"$TOP/scripts/cluster" status | jq -e "[.controllers[] | select(.leader)] | length == 1"'
	wait_until 30 leader_api
	[ "$API" != "$old" ]
	sleep 3
	[ "$(containers)" = "$before" ]
	settled 3
}

@test "one ZooKeeper server killed, the ensemble's leader included: the cluster works, no container restarted" {
	deploy 2
	before=$(containers)
	# the ZooKeeper leader
	for hp in $(jq -r '.zookeeper | split(",") | .[]' <<<"$ST"); do
		m=$(timeout 3 bash -c 'exec 4<>"/dev/tcp/127.0.0.1/$1"; printf srvr >&4; cat <&4' _ "${hp#*:}" |
		    sed -n 's/^Mode: //p')
		[ "$m" = leader ] && port=${hp#*:}
	done
	[ -n "$port" ]
	pid=
	for z in "$DROVE_RUN"/service/zookeeper*; do
		p=$(s6-svstat -o pid "$z")
		ss -ltnp 2>/dev/null | grep -q ":$port .*pid=$p," && pid=$p
	done
	[ -n "$pid" ]
	kill -9 "$pid"
	sleep 2
	wait_until 60 leader_api
	# still works: a scale up
	op "{\"type\":\"SCALE\",\"appId\":\"$ID\",\"requiredInstances\":3,\"opSpec\":{\"timeout\":\"5m\",\"parallelism\":1,\"failureStrategy\":\"STOP\"}}"
	wait_until 90 settled 3
	# the first two were never restarted
	[ -z "$(comm -23 <(echo "$before") <(containers))" ]
}
