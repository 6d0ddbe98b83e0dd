# What the host itself can do. Machines differ (an i386 ABI switched off at
# run time, no x32, no keyrings, no KSM, cgroup v1, hybrid or v2 only, no
# IPv6, tools missing), and a test must neither fail where the host lacks a
# feature nor pass where it cannot observe what it asserts. Each feature is
# probed on the host, outside any CT, once per bats run (the answers are
# kept in $BATS_RUN_TMPDIR); a require_* function skips the test with a
# reason that names what the host lacks.
#
# For "denied in the CT" assertions, vz_host_answer is the control: the same
# probe run on the host, as root, with no CT and no filter around it. Where
# the host itself gives the answer the CT is expected to give, the CT's
# answer proves nothing.
# shellcheck shell=bash

# vz_feature KEY CMD...: CMD's exit status and output (stdout and stderr),
# run once per bats run; they land in VZ_FEATURE_STATUS and VZ_FEATURE_OUTPUT.
vz_feature() {
	local key=$1 dir="$BATS_RUN_TMPDIR/host-features" file st=0 out
	shift
	file="$dir/$(printf '%s' "$key" | tr -c 'A-Za-z0-9._-' '_')"
	if [ ! -e "$file" ]; then
		mkdir -p "$dir"
		out=$("$@" 2>&1) || st=$?
		# Files of parallel runs (bats -j) race harmlessly: rename is atomic.
		printf '%s\n%s' "$st" "$out" >"$file.$$"
		mv -f "$file.$$" "$file"
	fi
	VZ_FEATURE_STATUS=$(head -n 1 "$file")
	VZ_FEATURE_OUTPUT=$(tail -n +2 "$file")
}

# A line in the TAP stream about something a test left out.
vz_note() { echo "# note: $*" >&3; }

# The probe run on the host; a death by signal is reported as such.
vz_probe_here() {
	local st=0 out
	out=$( ("$VZ_BUILD/vzprobe" "$@") 2>&1) || st=$?
	if [ "$st" -gt 128 ]; then
		echo "killed by SIG$(kill -l "$st")"
	else
		printf '%s\n' "$out"
	fi
	return "$st"
}

# vz_host_answer ARGS...: what `vzprobe ARGS...` answers on the host, as
# root, outside any CT (probes that change nothing of the host's only).
vz_host_answer() {
	vz_feature "probe $*" vz_probe_here "$@"
	printf '%s\n' "$VZ_FEATURE_OUTPUT"
}

# ---- commands ----

# require_cmd CMD [PACKAGE]
require_cmd() {
	command -v "$1" >/dev/null ||
		skip "host has no $1 command${2:+ (Debian package $2)}"
}

# strace that can trace: a ptrace-restricted host (Yama scope 3, a seccomp
# policy around the test run) has the binary but cannot use it.
require_strace() {
	require_cmd strace strace
	vz_feature strace strace -f -qq -o /dev/null true
	[ "$VZ_FEATURE_STATUS" = 0 ] ||
		skip "host cannot strace (strace -f true: $VZ_FEATURE_OUTPUT)"
}

# The busybox template is the host's /bin/busybox with a link per applet:
# the CT has the applets the host's busybox was built with.
require_busybox_applets() {
	local a
	vz_feature busybox-applets /bin/busybox --list
	for a in "$@"; do
		grep -qx "$a" <<<"$VZ_FEATURE_OUTPUT" ||
			skip "host's /bin/busybox (the busybox template) has no '$a' applet"
	done
}

# An OpenSSH server for the test hosts' own sshds (multihost.bash); Debian's
# path, as installed by openssh-server.
require_sshd() {
	[ -x /usr/sbin/sshd ] ||
		skip "host has no /usr/sbin/sshd (Debian package openssh-server; scripts/install-deps installs it)"
}

# ---- system call ABIs and kernel interfaces ----

require_x86_64() {
	[ "$(uname -m)" = x86_64 ] || skip "host is $(uname -m), not x86_64"
}

# int 0x80 from a 64-bit process: a kernel may have IA32 emulation built in
# but switched off (ia32_emulation=0), and then int 0x80 dies with SIGSEGV.
require_i386_abi() {
	local a
	require_x86_64
	a=$(vz_host_answer try-int80 getpid)
	[[ "$a" == "allowed: "* ]] ||
		skip "host has no i386 syscall ABI (int 0x80 getpid on the host: $a)"
}

# x32 is off unless the kernel has CONFIG_X86_X32_ABI and it is enabled.
require_x32_abi() {
	local a
	require_x86_64
	a=$(vz_host_answer try-x32 getpid)
	[[ "$a" == "allowed: "* ]] ||
		skip "host kernel has no x32 syscall ABI (x32 getpid on the host: $a)"
}

# Keyrings (CONFIG_KEYS): keyctl and add_key work for host root.
require_keyrings() {
	local p a
	for p in keyctl add_key; do
		a=$(vz_host_answer try-syscall "$p")
		[ "$a" = allowed ] || skip "host kernel has no keyrings ($p on the host: $a)"
	done
}

