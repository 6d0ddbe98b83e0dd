#!/usr/bin/env bats
# VPS networking: routed mode (OpenVZ's venet), addresses added and removed
# live, reachability between CTs and the test host, and nothing left behind.
# Each daemon runs in a network namespace of its own (helpers.bash).
# vz-test: cgroup-agnostic

load helpers

setup() {
	CLIENT=
	B_DIR=
	# A CT's link is a veth pair, and vzd's filters are nftables.
	require_veth
	require_nftables
	vz_start_daemon
}
teardown() {
	stop_client
	stop_host_b
	vz_stop_daemon
}

# A CT with the probe, addresses given as extra options to set.
net_ct() { vz_running_ct_set "$@"; }

@test "routed: the CT's venet0 carries exactly its addresses and a default route" {
	require_ipv6
	require_busybox_applets ip
	net_ct 101 --ipadd 198.51.100.2 --ipadd 2001:db8::2
	run -0 vzctl exec 101 ip -o addr show dev venet0
	[[ "$output" == *"inet 198.51.100.2/32"* ]]
	[[ "$output" == *"inet6 2001:db8::2/128"* ]]
	[ "$(grep -c 'inet ' <<<"$output")" = 1 ]
	run -0 vzctl exec 101 ip route
	[[ "$output" == *"default via 169.254.0.1 dev venet0"* ]]
	run -0 vzctl exec 101 ip -6 route
	[[ "$output" == *"default via fe80::1 dev venet0"* ]]
	run -0 vzlist -H -o ip 101
	[ "$output" = "198.51.100.2 2001:db8::2" ]
	# The host routes each address to the CT.
	run -0 vz_host ip route get 198.51.100.2
	[[ "$output" == *"dev vz"* ]]
	run -0 vz_host ip -6 route get 2001:db8::2
	[[ "$output" == *"dev vz"* ]]
}

@test "routed: two CTs reach each other and the host (ping and TCP)" {
	require_ipv6
	require_busybox_applets ping ping6 nc netstat
	net_ct 101 --ipadd 198.51.100.2 --ipadd 2001:db8::2
	net_ct 102 --ipadd 198.51.100.3 --ipadd 2001:db8::3
	vz_host ip addr add 198.51.100.1/32 dev lo
	run -0 vzctl exec 101 ping -c1 -W2 198.51.100.3
	run -0 vzctl exec 101 ping6 -c1 -W2 2001:db8::3
	run -0 vzctl exec 102 ping -c1 -W2 198.51.100.1
	run -0 vz_host busybox ping -c1 -W2 198.51.100.2
	# TCP: a listener in 102, a client in 101.
	# stdin stays open: busybox nc -l stops at its end of input.
	vzctl exec 102 'sleep 10 | setsid nc -l -p 7000 >/tmp/got 2>&1 &'
	for _ in $(seq 50); do vzctl exec 102 netstat -ltn | grep -q ':7000 ' && break; sleep 0.1; done
	run -0 vzctl exec 101 'echo hello | nc -w 1 198.51.100.3 7000'
	for _ in $(seq 30); do [ -s "$VZ_ROOT/private/102/tmp/got" ] && break; sleep 0.1; done
	run -0 vzctl exec 102 cat /tmp/got
	[ "$output" = hello ]
}

