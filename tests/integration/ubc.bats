#!/usr/bin/env bats
# Beancounters: vzctl set of memory, process, CPU and I/O limits (live and
# --save), their cgroup knobs, vzctl ubc and vzlist fields, confinement of
# a memory hog and a fork bomb, and refused values.

load helpers

setup() { vz_start_daemon; }
teardown() { vz_stop_daemon; }

# The knobs are read where the test's vzd writes them: the v1 hierarchies
# (hybrid and legacy hosts), or cgroup2 (v2-only hosts, VZ_TEST_CGROUP2=1).
v2() { [ "$(vz_daemon_cgroup_layout)" = v2 ]; }

# want V1 V2: what a knob holds in the daemon's layout.
want() { if v2; then echo "$2"; else echo "$1"; fi; }

# knob CONTROLLER CT FILE: a knob of CT's group.
knob() { cat "$(vz_ct_cgroup_dir "$1" "$2")/$3"; }

# "max" as a number: unlimited sorts above any limit.
num() { if [ "$1" = max ]; then echo 9223372036854775807; else echo "$1"; fi; }

# The RAM limit, and RAM plus swap (v1's memsw; v2 caps swap on its own).
ram_limit() { num "$(knob memory "$1" "$(want memory.limit_in_bytes memory.max)")"; }
ramswap_limit() {
	local ram swap
	if ! v2; then
		knob memory "$1" memory.memsw.limit_in_bytes
		return
	fi
	ram=$(ram_limit "$1")
	swap=$(num "$(knob memory "$1" memory.swap.max)")
	if [ "$ram" = 9223372036854775807 ] || [ "$swap" = 9223372036854775807 ]; then
		echo 9223372036854775807
	else
		echo $((ram + swap))
	fi
}

# CPU weight (v1 cpu.shares, v2 cpu.weight), CFS quota and period (-1: none),
# and the CPUs the CT may use (v2: the effective ones, inherited when empty).
cpu_weight() { knob cpu "$1" "$(want cpu.shares cpu.weight)"; }
cpu_quota() {
	local q
	if v2; then
		read -r q _ <"$(vz_ct_cgroup_dir cpu "$1")/cpu.max"
		[ "$q" = max ] && q=-1
		echo "$q"
	else
		knob cpu "$1" cpu.cfs_quota_us
	fi
}
cpu_period() {
	local p
	if v2; then
		read -r _ p <"$(vz_ct_cgroup_dir cpu "$1")/cpu.max"
		echo "$p"
	else
		knob cpu "$1" cpu.cfs_period_us
	fi
}
ct_cpus() { knob cpuset "$1" "$(want cpuset.cpus cpuset.cpus.effective)"; }
all_cpus() { cat "$(vz_cgroup_dir cpuset)/$(want cpuset.cpus cpuset.cpus.effective)"; }

# io_throttle CT rbps|wbps|riops|wiops: "MAJ:MIN VALUE" of the CT's disk
# throttle, empty when there is none.
io_throttle() {
	local f
	if v2; then
		# io.max: "MAJ:MIN rbps=N wbps=N riops=N wiops=N", "max" for none.
		awk -v k="$2" '{
			for (i = 2; i <= NF; i++)
				if (index($i, k "=") == 1 && substr($i, length(k) + 2) != "max")
					print $1, substr($i, length(k) + 2)
		}' "$(vz_ct_cgroup_dir io "$1")/io.max"
		return
	fi
	case $2 in
	rbps) f=read_bps_device ;; wbps) f=write_bps_device ;;
	riops) f=read_iops_device ;; wiops) f=write_iops_device ;;
	esac
	knob blkio "$1" "blkio.throttle.$f"
}

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
	require_cgroup_controller memory
	vz_running_ct 101
	require_swap_accounting 101
	run -0 vzctl set 101 --ram 64M --swap 32M
	[[ "$output" == *"not saved"* ]]
	[ "$(ram_limit 101)" = $((64 << 20)) ]
	[ "$(ramswap_limit 101)" = $((96 << 20)) ]
	[ "$(ubc 101 physpages limit)" = 16384 ]
	[ "$(ubc 101 physpages enforced)" = cgroup ]
	[ "$(ubc 101 swappages limit)" = 8192 ]
	run ! grep -q PHYSPAGES "$VZ_ROOT/conf/101.conf"
	run -0 vzctl set 101 --ram 128M --swap 0 --save
	grep -qx 'PHYSPAGES="0:32768"' "$VZ_ROOT/conf/101.conf"
	grep -qx 'SWAPPAGES="0:0"' "$VZ_ROOT/conf/101.conf"
	vzctl --quiet restart 101
	[ "$(ram_limit 101)" = $((128 << 20)) ]
	[ "$(ramswap_limit 101)" = $((128 << 20)) ]
	run -0 vzctl set 101 --ram unlimited --swap unlimited --save
	[ "$(ram_limit 101)" -gt $((1 << 50)) ]
	[ "$(ubc 101 physpages limit)" = 9223372036854775807 ]
}

