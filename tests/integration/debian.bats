#!/usr/bin/env bats
# A real VPS: a Debian 12 template built with its recipe (debootstrap from
# the host's Debian mirror), booted with systemd as an unprivileged CT.
# Set VZ_TEST_DEBIAN=0 to skip them; where no template was handed in
# (VZ_TEST_SEED_CACHE) and the mirror is out of reach they skip by themselves.

load helpers

# The mirror the recipe uses: VZ_DEBIAN_MIRROR, else the host's own.
debian_mirror() {
	local m=${VZ_DEBIAN_MIRROR:-}
	if [ -z "$m" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
		m=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
	fi
	if [ -z "$m" ] && [ -r /etc/apt/sources.list ]; then
		m=$(awk '/^deb / && $2 ~ /^http/ {print $2; exit}' /etc/apt/sources.list)
	fi
	echo "${m:-http://deb.debian.org/debian}"
}

# Why a debian-12 template cannot be built here, if it cannot.
debian_unbuildable() {
	local mirror
	mirror=$(debian_mirror)
	if ! command -v debootstrap >/dev/null && ! command -v apt-get >/dev/null; then
		echo "host has no debootstrap (and no apt-get to install it)"
	elif ! python3 -c 'import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/dists/bookworm/Release", timeout=15).read(1)' \
		"$mirror" 2>/dev/null; then
		echo "no debian-12 template handed in, and the Debian mirror $mirror is out of reach"
	fi
}

setup_file() {
	[ "${VZ_TEST_DEBIAN:-1}" = 1 ] || return 0
	local cache why
	cache=$(vz_template_cache)
	if ! ls "$cache"/debian-12-*.tar.* >/dev/null 2>&1; then
		why=$(debian_unbuildable)
		if [ -n "$why" ]; then
			echo "$why" >"$BATS_FILE_TMPDIR/unbuildable"
			return 0
		fi
		(
			# debootstrap downloads: this daemon keeps the machine's network.
			export VZ_TEST_HOSTNET=1
			vz_start_daemon
			vzctl template build debian-12 >"$BATS_FILE_TMPDIR/build.log" 2>&1
			rc=$?
			cp "$VZ_ROOT/template/cache/"debian-12-* "$cache/" 2>/dev/null
			vz_stop_daemon
			exit $rc
		) || {
			echo "building debian-12 failed:" >&2
			cat "$BATS_FILE_TMPDIR/build.log" >&2
			return 1
		}
	fi
}

setup() {
	[ "${VZ_TEST_DEBIAN:-1}" = 1 ] || skip "VZ_TEST_DEBIAN=0"
	[ ! -e "$BATS_FILE_TMPDIR/unbuildable" ] || skip "$(cat "$BATS_FILE_TMPDIR/unbuildable")"
	vz_start_daemon
}
teardown() { vz_stop_daemon; }

wait_running() {
	local s
	for _ in $(seq 100); do
		s=$(vzctl exec "$1" systemctl is-system-running 2>/dev/null) || true
		case "$s" in running | degraded) break ;; esac
		sleep 0.1
	done
	echo "$s"
}

@test "debian-12 boots with systemd to running with no failed unit" {
	vzctl --quiet create 201 --ostemplate debian-12 --hostname deb.example.com
	vzctl --quiet start 201
	run wait_running 201
	[ "$output" = "running" ]
	run -0 vzctl exec 201 systemctl --failed --no-legend
	[ -z "$output" ]
	run -0 vzctl exec 201 hostname
	[ "$output" = "deb.example.com" ]
	# The CT's own systemd manages its own cgroup subtree.
	run -0 vzctl exec 201 cat /proc/1/cgroup
	[[ "$output" == *"0::/init.scope"* ]]
	run -0 vzctl exec 201 systemctl is-active ssh
	[ "$output" = "active" ]
	run -0 vzctl exec 201 systemd-detect-virt
	[ "$output" = "container-other" ]
}

