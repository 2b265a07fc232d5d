#!/usr/bin/env bats
# The API's answers as Drove's JSON mapper writes them (§0, §3): the
# envelope {status, data, message} with data left out when there is none
# and no null anywhere; the exact key set and value types of every object
# the reads answer (§3.4, the state names of §4, our documented extra keys);
# unknown ids (HTTP 200 FAILED with Drove's message); malformed JSON,
# validation failures, 404, 405, the non-leader's 400 and the 500 of §3.1;
# paging of /applications and /localservices; the log proxy's raw answers.
#
# One real cluster for the file, deployed once in setup_file: app ctr-1
# (1 HEALTHY instance, an exposureSpec, an INLINE config), apps ctra-1 and
# ctrspec-1 with no instances (ctrspec-1 has INLINE and HTTP fetch configs
# with credentials: its /spec is masked), task CTR/done (ran to its end)
# and CTR/run (running), local service ctrls-1 (ACTIVE, its instance
# HEALTHY) and ctrlsb-1 (INACTIVE).  Tests only read; the error tests
# write only bodies that are refused.  Two drove-httpd of the file's own:
# one on the cluster's namespace that does not lead, and one leading a
# private namespace (an executor whose port nobody listens on: the 500;
# maintenance set/unset).
#
# A test of an answer that differs from Drove's is marked bug "<what>":
# skipped, unless CONTRACT_BUGS=1 (then it runs, and fails until fixed).

load helpers
bats_require_minimum_version 1.5.0

PRIV=ctrpriv

# The shape checks: each definition emits one string per problem found, so
# that an empty output means the value has the shape.
# shellcheck disable=SC2016 # jq, not the shell
JQLIB='
def keyset($req; $opt):
	if type != "object" then "not an object: \(tojson)" else
	($req - keys) as $miss | (keys - $req - $opt) as $extra |
	(if $miss == [] then empty else "missing keys \($miss) in \(tojson)" end),
	(if $extra == [] then empty else "unexpected keys \($extra) in \(tojson)" end)
	end;
def str($n): if type == "string" then empty else "\($n): not a string: \(tojson)" end;
def int($n): if type == "number" and . == floor then empty
	else "\($n): not an integer: \(tojson)" end;
def bool($n): if type == "boolean" then empty else "\($n): not a boolean: \(tojson)" end;
def ms($n): if type == "number" and . == floor and . > 1500000000000 then empty
	else "\($n): not epoch ms: \(tojson)" end;
def obj($n): if type == "object" then empty else "\($n): not an object: \(tojson)" end;
def oneof($set; $n): if type == "string" and ([.] | inside($set)) then empty
	else "\($n): \(tojson) not one of \($set)" end;
def prefixed($p; $n): if type == "string" and startswith($p) then empty
	else "\($n): \(tojson) does not start with \($p)" end;
def each(f; $n): if type == "array" then .[] | f else "\($n): not an array: \(tojson)" end;
def values_of(f; $n): if type == "object" then .[] | f else "\($n): not an object: \(tojson)" end;
def opt($k; f): if has($k) then .[$k] | f else empty end;
def strmap($n): values_of(str($n + ".*"); $n);

def app_states: ["INIT", "MONITORING", "RUNNING", "OUTAGE_DETECTED",
	"SCALING_REQUESTED", "STOP_INSTANCES_REQUESTED",
	"REPLACE_INSTANCES_REQUESTED", "DESTROY_REQUESTED", "DESTROYED", "FAILED"];
def inst_states: ["PENDING", "PROVISIONING", "PROVISIONING_FAILED", "STARTING",
	"START_FAILED", "UNREADY", "READINESS_CHECK_FAILED", "READY", "HEALTHY",
	"UNHEALTHY", "DEPROVISIONING", "STOPPING", "STOPPED", "LOST", "UNKNOWN"];
def task_states: ["PENDING", "PROVISIONING", "PROVISIONING_FAILED", "STARTING",
	"RUNNING", "RUN_COMPLETED", "RUN_FAILED", "DEPROVISIONING", "STOPPED",
	"LOST", "UNKNOWN"];
def task_results: ["SUCCESSFUL", "TIMED_OUT", "CANCELLED", "FAILED", "LOST"];
def ls_states: ["INIT", "ACTIVATION_REQUESTED", "CONFIG_TESTING_REQUESTED",
	"DEACTIVATION_REQUESTED", "EMERGENCY_DEACTIVATION_REQUESTED", "INACTIVE",
	"ACTIVE", "CONFIG_TESTING", "ADJUSTING_INSTANCES", "DEPLOYING_TEST_INSTANCE",
	"REPLACING_INSTANCES", "STOPPING_INSTANCES", "UPDATING_INSTANCES_COUNT",
	"DESTROY_REQUESTED", "DESTROYED"];
def activation_states: ["ACTIVE", "CONFIG_TESTING", "INACTIVE"];
def executor_states: ["ACTIVE", "BLACKLIST_REQUESTED", "BLACKLISTED", "UNREADY",
	"REMOVED"];
def cluster_states: ["NORMAL", "MAINTENANCE"];
def port_types: ["HTTP", "HTTPS", "TCP", "UDP"];
def transport_types: ["HTTP", "HTTPS"];
def event_types: ["APP_STATE_CHANGE", "INSTANCE_STATE_CHANGE",
	"TASK_STATE_CHANGE", "LOCAL_SERVICE_STATE_CHANGE",
	"LOCAL_SERVICE_INSTANCE_STATE_CHANGE", "EXECUTOR_ADDED",
	"EXECUTOR_REMOVED", "EXECUTOR_BLACKLIST_REQUESTED", "EXECUTOR_BLACKLISTED",
	"EXECUTOR_UN_BLACKLISTED", "MAINTENANCE_MODE_SET",
	"MAINTENANCE_MODE_REMOVED", "LEADERSHIP_ACQUIRED", "LEADERSHIP_LOST"];

# CPU {"type":"CPU","cores":{"<numa>":[ids]}}, MEMORY {"type":"MEMORY",
# "memoryInMB":{"<numa>":mb}}: both, nothing else
def allocations:
	if type != "array" then "resources: not an array: \(tojson)"
	elif ([.[].type] | sort) != ["CPU", "MEMORY"] then "resources: \(tojson)"
	else .[] |
	if .type == "CPU" then keyset(["cores", "type"]; []),
		(.cores | if type == "object" and length > 0 then
			values_of(each(int("cores[]"); "cores.*"); "cores")
			else "cores: \(tojson)" end)
	else keyset(["memoryInMB", "type"]; []),
		(.memoryInMB | if type == "object" and length > 0 then
			values_of(int("memoryInMB.*"); "memoryInMB")
			else "memoryInMB: \(tojson)" end)
	end end;
def local_info:
	keyset(["hostname", "ports"]; []), (.hostname | str("hostname")),
	(.ports | values_of(keyset(["containerPort", "hostPort", "portType"]; []),
		(.containerPort | int("containerPort")), (.hostPort | int("hostPort")),
		(.portType | oneof(port_types; "portType")); "ports"));
def instance_common($idp):
	(.instanceId | prefixed($idp; "instanceId")),
	(.executorId | str("executorId")), (.localInfo | local_info),
	(.resources | allocations), (.state | oneof(inst_states; "state")),
	(.metadata | obj("metadata")), opt("errorMessage"; str("errorMessage")),
	(.created | ms("created")), (.updated | ms("updated"));
def instance_info:
	keyset(["appId", "appName", "created", "executorId", "instanceId",
	    "localInfo", "metadata", "resources", "state", "updated"];
	    ["errorMessage"]),
	(.appId | str("appId")), (.appName | str("appName")), instance_common("AI-");
def ls_instance_info:
	keyset(["created", "executorId", "instanceId", "localInfo", "metadata",
	    "resources", "serviceId", "serviceName", "state", "updated"];
	    ["errorMessage"]),
	(.serviceId | str("serviceId")), (.serviceName | str("serviceName")),
	instance_common("SI-");
