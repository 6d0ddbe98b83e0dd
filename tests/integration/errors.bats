#!/usr/bin/env bats
# Bad input: one line naming the CT and the cause, OpenVZ's exit code
# (lib/error.h), and nothing changed on disk or in vzlist.
# vz-test: cgroup-agnostic

load helpers
bats_require_minimum_version 1.5.0

setup() { vz_start_daemon; }
teardown() { vz_teardown_hard; }

# The last `run` printed exactly one line that contains every argument.
one_line_with() {
	local want
	if [ "${#lines[@]}" -ne 1 ]; then
		printf 'expected one line, got %d:\n%s\n' "${#lines[@]}" "$output" >&2
		return 1
	fi
	for want in "$@"; do
		if [[ "$output" != *"$want"* ]]; then
			printf "'%s' not in: %s\n" "$want" "$output" >&2
			return 1
		fi
	done
}

@test "an unknown CTID: 14 'CT N does not exist' for every verb, nothing created" {
	vz_running_ct 101
	before=$(vz_snapshot)
	for verb in start stop restart destroy delete enter; do
		run -14 vzctl "$verb" 999
		one_line_with "CT 999 does not exist"
	done
	run -14 vzctl exec 999 true
	one_line_with "CT 999 does not exist"
	run -14 vzctl set 999 --hostname h.example --save
	one_line_with "CT 999 does not exist"
	run -14 vzctl stop 999 --fast
	one_line_with "CT 999 does not exist"
	# status is the one verb that answers for a CT that does not exist.
	run -0 vzctl status 999
	[ "$output" = "CTID 999 deleted unmounted down" ]
	[ ! -e "$VZ_ROOT/conf/999.conf" ]
	[ ! -e "$VZ_ROOT/private/999" ]
	[ ! -e "$VZ_ROOT/root/999" ]
	[ ! -e "$VZ_RUNDIR/999.state" ]
	[ "$(vz_snapshot)" = "$before" ]
}

@test "an unknown CT name: 14 naming it" {
	run -14 vzctl start nosuchname
	one_line_with "CT 'nosuchname' does not exist"
	run -14 vzctl exec nosuchname true
	one_line_with "nosuchname" "does not exist"
}

@test "malformed CT IDs are refused with 21 and the ID, before anything is touched" {
	vzctl --quiet create 101 --ostemplate busybox
	before=$(vz_snapshot)
	long=$(printf 'a%.0s' $(seq 300))
	for id in ../x 0 a/b ';rm' "$long" "" "/etc" "." ".." "1a/../../x" "-x-" "2147483648" \
		"00101" " 101"; do
		for verb in start stop destroy status; do
			run -21 vzctl "$verb" -- "$id"
			one_line_with "invalid CT ID '$id'"
		done
		run -21 vzctl exec "$id" true
		one_line_with "invalid CT ID '$id'"
		run -21 vzctl set --hostname h.example --save -- "$id"
		one_line_with "invalid CT ID '$id'"
		run -21 vzctl create --ostemplate busybox -- "$id"
		one_line_with "'$id'"
	done
	[ "$(vz_snapshot)" = "$before" ]
	# Nothing named after the bad IDs appeared beside or above the root.
	for p in "$VZ_TEST_DIR/x" "$VZ_ROOT/x" "$VZ_ROOT/conf/x" "$VZ_ROOT/private/a" "$VZ_ROOT/lock/a" \
		"$VZ_ROOT/lock/..lck" "$VZ_ROOT/lock/.lck"; do
		[ ! -e "$p" ]
	done
}

@test "a CT ID with a newline or a control character still gives one line" {
	run -21 vzctl start -- $'1\n2'
	one_line_with "invalid CT ID"
	run -21 vzctl start -- $'a\033[2Jb'
	one_line_with "invalid CT ID"
	[[ "$output" != *$'\033'* ]]
}

