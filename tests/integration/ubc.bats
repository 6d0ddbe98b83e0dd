#!/usr/bin/env bats
# Beancounters: vzctl set of memory, process, CPU and I/O limits (live and
# --save), their cgroup knobs, vzctl ubc and vzlist fields, confinement of
# a memory hog and a fork bomb, and refused values.

load helpers

setup() { vz_start_daemon; }
teardown() { vz_stop_daemon; }

# A knob of CT's group in a v1 hierarchy of this host.
knob() { cat "/sys/fs/cgroup/$1/$VZ_CGROUP_PREFIX/$2/$3"; }

# A column of `vzctl ubc CT` for one resource (numbers from the table: jq
# would round 2^63-1), or a field of its JSON (enforced, note).
ubc() {
	local col
	case $3 in
	held) col=2 ;; maxheld) col=3 ;; barrier) col=4 ;; limit) col=5 ;; failcnt) col=6 ;;
	*)
		vzctl ubc "$1" -j | jq -r ".resources[] | select(.resource == \"$2\") | .$3"
		return
		;;
	esac
	vzctl ubc "$1" | sed 's/^ *[0-9]*: //' | awk -v r="$2" -v c="$col" '$1 == r { print $c }'
}

conf_sum() { md5sum <"$VZ_ROOT/conf/$1.conf"; }

@test "--ram and --swap set the memory limits live, and --save keeps them across restarts" {
	vz_running_ct 101
	run -0 vzctl set 101 --ram 64M --swap 32M
	[[ "$output" == *"not saved"* ]]
	[ "$(knob memory 101 memory.limit_in_bytes)" = $((64 << 20)) ]
	[ "$(knob memory 101 memory.memsw.limit_in_bytes)" = $((96 << 20)) ]
	[ "$(ubc 101 physpages limit)" = 16384 ]
	[ "$(ubc 101 physpages enforced)" = cgroup ]
	[ "$(ubc 101 swappages limit)" = 8192 ]
	run ! grep -q PHYSPAGES "$VZ_ROOT/conf/101.conf"
	run -0 vzctl set 101 --ram 128M --swap 0 --save
	grep -qx 'PHYSPAGES="0:32768"' "$VZ_ROOT/conf/101.conf"
	grep -qx 'SWAPPAGES="0:0"' "$VZ_ROOT/conf/101.conf"
	vzctl --quiet restart 101
	[ "$(knob memory 101 memory.limit_in_bytes)" = $((128 << 20)) ]
	[ "$(knob memory 101 memory.memsw.limit_in_bytes)" = $((128 << 20)) ]
	run -0 vzctl set 101 --ram unlimited --swap unlimited --save
	[ "$(knob memory 101 memory.limit_in_bytes)" -gt $((1 << 50)) ]
	[ "$(ubc 101 physpages limit)" = 9223372036854775807 ]
}

@test "--physpages and --swappages take pages, sizes and barrier:limit" {
	vz_running_ct 101
	run -0 vzctl set 101 --physpages 0:32768 --swappages 0:16M --save
	[ "$(knob memory 101 memory.limit_in_bytes)" = $((128 << 20)) ]
	[ "$(ubc 101 swappages limit)" = 4096 ]
	grep -qx 'PHYSPAGES="0:32768"' "$VZ_ROOT/conf/101.conf"
}

@test "vzctl ubc prints the /proc/user_beancounters layout with real counters" {
	vz_running_ct 101 --config vswap-256m
	run -0 vzctl ubc 101
	[ "${lines[0]}" = "Version: 2.5" ]
	[[ "${lines[1]}" == *"uid  resource"*"held"*"maxheld"*"barrier"*"limit"*"failcnt" ]]
	[[ "${lines[2]}" == "       101: kmemsize "* ]]
	line=$(printf '%s\n' "${lines[@]}" | grep ' physpages ')
	read -r name held maxheld barrier limit failcnt <<<"$line"
	[ "$name" = physpages ]
	[ "$held" -gt 0 ] && [ "$maxheld" -ge "$held" ]
	[ "$barrier" = 0 ] && [ "$limit" = 65536 ] && [ "$failcnt" = 0 ]
	line=$(printf '%s\n' "${lines[@]}" | grep ' numproc ')
	read -r name held _ <<<"$line"
	[ "$held" -ge 1 ]
	# No counter: a dash, never a made-up zero.
	printf '%s\n' "${lines[@]}" | grep -Eq ' numtcpsock +- +- +9223372036854775807 +9223372036854775807 +-$'
	[[ "$output" == *"Not enforced by this kernel"*numtcpsock* ]]
	[[ "$output" == *"per process"*numfile* ]]
	run -0 vzctl ubc 101 -j
	[ "$(jq '.resources | length' <<<"$output")" = 21 ]
	[ "$(jq -r '.resources[] | select(.resource == "numtcpsock") | .held' <<<"$output")" = null ]
	[ "$(jq -r '.resources[] | select(.resource == "numtcpsock") | .note' <<<"$output")" != null ]
	run -14 vzctl ubc 102
	vzctl --quiet create 102 --ostemplate busybox
	run -31 vzctl ubc 102
	[[ "$output" == *"not running"* ]]
}