@test "routed: --ipdel makes an address unreachable at once; --ipadd adds one live" {
	require_ipv6
	require_busybox_applets ping ip
	net_ct 101 --ipadd 198.51.100.2
	run -0 vz_host busybox ping -c1 -W2 198.51.100.2
	run -0 vzctl set 101 --ipadd 198.51.100.9 --ipadd 2001:db8::9 --save
	run -0 vz_host busybox ping -c1 -W2 198.51.100.9
	run -0 vz_host busybox ping -c1 -W2 2001:db8::9
	run -0 vzctl set 101 --ipdel 198.51.100.2 --save
	run -1 vz_host busybox ping -c1 -W1 198.51.100.2
	run -0 vzctl exec 101 ip -o addr show dev venet0
	[[ "$output" != *"198.51.100.2/"* ]]
	grep -qx 'IP_ADDRESS="198.51.100.9 2001:db8::9"' "$VZ_ROOT/conf/101.conf"
	# Unsaved: live at once, gone at the next start; an --ipdel leaves it be.
	run -0 vzctl set 101 --ipadd 198.51.100.10
	run -0 vzctl set 101 --ipdel 2001:db8::9 --save
	run -0 vz_host busybox ping -c1 -W2 198.51.100.10
	run -0 vzlist -H -o ip 101
	[ "$output" = "198.51.100.9 198.51.100.10" ]
	# An --ipdel of an address the CT has only live takes it away live.
	run -0 vzctl set 101 --ipadd 198.51.100.11
	run -0 vz_host busybox ping -c1 -W2 198.51.100.11
	run -0 vzctl set 101 --ipdel 198.51.100.11 --save
	run -1 vz_host busybox ping -c1 -W1 198.51.100.11
	grep -qx 'IP_ADDRESS="198.51.100.9"' "$VZ_ROOT/conf/101.conf"
	vzctl --quiet restart 101
	run -1 vz_host busybox ping -c1 -W1 198.51.100.10
	run -0 vz_host busybox ping -c1 -W2 198.51.100.9
	run -0 vzctl set 101 --ipdel all --save
	run -1 vz_host busybox ping -c1 -W1 198.51.100.9
	grep -qx 'IP_ADDRESS=""' "$VZ_ROOT/conf/101.conf"
}

@test "routed: stop and destroy leave no interface or route on the host" {
	require_ipv6
	require_busybox_applets ping
	net_ct 101 --ipadd 198.51.100.2 --ipadd 2001:db8::2
	run -0 vz_host ip -o link
	[[ "$output" == *"vz"* ]]
	vzctl --quiet stop 101
	run -0 vz_host ip -o link
	[[ "$output" != *": vz"* ]]
	run -0 vz_host ip route
	[[ "$output" != *"198.51.100.2"* ]]
	run -0 vz_host ip -6 route
	[[ "$output" != *"2001:db8::2"* ]]
	vzctl --quiet start 101
	run -0 vz_host busybox ping -c1 -W2 198.51.100.2
	vzctl --quiet stop 101 --fast
	vzctl --quiet destroy 101
	run -0 vz_host ip -o link
	[[ "$output" != *": vz"* ]]
	[ ! -e "$VZ_RUNDIR/101.state" ]
}

@test "bad addresses are refused with a clear error and change nothing" {
	net_ct 101 --ipadd 198.51.100.2
	vzctl --quiet create 102 --ostemplate busybox
	before=$(md5sum <"$VZ_ROOT/conf/102.conf")
	run -21 vzctl set 102 --ipadd 198.51.100.300 --save
	[[ "$output" == *"invalid IP address '198.51.100.300'"* ]]
	run -21 vzctl set 102 --ipadd 198.51.100.2 --save
	[[ "$output" == *"198.51.100.2 is already used by CT 101"* ]]
	run -21 vzctl set 102 --ipdel 198.51.100.7 --save
	[[ "$output" == *"has no address '198.51.100.7'"* ]]
	[ "$(md5sum <"$VZ_ROOT/conf/102.conf")" = "$before" ]
}

# The host end of a CT's routed interface.
host_if() { vz_host ip -o link | sed -n "s/^[0-9]*: \(vz[0-9a-f]\{3\}$1\)@.*/\1/p"; }

# Send one UDP datagram from CT $1 with source $2 to $3 port $4.
udp_from() { vzctl exec "$1" /bin/vzprobe udp-send "$2" "$3" "$4" || true; }

