#!/usr/bin/env bats
# vzctl migrate / vzmigrate between two test hosts (tests/integration/
# multihost.bash): network namespaces on one LAN, each with its own vzd and
# sshd. Offline and online; a TCP connection from the LAN's client keeps
# working across an online migration; every failure ends with exactly one
# copy of the CT running, with its data.
# vz-test: cgroup-agnostic

load helpers
load multihost
load migrate

setup() {
	require_criu
	require_sshd
	vz_host_start a 1
	vz_host_start b 2
}
teardown() { vz_multihost_stop; }

@test "offline migration: the CT stops here and starts there with its files and settings" {
	ct_on_a
	run -0 migrate -j
	# -j: one JSON event per line, phase by phase, the last one "done".
	echo "$output" | jq -e . >/dev/null
	[ "$(echo "$output" | jq -r .phase | tr '\n' ' ')" = "sync sync-final start done " ]
	[ "$(echo "$output" | jq -r 'select(.phase == "sync") | .bytes > 1000000')" = true ]
	only_on b
	grep -q '^IP_ADDRESS="198.51.100.50"' "$VZ_ROOT_B/conf/101.conf"
	grep -q "^VE_PRIVATE=\"$VZ_ROOT_B/private/\$VEID\"" "$VZ_ROOT_B/conf/101.conf"
	# The address answers from the LAN, through host b now.
	run -0 vz_client busybox ping -c1 -W2 "$CT_IP"
}

@test "online migration keeps the processes, an open TCP connection, the limits and devnodes" {
	require_cgroup_controller memory cpu
	ct_on_a
	[ ! -c /dev/net/tun ] || vz_on a vzctl --quiet set 101 --devnodes net/tun:rw --save
	start_counter
	start_client
	weight=$(knob a cpu cpu.shares cpu.weight)
	run -0 migrate --online
	[[ "$output" == *"frozen for"* ]] || { echo "$output" >&3; false; }
	at=$(count b)
	only_on b
	counter_goes_on b "$at"
	# A counter that went on from where it was, not one that started over.
	[ "$at" -gt 5 ]
	client_went_on
	[ "$(knob b memory memory.limit_in_bytes memory.max)" = $((256 << 20)) ]
	[ "$(knob b cpu cpu.shares cpu.weight)" = "$weight" ]
	# The destination made the node and allows it (its own host's numbers).
	if [ -c /dev/net/tun ]; then
		run -0 vz_on b vzctl exec 101 'exec 3<>/dev/net/tun && echo opened'
		[ "$output" = opened ]
	fi
}

@test "vzmigrate HOST CTID, OpenVZ's order; -r no keeps the stopped source" {
	ct_on_a
	vz_on a vzctl --quiet stop 101
	run -0 vz_on a "$VZ_BUILD/vzmigrate" -r no --ssh="$VZ_SSH_OPTS" "$VZ_ADDR_B" 101
	[ "$(status b)" = stopped ]
	[ "$(status a)" = stopped ]
	run -0 vz_on b vzctl start 101
}

@test "migration refused: unreachable host, this host, no CT, a stopped CT online, a CTID taken there" {
	ct_on_a
	run -3 vz_on a vzctl migrate 101 198.51.100.9 --ssh-opts "$VZ_SSH_OPTS -o ConnectTimeout=2"
	[[ "$output" == *"198.51.100.9"* ]]
	[ "$(status a)" = running ]
	run -21 vz_on a vzctl migrate 101 "$VZ_ADDR_A" --ssh-opts "$VZ_SSH_OPTS"
	[[ "$output" == *"is this host"* ]]
	[ "$(status a)" = running ]
	run -14 vz_on a vzctl migrate 102 "$VZ_ADDR_B" --ssh-opts "$VZ_SSH_OPTS"
	vz_on a vzctl --quiet create 103 --ostemplate busybox
	run -31 vz_on a vzctl migrate 103 "$VZ_ADDR_B" --online --ssh-opts "$VZ_SSH_OPTS"
	vz_on b vzctl --quiet create 101 --ostemplate busybox
	run -44 migrate --online
	[[ "$output" == *"CT 101 exists on this host"* ]]
	[ "$(status a)" = running ]
	[ "$(status b)" = stopped ]
	run -20 vz_on a vzctl migrate 101
	run -21 vz_on a vzctl migrate 101 -- -oProxyCommand=x
	[[ "$output" == *"bad destination host"* ]]
}

