#!/usr/bin/env bats
# vzctl migrate --lazy: post-copy between two test hosts (multihost.bash).
# The CT runs on the destination before its memory has moved; its pages
# follow over a stream tunnelled through ssh. What must hold: the
# processes, every byte of their memory, an open TCP connection and the
# limits arrive; when the page stream breaks half way, the CT runs on at
# the source as it was and nothing is left at the destination.
#
# Post-copy needs two host settings that are off by default on Debian
# (see vz_criu_lazy_check): these tests switch them on for their duration
# and put back the values they found.
# vz-test: cgroup-agnostic

load helpers
load multihost
load migrate

PIPE_MAX=/proc/sys/fs/pipe-max-size
UFFD=/proc/sys/vm/unprivileged_userfaultfd

setup() {
	require_criu
	require_criu_vz
	require_sshd
	[ -w "$UFFD" ] || skip "no vm.unprivileged_userfaultfd on this kernel"
	criu check --feature uffd-noncoop >/dev/null 2>&1 || skip "no userfaultfd for CRIU here"
	SAVED_PIPE_MAX=$(cat "$PIPE_MAX")
	SAVED_UFFD=$(cat "$UFFD")
	[ "$SAVED_PIPE_MAX" -ge 4194304 ] || echo 4194304 >"$PIPE_MAX"
	echo 1 >"$UFFD"
	vz_host_start a 1
	vz_host_start b 2
}

teardown() {
	vz_multihost_stop
	[ -z "${SAVED_PIPE_MAX:-}" ] || echo "$SAVED_PIPE_MAX" >"$PIPE_MAX"
	[ -z "${SAVED_UFFD:-}" ] || echo "$SAVED_UFFD" >"$UFFD"
}