@test "--physpages and --swappages take pages, sizes and barrier:limit" {
	require_cgroup_controller memory
	vz_running_ct 101
	run -0 vzctl set 101 --physpages 0:32768 --swappages 0:16M --save
	[ "$(ram_limit 101)" = $((128 << 20)) ]
	[ "$(ubc 101 swappages limit)" = 4096 ]
	grep -qx 'PHYSPAGES="0:32768"' "$VZ_ROOT/conf/101.conf"
}

@test "vzctl ubc prints the /proc/user_beancounters layout with real counters" {
	require_cgroup_controller memory pids
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
	require_cgroup_controller memory
	vz_running_ct 101
	require_swap_accounting 101
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
	require_cgroup_controller pids
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
	require_cgroup_controller cpu cpuset
	vz_running_ct 101
	run -0 vzctl set 101 --cpuunits 2000 --cpulimit 50 --cpumask 0 --save
	[ "$(cpu_weight 101)" = "$(want 2048 200)" ]
	[ "$(cpu_period 101)" = 100000 ]
	[ "$(cpu_quota 101)" = 50000 ]
	[ "$(ct_cpus 101)" = 0 ]
	# --cpus caps the CPU time too; the tighter of the two wins.
	run -0 vzctl set 101 --cpus 1 --cpulimit 150% --save
	[ "$(cpu_quota 101)" = 100000 ]
	run -0 vzctl set 101 --cpus 0 --cpulimit 0 --cpumask all --cpuunits 8 --save
	[ "$(cpu_quota 101)" = -1 ]
	[ "$(cpu_weight 101)" = "$(want 8 1)" ]
	[ "$(ct_cpus 101)" = "$(all_cpus)" ]
	run -0 vzctl set 101 --cpuunits 500000 --save
	[ "$(cpu_weight 101)" = "$(want 262144 10000)" ]
	vzctl --quiet restart 101
	[ "$(cpu_weight 101)" = "$(want 262144 10000)" ]
	run -0 vzlist -H -o cpuunits,cpulimit,cpus 101
	[ "$(xargs <<<"$output")" = "500000 0 0" ]
}

@test "the CTs together weigh against host tasks as the sum of their cpuunits" {
	require_cgroup_controller cpu
	weight() { cat "$(vz_cgroup_dir cpu "$VZ_CGROUP_PREFIX")/$(want cpu.shares cpu.weight)"; }
	vz_running_ct 101
	[ "$(weight)" = "$(want 1024 100)" ]
	vzctl --quiet set 101 --cpuunits 2000 --save
	[ "$(weight)" = "$(want 2048 200)" ]
	vz_running_ct 102
	[ "$(weight)" = "$(want 3072 300)" ]
	vzctl --quiet stop 101
	[ "$(weight)" = "$(want 1024 100)" ]
	vzctl --quiet set 102 --cpuunits 500000 --save
	vzctl --quiet start 101
	# Clamped to what cpu.shares (cpu.weight) takes.
	[ "$(weight)" = "$(want 262144 10000)" ]
}

