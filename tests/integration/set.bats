#!/usr/bin/env bats
# vzctl set: live changes, --save, names, description, ONBOOT, DISABLED.

load helpers
bats_require_minimum_version 1.5.0

setup() { vz_start_daemon; }
teardown() { vz_teardown_hard; }

@test "--hostname on a running CT changes it inside at once; --save keeps it" {
	vz_running_ct 101 --hostname old.example
	run -0 vzctl set 101 --hostname new.example --save
	[[ "$output" == *"Saved parameters for CT 101"* ]]
	run vzctl exec 101 hostname
	[ "$output" = "new.example" ]
	run vzctl exec 101 vzprobe hostname
	[ "$output" = "new.example" ]
	run vzctl exec 101 cat /etc/hostname
	[ "$output" = "new.example" ]
	grep -qx 'HOSTNAME="new.example"' "$VZ_ROOT/conf/101.conf"
	[ "$(grep -c '^HOSTNAME=' "$VZ_ROOT/conf/101.conf")" = 1 ]
	# /etc/hostname still belongs to CT root, not to host root.
	base=$(sed -n 's/^UID_RANGE="\([0-9]*\):.*/\1/p' "$VZ_ROOT/conf/101.conf")
	[ "$(stat -c %u "$VZ_ROOT/private/101/etc/hostname")" = "$base" ]
	# The next start keeps the saved name.
	vzctl --quiet stop 101 --fast
	vzctl --quiet start 101
	run vzctl exec 101 hostname
	[ "$output" = "new.example" ]
	run -0 vzlist -H -o hostname
	[ "$output" = "new.example" ]
}

@test "without --save: applied live, config unchanged, and a warning says so" {
	vz_running_ct 101 --hostname old.example
	cp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before.conf"
	run -0 vzctl set 101 --hostname live.example
	[[ "$output" == *"Warning: "*"not saved"* ]]
	run vzctl exec 101 hostname
	[ "$output" = "live.example" ]
	cmp "$BATS_TEST_TMPDIR/before.conf" "$VZ_ROOT/conf/101.conf"
	# Lost at the next start, as the warning says.
	vzctl --quiet stop 101 --fast
	vzctl --quiet start 101
	run vzctl exec 101 hostname
	[ "$output" = "old.example" ]
	run vzctl exec 101 cat /etc/hostname
	[ "$output" = "old.example" ]
}

@test "--hostname on a stopped CT with --save takes effect at start" {
	vzctl --quiet create 101 --ostemplate busybox
	vz_install_probe 101
	run -0 vzctl set 101 --hostname later.example --save
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	vzctl --quiet start 101
	run vzctl exec 101 hostname
	[ "$output" = "later.example" ]
	run vzctl exec 101 cat /etc/hostname
	[ "$output" = "later.example" ]
}

@test "--name gives the CT a name that works wherever a CTID does" {
	vzctl --quiet create 101 --ostemplate busybox
	vz_install_probe 101
	run -0 vzctl set 101 --name web-1 --save
	grep -qx 'NAME="web-1"' "$VZ_ROOT/conf/101.conf"
	run -0 vzctl start web-1
	run -0 vzctl status web-1
	[ "$output" = "CTID 101 exist mounted running" ]
	run -0 vzctl exec web-1 vzprobe uid
	[ "$output" = "0 0" ]
	run -0 vzctl set web-1 --hostname named.example --save
	run vzctl exec 101 hostname
	[ "$output" = "named.example" ]
	run -0 vzlist -H -o ctid,name
	[ "$output" = "$(printf '%10s %s' 101 web-1)" ]
	run -0 vzctl stop web-1 --fast
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	# Renaming frees the old name.
	run -0 vzctl set 101 --name web-2 --save
	run -14 vzctl start web-1
	[[ "$output" == *"'web-1' does not exist"* ]]
	run -0 vzctl start web-2
}

@test "a second CT cannot take a name in use; the first keeps it" {
	vzctl --quiet create 101 --ostemplate busybox --name db
	vzctl --quiet create 102 --ostemplate busybox
	cp "$VZ_ROOT/conf/102.conf" "$BATS_TEST_TMPDIR/before.conf"
	run -21 vzctl set 102 --name db --save
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"CT 102"*"'db'"*"used by another CT"* ]]
	cmp "$BATS_TEST_TMPDIR/before.conf" "$VZ_ROOT/conf/102.conf"
	run -0 vzctl status db
	[ "$output" = "CTID 101 exist unmounted down" ]
	# Setting a CT's own name again is no conflict.
	run -0 vzctl set 101 --name db --save
	# Nor can a name look like a CTID.
	run -21 vzctl set 102 --name 101 --save
	cmp "$BATS_TEST_TMPDIR/before.conf" "$VZ_ROOT/conf/102.conf"
}

