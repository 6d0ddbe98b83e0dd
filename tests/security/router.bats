#!/usr/bin/env bats
# Router-like traffic from a CT (STYLE rule 42): CT root sends what only a
# router should, and the host must not change. IPv6 router advertisements
# and redirects, IPv4 redirects and router advertisements, and DHCP
# server replies are dropped at the CT's host interface, routed or bridged,
# and vz's host ends accept no router advertisement or redirect. Each
# daemon runs in a network namespace of its own (helpers.bash), which is
# "the host" here.
# vz-test: cgroup-agnostic

load ../integration/helpers

setup() {
	require_veth
	require_nftables
	require_ipv6
	vz_start_daemon
	# A host that routes and takes its own uplink by SLAAC: new interfaces
	# take router advertisements although it forwards (accept_ra=2).
	vz_host sh -c 'echo 2 >/proc/sys/net/ipv6/conf/default/accept_ra'
}
teardown() {
	vz_host ip link del br0 2>/dev/null || true
	vz_stop_daemon
}


# The host's IPv6 routes, addresses and neighbours, as a user would look at them.
host_v6() {
	vz_host ip -6 route show table all
	vz_host ip -6 addr show
	vz_host ip -6 neigh show
}

# Send a rogue RA from CT $1 on its interface $2; the host must be as it was.
ra_changes_nothing() {
	local before after
	before=$(host_v6 | grep -v 'fe80::' | sort)
	# The CT has a link-local address to send it from, past duplicate detection.
	for _ in $(seq 50); do
		vzctl exec "$1" "ip -6 addr show dev $2 scope link" 2>/dev/null |
			grep fe80 | grep -qv tentative && break
		sleep 0.1
	done
	run -0 vzctl exec "$1" vzprobe send-ra "$2"
	[ "$output" = sent ]
	sleep 1
	after=$(host_v6 | grep -v 'fe80::' | sort)
	if [ "$before" != "$after" ] || host_v6 | grep -q '2001:db8:4242'; then
		diff <(echo "$before") <(echo "$after") >&2 || true
		echo "the host took the CT's router advertisement" >&2
		return 1
	fi
	run -0 vz_host ip -6 route show default
	[ -z "$output" ]
}

@test "routed: a router advertisement from CT root changes no route, address or neighbour of the host" {
	require_busybox_applets ip
	local hif
	vz_running_ct_set 101 --ipadd 198.51.100.2 --ipadd 2001:db8::2
	hif=$(vz_host ip -o link | sed -n 's/^[0-9]*: \(vz[0-9a-f]\{3\}101\)@.*/\1/p')
	[ -n "$hif" ]
	ra_changes_nothing 101 venet0
	# The host end takes no advertisement or redirect, whatever the host's default says.
	[ "$(vz_host cat "/proc/sys/net/ipv6/conf/$hif/accept_ra")" = 0 ]
	[ "$(vz_host cat "/proc/sys/net/ipv6/conf/$hif/accept_redirects")" = 0 ]
	[ "$(vz_host cat "/proc/sys/net/ipv4/conf/$hif/accept_redirects")" = 0 ]
	# And with the host end made willing again, the filter alone keeps it out.
	vz_host sh -c "echo 2 >/proc/sys/net/ipv6/conf/$hif/accept_ra"
	ra_changes_nothing 101 venet0
}

@test "bridged: a router advertisement from CT root reaches neither the host's bridge nor its routes" {
	require_bridge
	require_busybox_applets ip
	vz_host ip link add br0 type bridge
	vz_host ip link set br0 up
	# The bridge is the host's own interface: it takes router advertisements, as a host's LAN would.
	[ "$(vz_host cat /proc/sys/net/ipv6/conf/br0/accept_ra)" = 2 ]
	# Without allow= the CT may use any address there, but not act as a router.
	vz_running_ct_set 101 --netif_add eth0,,,,br0
	ra_changes_nothing 101 eth0
}