def task_info:
	keyset(["created", "executable", "executorId", "hostname", "instanceId",
	    "resources", "sourceAppName", "state", "taskId", "updated"];
	    ["env", "errorMessage", "loggingSpec", "metadata", "taskResult",
	     "volumes"]),
	(.sourceAppName | str("sourceAppName")), (.taskId | str("taskId")),
	(.instanceId | prefixed("TI-"; "instanceId")),
	(.executorId | str("executorId")), (.hostname | str("hostname")),
	(.executable | keyset(["dockerPullTimeout", "type", "url"]; []),
		(.type | oneof(["DOCKER"]; "executable.type"))),
	(.resources | allocations), (.state | oneof(task_states; "state")),
	opt("env"; strmap("env")), opt("metadata"; obj("metadata")),
	opt("volumes"; each(obj("volumes[]"); "volumes")),
	opt("loggingSpec"; obj("loggingSpec")),
	opt("errorMessage"; str("errorMessage")),
	opt("taskResult"; keyset(["exitCode", "status"]; []),
		(.status | oneof(task_results; "taskResult.status")),
		(.exitCode | int("taskResult.exitCode"))),
	(.created | ms("created")), (.updated | ms("updated"));
# our currentOperation of an app (drove-httpd(8))
def current_op($extra):
	keyset(["cancelled", "created", "failureStrategy", "parallelism", "state",
	    "type"]; ["failure", "stepsDone", "stepsTotal"] + $extra);
def app_summary:
	keyset(["created", "healthyInstances", "id", "name", "requiredInstances",
	    "state", "tags", "totalCPUs", "totalMemory", "updated"];
	    ["currentOperation", "pendingInstances", "placementError"]),
	(.id | str("id")), (.name | str("name")),
	(.requiredInstances | int("requiredInstances")),
	(.healthyInstances | int("healthyInstances")),
	(.totalCPUs | int("totalCPUs")), (.totalMemory | int("totalMemory")),
	(.tags | strmap("tags")), (.state | oneof(app_states; "state")),
	(.created | ms("created")), (.updated | ms("updated")),
	opt("pendingInstances"; int("pendingInstances")),
	opt("placementError"; str("placementError")),
	opt("currentOperation"; current_op(["requiredInstances"]));
def ls_summary:
	keyset(["activationState", "created", "healthyInstances", "id",
	    "instancesPerHost", "name", "state", "tags", "totalCPUs",
	    "totalMemory", "updated"]; ["currentOperation", "lastOperation"]),
	(.id | str("id")), (.name | str("name")),
	(.instancesPerHost | int("instancesPerHost")),
	(.healthyInstances | int("healthyInstances")),
	(.totalCPUs | int("totalCPUs")), (.totalMemory | int("totalMemory")),
	(.tags | strmap("tags")), (.state | oneof(ls_states; "state")),
	(.activationState | oneof(activation_states; "activationState")),
	(.created | ms("created")), (.updated | ms("updated")),
	opt("currentOperation"; current_op(["stopFirst"])),
	opt("lastOperation"; keyset(["ended", "result", "type"]; ["failure"]),
		(.result | oneof(["COMPLETED", "FAILED", "CANCELLED"];
		    "lastOperation.result")), (.ended | ms("lastOperation.ended")));
def exposed_app:
	keyset(["appId", "appName", "hosts", "tags", "vhost"]; []),
	(.appId | str("appId")), (.appName | str("appName")),
	(.vhost | str("vhost")), (.tags | strmap("tags")),
	(.hosts | each(keyset(["host", "port", "portType"]; []),
		(.host | str("host")), (.port | int("port")),
		(.portType | oneof(port_types; "portType")); "hosts"));
def cluster_summary:
	keyset(["freeCores", "freeMemory", "leader", "numActiveApplications",
	    "numActiveLocalServices", "numActiveTasks", "numApplications",
	    "numExecutors", "numLocalServices", "state", "totalCores",
	    "totalMemory", "usedCores", "usedMemory"]; []),
	(.leader | str("leader")), (.state | oneof(cluster_states; "state")),
	(to_entries[] | select(.key != "leader" and .key != "state") |
	    .key as $k | .value | int($k));
def executor_summary:
	keyset(["executorId", "freeCores", "freeMemory", "hostname", "port",
	    "state", "tags", "transportType", "usedCores", "usedMemory"]; []),
	(.executorId | str("executorId")), (.hostname | str("hostname")),
	(.port | int("port")), (.transportType | oneof(transport_types; "transportType")),
	(.freeCores | int("freeCores")), (.usedCores | int("usedCores")),
	(.freeMemory | int("freeMemory")), (.usedMemory | int("usedMemory")),
	(.tags | each(str("tags[]"); "tags")),
	(.state | oneof(executor_states; "state"));
def core_map($n): values_of(each(int($n + "[]"); $n); $n);
def mem_map($n): values_of(int($n); $n);
def executor_node:
	keyset(["executorState", "hostname", "instances", "metadata", "port",
	    "serviceInstances", "state", "tags", "tasks", "transportType",
	    "type", "updated"]; []),
	(.type | oneof(["EXECUTOR"]; "type")), (.hostname | str("hostname")),
	(.port | int("port")), (.transportType | oneof(transport_types; "transportType")),
	(.updated | ms("updated")), (.tags | each(str("tags[]"); "tags")),
	(.metadata | obj("metadata")),
	(.executorState | oneof(executor_states; "executorState")),
	(.state | keyset(["cpus", "executorId", "layout", "memory"]; []),
		(.executorId | str("state.executorId")),
		(.cpus | keyset(["freeCores", "type", "usedCores"]; []),
			(.type | oneof(["CPU"]; "cpus.type")),
			(.freeCores | core_map("freeCores")),
			(.usedCores | core_map("usedCores"))),
		(.memory | keyset(["freeMemory", "type", "usedMemory"]; []),
			(.type | oneof(["MEMORY"]; "memory.type")),
			(.freeMemory | mem_map("freeMemory")),
			(.usedMemory | mem_map("usedMemory"))),
		(.layout | keyset(["cores", "memory"]; []),
			(.cores | core_map("layout.cores")),
			(.memory | mem_map("layout.memory")))),
	(.instances | each(instance_info; "instances")),
	(.tasks | each(task_info; "tasks")),
	(.serviceInstances | each(ls_instance_info; "serviceInstances"));
def event:
	keyset(["id", "metadata", "time", "type"]; []),
	(.type | oneof(event_types; "type")), (.id | str("id")),
	(.time | ms("time")), (.metadata | obj("metadata"));
def known_instances:
	keyset(["appInstanceIds", "localServiceInstanceIds",
	    "staleAppInstanceIds", "staleLocalServiceInstanceIds",
	    "staleTaskInstanceIds", "taskInstanceIds"]; []),
	(to_entries[] | .key as $k | .value | each(str($k + "[]"); $k));
def blacklist_response:
	keyset(["approxCompletionTimeMs", "failed", "message", "successful"]; []),
	(.successful | each(str("successful[]"); "successful")),
	(.failed | each(str("failed[]"); "failed")),
	(.approxCompletionTimeMs | int("approxCompletionTimeMs")),
	(.message | str("message"));
def counts($names; $n):
	keyset($names; []), values_of(int($n + ".*"); $n);
'

# shape JSON FILTER: FILTER (a JQLIB expression) finds nothing wrong in JSON
shape() {
	local errs
	errs=$(jq -r "$JQLIB $2" <<<"$1") || {
		echo "# jq failed on: $1" >&2
		return 1
	}
	[ -z "$errs" ] && return 0
	echo "# $2: $errs" >&2
	return 1
}