@test "debian-12 sees its own memory, CPUs and uptime (procps free, nproc, uptime, top) and boots as before" {
	require_cgroup_controller memory cpuset
	[ "$(nproc)" -ge 2 ] || skip "host has one CPU: --cpus 1 changes nothing"
	vzctl --quiet create 201 --ostemplate debian-12
	vzctl --quiet set 201 --ram 512M --swap 256M --cpus 1 --save
	vzctl --quiet start 201
	run wait_running 201
	[ "$output" = "running" ]
	run -0 vzctl exec 201 systemctl --failed --no-legend
	[ -z "$output" ]
	run -0 vzctl exec 201 free -m
	[ "$(awk '$1 == "Mem:" { print $2 }' <<<"$output")" = 512 ]
	[ "$(awk '$1 == "Swap:" { print $2 }' <<<"$output")" = 256 ]
	used=$(awk '$1 == "Mem:" { print $3 }' <<<"$output")
	[ "$used" -gt 0 ] && [ "$used" -lt 512 ]
	run -0 vzctl exec 201 nproc
	[ "$output" = 1 ]
	run -0 vzctl exec 201 'top -bn1 | head -5'
	[[ "$output" == *"MiB Mem :    512.0 total"* ]]
	[[ "$output" == *"%Cpu(s):"* ]]
	# procps uptime reads /proc/uptime: minutes since the CT started, not the host's hours.
	host_up=$(cut -d. -f1 /proc/uptime)
	if [ "$host_up" -gt 7200 ]; then
		run -0 vzctl exec 201 uptime
		[[ "$output" == *" up 0 min,"* ]] || [[ "$output" == *" up 1 min,"* ]]
	fi
	run -0 vzctl exec 201 'head -3 /dev/vz/user_beancounters'
	[[ "${lines[2]}" == *"201: kmemsize"* ]]
}

