#!/usr/bin/env bats
# Checkpoint and restore through CRIU: vzctl chkpnt/restore [--dumpfile],
# suspend/resume into the CT's dump directory, start of a suspended CT. A
# CT comes back as it was: its processes where they were (a counter goes
# on, it does not start over), its TCP connections, its limits. Failures
# leave either the CT running or its dump intact, never neither.

load helpers

setup() {
	require_criu
	vz_start_daemon
}
teardown() {
	# A client left by a test that failed half way would keep bats waiting.
	[ -z "${CLIENT_PID:-}" ] || kill "$CLIENT_PID" 2>/dev/null || true
	vz_stop_daemon
}

# A counter inside the CT: its value lives in the shell's memory, so a CT
# that restarted instead of coming back would count from 1 again.
start_counter() {
	# shellcheck disable=SC2016
	vzctl exec "$1" 'setsid sh -c "i=0; while :; do i=\$((i+1)); echo \$i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.05; done" </dev/null >/dev/null 2>&1 &'
	for _ in $(seq 100); do [ -s "$VZ_ROOT/private/$1/tmp/count" ] && break; sleep 0.05; done
}
count() { cat "$VZ_ROOT/private/$1/tmp/count"; }
# The counter's pid inside CT 101: the first shell with its loop (a child
# it has just forked shows the same command line until it execs).
counter_pid() { vzctl exec 101 ps | awk '/[w]hile/ { print $1; exit }'; }

# The counter moved past $2 (within ~5 s).
counter_goes_on() {
	for _ in $(seq 100); do
		[ "$(count "$1")" -gt "$2" ] && return 0
		sleep 0.05
	done
	echo "CT $1: the counter stays at $(count "$1"), was $2" >&3
	return 1
}

# What the operator sees of a CT: vzlist's status.
status_of() { vzlist -a -H -o status "$1" | tr -d ' '; }

@test "chkpnt stops the CT into its dump, restore brings the same processes back" {
	vz_running_ct 101
	start_counter 101
	pid_in_ct=$(counter_pid)
	[ -n "$pid_in_ct" ]
	run -0 vzctl chkpnt 101
	[[ "$output" == *"Checkpointing completed successfully"* ]]
	run -0 vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down suspended" ]
	[ "$(status_of 101)" = suspended ]
	at=$(count 101)
	sleep 0.3
	[ "$(count 101)" = "$at" ]
	run -0 vzctl restore 101
	[[ "$output" == *"Restoring completed successfully"* ]]
	[ "$(status_of 101)" = running ]
	counter_goes_on 101 "$at"
	# The same shell, under the same pid inside the CT.
	[ "$(counter_pid)" = "$pid_in_ct" ]
	# The CT's own dump is used up; it can be checkpointed again.
	[ ! -e "$VZ_ROOT/dump/101" ]
	run -0 vzctl chkpnt 101
	run -0 vzctl restore 101
	counter_goes_on 101 "$(count 101)"
}

@test "a command run after a restore does not keep the CT from a second checkpoint" {
	vz_running_ct 101
	vzctl --quiet chkpnt 101
	vzctl --quiet restore 101
	start_counter 101
	run -0 vzctl chkpnt 101
	run -0 vzctl restore 101
	counter_goes_on 101 "$(count 101)"
}

@test "suspend survives a daemon restart; resume and start bring the CT back" {
	vz_running_ct 101
	start_counter 101
	run -0 vzctl suspend 101
	at=$(count 101)
	kill "$VZD_PID"
	wait "$VZD_PID" 2>/dev/null || true
	vz_run_daemon
	[ "$(status_of 101)" = suspended ]
	run -0 vzlist -a -j 101
	[[ "$output" == *'"status":"suspended"'* ]]
	run -0 vzctl resume 101
	counter_goes_on 101 "$at"
	run -0 vzctl suspend 101
	at=$(count 101)
	run -0 vzctl start 101
	[[ "$output" == *"Restoring completed successfully"* ]]
	counter_goes_on 101 "$at"
}

@test "start --skip-resume discards the checkpoint and boots afresh" {
	vz_running_ct 101
	start_counter 101
	vzctl --quiet suspend 101
	run -0 vzctl start 101 --skip-resume
	[[ "$output" == *"Discarding the checkpoint"* ]]
	[ ! -e "$VZ_ROOT/dump/101" ]
	[ "$(status_of 101)" = running ]
	# A fresh boot: no counter runs.
	run vzctl exec 101 sh -c 'ps | grep -c "[w]hile"'
	[ "$output" = 0 ]
}