# shellcheck disable=SC2154 # code and body: set by http_call
# ok_envelope: body (of http_call) is a 200 SUCCESS with data, no null
ok_envelope() {
	[ "$code" = 200 ] || { echo "# HTTP $code: $body" >&2; return 1; }
	jq -e 'keys == ["data", "message", "status"] and .status == "SUCCESS" and
	    .message == "success"' <<<"$body" >/dev/null ||
	    { echo "# not a SUCCESS envelope: $body" >&2; return 1; }
	no_nulls "$body"
}

# failed CODE MESSAGE [DATA]: body is exactly {"status":"FAILED",["data":
# DATA,]"message":MESSAGE} with HTTP CODE
failed() {
	local want
	want=$(jq -cn --arg m "$2" --argjson d "${3:-null}" \
	    '{status: "FAILED"} + (if $d == null then {} else {data: $d} end) +
	    {message: $m}')
	[ "$code" = "$1" ] && [ "$(jq -c . <<<"$body")" = "$want" ] && return 0
	echo "# wanted HTTP $1 $want" >&2
	echo "# got    HTTP $code $body" >&2
	return 1
}

# verrs CODE MESSAGE: a 400-style FAILED with data {"validationErrors":
# [strings, at least one]} and nothing else, no null
verrs() {
	[ "$code" = "$1" ] || { echo "# HTTP $code (wanted $1): $body" >&2; return 1; }
	jq -e --arg m "$2" 'keys == ["data", "message", "status"] and
	    .status == "FAILED" and .message == $m and
	    (.data | keys == ["validationErrors"]) and
	    (.data.validationErrors | type == "array" and length > 0 and
	     all(type == "string"))' <<<"$body" >/dev/null ||
	    { echo "# not '$2' with validationErrors: $body" >&2; return 1; }
	no_nulls "$body"
}

# bug WHAT: a known difference from Drove (see the file's head)
bug() {
	[ "${CONTRACT_BUGS:-}" = 1 ] || skip "BUG: $1"
}

get() { http_call "$V/$1"; }
node_get() { http_call -H 'NodeId: 127.0.0.1' \
    -H "Cluster-Authorization: $(node_secret)" "$V/$1"; }
node_secret() {
	sed -n 's/.*nodeType: CONTROLLER, secret: "\([0-9a-f]*\)".*/\1/p' \
	    "$DROVE_RUN/conf/controller.yml" | head -n 1
}
# post PATH BODY [CURL-ARGS...]
post() {
	local p=$1 b=$2
	shift 2
	printf '%s' "$b" >"$BATS_TEST_TMPDIR/body.json"
	http_call -X POST -H 'Content-Type: application/json' \
	    --data-binary @"$BATS_TEST_TMPDIR/body.json" "$@" "$V/$p"
}

healthy_count() {
	curl -s "$V/$1" | jq -e --argjson n "$2" \
	    '[.data[] | select(.state == "HEALTHY")] | length == $n'
}
task_in() {
	curl -s "$V/tasks/CTR/instances/$1" | jq -e --arg s "$2" '.data.state == $s'
}
ok_post() {
	printf '%s' "$2" >"$T/post.json"
	curl -s -H 'Content-Type: application/json' --data-binary @"$T/post.json" \
	    "$V/$1" | jq -e '.status == "SUCCESS"' >/dev/null ||
	    { echo "# POST $1 refused" >&3; return 1; }
}

setup_file() {
	export T=$BATS_FILE_TMPDIR
	cluster_start
	export V=$API/apis/v1
	wait_until 30 ping_is 200
	# the apps: ctr-1 runs; ctra-1 and ctrspec-1 only exist
	jq -c '.instances = 1 | .spec.name = "ctr" | .spec.configs =
	    [{type: "INLINE", localFilename: "/etc/ctr.conf", data: "aGVsbG8K"}]' \
	    "$TOP/examples/create.json" >"$T/ctr.json"
	jq -c '.spec.name = "ctra"' "$TOP/examples/create.json" >"$T/ctra.json"
	jq -c '.spec.name = "ctrspec" | .spec.configs = [
	    {type: "INLINE", localFilename: "/etc/a.conf", data: "aGVsbG8K"},
	    {type: "CONTROLLER_HTTP_FETCH", localFilename: "/etc/b.conf",
	     http: {protocol: "HTTP", hostname: "127.0.0.1", port: 1, path: "/b",
	      verb: "GET", successCodes: [200], username: "u", password: "p",
	      authHeader: "Bearer t"}},
	    {type: "EXECUTOR_HTTP_FETCH", localFilename: "/etc/c.conf",
	     http: {protocol: "HTTP", hostname: "127.0.0.1", port: 1, path: "/c",
	      username: "u2", password: "p2"}}]' \
	    "$TOP/examples/create.json" >"$T/ctrspec.json"
	for a in ctr ctra ctrspec; do
		ok_post applications/operations "$(cat "$T/$a.json")"
	done
	# the tasks: one ends, one runs
	for t in 'done:echo task-out; exit 0' 'run:sleep 600'; do
		ok_post tasks/operations "$(jq -c --arg t "${t%%:*}" \
		    --arg s "${t#*:}" '.spec.sourceAppName = "CTR" |
		    .spec.taskId = $t | .spec.args = ["sh", "-c", $s]' \
		    "$TOP/examples/task.json")"
	done
	# the local services: ctrls-1 ACTIVE, ctrlsb-1 INACTIVE
	jq -c '.spec.name = "ctrls" | .spec.configs =
	    [{type: "INLINE", localFilename: "/etc/ls.conf", data: "aGVsbG8K"}]' \
	    "$TOP/examples/localservice.json" >"$T/ctrls.json"
	ok_post localservices/operations "$(cat "$T/ctrls.json")"
	ok_post localservices/operations "$(jq -c '.spec.name = "ctrlsb"' \
	    "$TOP/examples/localservice.json")"
	ok_post localservices/operations '{"type":"ACTIVATE","serviceId":"ctrls-1"}'
	wait_until 90 healthy_count applications/ctr-1/instances 1
	wait_until 90 healthy_count localservices/ctrls-1/instances 1
	wait_until 90 task_in "done" STOPPED
	wait_until 90 task_in run RUNNING
	{
		echo "EID=$(curl -s "$V/cluster/executors" | jq -r '.data[0].executorId')"
		echo "AIID=$(curl -s "$V/applications/ctr-1/instances" | jq -r '.data[0].instanceId')"
		echo "SIID=$(curl -s "$V/localservices/ctrls-1/instances" | jq -r '.data[0].instanceId')"
	} >"$T/ids"

	# a drove-httpd on the cluster's namespace that does not lead
	start_httpd "$T/nl" "$DROVE_RUN/conf/controller.yml"

	# one leading a namespace of its own: executor E3 (nobody listens on
	# its port) runs AI-3 of priv-1
	cat >"$T/priv.yml" <<-EOF
	server: {applicationConnectors: [{type: http, port: 4000}], bindAddress: 127.0.0.1}
	zookeeper: {connectionString: "$ZK", nameSpace: $PRIV}
	options: {hostname: 127.0.0.1}
	EOF
	start_httpd "$T/priv" "$T/priv.yml"
	echo "$ZK_PORT" >"$T/zkport"
	put_ephemeral "/$PRIV/leaderselection/leader-0000000001" \
	    "{\"hostname\":\"127.0.0.1\",\"port\":$(cat "$T/priv/port")}"
	jq -nc --argjson p "$(free_port)" '{type: "EXECUTOR", hostname: "127.0.0.1",
	    port: $p, transportType: "HTTP", updated: 1, state: {executorId: "E3",
	    cpus: {type: "CPU", freeCores: {"0": [1]}, usedCores: {"0": [0]}},
	    memory: {type: "MEMORY", freeMemory: {"0": 1000}, usedMemory: {"0": 24}},
	    layout: {cores: {"0": [0, 1]}, memory: {"0": 1024}}}, instances: [],
	    tasks: [], serviceInstances: [], tags: ["127.0.0.1"], metadata: {},
	    executorState: "ACTIVE"}' | drove-zkcli -z "$ZK" put "/$PRIV/executor/E3"
	jq -nc '{appId: "priv-1", appName: "priv", instanceId: "AI-3",
	    executorId: "E3", localInfo: {hostname: "127.0.0.1", ports: {}},
	    resources: [], state: "HEALTHY", metadata: {}, errorMessage: "",
	    created: 1, updated: 1}' |
	    drove-zkcli -z "$ZK" put "/$PRIV/instances/priv-1/AI-3"
	P=http://127.0.0.1:$(cat "$T/priv/port")/apis/v1
	wait_until 10 sh -c "curl -sf '$P/ping' >/dev/null &&
	    curl -s '$P/cluster/executors' | jq -e '.data | length == 1'"
}

