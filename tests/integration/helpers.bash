# Shared setup of the integration tests: every test gets its own vzd with its
# own root, run dir, socket, cgroup prefix and uid range, so tests never see
# each other's CTs and never touch anything of the host's.
# shellcheck shell=bash

bats_require_minimum_version 1.5.0

# require_* and the host's cgroup layout (tests/host-features.bash).
# shellcheck disable=SC1090,SC1091
source "$(dirname "${BASH_SOURCE[0]}")/../host-features.bash"

VZ_BUILD=${VZ_BUILD:-$BATS_TEST_DIRNAME/../../build}
VZ_BUILD=$(cd "$VZ_BUILD" && pwd)
# Sample configs come from the source tree, not an installed prefix.
export VZ_DATADIR=${VZ_DATADIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}

vzctl() { "$VZ_BUILD/vzctl" "$@"; }
vzlist() { "$VZ_BUILD/vzlist" "$@"; }

# A busybox template built once per run and copied into each test root.
vz_template_cache() {
	local cache="$BATS_RUN_TMPDIR/template-cache"
	if [ ! -d "$cache" ]; then
		mkdir -p "$cache.tmp"
		(
			export VZ_SOCKET="$BATS_RUN_TMPDIR/tmpl.sock"
			"$VZ_BUILD/vzd" --root "$cache.tmp/root" --rundir "$cache.tmp/run" \
				--socket "$VZ_SOCKET" --config /dev/null --no-onboot \
				>"$cache.tmp/vzd.log" 2>&1 &
			pid=$!
			for _ in $(seq 100); do [ -S "$VZ_SOCKET" ] && break; sleep 0.05; done
			"$VZ_BUILD/vzctl" template build busybox >/dev/null
			kill "$pid"
			wait "$pid" 2>/dev/null || true
			# Its /proc view outlives it, as it outlives every vzd; its server ends with the mount.
			umount -l "$cache.tmp/run/view" 2>/dev/null || true
		)
		mv "$cache.tmp/root/template/cache" "$cache"
		rm -rf "$cache.tmp"
		# Templates built earlier (e.g. debian-12) can be handed in to save time.
		if [ -n "${VZ_TEST_SEED_CACHE:-}" ] && [ -d "$VZ_TEST_SEED_CACHE" ]; then
			cp -n "$VZ_TEST_SEED_CACHE"/*.tar.* "$cache/" 2>/dev/null || true
		fi
	fi
	echo "$cache"
}

vz_start_daemon() {
	local n=${BATS_SUITE_TEST_NUMBER:-0}
	# A test that starts its own over setup's: the first goes, with its files.
	vz_stop_daemon
	VZ_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vz-test.XXXXXX")
	VZ_ROOT="$VZ_TEST_DIR/root"
	VZ_RUNDIR="$VZ_TEST_DIR/run"
	export VZ_SOCKET="$VZ_TEST_DIR/vzd.sock"
	VZ_CGROUP_PREFIX="vz-test-$$-$n"
	# Ranges far apart per test, so concurrent suites never share ids.
	VZ_UID_START=$((1500000000 + (n % 1000) * 1048576))
	vz_make_daemon_dir "$VZ_TEST_DIR" "$VZ_CGROUP_PREFIX" "$VZ_UID_START"
	vz_run_daemon
}

# vz_make_daemon_dir DIR PREFIX UID_START [LINE...]: what a daemon of a test
# needs in DIR before it starts: its vz.conf (its own cgroup prefix and uid
# range, VZ_TEST_CONF_EXTRA, then LINEs) and its root DIR/root with the
# template cache.
vz_make_daemon_dir() {
	local dir=$1 prefix=$2 uid=$3
	shift 3
	printf '%s\n' "CGROUP_PREFIX=\"$prefix\"" "UID_RANGE_START=\"$uid\"" \
		'VE_STOP_TIMEOUT="10"' "${VZ_TEST_CONF_EXTRA:-}" "$@" >"$dir/vz.conf"
	mkdir -p "$dir/root/template"
	cp -a "$(vz_template_cache)" "$dir/root/template/cache"
}

# With VZ_TEST_CGROUP2=1 the daemon sees a cgroup v2 only host: it runs in a
# private mount namespace with the host's cgroup2 hierarchy (on a hybrid host
# the one of /sys/fs/cgroup/unified) mounted on /sys/fs/cgroup. On a host
# that is v2-only already there is nothing to mount. Nothing of the host's
# mounts changes. unshare and sh exec: $! is vzd's own pid either way.
#
# Every daemon also runs in a network namespace of its own, a "test host"
# with loopback up and forwarding on, so that no link, route or rule a test
# makes ever reaches the machine's own namespace; vz_host runs a command
# there. A holder process keeps the namespace across daemon restarts.
# VZ_TEST_HOSTNET=1 keeps the machine's namespace (template builds that
# download).
vz_netns_holder() {
	[ "${VZ_TEST_HOSTNET:-0}" != 1 ] || return 0
	if [ -n "${VZ_NETNS_PID:-}" ] && kill -0 "$VZ_NETNS_PID" 2>/dev/null; then
		return 0
	fi
	# A kernel booted with ipv6.disable=1 has no IPv6 knobs to set.
	unshare -n sh -c 'ip link set lo up && sysctl -qw net.ipv4.ip_forward=1 &&
		{ [ ! -d /proc/sys/net/ipv6 ] || sysctl -qw net.ipv6.conf.all.forwarding=1; } &&
		exec sleep 100000' &
	VZ_NETNS_PID=$!
	for _ in $(seq 50); do
		[ "$(readlink "/proc/$VZ_NETNS_PID/ns/net")" != "$(readlink /proc/self/ns/net)" ] &&
			break
		sleep 0.02
	done
}

vz_run_daemon() {
	local wrap=() setup=''
	vz_netns_holder
	if [ -n "${VZ_NETNS_PID:-}" ]; then
		wrap=(nsenter -t "$VZ_NETNS_PID" -n)
	fi
	if [ "${VZ_TEST_CGROUP2:-0}" = 1 ]; then
		# shellcheck disable=SC2016 # expanded by the sh below
		setup='[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] ||
			mount -t cgroup2 none /sys/fs/cgroup && '
		wrap+=(unshare -m --propagation private sh -c "${setup}"'exec "$@"' sh)
	fi
	"${wrap[@]}" "$VZ_BUILD/vzd" --root "$VZ_ROOT" --rundir "$VZ_RUNDIR" \
		--socket "$VZ_SOCKET" --config "$VZ_TEST_DIR/vz.conf" "$@" \
		>>"$VZ_TEST_DIR/vzd.log" 2>&1 &
	VZD_PID=$!
	for _ in $(seq 200); do
		[ -S "$VZ_SOCKET" ] && vzctl status 1 >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	echo "vzd did not come up:" >&2
	cat "$VZ_TEST_DIR/vzd.log" >&2
	return 1
}

vz_stop_daemon() {
	[ -n "${VZ_TEST_DIR:-}" ] || return 0
	vz_daemon_shutdown
	vz_remove_daemon_files "$VZ_TEST_DIR" "$VZ_CGROUP_PREFIX"
	if [ -n "${VZ_NETNS_PID:-}" ]; then
		kill "$VZ_NETNS_PID" 2>/dev/null || true
		wait "$VZ_NETNS_PID" 2>/dev/null || true
		VZ_NETNS_PID=
	fi
	VZ_TEST_DIR=
}

# Stop every CT of the daemon VZD_PID (at VZ_SOCKET), then the daemon; a
# daemon that is not running is left as it is.
vz_daemon_shutdown() {
	local ct
	if [ -z "${VZD_PID:-}" ] || ! kill -0 "$VZD_PID" 2>/dev/null; then
		return 0
	fi
	# -a: a suspended or half-started CT must be stopped too.
	for ct in $(vzlist -a -H -o ctid 2>/dev/null); do
		vzctl --quiet stop "$ct" --fast >/dev/null 2>&1 || true
	done
	kill "$VZD_PID" 2>/dev/null || true
	wait "$VZD_PID" 2>/dev/null || true
}

# Run a command on the test host: in the daemon's network namespace.
vz_host() { nsenter -t "${VZ_NETNS_PID:-$VZD_PID}" -n "$@"; }

# A stopped daemon's test dir and cgroup prefix: whatever is still mounted
# under the dir was ours, and so is the prefix.
vz_remove_daemon_files() {
	local dir=$1 prefix=$2
	grep -o " $dir/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$dir"
	vz_remove_cgroups "$prefix"
}

# Remove what a test left of its cgroup prefix (only ours: the prefix is unique).
vz_remove_cgroups() {
	local prefix=$1 d
	[ -n "$prefix" ] || return 0
	for d in /sys/fs/cgroup/*/"$prefix" /sys/fs/cgroup/"$prefix"; do
		[ -d "$d" ] || continue
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
}