@test "anti-spoofing: a source address the CT was not given is dropped, IPv4, IPv6 and ARP" {
	require_ipv6
	require_busybox_applets arping ip
	net_ct 101 --ipadd 198.51.100.2 --ipadd 2001:db8::2
	net_ct 102 --ipadd 198.51.100.3 --ipadd 2001:db8::3
	vzctl exec 102 'setsid /bin/vzprobe udp-recv 9000 20 >/tmp/udp4 2>&1 &'
	vzctl exec 102 'setsid /bin/vzprobe udp-recv 9006 20 >/tmp/udp6 2>&1 &'
	for _ in $(seq 50); do grep -q listening "$VZ_ROOT/private/102/tmp/udp6" 2>/dev/null && break; sleep 0.1; done
	# From its own addresses, datagrams arrive.
	udp_from 101 198.51.100.2 198.51.100.3 9000
	udp_from 101 2001:db8::2 2001:db8::3 9006
	for _ in $(seq 30); do grep -q got "$VZ_ROOT/private/102/tmp/udp6" && break; sleep 0.1; done
	[ "$(grep -c "got probe" "$VZ_ROOT/private/102/tmp/udp4")" = 1 ]
	[ "$(grep -c "got probe" "$VZ_ROOT/private/102/tmp/udp6")" = 1 ]
	# CT root has CAP_NET_ADMIN in its own namespace: it can add any address...
	vzctl exec 101 ip addr add 198.51.100.66/32 dev venet0
	vzctl exec 101 ip addr add 2001:db8::66/128 dev venet0
	for _ in $(seq 50); do
		vzctl exec 101 ip -6 addr show dev venet0 | grep -q tentative || break
		sleep 0.1
	done
	# ... but what it sends from them is dropped on the host.
	run -0 udp_from 101 198.51.100.66 198.51.100.3 9000
	[ "$output" = sent ]
	run -0 udp_from 101 2001:db8::66 2001:db8::3 9006
	[ "$output" = sent ]
	sleep 0.5
	[ "$(grep -c "got probe" "$VZ_ROOT/private/102/tmp/udp4")" = 1 ]
	[ "$(grep -c "got probe" "$VZ_ROOT/private/102/tmp/udp6")" = 1 ]
	# ARP that claims 102's address gets no answer and teaches the host nothing.
	run vzctl exec 101 arping -c 1 -w 1 -I venet0 -s 198.51.100.3 169.254.0.1
	[ "$status" -ne 0 ]
	run -0 vz_host ip neigh show dev "$(host_if 101)"
	[[ "$output" != *"198.51.100.3"* ]]
	run -0 vzctl exec 101 arping -c 1 -w 1 -I venet0 -s 198.51.100.2 169.254.0.1
	# The rules, one chain per CT, and gone with the CT.
	run -0 vz_host nft list ruleset
	[[ "$output" == *"chain ct101"* ]] && [[ "$output" == *"chain ct102"* ]]
	vzctl --quiet stop 101
	run -0 vz_host nft list ruleset
	[[ "$output" != *"chain ct101"* ]] && [[ "$output" == *"chain ct102"* ]]
	vzctl --quiet stop 102
	run -0 vz_host nft list ruleset
	[ -z "$output" ]
}

# A client on the "internet": a namespace of its own on a veth link to the
# test host's uplink up0, in the CT addresses' own subnets.
start_client() {
	unshare -n sleep 600 &
	CLIENT=$!
	sleep 0.1
	vz_host ip link add up0 type veth peer name cl0 netns "$CLIENT"
	vz_host ip addr add 198.51.100.1/24 dev up0
	vz_host ip addr add 2001:db8::1/64 dev up0 nodad
	vz_host ip link set up0 up
	vz_host sysctl -qw net.ipv6.conf.up0.proxy_ndp=1
	client ip link set lo up
	client ip addr add 198.51.100.200/24 dev cl0
	client ip addr add 2001:db8::200/64 dev cl0 nodad
	client ip link set cl0 up
}
client() { nsenter -t "$CLIENT" -n "$@"; }
stop_client() {
	[ -z "${CLIENT:-}" ] || kill "$CLIENT" 2>/dev/null || true
	CLIENT=
}

@test "NEIGHBOUR_DEVS: a client on the uplink's subnet reaches the CT through proxy ARP and NDP" {
	require_ipv6
	require_busybox_applets ping ping6
	vz_stop_daemon
	export VZ_TEST_CONF_EXTRA='NEIGHBOUR_DEVS="up0"'
	vz_start_daemon
	start_client
	net_ct 101 --ipadd 198.51.100.2 --ipadd 2001:db8::2
	run -0 vz_host ip neigh show proxy
	[[ "$output" == *"198.51.100.2 dev up0"* ]] && [[ "$output" == *"2001:db8::2 dev up0"* ]]
	run -0 client busybox ping -c1 -W2 198.51.100.2
	run -0 client busybox ping6 -c1 -W2 2001:db8::2
	# Traffic counters of the CT saw it.
	run -0 vzlist -H -o packets_in,packets_out 101
	read -r pin pout <<<"$output"
	[ "$pin" -ge 2 ] && [ "$pout" -ge 2 ]
	run -0 vzlist -j -o ctid,bytes_in,bytes_out 101
	[ "$(jq '.[0].bytes_in > 0' <<<"$output")" = true ]
	# --ipdel: the proxy goes at once; stop: every proxy goes.
	vzctl --quiet set 101 --ipdel 198.51.100.2
	run -0 vz_host ip neigh show proxy
	[[ "$output" != *"198.51.100.2 "* ]]
	run -1 client busybox ping -c1 -W1 198.51.100.2
	vzctl --quiet stop 101
	run -0 vz_host ip neigh show proxy
	[ -z "$output" ]
	run -0 vzlist -a -H -o bytes_in 101
	[ "$(xargs <<<"$output")" = - ]
	stop_client
}

