#!/usr/bin/env bats
# Limits by default: vz.conf's CONFIGFILE gives every new CT a RAM, swap and
# process limit (the shipped vz.conf names vswap-256m), --config unlimited
# gives none, and a bad CONFIGFILE creates nothing. The /dev/shm of a CT is
# bounded by its RAM, and a CT can read its own limits under /sys/fs/cgroup.

load helpers

# The test's vz.conf carries the shipped vz.conf's CONFIGFILE line: what
# a fresh install gives every new CT is what these tests check.
setup() {
	VZ_TEST_CONF_EXTRA=$(grep '^CONFIGFILE=' "$BATS_TEST_DIRNAME/../../configs/vz.conf")
	export VZ_TEST_CONF_EXTRA
	vz_start_daemon
}
teardown() { vz_stop_daemon; }

v2() { [ "$(vz_daemon_cgroup_layout)" = v2 ]; }
knob() { cat "$(vz_ct_cgroup_dir "$1" "$2")/$3"; }

# ubc CT RESOURCE FIELD: held, maxheld, barrier, limit or failcnt of a row
# of vzctl ubc (the text: jq would round 2^63-1).
ubc() {
	vzctl ubc "$1" | awk -v r="$2" -v f="$3" '
		BEGIN { split("held maxheld barrier limit failcnt", n, " "); for (i in n) c[n[i]] = i }
		{ if ($1 ~ /:$/) $1 = ""; $0 = $0 }
		$1 == r { print $(c[f] + 1) }'
}

# Restart the test's vzd with vz.conf's CONFIGFILE line replaced by LINE.
restart_with_configfile() {
	vz_daemon_shutdown
	sed -i '/^CONFIGFILE=/d' "$VZ_TEST_DIR/vz.conf"
	echo "$1" >>"$VZ_TEST_DIR/vz.conf"
	vz_run_daemon
}

@test "the shipped vz.conf names a sample with RAM, swap and process limits" {
	[ "$VZ_TEST_CONF_EXTRA" = 'CONFIGFILE="vswap-256m"' ]
	for s in vswap-256m vswap-512m vswap-1g vswap-2g; do
		f=$BATS_TEST_DIRNAME/../../configs/ve-$s.conf-sample
		grep -Eq '^PHYSPAGES="0:[0-9]+[MG]"$' "$f"
		grep -Eq '^SWAPPAGES="0:[0-9]+[MG]"$' "$f"
		grep -Eq '^NUMPROC="[0-9]+:[0-9]+"$' "$f"
	done
}

@test "a CT created with no options has the default sample's limits" {
	require_cgroup_controller memory pids
	vz_running_ct 101
	grep -qx 'ORIGIN_SAMPLE="vswap-256m"' "$VZ_ROOT/conf/101.conf"
	grep -qx 'PHYSPAGES="0:256M"' "$VZ_ROOT/conf/101.conf"
	grep -qx 'SWAPPAGES="0:512M"' "$VZ_ROOT/conf/101.conf"
	grep -qx 'NUMPROC="512:512"' "$VZ_ROOT/conf/101.conf"
	[ "$(ubc 101 physpages limit)" = 65536 ]
	[ "$(ubc 101 swappages limit)" = 131072 ]
	[ "$(ubc 101 numproc limit)" = 512 ]
	run -0 vzlist -H -o physpages.l,swappages.l,numproc.l 101
	[ "$(xargs <<<"$output")" = "65536 131072 512" ]
	[ "$(knob pids 101 pids.max)" = 512 ]
	if v2; then
		[ "$(knob memory 101 memory.max)" = $((256 << 20)) ]
	else
		[ "$(knob memory 101 memory.limit_in_bytes)" = $((256 << 20)) ]
	fi
}

@test "with the shipped vz.conf a CT created with no options has a disk limit too: its own image" {
	restart_with_configfile "$(grep -E '^(CONFIGFILE|VE_LAYOUT)=' "$BATS_TEST_DIRNAME/../../configs/vz.conf")"
	vzctl --quiet create 101 --ostemplate busybox
	vzctl --quiet start 101
	grep -qx 'DISKSPACE="2097152:2306867"' "$VZ_ROOT/conf/101.conf"
	[ -f "$VZ_ROOT/private/101/root.img" ]
	run -0 vzlist -H -o diskspace.s,diskspace.h,diskinodes.h 101
	[ "$(xargs <<<"$output")" = "2097152 2306867 144179" ]
	size=$(vzctl exec 101 'df -k / | tail -1' | awk '{print $2}')
	[ "$size" -ge $((2306867 * 99 / 100)) ] && [ "$size" -le $((2306867 * 101 / 100)) ]
}