# userfaultfd in its user-mode-only form, which needs no privilege (5.11+;
# vm.unprivileged_userfaultfd does not apply to it).
require_userfaultfd() {
	local a
	a=$(vz_host_answer try-syscall userfaultfd)
	[ "$a" = allowed ] ||
		skip "host cannot create a userfaultfd itself (UFFD_USER_MODE_ONLY as root: $a)"
}

# Kernel samepage merging (CONFIG_KSM): its knobs, writable by host root.
require_ksm() {
	[ -e /sys/kernel/mm/ksm/run ] || skip "host kernel has no KSM (no /sys/kernel/mm/ksm)"
	[ -w /sys/kernel/mm/ksm/run ] || skip "host root cannot write /sys/kernel/mm/ksm/run"
}

# require_host_path PATH WHAT: the host has PATH (a kernel option's file).
require_host_path() {
	[ -e "$1" ] || skip "host has no $1 (${2:-kernel option off})"
}

# require_host_writable PATH: host root can write PATH itself, so a refusal
# in the CT is the CT's confinement and not a read-only host.
require_host_writable() {
	require_host_path "$1"
	[ -w "$1" ] || skip "host root cannot write $1 itself (read-only here)"
}

# require_host_answer_not ANSWER ARGS...: skip where `vzprobe ARGS` already
# answers ANSWER on the host, so the CT's ANSWER would prove nothing.
require_host_answer_not() {
	local want=$1 a
	shift
	a=$(vz_host_answer "$@")
	[ "$a" != "$want" ] || skip "host itself answers '$a' to vzprobe $*"
}

# ---- networking (probed in a scratch network namespace) ----

require_ipv6() {
	[ -d /proc/sys/net/ipv6 ] || skip "host kernel has IPv6 disabled (no /proc/sys/net/ipv6)"
	vz_feature ipv6 unshare -n sh -c 'ip link set lo up && ip -6 addr show dev lo | grep -q "inet6 ::1"'
	[ "$VZ_FEATURE_STATUS" = 0 ] ||
		skip "host has no working IPv6 (a fresh namespace's lo has no ::1)"
}

require_veth() {
	vz_feature veth unshare -n ip link add vzp0 type veth peer name vzp1
	[ "$VZ_FEATURE_STATUS" = 0 ] ||
		skip "host kernel cannot make veth pairs: $VZ_FEATURE_OUTPUT"
}

require_bridge() {
	vz_feature bridge unshare -n ip link add vzpbr0 type bridge
	[ "$VZ_FEATURE_STATUS" = 0 ] ||
		skip "host kernel has no bridge driver: $VZ_FEATURE_OUTPUT"
}

# tc with the token bucket filter (a test slows a link with it).
require_tc_tbf() {
	vz_feature tc-tbf unshare -n tc qdisc add dev lo root tbf rate 1mbit burst 32kb latency 50ms
	[ "$VZ_FEATURE_STATUS" = 0 ] ||
		skip "host cannot shape traffic (tc tbf): $VZ_FEATURE_OUTPUT"
}

# The nft command (tests read the rules with it) and nf_tables in the kernel
# (vzd's filters are nftables).
require_nftables() {
	require_cmd nft nftables
	vz_feature nftables unshare -n nft add table inet vzprobe
	[ "$VZ_FEATURE_STATUS" = 0 ] ||
		skip "host kernel has no nf_tables: $VZ_FEATURE_OUTPUT"
}

# ---- cgroups ----

# Where the host's cgroup2 hierarchy is mounted (the whole of it), from
# mountinfo: /sys/fs/cgroup on v2-only hosts, /sys/fs/cgroup/unified on
# hybrid ones. Empty when there is none.
vz_cgroup2_mount() {
	awk '{
		for (i = 7; $i != "-"; i++)
			;
		if ($(i + 1) == "cgroup2" && $4 == "/")
			m[$5] = 1
	}
	END {
		if ("/sys/fs/cgroup" in m) print "/sys/fs/cgroup"
		else if ("/sys/fs/cgroup/unified" in m) print "/sys/fs/cgroup/unified"
		else for (p in m) { print p; exit }
	}' /proc/self/mountinfo
}

# Where the v1 hierarchy that carries CONTROLLER is mounted, or nothing.
vz_cgroup_v1_mount() {
	awk -v c="$1" '{
		for (i = 7; $i != "-"; i++)
			;
		if ($(i + 1) != "cgroup" || $4 != "/")
			next
		n = split($(i + 3), o, ",")
		for (j = 1; j <= n; j++)
			if (o[j] == c) { print $5; exit }
	}' /proc/self/mountinfo
}

