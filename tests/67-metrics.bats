#!/usr/bin/env bats
# Prometheus metrics on a real local cluster (two controllers): drove-httpd's
# GET /metrics answers the text format on every controller, counts each
# request by route and code with a latency histogram, shows Drove's cluster
# gauges as /apis/v1/cluster has them, counts events and accepted
# operations, and the counters drove-monitor and drove-sched publish; the
# executor's GET /metrics (drove-logstream) shows the host and each
# container of an instance, labelled with its ids, from a copy that a
# scrape never waits for.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { DROVE_CONTROLLERS=2 cluster_start; }
teardown_file() { cluster_stop; }

# the leading controller's API, and the other one's
leader_api() {
	"$TOP/scripts/cluster" status 2>/dev/null | jq -er '.controllers[] |
	    select(.leader) | .api'
}
other_api() {
	"$TOP/scripts/cluster" status 2>/dev/null | jq -er '[.controllers[] |
	    select(.leader | not) | .api][0]'
}

setup() {
	wait_until 60 leader_api
	API=$(leader_api)
	wait_until 30 ping_is 200
	EXEC_URL=$("$TOP/scripts/cluster" status | jq -r '.executors[0].url')
}

# Every app goes, so that each test starts from an empty cluster.
teardown() {
	local a
	for a in $(curl -s "$API/apis/v1/applications" | jq -r '.data | keys[]'); do
		ok_op "{\"type\":\"SUSPEND\",\"appId\":\"$a\"}" >/dev/null || true
		wait_until 30 sh -c "curl -s $API/apis/v1/applications/$a | jq -e '.data.state == \"MONITORING\"'" || true
		ok_op "{\"type\":\"DESTROY\",\"appId\":\"$a\"}" >/dev/null || true
	done
	wait_until 30 sh -c "[ \"\$(curl -s $API/apis/v1/applications | jq '.data | length')\" = 0 ]" || true
}

healthy_is() {
	[ "$(curl -s "$API/apis/v1/applications/$1/instances" |
	    jq '[.data[] | select(.state == "HEALTHY")] | length')" = "$2" ]
}

# deploy NAME: NAME-1 with one HEALTHY instance
deploy() {
	ok_op "$(jq -c --arg n "$1" '.spec.name = $n |
	    .spec.exposureSpec.vhost = "\($n).local" | .instances = 1' \
	    "$TOP/examples/create.json")"
	wait_until 60 healthy_is "$1-1" 1
}

scrape() { curl -sf -m 5 "${1:-$API}/metrics"; }
# val TEXT SERIES: the value of SERIES (name{labels} as rendered), "" if
# absent
val() {
	awk -v k="$2" 'substr($0, 1, length(k) + 1) == k " " { print $NF }' <<<"$1"
}
# total TEXT ERE: the sum of the values of the series matching ERE (0 if
# none)
total() {
	awk -v re="$2" '$0 !~ /^#/ && $0 ~ re { s += $NF } END { print s + 0 }' <<<"$1"
}
# is_now SERIES_VALUE: an epoch-seconds value within 30 s of now
is_recent() {
	awk -v t="$1" -v now="$(date +%s)" 'BEGIN { exit !(t != "" &&
	    now - t < 30 && t - now < 5) }'
}

@test "GET /metrics answers the text format: HELP and TYPE before each family's samples, well-formed lines" {
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/m" \
	    -w '%{http_code}' "$API/metrics"
	[ "$output" = 200 ]
	grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$BATS_TEST_TMPDIR/h"
	[ -s "$BATS_TEST_TMPDIR/m" ]
	# every sample belongs to the family of the TYPE line above it, every
	# line is a comment or name{labels} value, and a family comes once
	run awk '
	/^# HELP / { next }
	/^# TYPE / { if (seen[$3]++) { print "twice: " $3; bad = 1 }
		fam = $3; type = $4; next }
	/^#/ { next }
	{
		if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+0-9.eEInfNa]+$/) {
			print "bad line: " $0; bad = 1 }
		name = $0; sub(/[{ ].*/, "", name)
		base = name
		if (type == "histogram") sub(/_(bucket|sum|count)$/, "", base)
		if (base != fam) { print "outside its family: " $0; bad = 1 }
	}
	END { exit bad }' "$BATS_TEST_TMPDIR/m"
	[ "$status" = 0 ] || { echo "$output"; false; }
	grep -q '^# TYPE drove_http_requests_total counter$' "$BATS_TEST_TMPDIR/m"
	grep -q '^# TYPE drove_http_request_duration_seconds histogram$' "$BATS_TEST_TMPDIR/m"
	grep -q '^# TYPE drove_cluster_resources_cpu_total gauge$' "$BATS_TEST_TMPDIR/m"
}