@test "a fork bomb in a default CT stops at its numproc; the host goes on and the CT stops" {
	require_cgroup_controller pids
	vz_running_ct 101
	vz_running_ct 102
	vzctl exec 101 'b() { b | b & }; b >/dev/null 2>&1 </dev/null' 3>&- || true
	sleep 3
	# The bomb is held at the limit: the CT's tasks never pass 512.
	[ "$(knob pids 101 pids.current)" -le 512 ]
	[ "$(ubc 101 numproc maxheld)" -le 512 ]
	[ "$(ubc 101 numproc maxheld)" -ge 400 ]
	[ "$(ubc 101 numproc failcnt)" -gt 0 ]
	# The host and the other CT still fork.
	run -0 vzctl exec 102 /bin/vzprobe forks 100
	[ "$output" = "forked 100" ]
	run -0 /bin/true
	run -0 vzctl stop 101
	run -0 vzctl status 101
	[[ "$output" == *"exist mounted down"* || "$output" == *"exist unmounted down"* ]]
	[ -z "$(vz_ct_cgroups 101)" ] || [ "$(knob pids 101 pids.current 2>/dev/null || echo 0)" = 0 ]
}

@test "--config unlimited gives a CT no limit" {
	require_cgroup_controller memory pids
	vz_running_ct 101 --config unlimited
	grep -qx 'ORIGIN_SAMPLE="unlimited"' "$VZ_ROOT/conf/101.conf"
	[ "$(knob pids 101 pids.max)" = max ]
	[ "$(ubc 101 numproc limit)" = 9223372036854775807 ]
	[ "$(ubc 101 physpages limit)" = 9223372036854775807 ]
	if v2; then
		[ "$(knob memory 101 memory.max)" = max ]
	else
		[ "$(knob memory 101 memory.limit_in_bytes)" -gt $((1 << 50)) ]
	fi
}

@test "a CONFIGFILE naming no sample fails the create with one line and creates nothing" {
	restart_with_configfile 'CONFIGFILE="nosuch"'
	before=$(vz_snapshot)
	run -14 vzctl create 101 --ostemplate busybox
	[ "${#lines[@]}" = 1 ]
	[[ "$output" == *"CONFIGFILE in vz.conf: config sample 'nosuch' not found"* ]]
	[ "$(vz_snapshot)" = "$before" ]
	[ ! -e "$VZ_ROOT/conf/101.conf" ] && [ ! -e "$VZ_ROOT/private/101" ]
	# --config still works on that host.
	vzctl --quiet create 101 --ostemplate busybox --config vswap-512m
	grep -qx 'PHYSPAGES="0:512M"' "$VZ_ROOT/conf/101.conf"
}

@test "a CONFIGFILE that is no sample name stops vzd with one line" {
	vz_daemon_shutdown
	sed -i '/^CONFIGFILE=/d' "$VZ_TEST_DIR/vz.conf"
	echo 'CONFIGFILE="../../etc/passwd"' >>"$VZ_TEST_DIR/vz.conf"
	run ! "$VZ_BUILD/vzd" --root "$VZ_ROOT" --rundir "$VZ_RUNDIR" \
		--socket "$VZ_SOCKET" --config "$VZ_TEST_DIR/vz.conf" --no-onboot
	[[ "$output" == *CONFIGFILE* ]]
	[ "$(grep -c . <<<"$output")" = 1 ]
}


# Size of a tmpfs inside CT, in KiB (df's 1K-blocks).
ct_df() { vzctl exec "$1" "df -k $2" | awk 'NR == 2 { print $2 }'; }

@test "/dev/shm of a CT with --ram 128M is 64M: a write past it fails with ENOSPC" {
	vz_running_ct 101
	vzctl --quiet set 101 --ram 128M --save
	vzctl --quiet restart 101
	[ "$(ct_df 101 /dev/shm)" = 65536 ]
	[ "$(ct_df 101 /dev)" = 65536 ]
	run vzctl exec 101 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=100'
	[ "$status" -ne 0 ]
	[[ "$output" == *"No space left on device"* ]]
	[ "$(vzctl exec 101 'du -k /dev/shm/fill' | awk '{print $1}')" -le 65536 ]
	vzctl exec 101 'rm /dev/shm/fill'
}