@test "a memory hog in a CT with --ram 64M --swap 0 is OOM-killed inside that CT only" {
	vz_running_ct 101
	vz_running_ct 102
	vzctl --quiet set 101 --ram 64M --swap 0 --save
	run vzctl exec 101 /bin/vzprobe hog 512
	[ "$status" -ne 0 ]
	[[ "$output" != *"had 512 MiB"* ]]
	[ "$(ubc 101 physpages failcnt)" -gt 0 ]
	[ "$(vzctl ubc 101 -j | jq .oom_kills)" -ge 1 ]
	[ "$(ubc 101 oomguarpages failcnt)" -ge 1 ]
	[ "$(ubc 101 physpages maxheld)" -le 16384 ]
	# The CT and its neighbour live on; the neighbour can have what 101 could not.
	run -0 vzctl status 101
	[[ "$output" == *running* ]]
	run -0 vzctl exec 102 /bin/vzprobe hog 128
	[[ "$output" == *"had 128 MiB"* ]]
	[ "$(ubc 102 physpages failcnt)" = 0 ]
}

@test "a fork bomb in a CT with --numproc 64 fails inside it; the host and other CTs go on" {
	vz_running_ct 101
	vz_running_ct 102
	vzctl --quiet set 101 --numproc 64 --save
	[ "$(knob pids 101 pids.max)" = 64 ]
	run vzctl exec 101 /bin/vzprobe forks 1000
	[ "$status" -eq 1 ]
	[[ "$output" =~ forked\ ([0-9]+),\ then\ Resource\ temporarily\ unavailable ]]
	[ "${BASH_REMATCH[1]}" -lt 64 ]
	[ "$(ubc 101 numproc failcnt)" -gt 0 ]
	[ "$(ubc 101 numproc maxheld)" -le 64 ]
	run -0 vzctl exec 102 /bin/vzprobe forks 200
	[[ "$output" == "forked 200" ]]
	run -0 vzlist -H -o ctid,numproc.f 101
	[ "$(echo "$output" | awk '{print $2}')" -gt 0 ]
}

@test "CPU: cpuunits, cpulimit, cpus and cpumask reach the cpu and cpuset knobs" {
	vz_running_ct 101
	run -0 vzctl set 101 --cpuunits 2000 --cpulimit 50 --cpumask 0 --save
	[ "$(knob cpu 101 cpu.shares)" = 2048 ]
	[ "$(knob cpu 101 cpu.cfs_period_us)" = 100000 ]
	[ "$(knob cpu 101 cpu.cfs_quota_us)" = 50000 ]
	[ "$(knob cpuset 101 cpuset.cpus)" = 0 ]
	# --cpus caps the CPU time too; the tighter of the two wins.
	run -0 vzctl set 101 --cpus 1 --cpulimit 150% --save
	[ "$(knob cpu 101 cpu.cfs_quota_us)" = 100000 ]
	run -0 vzctl set 101 --cpus 0 --cpulimit 0 --cpumask all --cpuunits 8 --save
	[ "$(knob cpu 101 cpu.cfs_quota_us)" = -1 ]
	[ "$(knob cpu 101 cpu.shares)" = 8 ]
	[ "$(knob cpuset 101 cpuset.cpus)" = "$(cat /sys/fs/cgroup/cpuset/cpuset.cpus)" ]
	run -0 vzctl set 101 --cpuunits 500000 --save
	[ "$(knob cpu 101 cpu.shares)" = 262144 ]
	vzctl --quiet restart 101
	[ "$(knob cpu 101 cpu.shares)" = 262144 ]
	run -0 vzlist -H -o cpuunits,cpulimit,cpus 101
	[ "$(xargs <<<"$output")" = "500000 0 0" ]
}

