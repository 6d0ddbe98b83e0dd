#!/usr/bin/env bats
# vzctl console: the CT init's console, a pty whose master a keeper process
# holds from the start; output kept while nobody is attached, Esc . to
# detach, the same console after a vzd restart and after a checkpoint.
# vz-test: cgroup-agnostic

# shellcheck disable=SC2016 # the CT's shell expands what the tests send it
load helpers

setup() { vz_start_daemon; }
teardown() { vz_teardown_hard; }

# Attach, send $1 (printf format) after a moment, then detach; prints all output.
console_io() {
	{
		sleep 0.5
		# shellcheck disable=SC2059 # the format is the caller's keys
		printf "$1"
		sleep 0.5
		printf '\033.'
	} | vzctl console "${2:-101}" 2>&1
}

@test "console shows what the CT wrote while nobody was attached, and detaches on Esc ." {
	vz_running_ct 101
	vzctl exec 101 'echo hello-from-the-console >/dev/console'
	run -0 console_io ''
	[[ "$output" == *"Attached to CT 101 console (press Esc . to detach)"* ]]
	[[ "$output" == *"hello-from-the-console"* ]]
	[[ "$output" == *"Detached from CT 101 console"* ]]
	# The CT's /dev/console is init's stdout: the same pty.
	[ "$(vzctl exec 101 stat -L -c %t:%T /proc/1/fd/1)" = "$(vzctl exec 101 stat -c %t:%T /dev/console)" ]
	# And it is still there to attach to again.
	run -0 console_io ''
	[[ "$output" == *"hello-from-the-console"* ]]
}

@test "console input reaches the CT; an Esc not followed by . goes through" {
	vz_running_ct 101
	vzctl exec 101 'read a b </dev/console; echo "got:$a:$b" >/dev/console' 3>&- &
	reader=$!
	run -0 console_io 'one\033x two\r'
	wait "$reader"
	[[ "$output" == *"got:one"$'\033'"x:two"* ]]
}

@test "the console keeps only its newest output, and outlives a vzd restart" {
	vz_running_ct 101
	vzctl exec 101 'echo FIRST-LINE >/dev/console; i=0; while [ $i -lt 3000 ]; do
		echo "filler line $i of the console buffer test, long enough to fill it up" >/dev/console
		i=$((i + 1)); done; echo LAST-LINE >/dev/console'
	run -0 console_io ''
	[[ "$output" != *"FIRST-LINE"* ]]
	[[ "$output" == *"LAST-LINE"* ]]
	[ "${#output}" -le $((128 * 1024 + 200)) ]
	vz_kill_daemon KILL
	vz_run_daemon
	vzctl exec 101 'echo after-the-restart >/dev/console'
	run -0 console_io ''
	[[ "$output" == *"LAST-LINE"* ]]
	[[ "$output" == *"after-the-restart"* ]]
}

@test "console of a stopped CT fails; one attached is told when the CT stops" {
	vzctl --quiet create 101 --ostemplate busybox
	run -31 vzctl console 101
	[[ "$output" == *"CT 101 is not running"* ]]
	run -20 vzctl console 101 2
	vzctl --quiet start 101
	# The keeper: vzd's child once the worker that started the CT is gone.
	keeper=$(pgrep -P "$VZD_PID" -x "vzcon 101")
	[ -n "$keeper" ]
	{ sleep 5; printf '\033.'; } | vzctl console 101 >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	attached=$!
	sleep 1
	vzctl --quiet stop 101 --fast
	wait "$attached"
	grep -q "CT 101 console closed: the CT stopped" "$BATS_TEST_TMPDIR/out"
	# The keeper is gone with the CT, and so is its socket.
	[ ! -e "$VZ_RUNDIR/101.console" ]
	for _ in $(seq 50); do kill -0 "$keeper" 2>/dev/null || break; sleep 0.1; done
	run ! kill -0 "$keeper"
}

@test "the console survives a checkpoint and restore" {
	require_criu
	vz_running_ct 101
	vzctl exec 101 'echo before-the-checkpoint >/dev/console'
	vzctl --quiet chkpnt 101
	vzctl --quiet restore 101
	vzctl exec 101 'echo after-the-restore >/dev/console'
	run -0 console_io ''
	[[ "$output" == *"after-the-restore"* ]]
	# Init's console is the new pty.
	[ "$(vzctl exec 101 stat -L -c %t:%T /proc/1/fd/1)" = "$(vzctl exec 101 stat -c %t:%T /dev/console)" ]
	vzctl exec 101 'read a </dev/console; echo "got:$a" >/dev/console' 3>&- &
	reader=$!
	run -0 console_io 'restored\r'
	wait "$reader"
	[[ "$output" == *"got:restored"* ]]
}
