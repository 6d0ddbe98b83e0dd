#!/usr/bin/env bats
# OS templates: list, import, and the tarballs that must never be trusted.
# vz-test: cgroup-agnostic

load helpers
bats_require_minimum_version 1.5.0

setup() {
	vz_start_daemon
	OUTSIDE="$VZ_TEST_DIR/outside"
	mkdir -p "$OUTSIDE"
	echo victim >"$OUTSIDE/victim"
	PASSWD_BEFORE=$(stat -c '%u:%g:%a:%h' /etc/passwd)-$(md5sum </etc/passwd)
}
teardown() { vz_teardown_hard; }

# mktar KIND FILE: a gzip tarball built with python's tarfile. Every hostile
# kind aims at $OUTSIDE, a directory that must stay as the test made it.
mktar() {
	python3 - "$1" "$2" "$OUTSIDE" "$VZ_ROOT/template/cache" <<-'PY'
		import io, os, sys, tarfile
		kind, out, outside, cache = sys.argv[1:]
		rel = "../../../outside"  # from <root>/private/.CTID.creating to $OUTSIDE
		def add(t, name, data=b"pwned\n", **kw):
		    ti = tarfile.TarInfo(name)
		    ti.mode = 0o644
		    for k, v in kw.items():
		        setattr(ti, k, v)
		    if ti.type == tarfile.REGTYPE:
		        ti.size = len(data)
		        t.addfile(ti, io.BytesIO(data))
		    else:
		        t.addfile(ti)
		with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as t:
		    if kind == "good":
		        # The busybox template plus two files of our own.
		        src = [f for f in os.listdir(cache) if f.startswith("busybox")][0]
		        with tarfile.open(os.path.join(cache, src)) as b:
		            for m in b.getmembers():
		                t.addfile(m, b.extractfile(m) if m.isreg() else None)
		        add(t, "etc/vz-test-marker", b"imported template\n")
		        add(t, "home/user/file", b"user file\n", uid=1000, gid=1000)
		        sys.exit(0)
		    add(t, "etc", type=tarfile.DIRTYPE, mode=0o755)
		    add(t, "etc/hostname", b"ok\n")
		    if kind == "absolute":
		        add(t, outside + "/pwned")
		    elif kind == "dotdot":
		        add(t, "etc/../" + rel + "/pwned")
		    elif kind == "symlink-abs":
		        add(t, "escape", type=tarfile.SYMTYPE, linkname=outside)
		        add(t, "escape/pwned")
		    elif kind == "symlink-rel":
		        add(t, "usr", type=tarfile.SYMTYPE, linkname=rel)
		        add(t, "./usr//pwned")
		    elif kind == "symlink-dir":
		        add(t, "etc/sub", type=tarfile.SYMTYPE, linkname=outside)
		        add(t, "etc/sub/deeper/pwned")
		    elif kind == "symlink-hardlink":
		        add(t, "escape", type=tarfile.SYMTYPE, linkname=outside)
		        add(t, "stolen", type=tarfile.LNKTYPE, linkname="escape/victim")
		    elif kind == "hardlink-passwd":
		        add(t, "passwd", type=tarfile.LNKTYPE, linkname="/etc/passwd")
		    elif kind == "hardlink-rel":
		        add(t, "victim", type=tarfile.LNKTYPE, linkname=rel + "/victim")
		    elif kind == "devices":
		        add(t, "dev", type=tarfile.DIRTYPE, mode=0o755)
		        add(t, "dev/mem", type=tarfile.CHRTYPE, devmajor=1, devminor=1)
		        add(t, "dev/sda", type=tarfile.BLKTYPE, devmajor=8, devminor=0)
		        add(t, "dev/kmsg", type=tarfile.CHRTYPE, devmajor=1, devminor=11)
		    else:
		        sys.exit("unknown kind " + kind)
	PY
}

HOSTILE="absolute dotdot symlink-abs symlink-rel symlink-dir symlink-hardlink hardlink-passwd
hardlink-rel"

# Nothing of a hostile tarball reached the host.
outside_untouched() {
	[ "$(ls -A "$OUTSIDE")" = "victim" ]
	[ "$(cat "$OUTSIDE/victim")" = "victim" ]
	[ "$(stat -c '%u:%g:%h' "$OUTSIDE/victim")" = "0:0:1" ]
	[ "$(stat -c '%u:%g:%a:%h' /etc/passwd)-$(md5sum </etc/passwd)" = "$PASSWD_BEFORE" ]
	[ ! -e "$VZ_TEST_DIR/pwned" ]
	[ ! -e "$VZ_ROOT/pwned" ]
	[ ! -e /pwned ]
}

@test "template list shows the busybox template" {
	run -0 vzctl template list
	[[ "$output" =~ (^|$'\n')busybox(-$(uname -m))?($'\n'|$) ]]
}