@test "the CTs together weigh against host tasks as the sum of their cpuunits" {
	prefix=/sys/fs/cgroup/cpu/$VZ_CGROUP_PREFIX
	vz_running_ct 101
	[ "$(cat "$prefix/cpu.shares")" = 1024 ]
	vzctl --quiet set 101 --cpuunits 2000 --save
	[ "$(cat "$prefix/cpu.shares")" = 2048 ]
	vz_running_ct 102
	[ "$(cat "$prefix/cpu.shares")" = 3072 ]
	vzctl --quiet stop 101
	[ "$(cat "$prefix/cpu.shares")" = 1024 ]
	vzctl --quiet set 102 --cpuunits 500000 --save
	vzctl --quiet start 101
	# Clamped to what cpu.shares takes.
	[ "$(cat "$prefix/cpu.shares")" = 262144 ]
}

@test "I/O: --iolimit and --iopslimit throttle the CT's disk; --ioprio says where it cannot" {
	vz_running_ct 101
	dev=$(stat -c '%d' "$VZ_ROOT/private/101")
	maj=$((dev >> 8)) min=$((dev & 255))
	[ -e "/sys/dev/block/$maj:$min/partition" ] && skip "private area on a partition"
	run -0 vzctl set 101 --iolimit 10 --iopslimit 500 --save
	grep -qx 'IOLIMIT="10M"' "$VZ_ROOT/conf/101.conf"
	[ "$(knob blkio 101 blkio.throttle.read_bps_device)" = "$maj:$min 10485760" ]
	[ "$(knob blkio 101 blkio.throttle.write_bps_device)" = "$maj:$min 10485760" ]
	[ "$(knob blkio 101 blkio.throttle.write_iops_device)" = "$maj:$min 500" ]
	run -0 vzctl set 101 --iolimit 0 --iopslimit 0 --save
	[ -z "$(knob blkio 101 blkio.throttle.read_bps_device)" ]
	if [ -e "/sys/fs/cgroup/blkio/blkio.bfq.weight" ] || [ -e "/sys/fs/cgroup/blkio/blkio.weight" ]; then
		skip "this host has an I/O weight"
	fi
	run -0 vzctl set 101 --ioprio 7 --save
	[[ "$output" == *"IOPRIO: accepted, but not enforced on this host"* ]]
	grep -qx 'IOPRIO="7"' "$VZ_ROOT/conf/101.conf"
}

@test "--iolimit throttles direct writes inside the CT" {
	vz_running_ct 101
	vzctl --quiet set 101 --iolimit 4M --save
	start=$(date +%s%N)
	run -0 vzctl exec 101 dd if=/dev/zero of=/tmp/io bs=1M count=12 oflag=direct
	ms=$((($(date +%s%N) - start) / 1000000))
	# 12 MiB at 4 MiB/s: about 3 s (the first second's budget comes at once).
	[ "$ms" -ge 1800 ]
}

@test "numfile, lockedpages and numsiginfo are per-process rlimits, live and at start" {
	vz_running_ct 101
	run -0 vzctl set 101 --numfile 2048 --lockedpages 256 --numsiginfo 1000 --save
	run -0 vzctl exec 101 cat /proc/self/limits
	[[ "$output" =~ Max\ open\ files\ +[0-9]+\ +2048\ +files ]]
	[[ "$output" =~ Max\ locked\ memory\ +[0-9]+\ +1048576\ +bytes ]]
	[[ "$output" =~ Max\ pending\ signals\ +[0-9]+\ +1000\ +signals ]]
	init=$(vz_init_pid 101)
	grep -Eq 'Max open files +[0-9]+ +2048' "/proc/$init/limits"
	vzctl --quiet restart 101
	init=$(vz_init_pid 101)
	grep -Eq 'Max open files +[0-9]+ +2048' "/proc/$init/limits"
	[ "$(ubc 101 numfile enforced)" = rlimit ]
}

