#!/usr/bin/env bats
# drove-logstream: the executor's log file endpoints (list, read, tail
# offsets, download) over a temporary logPath, and what it refuses: calls
# without a cluster secret (401), and every way of naming something outside
# an instance's log directory (400).

load helpers
BIN=${DROVE_BIN:-$BATS_TEST_DIRNAME/../bin}
bats_require_minimum_version 1.5.0

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	mkdir -p "$T/logs/hello-1/AI-1" "$T/logs/other-1/AI-9" "$T/outside"
	printf 'hello\nworld\n' >"$T/logs/hello-1/AI-1/output.log"
	printf 'rotated\n' >"$T/logs/hello-1/AI-1/output.log-2024-07-04"
	printf 'not listed\n' >"$T/logs/hello-1/AI-1/drove-executor.log"
	printf 'bad \377\376 ok \342\202\n' >"$T/logs/hello-1/AI-1/output.bin"
	printf 'secret\n' >"$T/outside/output.log"
	ln -s "$T/outside/output.log" "$T/logs/hello-1/AI-1/output.link"
	# links to a directory outside, as an instance and as an app
	ln -s "$T/outside" "$T/logs/hello-1/AI-link"
	ln -s "$T/outside" "$T/logs/linked-1"
	mkdir -p "$T/outside/AI-1"
	printf 'secret\n' >"$T/outside/AI-1/output.log"
	# a link that stays inside is refused too: links are not followed
	ln -s output.log "$T/logs/hello-1/AI-1/output.same"
	mkfifo "$T/logs/hello-1/AI-1/output.fifo"
	cat >"$T/executor.yml" <<-EOF
	server: {applicationConnectors: [{type: http, port: 3000}], bindAddress: 127.0.0.1}
	logging:
	  appenders:
	    - {type: console}
	    - {type: drove, logPath: "$T/logs"}
	clusterAuth:
	  secrets:
	    - {nodeType: CONTROLLER, secret: c-secret}
	    - {nodeType: EXECUTOR, secret: e-secret}
	EOF
	logstream_start "$T/executor.yml" "$T"
	echo "http://127.0.0.1:$LSPORT/apis/v1/logs/filestream" >"$T/base"
}

teardown_file() {
	[ -f "$T/logstream.pid" ] && kill "$(cat "$T/logstream.pid")" 2>/dev/null || true
}

setup() {
	B=$(cat "$T/base")
}

