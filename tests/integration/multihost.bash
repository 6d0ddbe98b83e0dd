# Test hosts on one LAN, for tests of what crosses machines (migration):
# sourced by bats files after `load helpers`.
#
#   LAN          a network namespace with the bridge br0, and nothing else
#   client       a namespace on the LAN: eth0 198.51.100.250/24
#   host NAME N  a namespace on the LAN: eth0 198.51.100.N/24, forwarding
#                on, its own vzd (root, run dir, socket, cgroup prefix, uid
#                range; NEIGHBOUR_DEVS="eth0", so its CTs' addresses in
#                198.51.100.0/24 are answered for on the LAN) and its own
#                sshd on 198.51.100.N:22, where root logs in with the
#                test's client key to a shell whose vzctl is the build's
#                and talks to that host's vzd (HOME is not root's: no
#                ~/.bashrc of the machine's gets in the way)
#
# Every namespace is held by a process of the test (no named netns), all of
# a test's files live in one directory, and vz_multihost_stop ends every
# process left in the test's namespaces, so nothing outlives the test.
#
# With IPv6 the LAN also has 2001:db8::N/64 (client 2001:db8::250).
#
# Exported: VZ_SSH_OPTS (ssh options with the client key VZ_SSH_KEY, as a
# migration would get them in --ssh-opts), VZ_MH_DIR (the test's dir),
# VZ_NETNS_LAN and VZ_NETNS_CLIENT (for nsenter --net=; VZ_LAN_PID and
# VZ_CLIENT_PID hold them), VZ_ADDR_CLIENT, and per host the variables
# vz_host_start lists. Run things with vz_on, vz_ssh, vz_client, vz_as
# and, in the background, vz_on_bg and vz_client_bg.
#
#   setup() { vz_host_start a 1; vz_host_start b 2; }
#   teardown() { vz_multihost_stop; }
#   @test "..." {
#   	vz_on b vzctl create 101 --ostemplate busybox
#   	run -0 vz_on a ssh $VZ_SSH_OPTS root@$VZ_ADDR_B vzctl status 101
#   	run -0 vz_ssh a b vzctl status 101          # the same
#   	vz_as b vz_install_probe 101                # helpers.bash, host b's root
#   	vz_client_bg ping 198.51.100.1 >"$out"; kill "$VZ_BG_PID"
#   }
#
# Call vz_host_start in the test's shell (setup or the test), not under
# `run`: what it starts is recorded in variables for vz_multihost_stop.
# shellcheck shell=bash

VZ_MH_DIR=
VZ_MH_HOSTS=
VZ_LAN_PID=
VZ_CLIENT_PID=

# The test's directory, with the client key pair every host authorizes.
vz_mh_dir() {
	[ -z "$VZ_MH_DIR" ] || return 0
	VZ_MH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vz-mh.XXXXXX")
	export VZ_MH_DIR
	export VZ_SSH_KEY="$VZ_MH_DIR/client_key"
	ssh-keygen -q -t ed25519 -N '' -C vz-test-client -f "$VZ_SSH_KEY" || return 1
	cp "$VZ_SSH_KEY.pub" "$VZ_MH_DIR/authorized_keys" || return 1
	# What a migration hands to ssh. -F: no ssh_config of the machine's or
	# root's; IdentitiesOnly: no agent's keys tried first.
	export VZ_SSH_OPTS="-F /dev/null -i $VZ_SSH_KEY -o IdentitiesOnly=yes \
-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
-o ConnectTimeout=5 -o LogLevel=ERROR"
}

# vz_mh_netns VAR SETUP: a namespace held by a process of ours (its pid in
# VAR), with loopback up and the shell commands SETUP run in it first.
vz_mh_netns() {
	local var=$1 setup=$2 ready pid log="$VZ_MH_DIR/netns.log"
	ready=$(mktemp -u "$VZ_MH_DIR/netns.XXXXXX")
	# 3>&-: bats waits for whatever holds its fd 3 (and `run` for stdout).
	unshare -n sh -c "ip link set lo up && $setup && : >'$ready' && exec sleep 100000" \
		>>"$log" 2>&1 3>&- &
	pid=$!
	printf -v "$var" %s "$pid"
	export "${var?}"
	for _ in $(seq 500); do
		if [ -e "$ready" ]; then
			rm -f "$ready"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.005
	done
	echo "network namespace for $var: setup '$setup' failed:" >&2
	cat "$log" >&2
	return 1
}

