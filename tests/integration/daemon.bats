#!/usr/bin/env bats
# vzd as a service: crashes and restarts, two daemons on one host, the per-CT
# lock, ONBOOT, and who may talk to it.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	TEST_GROUP=
	vz_start_daemon
}

teardown() {
	vz_teardown_hard
	if [ -n "$TEST_GROUP" ]; then
		groupdel "$TEST_GROUP" 2>/dev/null || true
	fi
}

# Gone, or a zombie nobody has reaped yet: either way not running.
pid_dead() {
	[ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*[ZX]' "/proc/$1/status"
}

# The CT left nothing on the host: no mount, no cgroup, no state.
ct_clean() {
	local ct=$1
	# One list: it is also polled in conditions, where errexit is off.
	[ "$(vz_ct_mounts "$ct")" = 0 ] && [ -z "$(vz_ct_cgroups "$ct")" ] &&
		[ ! -e "$VZ_RUNDIR/$ct.state" ]
}

@test "vzd killed with SIGKILL: the CT runs on and is adopted by the next vzd" {
	vz_running_ct 101 --hostname adopted.example
	pid=$(vz_init_pid 101)
	[ -n "$(vz_ct_cgroups 101)" ]
	vz_kill_daemon KILL
	sleep 0.2
	kill -0 "$pid"
	run ! pid_dead "$pid"
	vz_run_daemon
	run -0 vzlist -H -o ctid,status
	[ "$output" = "       101 running" ]
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
	[ "$(vz_init_pid 101)" = "$pid" ]
	run -0 vzctl exec 101 vzprobe hostname
	[ "$output" = "adopted.example" ]
	run -0 vzctl stop 101
	[[ "$output" == *"Container was stopped"* ]]
	pid_dead "$pid"
	ct_clean 101
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	# And it starts again as usual.
	vzctl --quiet start 101
	run vzctl exec 101 vzprobe hostname
	[ "$output" = "adopted.example" ]
}

@test "an adopted CT whose init exits is noticed and cleaned up" {
	vz_running_ct 101
	pid=$(vz_init_pid 101)
	vz_kill_daemon KILL
	vz_run_daemon
	kill -KILL "$pid"
	vz_wait_status 101 "CTID 101 exist unmounted down"
	for _ in $(seq 100); do ct_clean 101 && break; sleep 0.05; done
	ct_clean 101
	run -0 vzlist -a -H -o ctid,numproc,status
	[ "$output" = "       101          - stopped" ]
}

@test "a CT whose init dies while vzd is down shows stopped and is cleaned at restart" {
	vz_running_ct 101
	vz_running_ct 102
	pid=$(vz_init_pid 101)
	pid2=$(vz_init_pid 102)
	vz_kill_daemon KILL
	kill -KILL "$pid"
	for _ in $(seq 100); do pid_dead "$pid" && break; sleep 0.02; done
	pid_dead "$pid"
	vz_run_daemon
	vz_wait_status 101 "CTID 101 exist unmounted down"
	for _ in $(seq 100); do ct_clean 101 && break; sleep 0.05; done
	ct_clean 101
	run -0 vzlist -a -H -o ctid,status
	[ "${lines[0]}" = "       101 stopped" ]
	[ "${lines[1]}" = "       102 running" ]
	# The other CT was left alone.
	[ "$(vz_init_pid 102)" = "$pid2" ]
	run -0 vzctl exec 102 true
	vzctl --quiet start 101
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
}

@test "vzd stopped with SIGTERM leaves CTs running; a second vzd on the socket is refused" {
	vz_running_ct 101
	pid=$(vz_init_pid 101)
	run "$VZ_BUILD/vzd" --root "$VZ_TEST_DIR/root2" --rundir "$VZ_TEST_DIR/run2" \
		--socket "$VZ_SOCKET" --config "$VZ_TEST_DIR/vz.conf" --no-onboot
	[ "$status" -ne 0 ]
	[[ "$output" == *"another vzd is listening on '$VZ_SOCKET'"* ]]
	run -0 vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
	vz_kill_daemon TERM
	kill -0 "$pid"
	grep -q "running CTs keep running" "$VZ_TEST_DIR/vzd.log"
	vz_run_daemon
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
	[ "$(vz_init_pid 101)" = "$pid" ]
}

@test "two daemons side by side, both with a CT 101: each sees and stops only its own" {
	vz_start_daemon2
	vz_running_ct 101 --hostname one.example
	vz2ctl --quiet create 101 --ostemplate busybox --hostname two.example
	vz2ctl --quiet start 101
	pid1=$(vz_init_pid 101)
	pid2=$(sed -n 's/^INIT_PID="\{0,1\}\([0-9]*\).*/\1/p' "$VZ2_RUNDIR/101.state")
	[ -n "$pid2" ]
	[ "$pid1" != "$pid2" ]
	run -0 vzlist -H -o ctid,hostname
	[ "$output" = "       101 one.example" ]
	run -0 vz2list -H -o ctid,hostname
	[ "$output" = "       101 two.example" ]
	run vzctl exec 101 hostname
	[ "$output" = "one.example" ]
	run vz2ctl exec 101 hostname
	[ "$output" = "two.example" ]
	# Each CT lives in its daemon's cgroup prefix and root.
	[ -n "$(vz_ct_cgroups 101)" ]
	[ -n "$(vz_ct_cgroups 101 "$VZ2_CGROUP_PREFIX")" ]
	grep -q " $VZ2_ROOT/root/101 " /proc/self/mounts
	run -0 vzctl stop 101 --fast
	pid_dead "$pid1"
	kill -0 "$pid2"
	run vz2ctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
	run vz2ctl exec 101 hostname
	[ "$output" = "two.example" ]
	[ -n "$(vz_ct_cgroups 101 "$VZ2_CGROUP_PREFIX")" ]
	grep -q " $VZ2_ROOT/root/101 " /proc/self/mounts
	ct_clean 101
	# And the other way round.
	vzctl --quiet start 101
	run -0 vz2ctl stop 101 --fast
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
	run vz2ctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
}

@test "the per-CT lock: a held lock makes changes fail with 9, across a vzd restart" {
	vzctl --quiet create 101 --ostemplate busybox
	vz_install_probe 101
	lock="$VZ_ROOT/lock/101.lck"
	[ -e "$lock" ]
	# Another holder of the lock (an operation in flight, as far as vz can tell).
	# Operations wait 2 s for a busy lock before they give up: hold it longer.
	flock "$lock" sleep 30 &
	holder=$!
	for _ in $(seq 100); do flock -n "$lock" true || break; sleep 0.01; done
	run -1 flock -n "$lock" true
	for verb in start destroy; do
		run -9 vzctl "$verb" 101
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *"CT 101"*"locked"* ]]
	done
	run -9 vzctl set 101 --hostname h.example --save
	[[ "$output" == *"CT 101"*"locked"* ]]
	# The lock lives in a file, not in vzd: a restarted daemon respects it.
	vz_kill_daemon TERM
	vz_run_daemon
	run -9 vzctl start 101
	[[ "$output" == *"locked"* ]]
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	# Reads take no lock.
	run -0 vzlist -a -H -o ctid,status
	[ "$output" = "       101 stopped" ]
	pkill -P "$holder" sleep
	wait "$holder" || true
	run -0 vzctl start 101
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
}