@test "-1 looks like an option: a syntax error, not a CT" {
	run -20 vzctl start -1
	one_line_with "'-1'"
	run -21 vzctl start -- -1
	one_line_with "invalid CT ID '-1'"
}

@test "create over an existing CT: 44, config and private area untouched" {
	vzctl --quiet create 101 --ostemplate busybox --hostname keep.example
	vz_mark_private 101
	before=$(vz_snapshot)
	run -44 vzctl create 101 --ostemplate busybox --hostname other.example
	one_line_with "CT 101 already exists"
	[ "$(vz_snapshot)" = "$before" ]
	vz_check_marker 101
	grep -qx 'HOSTNAME="keep.example"' "$VZ_ROOT/conf/101.conf"
	# A name another CT holds is refused the same way, before any files are made.
	vzctl --quiet set 101 --name web --save
	before=$(vz_snapshot)
	run -21 vzctl create 102 --ostemplate busybox --name web
	one_line_with "CT 102" "'web'" "used by another CT"
	[ "$(vz_snapshot)" = "$before" ]
}

@test "start of a running CT: 32, the same init keeps running" {
	vz_running_ct 101
	pid=$(vz_init_pid 101)
	before=$(vz_snapshot)
	run -32 vzctl start 101
	one_line_with "CT 101 is already running"
	[ "$(vz_init_pid 101)" = "$pid" ]
	kill -0 "$pid"
	[ "$(vz_snapshot)" = "$before" ]
}

@test "destroy of a running CT: 32, the CT still runs and its files are intact" {
	vz_running_ct 101
	vz_mark_private 101
	pid=$(vz_init_pid 101)
	before=$(vz_snapshot)
	run -32 vzctl destroy 101
	one_line_with "CT 101 is running"
	run -32 vzctl delete 101
	one_line_with "CT 101 is running"
	[ "$(vz_snapshot)" = "$before" ]
	vz_check_marker 101
	[ "$(vz_init_pid 101)" = "$pid" ]
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
	run vzctl exec 101 cat /.vz-test-marker
	[ "$output" = "marker 101" ]
}

@test "stop of a stopped CT: 31, nothing changes" {
	vzctl --quiet create 101 --ostemplate busybox
	before=$(vz_snapshot)
	run -31 vzctl stop 101
	one_line_with "CT 101 is not running"
	run -31 vzctl stop 101 --fast
	one_line_with "CT 101 is not running"
	run -31 vzctl exec 101 true
	one_line_with "CT 101 is not running"
	run -31 vzctl enter 101
	one_line_with "CT 101 is not running"
	[ "$(vz_snapshot)" = "$before" ]
}

@test "create from an unknown template: 91, no config, no private area" {
	before=$(vz_snapshot)
	run -91 vzctl create 101 --ostemplate no-such-os
	echo "$output"
	[[ "$output" == *"template 'no-such-os'"* ]]
	[[ "$output" == *" not "* ]]
	[[ "$output" == *"CT 101"* ]]
	[ "$(grep -c . <<<"$output")" -le 2 ] # at most a progress line and the error
	[ ! -e "$VZ_ROOT/conf/101.conf" ]
	[ -z "$(ls -A "$VZ_ROOT/private")" ]
	[ "$(vz_snapshot)" = "$before" ]
	# A template name that is a path is a bad value, not a lookup.
	run -21 vzctl create 101 --ostemplate ../../etc/passwd
	one_line_with "invalid template name '../../etc/passwd'"
	[ "$(vz_snapshot)" = "$before" ]
}

