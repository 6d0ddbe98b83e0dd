#!/usr/bin/env bats
# Whatever arrives on the socket, vzd answers with a JSON error or hangs up,
# and keeps serving: same pid, same answers.
# vz-test: cgroup-agnostic

load helpers
bats_require_minimum_version 1.5.0

setup() {
	vz_start_daemon
	vz_running_ct 101
	DAEMON_PID=$VZD_PID
}
teardown() { vz_teardown_hard; }

# proto EXPR [NFDS]: send the bytes the python expression EXPR makes as one
# message (with NFDS fds of /dev/null attached) and print vzd's reply, or
# "<hangup>" when vzd closes the connection without one.
proto() {
	python3 - "$VZ_SOCKET" "$1" "${2:-0}" <<-'PY'
		import json, os, socket, sys
		path, expr, nfds = sys.argv[1], sys.argv[2], int(sys.argv[3])
		data = eval(expr, {"json": json})
		s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
		s.settimeout(10)
		s.connect(path)
		# Large messages need a send buffer to match (root may force it).
		s.setsockopt(socket.SOL_SOCKET, 32, len(data) + 65536)  # SO_SNDBUFFORCE
		fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(nfds)]
		try:
		    socket.send_fds(s, [data], fds) if fds else s.send(data)
		except BrokenPipeError:
		    pass
		r = s.recv(1 << 20)
		print(r.decode() if r else "<hangup>")
	PY
}

# The reply in $output is a JSON error object whose msg contains $1.
error_reply() {
	echo "reply: $output"
	[ "${#lines[@]}" -eq 1 ]
	jq -e --arg want "$1" '
		type == "object" and .ok == false and (.code | type) == "number" and .code > 0 and
		(.errno | type) == "number" and (.id | type) == "number" and
		(.msg | type) == "string" and (.msg | contains($want))' <<<"$output" >/dev/null
}

# vzd is the same process and still answers.
still_serving() {
	kill -0 "$DAEMON_PID"
	[ "$VZD_PID" = "$DAEMON_PID" ]
	run -0 vzctl status 101
	[ "$output" = "CTID 101 exist mounted running" ]
}

@test "garbage bytes and JSON that is not an object: an error reply, vzd serves on" {
	for expr in 'b"\x00\xff\xfegarbage\n"' 'b"\x7fELF\x02\x01\x01"' 'b"{"' 'b"{\"v\":1,"' \
		'b"[1,2]"' 'b"\"op\""' 'b"42"' 'b"null"' 'b"true"' 'b" "' '"\xff\xfe".encode("latin1")'; do
		run -0 proto "$expr"
		error_reply "malformed message"
		still_serving
	done
}

@test "requests with missing, mistyped or duplicate members are refused" {
	run -0 proto 'b"{}"'
	error_reply "malformed request"
	still_serving
	run -0 proto 'b"{\"v\":1,\"op\":\"status\",\"op\":\"stop\",\"id\":1,\"args\":{\"ctid\":\"101\"}}"'
	error_reply "duplicate"
	still_serving
	# The duplicate must not have stopped anything.
	run -0 proto 'b"{\"v\":1,\"op\":\"status\",\"id\":1,\"args\":{\"ctid\":\"101\",\"ctid\":\"102\"}}"'
	error_reply "duplicate"
	for req in '{"v":"1","op":"status","id":1}' '{"v":1,"op":5,"id":1}' \
		'{"v":1,"op":"status","id":"1"}' '{"v":1,"op":"status"}' '{"op":"status","id":1}' \
		'{"v":1,"op":None,"id":1}' '{"v":1.5,"op":"status","id":1}' \
		'{"v":1,"op":"status","id":1,"args":[]}' '{"v":1,"op":"status","id":1,"args":"101"}'; do
		run -0 proto "json.dumps($req).encode()"
		error_reply "malformed request"
		still_serving
	done
	# Members of args with the wrong type name what is missing.
	run -0 proto 'json.dumps({"v":1,"op":"start","id":3,"args":{"ctid":101}}).encode()'
	error_reply "without a CT ID"
	run -0 proto 'json.dumps({"v":1,"op":"set","id":3,"args":{"ctid":"101","keys":["HOSTNAME"],"values":[1]}}).encode()'
	error_reply "set:"
	run -0 proto 'json.dumps({"v":1,"op":"exec","id":3,"args":{"ctid":"101","argv":[1,2]}}).encode()'
	error_reply "exec"
	still_serving
}

