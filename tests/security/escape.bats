#!/usr/bin/env bats
# Security probes (STYLE rule 42): each test is an escape attempt by CT root
# that must fail, and checks afterwards that the host did not change. The CT
# is the busybox template with the static probe (tests/probe/probe.c) as
# /bin/vzprobe; whatever busybox cannot do, the probe does with raw syscalls.
# A probe prints "denied: <strerror>" and exits 1 when refused, 0 when the
# attempt worked.

load ../integration/helpers

setup() {
	vz_start_daemon
	vz_running_ct 101
}

teardown() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	vz_teardown_hard
}

BG_PIDS=()

ct_probe() { vzctl exec 101 vzprobe "$@"; }

# If a host file changed, put the old value back and fail.
host_unchanged() {
	local file=$1 before=$2 now
	now=$(cat "$file")
	[ "$now" = "$before" ] && return 0
	printf '%s\n' "$before" >"$file" || true
	echo "host file $file changed: '$before' -> '$now'" >&2
	return 1
}

# Every probe of a list must be refused with the given error text. The
# control: the same probe on the host, as root and with no filter, answers
# something else (a result, or another error); where the host itself gives
# the CT's answer, that probe would prove nothing here and is left out with
# a note, and a list left empty skips the test.
expect_denied() {
	local want=$1 p answer
	local -a checked=() lacking=()
	shift
	for p in "$@"; do
		answer=$(vz_host_answer try-syscall "$p")
		if [ "$answer" = "denied: $want" ]; then
			lacking+=("$p")
			vz_note "host itself refuses $p with '$want': not checked in the CT"
		else
			checked+=("$p")
		fi
	done
	[ "${#checked[@]}" -gt 0 ] || skip "host itself refuses ${lacking[*]} with '$want'"
	for p in "${checked[@]}"; do
		run ct_probe try-syscall "$p"
		if [ "$status" -ne 1 ] || [ "$output" != "denied: $want" ]; then
			echo "$p: status $status, output '$output' (wanted 'denied: $want')" >&2
			return 1
		fi
	done
}

# ---- /proc and /sys: global knobs stay out of reach ----

@test "CT root cannot write /proc/sys/kernel/core_pattern" {
	require_host_writable /proc/sys/kernel/core_pattern
	before=$(cat /proc/sys/kernel/core_pattern)
	run ct_probe try-write /proc/sys/kernel/core_pattern vz-escape-core
	host_unchanged /proc/sys/kernel/core_pattern "$before"
	[ "$status" -eq 1 ]
	[[ "$output" == "denied: "* ]]
}

@test "CT root cannot write /proc/sys/vm/drop_caches" {
	require_host_writable /proc/sys/vm/drop_caches
	run ct_probe try-write /proc/sys/vm/drop_caches 1
	[ "$status" -eq 1 ]
	[[ "$output" == "denied: "* ]]
}

@test "CT root cannot trigger host sysrq through /proc/sysrq-trigger" {
	require_host_writable /proc/sysrq-trigger
	before=$(dmesg | grep -c 'sysrq: HELP' || true)
	run ct_probe try-write /proc/sysrq-trigger h
	[ "$status" -eq 1 ]
	[[ "$output" == "denied: "* ]]
	[ "$(dmesg | grep -c 'sysrq: HELP' || true)" = "$before" ]
}

@test "CT root's /proc/sys/net is its own: writes there leave the host alone" {
	# The control for the tests above: the probe can write where it may.
	before=$(cat /proc/sys/net/ipv4/ip_forward)
	want=$((1 - before))
	run ct_probe try-write /proc/sys/net/ipv4/ip_forward "$want"
	host_unchanged /proc/sys/net/ipv4/ip_forward "$before"
	[ "$status" -eq 0 ]
	[ "$(vzctl exec 101 cat /proc/sys/net/ipv4/ip_forward)" = "$want" ]
}

