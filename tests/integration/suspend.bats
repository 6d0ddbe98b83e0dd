#!/usr/bin/env bats
# Freezing a CT: chkpnt --suspend / --resume (resume thaws too), on the
# host's cgroups and on a cgroup2-only host. Checkpoints to disk, which
# vzctl suspend makes, are in chkpnt.bats.

load helpers

setup() { vz_start_daemon; }
teardown() { vz_stop_daemon; }

# A counter inside the CT that only moves while the CT runs; renamed into
# place so that a read never sees a half-written file.
start_counter() {
	# shellcheck disable=SC2016
	vzctl exec 101 'setsid sh -c "i=0; while :; do i=\$((i+1)); echo \$i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.05; done" </dev/null >/dev/null 2>&1 &'
	for _ in $(seq 50); do [ -s "$VZ_ROOT/private/101/tmp/count" ] && break; sleep 0.05; done
}
count() { cat "$VZ_ROOT/private/101/tmp/count"; }

suspend_resume() {
	vz_running_ct 101
	start_counter
	run -0 vzctl chkpnt 101 --suspend
	[[ "$output" == *"Container is suspended"* ]]
	run -0 vzctl status 101
	[ "$output" = "CTID 101 exist mounted running suspended" ]
	run -0 vzlist -H -o ctid,status
	[ "$output" = "       101 suspended" ]
	a=$(count)
	sleep 0.5
	[ "$(count)" = "$a" ]
	run -16 vzctl chkpnt 101 --suspend
	[[ "$output" == *"already suspended"* ]]
	run -0 vzctl chkpnt 101 --resume
	[[ "$output" == *"Container is resumed"* ]]
	sleep 0.3
	[ "$(count)" -gt "$a" ]
	run -0 vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
	run -17 vzctl resume 101
	[[ "$output" == *"is not suspended"* ]]
}

@test "chkpnt --suspend freezes every process, --resume thaws them" {
	require_freezer
	suspend_resume
}

@test "cgroup2 host: suspend and resume through cgroup.freeze" {
	vz_stop_daemon
	export VZ_TEST_CGROUP2=1
	vz_start_daemon
	suspend_resume
}

@test "a suspended CT stops, fast or gracefully, without hanging" {
	require_freezer
	vz_running_ct 101
	run -0 vzctl chkpnt 101 --suspend
	run -0 vzctl stop 101
	[[ "$output" != *"killing it"* ]]
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	vzctl --quiet start 101
	run -0 vzctl chkpnt 101 --suspend
	run -0 vzctl stop 101 --fast
}

@test "freezing a stopped or unknown CT, and --suspend with --resume, are refused" {
	vzctl --quiet create 101 --ostemplate busybox
	run -31 vzctl chkpnt 101 --suspend
	run -14 vzctl chkpnt 999 --suspend
	run -20 vzctl chkpnt 101 --suspend --resume
	[[ "$output" == *"--suspend or --resume, not both"* ]]
	run -20 vzctl chkpnt 101 --suspend --dumpfile /tmp/x
}