# The layout the test's vzd uses, as vzd itself decides: v2 when it sees
# cgroup2 on /sys/fs/cgroup (a v2-only host, or VZ_TEST_CGROUP2=1), else v1.
vz_daemon_cgroup_layout() {
	if [ "${VZ_TEST_CGROUP2:-0}" = 1 ] || [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo v2
	else
		echo v1
	fi
}

require_cgroup2_mount() {
	[ -n "$(vz_cgroup2_mount)" ] ||
		skip "host has no cgroup2 hierarchy mounted (none in /proc/self/mountinfo)"
}

# v1 names the I/O controller blkio; v2 names it io.
vz_cgroup_controller_name() {
	case "$(vz_daemon_cgroup_layout):$1" in
	v1:io) echo blkio ;;
	v2:blkio) echo io ;;
	*) echo "$1" ;;
	esac
}

# vz_cgroup_dir CONTROLLER [REL]: a directory of the daemon's layout, as the
# test sees it: REL under the hierarchy that has CONTROLLER.
vz_cgroup_dir() {
	local c root
	c=$(vz_cgroup_controller_name "$1")
	if [ "$(vz_daemon_cgroup_layout)" = v2 ]; then
		root=$(vz_cgroup2_mount)
	else
		root=$(vz_cgroup_v1_mount "$c")
	fi
	echo "${root:-/nonexistent-cgroup-$c}${2:+/$2}"
}

# vz_ct_cgroup_dir CONTROLLER CT [PREFIX]: the CT's group of CONTROLLER.
vz_ct_cgroup_dir() {
	vz_cgroup_dir "$1" "${3:-$VZ_CGROUP_PREFIX}/$2"
}

# require_cgroup_controller NAME...: the daemon's layout offers NAME (v1: a
# hierarchy that carries it; v2: the cgroup2 root lists it as available).
require_cgroup_controller() {
	local c root
	for c in "$@"; do
		c=$(vz_cgroup_controller_name "$c")
		if [ "$(vz_daemon_cgroup_layout)" = v2 ]; then
			require_cgroup2_mount
			root=$(vz_cgroup2_mount)
			grep -qw "$c" "$root/cgroup.controllers" ||
				skip "the daemon's cgroup2 hierarchy ($root) has no $c controller (cgroup.controllers: '$(cat "$root/cgroup.controllers")')"
		else
			[ -n "$(vz_cgroup_v1_mount "$c")" ] ||
				skip "host has no cgroup v1 hierarchy with the $c controller"
		fi
	done
}

# Freezing a CT: v1 needs a freezer hierarchy; v2 has cgroup.freeze in every
# group (5.2+) and no controller for it.
require_freezer() {
	[ "$(vz_daemon_cgroup_layout)" = v2 ] || require_cgroup_controller freezer
}

# Swap accounting of CT's memory group (v1 memsw, v2 memory.swap.max): off
# with swapaccount=0 or a kernel without it.
require_swap_accounting() {
	local dir knob
	dir=$(vz_ct_cgroup_dir memory "$1")
	knob=memory.memsw.limit_in_bytes
	[ "$(vz_daemon_cgroup_layout)" = v1 ] || knob=memory.swap.max
	[ -e "$dir/$knob" ] || skip "host kernel does not account swap (no $knob in $dir)"
}

# ---- checkpoints ----

# A CRIU that can checkpoint on this host: `criu check` passes
# (scripts/install-deps builds CRIU 4.2; Debian 12's 3.17 fails here).
require_criu() {
	vz_feature criu-check criu check
	[ "$VZ_FEATURE_STATUS" = 0 ] ||
		skip "criu cannot checkpoint on this host: $(printf '%s' "$VZ_FEATURE_OUTPUT" | tail -n 1)"
}

# A restore under another cgroup prefix (a migration's, at the other host)
# works here. Not under scripts/cgroup2-host on a hybrid kernel: processes
# there still belong to the v1 hierarchies, unmounted but listed in
# /proc/self/cgroup, and CRIU fails to recreate those groups under the new
# prefix (cpuset.cpus: permission denied). A real cgroup2-only host lists
# only "0::".
require_restore_elsewhere() {
	restore_elsewhere_works ||
		skip "cgroup2-only emulation on a hybrid kernel: CRIU cannot move the v1 groups processes still have"
}

# Can a CT be restored under another daemon's cgroup prefix here (not under
# the cgroup2-only emulation of a hybrid kernel)?
restore_elsewhere_works() {
	! { [ "$(vz_daemon_cgroup_layout)" = v2 ] && grep -qv '^0::' /proc/self/cgroup; }
}

# A CRIU built with vz's fixes (scripts/criu-patches), which post-copy needs.
require_criu_vz() {
	criu --version 2>/dev/null | grep -q '^GitID: .*-vz' ||
		skip "criu here lacks vz's fixes for post-copy (scripts/install-deps builds it)"
}

# ---- storage ----

# require_block_device PATH: PATH's file system lives on a block device
# (throttles and O_DIRECT need one; tmpfs, overlayfs and the like do not have it).
require_block_device() {
	local dev
	dev=$(stat -c '%Hd:%Ld' "$1")
	[ -e "/sys/dev/block/$dev" ] ||
		skip "$1 is on $(stat -f -c %T "$1") (device $dev), not on a block device"
}