@test "a set request cannot give a CT another id range (a host user's ids)" {
	cp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before"
	run -0 proto 'json.dumps({"v":1,"op":"set","id":3,"args":{"ctid":"101","keys":["UID_RANGE"],"values":["1000:65536"],"save":True}}).encode()'
	error_reply "UID_RANGE is chosen at create and cannot be set"
	cmp "$VZ_ROOT/conf/101.conf" "$BATS_TEST_TMPDIR/before"
	still_serving
}

@test "a wrong protocol version is refused by number" {
	for v in 0 2 99 -1 4294967297; do
		run -0 proto "json.dumps({\"v\":$v,\"op\":\"status\",\"id\":1,\"args\":{\"ctid\":\"101\"}}).encode()"
		error_reply "protocol version $v not supported"
		still_serving
	done
}

@test "an unknown operation gets an 'unknown operation' error carrying the request id" {
	run -0 proto 'json.dumps({"v":1,"op":"frobnicate","id":7}).encode()'
	error_reply "unknown operation 'frobnicate'"
	[ "$(jq .id <<<"$output")" = 7 ]
	[ "$(jq .code <<<"$output")" = 20 ]
	for op in signal template-frob list2 Start; do
		run -0 proto "json.dumps({\"v\":1,\"op\":\"$op\",\"id\":8,\"args\":{\"ctid\":\"101\"}}).encode()"
		error_reply "unknown operation '$op'"
	done
	for op in '' 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'; do
		run -0 proto "json.dumps({\"v\":1,\"op\":\"$op\",\"id\":8}).encode()"
		error_reply "malformed request"
	done
	still_serving
}

@test "a 1 MiB message is refused as too large; the cap is not off by one" {
	run -0 proto 'json.dumps({"v":1,"op":"status","id":1,"args":{"ctid":"101","pad":"x"*(1<<20)}}).encode()'
	error_reply "larger than"
	still_serving
	# Padded to exactly the documented 256 KiB cap: served.
	run -0 proto 'b"{\"v\":1,\"op\":\"status\",\"id\":1,\"args\":{\"ctid\":\"101\"}}".ljust(256*1024)'
	echo "$output"
	[ "$(jq .ok <<<"$output")" = true ]
	run -0 proto 'b"{\"v\":1,\"op\":\"status\",\"id\":1,\"args\":{\"ctid\":\"101\"}}".ljust(256*1024+1)'
	error_reply "larger than"
	still_serving
}

@test "extra unknown fields: refused at the top level, ignored inside args" {
	run -0 proto 'json.dumps({"v":1,"op":"status","id":1,"args":{"ctid":"101"},"extra":1}).encode()'
	error_reply "extra"
	run -0 proto 'json.dumps({"v":1,"op":"status","id":5,"args":{"ctid":"101","colour":"blue"}}).encode()'
	[ "$(jq -c '[.id, .ok, .result.running]' <<<"$output")" = '[5,true,true]' ]
	still_serving
}

@test "deep nesting, bad UTF-8, NUL bytes and huge numbers do not crash vzd" {
	run -0 proto 'b"[" * 200000'
	error_reply "malformed message"
	still_serving
	run -0 proto 'b"{\"v\":1,\"op\":\"status\",\"id\":1,\"args\":{\"x\":" + b"[" * 100000 + b"]" * 100000 + b"}}"'
	error_reply "malformed message"
	still_serving
	run -0 proto 'b"{\"v\":1,\"op\":\"st\xffatus\",\"id\":1}"'
	error_reply "malformed message"
	run -0 proto 'b"{\"v\":1,\"op\":\"status\",\"id\":1,\"args\":{\"ctid\":\"101\\u0000x\"}}"'
	error_reply "malformed message"
	run -0 proto 'b"{\"v\":1,\"op\":\"status\",\"id\":1e400}"'
	error_reply "malformed"
	run -0 proto 'b"{\"v\":1,\"op\":\"status\",\"id\":123456789012345678901234567890}"'
	error_reply "malformed"
	still_serving
}