@test "debian-12 on a cgroup v1 host: hybrid view reads its limits, the unified view boots too" {
	[ "$(vz_daemon_cgroup_layout)" = v1 ] || skip "not a cgroup v1 or hybrid host"
	vzctl --quiet create 201 --ostemplate debian-12 --config vswap-256m
	vzctl --quiet start 201
	run wait_running 201
	[ "$output" = "running" ]
	run -0 vzctl exec 201 systemctl --failed --no-legend
	[ -z "$output" ]
	# systemd 252 runs in hybrid mode: name=systemd and cgroup2 are its own.
	[ "$(vzctl exec 201 stat -f -c %T /sys/fs/cgroup)" = tmpfs ]
	run -0 vzctl exec 201 cat /proc/1/cgroup
	[[ "$output" == *":name=systemd:/init.scope"* ]]
	[ "$(vzctl exec 201 cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" = $((256 << 20)) ]
	[ "$(vzctl exec 201 cat /sys/fs/cgroup/pids/pids.max)" = 512 ]
	run vzctl exec 201 sh -c 'echo max > /sys/fs/cgroup/pids/pids.max'
	[ "$status" -ne 0 ]
	vzctl --quiet stop 201
	echo 'CGROUP_VIEW="unified"' >>"$VZ_ROOT/conf/201.conf"
	vzctl --quiet start 201
	run wait_running 201
	[ "$output" = "running" ]
	run -0 vzctl exec 201 systemctl --failed --no-legend
	[ -z "$output" ]
	[ "$(vzctl exec 201 stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]
}

@test "debian-12 as the shipped vz.conf makes it: overlay in its own disk image, limits, running" {
	VZ_TEST_CONF_EXTRA=$(grep -E '^(CONFIGFILE|VE_LAYOUT)=' "$BATS_TEST_DIRNAME/../../configs/vz.conf") \
		vz_start_daemon
	vzctl --quiet create 201 --ostemplate debian-12
	[ -f "$VZ_ROOT/private/201/root.img" ]
	vzctl --quiet start 201
	run wait_running 201
	[ "$output" = "running" ]
	run -0 vzctl exec 201 systemctl --failed --no-legend
	[ -z "$output" ]
	# df sees the CT's own file system: the sample's 2306867 KiB, not the host's.
	size=$(vzctl exec 201 'df -k --output=size / | tail -1')
	[ "$size" -ge $((2306867 * 99 / 100)) ] && [ "$size" -le $((2306867 * 101 / 100)) ]
	run -0 vzctl exec 201 'apt-get --version >/dev/null && dd if=/dev/zero of=/var/tmp/f bs=1M count=50 status=none && sync && rm /var/tmp/f'
}

@test "debian-12 stops cleanly through systemd, well before the timeout" {
	vzctl --quiet create 201 --ostemplate debian-12
	vzctl --quiet start 201
	run wait_running 201
	start=$(date +%s%N)
	run -0 vzctl stop 201
	[[ "$output" != *"killing it"* ]]
	[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ]
	run vzctl status 201
	[ "$output" = "CTID 201 exist unmounted down" ]
}

@test "each debian-12 CT gets its own machine-id and ssh host keys" {
	vzctl --quiet create 201 --ostemplate debian-12
	vzctl --quiet create 202 --ostemplate debian-12
	vzctl --quiet start 201
	vzctl --quiet start 202
	wait_running 201 >/dev/null
	wait_running 202 >/dev/null
	[ "$(vzctl exec 201 cat /etc/machine-id)" != "$(vzctl exec 202 cat /etc/machine-id)" ]
	a=$(vzctl exec 201 cat /etc/ssh/ssh_host_ed25519_key.pub)
	b=$(vzctl exec 202 cat /etc/ssh/ssh_host_ed25519_key.pub)
	[ -n "$a" ] && [ "$a" != "$b" ]
}

# The CT's addresses and default routes on venet0, one per line.
venet_state() {
	vzctl exec "$1" ip -o addr show dev venet0 | awk '{print $4}'
	vzctl exec "$1" ip route show default
	vzctl exec "$1" ip -6 route show default
}

@test "debian-12 keeps its addresses through ifupdown and systemd-networkd" {
	vzctl --quiet create 201 --ostemplate debian-12 --hostname deb.example.com
	vzctl --quiet set 201 --ipadd 198.51.100.21 --ipadd 2001:db8::21 \
		--nameserver 192.0.2.53 --searchdomain example.com --save
	vzctl --quiet start 201
	run wait_running 201
	[ "$output" = "running" ]
	# ifupdown's networking service brought venet0 up from vz's stanza.
	run -0 vzctl exec 201 systemctl is-active networking
	[ "$output" = active ]
	run -0 vzctl exec 201 ifquery --state venet0
	[ "$output" = "venet0=venet0" ]
	run -0 venet_state 201
	[[ "$output" == *"198.51.100.21/32"* ]]
	[[ "$output" == *"2001:db8::21/128"* ]]
	[[ "$output" == *"default via 169.254.0.1 dev venet0"* ]]
	[[ "$output" == *"default via fe80::1 dev venet0"* ]]
	before=$output
	# What a customer does: the interface down and up again.
	run -0 vzctl exec 201 'ifdown venet0 && ifup venet0'
	run -0 venet_state 201
	[[ "$output" == *"198.51.100.21/32"* ]]
	[[ "$output" == *"2001:db8::21/128"* ]]
	[[ "$output" == *"default via 169.254.0.1 dev venet0"* ]]
	[[ "$output" == *"default via fe80::1 dev venet0"* ]]
	# systemd-networkd takes the interface over from vz's .network file and keeps it.
	run -0 vzctl exec 201 systemctl start systemd-networkd
	for _ in $(seq 50); do
		state=$(vzctl exec 201 networkctl list venet0 --no-legend | awk '{print $5}')
		[ "$state" = configured ] && break
		sleep 0.1
	done
	[ "$state" = configured ]
	run -0 venet_state 201
	[[ "$output" == *"198.51.100.21/32"* ]]
	[[ "$output" == *"2001:db8::21/128"* ]]
	[[ "$output" == *"default via 169.254.0.1 dev venet0"* ]]
	[[ "$output" == *"default via fe80::1 dev venet0"* ]]
	run -0 vzctl exec 201 cat /etc/resolv.conf
	[[ "$output" == *"nameserver 192.0.2.53"* ]]
	[[ "$output" == *"search example.com"* ]]
	run -0 vzctl exec 201 systemctl --failed --no-legend
	[ -z "$output" ]
	# An address removed live leaves the CT's configuration too.
	vzctl --quiet set 201 --ipdel 2001:db8::21 --save
	run -0 vzctl exec 201 cat /etc/network/interfaces /etc/systemd/network/10-vz-venet0.network
	[[ "$output" != *"2001:db8::21"* ]]
	[[ "$output" == *"198.51.100.21"* ]]
}

@test "debian-12: --userpasswd stores a yescrypt hash that su accepts" {
	vzctl --quiet create 201 --ostemplate debian-12
	vzctl --quiet start 201
	run wait_running 201
	# A new user, made the way useradd would.
	run -0 vzctl set 201 --userpasswd 'alice:Corr3ct horse:battery'
	run -0 vzctl exec 201 getent passwd alice
	[[ "$output" == "alice:x:1000:1000::/home/alice:/bin/bash" ]]
	run -0 vzctl exec 201 "stat -c '%U %G %a' /home/alice"
	[ "$output" = "alice alice 700" ]
	run -0 vzctl exec 201 "stat -c '%U %G %a' /etc/shadow"
	[ "$output" = "root shadow 640" ]
	run -0 vzctl exec 201 getent shadow alice
	[[ "$output" == "alice:\$y\$"* ]]
	# The CT's own PAM takes the password, and refuses a wrong one (asked by a
	# user other than root, whom su would not ask).
	as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups script -qec 'su alice -c id' /dev/null"
	# (Typed once su asks: it flushes what came before its prompt.)
	run -0 vzctl exec 201 "(sleep 1; printf 'Corr3ct horse:battery\n') | $as_nobody"
	[[ "$output" == *"uid=1000(alice)"* ]]
	run vzctl exec 201 "(sleep 1; printf 'wrong\n') | $as_nobody"
	[[ "$output" == *"Authentication failure"* ]]
	[[ "$output" != *"uid=1000(alice)"* ]]
	# The password is in no file of the host's.
	run ! grep -rq "Corr3ct" "$VZ_ROOT/conf" "$VZ_TEST_DIR/vzd.log"
}

# console_login CT USER PASSWORD: log in on the CT's console, say who we are, log out.
console_login() {
	{
		sleep 1
		printf '\r'
		sleep 1
		printf '%s\r' "$2"
		sleep 1
		printf '%s\r' "$3"
		sleep 2
		# shellcheck disable=SC2016 # expanded by the CT's shell
		printf 'echo logged-in-as-$(id -un)\r'
		sleep 1
		printf 'exit\r'
		sleep 1
		printf '\033.'
	} | vzctl console "$1"
}

@test "debian-12: the console shows a login prompt that logs in" {
	vzctl --quiet create 201 --ostemplate debian-12 --hostname deb.example.com
	vzctl --quiet start 201
	run wait_running 201
	[ "$output" = "running" ]
	vzctl --quiet set 201 --userpasswd root:console-pw
	run -0 vzctl exec 201 systemctl is-active console-getty
	[ "$output" = active ]
	run -0 vzctl exec 201 systemctl --failed --no-legend
	[ -z "$output" ]
	# Log in on the console, run a command, log out, detach.
	run -0 console_login 201 root console-pw
	# systemd's boot messages, then agetty's prompt.
	[[ "$output" == *"Reached target"*"Multi-User System"* ]]
	[[ "$output" == *"deb login:"* ]]
	[[ "$output" == *"logged-in-as-root"* ]]
}
