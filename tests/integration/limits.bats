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
	[ "${#lines[@]}" = 1 ]
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
