#!/usr/bin/env bats
# vzctl mount/umount, vzctl runscript and OpenVZ's action scripts
# (vps.mount, CTID.mount, CTID.umount, vps.umount on the host; CTID.start
# and CTID.stop inside the CT).
# vz-test: cgroup-agnostic

load helpers

setup() { vz_start_daemon; }
teardown() { vz_stop_daemon; }

# In vzd's mount namespace (with VZ_TEST_CGROUP2=1 it has one of its own):
# where a CT's root is mounted.
in_vzd() { nsenter -t "$VZD_PID" -m -- "$@"; }

ct_mounted() { in_vzd mountpoint -q "$VZ_ROOT/root/$1"; }

# action_script NAME [MODE]: stdin becomes <root>/conf/NAME, root's, MODE (755).
action_script() {
	cat >"$VZ_ROOT/conf/$1"
	chown 0:0 "$VZ_ROOT/conf/$1"
	chmod "${2:-755}" "$VZ_ROOT/conf/$1"
}

# A host script that logs its name, environment and whether the root is mounted.
log_script() {
	action_script "$1" "${2:-755}" <<EOF
#!/bin/sh
m=no; mountpoint -q "\$VE_ROOT" && [ -x "\$VE_ROOT/bin/busybox" ] && m=yes
# OpenVZ's scripts source the CT's config for the rest.
t=\$(. "\$VE_CONFFILE" && echo "\$OSTEMPLATE")
echo "\${0##*/} VEID=\$VEID VE_CONFFILE=\$VE_CONFFILE VE_ROOT=\$VE_ROOT VE_PRIVATE=\$VE_PRIVATE mounted=\$m ostemplate=\$t" >>"$VZ_TEST_DIR/scripts.log"
echo "hello from \${0##*/}"
EOF
}

@test "mount shows a stopped CT's files under root/CTID; umount hides them again" {
	vzctl --quiet create 101 --ostemplate busybox
	vz_mark_private 101
	run vzctl mount 101
	[ "$status" -eq 0 ]
	[[ "$output" == *"Container is mounted"* ]]
	in_vzd grep -q "marker 101" "$VZ_ROOT/root/101/.vz-test-marker"
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted down" ]
	run vzlist -a -H -o ctid,status 101
	read -r id st <<<"$output"
	[ "$id $st" = "101 mounted" ]
	# OpenVZ: mounting a mounted CT is no error.
	run vzctl mount 101
	[ "$status" -eq 0 ]
	[[ "$output" == *"Container is already mounted"* ]]
	run vzctl umount 101
	[ "$status" -eq 0 ]
	[[ "$output" == *"Container is unmounted"* ]]
	run ! ct_mounted 101
	run ! in_vzd test -e "$VZ_ROOT/root/101/.vz-test-marker"
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	run vzlist -a -H -o ctid,status 101
	read -r id st <<<"$output"
	[ "$id $st" = "101 stopped" ]
	run vzctl umount 101
	[ "$status" -eq 40 ]
	[ "$output" = "CT 101 is not mounted" ]
	vz_check_marker 101
}

@test "a mounted CT stays mounted across a vzd restart" {
	# The emulation gives each vzd a mount namespace of its own.
	[ "${VZ_TEST_CGROUP2:-0}" != 1 ] || skip "each emulated vzd has its own mount namespace"
	vzctl --quiet create 101 --ostemplate busybox
	vzctl --quiet mount 101
	vz_kill_daemon
	vz_run_daemon
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted down" ]
	run vzctl umount 101
	[ "$status" -eq 0 ]
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
}