@test "beancounters without a kernel mechanism are saved and reported, never silently dropped" {
	vz_running_ct 101
	run -0 vzctl set 101 --numtcpsock 100 --kmemsize 10M:12M --save
	[[ "$output" == *"numtcpsock: accepted, but not enforced on this kernel"* ]]
	[[ "$output" == *"kmemsize: accepted, but not enforced on this kernel"* ]]
	grep -qx 'NUMTCPSOCK="100"' "$VZ_ROOT/conf/101.conf"
	[ "$(ubc 101 numtcpsock limit)" = 100 ]
	[ "$(ubc 101 numtcpsock enforced)" = none ]
	[ "$(ubc 101 kmemsize barrier)" = 10485760 ]
	[ "$(ubc 101 kmemsize held)" -gt 0 ]
	# Every other beancounter option: saved, shown, and warned about or enforced.
	opts=(privvmpages shmpages vmguarpages oomguarpages numflock numpty tcpsndbuf tcprcvbuf
		othersockbuf dgramrcvbuf numothersock dcachesize numiptent lockedpages numsiginfo
		numfile swappages physpages numproc)
	args=()
	for o in "${opts[@]}"; do args+=("--$o" "100000:200000"); done
	run -0 vzctl set 101 "${args[@]}" --save
	for o in "${opts[@]}"; do
		key=$(tr '[:lower:]' '[:upper:]' <<<"$o")
		grep -qx "$key=\"100000:200000\"" "$VZ_ROOT/conf/101.conf"
		[ "$(ubc 101 "$o" barrier)" = 100000 ]
		[ "$(ubc 101 "$o" limit)" = 200000 ]
		case $(ubc 101 "$o" enforced) in
		none) [[ "$output" == *"$o: accepted, but not enforced"* ]] ;;
		cgroup | rlimit | devpts) [[ "$output" != *"$o: accepted, but not enforced"* ]] ;;
		*) false ;;
		esac
	done
}

@test "bad values are refused with one clear line and leave the config as it was" {
	vz_running_ct 101
	vzctl --quiet set 101 --ram 256M --cpuunits 1000 --save
	before=$(conf_sum 101)
	limit=$(knob memory 101 memory.limit_in_bytes)
	run -21 vzctl set 101 --ram -5 --save
	[ "${#lines[@]}" = 1 ] && [[ "$output" == *"--ram: invalid size '-5'"* ]]
	run -21 vzctl set 101 --cpuunits 0 --save
	[[ "$output" == *"CPUUNITS: invalid value '0' (expected 8..500000)"* ]]
	n=$(nproc)
	run -21 vzctl set 101 --cpulimit "$((n * 100 + 300))%" --save
	[[ "$output" == *"more than this host's $n CPUs"* ]]
	run -21 vzctl set 101 --cpus $((n + 1)) --save
	run -21 vzctl set 101 --cpumask "$n" --save
	run -21 vzctl set 101 --physpages 5Q --save
	[[ "$output" == *"PHYSPAGES: invalid value '5Q'"* ]]
	run -21 vzctl set 101 --numproc 64K --save
	run -21 vzctl set 101 --numproc 100:50 --save
	[[ "$output" == *"barrier 100 is above limit 50"* ]]
	run -21 vzctl set 101 --ioprio 9 --save
	# One bad value among good ones changes nothing at all.
	run -21 vzctl set 101 --ram 512M --cpuunits 2000 --swap 1X --save
	[ "$(conf_sum 101)" = "$before" ]
	[ "$(knob memory 101 memory.limit_in_bytes)" = "$limit" ]
	[ "$(knob cpu 101 cpu.shares)" = 1024 ]
	# A bad value in the file itself is named with its line.
	echo 'NUMPROC="lots"' >>"$VZ_ROOT/conf/101.conf"
	run -0 vzctl stop 101
	run vzctl start 101
	[ "$status" -ne 0 ]
	[[ "$output" == *"NUMPROC: invalid value 'lots'"* ]]
}