@test "a request is counted with its method and code, under its route; unmatched paths and /metrics under theirs" {
	before=$(scrape)
	for _ in 1 2 3; do
		curl -sf "$API/apis/v1/cluster" >/dev/null
	done
	curl -s -o /dev/null "$API/apis/v1/no/such/path"
	after=$(scrape)
	# the three GETs answered 200, whatever their route's pattern
	re='^drove_http_requests_total\{route="[^"]*",method="GET",code="200"\}'
	notmetrics='^drove_http_requests_total\{route="/metrics"'
	b=$(( $(total "$before" "$re") - $(total "$before" "$notmetrics.*code=\"200\"") ))
	a=$(( $(total "$after" "$re") - $(total "$after" "$notmetrics.*code=\"200\"") ))
	[ $((a - b)) = 3 ] || { echo "GET 200 went from $b to $a"; false; }
	k='drove_http_requests_total{route="unmatched",method="GET",code="404"}'
	[ "$(val "$after" "$k")" = $(( $(val "$before" "$k") + 1 )) ]
	# the first scrape is in the second one
	k='drove_http_requests_total{route="/metrics",method="GET",code="200"}'
	[ "$(val "$after" "$k")" -ge 1 ]
	[ "$(val "$after" "$k")" = $(( $(val "$before" "$k") + 1 )) ]
}

@test "the latency histogram: cumulative buckets up to +Inf, which is _count, which counts the requests" {
	scrape >/dev/null
	scrape >/dev/null
	m=$(scrape)
	run awk -v p='drove_http_request_duration_seconds_bucket{route="/metrics",method="GET",le="' '
	index($0, p) == 1 { le = substr($0, length(p) + 1); sub(/".*/, "", le)
		if ($NF + 0 < last) bad = 1; last = $NF + 0; n++; lastle = le }
	END { print n, lastle, last; exit bad }' <<<"$m"
	[ "$status" = 0 ]
	read -r n lastle inf <<<"$output"
	[ "$n" -ge 10 ]
	[ "$lastle" = +Inf ]
	[ "$(val "$m" 'drove_http_request_duration_seconds_count{route="/metrics",method="GET"}')" = "$inf" ]
	# every scrape but this one is counted (this one is counted once sent)
	[ "$(val "$m" 'drove_http_requests_total{route="/metrics",method="GET",code="200"}')" = "$inf" ]
	sum=$(val "$m" 'drove_http_request_duration_seconds_sum{route="/metrics",method="GET"}')
	awk -v s="$sum" 'BEGIN { exit !(s > 0 && s < 60) }'
}

@test "the cluster gauges are /apis/v1/cluster's figures; the leader says it leads" {
	c=$(curl -s "$API/apis/v1/cluster" | jq -c .data)
	m=$(scrape)
	[ "$(val "$m" drove_cluster_resources_cpu_total)" = "$(jq .totalCores <<<"$c")" ]
	[ "$(jq .totalCores <<<"$c")" -gt 0 ]
	[ "$(val "$m" drove_cluster_resources_cpu_free)" = "$(jq .freeCores <<<"$c")" ]
	[ "$(val "$m" drove_cluster_resources_cpu_used)" = "$(jq .usedCores <<<"$c")" ]
	[ "$(val "$m" drove_cluster_resources_memory_total_mb)" = "$(jq .totalMemory <<<"$c")" ]
	[ "$(val "$m" drove_cluster_resources_memory_free_mb)" = "$(jq .freeMemory <<<"$c")" ]
	[ "$(val "$m" drove_cluster_applications_total)" = "$(jq .numApplications <<<"$c")" ]
	[ "$(val "$m" drove_cluster_executors_active)" = "$(curl -s "$API/apis/v1/cluster/executors" |
	    jq '[.data[] | select(.state == "ACTIVE")] | length')" ]
	[ "$(val "$m" drove_cluster_executors_active)" = 1 ]
	[ "$(val "$m" drove_controller_leader)" = 1 ]
}

@test "a controller that does not lead answers /metrics too, with the same gauges and the programs' counters" {
	other=$(other_api)
	[ -n "$other" ]
	[ "$other" != "$API" ]
	# its API refuses, its metrics answer
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$other/apis/v1/cluster")" = 400 ]
	m=$(scrape "$other")
	[ "$(val "$m" drove_controller_leader)" = 0 ]
	[ "$(val "$m" drove_cluster_resources_cpu_total)" = "$(curl -s "$API/apis/v1/cluster" | jq .data.totalCores)" ]
	[ -n "$(val "$m" 'drove_sched_passes_total{program="drove-sched"}')" ]
	[ -n "$(val "$m" 'drove_zk_calls_total{program="drove-httpd",op="get"}')" ]
}

