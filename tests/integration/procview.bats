#!/usr/bin/env bats
# The per-CT /proc view (lib/view): /proc/meminfo, swaps, cpuinfo, stat,
# uptime, loadavg, diskstats and /sys/devices/system/cpu/online show the CT,
# so does sysinfo(2) (busybox free and uptime), OpenVZ's beancounters are at
# /dev/vz/user_beancounters, and all of it survives a vzd restart and a
# restart of the view's server.

load helpers

setup() {
	[ -c /dev/fuse ] || skip "no /dev/fuse: the view cannot run (see the fallback test)"
	vz_start_daemon
}
teardown() { vz_stop_daemon; }

# CT 101: busybox, 256 MiB of RAM, 128 MiB of swap, one CPU.
view_ct() {
	local ct=${1:-101}
	vzctl --quiet create "$ct" --ostemplate busybox
	vzctl --quiet set "$ct" --ram 256M --swap 128M --cpus 1 --save
	vz_install_probe "$ct"
	vzctl --quiet start "$ct"
}

# Field 2 of line KEY: of a meminfo text on stdin.
meminfo_kb() { awk -v k="$1:" '$1 == k { print $2 }'; }

view_pid() { awk '{ print $1 }' "$VZ_RUNDIR/view.pid"; }

# Run a command in vzd's mount namespace (its own one under VZ_TEST_CGROUP2).
in_vzd_ns() { nsenter -t "$VZD_PID" -m "$@"; }

# Does the daemon's layout offer controller $1 (require_cgroup_controller, without the skip)?
has_controller() {
	local c
	c=$(vz_cgroup_controller_name "$1")
	if [ "$(vz_daemon_cgroup_layout)" = v2 ]; then
		grep -qw "$c" "$(vz_cgroup2_mount)/cgroup.controllers"
	else
		[ -n "$(vz_cgroup_v1_mount "$c")" ]
	fi
}

# What the CT reads now must be its own (the checks of the restart tests);
# where the host lacks a controller, the CT has no such limit and sees the host's.
check_ct_numbers() {
	local ct=${1:-101} up mem=262144 online=0
	has_controller memory || mem=$(meminfo_kb MemTotal </proc/meminfo)
	has_controller cpuset || online=$(cat /sys/devices/system/cpu/online)
	run -0 vzctl exec "$ct" cat /proc/meminfo
	[ "$(meminfo_kb MemTotal <<<"$output")" = "$mem" ]
	! has_controller memory || [ "$(meminfo_kb SwapTotal <<<"$output")" = 131072 ]
	run -0 vzctl exec "$ct" cat /sys/devices/system/cpu/online
	[ "$output" = "$online" ]
	run -0 vzctl exec "$ct" cat /proc/uptime
	up=${output%%.*}
	# The CT's seconds, not the host's (which are more by far).
	[ "$up" -lt 600 ]
	run -0 vzctl exec "$ct" cat /proc/loadavg
	[[ "$output" =~ ^[0-9]+\.[0-9]{2}\ [0-9]+\.[0-9]{2}\ [0-9]+\.[0-9]{2}\ [0-9]+/[0-9]+\ 0$ ]]
	check_ct_sysinfo "$ct"
}

# Value of KEY in vzprobe sysinfo's output on stdin.
sysinfo_value() { awk -v k="$1" '$1 == k { print $2 }'; }

# What sysinfo(2) says to a new process in the CT ($2: int80 for the i386 ABI).
check_ct_sysinfo() {
	local ct=${1:-101} abi=${2:-}
	run -0 vzctl exec "$ct" vzprobe sysinfo ${abi:+"$abi"}
	if has_controller memory; then
		[ "$(sysinfo_value totalram <<<"$output")" = $((256 << 20)) ]
		[ "$(sysinfo_value totalswap <<<"$output")" = $((128 << 20)) ]
		[ "$(sysinfo_value freeram <<<"$output")" -le $((256 << 20)) ]
	fi
	[ "$(sysinfo_value uptime <<<"$output")" -lt 600 ]
	[ "$(sysinfo_value procs <<<"$output")" -lt 100 ]
}

# A loop in CT 101 that asks sysinfo(2) every 0.2 s into /tmp/sysinfo: its
# processes inherit one listener, taken when the loop's shell was started.
start_sysinfo_loop() {
	# shellcheck disable=SC2016 # expanded in the CT
	vzctl exec 101 'setsid sh -c "while :; do vzprobe sysinfo >/tmp/si.new 2>&1; mv /tmp/si.new /tmp/sysinfo; sleep 0.2; done" </dev/null >/dev/null 2>&1 &'
}

# The loop's latest answer, once a fresh one came after this call.
loop_sysinfo() {
	vzctl exec 101 rm -f /tmp/sysinfo
	for _ in $(seq 50); do
		vzctl exec 101 test -s /tmp/sysinfo && break
		sleep 0.1
	done
	vzctl exec 101 cat /tmp/sysinfo
}

