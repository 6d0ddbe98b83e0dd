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