# The LAN and the client on it (vz_host_start makes them when missing).
vz_lan_start() {
	local v6=0
	require_veth
	require_bridge
	[ -z "$VZ_LAN_PID" ] || return 0
	vz_mh_dir || return 1
	[ ! -d /proc/sys/net/ipv6 ] || v6=1
	vz_mh_netns VZ_LAN_PID 'ip link add br0 type bridge && ip link set br0 up' || return 1
	export VZ_NETNS_LAN=/proc/$VZ_LAN_PID/ns/net
	vz_mh_netns VZ_CLIENT_PID : || return 1
	export VZ_NETNS_CLIENT=/proc/$VZ_CLIENT_PID/ns/net
	export VZ_ADDR_CLIENT=198.51.100.250
	nsenter --net="$VZ_NETNS_LAN" ip -batch - <<-EOF || return 1
		link add lan-client type veth peer name eth0 netns $VZ_CLIENT_PID
		link set lan-client master br0 up
	EOF
	vz_client ip -batch - <<-EOF || return 1
		addr add $VZ_ADDR_CLIENT/24 dev eth0
		$([ "$v6" = 0 ] || echo "addr add 2001:db8::250/64 dev eth0 nodad")
		link set eth0 up
	EOF
}

# vz_mh_var NAME KEY: the value of VZ_KEY_NAME (KEY VZ_SOCKET: $VZ_SOCKET_A).
vz_mh_var() {
	local v="${2}_${1^^}"
	printf '%s' "${!v:-}"
}

# The KEY_NAME values of all hosts.
vz_mh_hosts_var() {
	local name
	for name in $VZ_MH_HOSTS; do
		printf '%s ' "$(vz_mh_var "$name" "$1")"
	done
}

# vz_mh_set NAME KEY VALUE: export KEY_NAME=VALUE.
vz_mh_set() {
	local v="${2}_${1^^}"
	printf -v "$v" %s "$3"
	export "${v?}"
}

# vz_host_start NAME N: host NAME (a lower-case word) at 198.51.100.N
# (N 1..8: each host of a test has a uid range of its own, room for 4 CTs).
# Exports, NAME upper-cased (a: _A):
#   VZ_ADDR_A       198.51.100.N (VZ_ADDR6_A 2001:db8::N with IPv6)
#   VZ_NETNS_A      its network namespace, for nsenter --net=
#   VZ_NETNS_PID_A  the process holding it, for nsenter -t PID -n
#   VZ_TEST_DIR_A VZ_ROOT_A VZ_RUNDIR_A VZ_SOCKET_A VZ_CGROUP_PREFIX_A
#   VZ_UID_START_A  its vzd's dirs, socket, cgroup prefix and uid range
#   VZD_PID_A VZ_SSHD_PID_A  its vzd and sshd
vz_host_start() {
	local name=$1 idx=$2 n=${BATS_SUITE_TEST_NUMBER:-0} dir holder v6=0
	[[ "$name" =~ ^[a-z][a-z0-9]{0,7}$ ]] || {
		echo "vz_host_start: bad host name '$name'" >&2
		return 1
	}
	[[ "$idx" =~ ^[1-8]$ ]] || {
		echo "vz_host_start: host index '$idx' is not 1..8" >&2
		return 1
	}
	require_sshd
	require_cmd ssh-keygen openssh-client
	if [[ " $VZ_MH_HOSTS " == *" $name "* ]] ||
		[[ " $(vz_mh_hosts_var VZ_ADDR) " == *" 198.51.100.$idx "* ]]; then
		echo "vz_host_start: host $name or index $idx is taken" >&2
		return 1
	fi
	vz_lan_start || return 1
	[ ! -d /proc/sys/net/ipv6 ] || v6=1
	# Known before anything runs, so vz_multihost_stop finds a partial host.
	VZ_MH_HOSTS="$VZ_MH_HOSTS $name"
	dir="$VZ_MH_DIR/$name"
	mkdir "$dir" || return 1
	vz_mh_set "$name" VZ_TEST_DIR "$dir"
	vz_mh_set "$name" VZ_ROOT "$dir/root"
	vz_mh_set "$name" VZ_RUNDIR "$dir/run"
	vz_mh_set "$name" VZ_SOCKET "$dir/vzd.sock"
	vz_mh_set "$name" VZ_CGROUP_PREFIX "vz-test-$$-$n-$name"
	# Apart from vz_start_daemon's (1.5e9 + ...) and net.bats' (3e9 + ...).
	vz_mh_set "$name" VZ_UID_START $((2560000000 + (n % 200) * 2097152 + (idx - 1) * 262144))
	vz_mh_set "$name" VZ_ADDR "198.51.100.$idx"
	[ "$v6" = 0 ] || vz_mh_set "$name" VZ_ADDR6 "2001:db8::$idx"

	vz_mh_netns "VZ_NETNS_PID_${name^^}" "sysctl -qw net.ipv4.ip_forward=1 &&
		{ [ $v6 = 0 ] || sysctl -qw net.ipv6.conf.all.forwarding=1; }" || return 1
	holder=$(vz_mh_var "$name" VZ_NETNS_PID)
	vz_mh_set "$name" VZ_NETNS "/proc/$holder/ns/net"
	nsenter --net="$VZ_NETNS_LAN" ip -batch - <<-EOF || return 1
		link add lan-$name type veth peer name eth0 netns $holder
		link set lan-$name master br0 up
	EOF
	vz_on "$name" ip -batch - <<-EOF || return 1
		addr add 198.51.100.$idx/24 dev eth0
		$([ "$v6" = 0 ] || echo "addr add 2001:db8::$idx/64 dev eth0 nodad")
		link set eth0 up
	EOF
	[ "$v6" = 0 ] || vz_on "$name" sysctl -qw net.ipv6.conf.eth0.proxy_ndp=1 || return 1

	vz_make_daemon_dir "$dir" "$(vz_mh_var "$name" VZ_CGROUP_PREFIX)" \
		"$(vz_mh_var "$name" VZ_UID_START)" 'NEIGHBOUR_DEVS="eth0"' || return 1
	vz_host_sshd_start "$name" || return 1
	vz_host_run_vzd "$name"
}

