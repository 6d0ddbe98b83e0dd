#!/usr/bin/env bats
# A CT with a disk image (DISKSPACE) migrates as its files: the destination
# makes an image of its own for the CT's limits and the copy goes into it;
# the source leaves no image, mount or loop device behind.
# vz-test: cgroup-agnostic

load helpers
load multihost
load migrate

setup() {
	require_sshd
	vz_host_start a 1
	vz_host_start b 2
}
teardown() { vz_multihost_stop; }

quota_ct_on_a() {
	vz_on a vzctl --quiet create 101 --ostemplate busybox --layout overlay --diskspace 150M:200M --diskinodes 20000
	vz_on a vzctl --quiet start 101
	vz_on a vzctl exec 101 'echo "customer data" > /data; dd if=/dev/urandom of=/fill bs=1M count=40 2>/dev/null; sync'
}

# No loop device backed by a file under DIR (the kernel lets a device go a
# moment after the last unmount: give it a few seconds).
no_loop_under() {
	for _ in $(seq 50); do
		losetup -l -n -O BACK-FILE | grep -q "$1/" || return 0
		sleep 0.1
	done
	losetup -l -n -O NAME,BACK-FILE | grep "$1/" >&3
	return 1
}

# On HOST: CT 101's df of / in KiB, "SIZE USED".
ct_df_on() { vz_on "$1" vzctl exec 101 'df -k / | tail -1' | awk '{print $2, $3}'; }

moved_with_quota() {
	[ "$(vz_on b vzctl exec 101 cat /data)" = "customer data" ]
	read -r size used < <(ct_df_on b)
	[ "$size" -ge $((200 * 1024 * 99 / 100)) ] && [ "$size" -le $((200 * 1024 * 101 / 100)) ]
	[ "$used" -ge $((40 * 1024)) ]
	run vz_on b vzctl exec 101 'dd if=/dev/zero of=/more bs=1M count=300 2>&1'
	[[ "$output" == *"No space left on device"* ]]
	grep -qx 'DISKSPACE="150M:200M"' "$VZ_ROOT_B/conf/101.conf"
	[ -f "$VZ_ROOT_B/private/101/root.img" ]
	[ ! -e "$VZ_ROOT_A/private/101" ]
	no_loop_under "$VZ_ROOT_A"
}

@test "offline migration of a running CT with a disk quota" {
	quota_ct_on_a
	run -0 vz_on a vzctl migrate 101 "$VZ_ADDR_B" --ssh-opts "$VZ_SSH_OPTS"
	moved_with_quota
}

@test "a stopped CT with a disk quota moves stopped; nothing stays mounted on either host" {
	quota_ct_on_a
	vz_on a vzctl --quiet stop 101
	run -0 vz_on a vzctl migrate 101 "$VZ_ADDR_B" --ssh-opts "$VZ_SSH_OPTS"
	[ "$(status b)" = stopped ]
	run ! mountpoint -q "$VZ_ROOT_B/private/101/fs"
	no_loop_under "$VZ_ROOT_B"
	vz_on b vzctl --quiet start 101
	moved_with_quota
}

@test "online migration of a CT with a disk quota keeps its processes and its limit" {
	require_criu
	require_restore_elsewhere
	quota_ct_on_a
	start_counter
	run -0 vz_on a vzctl migrate 101 "$VZ_ADDR_B" --ssh-opts "$VZ_SSH_OPTS" --online
	at=$(vz_on b vzctl exec 101 cat /tmp/count)
	[ "$at" -gt 2 ]
	moved_with_quota
}
