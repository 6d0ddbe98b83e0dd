# shellcheck shell=bash
# What the migration tests share (migrate.bats, migrate-lazy.bats): CT 101
# on host a with data, a counter and a TCP client, and the checks that
# exactly one copy runs, with everything it had.

CT_IP=198.51.100.50

# CT 101 on host a: an address on the LAN, limits, the probe, some data.
ct_on_a() {
	vz_on a vzctl --quiet create 101 --ostemplate busybox
	vz_on a vzctl --quiet set 101 --ipadd "$CT_IP" --ram 256M --cpuunits 2000 --save
	vz_as a vz_install_probe 101
	echo "customer data" >"$VZ_ROOT_A/private/101/root/data"
	vz_on a vzctl --quiet start 101
}

# A counter in the CT whose value lives in memory (a restart counts from 1).
start_counter() {
	# shellcheck disable=SC2016
	vz_on a vzctl exec 101 'setsid sh -c "i=0; while :; do i=\$((i+1)); echo \$i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.05; done" </dev/null >/dev/null 2>&1 &'
	for _ in $(seq 100); do [ -s "$VZ_ROOT_A/private/101/tmp/count" ] && break; sleep 0.05; done
}

# count HOST: the counter as host HOST's copy of the CT has it.
count() { cat "$(vz_mh_var "$1" VZ_ROOT)/private/101/tmp/count"; }

# counter_goes_on HOST N: the counter on HOST moves past N within ~5 s.
counter_goes_on() {
	for _ in $(seq 100); do
		[ "$(count "$1")" -gt "$2" ] && return 0
		sleep 0.05
	done
	echo "the counter on $1 stays at $(count "$1"), was $2" >&3
	return 1
}

# status HOST: CT 101's status on HOST, as vzlist shows it ("" when absent).
status() { vz_on "$1" vzlist -a -H -o status 101 2>/dev/null | tr -d ' '; }

# Exactly one copy runs, on HOST, and the other host has nothing of it.
only_on() {
	local other=a
	[ "$1" = a ] && other=b
	[ "$(status "$1")" = running ]
	[ -z "$(status "$other")" ]
	[ ! -e "$(vz_mh_var "$other" VZ_ROOT)/private/101" ]
	[ ! -e "$(vz_mh_var "$other" VZ_ROOT)/dump/101" ]
	[ "$(cat "$(vz_mh_var "$1" VZ_ROOT)/private/101/root/data")" = "customer data" ]
}

# A TCP client on the LAN talking to the CT's echo server; its log in $CLIENT_LOG.
start_client() {
	vz_on a vzctl exec 101 'setsid /bin/vzprobe tcp-echo 7000 </dev/null >/dev/null 2>&1 &'
	for _ in $(seq 100); do
		vz_client bash -c "exec 3<>/dev/tcp/$CT_IP/7000" 2>/dev/null && break
		sleep 0.05
	done
	CLIENT_LOG=$VZ_MH_DIR/client.log
	vz_client_bg "$VZ_BUILD/vzprobe" tcp-client "$CT_IP" 7000 50 >"$CLIENT_LOG" 2>&1
	CLIENT_PID=$VZ_BG_PID
	for _ in $(seq 100); do grep -q '^conn' "$CLIENT_LOG" && break; sleep 0.05; done
	grep -q '^conn' "$CLIENT_LOG"
}

# The client's one connection went on answering after what happened.
client_went_on() {
	local n
	n=$(wc -l <"$CLIENT_LOG")
	for _ in $(seq 200); do [ "$(wc -l <"$CLIENT_LOG")" -gt $((n + 5)) ] && break; sleep 0.05; done
	kill "$CLIENT_PID"
	run ! grep error "$CLIENT_LOG"
	[ "$(grep -o '^conn [0-9]*' "$CLIENT_LOG" | sort -u | wc -l)" = 1 ]
	[ "$(wc -l <"$CLIENT_LOG")" -gt $((n + 5)) ]
}

migrate() { vz_on a vzctl migrate 101 "$VZ_ADDR_B" --ssh-opts "$VZ_SSH_OPTS" "$@"; }

# knob HOST CONTROLLER V1-FILE V2-FILE: a knob of CT 101's group on HOST.
knob() {
	local f=$3
	[ "$(vz_daemon_cgroup_layout)" = v1 ] || f=$4
	cat "$(vz_ct_cgroup_dir "$2" 101 "$(vz_mh_var "$1" VZ_CGROUP_PREFIX)")/$f"
}