@test "a limit below what the CT uses is refused live, rolled back, and nothing is saved" {
	vz_running_ct 101
	vzctl --quiet set 101 --ram 256M --swap 0 --cpuunits 1000 --save
	before=$(conf_sum 101)
	vzctl exec 101 '/bin/vzprobe hog 48 100 >/tmp/hog.out 2>&1 &'
	for _ in $(seq 100); do
		grep -q had "$VZ_ROOT/private/101/tmp/hog.out" 2>/dev/null && break
		sleep 0.1
	done
	# 48 MiB of anonymous memory and no swap: the kernel cannot get down to 8 MiB.
	run -1 vzctl set 101 --cpuunits 3000 --ram 8M --save
	[[ "$output" == *"RAM or swap limit below what the CT uses now"*"memory.limit_in_bytes=8388608"* ]]
	[ "${#lines[@]}" = 1 ]
	[ "$(conf_sum 101)" = "$before" ]
	[ "$(knob memory 101 memory.limit_in_bytes)" = $((256 << 20)) ]
	[ "$(knob cpu 101 cpu.shares)" = 1024 ]
	run -0 vzctl exec 101 cat /tmp/hog.out
	[[ "$output" == *"had 48 MiB"* ]]
}

@test "a refused live change goes back to what the CT had, unsaved changes included" {
	vz_running_ct 101
	vzctl --quiet set 101 --ram 256M --swap 0 --save
	# Live only: the CT has 3000 now; its config says nothing.
	vzctl --quiet set 101 --cpuunits 3000
	[ "$(knob cpu 101 cpu.shares)" = 3072 ]
	grep -qx 'CPUUNITS="3000"' "$VZ_RUNDIR/101.state"
	vzctl exec 101 '/bin/vzprobe hog 48 100 >/tmp/hog.out 2>&1 &'
	for _ in $(seq 100); do
		grep -q had "$VZ_ROOT/private/101/tmp/hog.out" 2>/dev/null && break
		sleep 0.1
	done
	run -1 vzctl set 101 --cpuunits 500 --ram 8M
	[[ "$output" == *"RAM or swap limit below what the CT uses now"* ]]
	# Back to the live 3000, not to the config's default of 1000.
	[ "$(knob cpu 101 cpu.shares)" = 3072 ]
	[ "$(knob memory 101 memory.limit_in_bytes)" = $((256 << 20)) ]
	grep -qx 'CPUUNITS="3000"' "$VZ_RUNDIR/101.state"
	grep -qx 'PHYSPAGES="0:65536"' "$VZ_RUNDIR/101.state"
	# A start begins again from the config.
	vzctl --quiet restart 101
	[ "$(knob cpu 101 cpu.shares)" = 1024 ]
	run ! grep -q CPUUNITS "$VZ_RUNDIR/101.state"
}

@test "samples: create --config vswap-512m and set --applyconfig vswap-1g" {
	vzctl --quiet create 101 --ostemplate busybox --config vswap-512m
	grep -qx 'PHYSPAGES="0:512M"' "$VZ_ROOT/conf/101.conf"
	grep -qx 'SWAPPAGES="0:1G"' "$VZ_ROOT/conf/101.conf"
	vzctl --quiet start 101
	[ "$(knob memory 101 memory.limit_in_bytes)" = $((512 << 20)) ]
	run -0 vzctl set 101 --applyconfig vswap-1g --hostname ct101 --save
	grep -qx 'PHYSPAGES="0:1G"' "$VZ_ROOT/conf/101.conf"
	grep -qx 'HOSTNAME="ct101"' "$VZ_ROOT/conf/101.conf"
	[ "$(knob memory 101 memory.limit_in_bytes)" = $((1 << 30)) ]
	# Explicit options win over the sample's values.
	run -0 vzctl set 101 --applyconfig vswap-2g --ram 3G --save
	grep -qx 'PHYSPAGES="0:786432"' "$VZ_ROOT/conf/101.conf"
	grep -qx 'SWAPPAGES="0:4G"' "$VZ_ROOT/conf/101.conf"
	run -0 vzctl set 101 --applyconfig unlimited --save
	grep -qx 'NUMPROC="unlimited"' "$VZ_ROOT/conf/101.conf"
	run -14 vzctl set 101 --applyconfig nosuch --save
	[[ "$output" == *"config sample 'nosuch' not found"* ]]
	for s in vswap-256m vswap-512m vswap-1g vswap-2g unlimited; do
		vzctl --quiet create "1$RANDOM" --ostemplate busybox --config "$s"
	done
}