# get URL: sets $code and $body; as a controller would call (NodeId and
# its cluster secret)
get() {
	body=$(curl -s --path-as-is -H 'NodeId: ctl-1' \
	    -H 'Cluster-Authorization: c-secret' -o - -w '\n%{http_code}' "$@")
	code=${body##*$'\n'}
	body=${body%$'\n'*}
}

# code_of [CURL ARGS] URL: only the HTTP status, no headers of ours
code_of() {
	curl -s --path-as-is -o /dev/null -w '%{http_code}' "$@"
}

@test "list shows only output.* regular files (no symlinks), sorted" {
	get "$B/hello-1/AI-1/list"
	[ "$code" = 200 ]
	[ "$(jq -c . <<<"$body")" = '{"files":["output.bin","output.log","output.log-2024-07-04"]}' ]
	run ! grep -q drove-executor <<<"$body"
}

@test "read offset=-1 returns empty data and the file length" {
	get "$B/hello-1/AI-1/read/output.log?offset=-1&length=-1"
	[ "$code" = 200 ]
	[ "$(jq -c . <<<"$body")" = '{"data":"","offset":12}' ]
}

@test "read from an offset echoes the requested offset" {
	get "$B/hello-1/AI-1/read/output.log?offset=6&length=-1"
	[ "$code" = 200 ]
	[ "$(jq -r .data <<<"$body")" = world ]
	[ "$(jq .offset <<<"$body")" = 6 ]
	get "$B/hello-1/AI-1/read/output.log?offset=2&length=3"
	[ "$(jq -c . <<<"$body")" = '{"data":"llo","offset":2}' ]
	get "$B/hello-1/AI-1/read/output.log?offset=100&length=10"
	[ "$code" = 200 ]
	[ "$(jq -c . <<<"$body")" = '{"data":"","offset":100}' ]
}

@test "tail: appended bytes are returned from the old end" {
	f="$T/logs/hello-1/AI-1/output.log-2024-07-04"
	get "$B/hello-1/AI-1/read/output.log-2024-07-04?offset=-1"
	end=$(jq .offset <<<"$body")
	printf 'more\n' >>"$f"
	get "$B/hello-1/AI-1/read/output.log-2024-07-04?offset=$end&length=1024"
	[ "$(jq -r .data <<<"$body")" = more ]
	[ "$(jq .offset <<<"$body")" = "$end" ]
}

@test "read caps length at 1 MiB" {
	head -c 3000000 /dev/zero | tr '\0' a >"$T/logs/other-1/AI-9/output.log"
	get "$B/other-1/AI-9/read/output.log?offset=0&length=2000000"
	[ "$code" = 200 ]
	[ "$(jq -r '.data | length' <<<"$body")" = 1048576 ]
	get "$B/other-1/AI-9/read/output.log?offset=0&length=-1"
	[ "$(jq -r '.data | length' <<<"$body")" = 32768 ]
}

@test "invalid UTF-8 becomes U+FFFD and the JSON stays valid" {
	get "$B/hello-1/AI-1/read/output.bin?offset=0&length=-1"
	[ "$code" = 200 ]
	[ "$(jq -r .data <<<"$body")" = "$(printf 'bad \357\277\275\357\277\275 ok \357\277\275')" ]
}

@test "download returns the bytes as an attachment" {
	run curl -s -H 'NodeId: ctl-1' -H 'Cluster-Authorization: c-secret' \
	    -D "$T/headers" -o "$T/dl" -w '%{http_code}' "$B/hello-1/AI-1/download/output.log"
	[ "$output" = 200 ]
	cmp "$T/dl" "$T/logs/hello-1/AI-1/output.log"
	grep -qi '^content-disposition: attachment; filename=output.log' "$T/headers"
}

@test "no NodeId or no cluster secret: bare 401 on every /apis path" {
	u="$B/hello-1/AI-1/list"
	[ "$(code_of "$u")" = 401 ]
	[ "$(code_of -H 'Cluster-Authorization: c-secret' "$u")" = 401 ]
	[ "$(code_of -H 'NodeId: ctl-1' "$u")" = 401 ]
	[ "$(code_of -H 'NodeId: ' -H 'Cluster-Authorization: c-secret' "$u")" = 401 ]
	[ "$(curl -s -o - "$u")" = "" ]
	# also a path with no such route, and another method
	[ "$(code_of "${B%/logs/filestream}/messages")" = 401 ]
	[ "$(code_of -X POST "${B%/logs/filestream}/messages")" = 401 ]
}

@test "a wrong secret is 401; either configured secret is 200" {
	u="$B/hello-1/AI-1/list"
	[ "$(code_of -H 'NodeId: ctl-1' -H 'Cluster-Authorization: wrong' "$u")" = 401 ]
	[ "$(code_of -H 'NodeId: ctl-1' -H 'Cluster-Authorization: c-secre' "$u")" = 401 ]
	# Drove's defaults are not accepted once secrets are configured
	[ "$(code_of -H 'NodeId: ctl-1' -H 'Cluster-Authorization: DefaultControllerSecret' "$u")" = 401 ]
	[ "$(code_of -H 'NodeId: ctl-1' -H 'Cluster-Authorization: c-secret' "$u")" = 200 ]
	[ "$(code_of -H 'NodeId: exec-2' -H 'Cluster-Authorization: e-secret' "$u")" = 200 ]
}

@test "no clusterAuth configured: Drove's default secrets, and only them" {
	d=$BATS_TEST_TMPDIR
	sed '/^clusterAuth:/,$d' "$T/executor.yml" >"$d/default.yml"
	run ! grep -q secret "$d/default.yml"
	logstream_start "$d/default.yml" "$d"
	u="http://127.0.0.1:$LSPORT/apis/v1/logs/filestream/hello-1/AI-1/list"
	[ "$(code_of "$u")" = 401 ]
	[ "$(code_of -H 'NodeId: c' -H 'Cluster-Authorization: c-secret' "$u")" = 401 ]
	[ "$(code_of -H 'NodeId: c' -H 'Cluster-Authorization: DefaultControllerSecret' "$u")" = 200 ]
	[ "$(code_of -H 'NodeId: e' -H 'Cluster-Authorization: DefaultExecutorSecret' "$u")" = 200 ]
	kill "$(cat "$d/logstream.pid")"
}

@test "-c twice: the later file's secrets replace the earlier ones" {
	d=$BATS_TEST_TMPDIR
	printf 'clusterAuth: {secrets: [{nodeType: CONTROLLER, secret: local-c}]}\n' >"$d/local.yml"
	rm -f "$d/logstream.ready"
	mkfifo "$d/logstream.ready"
	"$BIN/drove-logstream" -c "$T/executor.yml" -c "$d/local.yml" -p 0 -d 3 \
	    3>"$d/logstream.ready" >/dev/null 2>"$d/logstream.err" </dev/null &
	echo $! >"$d/logstream.pid"
	read -r -t 10 _ <"$d/logstream.ready"
	u="http://127.0.0.1:$(logstream_port "$d")/apis/v1/logs/filestream/hello-1/AI-1/list"
	[ "$(code_of -H 'NodeId: c' -H 'Cluster-Authorization: local-c' "$u")" = 200 ]
	[ "$(code_of -H 'NodeId: c' -H 'Cluster-Authorization: c-secret' "$u")" = 401 ]
	kill "$(cat "$d/logstream.pid")"
	run "$BIN/drove-logstream" -c "$T/executor.yml" -c "$d/missing.yml"
	[ "$status" = 100 ]
	[[ "$output" == *"$d/missing.yml"* ]]
}

@test "dot-dot in any segment, plain or percent-encoded, is 400" {
	refused "$B/hello-1/../../../etc/list"
	refused "$B/../outside/AI-1/list"
	refused "$B/hello-1/../list"
	refused "$B/hello-1/AI-1/read/../../../outside/output.log?offset=0"
	refused "$B/hello-1/AI-1/read/..%2f..%2f..%2fexecutor.yml?offset=0"
	refused "$B/hello-1/AI-1/download/%2e%2e%2foutput.log"
	refused "$B/hello-1/AI-1/download/%2E%2E%2F%2E%2E%2Foutside%2Foutput.log"
	refused "$B/%2e%2e/outside/read/output.log?offset=0"
	refused "$B/hello-1/%2e%2e/list"
	refused "$B/hello-1%2f..%2f..%2foutside/AI-1/list"
}

@test "absolute paths are 400" {
	refused "$B/hello-1/AI-1/read/$T/outside/output.log?offset=0"
	refused "$B/hello-1/AI-1/download/%2fetc%2fpasswd"
	refused "$B/%2f/AI-1/list"
	refused "$B/hello-1/AI-1/read//etc/passwd?offset=0"
}

@test "double-encoded names are 400 (decoded once, never twice)" {
	refused "$B/hello-1/AI-1/read/%252e%252e%252f%252e%252e%252foutside%252foutput.log?offset=0"
	refused "$B/hello-1/AI-1/download/%252e%252e"
	refused "$B/%252e%252e/AI-1/list"
	refused "$B/hello-1/AI-1/read/output%252elog?offset=0"
}

@test "backslashes are 400" {
	refused "$B/hello-1/AI-1/read/..\\..\\outside\\output.log?offset=0"
	refused "$B/hello-1/AI-1/read/..%5c..%5coutside%5coutput.log?offset=0"
	refused "$B/hello-1\\..\\..\\outside/AI-1/list"
}

@test "NUL (%00) is 400, never a name cut short" {
	refused "$B/hello-1/AI-1/read/output.log%00.txt?offset=0"
	refused "$B/hello-1/AI-1/read/output.log%00?offset=0"
	refused "$B/hello-1/AI-1/download/output.log%00"
	refused "$B/hello-1%00/AI-1/list"
	refused "$B/hello-1/AI-1%00/list"
	refused "$B/hello-1/AI-1/read/output.log?offset=0%00"
}

@test "symbolic links in the log directory are 400, wherever they point" {
	refused "$B/hello-1/AI-1/download/output.link"
	refused "$B/hello-1/AI-1/read/output.link?offset=0"
	jq -e '.error | test("log directory")' <<<"$body"
	refused "$B/hello-1/AI-1/read/output.same?offset=0"
	refused "$B/hello-1/AI-link/list"
	refused "$B/hello-1/AI-link/read/output.log?offset=0"
	refused "$B/linked-1/AI-1/list"
	refused "$B/linked-1/AI-1/download/output.log"
	# a FIFO is not a regular file (and must not hang the server)
	refused "$B/hello-1/AI-1/read/output.fifo?offset=0"
	get "$B/hello-1/AI-1/read/output.log?offset=0"
	[ "$code" = 200 ]
}

@test "missing files and bad arguments are 400 with an error" {
	get "$B/hello-1/AI-1/read/output.nope?offset=0"
	[ "$code" = 400 ]
	get "$B/hello-1/AI-404/list"
	[ "$code" = 400 ]
	get "$B/hello-1/AI-1/read/output.log?offset=x"
	[ "$code" = 400 ]
	get "$B/hello-1/AI-1/read/output.log?offset=-5"
	[ "$code" = 400 ]
	jq -e .error <<<"$body"
}

@test "usage and configuration errors exit 100" {
	run "$BIN/drove-logstream"
	[ "$status" = 100 ]
	run "$BIN/drove-logstream" -c "$T/nonexistent.yml"
	[ "$status" = 100 ]
	printf 'server: {}\n' >"$T/nolog.yml"
	run "$BIN/drove-logstream" -c "$T/nolog.yml"
	[ "$status" = 100 ]
	[[ "$output" == *"type drove"* ]]
	run "$BIN/drove-logstream" -c "$T/executor.yml" -d 1
	[ "$status" = 100 ]
	run "$BIN/drove-logstream" -h
	[ "$status" = 0 ]
	[[ "$output" == *usage* ]]
}

@test "a busy port exits 111; SIGTERM exits 0" {
	port=$(logstream_port "$T")
	[ -n "$port" ]
	run "$BIN/drove-logstream" -c "$T/executor.yml" -p "$port"
	[ "$status" = 111 ]
	"$BIN/drove-logstream" -c "$T/executor.yml" -p 0 3>&- >/dev/null 2>&1 &
	pid=$!
	sleep 0.3
	kill -TERM "$pid"
	wait "$pid"
}