teardown_file() {
	local f
	for f in "$T/nl/pid" "$T/priv/pid" "$T/holders"; do
		[ -f "$f" ] || continue
		# shellcheck disable=SC2046 # one pid per line
		kill $(cat "$f") 2>/dev/null || true
	done
	cluster_stop
}

setup() {
	# shellcheck disable=SC1091
	. "$T/ids"
	P=http://127.0.0.1:$(cat "$T/priv/port")/apis/v1
}

# --- 1. the envelope --------------------------------------------------

@test "every GET of §3.3 answers the SUCCESS envelope {status,data,message} with no null" {
	local p bad=0
	for p in ping applications applications/ctr-1 applications/ctr-1/spec \
	    applications/ctrspec-1/spec applications/ctr-1/instances \
	    applications/ctr-1/instances/old "applications/ctr-1/instances/$AIID" \
	    localservices localservices/ctrls-1 localservices/ctrlsb-1 \
	    localservices/ctrls-1/spec localservices/ctrls-1/instances \
	    localservices/ctrls-1/instances/old \
	    "localservices/ctrls-1/instances/$SIID" tasks \
	    tasks/CTR/instances/done tasks/CTR/instances/run cluster \
	    cluster/executors "cluster/executors/$EID" cluster/events \
	    cluster/events/latest cluster/events/summary endpoints \
	    endpoints/app/ctr endpoints/app/nope; do
		get "$p"
		ok_envelope || { echo "# GET $p" >&2; bad=1; }
	done
	for p in "internal/cluster/executors/$EID/instances/current" \
	    internal/cluster/resources/reserved; do
		node_get "$p"
		ok_envelope || { echo "# GET $p" >&2; bad=1; }
	done
	[ "$bad" = 0 ]
	get ping
	[ "$(jq -c .data <<<"$body")" = '"pong"' ]
}

@test "GET /apis/v1/internal/instances (an instance's token): the envelope, InstanceInfos; 403 without it" {
	local cid tok
	cid=$(/usr/bin/docker ps -q --filter "label=drove.instance.id=$AIID")
	tok=$(/usr/bin/docker exec "$cid" env | sed -n 's/^DROVE_APP_INSTANCE_AUTH_TOKEN=//p')
	[ -n "$tok" ]
	http_call -H "App-Instance-Authorization: $tok" "$V/internal/instances"
	ok_envelope
	shape "$body" '.data | each(instance_info; "data")'
	jq -e --arg i "$AIID" '[.data[].instanceId] == [$i]' <<<"$body"
	get internal/instances
	failed 403 "HTTP 403 Forbidden"
}

@test "answers without data leave it out: tasks/validate/spec, a FAILED read" {
	post tasks/validate/spec "$(jq -c .spec "$TOP/examples/task.json")"
	[ "$code" = 200 ]
	[ "$body" = '{"status":"SUCCESS","message":"success"}' ]
	get applications/nope-1
	[ "$(jq -c 'keys' <<<"$body")" = '["message","status"]' ]
}

@test "the dashboard answers the SUCCESS envelope with no null" {
	get cluster/dashboard
	[ "$code" = 200 ]
	jq -e '.status == "SUCCESS" and .message == "success" and
	    (keys - ["data"]) == ["message", "status"]' <<<"$body"
	no_nulls "$body"
}

@test "the dashboard's DashboardData: its key sets, counts by every state name, its summaries" {
	get cluster/dashboard
	jq -e 'has("data")' <<<"$body" >/dev/null || skip "dashboard pending"
	ok_envelope
	shape "$body" '.data |
	    keyset(["appStats", "clusterSummary", "executorStats", "generatedAt",
	        "serviceStats", "taskStats"]; []),
	    (.generatedAt | ms("generatedAt")),
	    (.clusterSummary | cluster_summary),
	    (.appStats | keyset(["appCountByState", "topApps",
	        "totalHealthyInstances"]; []),
	        (.appCountByState | counts(app_states | sort; "appCountByState")),
	        (.topApps | each(app_summary; "topApps")),
	        (.totalHealthyInstances | int("totalHealthyInstances"))),
	    (.taskStats | keyset(["taskCountByState", "topTasks"]; []),
	        (.taskCountByState | counts(task_states | sort; "taskCountByState")),
	        (.topTasks | each(task_info; "topTasks"))),
	    (.serviceStats | keyset(["serviceCountByActivationState",
	        "serviceCountByState", "topServices", "totalHealthyInstances"]; []),
	        (.serviceCountByState | counts(ls_states | sort; "serviceCountByState")),
	        (.serviceCountByActivationState |
	            counts(activation_states | sort; "serviceCountByActivationState")),
	        (.topServices | each(ls_summary; "topServices")),
	        (.totalHealthyInstances | int("totalHealthyInstances"))),
	    (.executorStats | keyset(["executorCountByState", "utilization"]; []),
	        (.executorCountByState | counts(executor_states | sort;
	            "executorCountByState")),
	        (.utilization | keyset(["averageUtilization", "balanceScore",
	            "highestUtilization", "lowestUtilization"]; []),
	            (.[] | if type == "number" then empty
	                else "utilization: \(tojson)" end)))'
	get cluster
	jq -e --argjson c "$(jq -c .data <<<"$body")" '.data.clusterSummary |
	    del(.freeCores, .usedCores, .freeMemory, .usedMemory) ==
	    ($c | del(.freeCores, .usedCores, .freeMemory, .usedMemory))' \
	    <<<"$(curl -s "$V/cluster/dashboard")"
}

# --- 2. key sets and types --------------------------------------------

@test "AppSummary: GET /applications and /applications/{id}" {
	get applications
	ok_envelope
	[ "$(jq -c '.data | keys' <<<"$body")" = '["ctr-1","ctra-1","ctrspec-1"]' ]
	shape "$body" '.data | values_of(app_summary; "data"),
	    (to_entries[] | if .key == .value.id then empty
	        else "key \(.key) is not the id \(.value.id)" end)'
	jq -e '.data["ctr-1"] | .name == "ctr" and .requiredInstances == 1 and
	    .healthyInstances == 1 and .totalCPUs == 1 and .totalMemory == 64 and
	    .state == "RUNNING" and .tags == {team: "demo"}' <<<"$body"
	jq -e '.data["ctra-1"] | .requiredInstances == 0 and .totalCPUs == 0 and
	    .state == "MONITORING"' <<<"$body"
	all=$body
	get applications/ctr-1
	ok_envelope
	shape "$body" '.data | app_summary'
	jq -e --argjson a "$all" '.data == $a.data["ctr-1"]' <<<"$body"
}

