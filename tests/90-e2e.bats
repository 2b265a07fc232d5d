#!/usr/bin/env bats
# End to end on a real local cluster (scripts/cluster): real ZooKeeper, real
# Docker engine, the drove daemons under s6.  The tests share the cluster
# that setup_file starts; each brings what it needs (deploy_two: hello-1
# with 2 HEALTHY instances), and setup brings back a stopped drove-leader.
# The last test stops the cluster.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { cluster_start; }
teardown_file() { cluster_stop; }

# api METHOD PATH [BODY-FILE]: prints "<http code> <body>"
api() {
	local m=$1 p=$2 body=${3:-}
	if [ -n "$body" ]; then
		curl -s -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}' -X "$m" \
			-H 'Content-Type: application/json' --data-binary @"$body" "$API$p"
	else
		curl -s -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}' -X "$m" "$API$p"
	fi
	printf ' '
	cat "$BATS_TEST_TMPDIR/body"
}

healthy_count() {
	curl -s "$API/apis/v1/applications/hello-1/instances" |
		jq '[.data[] | select(.state == "HEALTHY")] | length'
}

healthy_is() { [ "$(healthy_count)" = "$1" ]; }


# deploy_two: hello-1 exists (CREATE if not) with 2 HEALTHY instances
deploy_two() {
	local out
	# an unknown app answers 200 with status FAILED, as in Drove
	if ! curl -s "$API/apis/v1/applications/hello-1" |
	    jq -e '.status == "SUCCESS"' >/dev/null; then
		out=$(api POST /apis/v1/applications/operations "$TOP/examples/create.json")
		[ "${out%% *}" = 200 ] || { echo "CREATE: $out"; return 1; }
	fi
	out=$(api POST /apis/v1/applications/operations "$TOP/examples/scale.json")
	[ "${out%% *}" = 200 ] || { echo "SCALE: $out"; return 1; }
	wait_until 60 healthy_is 2
}

# A test that stopped drove-leader or drove-execd does not leave them down.
setup() {
	s6-svc -u "$DROVE_RUN/service/drove-leader"
	s6-svc -u "$DROVE_RUN/service/drove-execd"
	wait_until 30 ping_is 200
}

container_ids() {
	/usr/bin/docker ps -q --no-trunc --filter label=drove.instance.id | sort
}

@test "status prints the api, zookeeper and engine of the cluster" {
	run "$TOP/scripts/cluster" status
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .api)" = "$API" ]
	[ "$(echo "$output" | jq -r .zookeeper)" = "$ZK" ]
	[ "$(echo "$output" | jq -r .engine)" = "$ENGINE_SOCK" ]
}

