#!/usr/bin/env bats
# Users, roles and cluster secrets at drove-httpd (reference §3.2, §8):
# every route of the table (drove-httpd -r) for every kind of caller, 401
# and 403, Basic users PLAIN and CRYPT ($2a$, $2b$, $2y$), disableReadAuth,
# the ACCESS_AUDIT lines, and a controller with userAuth off.  drove-httpd
# runs alone (no leader programs) against a private ZooKeeper, the
# leader by an election znode this file holds.

load helpers
bats_require_minimum_version 1.5.0
NS=t-auth

# Precomputed with libxcrypt (cost 4): password "s3cret-<variant>".
H2A='$2a$04$abcdefghijklmnopqrstuu2Z5j/vgVo0VYuM2k/o1d86cMOzl1Zr6'
H2B='$2b$04$abcdefghijklmnopqrstuuK7JWkgIxEiexDlDwjZKuVh9sNRmOVsK'
H2Y='$2y$04$abcdefghijklmnopqrstuukCLgKZTctbqpLhDsKBRwzl3.LXrAn82'

# controller_yml FILE EXTRA...: a configuration for this file's ZooKeeper
# with the YAML lines EXTRA appended.
controller_yml() {
	local f=$1
	shift
	{
		echo 'server: {applicationConnectors: [{type: http, port: 4000}], bindAddress: 127.0.0.1}'
		echo "zookeeper: {connectionString: \"127.0.0.1:$(cat "$T/zkport")\", nameSpace: $NS}"
		echo 'clusterAuth: {secrets: [{nodeType: CONTROLLER, secret: c-secret}, {nodeType: EXECUTOR, secret: e-secret}]}'
		printf '%s\n' "$@"
	} >"$f"
}

# lead DIR: make the drove-httpd of DIR the leader and wait for it
lead() {
	local port
	port=$(cat "$1/port")
	put_ephemeral "/$NS/leaderselection/leader-$(printf %010d "$port")" \
	    "{\"hostname\":\"127.0.0.1\",\"port\":$port}"
	wait_until 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -u root:root-pw http://127.0.0.1:$port/apis/v1/ping)\" = 200 ]"
}

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	zk_start
	echo "$ZK_PORT" >"$T/zkport"
	controller_yml "$T/plain.yml" \
	    'options: {hostname: 127.0.0.1}' \
	    'userAuth:' '  enabled: true' '  users:' \
	    '    - {username: root, password: root-pw, role: EXTERNAL_ROOT}' \
	    '    - {username: rw, password: rw-pw, role: EXTERNAL_READ_WRITE}' \
	    '    - {username: ro, password: ro-pw, role: EXTERNAL_READ_ONLY}' \
	    '    - {username: mnt, password: mnt-pw, role: DROVE_EXTERNAL_MAINTENANCE}' \
	    '    - {username: none, password: none-pw}'
	start_httpd "$T/plain" "$T/plain.yml"
	lead "$T/plain"
	export A="http://127.0.0.1:$(cat "$T/plain/port")"
}