@test "InstanceInfo: /applications/{id}/instances, /instances/{iid}, /instances/old" {
	get applications/ctr-1/instances
	ok_envelope
	shape "$body" '.data | each(instance_info; "data")'
	jq -e --arg i "$AIID" '.data | length == 1 and .[0].instanceId == $i and
	    .[0].state == "HEALTHY" and .[0].appId == "ctr-1" and
	    .[0].appName == "ctr" and
	    (.[0].localInfo.ports | keys == ["main"]) and
	    .[0].localInfo.ports.main.containerPort == 8000 and
	    .[0].localInfo.ports.main.portType == "HTTP" and
	    ([.[0].resources[] | .type] | sort == ["CPU", "MEMORY"]) and
	    ([.[0].resources[] | select(.type == "MEMORY") | .memoryInMB[]] == [64]) and
	    ([.[0].resources[] | select(.type == "CPU") | .cores[][]] | length == 1)' \
	    <<<"$body"
	one=$(jq -c '.data[0]' <<<"$body")
	get "applications/ctr-1/instances/$AIID"
	ok_envelope
	shape "$body" '.data | instance_info'
	jq -e --argjson o "$one" '.data | del(.updated) == ($o | del(.updated))' <<<"$body"
	get applications/ctr-1/instances/old
	ok_envelope
	shape "$body" '.data | each(instance_info; "data")'
	# the state filter
	get "applications/ctr-1/instances?state=HEALTHY&state=stopped"
	ok_envelope
	jq -e '.data | length == 1' <<<"$body"
	get "applications/ctr-1/instances?state=STOPPED"
	ok_envelope
	jq -e '.data == []' <<<"$body"
}

@test "ExposedAppInfo: /endpoints and /endpoints/app/{name}" {
	get endpoints
	ok_envelope
	shape "$body" '.data | each(exposed_app; "data")'
	port=$(curl -s "$V/applications/ctr-1/instances" | jq '.data[0].localInfo.ports.main.hostPort')
	jq -e --argjson p "$port" '.data == [{appName: "ctr", appId: "ctr-1",
	    vhost: "hello.local", tags: {team: "demo"}, hosts: [{host: "127.0.0.1",
	    port: $p, portType: "HTTP"}]}]' <<<"$body"
	all=$body
	get endpoints/app/ctr
	ok_envelope
	[ "$(jq -c .data <<<"$body")" = "$(jq -c .data <<<"$all")" ]
	get "endpoints?app=ctr&app=nope"
	ok_envelope
	[ "$(jq -c .data <<<"$body")" = "$(jq -c .data <<<"$all")" ]
	get endpoints/app/ctra
	ok_envelope
	[ "$(jq -c .data <<<"$body")" = '[]' ]
}

@test "ClusterSummary: /cluster" {
	get cluster
	ok_envelope
	shape "$body" '.data | cluster_summary'
	jq -e --arg l "127.0.0.1:$API_PORT" '.data | .leader == $l and
	    .state == "NORMAL" and .numExecutors == 1 and .numApplications == 3 and
	    .numActiveApplications == 1 and .numActiveTasks == 1 and
	    .numLocalServices == 2 and .numActiveLocalServices == 1 and
	    .totalCores == .freeCores + .usedCores and
	    .totalMemory == .freeMemory + .usedMemory' <<<"$body"
}

@test "ExecutorSummary and ExecutorNodeData: /cluster/executors, /cluster/executors/{id}" {
	get cluster/executors
	ok_envelope
	shape "$body" '.data | each(executor_summary; "data")'
	jq -e --arg e "$EID" '.data | length == 1 and .[0].executorId == $e and
	    .[0].state == "ACTIVE" and .[0].transportType == "HTTP"' <<<"$body"
	sum=$(jq -c '.data[0]' <<<"$body")
	get "cluster/executors/$EID"
	ok_envelope
	shape "$body" '.data | executor_node'
	jq -e --arg e "$EID" --arg a "$AIID" --arg s "$SIID" --argjson x "$sum" '
	    .data | .state.executorId == $e and .executorState == "ACTIVE" and
	    .hostname == $x.hostname and .port == $x.port and .tags == $x.tags and
	    ([.instances[].instanceId] == [$a]) and
	    ([.serviceInstances[].instanceId] == [$s]) and
	    ([.tasks[].taskId] == ["run"]) and
	    ([.state.cpus.freeCores[][]] | length) == $x.freeCores and
	    ([.state.cpus.usedCores[][]] | length) == $x.usedCores and
	    ([.state.memory.freeMemory[]] | add) == $x.freeMemory and
	    ([.state.memory.usedMemory[]] | add) == $x.usedMemory' <<<"$body"
}

@test "TaskInfo: /tasks, /tasks/{app}/instances/{task} (ended: taskResult; running: none)" {
	get tasks
	ok_envelope
	shape "$body" '.data | each(task_info; "data")'
	jq -e '[.data[] | .taskId] == ["run"] and
	    all(.data[]; has("taskResult") | not)' <<<"$body"
	get tasks/CTR/instances/done
	ok_envelope
	shape "$body" '.data | task_info'
	jq -e --arg e "$EID" '.data | .sourceAppName == "CTR" and
	    .taskId == "done" and .state == "STOPPED" and .executorId == $e and
	    .taskResult == {status: "SUCCESSFUL", exitCode: 0} and
	    .executable.url == "drove-test/web:1"' <<<"$body"
	get tasks/CTR/instances/run
	ok_envelope
	shape "$body" '.data | task_info'
	jq -e '.data | .state == "RUNNING" and (has("taskResult") | not)' <<<"$body"
}

@test "LocalServiceSummary: /localservices, /localservices/{id} (ACTIVE and INACTIVE)" {
	get localservices
	ok_envelope
	[ "$(jq -c '.data | keys' <<<"$body")" = '["ctrls-1","ctrlsb-1"]' ]
	shape "$body" '.data | values_of(ls_summary; "data")'
	jq -e '.data["ctrls-1"] | .state == "ACTIVE" and
	    .activationState == "ACTIVE" and .instancesPerHost == 1 and
	    .healthyInstances == 1 and .totalCPUs == 1 and .totalMemory == 64' \
	    <<<"$body"
	jq -e '.data["ctrlsb-1"] | .state == "INACTIVE" and
	    .activationState == "INACTIVE" and .healthyInstances == 0' <<<"$body"
	all=$body
	for s in ctrls-1 ctrlsb-1; do
		get "localservices/$s"
		ok_envelope
		shape "$body" '.data | ls_summary'
		jq -e --argjson a "$all" --arg s "$s" '.data == $a.data[$s]' <<<"$body"
	done
}

@test "LocalServiceInstanceInfo: /localservices/{id}/instances, /instances/{iid}, /instances/old" {
	get localservices/ctrls-1/instances
	ok_envelope
	shape "$body" '.data | each(ls_instance_info; "data")'
	jq -e --arg i "$SIID" --arg e "$EID" '.data | length == 1 and
	    .[0].instanceId == $i and .[0].serviceId == "ctrls-1" and
	    .[0].serviceName == "ctrls" and .[0].executorId == $e and
	    .[0].state == "HEALTHY"' <<<"$body"
	get "localservices/ctrls-1/instances/$SIID"
	ok_envelope
	shape "$body" '.data | ls_instance_info'
	get localservices/ctrls-1/instances/old
	ok_envelope
	shape "$body" '.data | each(ls_instance_info; "data")'
	get localservices/ctrlsb-1/instances
	ok_envelope
	[ "$(jq -c .data <<<"$body")" = '[]' ]
}

@test "events: latest {events,lastSyncTime}, summary {eventsCount,lastSyncTime}, the deprecated list; an event {type,id,time,metadata}" {
	get "cluster/events/latest?size=1000"
	ok_envelope
	shape "$body" '.data | keyset(["events", "lastSyncTime"]; []),
	    (.lastSyncTime | ms("lastSyncTime")), (.events | each(event; "events"))'
	# newest first in commit order (each host stamps its own times); the
	# newest time
	jq -e '.data | (.events | length > 0) and
	    .lastSyncTime == ([.events[].time] | max)' <<<"$body"
	latest=$body
	get "cluster/events?size=1000"
	ok_envelope
	shape "$body" '.data | each(event; "data")'
	jq -e --argjson l "$latest" '.data == $l.data.events' <<<"$body"
	get cluster/events/summary
	ok_envelope
	shape "$body" '.data | keyset(["eventsCount", "lastSyncTime"]; []),
	    (.lastSyncTime | ms("lastSyncTime")),
	    (.eventsCount | keys - event_types | if . == [] then empty
	        else "unknown types \(.)" end),
	    (.eventsCount | values_of(int("eventsCount.*"); "eventsCount"))'
	jq -e '.data.eventsCount | .APP_STATE_CHANGE > 0 and
	    .INSTANCE_STATE_CHANGE > 0 and .TASK_STATE_CHANGE > 0 and
	    .LOCAL_SERVICE_STATE_CHANGE > 0 and
	    .LOCAL_SERVICE_INSTANCE_STATE_CHANGE > 0' <<<"$body"
	# nothing newer than the newest
	t=$(jq .data.lastSyncTime <<<"$latest")
	get "cluster/events/latest?lastSyncTime=$t"
	ok_envelope
	jq -e --argjson t "$t" '.data == {events: [], lastSyncTime: $t}' <<<"$body"
	get "cluster/events/summary?lastSyncTime=$t"
	ok_envelope
	jq -e --argjson t "$t" '.data == {eventsCount: {}, lastSyncTime: $t}' <<<"$body"
}