# Copy the static probe into a CT's private area as /bin/vzprobe.
vz_install_probe() {
	local ct=$1 base
	base=$(sed -n 's/^UID_RANGE="\([0-9]*\):.*/\1/p' "$VZ_ROOT/conf/$ct.conf")
	install -m 0755 -o "$base" -g "$base" "$VZ_BUILD/vzprobe" "$VZ_ROOT/private/$ct/bin/vzprobe"
}

# A busybox CT with the probe, the rest of the arguments given to set, started.
vz_running_ct_set() {
	local ct=$1
	shift
	vzctl --quiet create "$ct" --ostemplate busybox
	vz_install_probe "$ct"
	vzctl --quiet set "$ct" "$@" --save
	vzctl --quiet start "$ct"
}

# A CT made from the busybox template, started, with the probe inside.
vz_running_ct() {
	local ct=$1
	shift
	vzctl --quiet create "$ct" --ostemplate busybox "$@"
	vz_install_probe "$ct"
	vzctl --quiet start "$ct"
}

# ---- helpers of errors, templates, daemon, protocol, vzlist, set, enter ----

# Init pid of a running CT, from its state file.
vz_init_pid() {
	sed -n 's/^INIT_PID="\{0,1\}\([0-9]*\).*/\1/p' "$VZ_RUNDIR/$1.state"
}