@test "a live --ram resizes /dev/shm, and a size below its use changes nothing" {
	vz_running_ct 101
	[ "$(ct_df 101 /dev/shm)" = $((128 << 10)) ]
	vzctl --quiet set 101 --ram 512M
	[ "$(ct_df 101 /dev/shm)" = $((256 << 10)) ]
	[ "$(ct_df 101 /dev)" = 65536 ]
	vzctl --quiet set 101 --ram 32M
	[ "$(ct_df 101 /dev/shm)" = $((16 << 10)) ]
	[ "$(ct_df 101 /dev)" = $((16 << 10)) ]
	vzctl --quiet set 101 --ram 256M
	vzctl exec 101 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=40 2>/dev/null'
	run vzctl set 101 --ram 64M
	[ "$status" -ne 0 ]
	[[ "$output" == *"/dev/shm holds more than 33554432 bytes"* ]]
	# One error line (a host without a memory controller warns besides).
	[ "$(grep -vc '^Warning: ' <<<"$output")" = 1 ]
	[ "$(ct_df 101 /dev/shm)" = $((128 << 10)) ]
	[ "$(ubc 101 physpages limit)" = 65536 ]
}

@test "/dev/shm of a CT without a RAM limit is the host's default tmpfs size" {
	vz_running_ct 101 --config unlimited
	host=$(awk '/^MemTotal:/ { print int($2 / 2) }' /proc/meminfo)
	have=$(ct_df 101 /dev/shm)
	# Half the host's RAM, in whole pages.
	[ $((have - host)) -le 4 ] && [ $((host - have)) -le 4 ]
	vzctl --quiet set 101 --ram 64M
	[ "$(ct_df 101 /dev/shm)" = $((32 << 10)) ]
	vzctl --quiet set 101 --ram unlimited
	have=$(ct_df 101 /dev/shm)
	[ $((have - host)) -le 4 ] && [ $((host - have)) -le 4 ]
}


# ---- the CT's own limits under /sys/fs/cgroup ----

# What the CT shows at /sys/fs/cgroup: one "TYPE OPTIONS" line per mount.
ct_cgroup_mounts() {
	vzctl exec "$1" 'cat /proc/self/mountinfo' | awk '$5 ~ "^/sys/fs/cgroup" {
		for (i = 7; $i != "-"; i++)
			;
		print $5, $(i + 1), $6
	}'
}

# Host v1 hierarchies as the CT should show them: every directory under
# /sys/fs/cgroup with a cgroup v1 mount.
host_v1_hierarchies() {
	awk '$5 ~ "^/sys/fs/cgroup/[^/]+$" {
		for (i = 7; $i != "-"; i++)
			;
		if ($(i + 1) == "cgroup") print substr($5, 16)
	}' /proc/self/mountinfo | sort
}

require_v1_host() {
	[ "$(vz_daemon_cgroup_layout)" = v1 ] || skip "not a cgroup v1 or hybrid host"
	require_cgroup_controller memory pids
}

@test "hybrid view: each v1 hierarchy of the CT's group read-only, systemd and unified delegated" {
	require_v1_host
	vz_running_ct 101
	run -0 ct_cgroup_mounts 101
	grep -qx '/sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec,relatime' <<<"$output"
	for h in $(host_v1_hierarchies); do
		want=ro
		[ "$h" != systemd ] || want=rw
		grep -qx "/sys/fs/cgroup/$h cgroup $want,nosuid,nodev,noexec,relatime" <<<"$output"
	done
	grep -qx '/sys/fs/cgroup/unified cgroup2 rw,nosuid,nodev,noexec,relatime' <<<"$output"
	[ "$(vzctl exec 101 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes')" = $((256 << 20)) ]
	[ "$(vzctl exec 101 'cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes')" = $((768 << 20)) ]
	[ "$(vzctl exec 101 'cat /sys/fs/cgroup/pids/pids.max')" = 512 ]
	# The CT's own group, not the host's root: the bind shows the live limit.
	vzctl --quiet set 101 --ram 300M
	[ "$(vzctl exec 101 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes')" = $((300 << 20)) ]
	# systemd (name=systemd) is the CT's to manage: CT root makes groups there.
	vzctl exec 101 'mkdir /sys/fs/cgroup/systemd/x && echo $$ > /sys/fs/cgroup/systemd/x/cgroup.procs'
	vzctl exec 101 'rmdir /sys/fs/cgroup/systemd/x'
}

@test "hybrid view: CT root cannot raise its own limits" {
	require_v1_host
	vz_running_ct 101
	run vzctl exec 101 'echo 1073741824 > /sys/fs/cgroup/memory/memory.limit_in_bytes'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	run vzctl exec 101 'echo max > /sys/fs/cgroup/pids/pids.max'
	[ "$status" -ne 0 ]
	run vzctl exec 101 'mount -o remount,rw /sys/fs/cgroup/memory'
	[ "$status" -ne 0 ]
	run vzctl exec 101 'mount -o remount,rw /sys/fs/cgroup'
	[ "$status" -ne 0 ]
	run vzctl exec 101 'umount /sys/fs/cgroup/memory'
	[ "$status" -ne 0 ]
	# A fresh mount of the hierarchy (its cgroup namespace root is the CT's
	# group): the knobs stay host root's.
	run vzctl exec 101 'mkdir -p /tmp/m && mount -t cgroup -o memory none /tmp/m &&
		echo 1073741824 > /tmp/m/memory.limit_in_bytes'
	[ "$status" -ne 0 ]
	[ "$(knob memory 101 memory.limit_in_bytes)" = $((256 << 20)) ]
	[ "$(knob pids 101 pids.max)" = 512 ]
}