@test "fds a request does not expect are closed; too many fds are refused" {
	fds_before=$(find "/proc/$DAEMON_PID/fd" -mindepth 1 | wc -l)
	run -0 proto 'json.dumps({"v":1,"op":"status","id":1,"args":{"ctid":"101"}}).encode()' 4
	[ "$(jq .ok <<<"$output")" = true ]
	run -0 proto 'json.dumps({"v":1,"op":"status","id":1,"args":{"ctid":"101"}}).encode()' 12
	error_reply "too many fds"
	# exec without its 3 stdio fds.
	run -0 proto 'json.dumps({"v":1,"op":"exec","id":1,"args":{"ctid":"101","argv":["true"]}}).encode()' 1
	error_reply "3 stdio fds"
	still_serving
	# vzd kept none of them.
	[ "$(find "/proc/$DAEMON_PID/fd" -mindepth 1 | wc -l)" = "$fds_before" ]
}

@test "empty messages and clients that hang up early are survived" {
	run -0 proto 'b""'
	[ "$output" = "<hangup>" ]
	python3 - "$VZ_SOCKET" <<-'PY'
		import socket, sys, json
		for how in range(3):
		    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
		    s.connect(sys.argv[1])
		    if how == 1:
		        s.shutdown(socket.SHUT_WR)
		    if how == 2:
		        # A request whose reply nobody reads.
		        s.send(json.dumps({"v": 1, "op": "list", "id": 1}).encode())
		    s.close()
	PY
	still_serving
}

@test "thousands of connections opened and closed: vzd serves on, no worker left behind" {
	python3 - "$VZ_SOCKET" <<-'PY'
		import socket, sys
		path = sys.argv[1]
		for _ in range(2000):
		    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
		    s.connect(path)
		    s.close()
		# Bursts of connections open at the same time, more than vzd has workers.
		for _ in range(3):
		    socks = []
		    for _ in range(300):
		        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
		        s.connect(path)
		        socks.append(s)
		    for s in socks:
		        s.close()
	PY
	still_serving
	run -0 vzctl exec 101 echo hello
	[ "$output" = hello ]
	# Every worker exits: the only children left are the CT's init, its
	# console keeper and the /proc view's server.
	init=$(vz_init_pid 101)
	keeper=$(pgrep -P "$DAEMON_PID" -x "vzcon 101")
	view=$(pgrep -P "$DAEMON_PID" -x vzview)
	want=$(printf '%s\n' "$init" "$keeper" "$view" | sort -n)
	for _ in $(seq 100); do
		kids=$(ps -o pid= --ppid "$DAEMON_PID" | tr -d ' ' | sort -n)
		[ "$kids" = "$want" ] && break
		sleep 0.05
	done
	[ -n "$keeper" ]
	[ "$kids" = "$want" ]
}

@test "more idle clients than workers: the rest are told vzd is busy, service resumes" {
	python3 - "$VZ_SOCKET" "$VZ_BUILD/vzctl" <<-'PY'
		import socket, subprocess, sys, time
		path, vzctl = sys.argv[1:]
		socks = []
		for _ in range(140):
		    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
		    s.connect(path)
		    socks.append(s)
		time.sleep(0.3)
		r = subprocess.run([vzctl, "status", "101"], capture_output=True, text=True)
		print("while held:", r.returncode, r.stdout, r.stderr)
		assert r.returncode == 6, r.returncode
		assert "busy" in r.stderr and len(r.stderr.splitlines()) == 1
		for s in socks:
		    s.close()
	PY
	for _ in $(seq 100); do
		[ "$(vzctl status 101 2>/dev/null)" = "CTID 101 exist mounted running" ] && break
		sleep 0.05
	done
	still_serving
}

@test "idle clients lose their worker after 5 s even if they keep the connection" {
	python3 - "$VZ_SOCKET" "$VZ_BUILD/vzctl" <<-'PY'
		import socket, subprocess, sys, time
		path, vzctl = sys.argv[1:]
		socks = []
		for _ in range(140):
		    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
		    s.connect(path)
		    socks.append(s)
		time.sleep(6)
		r = subprocess.run([vzctl, "status", "101"], capture_output=True, text=True)
		print("after timeout:", r.returncode, r.stdout, r.stderr)
		assert r.returncode == 0, r.returncode
		assert r.stdout == "CTID 101 exist mounted running\n"
		for s in socks:
		    s.close()
	PY
	still_serving
}