@test "--description is saved, shown by vzlist, and cleared by an empty value" {
	vzctl --quiet create 101 --ostemplate busybox
	run -0 vzctl set 101 --description "Customer 42: web shop" --save
	grep -qx 'DESCRIPTION="Customer 42: web shop"' "$VZ_ROOT/conf/101.conf"
	run -0 vzlist -a -H -o description
	[ "$output" = "Customer 42: web shop" ]
	run -0 vzlist -a -j -o description
	[ "$(jq -r '.[0].description' <<<"$output")" = "Customer 42: web shop" ]
	# Characters a shell would act on stay literal.
	# shellcheck disable=SC2016 # the literal text is the point
	run -0 vzctl set 101 --description 'a "quoted" $HOME `x` \ path' --save
	run -0 vzlist -a -H -o description
	# shellcheck disable=SC2016
	[ "$output" = 'a "quoted" $HOME `x` \ path' ]
	run -0 vzctl set 101 --description "" --save
	run -1 grep -q '^DESCRIPTION=' "$VZ_ROOT/conf/101.conf"
	run -0 vzlist -a -H -o description
	[ "$output" = "-" ]
}

@test "--onboot yes|no is saved as ONBOOT and shown by vzlist" {
	vzctl --quiet create 101 --ostemplate busybox
	run -0 vzctl set 101 --onboot yes --save
	grep -qx 'ONBOOT="yes"' "$VZ_ROOT/conf/101.conf"
	run -0 vzlist -a -H -o onboot
	[ "$output" = "yes" ]
	run -0 vzctl set 101 --onboot no --save
	grep -qx 'ONBOOT="no"' "$VZ_ROOT/conf/101.conf"
	[ "$(grep -c '^ONBOOT=' "$VZ_ROOT/conf/101.conf")" = 1 ]
	run -0 vzlist -a -H -o onboot
	[ "$output" = "no" ]
	run -0 vzlist -a -j -o onboot
	[ "$(jq -c . <<<"$output")" = '[{"onboot":false}]' ]
}

@test "--disabled yes: start fails with 105 and nothing starts; no re-enables" {
	vzctl --quiet create 101 --ostemplate busybox
	run -0 vzctl set 101 --disabled yes --save
	run -105 vzctl start 101
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"CT 101"*"disabled"* ]]
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	[ "$(vz_ct_mounts 101)" = 0 ]
	[ -z "$(vz_ct_cgroups 101)" ]
	run -0 vzlist -a -H -o disabled
	[ "$output" = "yes" ]
	run -0 vzctl set 101 --disabled no --save
	run -0 vzctl start 101
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
}

@test "several options at once, and an unknown option is 20 with nothing changed" {
	vzctl --quiet create 101 --ostemplate busybox
	run -0 vzctl set 101 --hostname multi.example --onboot yes --description two --save
	grep -qx 'HOSTNAME="multi.example"' "$VZ_ROOT/conf/101.conf"
	grep -qx 'ONBOOT="yes"' "$VZ_ROOT/conf/101.conf"
	grep -qx 'DESCRIPTION="two"' "$VZ_ROOT/conf/101.conf"
	cp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before.conf"
	run -20 vzctl set 101 --hostname x.example --quotaugidlimit 100 --save
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"option '--quotaugidlimit' is not supported by vz yet"* ]]
	run -20 vzctl set 101 --save
	cmp "$BATS_TEST_TMPDIR/before.conf" "$VZ_ROOT/conf/101.conf"
}

@test "comments and keys vz does not know survive a --save" {
	vzctl --quiet create 101 --ostemplate busybox
	printf '# managed by the panel\nPANEL_ID="7781"\n' >>"$VZ_ROOT/conf/101.conf"
	run -0 vzctl set 101 --hostname kept.example --save
	grep -qx '# managed by the panel' "$VZ_ROOT/conf/101.conf"
	grep -qx 'PANEL_ID="7781"' "$VZ_ROOT/conf/101.conf"
	grep -qx 'HOSTNAME="kept.example"' "$VZ_ROOT/conf/101.conf"
}

