#!/usr/bin/env bats
# Disk quota: DISKSPACE/DISKINODES give a CT its own ext4 disk image
# (private/CTID/root.img) that holds its upper layer; writes past the hard
# limit fail inside with ENOSPC while the host and other CTs are untouched,
# df inside shows the CT's size, limits change live both ways (down to what
# is used), and the image survives checkpoint/restore.
# vz-test: cgroup-agnostic

load helpers

setup() { vz_start_daemon; }
teardown() { vz_stop_daemon; }

# KiB figures of df for / inside CT $1: "SIZE USED".
ct_df() { vzctl exec "$1" 'df -k / | tail -1' | awk '{print $2, $3}'; }
ct_dfi() { vzctl exec "$1" 'df -i / | tail -1' | awk '{print $2, $3}'; }
host_free_kb() { df -k --output=avail "$VZ_ROOT" | tail -1 | tr -d ' '; }

@test "create --diskspace: the CT's layer lives in its own image; df inside shows the limit" {
	run -0 vzctl create 101 --ostemplate busybox --layout overlay --diskspace 200M --diskinodes 5000
	grep -qx 'DISKSPACE="200M"' "$VZ_ROOT/conf/101.conf"
	[ -f "$VZ_ROOT/private/101/root.img" ]
	[ "$(stat -c %u:%a "$VZ_ROOT/private/101/root.img")" = 0:600 ]
	run -0 vzctl start 101
	read -r size used < <(ct_df 101)
	# ext4 rounds to whole blocks: within 1% of 200 MiB.
	[ "$size" -ge $((200 * 1024 * 99 / 100)) ] && [ "$size" -le $((200 * 1024 * 101 / 100)) ]
	[ "$used" -lt 10240 ]
	read -r inodes iused < <(ct_dfi 101)
	[ "$inodes" -ge 5000 ] && [ "$inodes" -le 5200 ]
}
# No loop device left on image file $1 (the kernel lets one go a moment
# after the last unmount: give it a few seconds).
no_loop_on() {
	for _ in $(seq 50); do
		[ -z "$(losetup -j "$1")" ] && return 0
		sleep 0.1
	done
	losetup -j "$1" >&3
	return 1
}

# A busybox overlay CT with its own disk image, started.
quota_ct() {
	local ct=$1 space=$2 inodes=${3:-}
	vzctl --quiet create "$ct" --ostemplate busybox --layout overlay --diskspace "$space" \
		${inodes:+--diskinodes "$inodes"}
	vzctl --quiet start "$ct"
}
# KiB the CT may still write (df's Avail inside).
ct_avail() { vzctl exec "$1" 'df -k / | tail -1' | awk '{print $4}'; }

@test "a write past DISKSPACE fails inside with ENOSPC; the host and another CT are untouched" {
	quota_ct 101 64M
	quota_ct 102 64M
	host_before=$(host_free_kb)
	run vzctl exec 101 'dd if=/dev/zero of=/big bs=1M count=200 2>&1; sync'
	[[ "$output" == *"No space left on device"* ]]
	# The CT got its 64 MiB, less ext4's small reserve, and not more.
	size=$(vzctl exec 101 'ls -l /big' | awk '{print $5}')
	[ "$size" -gt $((50 * 1024 * 1024)) ] && [ "$size" -le $((64 * 1024 * 1024)) ]
	# The host lost at most the image's 64 MiB (and its metadata), not 200.
	host_after=$(host_free_kb)
	[ $((host_before - host_after)) -lt $((80 * 1024)) ]
	# The other CT writes as before.
	run -0 vzctl exec 102 'dd if=/dev/zero of=/f bs=1M count=20 2>&1 && sync'
	# Freeing space gives it back.
	run -0 vzctl exec 101 'rm /big && dd if=/dev/zero of=/f bs=1M count=20 2>&1'
}

@test "DISKINODES: many small files stop at the limit with ENOSPC" {
	quota_ct 101 64M 3000
	# shellcheck disable=SC2016
	run vzctl exec 101 'mkdir /many && i=0; while [ $i -lt 4000 ]; do : > /many/f$i || break; i=$((i+1)); done; echo made=$i'
	[[ "$output" == *"No space left on device"* ]]
	made=$(echo "$output" | sed -n 's/^made=//p')
	# The CT's own files count too (the overlay's directories): close to 3000.
	[ "$made" -gt 2900 ] && [ "$made" -le 3000 ]
	run -0 vzctl exec 101 'rm -r /many && : > /again'
}