@test "no daemon: 'cannot reach vzd ... is vzd running?' and a nonzero exit" {
	vz_kill_daemon TERM
	# vzd removes its socket when it exits.
	[ ! -e "$VZ_SOCKET" ]
	for cmd in "status 101" "start 101" "exec 101 true" "enter 101" "template list"; do
		# shellcheck disable=SC2086
		run vzctl $cmd
		[ "$status" -ne 0 ]
		one_line_with "cannot reach vzd at '$VZ_SOCKET'" "is vzd running?"
	done
	run vzlist -a
	[ "$status" -ne 0 ]
	one_line_with "cannot reach vzd" "is vzd running?"
	# A socket file left by a daemon that died answers nothing.
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.bind(sys.argv[1])' \
		"$VZ_SOCKET"
	run vzctl status 101
	[ "$status" -ne 0 ]
	one_line_with "cannot reach vzd" "is vzd running?"
	run vzctl --socket "$VZ_TEST_DIR/none.sock" status 101
	[ "$status" -ne 0 ]
	one_line_with "'$VZ_TEST_DIR/none.sock'"
}

@test "unknown verb, unknown option, missing or extra argument: 20" {
	vzctl --quiet create 101 --ostemplate busybox
	before=$(vz_snapshot)
	run -20 vzctl frobnicate 101
	[[ "${lines[0]}" == *"unknown command 'frobnicate'"* ]]
	run -20 vzctl --frobnicate status 101
	[[ "${lines[0]}" == *"invalid option '--frobnicate'"* ]]
	run -20 vzctl start 101 --frobnicate
	one_line_with "invalid option '--frobnicate'"
	run -20 vzctl stop 101 --fast=yes
	[[ "$output" == *"--fast"* ]]
	run -20 vzctl set 101 --frobnicate 1 --save
	one_line_with "invalid option '--frobnicate'"
	run -20 vzctl set 101 --save
	one_line_with "nothing to set"
	run -20 vzctl set 101 --hostname
	[ "${#lines[@]}" -eq 1 ]
	run -20 vzctl start
	one_line_with "CT ID missing"
	run -20 vzctl start 101 102
	one_line_with "unexpected argument '102'"
	run -20 vzctl exec 101
	[ "${#lines[@]}" -eq 1 ]
	run -20 vzctl template frob
	[ "${#lines[@]}" -eq 1 ]
	run -20 vzctl
	[ "$(vz_snapshot)" = "$before" ]
}

@test "set with a bad value: 21 naming the parameter, config byte-identical" {
	vz_running_ct 101 --hostname good.example
	cp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before.conf"
	before=$(vz_snapshot)
	run -21 vzctl set 101 --onboot maybe --save
	one_line_with "CT 101" "ONBOOT" "'maybe'"
	run -21 vzctl set 101 --hostname 'bad_host!' --save
	one_line_with "CT 101" "HOSTNAME" "'bad_host!'"
	run -21 vzctl set 101 --hostname -lead.example --save
	one_line_with "CT 101" "HOSTNAME"
	run -21 vzctl set 101 --disabled perhaps --save
	one_line_with "CT 101" "DISABLED" "'perhaps'"
	run -21 vzctl set 101 --name 12345 --save
	one_line_with "CT 101" "'12345'"
	run -21 vzctl set 101 --name '../x' --save
	one_line_with "CT 101" "'../x'"
	run -21 vzctl set 101 --stop-timeout 0 --save
	one_line_with "CT 101" "STOP_TIMEOUT"
	run -21 vzctl set 101 --description $'two\nlines' --save
	one_line_with "CT 101" "DESCRIPTION"
	# One bad value spoils the whole set: the good one before it is not applied.
	run -21 vzctl set 101 --hostname changed.example --onboot maybe --save
	one_line_with "CT 101" "ONBOOT"
	cmp "$BATS_TEST_TMPDIR/before.conf" "$VZ_ROOT/conf/101.conf"
	[ "$(vz_snapshot)" = "$before" ]
	run vzctl exec 101 hostname
	[ "$output" = "good.example" ]
	run vzctl exec 101 cat /etc/hostname
	[ "$output" = "good.example" ]
}

@test "operations on a CT that does not exist leave no lock file behind" {
	for verb in start stop restart destroy; do
		run -14 vzctl "$verb" 999
	done
	run -14 vzctl set 999 --hostname x --save
	[ ! -e "$VZ_ROOT/lock/999.lck" ]
}
