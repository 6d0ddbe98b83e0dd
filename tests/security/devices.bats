#!/usr/bin/env bats
# The device allow-list (STYLE rule 42): a CT opens the standard devices
# and those its DEVNODES/DEVICES grant, nothing else, even where a node
# of another device reaches its /dev; --devnodes and --devices change it
# live and saved. Both backends: the v1 devices controller here, a BPF
# device program in the cgroup2 leg.

load ../integration/helpers

setup() {
	vz_start_daemon
	vz_running_ct 101
	[ -c /dev/net/tun ] || skip "this host has no /dev/net/tun (tun module not loaded)"
	[ -c /dev/fuse ] || skip "this host has no /dev/fuse (fuse module not loaded)"
}

teardown() {
	vz_teardown_hard
}

# Open /dev/NAME read-write in the CT as root: prints "opened" or the shell's error.
ct_open() {
	vzctl exec 101 "exec 3<>/dev/$1 && echo opened" 2>&1
}

# Put a node into the running CT's /dev from the host, as a bug or a
# restored image could: the allow-list, not a missing node, must stop it.
host_puts_node() {
	nsenter -t "$(vz_init_pid 101)" -m -- sh -c "mkdir -p \"\$(dirname /dev/$1)\" && mknod -m 666 /dev/$1 c $2 $3"
}

@test "tun opens in a CT only after --devnodes net/tun:rw, live and saved; a node alone is not enough" {
	run vzctl exec 101 ls /dev/net/tun
	[[ "$output" == *"No such file"* ]]
	# A node from elsewhere: the allow-list refuses it.
	host_puts_node net/tun 10 200
	run ct_open net/tun
	[[ "$output" == *"Operation not permitted"* ]]
	nsenter -t "$(vz_init_pid 101)" -m -- rm /dev/net/tun
	cp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before"
	# Live, not saved: the node appears and opens at once.
	vzctl --quiet set 101 --devnodes net/tun:rw
	run -0 ct_open net/tun
	[ "$output" = opened ]
	run -0 vzctl exec 101 ls -l /dev/net/tun
	[[ "$output" == "crw-------"*" root "*"10, "*"200"* ]]
	cmp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before"
	# none takes it away again: node and permission.
	vzctl --quiet set 101 --devnodes net/tun:none
	run vzctl exec 101 ls /dev/net/tun
	[[ "$output" == *"No such file"* ]]
	# Saved, repeated options add up; a restart keeps both.
	vzctl --quiet set 101 --devnodes net/tun:rw --devnodes fuse:rw --save
	grep -qx 'DEVNODES="net/tun:rw fuse:rw"' "$VZ_ROOT/conf/101.conf"
	vzctl --quiet restart 101
	run -0 ct_open net/tun
	[ "$output" = opened ]
	run -0 ct_open fuse
	[ "$output" = opened ]
	# Read-only: a read-write open is refused, a read-only one works.
	vzctl --quiet set 101 --devnodes fuse:r --save
	grep -qx 'DEVNODES="net/tun:rw fuse:r"' "$VZ_ROOT/conf/101.conf"
	run ct_open fuse
	[[ "$output" == *"Operation not permitted"* ]]
	run -0 vzctl exec 101 'exec 3</dev/fuse && echo opened'
	[ "$output" = opened ]
}

@test "--devices allows a device by number without making its node; bad values change nothing" {
	host_puts_node fuse 10 229
	run ct_open fuse
	[[ "$output" == *"Operation not permitted"* ]]
	vzctl --quiet set 101 --devices c:10:229:rw --save
	grep -qx 'DEVICES="c:10:229:rw"' "$VZ_ROOT/conf/101.conf"
	run -0 ct_open fuse
	[ "$output" = opened ]
	run -0 vzctl exec 101 ls /dev
	[[ "$output" != *tun* ]]
	cp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before"
	run -21 vzctl set 101 --devices x:10:229:rw --save
	[[ "$output" == *"DEVICES: 'x:10:229:rw': expected b or c"* ]]
	run -21 vzctl set 101 --devices c:10:229:rwq --save
	[[ "$output" == *"'q' (OpenVZ's quota access) has no meaning here"* ]]
	run -21 vzctl set 101 --devnodes ../etc/shadow:rw --save
	[[ "$output" == *"is not a device name under /dev"* ]]
	run -21 vzctl set 101 --devnodes pts/0:rw --save
	[[ "$output" == *"'/dev/pts/0' is vz's own in every CT"* ]]
	run -86 vzctl set 101 --devnodes no-such-device:rw --save
	[[ "$output" == *"'/dev/no-such-device' on this host"* ]]
	[ "${#lines[@]}" -eq 1 ]
	cmp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before"
	# Nothing of it reached the running CT either.
	run -0 ct_open fuse
	[ "$output" = opened ]
	vzctl --quiet set 101 --devices c:10:229:none --save
	run ct_open fuse
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "a restored CT keeps its devnodes and its allow-list" {
	require_criu
	vzctl --quiet set 101 --devnodes net/tun:rw --save
	run -0 ct_open net/tun
	vzctl --quiet chkpnt 101
	vzctl --quiet restore 101
	run -0 ct_open net/tun
	[ "$output" = opened ]
	host_puts_node fuse 10 229
	run ct_open fuse
	[[ "$output" == *"Operation not permitted"* ]]
}
