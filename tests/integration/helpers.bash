# Shared setup of the integration tests: every test gets its own vzd with its
# own root, run dir, socket, cgroup prefix and uid range, so tests never see
# each other's CTs and never touch anything of the host's.
# shellcheck shell=bash

VZ_BUILD=${VZ_BUILD:-$BATS_TEST_DIRNAME/../../build}
VZ_BUILD=$(cd "$VZ_BUILD" && pwd)

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
		)
		mv "$cache.tmp/root/template/cache" "$cache"
		rm -rf "$cache.tmp"
	fi
	echo "$cache"
}

vz_start_daemon() {
	local n=${BATS_SUITE_TEST_NUMBER:-0}
	VZ_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vz-test.XXXXXX")
	VZ_ROOT="$VZ_TEST_DIR/root"
	VZ_RUNDIR="$VZ_TEST_DIR/run"
	export VZ_SOCKET="$VZ_TEST_DIR/vzd.sock"
	VZ_CGROUP_PREFIX="vz-test-$$-$n"
	# Ranges far apart per test, so concurrent suites never share ids.
	VZ_UID_START=$((1500000000 + (n % 1000) * 1048576))
	cat >"$VZ_TEST_DIR/vz.conf" <<-CONF
		CGROUP_PREFIX="$VZ_CGROUP_PREFIX"
		UID_RANGE_START="$VZ_UID_START"
		VE_STOP_TIMEOUT="10"
	CONF
	mkdir -p "$VZ_ROOT/template"
	cp -a "$(vz_template_cache)" "$VZ_ROOT/template/cache"
	vz_run_daemon
}

vz_run_daemon() {
	"$VZ_BUILD/vzd" --root "$VZ_ROOT" --rundir "$VZ_RUNDIR" --socket "$VZ_SOCKET" \
		--config "$VZ_TEST_DIR/vz.conf" "$@" >>"$VZ_TEST_DIR/vzd.log" 2>&1 &
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
	local ct
	[ -n "${VZ_TEST_DIR:-}" ] || return 0
	if [ -n "${VZD_PID:-}" ] && kill -0 "$VZD_PID" 2>/dev/null; then
		for ct in $(vzlist -H -o ctid 2>/dev/null); do
			vzctl --quiet stop "$ct" --fast >/dev/null 2>&1 || true
		done
		kill "$VZD_PID" 2>/dev/null || true
		wait "$VZD_PID" 2>/dev/null || true
	fi
	# Anything still mounted under our root was ours.
	grep -o " $VZ_TEST_DIR/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$VZ_TEST_DIR"
	vz_remove_cgroups "$VZ_CGROUP_PREFIX"
	VZ_TEST_DIR=
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

# A CT made from the busybox template, started, with the probe inside.
vz_running_ct() {
	local ct=$1
	shift
	vzctl --quiet create "$ct" --ostemplate busybox "$@"
	vz_install_probe "$ct"
	vzctl --quiet start "$ct"
}