# MB MiB in CT 101 that a process reads back every 100 ms (vzprobe memcheck).
start_memcheck() {
	vz_on a vzctl exec 101 "setsid /bin/vzprobe memcheck $1 /tmp/mem </dev/null >/dev/null 2>&1 &"
	for _ in $(seq 200); do
		grep -q passes "$VZ_ROOT_A/private/101/tmp/mem" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# memory_intact HOST: the memcheck on HOST's copy keeps passing, nothing corrupt.
memory_intact() {
	local f n
	f=$(vz_mh_var "$1" VZ_ROOT)/private/101/tmp/mem
	n=$(awk '{print $2}' "$f")
	for _ in $(seq 100); do
		[ "$(awk '{print $2}' "$f")" -gt $((n + 2)) ] 2>/dev/null && break
		sleep 0.05
	done
	grep -q '^passes' "$f" || { cat "$f" >&3; return 1; }
	[ "$(awk '{print $2}' "$f")" -gt $((n + 2)) ]
}

@test "post-copy migration: processes, every page of memory, the TCP connection and limits follow" {
	require_cgroup_controller memory cpu
	require_restore_elsewhere
	ct_on_a
	start_counter
	start_memcheck 64
	start_client
	run -0 migrate --lazy -j
	events=$output
	echo "$events" | jq -e . >/dev/null
	[ "$(echo "$events" | jq -r .phase | tr '\n' ' ')" = \
		"sync checkpoint sync-final copy-checkpoint frozen restore done " ]
	at=$(count b)
	only_on b
	counter_goes_on b "$at"
	[ "$at" -gt 5 ]
	memory_intact b
	client_went_on
	[ "$(knob b memory memory.limit_in_bytes memory.max)" = $((256 << 20)) ]
	# The pages came over the stream, not with the checkpoint's files.
	[ "$(echo "$events" | jq -r 'select(.phase == "copy-checkpoint") | .bytes < 32000000')" = true ]
	[ "$(echo "$events" | jq -r 'select(.phase == "restore") | .bytes >= 67108864')" = true ]
}

@test "post-copy refused where a host cannot do it; the CT runs on, nothing moved" {
	ct_on_a
	echo 1048576 >"$PIPE_MAX"
	run -3 migrate --lazy
	[[ "$output" == *"fs.pipe-max-size"* ]]
	echo 4194304 >"$PIPE_MAX"
	echo 0 >"$UFFD"
	run -3 migrate --lazy
	[[ "$output" == *"vm.unprivileged_userfaultfd"* ]]
	[ "$(status a)" = running ]
	[ -z "$(status b)" ]
	[ ! -e "$VZ_ROOT_B/private/101" ]
}

# A post-copy migration of CT 101 (counting, 128 MiB checked, a client
# talking to it) broken by FAULT (a command) once the CT runs at b and its
# memory is still on the way; then the CT must run on at a, whole, and b
# must have nothing of it.
break_lazy_migration() {
	ct_on_a
	start_counter
	start_memcheck 128
	start_client
	# Slow the LAN towards b, so that the pages take seconds to follow.
	nsenter --net="$VZ_NETNS_LAN" tc qdisc add dev lan-b root tbf rate 80mbit burst 64kb latency 200ms
	migrate --lazy >"$VZ_MH_DIR/migrate.out" 2>&1 &
	mig=$!
	for _ in $(seq 600); do
		grep -qs "Restore finished successfully" "$VZ_RUNDIR_B/101.criu/restore.log" && break
		sleep 0.05
	done
	"$@" || { cat "$VZ_MH_DIR/migrate.out" >&3; false; }
	st=0
	wait "$mig" || st=$?
	[ "$st" != 0 ] || { cat "$VZ_MH_DIR/migrate.out" >&3; false; }
	grep -Eq "Resuming the container on this host|the container runs on here" \
		"$VZ_MH_DIR/migrate.out"
	at=$(count a)
	only_on a
	counter_goes_on a "$at"
	memory_intact a
	# What the CT said from b meanwhile is lost with b's copy, and so are
	# the connections it had: new ones reach it here.
	kill "$CLIENT_PID" 2>/dev/null || true
	run vz_client timeout 3 "$VZ_BUILD/vzprobe" tcp-client "$CT_IP" 7000 50
	[[ "$output" == *"conn "* && "$output" != *error* ]] || { echo "$output" >&3; false; }
}

# The relay of the page stream at b, killed.
kill_relay() {
	local relay
	# This test's relay: another suite's may run on the host meanwhile.
	relay=$(pgrep -f "^vzctl --quiet migrate-receive 101 --pages $VZ_RUNDIR_B/") || return 1
	kill -9 "$relay"
}

# b's worker receiving the CT (the parent of its lazy-pages daemon), killed.
kill_receiver() {
	local pages worker
	pages=$(pgrep -f "^criu --images-dir $VZ_ROOT_B/.* lazy-pages") || return 1
	worker=$(ps -o ppid= -p "$pages" | tr -d ' ')
	[ -n "$worker" ] && [ "$worker" != "$(vz_mh_var b VZD_PID)" ] || return 1
	kill -9 "$worker"
}

@test "post-copy: the page stream cut half way, the CT runs on here with its memory" {
	require_tc_tbf
	require_restore_elsewhere
	break_lazy_migration kill_relay
	grep -q "criu lazy-pages" "$VZ_MH_DIR/migrate.out"
}

@test "post-copy: the receiving end at b killed half way, its copy removed, the CT runs on here" {
	require_tc_tbf
	require_restore_elsewhere
	break_lazy_migration kill_receiver
}

@test "post-copy of an overlay CT to a host that lacks its template tree" {
	require_restore_elsewhere
	vz_on a vzctl --quiet create 101 --ostemplate busybox --layout overlay
	vz_on a vzctl --quiet start 101
	# shellcheck disable=SC2016
	vz_on a vzctl exec 101 'setsid sh -c "i=0; while :; do i=\$((i+1)); echo \$i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.05; done" </dev/null >/dev/null 2>&1 &'
	c=$VZ_ROOT_A/private/101/upper/tmp/count
	for _ in $(seq 100); do [ -s "$c" ] && break; sleep 0.05; done
	id=$(cat "$VZ_ROOT_A/private/101/lower")
	[ ! -e "$VZ_ROOT_B/template/unpacked/$id" ]
	run -0 migrate --lazy -j
	[[ "$output" == *'"phase":"sync-template"'* ]] || { echo "$output" >&3; false; }
	[ "$(status b)" = running ]
	[ -z "$(status a)" ]
	[ ! -e "$VZ_ROOT_A/private/101" ]
	# The counter, a process with its memory, goes on at b over b's own copy of the tree.
	at=$(cat "$VZ_ROOT_B/private/101/upper/tmp/count")
	for _ in $(seq 100); do
		[ "$(cat "$VZ_ROOT_B/private/101/upper/tmp/count")" -gt "$at" ] && break
		sleep 0.05
	done
	[ "$(cat "$VZ_ROOT_B/private/101/upper/tmp/count")" -gt "$at" ]
	[ -d "$VZ_ROOT_B/template/unpacked/$id/root" ]
	run -0 vz_on b vzctl exec 101 stat -c %u /bin/busybox
	[ "$output" = 0 ]
}