# A criu for host b that fails or stalls its restores, as CRIU would.
fake_criu_on_b() {
	cat >"$VZ_MH_DIR/criu" <<-EOF
		#!/bin/sh
		for a; do
			[ "\$a" = restore ] || continue
			$1
		done
		exec criu "\$@"
	EOF
	chmod +x "$VZ_MH_DIR/criu"
	vz_host_kill_vzd b TERM
	VZ_CRIU="$VZ_MH_DIR/criu" vz_host_run_vzd b
}

@test "a restore that fails there brings the CT back here, running on, its connection kept" {
	ct_on_a
	start_counter
	start_client
	fake_criu_on_b 'echo "(00.1) Error (criu/x.c:1): injected restore failure" >&2; exit 1'
	run migrate --online
	[ "$status" = 17 ] || { echo "$output" >&3; false; }
	[[ "$output" == *"injected restore failure"* ]]
	only_on a
	counter_goes_on a "$(count a)"
	client_went_on
}

@test "a destination disk too small: refused before anything stops" {
	ct_on_a
	mount -t tmpfs -o size=8m vzmh "$VZ_ROOT_B/private"
	run -46 migrate --online
	[[ "$output" == *"not enough disk space"* ]]
	umount "$VZ_ROOT_B/private"
	only_on a
}

# The migration in the background has asked host b to restore (b's criu stalls).
until_restoring() {
	for _ in $(seq 1200); do
		grep -q "Restoring the container" "$VZ_MH_DIR/migrate.out" && return 0
		sleep 0.05
	done
	cat "$VZ_MH_DIR/migrate.out" >&3
	return 1
}

@test "the destination's disk filling up during the copy: the CT runs on here, nothing left there" {
	ct_on_a
	start_counter
	head -c 60M /dev/urandom >"$VZ_ROOT_A/private/101/root/big"
	# Room enough for the destination's check (the CT, a tenth more, 64 MB), not for more.
	mount -t tmpfs -o size=160m vzmh "$VZ_ROOT_B/private"
	migrate --online >"$VZ_MH_DIR/migrate.out" 2>&1 &
	mig=$!
	for _ in $(seq 1200); do
		grep -q "Syncing the private area \.\.\." "$VZ_MH_DIR/migrate.out" && break
		sleep 0.02
	done
	fallocate -l 150M "$VZ_ROOT_B/private/filler"
	st=0
	wait "$mig" || st=$?
	[ "$st" != 0 ] || { cat "$VZ_MH_DIR/migrate.out" >&3; false; }
	grep -q "No space left on device" "$VZ_MH_DIR/migrate.out"
	rm -f "$VZ_ROOT_B/private/filler"
	umount "$VZ_ROOT_B/private"
	only_on a
	counter_goes_on a "$(count a)"
}

# A counting CT on host a, migrating online in the background (pid $mig),
# host b's restore stalled for 3 s and under way.
stalled_migration() {
	require_restore_elsewhere
	ct_on_a
	start_counter
	fake_criu_on_b 'sleep 3'
	migrate --online >"$VZ_MH_DIR/migrate.out" 2>&1 &
	mig=$!
	until_restoring
}

@test "the ssh connection cut during the restore: exactly one copy runs" {
	stalled_migration
	# This test's channel only: its ControlPath is in host a's run dir.
	pkill -KILL -f "ssh .*ControlPath=$VZ_RUNDIR_A/101.ssh .*migrate-receive 101"
	wait "$mig" || true
	if [ "$(status b)" = running ]; then only_on b; else only_on a; fi
}

@test "the destination's vzd killed during the restore: the CT comes back here" {
	stalled_migration
	sleep 0.5
	# vzd and every worker of it, as a crash of the whole service would.
	pkill -KILL -P "$VZD_PID_B" || true
	vz_host_kill_vzd b
	VZ_CRIU="$VZ_MH_DIR/criu" vz_host_run_vzd b
	wait "$mig" || true
	only_on a
	counter_goes_on a "$(count a)"
}