@test "the event stream: text/event-stream, retry, each data line an event with no null" {
	curl -s -N -m 2 -D "$BATS_TEST_TMPDIR/h" \
	    "$V/cluster/events/stream?lastSyncTime=0" >"$BATS_TEST_TMPDIR/s" || true
	grep -qi '^content-type: text/event-stream' "$BATS_TEST_TMPDIR/h"
	grep -qx 'retry: 2000' "$BATS_TEST_TMPDIR/s"
	n=0
	while IFS= read -r l; do
		shape "${l#data: }" event
		no_nulls "${l#data: }"
		n=$((n + 1))
	done < <(grep '^data: ' "$BATS_TEST_TMPDIR/s")
	[ "$n" -gt 0 ]
}

@test "KnownInstancesData (internal .../instances/current) and reserved resources" {
	node_get "internal/cluster/executors/$EID/instances/current"
	ok_envelope
	shape "$body" '.data | known_instances'
	jq -e --arg a "$AIID" --arg s "$SIID" '.data | .appInstanceIds == [$a] and
	    .localServiceInstanceIds == [$s] and (.taskInstanceIds | length == 1) and
	    .staleAppInstanceIds == [] and .staleTaskInstanceIds == [] and
	    .staleLocalServiceInstanceIds == []' <<<"$body"
	# .../last of an executor never removed: no null, KnownInstancesData
	# if it answers SUCCESS (Drove answers FAILED: see the bug below)
	node_get "internal/cluster/executors/$EID/instances/last"
	[ "$code" = 200 ]
	no_nulls "$body"
	jq -e '.status == "FAILED" or .status == "SUCCESS"' <<<"$body"
	if jq -e '.status == "SUCCESS"' <<<"$body" >/dev/null; then
		ok_envelope
		shape "$body" '.data | known_instances'
	fi
	node_get internal/cluster/resources/reserved
	ok_envelope
	[ "$(jq -c .data <<<"$body")" = '{"cpus":1,"memory":64,"requiredInstances":{"ctrls-1":1}}' ]
	# only for nodes
	get internal/cluster/resources/reserved
	failed 403 "HTTP 403 Forbidden"
}

@test "validate answers: apps and local services {\"valid\":true}, tasks no data; the rule dry run" {
	post applications/validate/spec "$(jq -c .spec "$T/ctr.json")"
	ok_envelope
	[ "$(jq -c .data <<<"$body")" = '{"valid":true}' ]
	post localservices/validate/spec "$(jq -c .spec "$T/ctrls.json")"
	ok_envelope
	[ "$(jq -c .data <<<"$body")" = '{"valid":true}' ]
	post tasks/validate/spec "$(jq -c .spec "$TOP/examples/task.json")"
	[ "$code" = 200 ]
	[ "$body" = '{"status":"SUCCESS","message":"success"}' ]
	post applications/placementpolicy/rule/dryrun '{"ruleBasedPlacementPolicy":
	    {"type":"RULE_BASED","ruleType":"MVEL","rule":"allocatedExecutorNodeMetadata[\"zone\"] == \"z1\""},
	    "schedulingInfo":{"allocatedExecutorNodeMetadata":{"zone":"z1"}}}'
	ok_envelope
	[ "$(jq -c .data <<<"$body")" = '{"status":true,"checkResult":{"status":"SUCCESS"},"evalResult":{"status":"SUCCESS","result":true}}' ]
	post applications/placementpolicy/rule/dryrun '{"ruleBasedPlacementPolicy":
	    {"type":"RULE_BASED","ruleType":"MVEL","rule":"((("},"schedulingInfo":{}}'
	ok_envelope
	shape "$body" '.data | keyset(["checkResult", "evalResult", "status"]; []),
	    (.status | bool("status")),
	    (.checkResult | keyset(["error", "status"]; []),
	        (.status | oneof(["FAILURE"]; "checkResult.status")),
	        (.error | str("checkResult.error"))),
	    (.evalResult | keyset(["error", "result", "status"]; []),
	        (.status | oneof(["FAILURE"]; "evalResult.status")),
	        (.result | bool("evalResult.result")))'
}

@test "/spec masks: INLINE data empty, HTTP fetch username, password, authHeader \"***\", the rest as sent" {
	get applications/ctrspec-1/spec
	ok_envelope
	jq -e --argjson s "$(jq -c .spec "$T/ctrspec.json")" '.data == ($s |
	    .configs[0].data = "" |
	    .configs[1].http |= (.username = "***" | .password = "***" |
	        .authHeader = "***") |
	    .configs[2].http |= (.username = "***" | .password = "***"))' <<<"$body"
	get applications/ctr-1/spec
	ok_envelope
	jq -e --argjson s "$(jq -c .spec "$T/ctr.json")" \
	    '.data == ($s | .configs[0].data = "")' <<<"$body"
	get localservices/ctrls-1/spec
	ok_envelope
	jq -e --argjson s "$(jq -c .spec "$T/ctrls.json")" \
	    '.data == ($s | .configs[0].data = "")' <<<"$body"
}

@test "blacklist answers (unknown executors: nothing changes): BlacklistOperationResponse; no id a validation error" {
	for p in cluster/executors/nope/blacklist "cluster/executors/blacklist?id=nope&id=nope2" \
	    cluster/executors/nope/unblacklist "cluster/executors/unblacklist?id=nope"; do
		post "$p" ''
		ok_envelope
		shape "$body" '.data | blacklist_response'
		jq -e '.data.successful == [] and (.data.failed | length > 0)' <<<"$body"
	done
	for p in cluster/executors/blacklist cluster/executors/unblacklist; do
		post "$p" ''
		verrs 400 "Command validation failure"
	done
	get cluster/executors
	jq -e '.data[0].state == "ACTIVE"' <<<"$body"
}

@test "maintenance set/unset answer {state,updated} (on the private namespace); writes in the window are refused" {
	http_call -X POST "$P/cluster/maintenance/set"
	ok_envelope
	shape "$body" '.data | keyset(["state", "updated"]; []),
	    (.state | oneof(["MAINTENANCE"]; "state")), (.updated | ms("updated"))'
	printf '%s' "$(jq -c .spec "$T/ctr.json")" >"$BATS_TEST_TMPDIR/s.json"
	http_call -X POST --data-binary @"$BATS_TEST_TMPDIR/s.json" \
	    "$P/applications/validate/spec"
	failed 400 "Command validation failure" \
	    '{"validationErrors":["Cluster is in maintenance mode"]}'
	http_call -X POST "$P/cluster/maintenance/unset"
	ok_envelope
	shape "$body" '.data | keyset(["state", "updated"]; []),
	    (.state | oneof(["NORMAL"]; "state")), (.updated | ms("updated"))'
	http_call "$P/cluster"
	ok_envelope
	jq -e '.data.state == "NORMAL"' <<<"$body"
}

# --- 3. unknown ids ----------------------------------------------------