@test "--hostname and addresses keep /etc/hosts right, live and at start, never through a symlink" {
	net_ct 101 --ipadd 198.51.100.2 --hostname web.example.com --nameserver 192.0.2.53
	run -0 vzctl exec 101 cat /etc/hosts
	[[ "$output" == *"127.0.0.1"*localhost* ]]
	[[ "$output" == *$'198.51.100.2\tweb.example.com web\t# added by vz'* ]]
	run -0 vzctl exec 101 cat /etc/resolv.conf
	[[ "$output" == *"nameserver 192.0.2.53"* ]]
	vzctl --quiet set 101 --hostname db.example.com --save
	run -0 vzctl exec 101 "grep -c 'added by vz' /etc/hosts"
	[ "$output" = 1 ]
	run -0 vzctl exec 101 "grep 'added by vz' /etc/hosts"
	[ "$output" = $'198.51.100.2\tdb.example.com db\t# added by vz' ]
	vzctl --quiet set 101 --ipdel all --save
	run -0 vzctl exec 101 "grep 'added by vz' /etc/hosts"
	[ "$output" = $'127.0.1.1\tdb.example.com db\t# added by vz' ]
	# CT root plants a symlink to a host file: vz replaces the link, the host file stays.
	echo "host secret" >"$BATS_TEST_TMPDIR/host-file"
	vzctl exec 101 "rm /etc/hosts && ln -s $BATS_TEST_TMPDIR/host-file /etc/hosts"
	vzctl --quiet set 101 --hostname x.example.com --save
	[ "$(cat "$BATS_TEST_TMPDIR/host-file")" = "host secret" ]
	[ ! -L "$VZ_ROOT/private/101/etc/hosts" ]
	run -0 vzctl exec 101 "grep 'added by vz' /etc/hosts"
	[ "$output" = $'127.0.1.1\tx.example.com x\t# added by vz' ]
}

