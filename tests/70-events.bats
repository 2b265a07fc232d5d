#!/usr/bin/env bats
# Events on a real local cluster (scripts/cluster: ZooKeeper, Docker
# engine, the drove daemons under s6): the INSTANCE_STATE_CHANGE events of
# a deployment, Drove's polling reads (/cluster/events, /latest, /summary)
# and the push stream (/cluster/events/stream, Server-Sent Events).  Each
# test brings what it needs (deploy_two: hello-1 with 2 HEALTHY instances).

load helpers
bats_require_minimum_version 1.5.0

setup_file() { cluster_start; }
teardown_file() { cluster_stop; }


# A test that stopped drove-leader or drove-httpd does not leave it down.
setup() {
	s6-svc -u "$DROVE_RUN/service/drove-leader"
	s6-svc -u "$DROVE_RUN/service/drove-httpd"
	wait_until 30 ping_is 200
}

# Streams a test started in the background end with it.
teardown() {
	local p
	for p in "$BATS_TEST_TMPDIR"/*.pid; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true
	done
}

post() {
	curl -s -m 10 -o "$BATS_TEST_TMPDIR/post.out" -w "%{http_code}" -X POST \
		-H 'Content-Type: application/json' --data-binary @"$1" \
		"$API/apis/v1/applications/operations"
}

healthy_is() {
	[ "$(curl -s -m 5 "$API/apis/v1/applications/hello-1/instances" |
		jq '[.data[] | select(.state == "HEALTHY")] | length')" = "$1" ]
}

scale_to() {
	printf '{"type":"SCALE","appId":"hello-1","requiredInstances":%d}' "$1" \
		>"$BATS_TEST_TMPDIR/scale.json"
	code=$(post "$BATS_TEST_TMPDIR/scale.json")
	[ "$code" = 200 ] || { echo "SCALE: $code $(cat "$BATS_TEST_TMPDIR/post.out")"; return 1; }
	wait_until 60 healthy_is "$1" || { echo "not $1 HEALTHY"; get /apis/v1/applications/hello-1/instances; return 1; }
}

# settled: every instance's newest event is HEALTHY, STOPPED or LOST (what
# a scale down stops sends its events for a while), then nothing new for 1 s
busy() {
	get '/apis/v1/cluster/events?size=100000' | jq -e '[.data[] |
		select(.type == "INSTANCE_STATE_CHANGE")] | group_by(.metadata.INSTANCE_ID) |
		map(.[0].metadata.CURRENT_STATE) |
		all(. == "HEALTHY" or . == "STOPPED" or . == "LOST") | not' >/dev/null
}
quiet() { ! busy; }
settle() {
	local before i
	for i in 1 2 3 4 5; do
		wait_until 60 quiet || return 1
		before=$(get /apis/v1/cluster/events/summary | jq -c .data)
		sleep 1
		[ "$(get /apis/v1/cluster/events/summary | jq -c .data)" = "$before" ] && return 0
	done
	return 1
}

# deploy_two: hello-1 exists (CREATE if not) with 2 HEALTHY instances, and
# the events of getting there are all in
deploy_two() {
	# an unknown app answers 200 with status FAILED, as in Drove
	if [ "$(get /apis/v1/applications/hello-1 | jq -r .status)" != SUCCESS ]; then
		code=$(post "$TOP/examples/create.json")
		[ "$code" = 200 ] || { echo "CREATE: $code $(cat "$BATS_TEST_TMPDIR/post.out")"; return 1; }
	fi
	scale_to 2
	settle
}

# get PATH: the body of a GET (the whole envelope)
get() { curl -s -m 10 "$API$1"; }

# sse SECONDS PATH [curl args]: what a stream sends in SECONDS
sse() {
	local t=$1 p=$2
	shift 2
	curl -sN -m "$t" "$@" "$API$p" || true
}

# ids: the "id:" values of a stream's text on stdin
ids() { sed -n 's/^id: //p'; }

# every event ever retained, in commit order (the stream's replay)
all_ids() { sse 3 '/apis/v1/cluster/events/stream?lastSyncTime=0' | ids; }

@test "a deployment emits INSTANCE_STATE_CHANGE events PENDING to HEALTHY with Drove's metadata" {
	deploy_two
	get '/apis/v1/cluster/events?size=100000' >"$BATS_TEST_TMPDIR/ev.json"
	[ "$(jq -r .status "$BATS_TEST_TMPDIR/ev.json")" = SUCCESS ]
	for iid in $(get /apis/v1/applications/hello-1/instances | jq -r '.data[].instanceId'); do
		# oldest first: the lifecycle in order
		states=$(jq -r --arg i "$iid" '[.data[] | select(.type == "INSTANCE_STATE_CHANGE" and
			.metadata.INSTANCE_ID == $i) | .metadata.CURRENT_STATE] | reverse | join(",")' \
			"$BATS_TEST_TMPDIR/ev.json")
		echo "$iid: $states"
		[ "$states" = PENDING,PROVISIONING,STARTING,UNREADY,READY,HEALTHY ]
		jq -e --arg i "$iid" '[.data[] | select(.metadata.INSTANCE_ID == $i)] | all(
			(keys == ["id","metadata","time","type"]) and (.time | type == "number") and
			(.metadata | keys == ["APP_ID","APP_NAME","CREATED","CURRENT_STATE","ERROR",
				"EXECUTOR_HOST","EXECUTOR_ID","INSTANCE_ID","PORTS"]) and
			.metadata.APP_ID == "hello-1" and .metadata.APP_NAME == "hello" and
			(.metadata.EXECUTOR_ID | length > 0) and (.metadata.CREATED | type == "number"))' \
			"$BATS_TEST_TMPDIR/ev.json"
		jq -e --arg i "$iid" '[.data[] | select(.metadata.INSTANCE_ID == $i and
			.metadata.CURRENT_STATE == "HEALTHY")][0].metadata.PORTS | test("^main:[0-9]+:http$")' \
			"$BATS_TEST_TMPDIR/ev.json"
	done
	# every event has its own id
	jq -e '[.data[].id] | length == (unique | length)' "$BATS_TEST_TMPDIR/ev.json"
}

@test "the events are newest first, in commit order, and /events is /latest's list" {
	deploy_two
	get '/apis/v1/cluster/events/latest?size=100000' | jq -r '.data.events[].id' >"$BATS_TEST_TMPDIR/latest"
	get '/apis/v1/cluster/events?size=100000' | jq -r '.data[].id' >"$BATS_TEST_TMPDIR/old"
	sse 3 '/apis/v1/cluster/events/stream?lastSyncTime=0' |
		sed -n 's/^data: //p' | jq -r .id | tac >"$BATS_TEST_TMPDIR/stream"
	[ -s "$BATS_TEST_TMPDIR/latest" ]
	diff "$BATS_TEST_TMPDIR/latest" "$BATS_TEST_TMPDIR/old"
	diff "$BATS_TEST_TMPDIR/latest" "$BATS_TEST_TMPDIR/stream"
}

@test "latest: lastSyncTime is the newest event time, and only newer events come back" {
	deploy_two
	get '/apis/v1/cluster/events/latest?size=100000' >"$BATS_TEST_TMPDIR/all.json"
	newest=$(jq '[.data.events[].time] | max' "$BATS_TEST_TMPDIR/all.json")
	[ "$(jq .data.lastSyncTime "$BATS_TEST_TMPDIR/all.json")" = "$newest" ]

	# nothing newer than the newest: no events, lastSyncTime unchanged
	run get "/apis/v1/cluster/events/latest?lastSyncTime=$newest"
	[ "$(echo "$output" | jq -c .data)" = "{\"events\":[],\"lastSyncTime\":$newest}" ]
	# a time in the future comes back as it was sent
	future=$((newest + 100000))
	run get "/apis/v1/cluster/events/latest?lastSyncTime=$future"
	[ "$(echo "$output" | jq -c .data)" = "{\"events\":[],\"lastSyncTime\":$future}" ]

	# a time in the middle: exactly the events newer than it, in order
	mid=$(jq '[.data.events[].time] | sort | .[length / 2 | floor]' "$BATS_TEST_TMPDIR/all.json")
	want=$(jq -c --argjson t "$mid" '[.data.events[] | select(.time > $t) | .id]' "$BATS_TEST_TMPDIR/all.json")
	run get "/apis/v1/cluster/events/latest?lastSyncTime=$mid"
	[ "$(echo "$output" | jq -c '[.data.events[].id]')" = "$want" ]
	[ "$(echo "$output" | jq .data.lastSyncTime)" = "$newest" ]
	[ "$(echo "$want" | jq length)" -ge 1 ]
	[ "$(echo "$want" | jq length)" -lt "$(jq '.data.events | length' "$BATS_TEST_TMPDIR/all.json")" ]
}

@test "size keeps the newest events only" {
	deploy_two
	get '/apis/v1/cluster/events/latest?size=100000' >"$BATS_TEST_TMPDIR/all.json"
	[ "$(jq '.data.events | length' "$BATS_TEST_TMPDIR/all.json")" -gt 3 ]
	run get '/apis/v1/cluster/events/latest?size=3'
	[ "$(echo "$output" | jq -c '[.data.events[].id]')" = "$(jq -c '[.data.events[:3][].id]' "$BATS_TEST_TMPDIR/all.json")" ]
	run get '/apis/v1/cluster/events?size=1'
	[ "$(echo "$output" | jq -c '[.data[].id]')" = "$(jq -c '[.data.events[:1][].id]' "$BATS_TEST_TMPDIR/all.json")" ]
	run get '/apis/v1/cluster/events?size=0'
	[ "$(echo "$output" | jq -c .data)" = '[]' ]
	# the default size is 1024
	run get '/apis/v1/cluster/events'
	[ "$(echo "$output" | jq '.data | length')" = "$(jq '.data.events | length | if . > 1024 then 1024 else . end' "$BATS_TEST_TMPDIR/all.json")" ]
}

@test "summary counts the events newer than lastSyncTime by type" {
	deploy_two
	# the two reads are not one snapshot: another writer's event may land
	# between them, so the comparison is tried a few times
	for _ in 1 2 3 4 5; do
		get '/apis/v1/cluster/events/latest?size=100000' >"$BATS_TEST_TMPDIR/all.json"
		want=$(jq -S -c '.data.events | group_by(.type) | map({key: .[0].type, value: length}) | from_entries' \
			"$BATS_TEST_TMPDIR/all.json")
		newest=$(jq .data.lastSyncTime "$BATS_TEST_TMPDIR/all.json")
		run get /apis/v1/cluster/events/summary
		[ "$(echo "$output" | jq -S -c '.data.eventsCount')" = "$want" ] && break
		sleep 0.5
	done
	[ "$(echo "$output" | jq -S -c '.data.eventsCount')" = "$want" ]
	[ "$(echo "$output" | jq '.data.lastSyncTime')" = "$newest" ]
	echo "$output" | jq -e '.data.eventsCount.INSTANCE_STATE_CHANGE >= 12'
	run get "/apis/v1/cluster/events/summary?lastSyncTime=$newest"
	[ "$(echo "$output" | jq -c .data)" = "{\"eventsCount\":{},\"lastSyncTime\":$newest}" ]
}

@test "bad numbers get Drove's 400 envelope" {
	for q in 'events?lastSyncTime=abc' 'events?size=-1' 'events/latest?size=1x' \
	    'events/summary?lastSyncTime=-5' 'events/stream?lastSyncTime=x'; do
		run curl -s -m 5 -w '\n%{http_code}' "$API/apis/v1/cluster/$q"
		echo "$q: $output"
		[ "${lines[1]}" = 400 ]
		[ "$(echo "${lines[0]}" | jq -r .status)" = FAILED ]
		[ "$(echo "${lines[0]}" | jq -r .message)" = "Command validation failure" ]
	done
	run curl -s -m 5 -w '\n%{http_code}' -H 'Last-Event-ID: nope' "$API/apis/v1/cluster/events/stream"
	[ "${lines[1]}" = 400 ]
}

@test "the stream pushes new events as id/event/data blocks" {
	deploy_two
	curl -sN -m 60 -D "$BATS_TEST_TMPDIR/headers" "$API/apis/v1/cluster/events/stream" \
		>"$BATS_TEST_TMPDIR/s" 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/s.pid"
	wait_until 10 grep -q '^: drove events' "$BATS_TEST_TMPDIR/s"
	# no replay without Last-Event-ID
	run ! grep -q '^id:' "$BATS_TEST_TMPDIR/s"
	grep -qi '^content-type: text/event-stream' "$BATS_TEST_TMPDIR/headers"
	scale_to 3
	wait_until 20 grep -q '"CURRENT_STATE":"HEALTHY"' "$BATS_TEST_TMPDIR/s"
	kill "$(cat "$BATS_TEST_TMPDIR/s.pid")"
	# each event: id, event, data (one line of JSON), blank line
	awk '/^id: / { id = $2; getline ev; getline data; getline blank
		if (ev !~ /^event: [A-Z_]+$/ || data !~ /^data: \{/ || blank != "") exit 1
		n++ } END { exit n < 6 }' "$BATS_TEST_TMPDIR/s"
	sed -n 's/^data: //p' "$BATS_TEST_TMPDIR/s" >"$BATS_TEST_TMPDIR/data"
	paste -d' ' <(sed -n 's/^event: //p' "$BATS_TEST_TMPDIR/s") \
		<(jq -r .type "$BATS_TEST_TMPDIR/data") | awk '$1 != $2 { exit 1 }'
	# the new instance's whole lifecycle, in order, ids increasing
	new=$(jq -r 'select(.metadata.CURRENT_STATE == "PENDING") | .metadata.INSTANCE_ID' "$BATS_TEST_TMPDIR/data")
	[ -n "$new" ]
	[ "$(jq -r --arg i "$new" 'select(.metadata.INSTANCE_ID == $i) | .metadata.CURRENT_STATE' \
		"$BATS_TEST_TMPDIR/data" | paste -sd,)" = PENDING,PROVISIONING,STARTING,UNREADY,READY,HEALTHY ]
	ids <"$BATS_TEST_TMPDIR/s" >"$BATS_TEST_TMPDIR/ids"
	sort -n -c "$BATS_TEST_TMPDIR/ids"
	[ -z "$(uniq -d "$BATS_TEST_TMPDIR/ids")" ]
}

@test "a client that reconnects with Last-Event-ID gets exactly the events it missed" {
	deploy_two
	curl -sN -m 60 "$API/apis/v1/cluster/events/stream" >"$BATS_TEST_TMPDIR/s" 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/s.pid"
	wait_until 10 grep -q '^: drove events' "$BATS_TEST_TMPDIR/s"
	printf '{"type":"SCALE","appId":"hello-1","requiredInstances":3}' >"$BATS_TEST_TMPDIR/three.json"
	[ "$(post "$BATS_TEST_TMPDIR/three.json")" = 200 ]
	# disconnected after the first event
	wait_until 20 grep -q '^id:' "$BATS_TEST_TMPDIR/s"
	kill "$(cat "$BATS_TEST_TMPDIR/s.pid")"
	wait_until 60 healthy_is 3
	last=$(ids <"$BATS_TEST_TMPDIR/s" | tail -1)
	sse 3 /apis/v1/cluster/events/stream -H "Last-Event-ID: $last" | ids >"$BATS_TEST_TMPDIR/got"
	all_ids | awk -v l="$last" '$1 > l' >"$BATS_TEST_TMPDIR/want"
	cat "$BATS_TEST_TMPDIR/got"
	[ -s "$BATS_TEST_TMPDIR/want" ]
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	# the query form is the same
	sse 3 "/apis/v1/cluster/events/stream?lastEventId=$last" | ids >"$BATS_TEST_TMPDIR/got2"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got2"
	# an id in the middle of the retained ones: the rest of them
	mid=$(all_ids | sed -n 3p)
	sse 3 /apis/v1/cluster/events/stream -H "Last-Event-ID: $mid" | ids >"$BATS_TEST_TMPDIR/got3"
	diff <(all_ids | awk -v l="$mid" '$1 > l') "$BATS_TEST_TMPDIR/got3"
}

@test "the stream replays by lastSyncTime, then goes live" {
	deploy_two
	get '/apis/v1/cluster/events/latest?size=100000' >"$BATS_TEST_TMPDIR/all.json"
	mid=$(jq '[.data.events[].time] | sort | .[length / 2 | floor]' "$BATS_TEST_TMPDIR/all.json")
	sse 3 "/apis/v1/cluster/events/stream?lastSyncTime=$mid" |
		sed -n 's/^data: //p' | jq -r .id >"$BATS_TEST_TMPDIR/got"
	jq -r --argjson t "$mid" '[.data.events[] | select(.time > $t) | .id] | reverse | .[]' \
		"$BATS_TEST_TMPDIR/all.json" >"$BATS_TEST_TMPDIR/want"
	[ -s "$BATS_TEST_TMPDIR/want" ]
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "an idle stream gets a keepalive comment within 15 s" {
	deploy_two
	run sse 17 /apis/v1/cluster/events/stream
	echo "$output"
	[[ "$output" == *": keepalive"* ]]
}

@test "the stream ends when this controller stops being the leader" {
	deploy_two
	( curl -sN -m 60 "$API/apis/v1/cluster/events/stream" >"$BATS_TEST_TMPDIR/s"
	  echo $? >"$BATS_TEST_TMPDIR/rc" ) 3>&- &
	wait_until 10 grep -q '^: drove events' "$BATS_TEST_TMPDIR/s"
	s6-svc -d "$DROVE_RUN/service/drove-leader"
	# ended by the server (0), not by curl's deadline (28)
	wait_until 20 test -s "$BATS_TEST_TMPDIR/rc"
	[ "$(cat "$BATS_TEST_TMPDIR/rc")" = 0 ]
}

@test "events survive a restart of drove-httpd: they live in ZooKeeper" {
	deploy_two
	get '/apis/v1/cluster/events?size=100000' | jq -r '.data[].id' | sort >"$BATS_TEST_TMPDIR/before"
	[ -s "$BATS_TEST_TMPDIR/before" ]
	s6-svc -r "$DROVE_RUN/service/drove-httpd"
	sleep 1
	wait_until 30 ping_is 200
	get '/apis/v1/cluster/events?size=100000' | jq -r '.data[].id' | sort >"$BATS_TEST_TMPDIR/after"
	[ -z "$(comm -23 "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after")" ]
	# and they are znodes, one per event, in buckets of 10 s
	n=0
	for b in $(drove-zkcli -z "$ZK" ls /drove/events); do
		[[ "$b" =~ ^b[0-9]{9}0000$ ]]
		n=$((n + $(drove-zkcli -z "$ZK" ls "/drove/events/$b" | grep -c '^e[0-9]\{13\}-[0-9]\{10\}$')))
	done
	[ "$n" -ge "$(wc -l <"$BATS_TEST_TMPDIR/before")" ]
}
