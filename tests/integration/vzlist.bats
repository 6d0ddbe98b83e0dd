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