@test "CGROUP_VIEW=unified keeps the CT's cgroup2 group on /sys/fs/cgroup; a bad value is refused" {
	require_v1_host
	vzctl --quiet create 101 --ostemplate busybox
	echo 'CGROUP_VIEW="unified"' >>"$VZ_ROOT/conf/101.conf"
	vz_install_probe 101
	vzctl --quiet start 101
	run -0 ct_cgroup_mounts 101
	[ "$output" = "/sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime" ]
	vzctl --quiet stop 101
	sed -i 's/^CGROUP_VIEW=.*/CGROUP_VIEW="legacy"/' "$VZ_ROOT/conf/101.conf"
	run vzctl start 101
	[ "$status" -ne 0 ]
	[[ "$output" == *"CGROUP_VIEW: invalid cgroup view (auto, hybrid or unified) 'legacy'"* ]]
	run -0 vzctl status 101
	[[ "$output" == *down* ]]
}

@test "CGROUP_VIEW=auto: a CT whose systemd refuses hybrid hierarchies (256+) gets the unified view" {
	require_v1_host
	vzctl --quiet create 101 --ostemplate busybox
	vzctl --quiet create 102 --ostemplate busybox
	mkdir -p "$VZ_ROOT/private/101/usr/lib/x86_64-linux-gnu/systemd" \
		"$VZ_ROOT/private/102/usr/lib64/systemd"
	touch "$VZ_ROOT/private/101/usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252.so" \
		"$VZ_ROOT/private/102/usr/lib64/systemd/libsystemd-shared-257.9-1.fc42.so"
	vzctl --quiet start 101
	vzctl --quiet start 102
	[ "$(ct_cgroup_mounts 101 | head -1)" = "/sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec,relatime" ]
	[ "$(ct_cgroup_mounts 102)" = "/sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime" ]
	# vz.conf's CGROUP_VIEW is the default for every CT that names none.
	vzctl --quiet stop 101
	vz_daemon_shutdown
	echo 'CGROUP_VIEW="unified"' >>"$VZ_TEST_DIR/vz.conf"
	vz_run_daemon
	vzctl --quiet start 101
	[ "$(ct_cgroup_mounts 101)" = "/sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime" ]
}

@test "cgroup2 host: the CT reads its limits in its delegated group and cannot raise them" {
	vz_stop_daemon
	export VZ_TEST_CGROUP2=1
	require_cgroup2_mount
	vz_start_daemon
	vz_running_ct 101
	run -0 ct_cgroup_mounts 101
	[ "$output" = "/sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime" ]
	group=$(vz_cgroup2_mount)/$VZ_CGROUP_PREFIX/101
	# The limits the host's cgroup2 can hold (a hybrid host's has no memory
	# or pids controller; cgroup.max.descendants is in every group).
	n=0
	for k in memory.max memory.swap.max pids.max cpu.max cgroup.max.descendants; do
		[ -e "$group/$k" ] || continue
		n=$((n + 1))
		[ "$(vzctl exec 101 "cat /sys/fs/cgroup/$k")" = "$(cat "$group/$k")" ]
		run vzctl exec 101 "echo 1 > /sys/fs/cgroup/$k"
		[ "$status" -ne 0 ]
		[[ "$output" == *"Permission denied"* ]]
	done
	[ "$n" -ge 1 ]
	[ ! -e "$group/memory.max" ] || [ "$(cat "$group/memory.max")" = $((256 << 20)) ]
	[ ! -e "$group/pids.max" ] || [ "$(cat "$group/pids.max")" = 512 ]
}

@test "chkpnt and restore keep the hybrid view and the size of /dev/shm" {
	require_criu
	require_v1_host
	vz_running_ct 101
	vzctl --quiet set 101 --ram 192M --save
	before=$(ct_cgroup_mounts 101)
	shm=$(ct_df 101 /dev/shm)
	[ "$shm" = $((96 << 10)) ]
	vzctl --quiet chkpnt 101
	vzctl --quiet restore 101
	[ "$(ct_cgroup_mounts 101)" = "$before" ]
	[ "$(ct_df 101 /dev/shm)" = "$shm" ]
	[ "$(vzctl exec 101 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes')" = $((192 << 20)) ]
	run vzctl exec 101 'echo 1073741824 > /sys/fs/cgroup/memory/memory.limit_in_bytes'
	[ "$status" -ne 0 ]
}