@test "vzlist shows beancounter and CPU fields, in tables and JSON" {
	vz_running_ct 101 --config vswap-256m
	vzctl --quiet create 102 --ostemplate busybox --config vswap-512m
	vzctl --quiet set 101 --cpuunits 3000 --save
	run -0 vzlist -a -H -o ctid,physpages.l,swappages.l,cpuunits
	[ "${lines[0]}" = "       101      65536     131072     3000" ]
	[ "${lines[1]}" = "       102     131072     262144     1000" ]
	run -0 vzlist -H -o physpages,numproc,numproc.m 101
	read -r held np npm <<<"$output"
	[ "$held" -gt 0 ] && [ "$np" -ge 1 ] && [ "$npm" -ge "$np" ]
	run -0 vzlist -a -j -o ctid,physpages,physpages.f,numproc
	[ "$(jq -r '.[] | select(.ctid == 102) | .physpages' <<<"$output")" = null ]
	[ "$(jq -r '.[] | select(.ctid == 101) | .["physpages.f"]' <<<"$output")" = 0 ]
	run -0 vzlist -L
	[[ "$output" == *"physpages.f"* ]] && [[ "$output" == *"laverage"* ]]
	run -0 vzlist -s -physpages.l -a -H -o ctid
	[ "$(xargs <<<"$output")" = "102 101" ]
}

@test "cgroup2 host: limits go to the v2 knobs the host offers, and missing ones are named" {
	vz_stop_daemon
	export VZ_TEST_CGROUP2=1
	vz_start_daemon
	vz_running_ct 101
	# This machine's cgroup2 has no controllers (they are bound to v1).
	run -0 vzctl set 101 --ram 64M --cpuunits 2000 --save
	if [ -z "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
		[[ "$output" == *"PHYSPAGES: accepted, but not enforced on this host: no memory controller"* ]]
		[[ "$output" == *"CPUUNITS: accepted, but not enforced on this host: no cpu controller"* ]]
	fi
	run -0 vzctl ubc 101 -j
	[ "$(jq -r '.resources[] | select(.resource == "physpages") | .limit' <<<"$output")" = 16384 ]
}

@test "laverage counts the CT's running tasks, with the kernel's load average formula" {
	vz_running_ct 101
	vz_running_ct 102
	vzctl --quiet create 103 --ostemplate busybox
	vzctl exec 101 '/bin/vzprobe spin 13 >/dev/null & /bin/vzprobe spin 13 >/dev/null &'
	# Two ticks of vzd's 5 s sampler with 2 running tasks: 2 * (1 - (1884/2048)^2) = 0.31.
	sleep 11
	run -0 vzlist -a -H -o ctid,laverage
	read -r _ la101 <<<"${lines[0]}"
	[[ "$la101" =~ ^[0-9]+\.[0-9]{2}/[0-9]+\.[0-9]{2}/[0-9]+\.[0-9]{2}$ ]]
	awk -v la="${la101%%/*}" 'BEGIN { exit !(la >= 0.15 && la <= 0.70) }'
	[ "${lines[1]}" = "       102 0.00/0.00/0.00" ]
	[ "${lines[2]}" = "       103 -" ]
}

@test "numpty caps the ptys of the CT's own devpts, live and at start" {
	vz_running_ct 101
	run -0 vzctl set 101 --numpty 3 --save
	[[ "$output" != *"not enforced"* ]]
	run -1 vzctl exec 101 /bin/vzprobe ptys 10
	[ "$output" = "opened 3, then No space left on device" ]
	[ "$(ubc 101 numpty enforced)" = devpts ]
	# CT root cannot lift the cap: the devpts belongs to the host.
	run vzctl exec 101 mount -o remount,ptmxmode=0666,mode=0620,max=100 /dev/pts
	[ "$status" -ne 0 ]
	run -1 vzctl exec 101 /bin/vzprobe ptys 10
	[ "$output" = "opened 3, then No space left on device" ]
	vzctl --quiet restart 101
	run -1 vzctl exec 101 /bin/vzprobe ptys 10
	[ "$output" = "opened 3, then No space left on device" ]
	# vzctl enter still gets its pty, and the cap goes away again.
	run -0 vzctl set 101 --numpty unlimited --save
	run -0 vzctl exec 101 /bin/vzprobe ptys 50
	[ "$output" = "opened 50" ]
	run -0 vzctl exec 101 stat -c %a /dev/pts/ptmx
	[ "$output" = 666 ]
}
