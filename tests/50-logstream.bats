#!/usr/bin/env bats
# drove-logstream: the executor's log file endpoints (list, read, tail
# offsets, download) over a temporary logPath, and what it refuses.

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
	cat >"$T/executor.yml" <<-EOF
	server: {applicationConnectors: [{type: http, port: 3000}], bindAddress: 127.0.0.1}
	logging:
	  appenders:
	    - {type: console}
	    - {type: drove, logPath: "$T/logs"}
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

# get URL: sets $code and $body
get() {
	body=$(curl -s --path-as-is -o - -w '\n%{http_code}' "$@")
	code=${body##*$'\n'}
	body=${body%$'\n'*}
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
	run curl -s -D "$T/headers" -o "$T/dl" -w '%{http_code}' "$B/hello-1/AI-1/download/output.log"
	[ "$output" = 200 ]
	cmp "$T/dl" "$T/logs/hello-1/AI-1/output.log"
	grep -qi '^content-disposition: attachment; filename=output.log' "$T/headers"
}

@test "path traversal is refused with 400" {
	get "$B/hello-1/../../../etc/list"
	[ "$code" = 400 ]
	jq -e '.error | length > 0' <<<"$body"
	get "$B/hello-1/AI-1/read/..%2f..%2f..%2fexecutor.yml?offset=0"
	[ "$code" = 400 ]
	get "$B/hello-1/AI-1/download/%2e%2e%2foutput.log"
	[ "$code" = 400 ]
	get "$B/hello-1/AI-1/download/output.link"
	[ "$code" = 400 ]
	jq -e '.error | test("outside")' <<<"$body"
	run ! grep -q secret <<<"$body"
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