@test "import of a good tarball, then create and start a CT from it" {
	mktar good "$BATS_TEST_TMPDIR/mini-os.tar.gz"
	run -0 vzctl template import "$BATS_TEST_TMPDIR/mini-os.tar.gz"
	[[ "$output" == *"mini-os"* ]]
	run -0 vzctl template list
	[[ "$output" == *$'\n'"mini-os"* || "$output" == "mini-os"* ]]
	[ -f "$VZ_ROOT/template/cache/mini-os.tar.gz" ]
	run -0 vzctl create 101 --ostemplate mini-os
	grep -qx 'OSTEMPLATE="mini-os"' "$VZ_ROOT/conf/101.conf"
	# Ownership shifted into the CT's uid range on the host.
	base=$(sed -n 's/^UID_RANGE="\([0-9]*\):.*/\1/p' "$VZ_ROOT/conf/101.conf")
	[ "$(stat -c %u:%g "$VZ_ROOT/private/101/etc/vz-test-marker")" = "$base:$base" ]
	[ "$(stat -c %u "$VZ_ROOT/private/101/home/user/file")" = "$((base + 1000))" ]
	vzctl --quiet start 101
	run vzctl exec 101 cat /etc/vz-test-marker
	[ "$output" = "imported template" ]
	run vzctl exec 101 stat -c %u:%g /home/user/file
	[ "$output" = "1000:1000" ]
}

@test "import under another name; a second import of a name is refused" {
	mktar good "$BATS_TEST_TMPDIR/x.tar.gz"
	run -0 vzctl template import "$BATS_TEST_TMPDIR/x.tar.gz" --name other-os
	[ -f "$VZ_ROOT/template/cache/other-os.tar.gz" ]
	before=$(md5sum "$VZ_ROOT/template/cache/other-os.tar.gz")
	run -21 vzctl template import "$BATS_TEST_TMPDIR/x.tar.gz" --name other-os
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"template 'other-os' already exists"* ]]
	[ "$(md5sum "$VZ_ROOT/template/cache/other-os.tar.gz")" = "$before" ]
	run -21 vzctl template import "$BATS_TEST_TMPDIR/x.tar.gz" --name ../../evil
	[[ "$output" == *"invalid template name"* ]]
	[ ! -e "$VZ_TEST_DIR/evil.tar.gz" ]
	[ ! -e "$VZ_ROOT/evil.tar.gz" ]
}

@test "import of a file that is no tarball, or of no file: refused, cache unchanged" {
	before=$(ls -A "$VZ_ROOT/template/cache")
	echo "not a tarball" >"$BATS_TEST_TMPDIR/junk.tar.gz"
	run -47 vzctl template import "$BATS_TEST_TMPDIR/junk.tar.gz"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"template 'junk'"* ]]
	run -21 vzctl template import "$BATS_TEST_TMPDIR/missing.tar.gz"
	[[ "$output" == *"missing.tar.gz"* ]]
	[ "$(ls -A "$VZ_ROOT/template/cache")" = "$before" ]
}

@test "import of hostile tarballs is refused, nothing is written outside, no template added" {
	before=$(ls -A "$VZ_ROOT/template/cache")
	list_before=$(vzctl template list)
	for kind in $HOSTILE; do
		mktar "$kind" "$BATS_TEST_TMPDIR/evil-$kind.tar.gz"
		run vzctl template import "$BATS_TEST_TMPDIR/evil-$kind.tar.gz"
		echo "$kind: $status $output"
		[ "$status" -eq 47 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *"template 'evil-$kind'"* ]]
		# The error names the offending entry.
		[[ "$output" =~ entry\ \'[^\']*(pwned|passwd|victim|stolen)\' ]]
		outside_untouched
		# No template and no temp file left in the cache.
		[ "$(ls -A "$VZ_ROOT/template/cache")" = "$before" ]
		[ "$(vzctl template list)" = "$list_before" ]
	done
}

@test "create from a hostile template in the cache: 47, no private area, no config" {
	for kind in $HOSTILE; do
		# Put there by hand, as an admin copying a tarball into the cache would.
		mktar "$kind" "$VZ_ROOT/template/cache/evil-$kind.tar.gz"
		before=$(vz_snapshot)
		run vzctl create 101 --ostemplate "evil-$kind"
		echo "$kind: $status $output"
		[ "$status" -eq 47 ]
		[[ "$output" == *"create CT 101"* ]]
		[[ "$output" =~ entry\ \'[^\']*(pwned|passwd|victim|stolen)\' ]]
		[ ! -e "$VZ_ROOT/conf/101.conf" ]
		[ -z "$(ls -A "$VZ_ROOT/private")" ]
		[ ! -e "$VZ_ROOT/root/101" ]
		outside_untouched
		[ "$(vz_snapshot)" = "$before" ]
		run vzctl status 101
		[ "$output" = "CTID 101 deleted unmounted down" ]
	done
}

@test "device nodes in a template are left out, never created on the host" {
	mktar devices "$BATS_TEST_TMPDIR/with-devs.tar.gz"
	run -0 vzctl template import "$BATS_TEST_TMPDIR/with-devs.tar.gz"
	run -0 vzctl create 101 --ostemplate with-devs
	[ -d "$VZ_ROOT/private/101/dev" ]
	[ -f "$VZ_ROOT/private/101/etc/hostname" ]
	[ -z "$(find "$VZ_ROOT/private/101" \( -type c -o -type b \) -print)" ]
	[ ! -e "$VZ_ROOT/private/101/dev/mem" ]
	outside_untouched
}