@test "two starts at once: one starts the CT, the other is told it is busy or running" {
	vzctl --quiet create 101 --ostemplate busybox
	"$VZ_BUILD/vzctl" --quiet start 101 >"$BATS_TEST_TMPDIR/a" 2>&1 &
	a=$!
	"$VZ_BUILD/vzctl" --quiet start 101 >"$BATS_TEST_TMPDIR/b" 2>&1 &
	b=$!
	ra=0 rb=0
	wait "$a" || ra=$?
	wait "$b" || rb=$?
	echo "a=$ra $(cat "$BATS_TEST_TMPDIR/a") b=$rb $(cat "$BATS_TEST_TMPDIR/b")"
	codes=$(printf '%s\n' "$ra" "$rb" | sort -n | tr '\n' ' ')
	[ "$codes" = "0 9 " ] || [ "$codes" = "0 32 " ]
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
	[ -e "$VZ_RUNDIR/101.state" ]
	# One init: the loser started nothing.
	vz_wait_nproc 101 1
}

@test "ONBOOT=yes CTs start when vzd first starts after a boot, not at every vzd restart" {
	vzctl --quiet create 101 --ostemplate busybox
	vzctl --quiet set 101 --onboot yes --save
	vzctl --quiet create 102 --ostemplate busybox
	vzctl --quiet create 103 --ostemplate busybox
	vzctl --quiet set 103 --onboot yes --disabled yes --save
	grep -qx 'ONBOOT="yes"' "$VZ_ROOT/conf/101.conf"
	vz_kill_daemon TERM
	[ -e "$VZ_RUNDIR/booted" ]
	# A new boot: the marker of the last one is gone.
	rm "$VZ_RUNDIR/booted"
	vz_run_daemon
	vz_wait_status 101 "CTID 101 exist mounted running"
	run vzctl status 102
	[ "$output" = "CTID 102 exist unmounted down" ]
	run vzctl status 103
	[ "$output" = "CTID 103 exist unmounted down" ]
	[ -e "$VZ_RUNDIR/booted" ]
	# Same boot: a stopped ONBOOT CT stays stopped across a vzd restart.
	vzctl --quiet stop 101 --fast
	vz_kill_daemon TERM
	vz_run_daemon
	sleep 0.5
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	# --no-onboot: not even after a boot.
	vz_kill_daemon TERM
	rm "$VZ_RUNDIR/booted"
	vz_run_daemon --no-onboot
	sleep 0.5
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
}