# Poll (up to ~5 s) until `vzctl status CT` prints the wanted line.
vz_wait_status() {
	local ct=$1 want=$2
	for _ in $(seq 250); do
		[ "$(vzctl status "$ct" 2>/dev/null)" = "$want" ] && return 0
		sleep 0.02
	done
	echo "CT $ct: wanted '$want', have '$(vzctl status "$ct" 2>&1)'" >&2
	return 1
}

# What a user sees of the daemon's CTs on disk and in vzlist: any change
# between two snapshots means an operation touched something it should not.
# (Lock files are left out: taking a lock creates one.)
vz_snapshot() {
	(
		cd "$VZ_TEST_DIR" || exit 1
		find root -path root/lock -prune -o -path 'root/private/*/*' -prune -o \
			-path 'root/root/*/*' -prune -o -path 'root/template/cache/*' -prune -o \
			-printf '%p %y %m %U\n' | sort
		find run -printf '%p %y\n' | sort
		md5sum root/conf/* run/*.state root/template/cache/* 2>/dev/null
		grep -o " $VZ_TEST_DIR/[^ ]*" /proc/self/mounts | sort
	)
	vzlist -a -H -o ctid,status,hostname,name 2>&1
}

# A file only a test writes, to show that an area survived untouched.
vz_mark_private() {
	echo "marker $1" >"$VZ_ROOT/private/$1/.vz-test-marker"
}

vz_check_marker() {
	[ "$(cat "$VZ_ROOT/private/$1/.vz-test-marker")" = "marker $1" ]
}

# Mounts left under the test root for a CT, and its cgroup directories.
vz_ct_mounts() {
	grep -c " $VZ_ROOT/root/$1 " /proc/self/mounts || true
}

vz_ct_cgroups() {
	local prefix=${2:-$VZ_CGROUP_PREFIX}
	find /sys/fs/cgroup -maxdepth 3 -type d -path "*/$prefix/$1" 2>/dev/null
}

# SIGKILL whatever still runs in this test's CT cgroups (CTs that outlived a
# daemon the test killed, or a teardown whose vzlist failed); only our unique
# prefix is touched. Fails when there was something to kill.
vz_kill_leftovers() {
	local prefix=${1:-${VZ_CGROUP_PREFIX:-}} pids
	[ -n "$prefix" ] || return 0
	pids=$(find /sys/fs/cgroup/*/"$prefix" /sys/fs/cgroup/"$prefix" -mindepth 2 \
		-name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null || true
	return 1
}

# Stop the test's vzd the way an admin or a crash would, without the
# per-test teardown (which also stops CTs).
vz_kill_daemon() {
	local sig=${1:-TERM}
	kill -"$sig" "$VZD_PID"
	wait "$VZD_PID" 2>/dev/null || true
}

# A second, independent vzd (another "host") beside the test's own: its own
# root, run dir, socket, cgroup prefix and uid range. Talk to it with vz2ctl
# and vz2list; vz_stop_daemon2 tears it down.
vz_start_daemon2() {
	VZ2_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vz-test2.XXXXXX")
	VZ2_ROOT="$VZ2_TEST_DIR/root"
	VZ2_RUNDIR="$VZ2_TEST_DIR/run"
	VZ2_SOCKET="$VZ2_TEST_DIR/vzd.sock"
	VZ2_CGROUP_PREFIX="$VZ_CGROUP_PREFIX-b"
	VZ2_UID_START=$((VZ_UID_START + 524288))
	vz_make_daemon_dir "$VZ2_TEST_DIR" "$VZ2_CGROUP_PREFIX" "$VZ2_UID_START"
	"$VZ_BUILD/vzd" --root "$VZ2_ROOT" --rundir "$VZ2_RUNDIR" --socket "$VZ2_SOCKET" \
		--config "$VZ2_TEST_DIR/vz.conf" >>"$VZ2_TEST_DIR/vzd.log" 2>&1 &
	VZD2_PID=$!
	for _ in $(seq 200); do
		[ -S "$VZ2_SOCKET" ] && vz2ctl status 1 >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	cat "$VZ2_TEST_DIR/vzd.log" >&2
	return 1
}

vz2ctl() { VZ_SOCKET=$VZ2_SOCKET "$VZ_BUILD/vzctl" "$@"; }
vz2list() { VZ_SOCKET=$VZ2_SOCKET "$VZ_BUILD/vzlist" "$@"; }

vz_stop_daemon2() {
	[ -n "${VZ2_TEST_DIR:-}" ] || return 0
	local VZ_TEST_DIR=$VZ2_TEST_DIR VZD_PID=$VZD2_PID VZ_CGROUP_PREFIX=$VZ2_CGROUP_PREFIX
	local -x VZ_SOCKET=$VZ2_SOCKET
	vz_stop_daemon
	if ! vz_kill_leftovers "$VZ2_CGROUP_PREFIX"; then
		sleep 0.2
		vz_remove_cgroups "$VZ2_CGROUP_PREFIX"
	fi
	VZ2_TEST_DIR=
}

# Teardown for tests that kill or restart vzd: whatever state the daemon is
# in, leave no CT process, mount or cgroup behind.
vz_teardown_hard() {
	vz_stop_daemon2
	if [ -n "${VZD_PID:-}" ] && ! kill -0 "$VZD_PID" 2>/dev/null && [ -n "${VZ_TEST_DIR:-}" ]; then
		vz_run_daemon --no-onboot >/dev/null 2>&1 || true
	fi
	local prefix=${VZ_CGROUP_PREFIX:-}
	vz_stop_daemon
	if ! vz_kill_leftovers "$prefix"; then
		echo "teardown: killed CT processes left in cgroup prefix $prefix" >&2
		for _ in $(seq 100); do
			vz_kill_leftovers "$prefix" && break
			sleep 0.02
		done
		vz_remove_cgroups "$prefix"
	fi
}

# The system python: a version manager's shim first on PATH costs ~0.2 s a
# call, and the tests call python for every tarball and protocol message.
if [ -x /usr/bin/python3 ]; then
	python3() { /usr/bin/python3 "$@"; }
fi

# Wait (up to ~5 s) until a CT runs exactly N processes: right after a start
# busybox init still runs its rcS, so NPROC is not yet the resting count.
vz_wait_nproc() {
	local ct=$1 want=$2 have
	for _ in $(seq 250); do
		have=$(vzlist -H -o numproc "$ct" 2>/dev/null | tr -d ' ')
		[ "$have" = "$want" ] && return 0
		sleep 0.02
	done
	echo "CT $ct runs $have processes, not $want" >&2
	return 1
}