@test "live shrink and grow: the limit moves at once, never below what is used" {
	quota_ct 101 200M 10000
	vzctl exec 101 'dd if=/dev/zero of=/data bs=1M count=60 2>/dev/null; sync'
	cp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before.conf"
	# Below the 60 MiB in use: refused, nothing changes.
	run -62 vzctl set 101 --diskspace 40M --save
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"the CT uses"*"more than the new limit"* ]]
	cmp "$BATS_TEST_TMPDIR/before.conf" "$VZ_ROOT/conf/101.conf"
	[ "$(ct_avail 101)" -gt $((120 * 1024)) ]
	# Down to 100M: about 40 MiB left, and a 60 MiB write fails.
	run -0 vzctl set 101 --diskspace 100M --save
	grep -qx 'DISKSPACE="100M"' "$VZ_ROOT/conf/101.conf"
	avail=$(ct_avail 101)
	[ "$avail" -gt $((30 * 1024)) ] && [ "$avail" -lt $((41 * 1024)) ]
	run vzctl exec 101 'dd if=/dev/zero of=/more bs=1M count=60 2>&1'
	[[ "$output" == *"No space left on device"* ]]
	vzctl exec 101 'rm -f /more'
	# Back up to 200M, live, within what the image has.
	run -0 vzctl set 101 --diskspace 200M --save
	[ "$(ct_avail 101)" -gt $((120 * 1024)) ]
	# Inodes down, then up.
	run -0 vzctl set 101 --diskinodes 2000 --save
	# shellcheck disable=SC2016
	run vzctl exec 101 'i=0; while [ $i -lt 3000 ]; do : > /i$i || break; i=$((i+1)); done; echo made=$i'
	made=$(echo "$output" | sed -n 's/^made=//p')
	[ "$made" -lt 2000 ] && [ "$made" -gt 1900 ]
	run -62 vzctl set 101 --diskinodes 1000
	run -0 vzctl set 101 --diskinodes 10000 --save
	run -0 vzctl exec 101 ': > /one-more'
}