@test "an established TCP connection from a client keeps working across chkpnt and restore" {
	vzctl --quiet create 101 --ostemplate busybox
	vzctl --quiet set 101 --ipadd 198.51.100.21 --save
	vz_install_probe 101
	vzctl --quiet start 101
	vzctl exec 101 'setsid /bin/vzprobe tcp-echo 7000 </dev/null >/dev/null 2>&1 &'
	log="$VZ_TEST_DIR/client.log"
	for _ in $(seq 100); do
		vz_host bash -c 'exec 3<>/dev/tcp/198.51.100.21/7000' 2>/dev/null && break
		sleep 0.05
	done
	vz_host "$VZ_BUILD/vzprobe" tcp-client 198.51.100.21 7000 50 >"$log" 2>&1 3>&- &
	client=$!
	CLIENT_PID=$client
	for _ in $(seq 100); do grep -q "^conn" "$log" && break; sleep 0.05; done
	conn=$(grep -o '^conn [0-9]*' "$log" | tail -n 1)
	for _ in 1 2 3; do
		run vzctl chkpnt 101
		[ "$status" = 0 ] || { echo "$output" >&3; false; }
		run vzctl restore 101
		[ "$status" = 0 ] || { echo "$output" >&3; false; }
	done
	n=$(wc -l <"$log")
	for _ in $(seq 200); do [ "$(wc -l <"$log")" -gt $((n + 5)) ] && break; sleep 0.05; done
	kill "$client"
	run ! grep error "$log"
	# Still the first connection, answering.
	[ "$(grep -o '^conn [0-9]*' "$log" | sort -u)" = "$conn" ]
	[ "$(wc -l <"$log")" -gt $((n + 5)) ]
}

# knob CONTROLLER V1-FILE V2-FILE: a knob of CT 101's group in the daemon's layout.
knob() {
	local f=$2
	[ "$(vz_daemon_cgroup_layout)" = v1 ] || f=$3
	cat "$(vz_ct_cgroup_dir "$1" 101)/$f"
}

@test "the limits and CPU weight the CT ran with come back, saved or not" {
	require_cgroup_controller memory cpu
	vzctl --quiet create 101 --ostemplate busybox
	vzctl --quiet set 101 --ram 256M --save
	vzctl --quiet start 101
	vzctl --quiet set 101 --ram 192M --cpuunits 2000
	[ "$(knob memory memory.limit_in_bytes memory.max)" = $((192 << 20)) ]
	weight=$(knob cpu cpu.shares cpu.weight)
	run -0 vzctl chkpnt 101
	run -0 vzctl restore 101
	[ "$(knob memory memory.limit_in_bytes memory.max)" = $((192 << 20)) ]
	[ "$(knob cpu cpu.shares cpu.weight)" = "$weight" ]
	# The config keeps what was saved.
	grep -q '^PHYSPAGES="0:65536"' "$VZ_ROOT/conf/101.conf"
	run ! grep -q '^CPUUNITS=' "$VZ_ROOT/conf/101.conf"
}

@test "cgroup2 host: chkpnt and restore" {
	vz_stop_daemon
	export VZ_TEST_CGROUP2=1
	vz_start_daemon
	vz_running_ct 101
	start_counter 101
	run -0 vzctl chkpnt 101
	at=$(count 101)
	run -0 vzctl restore 101
	counter_goes_on 101 "$at"
}

@test "chkpnt and restore --dumpfile: the operator's directory, kept after the restore" {
	vz_running_ct 101
	start_counter 101
	dump="$VZ_TEST_DIR/saved/101"
	run -0 vzctl chkpnt 101 --dumpfile "$dump"
	[ -f "$dump/vz.dump" ]
	# Not the CT's own dump: the CT is stopped, not suspended.
	[ "$(status_of 101)" = stopped ]
	at=$(count 101)
	run -0 vzctl restore 101 --dumpfile "$dump"
	counter_goes_on 101 "$at"
	[ -f "$dump/vz.dump" ]
	# A dump is never overwritten.
	run -16 vzctl chkpnt 101 --dumpfile "$dump"
	[[ "$output" == *"exists already"* ]]
	[ "$(status_of 101)" = running ]
}