@test "ping answers 200 pong on the leader" {
	run api GET /apis/v1/ping
	[ "${output%% *}" = 200 ]
	[ "$(echo "${output#* }" | jq -r .data)" = pong ]
}

# the state below /drove, but for the counters drove-monitor and
# drove-sched publish every 10 s in /drove/metrics
state_dump() {
	zk_dump /drove | grep -v '^{"path":"/drove/metrics[/"]'
}

@test "bad input gets 400 with reasons and leaves ZooKeeper unchanged" {
	before=$(state_dump)
	printf '{"type":"CREATE","spec":{' >"$BATS_TEST_TMPDIR/bad.json"
	run api POST /apis/v1/applications/operations "$BATS_TEST_TMPDIR/bad.json"
	[ "${output%% *}" = 400 ]
	[ "$(echo "${output#* }" | jq -r .message)" = "JSON validation failure" ]

	jq 'del(.spec.resources) | del(.spec.healthcheck)' "$TOP/examples/create.json" >"$BATS_TEST_TMPDIR/missing.json"
	run api POST /apis/v1/applications/operations "$BATS_TEST_TMPDIR/missing.json"
	[ "${output%% *}" = 400 ]
	body=${output#* }
	[ "$(echo "$body" | jq -r .status)" = FAILED ]
	echo "$body" | jq -e '.data.validationErrors | length >= 2'
	echo "$body" | jq -r '.data.validationErrors[]' | grep -qi cpu
	echo "$body" | jq -r '.data.validationErrors[]' | grep -qi health

	echo '{"type":"SCALE","appId":"nope-1","requiredInstances":1}' >"$BATS_TEST_TMPDIR/unknown.json"
	run api POST /apis/v1/applications/operations "$BATS_TEST_TMPDIR/unknown.json"
	[ "${output%% *}" = 400 ]
	echo "${output#* }" | jq -r '.data.validationErrors[]' | grep -q 'nope-1'

	[ "$(state_dump)" = "$before" ]
}

@test "create, then scale to 2: both instances become HEALTHY" {
	run api POST /apis/v1/applications/operations "$TOP/examples/create.json"
	[ "${output%% *}" = 200 ]
	[ "$(echo "${output#* }" | jq -r .data.appId)" = hello-1 ]
	run api POST /apis/v1/applications/operations "$TOP/examples/scale.json"
	[ "${output%% *}" = 200 ]
	wait_until 60 healthy_is 2
	run curl -s "$API/apis/v1/applications/hello-1"
	[ "$(echo "$output" | jq -r .data.requiredInstances)" = 2 ]
	[ "$(echo "$output" | jq -r .data.healthyInstances)" = 2 ]
}

@test "instances are pinned to distinct cores with Drove's labels and env" {
	deploy_two
	for id in $(container_ids); do
		/usr/bin/docker inspect "$id" >"$BATS_TEST_TMPDIR/i.json"
		[ "$(jq -r '.[0].Config.Labels["drove.job.type"]' "$BATS_TEST_TMPDIR/i.json")" = SERVICE ]
		jq -r '.[0].Config.Env[]' "$BATS_TEST_TMPDIR/i.json" | grep -q '^DROVE_APP_ID=hello-1$'
		jq -r '.[0].Config.Env[]' "$BATS_TEST_TMPDIR/i.json" | grep -q '^PORT_8000=[0-9]'
		jq -r '.[0].Config.Env[]' "$BATS_TEST_TMPDIR/i.json" | grep -q '^DROVE_INSTANCE_ID=AI-'
		[ -n "$(jq -r '.[0].HostConfig.CpusetCpus' "$BATS_TEST_TMPDIR/i.json")" ]
		[ "$(jq -r '.[0].HostConfig.Memory' "$BATS_TEST_TMPDIR/i.json")" = $((64 << 20)) ]
	done
	run curl -s "$API/apis/v1/applications/hello-1/instances"
	cores=$(echo "$output" | jq -c '[.data[].resources[] | select(.type=="CPU") | .cores[]] | flatten')
	[ "$(echo "$cores" | jq 'length')" = 2 ]
	[ "$(echo "$cores" | jq 'unique | length')" = 2 ]
}

@test "endpoints list both instances and each answers HTTP on its host port" {
	deploy_two
	run curl -s "$API/apis/v1/endpoints"
	[ "$(echo "$output" | jq -r '.data[0].vhost')" = hello.local ]
	[ "$(echo "$output" | jq '.data[0].hosts | length')" = 2 ]
	for hp in $(echo "$output" | jq -r '.data[0].hosts[] | "\(.host):\(.port)"'); do
		curl -sf "http://$hp/" >/dev/null
	done
}

@test "a container killed from outside is replaced by a HEALTHY one" {
	deploy_two
	before=$(curl -s "$API/apis/v1/applications/hello-1/instances" | jq -r '.data[].instanceId' | sort)
	victim=$(container_ids | head -1)
	/usr/bin/docker kill "$victim"
	# the death is seen (the HEALTHY set changes), then the replacement
	healthy_set() { curl -s "$API/apis/v1/applications/hello-1/instances?state=HEALTHY" | jq -r '.data[].instanceId' | sort; }
	wait_until 30 sh -c "[ \"\$(curl -s $API/apis/v1/applications/hello-1/instances?state=HEALTHY | jq -r '.data[].instanceId' | sort)\" != '$before' ]"
	wait_until 30 healthy_is 2
	after=$(healthy_set)
	[ "$before" != "$after" ]
	# the dead one is reported STOPPED with the reason
	gone=$(comm -23 <(echo "$before") <(echo "$after"))
	run curl -s "$API/apis/v1/applications/hello-1/instances/$gone"
	echo "$output" | jq -r .data.errorMessage | grep -qi 'exited'
}

@test "restarting drove-execd adopts the containers without restarting them" {
	deploy_two
	ids=$(container_ids)
	starts=$(for i in $ids; do /usr/bin/docker inspect -f '{{.State.StartedAt}}' "$i"; done)
	s6-svc -r "$DROVE_RUN/service/drove-execd"
	sleep 2
	s6-svwait -U -t 30000 "$DROVE_RUN/service/drove-execd"
	wait_until 30 healthy_is 2
	[ "$(container_ids)" = "$ids" ]
	[ "$(for i in $ids; do /usr/bin/docker inspect -f '{{.State.StartedAt}}' "$i"; done)" = "$starts" ]
}

@test "instance logs are listed and read through the API" {
	deploy_two
	iid=$(curl -s "$API/apis/v1/applications/hello-1/instances" | jq -r '.data[0].instanceId')
	run curl -s "$API/apis/v1/logfiles/applications/hello-1/$iid/list"
	echo "$output" | jq -e '.files | index("output.log") != null'
	run curl -s "$API/apis/v1/logfiles/applications/hello-1/$iid/read/output.log?offset=0&length=65536"
	echo "$output" | jq -e '.offset == 0'
}

@test "scale to 0 stops every container" {
	deploy_two
	echo '{"type":"SCALE","appId":"hello-1","requiredInstances":0}' >"$BATS_TEST_TMPDIR/zero.json"
	run api POST /apis/v1/applications/operations "$BATS_TEST_TMPDIR/zero.json"
	[ "${output%% *}" = 200 ]
	wait_until 60 sh -c '[ -z "$(/usr/bin/docker ps -aq --filter label=drove.instance.id)" ]'
	wait_until 20 sh -c "[ -z \"\$(drove-zkcli -z $ZK ls /drove/assignments/\$(drove-zkcli -z $ZK ls /drove/executor | head -1) 2>/dev/null)\" ]"
}

@test "without drove-leader the leader-only programs stop and ping answers 400" {
	s6-svc -d "$DROVE_RUN/service/drove-leader"
	wait_until 10 sh -c "! pgrep -f 'drove-(monitor|sched) -c $DROVE_RUN' >/dev/null"
	wait_until 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $API/apis/v1/ping)\" = 400 ]"
	s6-svc -u "$DROVE_RUN/service/drove-leader"
	wait_until 20 sh -c "pgrep -f 'drove-monitor -c $DROVE_RUN' >/dev/null && pgrep -f 'drove-sched -c $DROVE_RUN' >/dev/null"
	wait_until 20 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $API/apis/v1/ping)\" = 200 ]"
}

@test "cluster down leaves no process behind" {
	"$TOP/scripts/cluster" down
	run ! pgrep -f "$DROVE_RUN"
}