has_sys_resource() {
	local eff
	eff=$(awk '/^CapEff/ {print $2}' /proc/self/status)
	(( (16#$eff >> 24) & 1 ))
}

@test "growing past the image: live where the kernel allows, else at the next start" {
	quota_ct 101 100M
	run -0 vzctl set 101 --diskspace 300M --save
	if has_sys_resource; then
		avail=$(ct_avail 101)
	else
		# ext4 grows online only for CAP_SYS_RESOURCE, which root here lacks.
		[[ "$output" == *"cannot grow while it is mounted"* ]]
		[ "$(ct_avail 101)" -lt $((101 * 1024)) ]
		vzctl --quiet restart 101
		avail=$(ct_avail 101)
	fi
	[ "$avail" -gt $((280 * 1024)) ]
	read -r size used < <(ct_df 101)
	[ "$size" -ge $((300 * 1024 * 99 / 100)) ] && [ "$size" -le $((300 * 1024 * 101 / 100)) ]
}

@test "set --diskspace on a stopped CT resizes its image at once" {
	vzctl --quiet create 101 --ostemplate busybox --layout overlay --diskspace 100M
	run -0 vzctl set 101 --diskspace 250M --save
	vzctl --quiet start 101
	read -r size used < <(ct_df 101)
	[ "$size" -ge $((250 * 1024 * 99 / 100)) ] && [ "$size" -le $((250 * 1024 * 101 / 100)) ]
}

@test "vzlist and vzctl ubc show disk use and limits" {
	quota_ct 101 100M:120M 5000:6000
	vzctl exec 101 'dd if=/dev/zero of=/data bs=1M count=10 2>/dev/null; sync'
	run -0 vzlist -H -o ctid,diskspace,diskspace.s,diskspace.h,diskinodes,diskinodes.s,diskinodes.h 101
	read -r id used soft hard iused isoft ihard <<<"$output"
	[ "$id" = 101 ] && [ "$soft" = 102400 ] && [ "$hard" = 122880 ]
	[ "$used" -ge 10240 ] && [ "$used" -lt 15000 ]
	[ "$isoft" = 5000 ] && [ "$ihard" = 6000 ] && [ "$iused" -gt 0 ] && [ "$iused" -lt 100 ]
	run -0 vzlist -j -o diskspace.h 101
	[[ "$output" == *'"diskspace.h":122880'* ]]
	run -0 vzctl ubc 101
	[[ "$output" == *"# 1k-blocks"*"102400"*"122880"* ]]
	run -0 vzctl ubc 101 -j
	[[ "$output" == *'"hardlimit": 6000'* ]]
	# Stopped: no use to show, the limits still.
	vzctl --quiet stop 101
	run -0 vzlist -H -o diskspace,diskspace.h 101
	read -r used hard <<<"$output"
	[ "$used" = - ] && [ "$hard" = 122880 ]
}

@test "bad disk limits are refused with one line and change nothing" {
	quota_ct 101 100M
	cp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before.conf"
	run -21 vzctl set 101 --diskspace lots --save
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"DISKSPACE: invalid value 'lots'"* ]]
	run -21 vzctl set 101 --diskspace 200M:100M --save
	[[ "$output" == *"soft limit is above hard limit"* ]]
	run -21 vzctl set 101 --diskinodes 10K --save
	run -62 vzctl set 101 --diskspace 1M --save
	[[ "$output" == *"too small"* ]]
	run -62 vzctl set 101 --diskspace unlimited --save
	cmp "$BATS_TEST_TMPDIR/before.conf" "$VZ_ROOT/conf/101.conf"
	read -r size used < <(ct_df 101)
	[ "$size" -ge $((100 * 1024 * 99 / 100)) ] && [ "$size" -le $((100 * 1024 * 101 / 100)) ]
}

@test "destroy removes the image and leaves no loop device behind" {
	quota_ct 101 100M
	img=$VZ_ROOT/private/101/root.img
	run -0 vzctl stop 101
	run -0 vzctl destroy 101
	[ ! -e "$VZ_ROOT/private/101" ]
	no_loop_on "$img"
}

@test "a CT with a disk image is checkpointed and restored with its limit and its files" {
	require_criu
	quota_ct 101 100M
	vzctl exec 101 'echo kept > /data; dd if=/dev/zero of=/fill bs=1M count=30 2>/dev/null; sync'
	# shellcheck disable=SC2016
	vzctl exec 101 'setsid sh -c "echo \$\$ > /tmp/sleeper; exec sleep 1000" </dev/null >/dev/null 2>&1 &'
	sleep 0.3
	sleeper=$(vzctl exec 101 cat /tmp/sleeper)
	run -0 vzctl chkpnt 101
	# Suspended: the image is not mounted, the checkpoint holds the processes.
	run ! mountpoint -q "$VZ_ROOT/private/101/fs"
	run -0 vzctl restore 101
	[ "$(vzctl exec 101 cat /data)" = kept ]
	# The same process, not a new one.
	vzctl exec 101 "kill -0 $sleeper"
	read -r size used < <(ct_df 101)
	[ "$size" -ge $((100 * 1024 * 99 / 100)) ] && [ "$size" -le $((100 * 1024 * 101 / 100)) ]
	run vzctl exec 101 'dd if=/dev/zero of=/more bs=1M count=100 2>&1'
	[[ "$output" == *"No space left on device"* ]]
}

@test "stop leaves no mount and no loop device; start mounts the image again" {
	quota_ct 101 100M
	img=$VZ_ROOT/private/101/root.img
	run -0 vzctl stop 101
	run ! mountpoint -q "$VZ_ROOT/private/101/fs"
	no_loop_on "$img"
	run -0 vzctl mount 101
	mountpoint -q "$VZ_ROOT/private/101/fs"
	run -0 vzctl umount 101
	run ! mountpoint -q "$VZ_ROOT/private/101/fs"
	run -0 vzctl start 101
	read -r size used < <(ct_df 101)
	[ "$size" -ge $((100 * 1024 * 99 / 100)) ]
}

@test "VE_LAYOUT=ploop: the CT's whole tree in its own image, with the same limits" {
	run -61 vzctl create 101 --ostemplate busybox --layout ploop
	[[ "$output" == *"VE_LAYOUT=ploop needs a disk size"* ]]
	[ ! -e "$VZ_ROOT/private/101" ] && [ ! -e "$VZ_ROOT/conf/101.conf" ]
	run -0 vzctl create 101 --ostemplate busybox --layout ploop --diskspace 100M
	grep -qx 'VE_LAYOUT="ploop"' "$VZ_ROOT/conf/101.conf"
	[ "$(find "$VZ_ROOT/private/101" -mindepth 1 -maxdepth 1 -printf '%f ' | tr ' ' '\n' | sort | tr '\n' ' ')" = "fs root.img " ]
	run -0 vzctl start 101
	[ "$(vzctl exec 101 'ls /bin/busybox')" = /bin/busybox ]
	run vzctl exec 101 'ls -a /'
	[[ "$output" != *".vz"* ]]
	read -r size used < <(ct_df 101)
	[ "$size" -ge $((100 * 1024 * 99 / 100)) ] && [ "$size" -le $((100 * 1024 * 101 / 100)) ]
	run vzctl exec 101 'dd if=/dev/zero of=/big bs=1M count=200 2>&1'
	[[ "$output" == *"No space left on device"* ]]
	run -0 vzctl set 101 --diskspace 150M --save
	vzctl exec 101 'rm /big'
	[ "$(ct_avail 101)" -gt $((90 * 1024)) ]
	run -0 vzctl stop 101
	run -0 vzctl destroy 101
	[ ! -e "$VZ_ROOT/private/101" ]
}

@test "where overlay cannot run, a CT with a disk limit falls back to ploop, not simfs" {
	VZ_TEST_NO_FD_LOWER=1 VZ_TEST_CONF_EXTRA='VE_LAYOUT="overlay"' vz_start_daemon
	run -0 vzctl create 101 --ostemplate busybox --diskspace 100M
	[[ "$output" == *"the CT is made with VE_LAYOUT=ploop"* ]]
	grep -qx 'VE_LAYOUT="ploop"' "$VZ_ROOT/conf/101.conf"
	run -0 vzctl create 102 --ostemplate busybox
	[[ "$output" == *"the CT is made with VE_LAYOUT=simfs"* ]]
	run -0 vzctl create 103 --ostemplate busybox --layout simfs --diskspace 100M
	[[ "$output" == *"DISKSPACE is kept but not enforced"* ]]
}

# wait_for KEY VALUE [!]: CT 101's disk.KEY in vzctl ubc -j becomes VALUE (or, with !, not).
wait_for() {
	local _ v
	for _ in $(seq 60); do
		v=$(vzctl ubc 101 -j | jq -r ".disk.$1")
		if [ "${3:-}" = "!" ]; then [ "$v" != "$2" ] && return 0; else [ "$v" = "$2" ] && return 0; fi
		sleep 0.5
	done
	return 1
}

@test "soft limit: the grace period (QUOTATIME) starts above it, then it holds as a hard one" {
	quota_ct 101 60M:150M
	run -0 vzctl set 101 --quotatime 4 --save
	run -0 vzctl exec 101 'dd if=/dev/urandom of=/a bs=1M count=80 2>/dev/null && sync'
	# vzd's next tick (every 5 s) sees it above the soft limit: grace runs, writes go on.
	wait_for grace_left null !
	run -0 vzctl ubc 101
	[[ "$output" == *"above a soft limit"* ]] || [[ "$output" == *"grace period is over"* ]]
	grep -q "CT 101 is above its soft disk limit" "$VZ_TEST_DIR/vzd.log"
	# The grace runs out: no more than the CT has now.
	wait_for soft_enforced true
	run vzctl exec 101 'dd if=/dev/urandom of=/b bs=1M count=20 2>&1'
	[[ "$output" == *"No space left on device"* ]]
	# Back under it: the hard limit again.
	vzctl exec 101 'rm -f /a /b; sync'
	wait_for grace_left null
	run -0 vzctl exec 101 'dd if=/dev/urandom of=/c bs=1M count=100 2>&1 && sync'
}

@test "the vswap samples bring a disk limit: a CT made from one has its own image" {
	run -0 vzctl create 101 --ostemplate busybox --layout overlay --config vswap-256m
	grep -qx 'DISKSPACE="2097152:2306867"' "$VZ_ROOT/conf/101.conf"
	[ -f "$VZ_ROOT/private/101/root.img" ]
	# Sparse: the image takes a few MB of the host, not 2.2 GB.
	[ "$(du -k "$VZ_ROOT/private/101/root.img" | cut -f1)" -lt 65536 ]
	run -0 vzctl start 101
	read -r size used < <(ct_df 101)
	[ "$size" -ge $((2306867 * 99 / 100)) ] && [ "$size" -le $((2306867 * 101 / 100)) ]
	read -r inodes iused < <(ct_dfi 101)
	[ "$inodes" -ge 144179 ] && [ "$inodes" -le $((144179 * 102 / 100)) ]
}

@test "a set that fails after the disk changed puts the disk back as it was" {
	require_cgroup_controller memory
	quota_ct 101 100M
	cp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before.conf"
	# 20 MiB of shared memory, charged to the CT's memory group.
	vzctl exec 101 'dd if=/dev/zero of=/dev/shm/held bs=1M count=20 2>/dev/null'
	avail=$(ct_avail 101)
	# RAM below what the CT uses: refused after the disk limit was applied.
	run vzctl set 101 --diskspace 60M --ram 4M --save
	[ "$status" -ne 0 ]
	cmp "$BATS_TEST_TMPDIR/before.conf" "$VZ_ROOT/conf/101.conf"
	[ "$(ct_avail 101)" = "$avail" ]
}

@test "destroy of a stopped CT whose image was left mounted still removes everything" {
	vzctl --quiet create 101 --ostemplate busybox --layout overlay --diskspace 100M
	# What an interrupted copy leaves: the image mounted, the CT stopped.
	mount -o loop "$VZ_ROOT/private/101/root.img" "$VZ_ROOT/private/101/fs"
	run -0 vzctl destroy 101
	[ ! -e "$VZ_ROOT/private/101" ]
	[ -z "$(find "$VZ_ROOT/private" -mindepth 1 -maxdepth 1)" ]
	no_loop_on "$VZ_ROOT/private/101/root.img"
}
