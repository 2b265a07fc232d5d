#!/usr/bin/env bats
# Instance tokens on a real local cluster (real containers), with
# instanceAuth.secret set in the controllers' configuration: an app
# instance's and a local-service instance's container get
# DROVE_APP_INSTANCE_AUTH_TOKEN, an HS256 JWT with Drove's claims signed
# with that secret (checked with openssl, not with our code), the same
# token as their assignment's instanceAuthToken; a task's gets none.
# GET /apis/v1/internal/instances with App-Instance-Authorization lists
# the siblings (the state filter, forApp=true across versions, a local
# service's), and refuses a tampered token, a stopped instance's token
# and no token.
# Each test deploys its own apps (named after the test) and the teardown
# removes every app and local service.

load helpers
bats_require_minimum_version 1.5.0

SECRET=itoken-bats-0123456789abcdef0123456789

setup_file() {
	cluster_start
	# the controllers' secret: drove-sched signs with it, drove-httpd
	# verifies with it
	printf 'instanceAuth: {secret: %s}\n' "$SECRET" \
	    >>"$DROVE_RUN/conf/controller.yml"
	wait_until 60 test -d "$DROVE_RUN/leader-service/drove-sched/supervise"
	s6-svc -r "$DROVE_RUN/leader-service/drove-sched"
	s6-svc -r "$DROVE_RUN/service/drove-httpd"
}
teardown_file() { cluster_stop; }

setup() {
	wait_until 60 ping_is 200
	APP=itok$BATS_TEST_NUMBER
}

teardown() {
	local id sid
	for id in $(curl -s "$API/apis/v1/applications" | jq -r '.data | keys[]'); do
		curl -s -X POST "$API/apis/v1/applications/operations/$id/cancel" >/dev/null
		wait_until 60 sh -c "curl -s $API/apis/v1/applications/$id | jq -e '.data.currentOperation == null'" || true
		op applications "{\"type\":\"SUSPEND\",\"appId\":\"$id\"}" >/dev/null
		wait_until 60 sh -c "curl -s $API/apis/v1/applications/$id | jq -e '.status == \"FAILED\" or .data.state == \"MONITORING\"'" || true
		op applications "{\"type\":\"DESTROY\",\"appId\":\"$id\"}" >/dev/null
		wait_until 30 sh -c "curl -s $API/apis/v1/applications/$id | jq -e '.status == \"FAILED\"'" || true
	done
	for sid in $(curl -s "$API/apis/v1/localservices" | jq -r '.data | keys[]'); do
		op localservices "{\"type\":\"DEACTIVATE\",\"serviceId\":\"$sid\"}" >/dev/null
		wait_until 60 sh -c "curl -s '$API/apis/v1/localservices/$sid/instances' | jq -e '.data | length == 0'" || true
		op localservices "{\"type\":\"DESTROY\",\"serviceId\":\"$sid\"}" >/dev/null
		wait_until 30 sh -c "curl -s '$API/apis/v1/localservices/$sid' | jq -e '.status == \"FAILED\"'" || true
	done
}

# op KIND JSON: POST JSON to /apis/v1/KIND/operations; prints the answer
op() {
	printf '%s' "$2" >"$BATS_TEST_TMPDIR/op.json"
	curl -s -H 'Content-Type: application/json' \
	    --data-binary @"$BATS_TEST_TMPDIR/op.json" \
	    "$API/apis/v1/$1/operations"
}
ok_op() { op "$1" "$2" | jq -e '.status == "SUCCESS"' >/dev/null; }

# create NAME VERSION N: app NAME-VERSION of the test image, N instances
create() {
	ok_op applications "$(jq -c --arg n "$1" --arg v "$2" --argjson k "$3" \
	    '.spec.name = $n | .spec.version = $v |
	     .spec.exposureSpec.vhost = "\($n).local" | .instances = $k' \
	    "$TOP/examples/create.json")"
}

