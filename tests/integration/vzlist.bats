#!/usr/bin/env bats
# vzlist: OpenVZ's columns, filters, sorting and output formats.

load helpers
bats_require_minimum_version 1.5.0

setup() { vz_start_daemon; }
teardown() { vz_teardown_hard; }

HEADER="      CTID      NPROC STATUS    IP_ADDR         HOSTNAME"

# 101 and 103 run, 102 is stopped; hostnames sort the other way from CTIDs.
three_cts() {
	vz_running_ct 101 --hostname zz.example --name alpha
	vzctl --quiet create 102 --ostemplate busybox --hostname aa.example
	vz_running_ct 103 --hostname mm.example
	vz_wait_nproc 101 1
	vz_wait_nproc 103 1
}

row() { printf '%10s %10s %-9s %-15s %s' "$@"; }

@test "default: running CTs only, under OpenVZ's header" {
	three_cts
	run -0 vzlist
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "$HEADER" ]
	[ "${lines[1]}" = "$(row 101 1 running - zz.example)" ]
	[ "${lines[2]}" = "$(row 103 1 running - mm.example)" ]
}

@test "no CT at all: just the header" {
	run -0 vzlist
	[ "$output" = "$HEADER" ]
	run -0 vzlist -H
	[ -z "$output" ]
	run -0 vzlist -j
	[ "$(jq -c . <<<"$output")" = "[]" ]
}

@test "-a shows stopped CTs with NPROC '-', -S only those" {
	three_cts
	run -0 vzlist -a
	[ "${lines[0]}" = "$HEADER" ]
	[ "${lines[1]}" = "$(row 101 1 running - zz.example)" ]
	[ "${lines[2]}" = "$(row 102 - stopped - aa.example)" ]
	[ "${lines[3]}" = "$(row 103 1 running - mm.example)" ]
	[ "${#lines[@]}" -eq 4 ]
	run -0 vzlist -S
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = "$(row 102 - stopped - aa.example)" ]
	run -0 vzlist --stopped -H
	[ "$output" = "$(row 102 - stopped - aa.example)" ]
	run -0 vzlist --all -H -1
	[ "$output" = "$(printf '101\n102\n103')" ]
}