@test "I/O: --iolimit and --iopslimit throttle the CT's disk; --ioprio says where it cannot" {
	require_cgroup_controller io
	vz_running_ct 101
	require_block_device "$VZ_ROOT/private/101"
	dev=$(stat -c '%Hd:%Ld' "$VZ_ROOT/private/101")
	[ -e "/sys/dev/block/$dev/partition" ] && skip "private area on a partition"
	run -0 vzctl set 101 --iolimit 10 --iopslimit 500 --save
	grep -qx 'IOLIMIT="10M"' "$VZ_ROOT/conf/101.conf"
	[ "$(io_throttle 101 rbps)" = "$dev 10485760" ]
	[ "$(io_throttle 101 wbps)" = "$dev 10485760" ]
	[ "$(io_throttle 101 wiops)" = "$dev 500" ]
	run -0 vzctl set 101 --iolimit 0 --iopslimit 0 --save
	[ -z "$(io_throttle 101 rbps)" ]
	if v2; then
		grp=$(vz_ct_cgroup_dir io 101)
		if [ -e "$grp/io.weight" ] || [ -e "$grp/io.bfq.weight" ]; then
			skip "this host has an I/O weight"
		fi
	elif [ -e "$(vz_cgroup_dir blkio)/blkio.bfq.weight" ] || [ -e "$(vz_cgroup_dir blkio)/blkio.weight" ]; then
		skip "this host has an I/O weight"
	fi
	run -0 vzctl set 101 --ioprio 7 --save
	[[ "$output" == *"IOPRIO: accepted, but not enforced on this host"* ]]
	grep -qx 'IOPRIO="7"' "$VZ_ROOT/conf/101.conf"
}

@test "--iolimit throttles direct writes inside the CT" {
	require_cgroup_controller io
	vz_running_ct 101
	require_block_device "$VZ_ROOT/private/101"
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
	require_cgroup_controller memory
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
	require_cgroup_controller memory cpu
	vz_running_ct 101
	vzctl --quiet set 101 --ram 256M --cpuunits 1000 --save
	before=$(conf_sum 101)
	limit=$(ram_limit 101)
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
	[ "$(ram_limit 101)" = "$limit" ]
	[ "$(cpu_weight 101)" = "$(want 1024 100)" ]
	# A bad value in the file itself is named with its line.
	echo 'NUMPROC="lots"' >>"$VZ_ROOT/conf/101.conf"
	run -0 vzctl stop 101
	run vzctl start 101
	[ "$status" -ne 0 ]
	[[ "$output" == *"NUMPROC: invalid value 'lots'"* ]]
}

@test "a limit below what the CT uses is refused live, rolled back, and nothing is saved" {
	require_cgroup_controller memory cpu
	vz_running_ct 101
	require_swap_accounting 101
	vzctl --quiet set 101 --ram 256M --swap 0 --cpuunits 1000 --save
	before=$(conf_sum 101)
	vzctl exec 101 '/bin/vzprobe hog 48 100 >/tmp/hog.out 2>&1 &'
	for _ in $(seq 100); do
		grep -q had "$VZ_ROOT/private/101/tmp/hog.out" 2>/dev/null && break
		sleep 0.1
	done
	# 48 MiB of anonymous memory and no swap: the kernel cannot get down to 8 MiB.
	run -1 vzctl set 101 --cpuunits 3000 --ram 8M --save
	[[ "$output" == *"RAM or swap limit below what the CT uses now"*"$(want memory.limit_in_bytes memory.max)=8388608"* ]]
	[ "${#lines[@]}" = 1 ]
	[ "$(conf_sum 101)" = "$before" ]
	[ "$(ram_limit 101)" = $((256 << 20)) ]
	[ "$(cpu_weight 101)" = "$(want 1024 100)" ]
	run -0 vzctl exec 101 cat /tmp/hog.out
	[[ "$output" == *"had 48 MiB"* ]]
}

