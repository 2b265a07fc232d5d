#!/usr/bin/env bats
# Documentation matches the programs: a lint-clean man page for every
# program, and -h prints the same usage the man page's synopsis names.

load helpers

@test "every man page is mandoc -Tlint clean" {
	run mandoc -Tlint -Wwarning "$TOP"/man/*.[1-8]
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "every program has a man page" {
	for d in "$TOP"/cmd/*/; do
		p=$(basename "$d")
		ls "$TOP"/man/"$p".[18] >/dev/null
	done
}

@test "every program answers -h with its usage and exit 0" {
	for d in "$TOP"/cmd/*/; do
		p=$(basename "$d")
		run "$BIN/$p" -h
		[ "$status" -eq 0 ] || { echo "$p -h: $status"; false; }
		[[ "$output" == *"usage"*"$p"* ]] || { echo "$p -h: $output"; false; }
	done
}

@test "an unknown flag is a usage error (exit 100) for every program" {
	for d in "$TOP"/cmd/*/; do
		p=$(basename "$d")
		run "$BIN/$p" -Q
		[ "$status" -eq 100 ] || { echo "$p -Q: $status"; false; }
	done
}

@test "drove-httpd(8)'s table of paths and roles is the one drove-httpd serves" {
	diff <(sed -n 's/^\.It \([A-Z]*\) Ta Pa \(.*\) Ta Cm \(.*\)$/\1 \2 \3/p' "$TOP/man/drove-httpd.8") \
	    <("$BIN/drove-httpd" -r | jq -r '"\(.method) \(.path) \(.role)"')
	[ "$(grep -c ' Ta Pa /apis/' "$TOP/man/drove-httpd.8")" -ge 50 ]
}