@test "a deploy: the CREATE is counted, the events grow, the gauges follow, the programs' counters show it" {
	m=$(scrape)
	ev0=$(total "$m" '^drove_events_total\{type="INSTANCE_STATE_CHANGE"\}')
	app0=$(total "$m" '^drove_events_total\{type="APP_STATE_CHANGE"\}')
	op0=$(total "$m" '^drove_operations_accepted_total\{kind="application",type="CREATE"\}')
	placed0=$(total "$m" '^drove_sched_placements_total\{program="drove-sched",result="placed"\}')
	deploy metrics
	m=$(scrape)
	[ "$(total "$m" '^drove_operations_accepted_total\{kind="application",type="CREATE"\}')" = $((op0 + 1)) ]
	# PENDING, PROVISIONING, STARTING, UNREADY, READY, HEALTHY at least
	ev1=$(total "$m" '^drove_events_total\{type="INSTANCE_STATE_CHANGE"\}')
	[ "$ev1" -ge $((ev0 + 4)) ] || { echo "INSTANCE_STATE_CHANGE $ev0 -> $ev1"; false; }
	[ "$(total "$m" '^drove_events_total\{type="APP_STATE_CHANGE"\}')" -gt "$app0" ]
	[ "$(val "$m" drove_cluster_applications_instances_active)" = 1 ]
	[ "$(val "$m" drove_cluster_applications_running)" = 1 ]
	[ "$(val "$m" drove_cluster_resources_cpu_used)" = 1 ]
	[ "$(val "$m" drove_cluster_resources_memory_used_mb)" = 64 ]
	# drove-sched publishes every 10 s: its placement shows within that
	# shellcheck disable=SC2016
	wait_until 15 bash -c 'curl -s "$1/metrics" | awk -v n="$2" '\''
	    index($0, "drove_sched_placements_total{program=\"drove-sched\",result=\"placed\"} ") == 1 {
	    found = ($NF + 0 >= n) } END { exit !found }'\''' _ "$API" $((placed0 + 1))
	# and drove-monitor on its own 10 s: its scale write shows within that
	# shellcheck disable=SC2016
	wait_until 15 bash -c 'curl -s "$1/metrics" | grep -Eq "^drove_monitor_writes_total\{program=\"drove-monitor\",kind=\"app\",what=\"scale\",result=\"ok\"\} [1-9]"' _ "$API"
	m=$(scrape)
	[ "$(total "$m" '^drove_monitor_writes_total\{program="drove-monitor",kind="app",what="scale",result="ok"\}')" -ge 1 ]
	[ "$(total "$m" '^drove_zk_calls_total\{program="drove-sched",op="multi"\}')" -ge 1 ]
	is_recent "$(val "$m" 'drove_program_metrics_updated_timestamp_seconds{program="drove-sched"}')"
	is_recent "$(val "$m" 'drove_program_metrics_updated_timestamp_seconds{program="drove-monitor"}')"
}

@test "the programs' counters are in /drove/metrics/<program>, fenced JSON the leader's programs rewrite every 10 s" {
	run drove-zkcli -z "$ZK" get /drove/metrics/drove-monitor
	[ "$status" = 0 ]
	[ "$(jq -r .program <<<"$output")" = drove-monitor ]
	t0=$(jq -r .updated <<<"$output")
	jq -e '.metrics[] | select(.name == "drove_monitor_sweeps_total" and .type == "counter")' <<<"$output"
	jq -e '.metrics[] | select(.name == "drove_zk_calls_total") | .labels == ["op"]' <<<"$output"
	# shellcheck disable=SC2016
	wait_until 15 bash -c '[ "$(drove-zkcli -z "$1" get /drove/metrics/drove-monitor | jq .updated)" -gt "$2" ]' _ "$ZK" "$t0"
	run drove-zkcli -z "$ZK" get /drove/metrics/drove-sched
	[ "$(jq -r .program <<<"$output")" = drove-sched ]
}