@test "restart of a DISABLED CT is refused with 105 and leaves it running" {
	vz_running_ct 101
	vzctl --quiet set 101 --disabled yes --save
	run -105 vzctl restart 101
	[[ "$output" == *"start disabled"* ]]
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
}

@test "--nameserver (repeatable) and --searchdomain write /etc/resolv.conf, live and at start" {
	vz_running_ct 101
	run -0 vzctl set 101 --nameserver 192.0.2.53 --nameserver 2001:db8::53 \
		--searchdomain example.com --save
	grep -qx 'NAMESERVER="192.0.2.53 2001:db8::53"' "$VZ_ROOT/conf/101.conf"
	run -0 vzctl exec 101 cat /etc/resolv.conf
	[[ "$output" == *$'search example.com\nnameserver 192.0.2.53\nnameserver 2001:db8::53'* ]]
	# Whatever the CT wrote meanwhile, a start puts the configured servers back.
	vzctl exec 101 'echo nameserver 203.0.113.1 > /etc/resolv.conf'
	vzctl --quiet restart 101
	run -0 vzctl exec 101 grep -c '^nameserver' /etc/resolv.conf
	[ "$output" = 2 ]
}

@test "a missing option value and OpenVZ options of later milestones get their own message" {
	vzctl --quiet create 101 --ostemplate busybox
	run -20 vzctl set 101 --hostname
	[ "$output" = "vzctl set: option '--hostname' needs a value" ]
	run -20 vzctl set 101 --quotaugidlimit 100 --save
	[ "$output" = "vzctl set: option '--quotaugidlimit' is not supported by vz yet" ]
	run -20 vzctl set 101 --no-such-thing 1
	[ "$output" = "vzctl set: invalid option '--no-such-thing'" ]
	run -20 vzctl strat 101
	[ "${#lines[@]}" -eq 1 ]
}

@test "set --userpasswd on a stopped CT: SHA-512 hash, a new user, nothing saved or logged" {
	vzctl --quiet create 101 --ostemplate busybox
	shadow=$VZ_ROOT/private/101/etc/shadow
	run -0 vzctl set 101 --userpasswd 'root:s3cret:pw'
	hash=$(awk -F: '$1 == "root" {print $2}' "$shadow")
	[[ "$hash" == "\$6\$"* ]]
	[ "$(openssl passwd -6 -salt "$(echo "$hash" | cut -d'$' -f3)" 's3cret:pw')" = "$hash" ]
	# The date of the change is today's.
	[ "$(awk -F: '$1 == "root" {print $3}' "$shadow")" = $(($(date +%s) / 86400)) ]
	# The CT is left unmounted, as it was.
	run -0 vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	# A user the busybox CT lacks is made, with sh as its shell.
	echo 'bob pw' | vzctl --quiet set 101 --userpasswd bob
	grep -qx 'bob:x:1000:1000::/home/bob:/bin/sh' "$VZ_ROOT/private/101/etc/passwd"
	grep -qx 'bob:x:1000:' "$VZ_ROOT/private/101/etc/group"
	grep -q '^bob:[$]6[$]' "$shadow"
	[ "$(stat -c %a "$shadow")" = 600 ]
	run ! grep -rq -e 's3cret' -e 'bob pw' "$VZ_ROOT/conf" "$VZ_TEST_DIR/vzd.log"
	# It works on the running CT as well, and the CT sees the user.
	vzctl --quiet start 101
	run -0 vzctl set 101 --userpasswd bob:other
	run -0 vzctl exec 101 grep -c '^bob:' /etc/shadow
	[ "$output" = 1 ]
}

@test "set --userpasswd: bad input changes nothing" {
	vzctl --quiet create 101 --ostemplate busybox
	before=$(md5sum "$VZ_ROOT/private/101/etc/shadow" "$VZ_ROOT/private/101/etc/passwd")
	run -21 vzctl set 101 --userpasswd 'root:'
	[[ "$output" == *"expected USER:PASSWORD"* ]]
	run -21 vzctl set 101 --userpasswd ':pw'
	run -21 vzctl set 101 --userpasswd '../x:pw'
	[[ "$output" == *"invalid user name '../x'"* ]]
	run -21 vzctl set 101 --userpasswd 'a:b:c' --ram 1X
	run -21 vzctl set 101 --userpasswd root </dev/null
	# A set that fails sets no password either.
	run -21 vzctl set 101 --userpasswd root:pw --ipadd 300.1.1.1
	[ "$(md5sum "$VZ_ROOT/private/101/etc/shadow" "$VZ_ROOT/private/101/etc/passwd")" = "$before" ]
}