require_host_uptime() {
	local up
	up=$(cut -d. -f1 /proc/uptime)
	[ "$up" -gt 1200 ] || skip "host up only ${up}s: too close to a CT's uptime to tell them apart"
}

@test "view: /proc/meminfo and /proc/swaps show the CT's RAM and swap" {
	require_cgroup_controller memory
	view_ct
	require_swap_accounting 101
	run -0 vzctl exec 101 cat /proc/meminfo
	[ "$(meminfo_kb MemTotal <<<"$output")" = 262144 ]
	[ "$(meminfo_kb SwapTotal <<<"$output")" = 131072 ]
	free=$(meminfo_kb MemFree <<<"$output")
	[ "$free" -gt 0 ] && [ "$free" -le 262144 ]
	# The host's own file is untouched.
	[ "$(meminfo_kb MemTotal </proc/meminfo)" -gt 262144 ]
	run -0 vzctl exec 101 cat /proc/swaps
	[ "${lines[1]}" = "$(printf '%-40s%-16s%-16s%-16s%s' none virtual 131072 0 -1)" ]
	# Memory the CT takes shows as used (a tmpfs file stays charged as shmem).
	vzctl exec 101 'dd if=/dev/zero of=/dev/shm/x bs=1M count=64 2>/dev/null'
	run -0 vzctl exec 101 cat /proc/meminfo
	[ "$(meminfo_kb Shmem <<<"$output")" -ge 65536 ]
	[ "$(meminfo_kb MemFree <<<"$output")" -lt $((262144 - 65536)) ]
}

@test "view: nproc, cpu/online, cpuinfo and stat show the CT's CPUs" {
	require_cgroup_controller cpuset
	[ "$(nproc)" -ge 2 ] || skip "host has one CPU: --cpus 1 changes nothing"
	view_ct
	run -0 vzctl exec 101 nproc
	[ "$output" = 1 ]
	run -0 vzctl exec 101 cat /sys/devices/system/cpu/online
	[ "$output" = 0 ]
	run -0 vzctl exec 101 'grep -c ^processor /proc/cpuinfo'
	[ "$output" = 1 ]
	run -0 vzctl exec 101 'grep ^cpu /proc/stat | cut -d" " -f1'
	[ "$output" = "$(printf 'cpu\ncpu0')" ]
	# Two CPUs: two of everything.
	vzctl --quiet set 101 --cpus 2
	run -0 vzctl exec 101 'nproc; cat /sys/devices/system/cpu/online; grep -c ^processor /proc/cpuinfo'
	[ "$output" = "$(printf '2\n0-1\n2')" ]
}

@test "view: /proc/uptime and /proc/stat count from the CT's start" {
	require_host_uptime
	view_ct
	sleep 2
	run -0 vzctl exec 101 cat /proc/uptime
	up=${output%%.*}
	[ "$up" -ge 2 ] && [ "$up" -lt 120 ]
	host=$(cut -d. -f1 /proc/uptime)
	[ "$host" -gt $((up + 600)) ]
	# The cpu line's ticks add up to about the CT's uptime on its one CPU (USER_HZ 100).
	run -0 vzctl exec 101 'grep "^cpu " /proc/stat'
	read -r _ user nice sys idle _ <<<"$output"
	total=$(((user + nice + sys + idle) / 100))
	[ "$total" -ge $((up - 2)) ] && [ "$total" -le $((up + 2)) ]
}

@test "view: /proc/loadavg is the CT's own load" {
	view_ct 101
	view_ct 102
	# shellcheck disable=SC2016 # not expanded at all: a loop's text
	vzctl exec 101 'for i in 1 2; do setsid sh -c "while :; do :; done" </dev/null >/dev/null 2>&1 & done'
	# Two ticks of the 5 s load average.
	sleep 11
	run -0 vzctl exec 101 cat /proc/loadavg
	one=${output%% *}
	[ "${one%%.*}${one#*.}" -gt 20 ]
	[[ "$output" == *" 2/"* ]] || [[ "$output" == *" 3/"* ]]
	run -0 vzctl exec 102 cat /proc/loadavg
	[[ "$output" == "0.00 0.00 0.00 "* ]]
}