@test "the executor's /metrics: the host, and an instance's container labelled with its ids until it stops" {
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/m" \
	    -w '%{http_code}' "$EXEC_URL/metrics"
	[ "$output" = 200 ]
	grep -qi '^content-type: text/plain; version=0.0.4' "$BATS_TEST_TMPDIR/h"
	m=$(cat "$BATS_TEST_TMPDIR/m")
	[ "$(val "$m" drove_host_cpus)" = "$(nproc)" ]
	[ "$(val "$m" drove_executor_cores_total)" = "$(curl -s "$API/apis/v1/cluster" | jq .data.totalCores)" ]
	[ "$(val "$m" drove_host_memory_total_bytes)" -gt 0 ]
	deploy exm
	iid=$(curl -s "$API/apis/v1/applications/exm-1/instances" | jq -r '.data[0].instanceId')
	[[ $iid == AI-* ]]
	lab="{job_type=\"SERVICE\",app_id=\"exm-1\",app_name=\"exm\",instance_id=\"$iid\"}"
	# gathered every 5 s; the CPU percentage needs two samples
	wait_until 15 sh -c "curl -s $EXEC_URL/metrics | grep -qF 'drove_container_cpu_percentage_overall$lab '"
	m=$(curl -s "$EXEC_URL/metrics")
	[ "$(val "$m" "drove_container_cpu_cores_allocated$lab")" = 1 ]
	[ "$(val "$m" "drove_container_memory_allocated_bytes$lab")" = $((64 * 1048576)) ]
	[ "$(val "$m" "drove_container_memory_usage_limit_bytes$lab")" = $((64 * 1048576)) ]
	[ "$(val "$m" "drove_container_memory_usage_bytes$lab")" -gt 0 ]
	# the health checks reach it over the network
	[ "$(val "$m" "drove_container_network_rx_bytes_total$lab")" -gt 0 ]
	[ -n "$(val "$m" "drove_container_cpu_usage_seconds_total$lab")" ]
	[ -n "$(val "$m" "drove_container_block_io_read_bytes_total$lab")" ]
	[ "$(val "$m" drove_executor_engine_up)" = 1 ]
	[ "$(val "$m" drove_executor_containers)" -ge 1 ]
	# stopped: its series go at the next round
	ok_op '{"type":"SUSPEND","appId":"exm-1"}'
	wait_until 30 sh -c "curl -s $API/apis/v1/applications/exm-1 | jq -e '.data.state == \"MONITORING\"'"
	wait_until 15 sh -c "! curl -s $EXEC_URL/metrics | grep -qF '$iid'"
}

@test "the executor's /metrics never waits for an engine that does not answer" {
	d=$BATS_TEST_TMPDIR
	# an engine socket that accepts and never answers
	perl -MIO::Socket::UNIX -e '
	    my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0],
	        Listen => 5) or die; my @c; while (my $c = $s->accept) { push @c, $c }' \
	    "$d/hang.sock" 3>&- &
	echo $! >"$d/perl.pid"
	wait_until 5 test -S "$d/hang.sock"
	mkdir -p "$d/logs"
	cat >"$d/executor.yml" <<-EOF
	server: {applicationConnectors: [{type: http, port: $(free_port)}], bindAddress: 127.0.0.1}
	options: {dockerSocketPath: $d/hang.sock}
	logging: {appenders: [{type: drove, logPath: "$d/logs"}]}
	EOF
	logstream_start "$d/executor.yml" "$d"
	# the engine call in flight takes up to 5 s; scrapes answer at once
	for _ in 1 2 3; do
		run curl -s -m 1 -o "$d/m" -w '%{http_code}' "http://127.0.0.1:$LSPORT/metrics"
		[ "$output" = 200 ]
		grep -q '^drove_host_cpus ' "$d/m"
		sleep 0.5
	done
	# once the engine call timed out, the round says so
	wait_until 12 sh -c "curl -s http://127.0.0.1:$LSPORT/metrics | grep -qx 'drove_executor_engine_up 0'"
	m=$(curl -s "http://127.0.0.1:$LSPORT/metrics")
	[ "$(val "$m" drove_executor_stats_failures_total)" -ge 1 ]
	kill "$(cat "$d/logstream.pid")" "$(cat "$d/perl.pid")"
}
