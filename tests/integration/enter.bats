#!/usr/bin/env bats
# vzctl enter: an interactive shell in the CT on a pty of its own.
# vz-test: cgroup-agnostic

load helpers
bats_require_minimum_version 1.5.0

setup() {
	vz_start_daemon
	vz_running_ct 101
}
teardown() { vz_teardown_hard; }

# on_tty ROWS COLS INPUT CMD...: run CMD with a fresh pty of ROWS x COLS as
# its controlling terminal; type INPUT once "entered into CT" shows, and
# print everything CMD wrote, a line "RC=status", and a line saying whether
# the terminal's modes were given back as they were.
on_tty() {
	python3 - "$@" <<-'PY'
		import fcntl, os, select, struct, sys, termios, time
		rows, cols, keys, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
		master, slave = os.openpty()
		fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
		modes = termios.tcgetattr(slave)
		pid = os.fork()
		if pid == 0:
		    os.setsid()
		    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
		    for fd in (0, 1, 2):
		        os.dup2(slave, fd)
		    os.execvp(argv[0], argv)
		out, typed, st = b"", False, None
		deadline = time.time() + 20
		while time.time() < deadline:
		    if not typed and b"entered into CT" in out:
		        os.write(master, keys.encode())
		        typed = True
		    r, _, _ = select.select([master], [], [], 0.2)
		    if r:
		        data = os.read(master, 65536)  # we hold the slave: no EIO
		        out += data
		        continue
		    done, status = os.waitpid(pid, os.WNOHANG)
		    if done:
		        st = status
		        break
		if st is None:
		    os.kill(pid, 9)
		    _, st = os.waitpid(pid, 0)
		sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
		print("\nRC=%d" % os.waitstatus_to_exitcode(st))
		print("modes restored" if termios.tcgetattr(slave) == modes else "modes changed")
	PY
}

@test "enter gives a shell on a pty in the CT; exit leaves it" {
	require_busybox_applets tty
	run -0 on_tty 24 80 $'echo $((6*7)); tty; vzprobe uid; exit\n' "$VZ_BUILD/vzctl" enter 101
	echo "$output"
	[[ "$output" == *"entered into CT 101"* ]]
	# Typed into the CT's shell, answered by it.
	grep -qx '42' <<<"$output"
	grep -qx '/dev/pts/[0-9]*' <<<"$output"
	grep -qx '0 0' <<<"$output"
	[[ "$output" == *"exited from CT 101"* ]]
	grep -qx 'RC=0' <<<"$output"
	grep -qx 'modes restored' <<<"$output"
}

@test "the shell runs inside the CT, not on the host" {
	run -0 on_tty 24 80 $'echo pid1=$(cat /proc/1/comm); ls /proc | grep -c "^[0-9]"; exit\n' \
		"$VZ_BUILD/vzctl" enter 101
	echo "$output"
	grep -qx 'pid1=init' <<<"$output"
	# init, the shell and its pipeline: a handful, not the host's hundreds.
	n=$(grep -x '[0-9][0-9]*' <<<"$output" | tail -1)
	[ "$n" -le 6 ]
}

@test "the exit code of vzctl enter is the shell's" {
	run -0 on_tty 24 80 $'exit 5\n' "$VZ_BUILD/vzctl" enter 101
	grep -qx 'RC=5' <<<"$output"
	grep -qx 'modes restored' <<<"$output"
	[[ "$output" == *"exited from CT 101"* ]]
	run -0 on_tty 24 80 $'false\nexit $?\n' "$VZ_BUILD/vzctl" enter 101
	grep -qx 'RC=1' <<<"$output"
}

@test "the CT's pty has the size of the user's terminal" {
	require_busybox_applets stty
	run -0 on_tty 33 101 $'stty size; exit\n' "$VZ_BUILD/vzctl" enter 101
	echo "$output"
	grep -qx '33 101' <<<"$output"
	run -0 on_tty 50 132 $'stty size; exit\n' "$VZ_BUILD/vzctl" enter 101
	grep -qx '50 132' <<<"$output"
}

@test "enter works by name, and TERM comes along" {
	vzctl --quiet set 101 --name shell-ct --save
	run -0 on_tty 24 80 $'echo term=$TERM; exit\n' env TERM=vt220 "$VZ_BUILD/vzctl" enter shell-ct
	echo "$output"
	grep -qx 'term=vt220' <<<"$output"
	grep -qx 'RC=0' <<<"$output"
}

@test "enter --exec runs a command on the pty instead of a shell" {
	require_busybox_applets tty
	run -0 on_tty 24 80 '' "$VZ_BUILD/vzctl" enter 101 --exec 'tty; exit 3'
	echo "$output"
	grep -qx '/dev/pts/[0-9]*' <<<"$output"
	grep -qx 'RC=3' <<<"$output"
}

@test "enter with input from a pipe ends when the input does" {
	run -0 timeout 10 bash -c "printf 'echo from-pipe\n' | '$VZ_BUILD/vzctl' enter 101"
	[[ "$output" == *"from-pipe"* ]]
	[[ "$output" == *"exited from CT 101"* ]]
	run -0 timeout 10 "$VZ_BUILD/vzctl" enter 101 </dev/null
	[[ "$output" == *"exited from CT 101"* ]]
}

@test "enter into a stopped or missing CT fails with one line" {
	run -14 vzctl enter 999
	[ "$output" = "CT 999 does not exist" ]
	vzctl --quiet stop 101 --fast
	run -31 vzctl enter 101
	[ "$output" = "CT 101 is not running" ]
}