@test "-H drops the header and nothing else" {
	three_cts
	run -0 vzlist -H
	[ "$output" = "$(row 101 1 running - zz.example)
$(row 103 1 running - mm.example)" ]
	run -0 vzlist --no-header -a
	[ "${#lines[@]}" -eq 3 ]
}

@test "-o picks columns in the order given" {
	three_cts
	run -0 vzlist -a -o ctid,hostname,status,name
	[ "${lines[0]}" = "      CTID HOSTNAME                         STATUS    NAME" ]
	[ "${lines[1]}" = "$(printf '%10s %-32s %-9s %s' 101 zz.example running alpha)" ]
	[ "${lines[2]}" = "$(printf '%10s %-32s %-9s %s' 102 aa.example stopped -)" ]
	run -0 vzlist -H -o name,ctid
	[ "${lines[0]}" = "$(printf '%-16s %10s' alpha 101)" ]
	[ "${lines[1]}" = "$(printf '%-16s %10s' - 103)" ]
	run -0 vzlist -H -o veid,ostemplate,onboot,disabled 101
	[ "$output" = "$(printf '%10s %-24s %-6s %s' 101 busybox no no)" ]
	run -0 vzlist -H -o private,root 102
	[ "$output" = "$(printf '%-32s %s' "$VZ_ROOT/private/102" "$VZ_ROOT/root/102")" ]
	# -n shows the name in place of the host name.
	run -0 vzlist -H -n 101
	[ "$output" = "$(row 101 1 running - alpha)" ]
}

@test "-s sorts by a field, -s -FIELD in reverse" {
	three_cts
	run -0 vzlist -a -H -o ctid,hostname -s hostname
	[ "$output" = "$(printf '%10s %s\n' 102 aa.example 103 mm.example 101 zz.example)" ]
	run -0 vzlist -a -H -o ctid -s -hostname
	[ "$output" = "$(printf '%10s\n' 101 103 102)" ]
	run -0 vzlist -a -H -o ctid -s -ctid
	[ "$output" = "$(printf '%10s\n' 103 102 101)" ]
	run -0 vzlist -a -1 -s ctid
	[ "$output" = "$(printf '%s\n' 101 102 103)" ]
	run -0 vzlist -a -1 --sort -ctid
	[ "$output" = "$(printf '%s\n' 103 102 101)" ]
}

@test "-1 prints CT IDs only" {
	three_cts
	run -0 vzlist -1
	[ "$output" = "$(printf '101\n103')" ]
	run -0 vzlist -S -1
	[ "$output" = "102" ]
}

@test "-j is valid JSON with every field, null where OpenVZ shows '-'" {
	three_cts
	run -0 vzlist -a -j
	python3 -m json.tool <<<"$output" >/dev/null
	[ "$(jq -c 'map(.ctid)' <<<"$output")" = "[101,102,103]" ]
	for field in ctid name hostname ostemplate description onboot disabled ip status private \
		root numproc uptime; do
		jq -e --arg f "$field" 'all(has($f))' <<<"$output" >/dev/null
	done
	[ "$(jq -c '.[0] | [.ctid, .name, .hostname, .status, .numproc, .onboot, .ip]' <<<"$output")" = \
		'[101,"alpha","zz.example","running",1,false,[]]' ]
	[ "$(jq -c '.[1] | [.ctid, .name, .hostname, .status, .numproc, .uptime]' <<<"$output")" = \
		'[102,null,"aa.example","stopped",null,null]' ]
	[ "$(jq -r '.[1].private' <<<"$output")" = "$VZ_ROOT/private/102" ]
	jq -e '.[0].uptime >= 0 and .[0].pid > 1' <<<"$output" >/dev/null
	# Running only by default, as in the table.
	run -0 vzlist -j
	[ "$(jq -c 'map(.ctid)' <<<"$output")" = "[101,103]" ]
}

@test "-j with -o: just the fields asked for, under their -o names" {
	three_cts
	run -0 vzlist -a -j -o veid,hostname,numproc -s -ctid
	[ "$(jq -c . <<<"$output")" = \
		'[{"veid":103,"hostname":"mm.example","numproc":1},{"veid":102,"hostname":"aa.example","numproc":null},{"veid":101,"hostname":"zz.example","numproc":1}]' ]
}

@test "unknown field, sort field or option: exit 20 with the name, no listing" {
	three_cts
	run -20 vzlist -o ctid,bogus
	[ "$output" = "vzlist: unknown field 'bogus' (see vzlist -L)" ]
	run -20 vzlist -s bogus
	[ "$output" = "vzlist: unknown sort field 'bogus'" ]
	run -20 vzlist --bogus
	[[ "${lines[0]}" == *"bogus"* ]]
	[[ "$output" != *"zz.example"* ]]
	run -0 vzlist -L
	[[ "$output" == *"numproc"*"NPROC"* ]]
}

@test "vzlist CTID... shows those CTs, running or not" {
	three_cts
	run -0 vzlist 102
	[ "$output" = "$HEADER
$(row 102 - stopped - aa.example)" ]
	run -0 vzlist -H 103 101
	[ "$output" = "$(row 101 1 running - zz.example)
$(row 103 1 running - mm.example)" ]
	run -0 vzlist -H -o ctid,status 101 999
	[ "$output" = "$(printf '%10s %s' 101 running)" ]
}

@test "vzlist of a CT that does not exist fails" {
	three_cts
	run -1 vzlist 999
	[[ "$output" == *"not found"* ]]
	[[ "$output" != *"running"* ]]
	run -1 vzlist -j 999
	[[ "$output" == *"not found"* ]]
}

@test "NPROC counts the CT's processes" {
	vz_running_ct 101
	vz_wait_nproc 101 1
	run -0 vzlist -H -o numproc 101
	[ "$output" = "         1" ]
	vzctl exec 101 'setsid sleep 100 </dev/null >/dev/null 2>&1 &'
	vzctl exec 101 'setsid sleep 100 </dev/null >/dev/null 2>&1 &'
	run -0 vzlist -H -o numproc 101
	[ "$output" = "         3" ]
	run -0 vzlist -j -o numproc
	[ "$output" = '[
  {"numproc":3}
]' ]
	# A process of the host is never counted.
	sleep 100 &
	hostpid=$!
	run -0 vzlist -H -o numproc 101
	kill "$hostpid"
	[ "$output" = "         3" ]
}

@test "status follows the CT through start and stop" {
	vzctl --quiet create 101 --ostemplate busybox
	run -0 vzlist -a -H -o ctid,status,numproc
	[ "$output" = "$(printf '%10s %-9s %10s' 101 stopped -)" ]
	vzctl --quiet start 101
	vz_wait_nproc 101 1
	run -0 vzlist -a -H -o ctid,status,numproc
	[ "$output" = "$(printf '%10s %-9s %10s' 101 running 1)" ]
	vzctl --quiet stop 101 --fast
	run -0 vzlist -H
	[ -z "$output" ]
}

@test "vzlist takes CT names as arguments; unknown ones print no table" {
	vzctl --quiet create 101 --ostemplate busybox --name web1
	run -0 vzlist -a -H -o ctid,name web1
	[ "$output" = "       101 web1" ]
	run -1 vzlist nosuch
	[ "$output" = "Container(s) not found" ]
}

# The beancounter names, from the fields vzlist knows (NAME.m for each).
ubc_names() { vzlist -L | awk '$1 ~ /\.m$/ { sub(/\.m$/, "", $1); print $1 }'; }

@test "-j: a stopped CT's live counters are null, a running CT's are numbers" {
	vz_running_ct 101
	vzctl --quiet create 102 --ostemplate busybox
	vz_wait_nproc 101 1
	run -0 vzlist -a -j
	json=$output
	names=$(ubc_names | jq -R . | jq -sc .)
	[ "$(jq length <<<"$names")" -gt 20 ]
	# Stopped: held, maxheld and failcnt null, barrier and limit the unlimited default.
	jq -e --argjson p "$names" '.[1] as $c | $c.ctid == 102 and $c.status == "stopped" and
		all($p[]; $c[.] == null and $c[. + ".m"] == null and $c[. + ".f"] == null and
			$c[. + ".b"] == 9223372036854775807 and $c[. + ".l"] == 9223372036854775807) and
		([$c.uptime, $c.laverage, $c.bytes_in, $c.bytes_out, $c.packets_in, $c.packets_out] |
			all(. == null)) and ($c | has("pid") | not)' <<<"$json" >/dev/null
	# Running: what is counted is a number; barriers and limits too.
	jq -e --argjson p "$names" '.[0] as $c | $c.ctid == 101 and $c.status == "running" and
		$c.numproc == 1 and ($c["numproc.m"] >= 1) and ($c.uptime >= 0) and ($c.pid > 1) and
		($c.laverage | type == "string") and
		all($p[]; ($c[. + ".b"] | type == "number") and ($c[. + ".l"] | type == "number"))' \
		<<<"$json" >/dev/null
	# Both have the same keys, in the same order, but pid.
	[ "$(jq -c '.[0] | keys_unsorted - ["pid"]' <<<"$json")" = "$(jq -c '.[1] | keys_unsorted' <<<"$json")" ]
}

@test "a stopped CT shows its saved settings, the defaults for the rest" {
	vzctl --quiet create 102 --ostemplate busybox --hostname h.example --name web \
		--description 'say "hi" \ tab'
	vzctl --quiet set 102 --numproc 100:200 --cpuunits 2000 --cpumask 0 --iolimit 10M \
		--onboot yes --ipadd 10.9.8.7 --ipadd 10.9.8.6 --save
	run -0 vzlist -a -j 102
	jq -e '.[0] | .ctid == 102 and .status == "stopped" and .name == "web" and
		.hostname == "h.example" and .description == "say \"hi\" \\ tab" and
		.onboot == true and .disabled == false and .ip == ["10.9.8.7", "10.9.8.6"] and
		.cpuunits == 2000 and .cpulimit == 0 and .cpus == 0 and .ioprio == 4 and
		.iolimit == 10485760 and .iopslimit == 0 and .cpumask == "0" and
		.["numproc.b"] == 100 and .["numproc.l"] == 200 and .numproc == null and
		.["kmemsize.b"] == 9223372036854775807 and .uptime == null' <<<"$output" >/dev/null
	# -o with -j: the chosen fields, from the CT or the defaults alike.
	run -0 vzlist -j -o ctid,status,numproc.b,kmemsize.l,onboot,disabled,cpumask,ip,uptime 102
	[ "$output" = '[
  {"ctid":102,"status":"stopped","numproc.b":100,"kmemsize.l":9223372036854775807,"onboot":true,"disabled":false,"cpumask":"0","ip":["10.9.8.7","10.9.8.6"],"uptime":null}
]' ]
	run -0 vzlist -H -o ctid,status,numproc,numproc.b,numproc.l,cpuunits,cpulimit 102
	[ "$output" = "$(printf '%10s %-9s %10s %10s %10s %8s %8s' 102 stopped - 100 200 2000 0)" ]
}

# The list reply a client that does not ask for a sparse one gets (an older
# vzlist): every CT with every key.
full_list() {
	python3 - "$VZ_SOCKET" <<-'PY'
		import json, socket, sys
		s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
		s.settimeout(10)
		s.connect(sys.argv[1])
		s.send(json.dumps({"v": 1, "op": "list", "id": 1, "args": {"all": True}}).encode())
		r = json.loads(s.recv(1 << 22))
		assert r["ok"] and "defaults" not in r["result"], r
		print(json.dumps(r["result"]["cts"]))
	PY
}

@test "-j prints what the full reply holds, key for key and in order" {
	three_cts
	vzctl --quiet set 102 --numproc 100:200 --cpuunits 2000 --onboot yes --save
	run -0 vzlist -a -j
	printf '%s' "$output" >"$BATS_TEST_TMPDIR/sparse.json"
	full_list >"$BATS_TEST_TMPDIR/full.json"
	python3 - "$BATS_TEST_TMPDIR/sparse.json" "$BATS_TEST_TMPDIR/full.json" <<-'PY'
		import json, sys
		pairs = lambda f: json.load(open(f), object_pairs_hook=list)
		got, want = pairs(sys.argv[1]), pairs(sys.argv[2])
		assert [dict(c)["ctid"] for c in got] == [101, 102, 103], got
		assert len(got) == len(want)
		for g, w in zip(got, want):
		    assert [k for k, _ in g] == [k for k, _ in w], (g, w)
		    gd, wd = dict(g), dict(w)
		    running = gd["status"] == "running"
		    for k, v in gd.items():
		        # What a running CT counts moves between the two requests.
		        live = k in ("uptime", "laverage") or k.startswith(("bytes_", "packets_")) \
		            or k.endswith((".m", ".f")) or (k + ".b") in gd
		        if not (running and live):
		            assert v == wd[k] and type(v) == type(wd[k]), (gd["ctid"], k, v, wd[k])
	PY
}
