#!/usr/bin/env bats
# The test topology of the migration tests (multihost.bash): two test hosts
# and a client on one LAN, each host with its own vzd and sshd.
# vz-test: cgroup-agnostic

load helpers
load multihost

setup() {
	vz_host_start a 1
	vz_host_start b 2
}
teardown() {
	vz_multihost_stop
}

@test "multihost: ssh to a host runs the build's vzctl against that host's vzd" {
	vz_on b vzctl --quiet create 101 --ostemplate busybox
	# shellcheck disable=SC2086 # VZ_SSH_OPTS is a list of options
	run -0 vz_on a ssh $VZ_SSH_OPTS root@198.51.100.2 vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	# ssh hands the remote shell one string.
	# shellcheck disable=SC2016 # expanded by the remote shell
	run -0 vz_ssh a b 'command -v vzctl; echo "$VZ_SOCKET"'
	[ "${lines[0]}" = "$VZ_BUILD/vzctl" ]
	[ "${lines[1]}" = "$VZ_SOCKET_B" ]
	# Host a's own vzd has no such CT, and neither its root nor b's root
	# is the other's.
	run -0 vz_on a vzctl status 101
	[ "$output" = "CTID 101 deleted unmounted down" ]
	[ -f "$VZ_ROOT_B/conf/101.conf" ] && [ ! -e "$VZ_ROOT_A/conf/101.conf" ]
	# The session runs on host b: in its namespace, with its address.
	run -0 vz_ssh a b ip -o -4 addr show dev eth0
	[[ "$output" == *"inet 198.51.100.2/24"* ]]
	# And the other way, host a's sshd and vzd.
	run -0 vz_ssh b a vzctl status 101
	[ "$output" = "CTID 101 deleted unmounted down" ]
}

@test "multihost: the client reaches both hosts; hosts reach each other" {
	require_busybox_applets ping
	run -0 vz_client busybox ping -c1 -W2 "$VZ_ADDR_A"
	run -0 vz_client busybox ping -c1 -W2 "$VZ_ADDR_B"
	run -0 vz_on a busybox ping -c1 -W2 "$VZ_ADDR_B"
	# sshd listens on port 22 of each host's address.
	run -0 vz_client bash -c "exec 3<>/dev/tcp/$VZ_ADDR_B/22 && head -c 7 <&3"
	[ "$output" = SSH-2.0 ]
	run -0 vz_on a bash -c "exec 3<>/dev/tcp/$VZ_ADDR_A/22 && head -c 7 <&3"
	[ "$output" = SSH-2.0 ]
	# A host's namespace has its uplink and loopback, nothing of the others'.
	run -0 vz_on a ip -o link show
	[ "$(cut -d: -f2 <<<"$output" | cut -d@ -f1 | xargs)" = "lo eth0" ]
}

@test "multihost: a CT's address on the LAN is reachable from the client" {
	vz_on a vzctl --quiet create 101 --ostemplate busybox
	vz_on a vzctl --quiet set 101 --ipadd 198.51.100.50 --save
	vz_as a vz_install_probe 101
	vz_on a vzctl --quiet start 101
	vz_on a vzctl exec 101 'setsid /bin/vzprobe tcp-echo 7000 </dev/null >/dev/null 2>&1 &'
	# Host a answers for the CT's address on the LAN.
	run -0 vz_on a ip neigh show proxy
	[[ "$output" == *"198.51.100.50 dev eth0"* ]]
	local out="$BATS_TEST_TMPDIR/tcp-client.out" pid
	# A client that comes before the server listens ends at once with
	# "error: connect: ..." (and the server counts no connection).
	for _ in $(seq 50); do
		vz_client_bg "$VZ_BUILD/vzprobe" tcp-client 198.51.100.50 7000 50 >"$out" 2>&1
		pid=$VZ_BG_PID
		sleep 0.2
		kill -0 "$pid" 2>/dev/null && break
		wait "$pid" || true
	done
	for _ in $(seq 100); do
		[ "$(grep -c '^conn 1: ' "$out")" -ge 3 ] && break
		sleep 0.05
	done
	kill "$pid"
	wait "$pid" || true
	cat "$out"
	[ "$(grep -c '^conn 1: ' "$out")" -ge 3 ]
	run ! grep -q '^error' "$out"
	# Host b has no route to the CT but over the LAN.
	run -0 vz_on b ip route get 198.51.100.50
	[[ "$output" == *"dev eth0"* ]]
}

@test "multihost: rsync over ssh copies a directory from host a to host b" {
	require_cmd rsync rsync
	local src="$VZ_TEST_DIR_A/src" dst="$VZ_TEST_DIR_B/dst"
	mkdir -p "$src/sub"
	echo one >"$src/sub/file"
	ln -s sub/file "$src/link"
	chmod 0640 "$src/sub/file"
	run -0 vz_on a rsync -a -e "ssh $VZ_SSH_OPTS" "$src/" "root@$VZ_ADDR_B:$dst/"
	[ "$(cat "$dst/sub/file")" = one ]
	[ "$(readlink "$dst/link")" = sub/file ]
	[ "$(stat -c %a "$dst/sub/file")" = 640 ]
}

@test "multihost: a host's vzd killed and started again keeps its CTs" {
	vz_on a vzctl --quiet create 101 --ostemplate busybox
	vz_on a vzctl --quiet start 101
	local old=$VZD_PID_A
	vz_host_kill_vzd a
	run vz_on a vzctl status 101
	[ "$status" -ne 0 ]
	vz_host_run_vzd a
	[ "$VZD_PID_A" != "$old" ]
	run -0 vz_on a vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
	# Killed again with the CT running: the teardown still stops it.
	vz_host_kill_vzd a TERM
}
