#!/usr/bin/env bats
# Create, start, exec, stop, destroy: what an operator does first.

load helpers

setup() { vz_start_daemon; }
teardown() { vz_stop_daemon; }

@test "create from the busybox template makes a stopped CT" {
	run vzctl create 101 --ostemplate busybox --hostname ct101.example.com
	[ "$status" -eq 0 ]
	[[ "$output" == *"Container private area was created"* ]]
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	grep -q '^OSTEMPLATE="busybox"' "$VZ_ROOT/conf/101.conf"
	grep -q '^HOSTNAME="ct101.example.com"' "$VZ_ROOT/conf/101.conf"
}

@test "start runs init as pid 1 in the CT's own namespaces, stop ends it" {
	vz_running_ct 101 --hostname web1
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
	run vzctl exec 101 cat /proc/1/cmdline
	[[ "$output" == init* ]]
	run vzctl exec 101 vzprobe hostname
	[ "$output" = "web1" ]
	run vzctl stop 101
	[ "$status" -eq 0 ]
	[[ "$output" == *"Container was stopped"* ]]
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
}

@test "CT root is an unprivileged host uid range" {
	vz_running_ct 101
	run vzctl exec 101 vzprobe uid
	[ "$output" = "0 0" ]
	run vzctl exec 101 vzprobe userns
	read -r inner outer count <<<"$output"
	[ "$inner" = 0 ]
	[ "$outer" -ge "$VZ_UID_START" ]
	[ "$count" = 65536 ]
	# Files of the private area belong to that range on the host.
	[ "$(stat -c %u "$VZ_ROOT/private/101/bin/busybox")" = "$outer" ]
	pid=$(sed -n 's/^INIT_PID="\{0,1\}\([0-9]*\).*/\1/p' "$VZ_RUNDIR/101.state")
	[ "$(stat -c %u "/proc/$pid")" = "$outer" ]
}

@test "init sees container=vz and no host processes" {
	require_busybox_applets ps
	vz_running_ct 101
	pid=$(sed -n 's/^INIT_PID="\{0,1\}\([0-9]*\).*/\1/p' "$VZ_RUNDIR/101.state")
	tr '\0' '\n' <"/proc/$pid/environ" | grep -qx 'container=vz'
	run vzctl exec 101 ps ax
	[ "$status" -eq 0 ]
	# init, ps and nothing else (the host has hundreds of processes).
	[ "$(echo "$output" | wc -l)" -le 4 ]
}

@test "exec passes stdin, stdout, stderr and the exit code" {
	vz_running_ct 101
	run bash -c "echo hello | '$VZ_BUILD/vzctl' exec 101 cat"
	[ "$output" = "hello" ]
	run vzctl exec 101 'echo to-stderr >&2; exit 7'
	[ "$status" -eq 7 ]
	[ "$output" = "to-stderr" ]
	run vzctl exec 101 exit 3
	[ "$status" -eq 3 ]
	run vzctl exec 101 'echo a b | wc -w'
	[ "$output" = "2" ]
	run -127 vzctl exec 101 /no/such/command
	[ "$status" -eq 127 ]
}

@test "exec - reads the commands from stdin" {
	vz_running_ct 101
	run bash -c "printf 'echo one\necho two\n' | '$VZ_BUILD/vzctl' exec 101 -"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'one\ntwo')" ]
}

@test "stop --fast kills at once; restart comes back" {
	vz_running_ct 101
	run vzctl stop 101 --fast
	[ "$status" -eq 0 ]
	vzctl --quiet start 101
	run vzctl restart 101
	[ "$status" -eq 0 ]
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
}

@test "destroy removes the private area and keeps the config as .destroyed" {
	vzctl --quiet create 101 --ostemplate busybox
	run vzctl destroy 101
	[ "$status" -eq 0 ]
	[ ! -e "$VZ_ROOT/private/101" ]
	[ ! -e "$VZ_ROOT/conf/101.conf" ]
	[ -e "$VZ_ROOT/conf/101.conf.destroyed" ]
	run vzctl status 101
	[ "$output" = "CTID 101 deleted unmounted down" ]
}

@test "a CT left by a dead init is cleaned up" {
	vz_running_ct 101
	pid=$(sed -n 's/^INIT_PID="\{0,1\}\([0-9]*\).*/\1/p' "$VZ_RUNDIR/101.state")
	kill -KILL "$pid"
	for _ in $(seq 100); do
		[ "$(vzctl status 101)" = "CTID 101 exist unmounted down" ] && break
		sleep 0.05
	done
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	vzctl --quiet start 101
}

@test "a private area layout this host cannot run is refused at start; nothing is mounted or made" {
	vzctl --quiet create 101 --ostemplate busybox
	# OpenVZ 7's ploop: a root.hdd image vz does not read.
	mv "$VZ_ROOT/private/101" "$VZ_ROOT/private/101.files"
	mkdir -p "$VZ_ROOT/private/101/root.hdd"
	touch "$VZ_ROOT/private/101/root.hdd/root.hds" "$VZ_ROOT/private/101/root.hdd/DiskDescriptor.xml"
	echo 'VE_LAYOUT="ploop"' >>"$VZ_ROOT/conf/101.conf"
	run -21 vzctl start 101
	[ "${#lines[@]}" -le 2 ]
	[[ "$output" == *"root.hdd' is an OpenVZ ploop image, which vz cannot read"* ]]
	rm -r "$VZ_ROOT/private/101"
	mv "$VZ_ROOT/private/101.files" "$VZ_ROOT/private/101"
	run -0 vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	[ ! -e "$VZ_RUNDIR/101.state" ]
	sed -i 's/^VE_LAYOUT=.*/VE_LAYOUT="tmpfs"/' "$VZ_ROOT/conf/101.conf"
	run -21 vzctl start 101
	[[ "$output" == *"VE_LAYOUT: invalid layout (simfs, overlay or ploop) 'tmpfs'"* ]]
	sed -i 's/^VE_LAYOUT=.*/VE_LAYOUT="simfs"/' "$VZ_ROOT/conf/101.conf"
	vzctl --quiet start 101
	run -0 vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
}