healthy_ids() {	# APPID
	curl -s "$API/apis/v1/applications/$1/instances" |
	    jq -r '[.data[] | select(.state == "HEALTHY") | .instanceId] | sort | .[]'
}
healthy_is() { [ "$(healthy_ids "$1" | wc -l)" = "$2" ]; }

# env_of IID: the environment the container of instance IID sees
env_of() {
	local cid
	cid=$(/usr/bin/docker ps -q --filter "label=drove.instance.id=$1")
	[ -n "$cid" ] || return 1
	/usr/bin/docker exec "$cid" env
}

# token IID: its DROVE_APP_INSTANCE_AUTH_TOKEN (fails if it has none)
token() {
	local e t
	e=$(env_of "$1") || return 1
	t=$(sed -n 's/^DROVE_APP_INSTANCE_AUTH_TOKEN=//p' <<<"$e")
	[ -n "$t" ] || return 1
	echo "$t"
}

# b64url_json PART: a JWT part decoded
b64url_json() {
	local s=${1//-/+}
	s=${s//_//}
	while [ $((${#s} % 4)) != 0 ]; do s+='='; done
	base64 -d <<<"$s"
}

# uuid3 TEXT: Java's UUID.nameUUIDFromBytes(TEXT), from md5sum
uuid3() {
	local h v
	h=$(printf '%s' "$1" | md5sum | cut -c1-32)
	v=$(printf '%x' $(((0x${h:16:1} & 0x3) | 0x8)))
	echo "${h:0:8}-${h:8:4}-3${h:13:3}-$v${h:17:3}-${h:20:12}"
}

# hs256 KEY TEXT: the base64url HMAC-SHA256 of TEXT (openssl)
hs256() {
	printf '%s' "$2" | openssl dgst -sha256 -hmac "$1" -binary |
	    basenc --base64url | tr -d '=\n'
}

# check_token TOKEN ID IID EID T0: TOKEN is Drove's token of instance IID
# of app (service) ID on executor EID, issued at T0 or later, signed with
# SECRET
check_token() {
	local h p s
	IFS=. read -r h p s <<<"$1"
	[ -n "$s" ]
	b64url_json "$h" | jq -e '.alg == "HS256"'
	b64url_json "$p" | jq -e --arg a "$2" --arg i "$3" --arg e "$4" \
	    --arg j "$(uuid3 "$2:$3:$4")" --argjson t0 "$5" \
	    --argjson now "$(date +%s)" '
	    .iss == "drove" and .aud == "drove-application-instance" and
	    .sub == "drove-controller" and .droveAppId == $a and
	    .droveInstanceId == $i and .droveExecutorId == $e and
	    .jti == $j and .iat >= $t0 - 1 and .iat <= $now and
	    (has("exp") | not)'
	[ "$(hs256 "$SECRET" "$h.$p")" = "$s" ]
	[ "$(hs256 DEFAULT_SECRET "$h.$p")" != "$s" ]
}

# internal TOKEN [QUERY]: GET /apis/v1/internal/instances with TOKEN;
# prints "<http code> <body>"
internal() {
	local hdr=()
	[ -n "$1" ] && hdr=(-H "App-Instance-Authorization: $1")
	curl -s -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}' "${hdr[@]}" \
	    "$API/apis/v1/internal/instances${2:+?$2}"
	printf ' '
	cat "$BATS_TEST_TMPDIR/body"
}

@test "uuid3 here is Java's nameUUIDFromBytes (the test's own check)" {
	[ "$(uuid3 payments-1:AI-1234:exec-9)" = 5d8e37d6-c669-374f-a43e-4b8c00b65dce ]
}

@test "an app instance's container has DROVE_APP_INSTANCE_AUTH_TOKEN: Drove's claims, HS256 with instanceAuth.secret" {
	t0=$(date +%s)
	create "$APP" 1 1
	wait_until 90 healthy_is "$APP-1" 1
	iid=$(healthy_ids "$APP-1")
	ii=$(curl -s "$API/apis/v1/applications/$APP-1/instances/$iid")
	eid=$(jq -r .data.executorId <<<"$ii")
	[ -n "$eid" ]
	[ "$eid" != null ]
	tok=$(token "$iid")
	check_token "$tok" "$APP-1" "$iid" "$eid" "$t0"
	# the same token is the assignment's instanceAuthToken
	"$BIN/drove-zkcli" -z "$ZK" get "/drove/assignments/$eid/$iid" |
	    jq -e --arg t "$tok" '.instanceAuthToken == $t'
}

@test "a local-service instance's container has the token too, a task's none" {
	t0=$(date +%s)
	spec=$(jq -c --arg n "$APP" '.spec | .name = $n | del(.exposureSpec) |
	    .placementPolicy = {type: "LOCAL", hostLevel: false}' \
	    "$TOP/examples/create.json")
	ok_op localservices "{\"type\":\"CREATE\",\"spec\":$spec,\"instancesPerHost\":1}"
	ok_op localservices "{\"type\":\"ACTIVATE\",\"serviceId\":\"$APP-1\"}"
	wait_until 90 sh -c "curl -s '$API/apis/v1/localservices/$APP-1/instances' |
	    jq -e '[.data[] | select(.state == \"HEALTHY\")] | length == 1'"
	ii=$(curl -s "$API/apis/v1/localservices/$APP-1/instances" | jq -c '.data[0]')
	iid=$(jq -r .instanceId <<<"$ii")
	eid=$(jq -r .executorId <<<"$ii")
	check_token "$(token "$iid")" "$APP-1" "$iid" "$eid" "$t0"

	ok_op tasks "$(jq -nc --arg a "$APP" '{type: "CREATE", spec:
	    {sourceAppName: $a, taskId: "t1", executable: {type: "DOCKER",
	    url: "drove-test/web:1", dockerPullTimeout: "100 seconds"},
	    resources: [{type: "CPU", count: 1}, {type: "MEMORY",
	    sizeInMB: 64}], placementPolicy: {type: "ANY"}, env: {},
	    args: ["sh", "-c", "sleep 60"], tags: {}}}')"
	wait_until 60 sh -c "curl -s '$API/apis/v1/tasks/$APP/instances/t1' | jq -e '.data.state == \"RUNNING\"'"
	tiid=$(curl -s "$API/apis/v1/tasks/$APP/instances/t1" | jq -r .data.instanceId)
	e=$(env_of "$tiid")
	grep -qx "DROVE_TASK_ID=t1" <<<"$e"
	[[ "$e" != *DROVE_APP_INSTANCE_AUTH_TOKEN* ]]
	run token "$tiid"
	[ "$status" -ne 0 ]
	ok_op tasks "{\"type\":\"KILL\",\"sourceAppName\":\"$APP\",\"taskId\":\"t1\"}"
}

@test "GET /apis/v1/internal/instances with an instance's token lists its app's instances, sorted by instanceId" {
	create "$APP" 1 2
	wait_until 90 healthy_is "$APP-1" 2
	ids=$(healthy_ids "$APP-1" | jq -Rsc 'split("\n") | map(select(. != ""))')
	tok=$(token "$(healthy_ids "$APP-1" | tail -1)")
	run internal "$tok"
	[ "${output%% *}" = 200 ]
	jq -e --argjson ids "$ids" '.status == "SUCCESS" and
	    .message == "success" and ([.data[].instanceId] == $ids) and
	    ([.data[].appId] | unique == ["'"$APP"'-1"]) and
	    all(.data[]; .state == "HEALTHY" and .executorId != "")' <<<"${output#* }"
	# the state filter: any case, repeatable; an unknown state is 400
	run internal "$tok" "state=healthy&state=STOPPED"
	jq -e '.data | length == 2' <<<"${output#* }"
	run internal "$tok" "state=STOPPED"
	jq -e '.status == "SUCCESS" and .data == []' <<<"${output#* }"
	run internal "$tok" "state=BOGUS"
	[ "${output%% *}" = 400 ]
}

@test "forApp=true lists the instances of every version of the app; without it only the token's app" {
	create "$APP" 1 1
	create "$APP" 2 1
	wait_until 90 healthy_is "$APP-1" 1
	wait_until 90 healthy_is "$APP-2" 1
	both=$( (healthy_ids "$APP-1"; healthy_ids "$APP-2") | sort | jq -Rsc 'split("\n") | map(select(. != ""))')
	tok=$(token "$(healthy_ids "$APP-1")")
	run internal "$tok"
	jq -e --arg i "$(healthy_ids "$APP-1")" '[.data[].instanceId] == [$i]' <<<"${output#* }"
	run internal "$tok" forApp=true
	[ "${output%% *}" = 200 ]
	jq -e --argjson b "$both" '[.data[].instanceId] == $b' <<<"${output#* }"
	run internal "$tok" forApp=TRUE
	jq -e '.data | length == 2' <<<"${output#* }"
	run internal "$tok" forApp=false
	jq -e '.data | length == 1' <<<"${output#* }"
}

@test "a local service's token lists its service's instances" {
	spec=$(jq -c --arg n "$APP" '.spec | .name = $n | del(.exposureSpec) |
	    .placementPolicy = {type: "LOCAL", hostLevel: false}' \
	    "$TOP/examples/create.json")
	ok_op localservices "{\"type\":\"CREATE\",\"spec\":$spec,\"instancesPerHost\":2}"
	ok_op localservices "{\"type\":\"ACTIVATE\",\"serviceId\":\"$APP-1\"}"
	wait_until 90 sh -c "curl -s '$API/apis/v1/localservices/$APP-1/instances' |
	    jq -e '[.data[] | select(.state == \"HEALTHY\")] | length == 2'"
	ids=$(curl -s "$API/apis/v1/localservices/$APP-1/instances" | jq -c '[.data[].instanceId] | sort')
	run internal "$(token "$(jq -r '.[0]' <<<"$ids")")"
	[ "${output%% *}" = 200 ]
	jq -e --argjson ids "$ids" '[.data[].instanceId] == $ids and
	    all(.data[]; .serviceId == "'"$APP"'-1")' <<<"${output#* }"
}

@test "a tampered token, a stopped instance's token and no token are refused" {
	create "$APP" 1 2
	wait_until 90 healthy_is "$APP-1" 2
	a=$(healthy_ids "$APP-1" | head -1)
	b=$(healthy_ids "$APP-1" | tail -1)
	tok=$(token "$a")
	btok=$(token "$b")
	run internal "$tok"
	[ "${output%% *}" = 200 ]
	# no token
	run internal ""
	[[ "${output%% *}" == 40[13] ]]
	# another instance's payload under this signature; a changed
	# signature; garbage
	IFS=. read -r h p s <<<"$tok"
	IFS=. read -r _ bp _ <<<"$btok"
	run internal "$h.$bp.$s"
	[ "${output%% *}" = 401 ]
	run internal "$h.$p.${s:0:10}$([ "${s:10:1}" = A ] && echo B || echo A)${s:11}"
	[ "${output%% *}" = 401 ]
	run internal "not-a-token"
	[ "${output%% *}" = 401 ]
	# the token of an instance that was stopped
	ok_op applications "{\"type\":\"STOP_INSTANCES\",\"appId\":\"$APP-1\",\"instanceIds\":[\"$b\"],\"skipRespawn\":true}"
	wait_until 60 sh -c "curl -s '$API/apis/v1/applications/$APP-1/instances/$b' | jq -e '.data.state == \"STOPPED\"'"
	run internal "$btok"
	[ "${output%% *}" = 401 ]
	# the other's still works and no longer lists it
	run internal "$tok"
	[ "${output%% *}" = 200 ]
	jq -e --arg a "$a" '[.data[].instanceId] == [$a]' <<<"${output#* }"
}