@test "view: /dev/vz/user_beancounters is vzctl ubc's table; /proc/user_beancounters cannot exist" {
	view_ct
	# Name, barrier, limit and failcnt of each row; held moves while we look.
	# vzctl ubc's disk quota comments are vzquota's, not part of OpenVZ's file.
	cols() {
		sed 's/^ *[0-9]*: //' | grep -v '^# \(disk quota\|1k-blocks\|inodes\|the grace\|above a soft\)' |
			awk 'NR > 2 && !/^#/ { print $1, $4, $5, $6 } /^#/ || NR <= 2'
	}
	run -0 vzctl exec 101 cat /dev/vz/user_beancounters
	inside=$(cols <<<"$output")
	run -0 vzctl ubc 101
	[ "$inside" = "$(cols <<<"$output")" ]
	[[ "$inside" == *"physpages 0 65536 "* ]]
	run -0 vzctl exec 101 'ls -ln /dev/vz/user_beancounters'
	[[ "$output" == "-r--r--r--"*" 0 "*" 0 "* ]]
	run ! vzctl exec 101 'echo 1 > /dev/vz/user_beancounters'
	# procfs has no such name to bind on, and refuses overlayfs (doc/architecture.md).
	run ! vzctl exec 101 'test -e /proc/user_beancounters'
}

@test "view: read-only, root's inside, locked, and busybox cat (sendfile) reads it" {
	view_ct
	run -0 vzctl exec 101 'ls -ln /proc/meminfo /proc/stat'
	[[ "${lines[0]}" == "-r--r--r--"*" 0 "*" 0 "* ]]
	run ! vzctl exec 101 'echo x > /proc/meminfo'
	run ! vzctl exec 101 'umount /proc/meminfo'
	# busybox cat uses sendfile, which reads through the page cache: every time the CT's text.
	for f in meminfo uptime stat; do
		run -0 vzctl exec 101 "cat /proc/$f | wc -c; head -c 100000 /proc/$f | wc -c"
		[ "${lines[0]}" -gt 5 ]
		[ "$f" != meminfo ] || [ "${lines[0]}" = "${lines[1]}" ]
	done
	# A text longer than the last one is read whole through the page cache too.
	# shellcheck disable=SC2016 # expanded in the CT
	run -0 vzctl exec 101 'cat /proc/loadavg; for i in $(seq 12); do sleep 100 & done; cat /proc/loadavg; head -c 1000 /proc/loadavg; kill $(jobs -p)'
	# Whole lines each time (the last field is there), the second one longer.
	[[ "${lines[0]}" =~ ^[0-9.]+\ [0-9.]+\ [0-9.]+\ [0-9]+/[0-9]+\ 0$ ]]
	[[ "${lines[1]}" =~ ^[0-9.]+\ [0-9.]+\ [0-9.]+\ [0-9]+/1[0-9]\ 0$ ]]
	[ "${#lines[1]}" -gt "${#lines[0]}" ]
	# As many tasks as read() sees (which running, of them, may differ by the reader).
	[ "$(cut -d/ -f2 <<<"${lines[1]}")" = "$(cut -d/ -f2 <<<"${lines[2]}")" ]
}

@test "view: a reader outside CTs gets the host's files" {
	view_ct
	run -0 in_vzd_ns cat "$VZ_RUNDIR/view/meminfo"
	[ "$(meminfo_kb MemTotal <<<"$output")" = "$(meminfo_kb MemTotal </proc/meminfo)" ]
	run -0 in_vzd_ns cat "$VZ_RUNDIR/view/cpu_online"
	[ "$output" = "$(cat /sys/devices/system/cpu/online)" ]
	# A CT's own directory shows that CT to anyone.
	run -0 in_vzd_ns cat "$VZ_RUNDIR/view/101/meminfo"
	[ "$(meminfo_kb MemTotal <<<"$output")" = 262144 ] || ! has_controller memory
	run ! in_vzd_ns cat "$VZ_RUNDIR/view/999/meminfo"
}

@test "view: sysinfo(2) says the CT's RAM, swap, uptime and load: busybox free and uptime" {
	require_host_uptime
	view_ct
	# The host, as a control: its own numbers.
	run -0 "$VZ_BUILD/vzprobe" sysinfo
	[ "$(sysinfo_value uptime <<<"$output")" -gt 1200 ]
	check_ct_sysinfo
	# busybox free and uptime ask sysinfo(2), not /proc.
	if has_controller memory; then
		run -0 vzctl exec 101 free -m
		[[ "${lines[1]}" =~ ^Mem:\ +256\  ]]
		[[ "${lines[2]}" =~ ^Swap:\ +128\  ]]
	fi
	run -0 vzctl exec 101 uptime
	[[ "$output" =~ up\ [0-9]\ min, ]]
	# Its load: two spinning loops, two ticks of the 5 s average.
	# shellcheck disable=SC2016 # not expanded at all: a loop's text
	vzctl exec 101 'for i in 1 2; do setsid sh -c "while :; do :; done" </dev/null >/dev/null 2>&1 & done'
	sleep 11
	run -0 vzctl exec 101 vzprobe sysinfo
	read -r _ one _ <<<"$(grep '^loads ' <<<"$output")"
	# 0.2 and more, in 16 bits of fraction.
	[ "$one" -gt $((65536 / 5)) ]
}