@test "unknown ids on the reads that take one: HTTP 200, FAILED, no data, a message naming the id" {
	local p bad=0
	for p in applications/x-1 applications/x-1/spec \
	    applications/ctr-1/instances/AI-nope applications/x-1/instances/AI-nope \
	    localservices/x-1 localservices/x-1/spec \
	    localservices/ctrls-1/instances/SI-nope tasks/CTR/instances/nope \
	    tasks/NOPE/instances/done cluster/executors/nope; do
		get "$p"
		if [ "$code" != 200 ] || ! jq -e 'keys == ["message", "status"] and
		    .status == "FAILED" and (.message | test("nope|x-1|NOPE"))' \
		    <<<"$body" >/dev/null; then
			echo "# GET $p: HTTP $code $body" >&2
			bad=1
		fi
	done
	[ "$bad" = 0 ]
}

@test "unknown app: summary and spec answer Drove's \"App x-1 not found\"" {
	get applications/x-1
	failed 200 "App x-1 not found"
	get applications/x-1/spec
	failed 200 "App x-1 not found"
}

@test "unknown local service: summary and spec answer Drove's \"Local service x-1 not found\"" {
	get localservices/x-1
	failed 200 "Local service x-1 not found"
	get localservices/x-1/spec
	failed 200 "Local service x-1 not found"
}

@test "unknown app instance: Drove's \"No such application instance ctr-1/AI-nope\"" {
	get applications/ctr-1/instances/AI-nope
	failed 200 "No such application instance ctr-1/AI-nope"
	get applications/x-1/instances/AI-nope
	failed 200 "No such application instance x-1/AI-nope"
}

@test "unknown local-service instance: Drove's \"No such local service instance ctrls-1/SI-nope\"" {
	get localservices/ctrls-1/instances/SI-nope
	failed 200 "No such local service instance ctrls-1/SI-nope"
}

@test "unknown task: Drove's \"No such task instance CTR/nope\"" {
	get tasks/CTR/instances/nope
	failed 200 "No such task instance CTR/nope"
}

@test "DELETE of an unknown task: HTTP 200 FAILED with data {\"deleted\":false}" {
	http_call -X DELETE "$V/tasks/CTR/instances/nope"
	[ "$code" = 200 ]
	jq -e 'keys == ["data", "message", "status"] and .status == "FAILED" and
	    .data == {deleted: false}' <<<"$body"
	no_nulls "$body"
}

@test "DELETE of an unknown task: Drove's message \"Could not delete CTR/nope\"" {
	http_call -X DELETE "$V/tasks/CTR/instances/nope"
	failed 200 "Could not delete CTR/nope" '{"deleted":false}'
}

@test "unknown executor: Drove's \"No executor found with id: nope\"" {
	get cluster/executors/nope
	failed 200 "No executor found with id: nope"
}

@test "instances of an unknown app or local service: Drove answers SUCCESS with an empty list" {
	local p
	for p in applications/x-1/instances applications/x-1/instances/old \
	    localservices/x-1/instances localservices/x-1/instances/old; do
		get "$p"
		ok_envelope
		[ "$(jq -c .data <<<"$body")" = '[]' ]
	done
}

@test "KnownInstancesData of an executor with no data: Drove's FAILED \"No data found for executor <id>\"" {
	node_get internal/cluster/executors/nope/instances/current
	failed 200 "No data found for executor nope"
	# .../last is of removed executors only
	node_get "internal/cluster/executors/$EID/instances/last"
	failed 200 "No data found for executor $EID"
}

@test "unknown app name on /endpoints/app/{name}: SUCCESS, an empty list" {
	get endpoints/app/nope
	ok_envelope
	[ "$(jq -c .data <<<"$body")" = '[]' ]
}

@test "log files of an unknown instance, task or executor: HTTP 204, no body" {
	local p
	for p in logfiles/applications/x-1/AI-1/list \
	    logfiles/applications/ctr-1/AI-nope/list logfiles/tasks/CTR/nope/list \
	    logfiles/localservices/x-1/SI-1/list \
	    logfiles/localservices/ctrls-1/SI-nope/read/output.log; do
		get "$p"
		[ "$code" = 204 ] || { echo "# $p: HTTP $code $body" >&2; false; }
		[ -z "$body" ]
	done
}

# --- 4. errors of §3.1 --------------------------------------------------

@test "malformed JSON on every POST path with a body: 400 \"JSON validation failure\", one parser message" {
	local p bad=0
	for p in applications/validate/spec applications/placementpolicy/rule/dryrun \
	    applications/operations operations localservices/validate/spec \
	    localservices/operations tasks/validate/spec tasks/operations; do
		for b in '{"type": ' '{"a":1,}' 'nope'; do
			post "$p" "$b"
			verrs 400 "JSON validation failure" &&
			    jq -e '.data.validationErrors | length == 1' <<<"$body" >/dev/null ||
			    { echo "# POST $p [$b]" >&2; bad=1; }
		done
	done
	[ "$bad" = 0 ]
}

@test "malformed JSON on POST /messages (a cluster node): 400 \"JSON validation failure\"" {
	printf '{"type": ' >"$BATS_TEST_TMPDIR/m.json"
	http_call -H 'NodeId: 127.0.0.1' -H "Cluster-Authorization: $(node_secret)" \
	    -H 'Content-Type: application/json' \
	    --data-binary @"$BATS_TEST_TMPDIR/m.json" "$V/messages"
	[ "$body" != '{"status":"SUCCESS","message":"success"}' ] ||
	    skip "messages pending"
	verrs 400 "JSON validation failure"
	jq -e '.data.validationErrors | length == 1' <<<"$body"
}

@test "validation failures on every POST path: 400 \"Command validation failure\", a list of strings" {
	local p bad=0
	for p in applications/validate/spec applications/placementpolicy/rule/dryrun \
	    applications/operations operations localservices/validate/spec \
	    localservices/operations tasks/validate/spec tasks/operations; do
		for b in '{}' '[]' 'null' '{"type":"CREATE"}'; do
			post "$p" "$b"
			verrs 400 "Command validation failure" ||
			    { echo "# POST $p [$b]" >&2; bad=1; }
		done
	done
	[ "$bad" = 0 ]
	# the operations of an unknown id
	post applications/operations '{"type":"SCALE","appId":"x-1","requiredInstances":1}'
	failed 400 "Command validation failure" '{"validationErrors":["App x-1 not found"]}'
	post localservices/operations '{"type":"ACTIVATE","serviceId":"x-1"}'
	failed 400 "Command validation failure" '{"validationErrors":["Local service x-1 not found"]}'
	post tasks/operations '{"type":"KILL","sourceAppName":"CTR","taskId":"nope"}'
	verrs 400 "Command validation failure"
	# an existing id: CREATE again
	post applications/operations "$(cat "$T/ctr.json")"
	failed 400 "Command validation failure" '{"validationErrors":["App ctr-1 already exists"]}'
	# cancel of nothing
	for p in applications/operations/ctr-1/cancel operations/x-1/cancel \
	    localservices/operations/ctrls-1/cancel; do
		post "$p" ''
		failed 400 "Command validation failure" \
		    '{"validationErrors":["Current operation could not be cancelled"]}'
	done
	# DELETE of a running task
	http_call -X DELETE "$V/tasks/CTR/instances/run"
	verrs 400 "Command validation failure"
	# bad query values
	for p in "applications/ctr-1/instances?state=NOPE" \
	    "localservices/ctrls-1/instances?state=NOPE" \
	    "applications/ctr-1/instances/old?start=-1" \
	    "cluster/events?lastSyncTime=-1" "cluster/events/latest?size=x" \
	    "cluster/events/summary?lastSyncTime=abc"; do
		get "$p"
		verrs 400 "Command validation failure" || { echo "# GET $p" >&2; false; }
	done
	# nothing changed
	get applications
	[ "$(jq -c '.data | keys' <<<"$body")" = '["ctr-1","ctra-1","ctrspec-1"]' ]
	task_in run RUNNING
}