@test "a non-root user is refused: by the socket's mode, and by vzd itself" {
	vzctl --quiet create 101 --ostemplate busybox
	chmod 0711 "$VZ_TEST_DIR"
	[ "$(stat -c %a "$VZ_SOCKET")" = 600 ]
	nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	run -12 "${nobody[@]}" "$VZ_BUILD/vzlist" -a
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"$VZ_SOCKET"*"ermission denied"* ]]
	run -12 "${nobody[@]}" "$VZ_BUILD/vzctl" start 101
	[[ "$output" == *"ermission denied"* ]]
	# With the socket open to all, vzd's own SO_PEERCRED check still says no.
	chmod 0666 "$VZ_SOCKET"
	run -12 "${nobody[@]}" "$VZ_BUILD/vzctl" start 101
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"permission denied"* ]]
	run -12 "${nobody[@]}" "$VZ_BUILD/vzlist" -a
	[[ "$output" == *"permission denied"* ]]
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
}

@test "vzd --group GROUP: members may use vzctl and vzlist, others may not" {
	vzctl --quiet create 101 --ostemplate busybox --hostname grp.example
	TEST_GROUP="vzt$$n${BATS_SUITE_TEST_NUMBER:-0}"
	groupadd "$TEST_GROUP"
	gid=$(getent group "$TEST_GROUP" | cut -d: -f3)
	vz_kill_daemon TERM
	vz_run_daemon --group "$TEST_GROUP"
	chmod 0711 "$VZ_TEST_DIR"
	[ "$(stat -c '%a %g' "$VZ_SOCKET")" = "660 $gid" ]
	# A supplementary member.
	run -0 setpriv --reuid=65534 --regid=65534 --groups="$gid" "$VZ_BUILD/vzlist" -a -H -o ctid,hostname
	[ "$output" = "       101 grp.example" ]
	run -0 setpriv --reuid=65534 --regid=65534 --groups="$gid" "$VZ_BUILD/vzctl" status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	# The primary group counts too.
	run -0 setpriv --reuid=65534 --regid="$gid" --clear-groups "$VZ_BUILD/vzlist" -a -1
	[ "$output" = "101" ]
	# Not a member: refused.
	run -12 setpriv --reuid=65534 --regid=65534 --clear-groups "$VZ_BUILD/vzlist" -a
	[[ "$output" == *"ermission denied"* ]]
	# A group that does not exist is an error at start-up, not a silent root-only vzd.
	run "$VZ_BUILD/vzd" --root "$VZ_ROOT" --rundir "$VZ_RUNDIR" \
		--socket "$VZ_TEST_DIR/other.sock" --config "$VZ_TEST_DIR/vz.conf" --group no-such-group-x
	[ "$status" -ne 0 ]
	[[ "$output" == *"no-such-group-x"* ]]
	[ ! -e "$VZ_TEST_DIR/other.sock" ]
}

@test "a vzd started with SIGINT ignored still gives CT processes default signals" {
	vz_kill_daemon TERM
	# As from a script, nohup or an odd supervisor: vzd inherits every signal
	# ignored, glibc's real-time 32 and 33 included.
	"$VZ_BUILD/vzprobe" run-ignoring "$VZ_BUILD/vzd" --root "$VZ_ROOT" --rundir "$VZ_RUNDIR" \
		--socket "$VZ_SOCKET" --config "$VZ_TEST_DIR/vz.conf" >>"$VZ_TEST_DIR/vzd.log" 2>&1 &
	VZD_PID=$!
	for _ in $(seq 200); do vzctl status 1 >/dev/null 2>&1 && break; sleep 0.02; done
	grep -q '^SigIgn:.0000000000000000$' "/proc/$VZD_PID/status"
	vz_running_ct 101
	run -0 vzctl exec 101 vzprobe status SigIgn
	echo "SigIgn: $output"
	[ "$output" = "0000000000000000" ]
	run -0 vzctl exec 101 cat /proc/1/status
	[[ "$output" == *$'SigBlk:\t0000000000000000'* ]]
}

@test "a second vzd on the same root or run dir refuses to start" {
	run -9 "$VZ_BUILD/vzd" --root "$VZ_ROOT" --rundir "$VZ_TEST_DIR/run2" \
		--socket "$VZ_TEST_DIR/other.sock" --config "$VZ_TEST_DIR/vz.conf"
	[[ "$output" == *"another vzd already uses the root '$VZ_ROOT'"* ]]
	run -9 "$VZ_BUILD/vzd" --root "$VZ_TEST_DIR/root2" --rundir "$VZ_RUNDIR" \
		--socket "$VZ_TEST_DIR/other.sock" --config "$VZ_TEST_DIR/vz.conf"
	[[ "$output" == *"another vzd already uses the run dir '$VZ_RUNDIR'"* ]]
	[ ! -e "$VZ_TEST_DIR/other.sock" ]
	run -0 vzctl status 101
}