@test "bridged: --netif_add puts a veth in a host bridge; two CTs on it reach each other" {
	require_bridge
	require_busybox_applets ping ip
	vz_host ip link add br0 type bridge
	vz_host ip link set br0 up
	for ct in 101 102; do
		vzctl --quiet create "$ct" --ostemplate busybox
		run -0 vzctl set "$ct" --netif_add eth0,,,,br0 --save
	done
	# Stable generated MACs and host names, kept in the config.
	run -0 grep '^NETIF=' "$VZ_ROOT/conf/101.conf"
	[[ "$output" =~ ^NETIF=\"ifname=eth0,mac=02(:[0-9a-f]{2}){5},host_ifname=vz[0-9a-f]{3}101\.0,host_mac=02(:[0-9a-f]{2}){5},bridge=br0\"$ ]]
	vzctl --quiet start 101
	vzctl --quiet start 102
	run -0 vz_host ip -o link show master br0
	[ "${#lines[@]}" = 2 ]
	vzctl exec 101 ip addr add 198.51.100.12/24 dev eth0
	vzctl exec 102 ip addr add 198.51.100.13/24 dev eth0
	run -0 vzctl exec 101 ping -c1 -W2 198.51.100.13
	mac=$(sed -n 's/.*ifname=eth0,mac=\([^,]*\),.*/\1/p' "$VZ_ROOT/conf/101.conf")
	run -0 vzctl exec 101 cat /sys/class/net/eth0/address
	[ "$output" = "$mac" ]
	# Live: a second interface, then it goes again.
	run -0 vzctl set 101 --netif_add eth1,,,,br0 --save
	run -0 vzctl exec 101 ip link show eth1
	run -0 vzctl set 101 --netif_del eth1 --save
	run ! vzctl exec 101 ip link show eth1
	vzctl --quiet stop 101
	vzctl --quiet stop 102
	run -0 vz_host ip -o link show master br0
	[ -z "$output" ]
}

@test "bridged: a missing bridge, a long name or a bad MAC is refused and changes nothing" {
	require_bridge
	vzctl --quiet create 101 --ostemplate busybox
	before=$(md5sum <"$VZ_ROOT/conf/101.conf")
	run -21 vzctl set 101 --netif_add eth0,,,,nosuchbr --save
	[[ "$output" == *"bridge nosuchbr does not exist"* ]]
	run -21 vzctl set 101 --netif_add eth0123456789abcdef --save
	[[ "$output" == *"must have 1 to 15 bytes"* ]]
	run -21 vzctl set 101 --netif_add eth0,zz:zz --save
	[[ "$output" == *"invalid MAC address 'zz:zz'"* ]]
	run -20 vzctl set 101 --mac 02:00:00:00:00:01 --save
	[[ "$output" == *"--mac needs --ifname"* ]]
	[ "$(md5sum <"$VZ_ROOT/conf/101.conf")" = "$before" ]
	vz_host ip link add br1 type bridge
	run -0 vzctl set 101 --netif_add eth0 --save
	run -0 vzctl set 101 --ifname eth0 --bridge br1 --mac 02:00:00:00:00:42 --save
	grep -q 'mac=02:00:00:00:00:42' "$VZ_ROOT/conf/101.conf"
	grep -q 'bridge=br1' "$VZ_ROOT/conf/101.conf"
}

@test "a failed start, and a daemon restart, leave no interface, route, proxy or rule behind" {
	vz_stop_daemon
	export VZ_TEST_CONF_EXTRA='NEIGHBOUR_DEVS="lo"'
	vz_start_daemon
	# Someone else on the host already routes the address: the start fails cleanly.
	vz_host ip route add 198.51.100.77/32 dev lo
	vzctl --quiet create 101 --ostemplate busybox
	vzctl --quiet set 101 --ipadd 198.51.100.2 --ipadd 198.51.100.77 --save
	run vzctl start 101
	[ "$status" -ne 0 ]
	[[ "$output" == *"198.51.100.77 is already in use on this host"* ]]
	run -0 vz_host ip -o link
	[[ "$output" != *": vz"* ]]
	run -0 vz_host ip neigh show proxy
	[ -z "$output" ]
	run -0 vz_host nft list ruleset
	[ -z "$output" ]
	[ ! -e "$VZ_RUNDIR/101.state" ]
	run -0 vz_host ip route
	[[ "$output" != *"198.51.100.2"* ]]
	# A CT that dies while vzd is down is cleaned up when vzd comes back.
	vzctl --quiet set 101 --ipdel 198.51.100.77 --save
	vzctl --quiet start 101
	run -0 vz_host ip neigh show proxy
	[[ "$output" == *"198.51.100.2 dev lo"* ]]
	run -0 vz_host nft list ruleset
	[[ "$output" == *"chain ct101"* ]]
	kill "$VZD_PID"
	wait "$VZD_PID" 2>/dev/null || true
	kill -9 "$(vz_init_pid 101)"
	vz_run_daemon
	for _ in $(seq 50); do [ -e "$VZ_RUNDIR/101.state" ] || break; sleep 0.1; done
	[ ! -e "$VZ_RUNDIR/101.state" ]
	run -0 vz_host ip neigh show proxy
	[ -z "$output" ]
	run -0 vz_host nft list ruleset
	[ -z "$output" ]
}

@test "the CT end is made on the host and moved in: no temporary link stays, the CT sees no alias" {
	net_ct 101 --ipadd 198.51.100.2 --netif_add eth0
	run -0 vz_host ip -o link
	[[ "$output" != *": vzt"* ]]
	# Both host ends carry our alias; the CT ends lost theirs when they moved in.
	[ "$(grep -c "alias vz [0-9a-f]\{16\} ct 101" <<<"$output")" = 2 ]
	for dev in venet0 eth0; do
		run -0 vzctl exec 101 cat "/sys/class/net/$dev/ifalias"
		[ -z "$output" ]
	done
	# An interface whose name the CT has taken cannot move in: nothing of it stays.
	vzctl exec 101 'ip link set venet0 down && ip link set venet0 name eth1'
	run -3 vzctl set 101 --netif_add eth1
	[[ "$output" == *"into the CT as eth1: File exists"* ]]
	run -0 vz_host ip -o link
	[[ "$output" != *": vzt"* ]]
	[ "$(grep -c "alias vz [0-9a-f]\{16\} ct 101" <<<"$output")" = 2 ]
	run -0 vzctl exec 101 ip -o link
	[[ "$output" != *"vzt"* ]]
	grep -q '^NETIF="ifname=eth0,[^;]*"$' "$VZ_RUNDIR/101.state"
	vzctl --quiet stop 101
	run -0 vz_host ip -o link
	[[ "$output" != *": vz"* ]]
}

# A second host: a namespace of its own with its own vzd, linked to the
# test host by a veth pair (upA on host A, upB on host B) as two machines
# on one network would be.
start_host_b() {
	local n=${BATS_SUITE_TEST_NUMBER:-0}
	B_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vz-test-b.XXXXXX")
	B_PREFIX="vz-test-$$-$n-b"
	mkdir -p "$B_DIR/root/template"
	cp -a "$(vz_template_cache)" "$B_DIR/root/template/cache"
	cat >"$B_DIR/vz.conf" <<-CONF
		CGROUP_PREFIX="$B_PREFIX"
		UID_RANGE_START="$((3000000000 + (n % 1000) * 1048576))"
		VE_STOP_TIMEOUT="10"
	CONF
	if [ "${1:-}" = same ]; then
		# Side by side on one host: B lives in A's namespace.
		B_NETNS=$VZ_NETNS_PID
		B_OWN_NETNS=0
	else
		unshare -n sh -c 'ip link set lo up && sysctl -qw net.ipv4.ip_forward=1 &&
			exec sleep 100000' &
		B_NETNS=$!
		B_OWN_NETNS=1
		sleep 0.1
	fi
	nsenter -t "$B_NETNS" -n "$VZ_BUILD/vzd" --root "$B_DIR/root" --rundir "$B_DIR/run" \
		--socket "$B_DIR/vzd.sock" --config "$B_DIR/vz.conf" >>"$B_DIR/vzd.log" 2>&1 &
	B_VZD=$!
	for _ in $(seq 200); do
		[ -S "$B_DIR/vzd.sock" ] && vzctl_b status 1 >/dev/null 2>&1 && break
		sleep 0.02
	done
	[ "$B_OWN_NETNS" = 1 ] || return 0
	vz_host ip link add upA type veth peer name upB netns "$B_NETNS"
	vz_host ip addr add 192.0.2.1/24 dev upA
	vz_host ip link set upA up
	host_b ip addr add 192.0.2.2/24 dev upB
	host_b ip link set upB up
	vz_host ip route add 198.51.100.128/25 via 192.0.2.2
	host_b ip route add 198.51.100.0/25 via 192.0.2.1
}
vzctl_b() { vzctl --socket "$B_DIR/vzd.sock" "$@"; }
host_b() { nsenter -t "$B_NETNS" -n "$@"; }
stop_host_b() {
	[ -n "${B_DIR:-}" ] || return 0
	for ct in $(vzlist --socket "$B_DIR/vzd.sock" -a -H -o ctid 2>/dev/null); do
		vzctl_b --quiet stop "$ct" --fast >/dev/null 2>&1 || true
	done
	kill "$B_VZD" 2>/dev/null || true
	wait "$B_VZD" 2>/dev/null || true
	if [ "$B_OWN_NETNS" = 1 ]; then
		kill "$B_NETNS" 2>/dev/null || true
		wait "$B_NETNS" 2>/dev/null || true
	fi
	vz_remove_daemon_files "$B_DIR" "$B_PREFIX"
	B_DIR=
}

@test "two hosts: a CT on host B reaches a CT on host A through their link" {
	require_busybox_applets ping nc netstat
	start_host_b
	net_ct 101 --ipadd 198.51.100.2
	vzctl_b --quiet create 201 --ostemplate busybox
	vzctl_b --quiet set 201 --ipadd 198.51.100.130 --save
	vzctl_b --quiet start 201
	run -0 vzctl_b exec 201 ping -c1 -W2 198.51.100.2
	run -0 vzctl exec 101 ping -c1 -W2 198.51.100.130
	vzctl exec 101 'sleep 10 | setsid nc -l -p 7000 >/tmp/got 2>&1 &'
	for _ in $(seq 50); do vzctl exec 101 netstat -ltn | grep -q ':7000 ' && break; sleep 0.1; done
	run -0 vzctl_b exec 201 'echo across | nc -w 1 198.51.100.2 7000'
	for _ in $(seq 30); do [ -s "$VZ_ROOT/private/101/tmp/got" ] && break; sleep 0.1; done
	[ "$(cat "$VZ_ROOT/private/101/tmp/got")" = across ]
	# The two daemons' host ends and filters are their own.
	run -0 vz_host nft list tables
	[ "${#lines[@]}" = 1 ]
	run -0 host_b nft list tables
	[ "${#lines[@]}" = 1 ]
	[ "$(vz_host nft list tables)" != "$(host_b nft list tables)" ]
	stop_host_b
}

@test "bridged: --ipfilter lets a CT send only from its addresses and its MAC" {
	require_bridge
	require_busybox_applets ping ip
	vz_host ip link add br0 type bridge
	vz_host ip link set br0 up
	for ct in 101 102; do
		vzctl --quiet create "$ct" --ostemplate busybox
		vz_install_probe "$ct"
		vzctl --quiet set "$ct" --netif_add eth0,,,,br0 --save
	done
	run -0 vzctl set 101 --ifname eth0 --ipfilter 198.51.100.12,2001:db8::12 --save
	grep -q 'allow=198.51.100.12|2001:db8::12' "$VZ_ROOT/conf/101.conf"
	vzctl --quiet start 101
	vzctl --quiet start 102
	vzctl exec 101 ip addr add 198.51.100.12/24 dev eth0
	vzctl exec 101 ip addr add 198.51.100.66/24 dev eth0
	vzctl exec 102 ip addr add 198.51.100.13/24 dev eth0
	vzctl exec 102 'setsid /bin/vzprobe udp-recv 9000 20 >/tmp/udp4 2>&1 &'
	for _ in $(seq 50); do grep -q listening "$VZ_ROOT/private/102/tmp/udp4" 2>/dev/null && break; sleep 0.1; done
	run -0 vzctl exec 101 ping -c1 -W2 198.51.100.13
	vzctl exec 101 /bin/vzprobe udp-send 198.51.100.12 198.51.100.13 9000
	for _ in $(seq 20); do grep -q got "$VZ_ROOT/private/102/tmp/udp4" && break; sleep 0.1; done
	[ "$(grep -c "got probe" "$VZ_ROOT/private/102/tmp/udp4")" = 1 ]
	vzctl exec 101 /bin/vzprobe udp-send 198.51.100.66 198.51.100.13 9000
	# A MAC of its own choosing is dropped too, whatever the address.
	vzctl exec 101 ip link set eth0 address 02:00:00:00:66:66
	vzctl exec 101 /bin/vzprobe udp-send 198.51.100.12 198.51.100.13 9000
	sleep 0.5
	[ "$(grep -c "got probe" "$VZ_ROOT/private/102/tmp/udp4")" = 1 ]
	run -0 vz_host nft list ruleset
	[[ "$output" == *'chain ct101.eth0'* ]]
	# 102 has no allowed addresses: its chain only keeps it from acting as a router.
	run -0 vz_host sh -c "nft list ruleset | sed -n '/chain ct102.eth0/,/^\t}/p'"
	[[ "$output" == *'nd-router-advert'* ]] && [[ "$output" != *saddr* ]]
	vzctl --quiet stop 101
	vzctl --quiet stop 102
	run -0 vz_host nft list ruleset
	[ -z "$output" ]
}

@test "two daemons side by side on one host never touch each other's links or rules" {
	require_busybox_applets ping
	start_host_b same
	net_ct 101 --ipadd 198.51.100.2
	vzctl_b --quiet create 101 --ostemplate busybox
	vzctl_b --quiet set 101 --ipadd 198.51.100.3 --save
	vzctl_b --quiet start 101
	run -0 vz_host ip -o link
	[ "$(grep -c ': vz[0-9a-f]\{3\}101@' <<<"$output")" = 2 ]
	run -0 vz_host nft list tables
	[ "${#lines[@]}" = 2 ]
	run -0 vzctl exec 101 ping -c1 -W2 198.51.100.3
	# The same address for B's CT: refused at start, A's CT keeps it.
	vzctl_b --quiet stop 101
	vzctl_b --quiet set 101 --ipdel all --ipadd 198.51.100.2 --save
	run vzctl_b start 101
	[ "$status" -ne 0 ]
	run -0 vz_host busybox ping -c1 -W2 198.51.100.2
	vzctl_b --quiet set 101 --ipdel all --ipadd 198.51.100.3 --save
	vzctl_b --quiet start 101
	# Stopping A's CT leaves B's link, route and rules alone.
	vzctl --quiet stop 101
	run -0 vz_host ip -o link
	[ "$(grep -c ': vz[0-9a-f]\{3\}101@' <<<"$output")" = 1 ]
	run -0 vz_host busybox ping -c1 -W2 198.51.100.3
	run -0 vz_host nft list tables
	[ "${#lines[@]}" = 1 ]
	stop_host_b
	run -0 vz_host ip -o link
	[[ "$output" != *": vz"* ]]
}

@test "a host that does not forward gets a warning, not a silent unreachable CT" {
	require_ipv6
	vz_host sysctl -qw net.ipv4.ip_forward=0
	vzctl --quiet create 101 --ostemplate busybox
	vzctl --quiet set 101 --ipadd 198.51.100.2 --ipadd 2001:db8::2 --save
	run -0 vzctl start 101
	[[ "$output" == *"net.ipv4.ip_forward is 0: the CT's IPv4 addresses are not reachable"* ]]
	[[ "$output" != *"net.ipv6.conf.all.forwarding is 0"* ]]
}

@test "addresses a CT cannot have, and host names a CT cannot take, are refused" {
	require_bridge
	require_busybox_applets ping ip
	net_ct 101 --ipadd 198.51.100.2
	for a in 0.0.0.0 127.0.0.1 224.0.0.1 255.255.255.255 169.254.0.1 ::1 ff02::1 fe80::5; do
		run -21 vzctl set 101 --ipadd "$a"
		[[ "$output" == *"invalid CT address"* ]]
	done
	# An address the host itself has: the local table would win over our route.
	vz_host ip addr add 192.0.2.1/32 dev lo
	run -21 vzctl set 101 --ipadd 192.0.2.1
	[[ "$output" == *"192.0.2.1 belongs to host interface lo"* ]]
	# The CT's addresses are intact and further changes work.
	run -0 vzctl set 101 --ipadd 198.51.100.9
	run -0 vzctl exec 101 ip -o addr show dev venet0
	[[ "$output" != *"192.0.2.1"* ]] && [[ "$output" == *"198.51.100.9/32"* ]]
	# Bridged host ends: never vz's own names, never a link the host has.
	vz_host ip link add br0 type bridge
	routed=$(host_if 101)
	run -21 vzctl set 101 --netif_add "eth2,,$routed,,br0"
	[[ "$output" == *"are vz's own"* ]]
	run -21 vzctl set 101 --netif_add eth2,,lo,,br0
	[[ "$output" == *"the host already has an interface lo"* ]]
	run -0 vz_host busybox ping -c1 -W2 198.51.100.2
	# Two stopped CTs may not claim one host end: the second start would take the first's.
	vzctl --quiet set 101 --netif_add eth3,,web0,,br0 --save
	vzctl --quiet stop 101
	vzctl --quiet create 102 --ostemplate busybox
	run -21 vzctl set 102 --netif_add eth0,,web0,,br0 --save
	[ "${#lines[@]}" = 1 ]
	[[ "$output" == *"NETIF: host interface web0 is CT 101's already"* ]]
	run ! grep -q web0 "$VZ_ROOT/conf/102.conf"
	run -0 vzctl set 102 --netif_add eth0,,web1,,br0 --save
}

@test "live interface changes act on what the CT has now, saved or not" {
	require_bridge
	require_busybox_applets ip
	vz_host ip link add br0 type bridge
	net_ct 101 --hostname ct.example.com
	run -0 vzctl set 101 --netif_add eth0,,,,br0
	run -0 vzctl set 101 --netif_add eth1,,,,br0
	run -0 vzctl exec 101 ip link show eth0
	run -0 vzctl exec 101 ip link show eth1
	run -21 vzctl set 101 --netif_add eth0,,,,br0
	[[ "$output" == *"the CT has eth0 already"* ]]
	run -0 vz_host ip -o link show master br0
	[ "${#lines[@]}" = 2 ]
	# Nothing was saved: the next start has none of them.
	vzctl --quiet restart 101
	run ! vzctl exec 101 ip link show eth0
}
