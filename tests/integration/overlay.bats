#!/usr/bin/env bats
# VE_LAYOUT=overlay: the template is unpacked once, read-only, with
# unshifted ids into <root>/template/unpacked/ID/root; each CT gets its own
# upper layer and sees the tree through an idmapped mount. CTs share the
# tree's files (same inodes), none can change another's files or the tree,
# destroy removes only the CT's layer, a replaced tarball leaves the trees
# of existing CTs alone, and checkpoint/restore and migration (to a host
# that lacks the tree) keep working.
# vz-test: cgroup-agnostic

load helpers
load multihost

setup() { vz_start_daemon; }
teardown() {
	vz_stop_daemon
	[ -z "${VZ_MH_HOSTS:-}" ] || vz_multihost_stop
}

store() { echo "$VZ_ROOT/template/unpacked"; }
# The one tree id in the store (fails unless there is exactly one).
tree_id() {
	local ids
	ids=$(find "$(store)" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*' -printf '%f\n')
	[ "$(echo "$ids" | wc -l)" = 1 ] && [ -n "$ids" ] && echo "$ids"
}
base_of() { sed -n 's/^UID_RANGE="\([0-9]*\):.*/\1/p' "$VZ_ROOT/conf/$1.conf"; }

# An overlay CT from busybox, with the probe in its upper layer, started.
overlay_ct() {
	local ct=$1 base
	vzctl --quiet create "$ct" --ostemplate busybox --layout overlay
	base=$(base_of "$ct")
	mkdir -p "$VZ_ROOT/private/$ct/upper/bin"
	chown "$base:$base" "$VZ_ROOT/private/$ct/upper/bin"
	install -m 0755 -o "$base" -g "$base" "$VZ_BUILD/vzprobe" \
		"$VZ_ROOT/private/$ct/upper/bin/vzprobe"
	vzctl --quiet start "$ct"
}

@test "overlay create: the CT gets only its layer; the template is unpacked once, shared, 0700" {
	run -0 vzctl create 101 --ostemplate busybox --layout overlay
	grep -q '^VE_LAYOUT="overlay"' "$VZ_ROOT/conf/101.conf"
	id=$(tree_id)
	[ "$(cat "$VZ_ROOT/private/101/lower")" = "$id" ]
	[ "$(find "$VZ_ROOT/private/101" -mindepth 1 -maxdepth 1 -printf '%f ' | tr ' ' '\n' | sort | tr '\n' ' ')" = "lower upper work " ]
	[ -z "$(ls -A "$VZ_ROOT/private/101/upper")" ]
	[ "$(stat -c %u:%a "$VZ_ROOT/private/101/upper")" = "$(base_of 101):755" ]
	# The store keeps host users out (its trees hold setuid files of host root).
	[ "$(stat -c %U:%a "$(store)")" = root:700 ]
	[ "$(stat -c %u "$(store)/$id/root/bin/busybox")" = 0 ]
	run -0 vzctl create 102 --ostemplate busybox --layout overlay
	[ "$(tree_id)" = "$id" ]
	[ "$(cat "$VZ_ROOT/private/102/lower")" = "$id" ]
	[ "$(base_of 101)" != "$(base_of 102)" ]
}

@test "overlay CTs see the template as their own root's, share its inodes, and cannot touch each other or it" {
	overlay_ct 101
	overlay_ct 102
	id=$(tree_id)
	tree=$(store)/$id/root
	sum=$(md5sum <"$tree/bin/busybox")
	run -0 vzctl exec 101 'stat -c "%u:%g %i" /bin/busybox /etc'
	lines101=$output
	[ "$(echo "$output" | head -1 | cut -d' ' -f1)" = 0:0 ]
	# The same file, not a copy: its inode is the tree's, in both CTs.
	[ "$(echo "$output" | head -1 | cut -d' ' -f2)" = "$(stat -c %i "$tree/bin/busybox")" ]
	run -0 vzctl exec 102 'stat -c "%u:%g %i" /bin/busybox /etc'
	[ "$output" = "$lines101" ]
	# CT 101 changes a template file and adds one.
	run -0 vzctl exec 101 'echo changed >/etc/hostname.101; echo mine >>/etc/passwd; chmod 700 /etc; rm /etc/group'
	run -0 vzctl exec 102 'ls /etc/hostname.101 2>&1; grep -c mine /etc/passwd; stat -c %a /etc; ls /etc/group'
	[[ "$output" == *"No such file"* ]]
	[[ "$output" == *$'\n0\n755\n/etc/group' ]]
	# Only CT 101's upper has the change, owned by CT 101's ids; the tree is as it was.
	[ "$(stat -c %u "$VZ_ROOT/private/101/upper/etc/passwd")" = "$(base_of 101)" ]
	[ ! -e "$VZ_ROOT/private/102/upper/etc/passwd" ]
	run ! grep -q mine "$tree/etc/passwd"
	[ -e "$tree/etc/group" ]
	[ "$(stat -c %a "$tree/etc")" = 755 ]
	# A write into a template binary copies it up; the tree's stays.
	run -0 vzctl exec 101 'cp /bin/busybox /tmp/bb && cat /tmp/bb >/bin/busybox.new && echo x >>/bin/busybox.new'
	[ "$(md5sum <"$tree/bin/busybox")" = "$sum" ]
	# The CT cannot see where the tree is, nor remount it writable.
	run -0 vzctl exec 101 'cat /proc/self/mountinfo'
	[[ "$output" != *"$VZ_ROOT"*"unpacked"* ]]
	run vzctl exec 101 'mount -o remount,rw / && touch /ok'
	run -0 vzctl exec 101 'touch /probe-file'
	[ ! -e "$tree/probe-file" ]
	[ ! -e "$tree/ok" ]
}

@test "overlay start writes hostname and the probe runs; stop unmounts; vz.conf picks the layout" {
	vzctl --quiet create 101 --ostemplate busybox --layout overlay --hostname ovl.example.com
	vzctl --quiet start 101
	run -0 vzctl exec 101 hostname
	[ "$output" = ovl.example.com ]
	[ "$(cat "$VZ_ROOT/private/101/upper/etc/hostname")" = ovl.example.com ]
	# The daemon's view: under VZ_TEST_CGROUP2 its mounts are in a namespace of its own.
	[ "$(vzctl status 101)" = "CTID 101 exist mounted running" ]
	vzctl --quiet stop 101
	[ "$(vzctl status 101)" = "CTID 101 exist unmounted down" ]
	# The layout of new CTs from vz.conf; --layout wins; a bad one is refused.
	vz_stop_daemon
	VZ_TEST_CONF_EXTRA='VE_LAYOUT="overlay"' vz_start_daemon
	run -0 vzctl create 103 --ostemplate busybox
	grep -q '^VE_LAYOUT="overlay"' "$VZ_ROOT/conf/103.conf"
	run -0 vzctl create 104 --ostemplate busybox --layout simfs
	run ! grep -q '^VE_LAYOUT' "$VZ_ROOT/conf/104.conf"
	[ -x "$VZ_ROOT/private/104/bin/busybox" ]
	run vzctl create 105 --ostemplate busybox --layout tmpfs
	[ "$status" -ne 0 ]
	[[ "$output" == *"layout (simfs, overlay or ploop)"* ]]
	[ ! -e "$VZ_ROOT/conf/105.conf" ]
	[ ! -e "$VZ_ROOT/private/105" ]
}

@test "a kernel whose overlayfs takes no lower layer by fd: vz.conf's overlay falls back to simfs" {
	vz_stop_daemon
	VZ_TEST_NO_FD_LOWER=1 VZ_TEST_CONF_EXTRA='VE_LAYOUT="overlay"' vz_start_daemon
	run -0 vzctl create 101 --ostemplate busybox
	[[ "$output" == *"the CT is made with VE_LAYOUT=simfs"* ]]
	run ! grep -q '^VE_LAYOUT' "$VZ_ROOT/conf/101.conf"
	[ -x "$VZ_ROOT/private/101/bin/busybox" ]
	vzctl --quiet start 101
	[ "$(vzctl exec 101 echo up)" = up ]
	# Asked for by name, it is an error, and nothing is made.
	run -21 vzctl create 102 --ostemplate busybox --layout overlay
	[[ "$output" == *"--layout overlay: this kernel's overlayfs takes no lower layer by fd"* ]]
	[ ! -e "$VZ_ROOT/conf/102.conf" ]
	[ ! -e "$VZ_ROOT/private/102" ]
}

@test "overlay destroy removes only the CT's layer; a replaced template keeps old trees while CTs use them" {
	vzctl --quiet create 101 --ostemplate busybox --layout overlay
	vzctl --quiet create 102 --ostemplate busybox --layout overlay
	old=$(tree_id)
	run -0 vzctl destroy 101
	[ ! -e "$VZ_ROOT/private/101" ]
	[ -d "$(store)/$old/root" ]
	# The tarball is replaced (a new download): the next CT gets a new tree.
	tarball=$(ls "$VZ_ROOT"/template/cache/busybox*)
	python3 - "$tarball" <<-'PY'
		import io, sys, tarfile, os
		src = sys.argv[1]
		tmp = src + ".new"
		with tarfile.open(src) as b, tarfile.open(tmp, "w:gz") as t:
		    for m in b.getmembers():
		        t.addfile(m, b.extractfile(m) if m.isreg() else None)
		    ti = tarfile.TarInfo("etc/release-2")
		    ti.size = 3
		    t.addfile(ti, io.BytesIO(b"v2\n"))
		os.rename(tmp, src)
	PY
	run -0 vzctl create 103 --ostemplate busybox --layout overlay
	new=$(cat "$VZ_ROOT/private/103/lower")
	[ "$new" != "$old" ]
	[ -e "$(store)/$new/root/etc/release-2" ]
	[ ! -e "$(store)/$old/root/etc/release-2" ]
	# CT 102 still runs on the old tree.
	vzctl --quiet start 102
	run vzctl exec 102 'ls /etc/release-2 2>&1'
	[[ "$output" == *"No such file"* ]]
	vzctl --quiet stop 102
	# Its last CT gone, the outdated tree goes too; the current one stays.
	run -0 vzctl destroy 102
	[ ! -e "$(store)/$old" ]
	[ -d "$(store)/$new/root" ]
	run -0 vzctl destroy 103
	[ -d "$(store)/$new/root" ]
}

@test "overlay create from a hostile template: refused, nothing in the store or private" {
	python3 - "$VZ_ROOT/template/cache/evil.tar.gz" <<-'PY'
		import io, sys, tarfile
		with tarfile.open(sys.argv[1], "w:gz") as t:
		    ti = tarfile.TarInfo("etc/../../../../pwned")
		    ti.size = 6
		    t.addfile(ti, io.BytesIO(b"pwned\n"))
	PY
	run vzctl create 101 --ostemplate evil --layout overlay
	[ "$status" -eq 47 ]
	[ ! -e "$VZ_ROOT/conf/101.conf" ]
	[ -z "$(ls -A "$VZ_ROOT/private")" ]
	[ -z "$(ls -A "$(store)")" ]
}

@test "overlay checkpoint and restore: processes go on, the layer's files and open files kept" {
	require_criu
	overlay_ct 101
	# shellcheck disable=SC2016
	vzctl exec 101 'echo kept >/root/data; setsid sh -c "exec 3>>/root/held; i=0; while :; do i=\$((i+1)); echo \$i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.05; done" </dev/null >/dev/null 2>&1 &'
	for _ in $(seq 100); do [ -s "$VZ_ROOT/private/101/upper/tmp/count" ] && break; sleep 0.05; done
	sleep 0.5
	run -0 vzctl chkpnt 101
	[ "$(vzctl status 101)" = "CTID 101 exist unmounted down suspended" ]
	at=$(cat "$VZ_ROOT/private/101/upper/tmp/count")
	run -0 vzctl restore 101
	for _ in $(seq 100); do
		[ "$(cat "$VZ_ROOT/private/101/upper/tmp/count")" -gt "$at" ] && break
		sleep 0.05
	done
	[ "$(cat "$VZ_ROOT/private/101/upper/tmp/count")" -gt "$at" ]
	[ "$at" -gt 3 ]
	run -0 vzctl exec 101 'cat /root/data; ls -l /proc/*/fd/3 2>/dev/null | grep -c /root/held'
	[[ "$output" == kept* ]]
}

# The same template on two test hosts; host b has no tree until a CT arrives.
@test "overlay migration to a host that lacks the tree sends it; offline there and back, online" {
	require_criu
	require_sshd
	vz_stop_daemon
	vz_host_start a 1
	vz_host_start b 2
	ra=$(vz_mh_var a VZ_ROOT)
	rb=$(vz_mh_var b VZ_ROOT)
	vz_on a vzctl --quiet create 101 --ostemplate busybox --layout overlay
	echo "customer data" >"$ra/private/101/upper/data"
	base=$(sed -n 's/^UID_RANGE="\([0-9]*\):.*/\1/p' "$ra/conf/101.conf")
	chown "$base:$base" "$ra/private/101/upper/data"
	vz_on a vzctl --quiet start 101
	id=$(cat "$ra/private/101/lower")
	[ ! -e "$rb/template/unpacked/$id" ]
	run -0 vz_on a vzctl migrate 101 "$(vz_mh_var b VZ_ADDR)" --ssh-opts "$VZ_SSH_OPTS" -j
	[[ "$output" == *'"phase":"sync-template"'* ]] || { echo "$output" >&3; false; }
	[ -d "$rb/template/unpacked/$id/root" ]
	[ "$(stat -c %a "$rb/template/unpacked")" = 700 ]
	[ "$(find "$rb/template/unpacked" -mindepth 1 -maxdepth 1 -printf '%f\n')" = "$id" ]
	[ "$(cat "$rb/private/101/upper/data")" = "customer data" ]
	[ ! -e "$ra/private/101" ]
	# Host a keeps its tree: its tarball is still cached.
	[ -d "$ra/template/unpacked/$id/root" ]
	run -0 vz_on b vzctl exec 101 'cat /data; stat -c %u /bin/busybox'
	[ "$output" = $'customer data\n0' ]
	# Back to a, online: a has the tree, nothing but the CT's layer travels.
	# (Offline under the cgroup2-only emulation of a hybrid kernel: there CRIU
	# fails to restore any CT into another daemon's groups, "cg: Failed
	# writing 0-1 to .../cpuset.cpus: Permission denied", simfs CTs alike.)
	online=--online
	restore_elsewhere_works || online=
	run -0 vz_on b vzctl exec 101 'echo more >>/data'
	run vz_on b vzctl migrate 101 "$(vz_mh_var a VZ_ADDR)" --ssh-opts "$VZ_SSH_OPTS" $online -j
	[ "$status" = 0 ] || { echo "$output" >&3; false; }
	[[ "$output" != *'"phase":"sync-template"'* ]]
	[ "$(vz_on a vzlist -H -o status 101 | tr -d ' ')" = running ]
	run -0 vz_on a vzctl exec 101 'cat /data'
	[ "$output" = $'customer data\nmore' ]
	# Its only CT gone, b's tree (no tarball there made it) is gone too.
	[ ! -e "$rb/template/unpacked/$id" ]
}

@test "a debian-12 overlay CT boots systemd, and is created in well under a second" {
	cache=$(vz_template_cache)
	ls "$cache"/debian-12-*.tar.* >/dev/null 2>&1 || skip "no debian-12 template (VZ_TEST_SEED_CACHE)"
	run -0 vzctl create 100 --ostemplate debian-12 --layout overlay
	start=$(date +%s%N)
	run -0 vzctl create 101 --ostemplate debian-12 --layout overlay
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "create: $ms ms" >&3
	[ "$ms" -lt 1000 ]
	run -0 vzctl start 101
	for _ in $(seq 100); do
		run vzctl exec 101 'systemctl is-system-running'
		[[ "$output" == running || "$output" == degraded ]] && break
		sleep 0.1
	done
	[ "$output" = running ]
	run -0 vzctl exec 101 'stat -c %U /usr/bin/passwd; id -u'
	[ "$output" = $'root\n0' ]
	# ping's file capability, stored unshifted in the tree, works for a CT
	# user, and still does once copied up into the CT's layer.
	ping_as_nobody='ip link set lo up; setpriv --reuid=65534 --regid=65534 --clear-groups ping -c1 -W2 127.0.0.1'
	run -0 vzctl exec 101 "$ping_as_nobody"
	run -0 vzctl exec 101 "touch /usr/bin/ping; $ping_as_nobody"
	[ -f "$VZ_ROOT/private/101/upper/usr/bin/ping" ]
}

@test "overlay migration: a destination without room for the template tree it lacks refuses" {
	require_sshd
	vz_stop_daemon
	vz_host_start a 1
	vz_host_start b 2
	ra=$(vz_mh_var a VZ_ROOT)
	rb=$(vz_mh_var b VZ_ROOT)
	# A template of ~100 MB: busybox and a file that does not compress.
	big=$BATS_TEST_TMPDIR/big
	mkdir -p "$big"
	tar -xf "$(vz_template_cache)"/busybox*.tar* -C "$big"
	head -c 100M /dev/urandom >"$big/blob"
	tar --numeric-owner -czf "$BATS_TEST_TMPDIR/bigtpl.tar.gz" -C "$big" .
	vz_on a vzctl --quiet template import "$BATS_TEST_TMPDIR/bigtpl.tar.gz" --name bigtpl
	vz_on a vzctl --quiet create 101 --ostemplate bigtpl --layout overlay
	# Room for the CT's own layer and the margin, not for the tree as well.
	mount -t tmpfs -o size=120m vzmh "$rb/private"
	run -46 vz_on a vzctl migrate 101 "$(vz_mh_var b VZ_ADDR)" --ssh-opts "$VZ_SSH_OPTS"
	umount "$rb/private"
	[[ "$output" == *"not enough disk space"* ]]
	[ -d "$ra/private/101/upper" ]
	[ -z "$(find "$rb/template/unpacked" -mindepth 1 -maxdepth 1 2>/dev/null)" ]
	run -0 vz_on a vzlist -H -o ctid 101
}
