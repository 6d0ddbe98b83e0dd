#!/usr/bin/env bats
# The cgroup v2 backend on a real kernel: vzd sees a cgroup2-only host (a
# private mount namespace with cgroup2 on /sys/fs/cgroup, as on current
# Debian/Fedora/Ubuntu hosts). The CT's processes are born in its cgroup2
# group (clone3 CLONE_INTO_CGROUP) instead of being moved there.

load helpers

setup() {
	export VZ_TEST_CGROUP2=1
	# The test watches the hierarchy from the host: where the host has it.
	require_cgroup2_mount
	vz_start_daemon
	CG2=$(vz_cgroup2_mount)
}
teardown() { vz_stop_daemon; }

init_pid() {
	sed -n 's/^INIT_PID="\{0,1\}\([0-9]*\).*/\1/p' "$VZ_RUNDIR/$1.state"
}

@test "cgroup2 host: vzd detects it and CTs live in <prefix>/<ctid>" {
	vz_running_ct 101
	group=$CG2/$VZ_CGROUP_PREFIX/101
	[ -d "$group" ]
	grep -qx "$(init_pid 101)" "$group/cgroup.procs"
	# Nothing went into the v1 hierarchies (on a hybrid host: a v2-only one has none).
	for c in pids memory; do
		v1=$(vz_cgroup_v1_mount "$c")
		[ -z "$v1" ] || [ ! -e "$v1/$VZ_CGROUP_PREFIX/101" ]
	done
	run -0 vzctl exec 101 vzprobe cgroup
	[[ "$output" == *"0::/"* ]]
}

@test "cgroup2 host: exec'd commands join the CT's group; vzlist counts them" {
	vz_running_ct 101
	group=$CG2/$VZ_CGROUP_PREFIX/101
	run -0 vzctl exec 101 'cat /proc/self/cgroup | tail -1; sleep 0.1'
	[ "$output" = "0::/" ]
	vzctl exec 101 'setsid sleep 100 </dev/null >/dev/null 2>&1 &'
	run -0 vzlist -H -o numproc 101
	[ "$(echo "$output" | tr -d ' ')" -ge 2 ]
	[ "$(wc -l <"$group/cgroup.procs")" -ge 2 ]
}

@test "cgroup2 host: the CT manages its delegated subtree, nothing above it" {
	vz_running_ct 101
	run -0 vzctl exec 101 'mkdir /sys/fs/cgroup/svc && echo $$ > /sys/fs/cgroup/svc/cgroup.procs && cat /proc/self/cgroup | tail -1'
	[ "$output" = "0::/svc" ]
	[ -d "$CG2/$VZ_CGROUP_PREFIX/101/svc" ]
	run vzctl exec 101 'echo 1 > /sys/fs/cgroup/../cgroup.procs'
	[ "$status" -ne 0 ]
	# The group's own limits stay the host's: only the delegated files are CT root's.
	before=$(cat "$CG2/$VZ_CGROUP_PREFIX/101/cgroup.max.depth")
	run vzctl exec 101 'echo 1 > /sys/fs/cgroup/cgroup.max.depth'
	[ "$status" -ne 0 ]
	[ "$(cat "$CG2/$VZ_CGROUP_PREFIX/101/cgroup.max.depth")" = "$before" ]
}

@test "cgroup2 host: stop kills everything and removes the group" {
	vz_running_ct 101
	vzctl exec 101 'setsid sleep 100 </dev/null >/dev/null 2>&1 &'
	# There is a group to remove, with the CT's processes in it.
	group=$CG2/$VZ_CGROUP_PREFIX/101
	[ "$(wc -l <"$group/cgroup.procs")" -ge 2 ]
	run -0 vzctl stop 101 --fast
	[ ! -e "$group" ]
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
}