@test "start on a mounted CT works; stop unmounts it unless --skip-umount, as OpenVZ does" {
	vzctl --quiet create 101 --ostemplate busybox
	vzctl --quiet mount 101
	run vzctl start 101
	[ "$status" -eq 0 ]
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
	run vzctl exec 101 cat /proc/1/cmdline
	[[ "$output" == init* ]]
	vzctl --quiet stop 101
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	# OpenVZ's --skip-umount keeps it mounted, without the umount scripts.
	log_script 101.umount
	vzctl --quiet start 101
	run vzctl stop 101 --skip-umount
	[ "$status" -eq 0 ]
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted down" ]
	[ ! -e "$VZ_TEST_DIR/scripts.log" ]
	# stop of a CT that only is mounted: not running, and still mounted.
	run vzctl stop 101
	[ "$status" -eq 31 ]
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted down" ]
	run vzctl umount 101
	[ "$status" -eq 0 ]
	[[ "$output" == *"101.umount: hello from 101.umount"* ]]
}

@test "mount, umount and destroy refuse what OpenVZ refuses, with its codes" {
	vz_running_ct 101
	run vzctl mount 101
	[ "$status" -eq 32 ]
	[[ "$output" == *"CT 101 is running"* ]]
	run vzctl umount 101
	[ "$status" -eq 32 ]
	[ "$output" = "CT 101 is running: stop it first" ]
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
	run vzctl mount 999
	[ "$status" -eq 14 ]
	run vzctl umount 999
	[ "$status" -eq 14 ]
	run vzctl umount
	[ "$status" -eq 20 ]

	vzctl --quiet create 102 --ostemplate busybox
	vz_mark_private 102
	vzctl --quiet mount 102
	run vzctl destroy 102
	[ "$status" -eq 41 ]
	[ "$output" = "CT 102 is mounted: unmount it first (vzctl umount 102)" ]
	vz_check_marker 102
	[ -f "$VZ_ROOT/conf/102.conf" ]
	ct_mounted 102
	vzctl --quiet umount 102
	run vzctl destroy 102
	[ "$status" -eq 0 ]
	[ ! -e "$VZ_ROOT/private/102" ]
}