@test "CT root's capabilities are the CT user namespace's only: no CAP_SYS_MODULE, no modprobe" {
	run ct_probe userns
	read -r inner outer count <<<"$output"
	[ "$inner" = 0 ]
	[ "$outer" -ge "$VZ_UID_START" ]
	[ "$count" = 65536 ]
	run ct_probe caps
	bnd=$((16#${lines[0]}))
	eff=$((16#${lines[1]}))
	# Bounding set: no sys_module (16), sys_rawio (17), sys_time (25), syslog (34).
	for cap in 16 17 25 34; do
		[ $(((bnd >> cap) & 1)) -eq 0 ]
	done
	# CAP_SYS_ADMIN (21) is there, but only over what the CT's namespaces own.
	[ $(((eff >> 21) & 1)) -eq 1 ]
	# Where the host has the knob and may write it itself (the control).
	if [ -w /proc/sys/kernel/modprobe ]; then
		before=$(cat /proc/sys/kernel/modprobe)
		run ct_probe try-write /proc/sys/kernel/modprobe /tmp/vz-escape
		host_unchanged /proc/sys/kernel/modprobe "$before"
		[ "$status" -eq 1 ]
	fi
}

@test "CT root cannot unmount a masked /proc file" {
	require_host_path /proc/keys "CONFIG_KEYS off"
	run ct_probe try-umount /proc/keys
	[ "$status" -eq 1 ]
	[ "$output" = "denied: Invalid argument" ]
	# Files the host has are masked, and stay so.
	if [ -e /proc/kcore ]; then
		run vzctl exec 101 "grep -c ' /proc/kcore ' /proc/self/mountinfo"
		[ "$output" = 1 ]
		run vzctl exec 101 umount /proc/kcore
		[ "$status" -ne 0 ]
	fi
	if [ -e /proc/sysrq-trigger ]; then
		run vzctl exec 101 "grep -c ' /proc/sysrq-trigger ' /proc/self/mountinfo"
		[ "$output" = 1 ]
		run vzctl exec 101 umount -l /proc/sysrq-trigger
		[ "$status" -ne 0 ]
	fi
	# Still masked: nothing of the host's keys can be read.
	run vzctl exec 101 "grep -c ' /proc/keys ' /proc/self/mountinfo"
	[ "$output" = 1 ]
	run vzctl exec 101 "cat /proc/keys 2>/dev/null | wc -c"
	[ "$output" = 0 ]
}

@test "masked paths: /sys/firmware, /proc/interrupts and the rest show nothing of the host, and stay masked" {
	local p n=0
	# The OCI default's masked list and vz's own (lib/sandbox/mount.c).
	for p in /proc/kcore /proc/kallsyms /proc/keys /proc/key-users /proc/timer_list \
		/proc/timer_stats /proc/sched_debug /proc/latency_stats /proc/interrupts \
		/proc/sysrq-trigger /proc/acpi /proc/asound /proc/scsi /sys/firmware \
		/sys/devices/virtual/powercap; do
		[ -e "$p" ] || continue
		n=$((n + 1))
		if [ -d "$p" ]; then
			# The control: the host's own directory has something in it.
			[ -n "$(ls -A "$p")" ] || continue
			run -0 vzctl exec 101 "ls -A $p | wc -l"
		else
			run -0 vzctl exec 101 "cat $p 2>/dev/null | wc -c"
		fi
		[ "$output" = 0 ] || {
			echo "$p shows the host's contents in the CT" >&2
			return 1
		}
		run vzctl exec 101 "grep -c ' $p ' /proc/self/mountinfo"
		[ "$output" = 1 ]
		run vzctl exec 101 umount -l "$p"
		[ "$status" -ne 0 ]
	done
	[ "$n" -gt 0 ]
	# /proc/interrupts is the host's on the host (the check above can fail).
	[ "$(wc -c </proc/interrupts)" -gt 0 ]
}

@test "a device node the host put into the CT's root cannot be opened inside: the root is nodev" {
	local node="$VZ_ROOT/root/101/zero-node"
	# In vzd's mount namespace, where the CT's root is mounted (its own under VZ_TEST_CGROUP2).
	nsenter -t "$VZD_PID" -m -- mknod "$node" c 1 5
	# The control: the node works on the host.
	[ "$(nsenter -t "$VZD_PID" -m -- head -c 4 "$node" | wc -c)" = 4 ]
	run vzctl exec 101 'head -c 4 /zero-node | wc -c'
	[[ "$output" == *"Permission denied"* ]]
	run -0 vzctl exec 101 "awk '\$5 == \"/\" { print \$6 }' /proc/self/mountinfo"
	[[ "$output" == *nodev* ]]
	# So is every writable mount vz makes but /dev (its nodes) and /dev/pts (its ptys).
	run -0 vzctl exec 101 "awk '\$5 == \"/dev/shm\" || \$5 == \"/dev/mqueue\" { print \$6 }' /proc/self/mountinfo"
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == *nodev* ]] && [[ "${lines[1]}" == *nodev* ]]
	nsenter -t "$VZD_PID" -m -- rm -f "$node"
}

@test "a restored CT's root is nodev too (a node that came with the checkpoint does not open)" {
	require_criu
	local node="$VZ_ROOT/root/101/zero-node"
	vzctl --quiet chkpnt 101
	# While it is checkpointed, the node appears in its private area.
	vzctl --quiet mount 101
	nsenter -t "$VZD_PID" -m -- mknod "$node" c 1 5
	vzctl --quiet umount 101
	vzctl --quiet restore 101
	run vzctl exec 101 'head -c 4 /zero-node | wc -c'
	[[ "$output" == *"Permission denied"* ]]
	run -0 vzctl exec 101 "awk '\$5 == \"/\" { print \$6 }' /proc/self/mountinfo"
	[[ "$output" == *nodev* ]]
}

@test "CT root cannot mount a fresh procfs or bind /proc without its masks" {
	vzctl exec 101 mkdir -p /tmp/p /tmp/b
	run vzctl exec 101 mount -t proc proc /tmp/p
	[ "$status" -ne 0 ]
	[[ "$output" == *"permission denied"* ]]
	# A non-recursive bind would drop the masks (locked submounts): refused.
	run vzctl exec 101 mount --bind /proc /tmp/b
	[ "$status" -ne 0 ]
	[[ "$output" == *"Invalid argument"* ]]
	run vzctl exec 101 "grep -c ' /tmp/[pb] ' /proc/self/mounts"
	[ "$output" = 0 ]
}

@test "CT root cannot remount /sys read-write or mount a writable sysfs" {
	vzctl exec 101 mkdir -p /tmp/s
	run vzctl exec 101 mount -o remount,rw /sys
	[ "$status" -ne 0 ]
	run vzctl exec 101 mount -t sysfs sysfs /tmp/s
	[ "$status" -ne 0 ]
	if [ -w /sys/kernel/uevent_helper ]; then
		before=$(cat /sys/kernel/uevent_helper)
		run ct_probe try-write /sys/kernel/uevent_helper /tmp/vz-escape
		host_unchanged /sys/kernel/uevent_helper "$before"
		[ "$status" -eq 1 ]
	fi
}

@test "CT root's /sys is read-only: KSM's knob, which host root may write, is not the CT's" {
	require_ksm
	before=$(cat /sys/kernel/mm/ksm/run)
	run ct_probe try-write /sys/kernel/mm/ksm/run "$before"
	host_unchanged /sys/kernel/mm/ksm/run "$before"
	[ "$status" -eq 1 ]
	[ "$output" = "denied: Read-only file system" ]
}

@test "CT root cannot write its own or the host's cgroup limits" {
	pid=$(vz_init_pid 101)
	# The CT sees its own cgroups as the root of every hierarchy.
	run vzctl exec 101 cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	for l in "${lines[@]}"; do
		[[ "$l" == *:/ ]]
	done
	# A v1 hierarchy (hybrid hosts, where vzd uses v1), mounted by CT root
	# itself: it shows the CT's group, whose files the host owns.
	seen=0
	path=$(sed -n 's/^[0-9]*:pids:\(.*\)/\1/p' "/proc/$pid/cgroup")
	pids=$(vz_cgroup_v1_mount pids)
	if [ "$(vz_daemon_cgroup_layout)" = v1 ] && [ -n "$path" ] && [ -n "$pids" ]; then
		seen=$((seen + 1))
		vzctl exec 101 mkdir -p /tmp/cg
		vzctl exec 101 mount -t cgroup -o pids none /tmp/cg
		before=$(cat "$pids$path/pids.max")
		run ct_probe try-write /tmp/cg/pids.max 1000000
		host_unchanged "$pids$path/pids.max" "$before"
		[ "$status" -eq 1 ]
		[ "$output" = "denied: Permission denied" ]
		run vzctl exec 101 mkdir /tmp/cg/escape
		[ "$status" -ne 0 ]
		[ ! -e "$pids$path/escape" ]
	fi
	# cgroup2: the CT's group is delegated to CT root on /sys/fs/cgroup
	# (cgroup.procs, cgroup.subtree_control); the limits stay the host's.
	path=$(sed -n 's/^0::\(.*\)/\1/p' "/proc/$pid/cgroup")
	host=$(vz_cgroup2_mount)$path
	if vzctl exec 101 test -e /sys/fs/cgroup/cgroup.max.descendants && [ -e "$host" ]; then
		seen=$((seen + 1))
		before=$(cat "$host/cgroup.max.descendants")
		run ct_probe try-write /sys/fs/cgroup/cgroup.max.descendants 1000000
		host_unchanged "$host/cgroup.max.descendants" "$before"
		[ "$status" -eq 1 ]
		[ "$output" = "denied: Permission denied" ]
	fi
	# Nothing above the CT's group is reachable through it.
	run vzctl exec 101 mkdir /sys/fs/cgroup/../escape
	[ "$status" -ne 0 ]
	[ "$seen" -gt 0 ] ||
		skip "neither a v1 pids group nor a cgroup2 group of the CT is visible from the host"
}

# ---- processes and file descriptors ----

@test "CT root cannot see, signal or ptrace a host process" {
	sleep 1000 >/dev/null 2>&1 &
	host=$!
	BG_PIDS+=("$host")
	run vzctl exec 101 ls "/proc/$host"
	[ "$status" -ne 0 ]
	run vzctl exec 101 kill -9 "$host"
	[ "$status" -ne 0 ]
	run ct_probe try-ptrace "$host"
	[ "$status" -eq 1 ]
	[ "$output" = "denied: No such process" ]
	run ct_probe try-ptrace "$VZD_PID"
	[ "$status" -eq 1 ]
	kill -0 "$host"
	kill "$host"
	kill -0 "$VZD_PID"
}

@test "exec'd commands and init hold no host fds: only stdin, stdout and stderr" {
	# fds 7 and 8 are open in vzctl's caller: they must not follow it in.
	run bash -c "'$VZ_BUILD/vzctl' exec 101 ls /proc/self/fd 7</etc/hostname 8>/dev/null"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0\n1\n2\n3')" ] # 3: the directory ls reads
	run vzctl exec 101 ls /proc/1/fd
	[ "$output" = "$(printf '0\n1\n2')" ]
	# Init's stdio is the CT's console, the pty bound on its /dev/console.
	run vzctl exec 101 "for fd in 0 1 2; do stat -L -c %t:%T /proc/1/fd/\$fd; done"
	console=$(vzctl exec 101 stat -c %t:%T /dev/console)
	[ "$output" = "$(printf '%s\n%s\n%s' "$console" "$console" "$console")" ]
}

@test "an exec'd process runs the CT's binary and never exposes a host binary through /proc/PID/exe" {
	run vzctl exec 101 readlink /proc/self/exe
	[ "$output" = "/bin/busybox" ]
	# While commands enter the CT, a CT process watches every /proc/PID/exe;
	# before exec they are host processes that must stay out of its reach.
	vzctl exec 101 vzprobe watch-exe 3 >"$BATS_TEST_TMPDIR/watch" 2>&1 &
	watcher=$!
	BG_PIDS+=("$watcher")
	sleep 0.3
	for _ in $(seq 30); do
		vzctl exec 101 true
	done
	status=0
	wait "$watcher" || status=$?
	cat "$BATS_TEST_TMPDIR/watch"
	[ "$status" -eq 1 ]
	[ "$(grep -c 'not a CT binary' "$BATS_TEST_TMPDIR/watch")" = 0 ]
}

@test "CVE-2019-5736: CT root cannot overwrite the host's vzd through /proc/self/exe" {
	[ -x "$VZ_BUILD/vzprobe-interp" ] || skip "vzprobe-interp is built on x86_64 only"
	# Without readelf the interpreter below would read as "none".
	require_cmd readelf binutils
	# vzd runs from a sealed in-memory copy of itself, not from its file.
	exe=$(readlink "/proc/$VZD_PID/exe")
	[ "$exe" = "/memfd:vzd (deleted)" ]
	interp=$(readelf -l "$VZ_BUILD/vzd" 2>/dev/null | sed -n 's/.*interpreter: \(.*\)]$/\1/p')
	[ -n "$interp" ] || skip "vzd is linked statically: no interpreter to plant"
	sum=$(sha256sum <"$VZ_BUILD/vzd")
	# CT root brings its payload and plants it as the CT's dynamic loader, then
	# makes a command re-execute whatever binary runs it: vzd, forked by the
	# worker that enters the CT, loads the CT's "loader".
	base=$(stat -c %u "$VZ_ROOT/private/101/bin/busybox")
	install -m 0755 -o "$base" -g "$base" "$VZ_BUILD/vzprobe-interp" \
		"$VZ_ROOT/private/101/bin/vzprobe-interp"
	vzctl exec 101 "mkdir -p ${interp%/*} && cp /bin/vzprobe-interp $interp &&" \
		"printf '#!/proc/self/exe\n' >/tmp/evil && chmod 755 /tmp/evil"
	run vzctl exec 101 /tmp/evil
	echo "$output"
	# The payload ran with vzd as its exe (the attack's premise), but that is
	# the sealed copy: the host's binary is out of reach, the copy unwritable.
	[ "${lines[0]}" = "exe: /memfd:vzd (deleted)" ]
	[[ "${lines[1]}" == "denied: "* ]]
	[ "$status" -eq 1 ]
	[ "$(sha256sum <"$VZ_BUILD/vzd")" = "$sum" ]
}

# ---- devices and modules ----

@test "fifos CT root plants where vz reads or locks do not hold vzd's workers" {
	# /etc/hosts is read at a hostname change, /etc/.pwd.lock locked at --userpasswd.
	vzctl exec 101 'rm -f /etc/hosts /etc/.pwd.lock && mkfifo /etc/hosts /etc/.pwd.lock'
	run timeout 30 "$VZ_BUILD/vzctl" set 101 --hostname fifo.example --save
	[ "$status" -ne 124 ]
	run timeout 30 "$VZ_BUILD/vzctl" set 101 --userpasswd root:Secret-123
	[ "$status" -ne 124 ]
	# The CT's lock is free again: a change that takes it goes through.
	run -0 timeout 30 "$VZ_BUILD/vzctl" set 101 --hostname after.example --save
}

@test "a host user cannot run a setuid program CT root left in its root: vz's root is host root's alone" {
	command -v setpriv >/dev/null || skip "no setpriv on this host"
	# CT root makes itself a setuid copy of the probe (its owner: the CT's root id on the host).
	vzctl exec 101 'cp /bin/vzprobe /tmp/suid && chmod 4755 /tmp/suid'
	# vz's root under a directory every user may walk, as /var/lib/vz is.
	chmod 0711 "$VZ_TEST_DIR"
	local as_nobody=(nsenter -t "$VZD_PID" -m -- setpriv --reuid=65534 --regid=65534 --clear-groups)
	# The control: nobody reaches the test directory itself.
	run -0 "${as_nobody[@]}" ls -d "$VZ_TEST_DIR/."
	run "${as_nobody[@]}" sh -c "exec '$VZ_ROOT/root/101/tmp/suid' status Uid"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	[ "$(stat -c %a "$VZ_ROOT")" = 700 ]
	[ "$(stat -c %a "$VZ_ROOT/root")" = 700 ]
}

@test "a process an exec leaves behind never reads or writes the operator's stdio after vzctl exits" {
	mkfifo "$BATS_TEST_TMPDIR/in"
	# The operator's input: a fifo we hold open both ways, so it never ends.
	exec 7<>"$BATS_TEST_TMPDIR/in"
	# (A shell gives a background job /dev/null for stdin unless told: fd 3 tells it.)
	vzctl exec 101 'exec 3<&0; (sleep 0.5; cat <&3 >/tmp/stolen) & (sleep 0.5; echo late) & echo early' \
		<&7 >"$BATS_TEST_TMPDIR/out"
	# Typed after vzctl returned: the leftover cat must not get it.
	echo secret >&7
	sleep 1.5
	run -0 vzctl exec 101 cat /tmp/stolen
	[ -z "$output" ]
	read -r -t 2 line <&7
	[ "$line" = secret ]
	exec 7<&-
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = early ]
}

@test "CT root cannot create device nodes" {
	run vzctl exec 101 mknod /tmp/sda b 8 0
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run vzctl exec 101 mknod /tmp/mem c 1 1
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "--capability takes a capability away from the CT, and never gives one vz withholds" {
	# The control: CT root may chown, as root may.
	run -0 vzctl exec 101 'touch /tmp/c && chown 1:1 /tmp/c'
	cp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before"
	run -21 vzctl set 101 --capability sys_module:on --save
	[[ "$output" == *"SYS_MODULE cannot be on"* ]]
	run -21 vzctl set 101 --capability teleport:off --save
	[[ "$output" == *"unknown capability in 'teleport:off'"* ]]
	cmp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before"
	vzctl --quiet set 101 --capability chown:off --capability net_raw:off --save
	grep -qx 'CAPABILITY="CHOWN:off NET_RAW:off"' "$VZ_ROOT/conf/101.conf"
	vzctl --quiet restart 101
	run vzctl exec 101 'touch /tmp/d && chown 1:1 /tmp/d'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	# Gone from the bounding set (bit 0, CHOWN; bit 13, NET_RAW), for exec'd commands too.
	run -0 ct_probe status CapBnd
	[ $((0x${output##* } & 0x2001)) -eq 0 ]
	vzctl --quiet set 101 --capability chown:on --save
	grep -qx 'CAPABILITY="CHOWN:on NET_RAW:off"' "$VZ_ROOT/conf/101.conf"
	vzctl --quiet restart 101
	run -0 vzctl exec 101 'touch /tmp/e && chown 1:1 /tmp/e'
}

@test "a dump that another user could have written or swapped is not restored" {
	require_criu
	local d="$BATS_TEST_TMPDIR/dump" img
	vzctl --quiet chkpnt 101 --dumpfile "$d"
	img=$(find "$d" -maxdepth 1 -name "*.img" -printf "%f\n" | head -n 1)
	chmod g+w "$d"
	run vzctl restore 101 --dumpfile "$d"
	[ "$status" -ne 0 ]
	[[ "$output" == *"'$d' is writable by others than root (mode 0731): not restored"* ]]
	chmod g-w "$d"
	chown 1000 "$d/$img"
	run vzctl restore 101 --dumpfile "$d"
	[ "$status" -ne 0 ]
	[[ "$output" == *"'$d/$img' belongs to uid 1000, not root"* ]]
	chown 0 "$d/$img"
	chmod o+w "$d/$img"
	run vzctl restore 101 --dumpfile "$d"
	[ "$status" -ne 0 ]
	[[ "$output" == *"'$d/$img' is writable by others than root"* ]]
	chmod o-w "$d/$img"
	ln -s "$d" "$BATS_TEST_TMPDIR/link"
	run vzctl restore 101 --dumpfile "$BATS_TEST_TMPDIR/link"
	[ "$status" -ne 0 ]
	[[ "$output" == *"is a symlink"* ]]
	# Nothing was restored meanwhile; root's own dump, as it is, is.
	run -0 vzctl status 101
	[[ "$output" == *"down"* ]]
	run -0 vzctl restore 101 --dumpfile "$d"
	run -0 vzctl exec 101 true
}

@test "CT root cannot load or remove kernel modules" {
	require_busybox_applets insmod
	vzctl exec 101 'echo not-a-module >/tmp/vz.ko'
	run vzctl exec 101 insmod /tmp/vz.ko
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	expect_denied "Operation not permitted" init_module finit_module delete_module
}

# ---- the seccomp filter ----

@test "CT init and exec'd commands run under the seccomp filter, without NO_NEW_PRIVS" {
	run vzctl exec 101 "grep -E '^(Seccomp|NoNewPrivs):' /proc/1/status"
	[ "$output" = "$(printf 'NoNewPrivs:\t0\nSeccomp:\t2')" ]
	run ct_probe status Seccomp
	[ "$output" = 2 ]
	run ct_probe status NoNewPrivs
	[ "$output" = 0 ]
	# So setuid programs in the CT still work (su, sudo, ping).
	vzctl exec 101 'cp /bin/vzprobe /tmp/suid && chmod 4755 /tmp/suid'
	run ct_probe run-as 1000 /tmp/suid status Uid
	[ "$output" = "$(printf '1000\t0\t0\t0')" ]
}

@test "keyrings are not namespaced: keyctl, add_key and request_key are ENOSYS in the CT" {
	# The kernel itself would answer: the filter makes the difference.
	require_keyrings
	expect_denied "Function not implemented" keyctl add_key request_key
}

@test "io_uring is ENOSYS in a CT unless its FEATURES say io_uring:on" {
	expect_denied "Function not implemented" io_uring_setup io_uring_enter io_uring_register
	# Nonsense is refused by name and changes nothing.
	cp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before"
	run vzctl set 101 --features io_uring:maybe --save
	[ "$status" -eq 21 ]
	[[ "$output" == *"invalid feature 'io_uring:maybe'"* ]]
	run vzctl set 101 --features tcp_hijack:on --save
	[ "$status" -eq 21 ]
	[[ "$output" == *"unknown feature 'tcp_hijack'"* ]]
	cmp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before"
	# The opt-in holds from the next start, for init's and exec'd processes alike.
	vzctl --quiet set 101 --features io_uring:on --save
	grep -qx 'FEATURES="io_uring:on"' "$VZ_ROOT/conf/101.conf"
	vzctl --quiet restart 101
	[ "$(vz_host_answer try-syscall io_uring_setup)" = allowed ] ||
		skip "host refuses io_uring itself (kernel.io_uring_disabled)"
	run -0 ct_probe try-syscall io_uring_setup
	[ "$output" = allowed ]
	run ct_probe try-syscall io_uring_enter
	[ "$output" = "denied: Bad file descriptor" ]
	# OpenVZ's kernel switches load from its configs, and change nothing (a warning says so).
	run -0 vzctl set 101 --features nfs:on --features io_uring:off --save
	[[ "$output" == *"'nfs' switched a feature of OpenVZ's kernel"* ]]
	grep -qx 'FEATURES="nfs:on io_uring:off"' "$VZ_ROOT/conf/101.conf"
	vzctl --quiet restart 101
	run ct_probe try-syscall io_uring_setup
	[ "$output" = "denied: Function not implemented" ]
}

@test "CT root cannot open files by handle (open_by_handle_at, the shocker escape)" {
	expect_denied "Operation not permitted" open_by_handle_at
	# Handles themselves stay: where the private area's file system has them.
	run chroot "$VZ_ROOT/private/101" /bin/vzprobe try-syscall name_to_handle_at
	[ "$output" = allowed ] || skip "the CT's file system ($(stat -f -c %T "$VZ_ROOT/private/101")) has no file handles: $output"
	run ct_probe try-syscall name_to_handle_at
	[ "$output" = "allowed" ]
}

@test "CT root cannot create a userfaultfd" {
	# Even in user-mode-only form, which the kernel grants without privilege.
	require_userfaultfd
	expect_denied "Operation not permitted" userfaultfd
}

@test "CT root cannot reach host-wide kernel interfaces: kexec, bpf, perf, swap, acct, syslog, I/O ports" {
	expect_denied "Operation not permitted" kexec_load bpf perf_event_open swapon acct syslog
	if [ "$(uname -m)" = x86_64 ]; then
		expect_denied "Operation not permitted" iopl ioperm
	fi
	expect_denied "Function not implemented" quotactl
}

@test "personality: Linux, linux32 and no-randomize work, READ_IMPLIES_EXEC and odd flags do not" {
	for p in personality-query personality-linux32 personality-no-randomize; do
		run ct_probe try-syscall "$p"
		[ "$output" = "allowed" ]
	done
	expect_denied "Operation not permitted" personality-read-implies-exec \
		personality-bit31 personality-upper-bits
}

@test "32-bit system calls (int 0x80) do not bypass the filter" {
	# The host runs int 0x80 (IA32 emulation can be built in yet off) and
	# answers its keyctl: the CT's ENOSYS is the filter's.
	require_i386_abi
	require_host_answer_not "denied: Function not implemented" try-int80 keyctl
	# int 0x80 works from the CT (so the i386 ABI is live) ...
	run ct_probe try-int80 getpid
	[ "$status" -eq 0 ]
	[[ "$output" == "allowed: "* ]]
	# ... and is filtered like the native one.
	run ct_probe try-int80 keyctl
	[ "$status" -eq 1 ]
	[ "$output" = "denied: Function not implemented" ]
}

@test "x32 system calls do not bypass the filter" {
	# Without x32 in the host kernel every x32 call is ENOSYS anyway.
	require_x32_abi
	require_host_answer_not "denied: Function not implemented" try-x32 keyctl
	run ct_probe try-x32 getpid
	[ "$status" -eq 0 ]
	[[ "$output" == "allowed: "* ]]
	# x32 is in the filter too: refused, not a SIGSYS kill (status 159).
	run ct_probe try-x32 keyctl
	[ "$status" -eq 1 ]
	[ "$output" = "denied: Function not implemented" ]
}

@test "nested user and mount namespaces still work in the CT" {
	require_busybox_applets unshare
	run ct_probe try-syscall unshare-user
	[ "$output" = "allowed" ]
	run vzctl exec 101 'unshare -U -r -m sh -c "mount -t tmpfs t /tmp && id -u && grep -c \" /tmp tmpfs\" /proc/self/mounts"'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0\n1')" ]
}

# ---- ending the CT from inside ----

@test "reboot -f inside the CT ends the CT, not the host" {
	require_busybox_applets reboot
	vz_running_ct 102
	init=$(vz_init_pid 101)
	btime=$(grep '^btime' /proc/stat)
	vzctl exec 101 reboot -f || true
	for _ in $(seq 250); do
		kill -0 "$init" 2>/dev/null || break
		sleep 0.02
	done
	run kill -0 "$init"
	[ "$status" -ne 0 ]
	run vzctl status 101
	[ "$output" != "CTID 101 exist mounted running" ] || [ "$(vz_init_pid 101)" != "$init" ]
	# The host, its daemon and the other CT are untouched.
	[ "$(grep '^btime' /proc/stat)" = "$btime" ]
	kill -0 "$VZD_PID"
	run vzctl status 102
	[ "$output" = "CTID 102 exist mounted running" ]
	run vzctl exec 102 true
	[ "$status" -eq 0 ]
}

# ---- fallbacks (STYLE rule 19) ----

@test "start and exec work with the clone3 and openat2 fallbacks forced" {
	# Only a trace of vzd shows which calls it made.
	require_strace
	vzctl --quiet stop 101
	vz_kill_daemon
	VZ_TEST_NO_CLONE3=1 VZ_TEST_NO_OPENAT2=1 vz_run_daemon
	tr '\0' '\n' <"/proc/$VZD_PID/environ" | grep -qx VZ_TEST_NO_CLONE3=1
	tr '\0' '\n' <"/proc/$VZD_PID/environ" | grep -qx VZ_TEST_NO_OPENAT2=1
	strace -f -qq -e trace=clone,clone3,openat2 -e signal=none \
		-o "$BATS_TEST_TMPDIR/strace" -p "$VZD_PID" >/dev/null 2>&1 &
	tracer=$!
	BG_PIDS+=("$tracer")
	sleep 0.3
	vzctl --quiet start 101
	run vzctl exec 101 vzprobe status Seccomp
	[ "$status" -eq 0 ]
	[ "$output" = 2 ]
	run vzctl exec 101 cat /proc/1/cmdline
	[[ "$output" == init* ]]
	kill "$tracer"
	wait "$tracer" || true
	# The classic clone made the CT; neither new call was tried.
	grep -q 'clone(.*CLONE_NEWUSER' "$BATS_TEST_TMPDIR/strace"
	[ "$(grep -cE 'clone3\(|openat2\(' "$BATS_TEST_TMPDIR/strace")" = 0 ]
}

@test "TIOCSTI is refused even on the CT's own controlling terminal" {
	# Without the filter this succeeds (the pty is the probe's own ctty), so
	# the test tells the seccomp rule is there: an exec'd command holding the
	# operator's terminal cannot type into the operator's shell. The control:
	# the host does not refuse it the same way (legacy_tiocsti=0 gives EIO).
	require_host_answer_not "denied: Operation not permitted" try-tiocsti
	run vzctl exec 101 vzprobe try-tiocsti
	[ "$status" -eq 1 ]
	[ "$output" = "denied: Operation not permitted" ]
}