@test "unknown paths 404, known paths with another method 405: Drove's texts in the envelope" {
	local u
	for u in /apis/v1/nope /apis/v2/ping /nope /apis/v1/applications/ctr-1/nope \
	    /apis/v1/cluster/executors/x/y/z; do
		http_call "http://127.0.0.1:$API_PORT$u"
		failed 404 "HTTP 404 Not Found" || { echo "# GET $u" >&2; false; }
	done
	for u in "DELETE /apis/v1/ping" "POST /apis/v1/applications" \
	    "PUT /apis/v1/tasks/CTR/instances/run" "GET /apis/v1/tasks/operations" \
	    "DELETE /apis/v1/cluster" "GET /apis/v1/cluster/maintenance/set"; do
		http_call -X "${u% *}" "http://127.0.0.1:$API_PORT${u#* }"
		failed 405 "HTTP 405 Method Not Allowed" || { echo "# $u" >&2; false; }
	done
}

@test "a controller that does not lead: HTTP 400 {status FAILED, \"This node is not the leader controller\"} on every /apis path" {
	local b u
	b=http://127.0.0.1:$(cat "$T/nl/port")
	for u in /apis/v1/ping /apis/v1/applications /apis/v1/cluster \
	    /apis/v1/applications/ctr-1 /apis/v1/nope; do
		http_call "$b$u"
		failed 400 "This node is not the leader controller" ||
		    { echo "# GET $u" >&2; false; }
	done
	printf '{"type": ' >"$BATS_TEST_TMPDIR/m.json"
	http_call -X POST --data-binary @"$BATS_TEST_TMPDIR/m.json" \
	    "$b/apis/v1/applications/operations"
	failed 400 "This node is not the leader controller"
}

@test "an unexpected error: HTTP 500 \"Unexpected Server error\" with data {failure}" {
	http_call "$P/logfiles/applications/priv-1/AI-3/list"
	[ "$code" = 500 ]
	jq -e 'keys == ["data", "message", "status"] and .status == "FAILED" and
	    .message == "Unexpected Server error" and
	    (.data | keys == ["failure"]) and (.data.failure | type == "string" and
	    length > 0)' <<<"$body"
	no_nulls "$body"
}

# --- 5. paging ----------------------------------------------------------

# page PATH QUERY: the ids of the page
page() {
	get "$1?$2"
	ok_envelope
	jq -c '.data | keys' <<<"$body"
}

@test "GET /applications?from=&size=: sorted by id; bad values 400" {
	[ "$(page applications from=0\&size=2)" = '["ctr-1","ctra-1"]' ]
	[ "$(page applications from=1\&size=1)" = '["ctra-1"]' ]
	[ "$(page applications from=2\&size=5)" = '["ctrspec-1"]' ]
	[ "$(page applications from=3)" = '[]' ]
	[ "$(page applications size=0)" = '[]' ]
	[ "$(page applications size=1)" = '["ctr-1"]' ]
	[ "$(page applications from=1)" = '["ctra-1","ctrspec-1"]' ]
	# a page's summaries are the full list's
	full=$(curl -s "$V/applications")
	get "applications?from=1&size=1"
	jq -e --argjson f "$full" '.data["ctra-1"] == $f.data["ctra-1"]' <<<"$body"
	for q in from=-1 size=-1 size=x from=1.5 from=99999999999999999999; do
		get "applications?$q"
		verrs 400 "Command validation failure" || { echo "# ?$q" >&2; false; }
		jq -e '.data.validationErrors | length == 1' <<<"$body"
	done
}

@test "GET /localservices?from=&size=: sorted by id; bad values 400" {
	[ "$(page localservices from=0\&size=1)" = '["ctrls-1"]' ]
	[ "$(page localservices from=1\&size=1)" = '["ctrlsb-1"]' ]
	[ "$(page localservices from=0\&size=5)" = '["ctrls-1","ctrlsb-1"]' ]
	[ "$(page localservices from=2)" = '[]' ]
	[ "$(page localservices size=0)" = '[]' ]
	for q in from=-1 size=-1 size=x from=1.5; do
		get "localservices?$q"
		verrs 400 "Command validation failure" || { echo "# ?$q" >&2; false; }
		jq -e '.data.validationErrors | length == 1' <<<"$body"
	done
}

# --- 6. the log proxy ---------------------------------------------------

@test "log proxy list: the executor's raw {\"files\":[...]} for the app instance, the task, the local-service instance" {
	local p
	for p in "applications/ctr-1/$AIID" tasks/CTR/done "localservices/ctrls-1/$SIID"; do
		curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' \
		    "$V/logfiles/$p/list" >"$BATS_TEST_TMPDIR/c"
		[ "$(cat "$BATS_TEST_TMPDIR/c")" = 200 ]
		grep -qi '^content-type: application/json' "$BATS_TEST_TMPDIR/h"
		jq -e 'keys == ["files"] and (.files | type == "array" and
		    all(type == "string") and index("output.log") != null)' \
		    "$BATS_TEST_TMPDIR/b"
	done
}

@test "log proxy read {data,offset} and download (bytes, Content-Disposition) for the app instance" {
	L=$V/logfiles/applications/ctr-1/$AIID
	get "${L#"$V/"}/read/output.log?offset=-1&length=-1"
	[ "$code" = 200 ]
	jq -e 'keys == ["data", "offset"] and .data == "" and
	    (.offset | type == "number" and . > 0)' <<<"$body"
	len=$(jq .offset <<<"$body")
	get "${L#"$V/"}/read/output.log?offset=0&length=16"
	[ "$code" = 200 ]
	jq -e 'keys == ["data", "offset"] and .offset == 0 and
	    (.data | type == "string" and length == 16)' <<<"$body"
	first=$(jq -j .data <<<"$body")
	curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/f" "$L/download/output.log"
	head -1 "$BATS_TEST_TMPDIR/h" | grep -q ' 200'
	grep -qix 'content-disposition: attachment; filename=output.log.' "$BATS_TEST_TMPDIR/h"
	grep -qi '^content-type: application/octet-stream' "$BATS_TEST_TMPDIR/h"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/f")" -ge "$len" ]
	[ "$(head -c 16 "$BATS_TEST_TMPDIR/f")" = "$first" ]
	# a file that is not there: the executor's own 400 {"error":...}
	get "${L#"$V/"}/read/nope.log"
	[ "$code" = 400 ]
	jq -e 'keys == ["error"] and (.error | type == "string")' <<<"$body"
}

@test "log proxy download?rename=true: Drove's name {appId}_{instanceId}_{file}-yyyy-MM-dd_HH-mm-ss" {
	curl -s -D "$BATS_TEST_TMPDIR/h" -o /dev/null \
	    "$V/logfiles/applications/ctr-1/$AIID/download/output.log?rename=true"
	grep -qiE "^content-disposition: attachment; filename=ctr-1_${AIID}_output\.log-[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}-[0-9]{2}-[0-9]{2}.$" \
	    "$BATS_TEST_TMPDIR/h" || { cat "$BATS_TEST_TMPDIR/h" >&2; false; }
}

@test "task search: 303 to the task's page, else to /" {
	curl -s -o /dev/null -D "$BATS_TEST_TMPDIR/h" -X POST \
	    -d 'taskSearchAppName=CTR&taskSearchTaskID=done' "$V/tasks/search"
	head -1 "$BATS_TEST_TMPDIR/h" | grep -q ' 303'
	grep -qix 'location: /tasks/CTR/done.' "$BATS_TEST_TMPDIR/h"
	curl -s -o /dev/null -D "$BATS_TEST_TMPDIR/h" -X POST \
	    -d 'taskSearchAppName=CTR&taskSearchTaskID=nope' "$V/tasks/search"
	head -1 "$BATS_TEST_TMPDIR/h" | grep -q ' 303'
	grep -qix 'location: /.' "$BATS_TEST_TMPDIR/h"
}