# The host's sshd, in its namespace, on port 22 of its LAN address.
vz_host_sshd_start() {
	local name=$1 dir pid
	dir="$(vz_mh_var "$name" VZ_TEST_DIR)/sshd"
	mkdir "$dir" || return 1
	ssh-keygen -q -t ed25519 -N '' -C "vz-test-host-$name" -f "$dir/host_key" || return 1
	# SetEnv HOME: Debian's bash reads ~/.bashrc for a command run by sshd,
	# and root's own (slow, noisy, changing PATH) must not matter; sshd
	# still starts the command in root's home directory.
	cat >"$dir/sshd_config" <<-EOF
		ListenAddress $(vz_mh_var "$name" VZ_ADDR):22
		HostKey $dir/host_key
		PidFile $dir/sshd.pid
		PermitRootLogin prohibit-password
		AuthorizedKeysFile $VZ_MH_DIR/authorized_keys
		StrictModes no
		UsePAM no
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UseDNS no
		PrintMotd no
		PrintLastLog no
		LogLevel VERBOSE
		Subsystem sftp internal-sftp
		SetEnv VZ_SOCKET=$(vz_mh_var "$name" VZ_SOCKET) PATH=$VZ_BUILD:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=$dir
	EOF
	# The privilege separation directory sshd insists on (Debian's
	# packaging makes it at boot; creating it is harmless, it stays).
	[ -d /run/sshd ] || mkdir -m 0755 /run/sshd || return 1
	# Not through vz_on: $! must be sshd itself (nsenter execs it).
	nsenter --net="$(vz_mh_var "$name" VZ_NETNS)" \
		/usr/sbin/sshd -D -f "$dir/sshd_config" -E "$dir/sshd.log" >"$dir/sshd.out" 2>&1 3>&- &
	pid=$!
	vz_mh_set "$name" VZ_SSHD_PID "$pid"
	# sshd writes its pid file once it listens.
	for _ in $(seq 500); do
		[ -s "$dir/sshd.pid" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.005
	done
	echo "sshd of host $name did not come up:" >&2
	cat "$dir/sshd.out" "$dir/sshd.log" >&2 2>/dev/null
	return 1
}

# vz_as NAME CMD...: run CMD (a helper of helpers.bash, e.g. vz_install_probe,
# vz_init_pid, vz_wait_status, vz_host) with the test's daemon variables
# (VZ_ROOT, VZ_SOCKET, VZD_PID, ...) those of host NAME.
vz_as() {
	local name=$1
	shift
	local VZ_TEST_DIR VZ_ROOT VZ_RUNDIR VZD_PID VZ_CGROUP_PREFIX VZ_UID_START VZ_NETNS_PID
	local -x VZ_SOCKET
	VZ_TEST_DIR=$(vz_mh_var "$name" VZ_TEST_DIR)
	[ -n "$VZ_TEST_DIR" ] || {
		echo "vz_as: no host '$name'" >&2
		return 1
	}
	VZ_ROOT=$(vz_mh_var "$name" VZ_ROOT)
	VZ_RUNDIR=$(vz_mh_var "$name" VZ_RUNDIR)
	VZD_PID=$(vz_mh_var "$name" VZD_PID)
	VZ_CGROUP_PREFIX=$(vz_mh_var "$name" VZ_CGROUP_PREFIX)
	VZ_UID_START=$(vz_mh_var "$name" VZ_UID_START)
	VZ_NETNS_PID=$(vz_mh_var "$name" VZ_NETNS_PID)
	VZ_SOCKET=$(vz_mh_var "$name" VZ_SOCKET)
	"$@"
}

# vz_on NAME CMD...: run the program CMD on host NAME: in its network
# namespace, with its vzd's socket and the build's vzctl and vzlist first
# on PATH. (nsenter, not `ip netns exec`, which remounts /sys.)
vz_on() {
	local ns sock
	ns=$(vz_mh_var "$1" VZ_NETNS)
	sock=$(vz_mh_var "$1" VZ_SOCKET)
	[ -n "$ns" ] || {
		echo "vz_on: no host '$1'" >&2
		return 1
	}
	shift
	VZ_SOCKET=$sock PATH="$VZ_BUILD:$PATH" nsenter --net="$ns" "$@"
}

# vz_ssh FROM TO CMD...: CMD run by root on host TO over ssh from host FROM,
# with the options a migration gets (VZ_SSH_OPTS).
vz_ssh() {
	local to
	to=$(vz_mh_var "$2" VZ_ADDR)
	# shellcheck disable=SC2086 # VZ_SSH_OPTS is a list of options
	vz_on "$1" ssh $VZ_SSH_OPTS "root@$to" "${@:3}"
}

# vz_client CMD...: run the program CMD in the client's namespace.
vz_client() {
	[ -n "$VZ_CLIENT_PID" ] || {
		echo "vz_client: no LAN started" >&2
		return 1
	}
	nsenter --net="/proc/$VZ_CLIENT_PID/ns/net" "$@"
}

# vz_client_bg CMD... >OUT / vz_on_bg NAME CMD... >OUT: the same in the
# background; VZ_BG_PID is CMD's own pid, to kill it by. (`vz_client CMD &`
# would give the pid of a subshell, and killing that leaves CMD running.)
vz_client_bg() {
	[ -n "$VZ_CLIENT_PID" ] || {
		echo "vz_client_bg: no LAN started" >&2
		return 1
	}
	nsenter --net="/proc/$VZ_CLIENT_PID/ns/net" "$@" 3>&- &
	VZ_BG_PID=$!
}

vz_on_bg() {
	local ns sock
	ns=$(vz_mh_var "$1" VZ_NETNS)
	sock=$(vz_mh_var "$1" VZ_SOCKET)
	[ -n "$ns" ] || {
		echo "vz_on_bg: no host '$1'" >&2
		return 1
	}
	shift
	VZ_SOCKET=$sock PATH="$VZ_BUILD:$PATH" nsenter --net="$ns" "$@" 3>&- &
	VZ_BG_PID=$!
}

# vz_host_run_vzd NAME [VZD-ARGS...]: start host NAME's vzd (again), in its
# namespace, on its root; VZD_PID_NAME is the new one.
vz_host_run_vzd() {
	vz_as "$1" vz_mh_run_daemon "$@"
}

vz_mh_run_daemon() {
	local name=$1 st=0
	shift
	vz_run_daemon "$@" || st=$?
	vz_mh_set "$name" VZD_PID "$VZD_PID"
	return "$st"
}

# vz_host_kill_vzd NAME [SIGNAL]: stop host NAME's vzd as a crash (KILL, the
# default) or an admin (TERM) would; its CTs and root stay.
vz_host_kill_vzd() {
	local pid
	pid=$(vz_mh_var "$1" VZD_PID)
	[ -n "$pid" ] || return 0
	kill -"${2:-KILL}" "$pid"
	wait "$pid" 2>/dev/null || true
}

# vz_mh_sweep PID: SIGKILL every process but PID in PID's network namespace
# (one of the test's: whatever runs there is the test's), and reap them.
# Zombies are left to their parent (init, for orphans).
vz_mh_sweep() {
	local holder=$1 ns p st found pids=()
	ns=/proc/$holder/ns/net
	[ -e "$ns" ] || return 0
	# One find, not a loop over /proc: bats' DEBUG trap makes every command
	# in a test's shell cost a fraction of a millisecond.
	mapfile -t found < <(find -L /proc/[0-9]*/ns/net -maxdepth 0 -samefile "$ns" 2>/dev/null |
		cut -d/ -f3 | grep -vx "$holder")
	for p in "${found[@]}"; do
		vz_mh_alive "$p" && pids+=("$p")
	done
	[ "${#pids[@]}" -gt 0 ] || return 0
	echo "teardown: killing what was left in namespace of $holder:" \
		"$(ps -o pid=,args= -p "$(IFS=,; echo "${pids[*]}")" | tr '\n' ';')" >&2
	kill -KILL "${pids[@]}" 2>/dev/null || true
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
		for _ in $(seq 200); do
			vz_mh_alive "$p" || break
			sleep 0.01
		done
	done
}

# vz_mh_alive PID: PID runs (it is there and no zombie).
vz_mh_alive() {
	local st
	read -r st 2>/dev/null <"/proc/$1/stat" || return 1
	st=${st##*) }
	[ "${st:0:1}" != Z ]
}

# vz_mh_end PID: end a process of ours and reap it.
vz_mh_end() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# Stop host NAME as far as it was started: its sshd, its CTs (through its
# vzd, started again when a test killed it), its vzd, whatever else runs in
# its namespace, then its files, cgroups and namespace.
vz_host_stop() {
	local name=$1 dir prefix holder vzd
	dir=$(vz_mh_var "$name" VZ_TEST_DIR)
	prefix=$(vz_mh_var "$name" VZ_CGROUP_PREFIX)
	holder=$(vz_mh_var "$name" VZ_NETNS_PID)
	vzd=$(vz_mh_var "$name" VZD_PID)
	vz_mh_end "$(vz_mh_var "$name" VZ_SSHD_PID)"
	if [ -n "$vzd" ] && ! kill -0 "$vzd" 2>/dev/null && [ -d "$dir/root" ] &&
		[ -n "$holder" ] && kill -0 "$holder" 2>/dev/null; then
		vz_host_run_vzd "$name" --no-onboot >/dev/null 2>&1 || true
	fi
	[ -z "$dir" ] || vz_as "$name" vz_daemon_shutdown
	[ -z "$holder" ] || vz_mh_sweep "$holder"
	if ! vz_kill_leftovers "$prefix"; then
		echo "teardown: killed CT processes left in cgroup prefix $prefix" >&2
		for _ in $(seq 100); do
			vz_kill_leftovers "$prefix" && break
			sleep 0.02
		done
	fi
	[ -z "$dir" ] || vz_remove_daemon_files "$dir" "$prefix"
	vz_mh_end "$holder"
	local k
	for k in VZ_TEST_DIR VZ_ROOT VZ_RUNDIR VZ_SOCKET VZ_CGROUP_PREFIX VZ_UID_START \
		VZ_ADDR VZ_ADDR6 VZ_NETNS VZ_NETNS_PID VZD_PID VZ_SSHD_PID; do
		unset "${k}_${name^^}"
	done
}

# Stop everything the test started here; safe after a partial start and
# when called again.
vz_multihost_stop() {
	local name
	for name in $VZ_MH_HOSTS; do
		vz_host_stop "$name"
	done
	VZ_MH_HOSTS=
	if [ -n "$VZ_CLIENT_PID" ]; then
		vz_mh_sweep "$VZ_CLIENT_PID"
		vz_mh_end "$VZ_CLIENT_PID"
		VZ_CLIENT_PID=
	fi
	if [ -n "$VZ_LAN_PID" ]; then
		vz_mh_sweep "$VZ_LAN_PID"
		vz_mh_end "$VZ_LAN_PID"
		VZ_LAN_PID=
	fi
	if [ -n "$VZ_MH_DIR" ]; then
		vz_remove_daemon_files "$VZ_MH_DIR" ""
		VZ_MH_DIR=
	fi
	unset VZ_NETNS_LAN VZ_NETNS_CLIENT VZ_ADDR_CLIENT VZ_SSH_KEY VZ_SSH_OPTS
}