@test "a refused live change goes back to what the CT had, unsaved changes included" {
	require_cgroup_controller memory cpu
	vz_running_ct 101
	require_swap_accounting 101
	vzctl --quiet set 101 --ram 256M --swap 0 --save
	# Live only: the CT has 3000 now; its config says nothing.
	vzctl --quiet set 101 --cpuunits 3000
	[ "$(cpu_weight 101)" = "$(want 3072 300)" ]
	grep -qx 'CPUUNITS="3000"' "$VZ_RUNDIR/101.state"
	vzctl exec 101 '/bin/vzprobe hog 48 100 >/tmp/hog.out 2>&1 &'
	for _ in $(seq 100); do
		grep -q had "$VZ_ROOT/private/101/tmp/hog.out" 2>/dev/null && break
		sleep 0.1
	done
	run -1 vzctl set 101 --cpuunits 500 --ram 8M
	[[ "$output" == *"RAM or swap limit below what the CT uses now"* ]]
	# Back to the live 3000, not to the config's default of 1000.
	[ "$(cpu_weight 101)" = "$(want 3072 300)" ]
	[ "$(ram_limit 101)" = $((256 << 20)) ]
	grep -qx 'CPUUNITS="3000"' "$VZ_RUNDIR/101.state"
	grep -qx 'PHYSPAGES="0:65536"' "$VZ_RUNDIR/101.state"
	# A start begins again from the config.
	vzctl --quiet restart 101
	[ "$(cpu_weight 101)" = "$(want 1024 100)" ]
	run ! grep -q CPUUNITS "$VZ_RUNDIR/101.state"
}

@test "samples: create --config vswap-512m and set --applyconfig vswap-1g" {
	require_cgroup_controller memory
	vzctl --quiet create 101 --ostemplate busybox --config vswap-512m
	grep -qx 'PHYSPAGES="0:512M"' "$VZ_ROOT/conf/101.conf"
	grep -qx 'SWAPPAGES="0:1G"' "$VZ_ROOT/conf/101.conf"
	vzctl --quiet start 101
	[ "$(ram_limit 101)" = $((512 << 20)) ]
	run -0 vzctl set 101 --applyconfig vswap-1g --hostname ct101 --save
	grep -qx 'PHYSPAGES="0:1G"' "$VZ_ROOT/conf/101.conf"
	grep -qx 'HOSTNAME="ct101"' "$VZ_ROOT/conf/101.conf"
	[ "$(ram_limit 101)" = $((1 << 30)) ]
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
	require_cgroup_controller memory pids
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
	require_cgroup2_mount
	vz_start_daemon
	vz_running_ct 101
	cg2=$(vz_cgroup2_mount)
	group=$cg2/$VZ_CGROUP_PREFIX/101
	[ -d "$group" ]
	run -0 vzctl set 101 --ram 64M --cpuunits 2000 --save
	# Where the host's cgroup2 has the controller, the knob has the limit;
	# where not (a hybrid host binds them to v1: none, or only hugetlb, is
	# left to cgroup2), the limit is named as not enforced.
	if grep -qw memory "$cg2/cgroup.controllers"; then
		[ "$(cat "$group/memory.max")" = $((64 << 20)) ]
		[[ "$output" != *"PHYSPAGES: accepted, but not enforced"* ]]
	else
		[ ! -e "$group/memory.max" ]
		[[ "$output" == *"PHYSPAGES: accepted, but not enforced on this host: no memory controller"* ]]
	fi
	if grep -qw cpu "$cg2/cgroup.controllers"; then
		[ "$(cat "$group/cpu.weight")" = 200 ]
		[[ "$output" != *"CPUUNITS: accepted, but not enforced"* ]]
	else
		[ ! -e "$group/cpu.weight" ]
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