@test "mount scripts run on the host with OpenVZ's environment, global first" {
	vzctl --quiet create 101 --ostemplate busybox
	for s in vps.mount 101.mount 101.umount vps.umount; do log_script "$s"; done
	run vzctl mount 101
	[ "$status" -eq 0 ]
	# Their output reaches the operator, each line named after its script.
	[[ "$output" == *"vps.mount (CT 101): hello from vps.mount"* ]]
	[[ "$output" == *"101.mount: hello from 101.mount"* ]]
	env="VEID=101 VE_CONFFILE=$VZ_ROOT/conf/101.conf VE_ROOT=$VZ_ROOT/root/101"
	env+=" VE_PRIVATE=$VZ_ROOT/private/101 mounted=yes ostemplate=busybox"
	[ "$(cat "$VZ_TEST_DIR/scripts.log")" = "vps.mount $env
101.mount $env" ]
	# ... and the daemon's log.
	grep -q "CT script output: 101.mount: hello from 101.mount" "$VZ_TEST_DIR/vzd.log"
	: >"$VZ_TEST_DIR/scripts.log"
	run vzctl umount 101
	[ "$status" -eq 0 ]
	# Before the root goes, per-CT first.
	[ "$(cat "$VZ_TEST_DIR/scripts.log")" = "101.umount $env
vps.umount $env" ]
	run ! ct_mounted 101
}

@test "start and stop run the mount and umount scripts around the CT's life" {
	vzctl --quiet create 101 --ostemplate busybox
	log_script 101.mount
	log_script 101.umount
	vzctl --quiet start 101
	[ "$(cut -d' ' -f1 "$VZ_TEST_DIR/scripts.log")" = "101.mount" ]
	vzctl --quiet stop 101
	[ "$(cut -d' ' -f1 "$VZ_TEST_DIR/scripts.log" | tr '\n' ' ')" = "101.mount 101.umount " ]
	grep -q "^101.umount .* mounted=yes " "$VZ_TEST_DIR/scripts.log"
}

@test "a failing mount script fails mount and start with exit 79 and leaves nothing mounted" {
	vzctl --quiet create 101 --ostemplate busybox
	log_script vps.mount
	action_script 101.mount <<-'EOF'
		#!/bin/sh
		echo "no storage for $VEID" >&2
		exit 3
	EOF
	log_script 101.umount
	run vzctl mount 101
	[ "$status" -eq 79 ]
	[[ "$output" == *"101.mount: no storage for 101"* ]]
	[[ "$output" == *"mount CT 101: action script '$VZ_ROOT/conf/101.mount' failed: exit status 3" ]]
	run ! ct_mounted 101
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	# The mount is undone without the umount scripts, as in OpenVZ.
	[ "$(cut -d' ' -f1 "$VZ_TEST_DIR/scripts.log")" = "vps.mount" ]
	run vzctl start 101
	[ "$status" -eq 79 ]
	[[ "$output" == *"start CT 101: action script '$VZ_ROOT/conf/101.mount' failed: exit status 3" ]]
	run ! ct_mounted 101
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	[ -z "$(vz_ct_cgroups 101)" ]
	[ ! -e "$VZ_RUNDIR/101.state" ]
}

@test "a group-writable or foreign action script is refused, and nothing is mounted" {
	vzctl --quiet create 101 --ostemplate busybox
	log_script 101.mount 775
	run vzctl mount 101
	[ "$status" -eq 79 ]
	[[ "$output" == *"action script '$VZ_ROOT/conf/101.mount' is not a regular file owned by root and writable by root only: not run" ]]
	run ! ct_mounted 101
	[ ! -e "$VZ_TEST_DIR/scripts.log" ]
	chmod 755 "$VZ_ROOT/conf/101.mount"
	chown 4242 "$VZ_ROOT/conf/101.mount"
	run vzctl mount 101
	[ "$status" -eq 79 ]
	run ! ct_mounted 101
	log_script vps.mount 757
	chown 0 "$VZ_ROOT/conf/101.mount"
	run vzctl start 101
	[ "$status" -eq 79 ]
	[[ "$output" == *"'$VZ_ROOT/conf/vps.mount' is not a regular file owned by root"* ]]
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	[ ! -e "$VZ_TEST_DIR/scripts.log" ]
}

@test "a failing umount script keeps the CT mounted (exit 79) until it succeeds" {
	vzctl --quiet create 101 --ostemplate busybox
	vzctl --quiet mount 101
	action_script 101.umount <<-'EOF'
		#!/bin/sh
		echo "busy: $VE_ROOT in use"; exit 1
	EOF
	run vzctl umount 101
	[ "$status" -eq 79 ]
	[[ "$output" == *"unmount CT 101: action script '$VZ_ROOT/conf/101.umount' failed: exit status 1" ]]
	ct_mounted 101
	rm "$VZ_ROOT/conf/101.umount"
	run vzctl umount 101
	[ "$status" -eq 0 ]
	run ! ct_mounted 101
}

@test "a failing umount script on stop: the CT stops, stays mounted, and starts again" {
	vzctl --quiet create 101 --ostemplate busybox
	vzctl --quiet start 101
	printf '#!/bin/sh\necho "still busy"; exit 6\n' | action_script 101.umount
	run vzctl stop 101
	[ "$status" -eq 79 ]
	[[ "$output" == *"Container was stopped"* ]]
	[[ "$output" == *"101.umount: still busy"* ]]
	[[ "$output" == *"CT 101 stays mounted: action script '$VZ_ROOT/conf/101.umount' failed: exit status 6" ]]
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted down" ]
	[ ! -e "$VZ_RUNDIR/101.state" ]
	[ -z "$(vz_ct_cgroups 101)" ]
	# As OpenVZ: start warns and starts it as it is.
	run vzctl start 101
	[ "$status" -eq 0 ]
	[[ "$output" == *"Warning: CT 101 stays mounted: action script"* ]]
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
	rm "$VZ_ROOT/conf/101.umount"
	vzctl --quiet stop 101
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
}

@test "a mount script's bind mount below VE_ROOT is in the CT; umount takes it away" {
	mkdir "$VZ_TEST_DIR/shared"
	echo "from the host" >"$VZ_TEST_DIR/shared/file"
	vzctl --quiet create 101 --ostemplate busybox
	action_script 101.mount <<-EOF
		#!/bin/sh
		mkdir -p "\$VE_ROOT/mnt/shared" && mount --bind "$VZ_TEST_DIR/shared" "\$VE_ROOT/mnt/shared"
	EOF
	action_script 101.umount <<-'EOF'
		#!/bin/sh
		umount "$VE_ROOT/mnt/shared"
	EOF
	vzctl --quiet start 101
	run vzctl exec 101 cat /mnt/shared/file
	[ "$status" -eq 0 ]
	[ "$output" = "from the host" ]
	vzctl --quiet stop 101
	run ! in_vzd mountpoint -q "$VZ_ROOT/root/101/mnt/shared"
	run ! ct_mounted 101
}

@test "CTID.start runs inside the CT after its start, CTID.stop before its stop" {
	vzctl --quiet create 101 --ostemplate busybox --hostname inside101
	vz_install_probe 101
	action_script 101.start <<-'EOF'
		echo "start script in $(vzprobe hostname) as $(vzprobe uid), VEID=$VEID"
		echo "$0 $(cat /proc/1/cmdline | tr '\0' ' ')" >/root/start.out
	EOF
	action_script 101.stop <<-'EOF'
		echo "stop script, init $(cat /proc/1/cmdline | tr '\0' ' ')" >/root/stop.out
	EOF
	run vzctl start 101
	[ "$status" -eq 0 ]
	[[ "$output" == *"101.start: start script in inside101 as 0 0, VEID=101"* ]]
	run vzctl exec 101 cat /root/start.out
	[[ "$output" == "101.start init"* ]]
	vzctl --quiet stop 101
	# Written by the CT's root inside the CT, while init still ran.
	[[ "$(cat "$VZ_ROOT/private/101/root/stop.out")" == "stop script, init init"* ]]
	[ "$(stat -c %u "$VZ_ROOT/private/101/root/stop.out")" -ne 0 ]
}

@test "a failing CTID.start fails the start (79); a failing CTID.stop keeps the CT running" {
	vzctl --quiet create 101 --ostemplate busybox
	printf 'exit 4\n' | action_script 101.start
	run vzctl start 101
	[ "$status" -eq 79 ]
	[[ "$output" == *"start CT 101: action script '$VZ_ROOT/conf/101.start' failed: exit status 4" ]]
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	[ -z "$(vz_ct_cgroups 101)" ]

	rm "$VZ_ROOT/conf/101.start"
	printf 'echo not now; exit 2\n' | action_script 101.stop
	vzctl --quiet start 101
	run vzctl stop 101
	[ "$status" -eq 79 ]
	[[ "$output" == *"101.stop: not now"* ]]
	[[ "$output" == *"CT 101 was not stopped (--fast skips its stop script): action script '$VZ_ROOT/conf/101.stop' failed: exit status 2" ]]
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
	run vzctl stop 101 --fast
	[ "$status" -eq 0 ]
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
}

@test "runscript runs a host file in a running CT; its exit status is vzctl's" {
	vz_running_ct 101 --hostname rs101
	cat >"$BATS_TEST_TMPDIR/job.sh" <<-'EOF'
		read -r word
		echo "$0 in $(vzprobe hostname), got $word"
		echo "to stderr" >&2
		exit 7
	EOF
	run vzctl runscript 101 "$BATS_TEST_TMPDIR/job.sh" <<<"hello"
	[ "$status" -eq 7 ]
	[[ "$output" == *"job.sh in rs101, got hello"* ]]
	[[ "$output" == *"to stderr"* ]]
	# The CT runs on, untouched.
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
	printf 'true\n' >"$BATS_TEST_TMPDIR/ok.sh"
	run vzctl runscript 101 "$BATS_TEST_TMPDIR/ok.sh"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "runscript on a stopped CT starts it with the script alone, then stops it" {
	vzctl --quiet create 101 --ostemplate busybox --hostname rs101
	vz_install_probe 101
	log_script 101.mount
	printf 'exit 9\n' | action_script 101.start
	cat >"$BATS_TEST_TMPDIR/alone.sh" <<-'EOF'
		echo "pid $$ in $(vzprobe hostname) as $(vzprobe uid)"
		echo "inits $(for p in /proc/[0-9]*; do tr '\0' ' ' <$p/cmdline; echo; done | grep -c '^init')"
		exit 5
	EOF
	run vzctl runscript 101 "$BATS_TEST_TMPDIR/alone.sh"
	[ "$status" -eq 5 ]
	# Only the script ran: no init, no start script, no progress lines.
	[[ "$output" == *"pid 1 in rs101 as 0 0"* ]]
	[[ "$output" == *"inits 0"* ]]
	[[ "$output" != *"Starting"* ]]
	[[ "$output" != *"Container is"* ]]
	# The mount scripts ran: the root was mounted for it.
	grep -q "^101.mount VEID=101 " "$VZ_TEST_DIR/scripts.log"
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	[ -z "$(vz_ct_cgroups 101)" ]
	[ ! -e "$VZ_RUNDIR/101.state" ]
	# A CT that was mounted before stays mounted after.
	vzctl --quiet mount 101
	run vzctl runscript 101 "$BATS_TEST_TMPDIR/alone.sh"
	[ "$status" -eq 5 ]
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted down" ]
}

@test "runscript: a missing file, an unknown CT, a huge script, no shell are clear errors" {
	vzctl --quiet create 101 --ostemplate busybox
	run vzctl runscript 101 "$BATS_TEST_TMPDIR/none.sh"
	[ "$status" -eq 11 ]
	[ "$output" = "vzctl runscript: script '$BATS_TEST_TMPDIR/none.sh': No such file or directory" ]
	printf 'true\n' >"$BATS_TEST_TMPDIR/ok.sh"
	run vzctl runscript 999 "$BATS_TEST_TMPDIR/ok.sh"
	[ "$status" -eq 14 ]
	run vzctl runscript 101
	[ "$status" -eq 20 ]
	head -c 200000 /dev/zero | tr '\0' '#' >"$BATS_TEST_TMPDIR/big.sh"
	run vzctl runscript 101 "$BATS_TEST_TMPDIR/big.sh"
	[ "$status" -eq 21 ]
	[[ "$output" == *"larger than 127 KiB"* ]]
	run vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	# A CT without a shell: the start for the script fails, and changes nothing.
	rm "$VZ_ROOT/private/101/bin/sh"
	vzctl --quiet mount 101
	run -127 vzctl runscript 101 "$BATS_TEST_TMPDIR/ok.sh"
	[ "$output" = "runscript: start CT 101: start init: exec '/bin/sh': No such file or directory" ]
	run vzctl status 101
	[ "$output" = "CTID 101 exist mounted down" ]
	[ -z "$(vz_ct_cgroups 101)" ]
}

@test "a hung action script is killed after ACTION_SCRIPT_TIMEOUT and fails the mount" {
	vz_kill_daemon
	echo 'ACTION_SCRIPT_TIMEOUT="1"' >>"$VZ_TEST_DIR/vz.conf"
	vz_run_daemon
	vzctl --quiet create 101 --ostemplate busybox
	action_script 101.mount <<-'EOF'
		#!/bin/sh
		sleep 1000 &
		echo $! >"$VE_PRIVATE/../sleeper.pid"
		exec sleep 1001
	EOF
	SECONDS=0
	run vzctl mount 101
	[ "$status" -eq 79 ]
	[[ "$output" == *"action script '$VZ_ROOT/conf/101.mount' ran longer than 1s (ACTION_SCRIPT_TIMEOUT): killed" ]]
	[ "$SECONDS" -lt 10 ]
	run ! ct_mounted 101
	# Its background child went with it.
	run ! kill -0 "$(cat "$VZ_ROOT/private/sleeper.pid")" 2>/dev/null
}