@test "view: sysinfo(2) through the i386 ABI gets the CT's numbers too" {
	require_i386_abi
	view_ct
	check_ct_sysinfo 101 int80
}

@test "view: survives kill -9 of vzd, of its server, and of both one after the other" {
	require_host_uptime
	view_ct
	check_ct_numbers
	# Processes started before the kills keep their answers too.
	start_sysinfo_loop
	run -0 loop_sysinfo
	! has_controller memory || [ "$(sysinfo_value totalram <<<"$output")" = $((256 << 20)) ]
	server=$(view_pid)
	vz_kill_daemon KILL
	vz_run_daemon
	# The new vzd took over the same server and connection.
	[ "$(view_pid)" = "$server" ]
	check_ct_numbers
	# The server dies: the new vzd (which holds the connection now) starts another.
	kill -KILL "$server"
	for _ in $(seq 100); do
		[ "$(view_pid 2>/dev/null)" != "$server" ] && kill -0 "$(view_pid)" 2>/dev/null && break
		sleep 0.05
	done
	[ "$(view_pid)" != "$server" ]
	check_ct_numbers
	grep -q "view's server $server is gone" "$VZ_TEST_DIR/vzd.log"
	run -0 loop_sysinfo
	! has_controller memory || [ "$(sysinfo_value totalram <<<"$output")" = $((256 << 20)) ]
	# And once more the other way round: vzd, then the server it found.
	server=$(view_pid)
	vz_kill_daemon KILL
	vz_run_daemon
	kill -KILL "$server"
	sleep 0.5
	[ "$(view_pid)" != "$server" ]
	check_ct_numbers
	run -0 loop_sysinfo
	! has_controller memory || [ "$(sysinfo_value totalram <<<"$output")" = $((256 << 20)) ]
	[ "$(sysinfo_value uptime <<<"$output")" -lt 600 ]
	# A CT started now gets the same view (an emulated cgroup2 host gives each
	# vzd a mount namespace of its own, where the first vzd's mount is not).
	[ "${VZ_TEST_CGROUP2:-0}" = 1 ] && return 0
	view_ct 102
	check_ct_numbers 102
}

@test "view: vzd and its server both killed: the next vzd mounts a new view and grafts it into running CTs" {
	require_host_uptime
	view_ct
	check_ct_numbers
	server=$(view_pid)
	vz_kill_daemon KILL
	kill -KILL "$server"
	# The connection is gone with the last fd: the CT's binds are dead.
	run ! vzctl exec 101 cat /proc/meminfo 2>/dev/null
	vz_run_daemon
	for _ in $(seq 100); do
		grep -q "CT 101 has the new /proc view" "$VZ_TEST_DIR/vzd.log" && break
		sleep 0.05
	done
	grep -q "CT 101 has the new /proc view" "$VZ_TEST_DIR/vzd.log"
	[ "$(view_pid)" != "$server" ]
	check_ct_numbers
	run ! vzctl exec 101 'echo x > /proc/meminfo'
}

@test "view: without FUSE, CTs start with the host's /proc and a warning" {
	# vzd and the view's server both gone: the connection with them.
	server=$(view_pid)
	vz_kill_daemon KILL
	kill -KILL "$server"
	VZ_TEST_NO_FUSE=1 vz_run_daemon
	grep -q "no /proc view" "$VZ_TEST_DIR/vzd.log"
	vzctl --quiet create 101 --ostemplate busybox
	vzctl --quiet set 101 --ram 256M --save
	run -0 vzctl start 101
	[[ "$output" == *"the /proc view is not running"* ]]
	run -0 vzctl exec 101 cat /proc/meminfo
	[ "$(meminfo_kb MemTotal <<<"$output")" = "$(meminfo_kb MemTotal </proc/meminfo)" ]
	run -0 vzctl exec 101 'test -e /dev/vz/user_beancounters || echo none'
	[ "$output" = none ]
}

@test "view: a checkpointed and restored CT has its view again (the binds are CRIU externals)" {
	require_criu
	require_host_uptime
	view_ct
	check_ct_numbers
	start_sysinfo_loop
	vzctl --quiet chkpnt 101
	run -0 vzctl restore 101
	check_ct_numbers
	# A restored process's sysinfo(2) has no listener: the kernel answers, and never fails.
	run -0 loop_sysinfo
	[[ "$output" == *"totalram "* ]]
	[ "$(sysinfo_value totalram <<<"$output")" = "$(sysinfo_value totalram < <("$VZ_BUILD/vzprobe" sysinfo))" ]
	# And again: the restored CT's state keeps the binds external for the next dump.
	vzctl --quiet chkpnt 101
	vzctl --quiet restore 101
	check_ct_numbers
	# No staging left behind.
	run ! ls /run/vz-criu/*."101.view"
}