# A criu that fails its dump or restore on purpose, as CRIU would report it.
fake_criu() {
	local verb=$1
	cat >"$VZ_TEST_DIR/criu" <<-EOF
		#!/bin/sh
		for a; do [ "\$a" = "$verb" ] && { echo "(00.1) Error (criu/x.c:1): injected $verb failure" >&2; exit 1; }; done
		exec criu "\$@"
	EOF
	chmod +x "$VZ_TEST_DIR/criu"
	kill "$VZD_PID"
	wait "$VZD_PID" 2>/dev/null || true
	VZ_CRIU="$VZ_TEST_DIR/criu" vz_run_daemon
}

@test "a failed dump leaves the CT running as before, and no dump" {
	vz_running_ct 101
	start_counter 101
	fake_criu dump
	run -16 vzctl chkpnt 101
	[[ "$output" == *"injected dump failure"*"log:"* ]]
	[ "$(status_of 101)" = running ]
	counter_goes_on 101 "$(count 101)"
	[ ! -e "$VZ_ROOT/dump/101" ]
	[ -z "$(ls "$VZ_ROOT/dump")" ]
}

@test "a failed restore keeps the dump and the CT stopped, with CRIU's reason" {
	vz_running_ct 101
	start_counter 101
	vzctl --quiet suspend 101
	at=$(count 101)
	fake_criu restore
	run -17 vzctl resume 101
	[[ "$output" == *"injected restore failure"* ]]
	[[ "$output" == *"dump is kept"* ]]
	[ "$(status_of 101)" = suspended ]
	run -17 vzctl start 101
	[[ "$output" == *"--skip-resume"* ]]
	# The real criu again: the dump was intact.
	kill "$VZD_PID"
	wait "$VZD_PID" 2>/dev/null || true
	vz_run_daemon
	run -0 vzctl resume 101
	counter_goes_on 101 "$at"
}

@test "restore refuses a dump of another CT, a damaged one, and none; chkpnt a stopped CT" {
	vz_running_ct 101
	vz_running_ct 102
	dump="$VZ_TEST_DIR/d102"
	vzctl --quiet chkpnt 102 --dumpfile "$dump"
	vzctl --quiet stop 101
	run -17 vzctl restore 101 --dumpfile "$dump"
	[[ "$output" == *"is of CT 102, not of CT 101"* ]]
	[ "$(status_of 101)" = stopped ]
	pages=$(find "$dump" -name 'pages-*.img' | head -n 1)
	cp "$pages" "$VZ_TEST_DIR/pages.bak"
	truncate -s 100 "$pages"
	run -17 vzctl restore 102 --dumpfile "$dump"
	[[ "$output" == *"is damaged: $(basename "$pages") has 100 bytes"* ]]
	[ "$(status_of 102)" = stopped ]
	cp "$VZ_TEST_DIR/pages.bak" "$pages"
	run -17 vzctl restore 101
	[[ "$output" == *"no dump"* ]]
	run -17 vzctl restore 101 --dumpfile "$VZ_TEST_DIR/nothing"
	run -31 vzctl chkpnt 101
	run -0 vzctl restore 102 --dumpfile "$dump"
	[ "$(status_of 102)" = running ]
	run -32 vzctl restore 102 --dumpfile "$dump"
}

@test "a CT with a bridged veth comes back in its bridge, with its MAC and address" {
	require_bridge
	require_busybox_applets ping ip
	vz_host ip link add br0 type bridge
	vz_host ip link set br0 up
	vz_host ip addr add 198.51.100.1/24 dev br0
	vzctl --quiet create 101 --ostemplate busybox
	vzctl --quiet set 101 --netif_add eth0,,,,br0 --save
	vzctl --quiet start 101
	vzctl exec 101 ip addr add 198.51.100.12/24 dev eth0
	run -0 vz_host busybox ping -c1 -W2 198.51.100.12
	mac=$(sed -n 's/.*ifname=eth0,mac=\([^,]*\),.*/\1/p' "$VZ_ROOT/conf/101.conf")
	run -0 vzctl chkpnt 101
	run -0 vz_host ip -o link show master br0
	[ -z "$output" ]
	run -0 vzctl restore 101
	run -0 vz_host ip -o link show master br0
	[ "${#lines[@]}" = 1 ]
	run -0 vzctl exec 101 cat /sys/class/net/eth0/address
	[ "$output" = "$mac" ]
	# The address the CT gave itself is part of what was checkpointed.
	run -0 vz_host busybox ping -c1 -W2 198.51.100.12
}