teardown_file() {
	local d
	for d in "$T"/*/; do
		[ -f "$d/pid" ] && kill "$(cat "$d/pid")" 2>/dev/null
	done
	if [ -f "$T/holders" ]; then
		while read -r p; do kill "$p" 2>/dev/null; done <"$T/holders"
	fi
	zk_stop
	true
}

# code URL METHOD CURL-ARGS...: the HTTP code of one call (an event
# stream is cut after a second: its code is what counts)
code() {
	local url=$1 method=$2
	shift 2
	curl -s -o /dev/null -m 2 -w '%{http_code}' -X "$method" \
	    -H 'Content-Type: application/json' --data-binary '{}' "$@" "$url" || true
}

# concrete PATH: a path of the table with its wildcards filled in
concrete() {
	sed -e 's|/\*\*$|/list|' -e 's|/\*|/x-1|g' <<<"$1"
}

# allowed ROLE-CLASS CALLER: whether CALLER may call a route of that class
allowed() {
	case $1:$2 in
	R:root | R:rw | R:ro | R:mnt | R:none | R:node) return 0 ;;
	W:root | W:rw) return 0 ;;
	MNT:root | MNT:mnt) return 0 ;;
	LOG:root | LOG:rw | LOG:ro) return 0 ;;
	NODE:node) return 0 ;;
	esac
	return 1
}

creds() {
	case $1 in
	node) echo "-H NodeId:ctl-test -H Cluster-Authorization:e-secret" ;;
	*) echo "-u $1:$1-pw" ;;
	esac
}

# Drove's paths and the role each needs (reference §3.3; the log paths'
# list/read/download as one "**" route each; events/stream is ours).
ROUTES='GET	/apis/v1/ping	R
POST	/apis/v1/applications/validate/spec	R
POST	/apis/v1/applications/placementpolicy/rule/dryrun	R
POST	/apis/v1/applications/operations	W
POST	/apis/v1/operations	W
POST	/apis/v1/applications/operations/*/cancel	W
POST	/apis/v1/operations/*/cancel	W
GET	/apis/v1/applications	R
GET	/apis/v1/applications/*	R
GET	/apis/v1/applications/*/spec	R
GET	/apis/v1/applications/*/instances	R
GET	/apis/v1/applications/*/instances/old	R
GET	/apis/v1/applications/*/instances/*	R
POST	/apis/v1/localservices/validate/spec	R
POST	/apis/v1/localservices/operations	W
POST	/apis/v1/localservices/operations/*/cancel	W
GET	/apis/v1/localservices	R
GET	/apis/v1/localservices/*	R
GET	/apis/v1/localservices/*/spec	R
GET	/apis/v1/localservices/*/instances	R
GET	/apis/v1/localservices/*/instances/old	R
GET	/apis/v1/localservices/*/instances/*	R
POST	/apis/v1/tasks/validate/spec	R
POST	/apis/v1/tasks/operations	W
GET	/apis/v1/tasks	R
GET	/apis/v1/tasks/*/instances/*	R
DELETE	/apis/v1/tasks/*/instances/*	R
POST	/apis/v1/tasks/search	R
GET	/apis/v1/cluster	R
GET	/apis/v1/cluster/dashboard	R
GET	/apis/v1/cluster/executors	R
GET	/apis/v1/cluster/executors/*	R
POST	/apis/v1/cluster/executors/*/blacklist	MNT
POST	/apis/v1/cluster/executors/blacklist	MNT
POST	/apis/v1/cluster/executors/*/unblacklist	MNT
POST	/apis/v1/cluster/executors/unblacklist	MNT
POST	/apis/v1/cluster/maintenance/set	MNT
POST	/apis/v1/cluster/maintenance/unset	MNT
GET	/apis/v1/cluster/events	R
GET	/apis/v1/cluster/events/latest	R
GET	/apis/v1/cluster/events/summary	R
GET	/apis/v1/cluster/events/stream	R
GET	/apis/v1/endpoints	R
GET	/apis/v1/endpoints/app/*	R
GET	/apis/v1/logfiles/applications/*/*/**	LOG
GET	/apis/v1/logfiles/tasks/*/*/**	LOG
GET	/apis/v1/logfiles/localservices/*/*/**	LOG
POST	/apis/v1/messages	NODE
GET	/apis/v1/internal/cluster/executors/*/instances/last	NODE
GET	/apis/v1/internal/cluster/executors/*/instances/current	NODE
GET	/apis/v1/internal/cluster/resources/reserved	NODE
GET	/apis/v1/internal/instances	INST'

@test "the route table is Drove's, path by path, role by role" {
	diff <(printf '%s\n' "$ROUTES") <("$BIN/drove-httpd" -r | jq -r '[.method, .path, .role] | @tsv')
}

@test "every route answers each caller as its role allows (403 otherwise)" {
	local n=0 bad=0 method path role caller url c
	while IFS=$'\t' read -r method path role; do
		url="$A$(concrete "$path")"
		for caller in root rw ro mnt none node; do
			# shellcheck disable=SC2046
			c=$(code "$url" "$method" $(creds "$caller"))
			n=$((n + 1))
			if allowed "$role" "$caller"; then
				case $c in
				401 | 403 | 000) echo "$caller $method $path ($role): $c, want allowed" >&3; bad=$((bad + 1)) ;;
				esac
			elif [ "$c" != 403 ]; then
				echo "$caller $method $path ($role): $c, want 403" >&3
				bad=$((bad + 1))
			fi
		done
	done < <(printf '%s\n' "$ROUTES")
	[ "$n" -ge 300 ]
	[ "$bad" = 0 ]
}

@test "no, wrong or unknown credentials: 401 with a Basic challenge" {
	run curl -s -i "$A/apis/v1/applications"
	[[ $output == "HTTP/1.1 401"* ]]
	grep -qi '^WWW-Authenticate: Basic realm="drove"' <<<"$output"
	[[ $output == *"Credentials are required to access this resource."* ]]
	[ "$(code "$A/apis/v1/applications" GET -u root:wrong)" = 401 ]
	[ "$(code "$A/apis/v1/applications" GET -u ghost:root-pw)" = 401 ]
	[ "$(code "$A/apis/v1/applications" GET -H 'Authorization: Basic !!!')" = 401 ]
	[ "$(code "$A/apis/v1/applications" GET -H 'Authorization: Bearer abc')" = 401 ]
	# a wrong cluster secret is refused, even next to a good user
	[ "$(code "$A/apis/v1/applications" GET -u root:root-pw -H NodeId:x -H Cluster-Authorization:nope)" = 401 ]
	# a secret without NodeId is no node
	[ "$(code "$A/apis/v1/internal/cluster/resources/reserved" GET -H Cluster-Authorization:c-secret)" = 401 ]
	# either configured secret makes a cluster node
	[ "$(code "$A/apis/v1/internal/cluster/resources/reserved" GET -H NodeId:n -H Cluster-Authorization:c-secret)" = 200 ]
	[ "$(code "$A/apis/v1/internal/cluster/resources/reserved" GET -H NodeId:n -H Cluster-Authorization:e-secret)" = 200 ]
	# a forged instance token is no instance
	[ "$(code "$A/apis/v1/internal/instances" GET -H 'App-Instance-Authorization: a.b.c')" = 401 ]
}

@test "403 answers in Drove's envelope and names nothing of the caller" {
	run curl -s -u ro:ro-pw -X POST -H 'Content-Type: application/json' \
	    --data-binary '{}' "$A/apis/v1/applications/operations"
	[ "$(jq -c . <<<"$output")" = '{"status":"FAILED","message":"HTTP 403 Forbidden"}' ]
	grep -q 'ACCESS_DENIED: Api \[POST\] /apis/v1/applications/operations refused to ro (role DROVE_EXTERNAL_READ_ONLY, needs W)' "$T/plain/stderr"
}

@test "ACCESS_AUDIT names the real user, for the method and for the operation" {
	curl -s -u rw:rw-pw -X POST -H 'Content-Type: application/json' \
	    --data-binary '{"type":"SCALE","appId":"nothere-1","instances":1}' \
	    "$A/apis/v1/applications/operations" >/dev/null
	grep -q 'ACCESS_AUDIT: Api \[POST\] /apis/v1/applications/operations called by rw$' "$T/plain/stderr"
	grep -q 'ACCESS_AUDIT: Application Operation SCALE nothere-1 received from user: rw. Validation result: FAILURE (400' "$T/plain/stderr"
	# ids from the path or the query
	curl -s -u rw:rw-pw -X POST "$A/apis/v1/applications/operations/gone-1/cancel" >/dev/null
	grep -q 'ACCESS_AUDIT: Application Operation cancel gone-1 received from user: rw. Validation result: FAILURE (400' "$T/plain/stderr"
	curl -s -u mnt:mnt-pw -X POST "$A/apis/v1/cluster/executors/blacklist?id=ex-1&id=ex-2" >/dev/null
	grep -q 'ACCESS_AUDIT: Executor blacklist ex-1,ex-2 received from user: mnt. Validation result: ' "$T/plain/stderr"
	# GET is not an audited method by default
	curl -s -u ro:ro-pw "$A/apis/v1/cluster" >/dev/null
	run ! grep -q 'ACCESS_AUDIT: Api \[GET\] /apis/v1/cluster called by ro' "$T/plain/stderr"
	# a node's calls name the node
	curl -s -H NodeId:exec-9 -H Cluster-Authorization:e-secret -X POST \
	    -H 'Content-Type: application/json' --data-binary '{}' "$A/apis/v1/messages" >/dev/null
	grep -q 'ACCESS_AUDIT: Api \[POST\] /apis/v1/messages called by EXECUTOR-exec-9$' "$T/plain/stderr"
}

@test "CRYPT users: bcrypt \$2a\$, \$2b\$ and \$2y\$ hashes" {
	controller_yml "$T/crypt.yml" 'options: {hostname: 127.0.0.1}' \
	    'userAuth:' '  enabled: true' '  encoding: CRYPT' '  users:' \
	    "    - {username: a, password: '$H2A', role: EXTERNAL_ROOT}" \
	    "    - {username: b, password: '$H2B', role: EXTERNAL_READ_WRITE}" \
	    "    - {username: y, password: '$H2Y', role: EXTERNAL_READ_ONLY}"
	start_httpd "$T/crypt" "$T/crypt.yml"
	local B="http://127.0.0.1:$(cat "$T/crypt/port")"
	# not the leader: 400 (leadership is checked before credentials)
	[ "$(code "$B/apis/v1/ping" GET -u a:s3cret-2a)" = 400 ]
	kill "$(cat "$T/crypt/pid")"
	# its own namespace, so that it leads
	sed -i "s/nameSpace: $NS/nameSpace: $NS-crypt/" "$T/crypt.yml"
	start_httpd "$T/crypt2" "$T/crypt.yml"
	B="http://127.0.0.1:$(cat "$T/crypt2/port")"
	put_ephemeral "/$NS-crypt/leaderselection/leader-0000000001" \
	    "{\"hostname\":\"127.0.0.1\",\"port\":$(cat "$T/crypt2/port")}"
	wait_until 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -u a:s3cret-2a $B/apis/v1/ping)\" = 200 ]"
	[ "$(code "$B/apis/v1/cluster/maintenance/set" POST -u a:s3cret-2a)" = 200 ]
	[ "$(code "$B/apis/v1/cluster/maintenance/unset" POST -u b:s3cret-2b)" = 403 ]
	[ "$(code "$B/apis/v1/applications" GET -u b:s3cret-2b)" = 200 ]
	[ "$(code "$B/apis/v1/applications" GET -u y:s3cret-2y)" = 200 ]
	[ "$(code "$B/apis/v1/applications" GET -u y:s3cret-2a)" = 401 ]
	# the hash itself is not a password
	[ "$(code "$B/apis/v1/applications" GET -u "a:$H2A")" = 401 ]
}

@test "disableReadAuth lets any user read logs, and nothing more" {
	controller_yml "$T/dra.yml" 'options: {hostname: 127.0.0.1, disableReadAuth: true}' \
	    "zookeeper: {connectionString: \"127.0.0.1:$(cat "$T/zkport")\", nameSpace: $NS-dra}" \
	    'userAuth:' '  enabled: true' '  users:' \
	    '    - {username: mnt, password: mnt-pw, role: DROVE_EXTERNAL_MAINTENANCE}' \
	    '    - {username: none, password: none-pw}'
	# the later zookeeper key wins (a YAML mapping keeps the last)
	start_httpd "$T/dra" "$T/dra.yml"
	local B="http://127.0.0.1:$(cat "$T/dra/port")"
	put_ephemeral "/$NS-dra/leaderselection/leader-0000000001" \
	    "{\"hostname\":\"127.0.0.1\",\"port\":$(cat "$T/dra/port")}"
	wait_until 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -u mnt:mnt-pw $B/apis/v1/ping)\" = 200 ]"
	local logs=/apis/v1/logfiles/applications/a-1/AI-1/list
	[ "$(code "$B$logs" GET -u mnt:mnt-pw)" != 403 ]
	[ "$(code "$B$logs" GET -u none:none-pw)" != 403 ]
	[ "$(code "$B/apis/v1/applications/operations" POST -u none:none-pw)" = 403 ]
	[ "$(code "$B$logs" GET -u none:wrong)" = 401 ]
}

@test "userAuth off: everyone is default-user with the root role, nodes still need a secret" {
	controller_yml "$T/open.yml" 'options: {hostname: 127.0.0.1}' \
	    "zookeeper: {connectionString: \"127.0.0.1:$(cat "$T/zkport")\", nameSpace: $NS-open}"
	start_httpd "$T/open" "$T/open.yml"
	local B="http://127.0.0.1:$(cat "$T/open/port")"
	put_ephemeral "/$NS-open/leaderselection/leader-0000000001" \
	    "{\"hostname\":\"127.0.0.1\",\"port\":$(cat "$T/open/port")}"
	wait_until 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $B/apis/v1/ping)\" = 200 ]"
	[ "$(code "$B/apis/v1/cluster/maintenance/unset" POST)" = 200 ]
	grep -q 'ACCESS_AUDIT: Api \[POST\] /apis/v1/cluster/maintenance/unset called by default-user$' "$T/open/stderr"
	[ "$(code "$B/apis/v1/internal/cluster/resources/reserved" GET)" = 403 ]
	[ "$(code "$B/apis/v1/internal/cluster/resources/reserved" GET -H NodeId:n -H Cluster-Authorization:c-secret)" = 200 ]
	# no challenge without users
	run curl -s -i -H NodeId:n -H Cluster-Authorization:bad "$B/apis/v1/cluster"
	[[ $output == "HTTP/1.1 401"* ]]
	run ! grep -qi '^WWW-Authenticate' <<<"$output"
}

@test "a bad userAuth stops the controller at start with one line (exit 100)" {
	controller_yml "$T/bad.yml" 'userAuth: {enabled: true, encoding: CRYPT, users: [{username: a, password: plain, role: EXTERNAL_ROOT}]}'
	run -100 "$BIN/drove-httpd" -c "$T/bad.yml" -p 0
	[ "${#lines[@]}" = 1 ]
	[[ $output == *"userAuth.users[0].password: not a bcrypt hash"* ]]
	controller_yml "$T/bad.yml" 'userAuth: {enabled: true, users: [{username: a, password: b, role: GOD}]}'
	run -100 "$BIN/drove-httpd" -c "$T/bad.yml" -p 0
	[[ $output == *"unknown role 'GOD'"* ]]
}

@test "hardening options: allowedMountDirs, disableCmdlArgs, enableRawDeviceAccess, through the API" {
	controller_yml "$T/hard.yml" \
	    "zookeeper: {connectionString: \"127.0.0.1:$(cat "$T/zkport")\", nameSpace: $NS-hard}" \
	    'options: {hostname: 127.0.0.1, allowedMountDirs: [/mnt/scratch], disableCmdlArgs: true}'
	start_httpd "$T/hard" "$T/hard.yml"
	local B="http://127.0.0.1:$(cat "$T/hard/port")/apis/v1"
	put_ephemeral "/$NS-hard/leaderselection/leader-0000000001" \
	    "{\"hostname\":\"127.0.0.1\",\"port\":$(cat "$T/hard/port")}"
	wait_until 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $B/ping)\" = 200 ]"
	local spec
	spec=$(jq -c .spec "$TOP/examples/create.json")
	post_spec() {
		curl -s -X POST -H 'Content-Type: application/json' --data-binary "$2" "$B/$1"
	}
	run post_spec applications/validate/spec "$spec"
	[ "$(jq -r .status <<<"$output")" = SUCCESS ]
	run post_spec applications/validate/spec "$(jq -c '.volumes=[{pathInContainer:"/data",pathOnHost:"/mnt/scratch/a",mode:"READ_WRITE"}]' <<<"$spec")"
	[ "$(jq -r .status <<<"$output")" = SUCCESS ]
	run post_spec applications/validate/spec "$(jq -c '.volumes=[{pathInContainer:"/data",pathOnHost:"/etc",mode:"READ_ONLY"}]' <<<"$spec")"
	[ "$(jq -c .data.validationErrors <<<"$output")" = '["Volume mount path /etc is not under any of the allowed mount directories"]' ]
	run post_spec applications/validate/spec "$(jq -c '.args=["--x"]' <<<"$spec")"
	[[ $(jq -r '.data.validationErrors[0]' <<<"$output") == "Passing command line arguments is disabled"* ]]
	run post_spec applications/validate/spec "$(jq -c '.devices=[{type:"DIRECT",pathOnHost:"/dev/null"}]' <<<"$spec")"
	[[ $(jq -r '.data.validationErrors | join(";")' <<<"$output") == *"Raw device access is disabled on this cluster"* ]]
	# the same for a task and a local service, and a CREATE is refused
	# before anything is written
	run post_spec tasks/validate/spec "$(jq -c '.spec | .args=["--x"]' "$TOP/examples/task.json")"
	[[ $(jq -r '.data.validationErrors[0]' <<<"$output") == "Passing command line arguments is disabled"* ]]
	run post_spec localservices/validate/spec "$(jq -c '.spec | .volumes=[{pathInContainer:"/d",pathOnHost:"/var",mode:"READ_ONLY"}]' "$TOP/examples/localservice.json")"
	[[ $(jq -r '.data.validationErrors | join(";")' <<<"$output") == *"Volume mount path /var is not under"* ]]
	run post_spec applications/operations "$(jq -c '.spec.args=["--x"]' "$TOP/examples/create.json")"
	[ "$(jq -r .message <<<"$output")" = "Command validation failure" ]
	[ -z "$(zkcli ls "/$NS-hard/applications" 2>/dev/null)" ]
}

@test "/metrics counts requests by their route's pattern and code, 401 and 403 too, and needs no credentials" {
	curl -s -u ro:ro-pw "$A/apis/v1/applications/x-1" >/dev/null
	curl -s -u ro:ro-pw -X POST "$A/apis/v1/cluster/maintenance/set" >/dev/null
	curl -s "$A/apis/v1/cluster" >/dev/null
	run curl -s -w '\n%{http_code}' "$A/metrics"
	[ "${lines[-1]}" = 200 ]
	grep -q '^drove_http_requests_total{route="applications/\*",method="GET",code="200"} [1-9]' <<<"$output"
	grep -q '^drove_http_requests_total{route="cluster/maintenance/set",method="POST",code="403"} [1-9]' <<<"$output"
	grep -q '^drove_http_requests_total{route="cluster",method="GET",code="401"} [1-9]' <<<"$output"
}
