#!/usr/bin/env bats
# Templates from an image server (simplestreams, as the LXC/Incus image
# servers): a local HTTPS server with its own test CA, in the daemon's
# network namespace, serving a catalogue this file builds from small root
# file systems. Download, names, checks, resumed downloads, create that
# downloads, and hostile catalogues.
# vz-test: cgroup-agnostic

load helpers

PORT=8443

arch_names() {
	ARCH=$(case "$(uname -m)" in x86_64) echo amd64 ;; aarch64) echo arm64 ;; *) uname -m ;; esac)
	MACHINE=$(uname -m)
}

# The server's files, made once per file (compressing the images is what
# costs); each test gets its own copy to tamper with.
setup_file() {
	for c in openssl python3 mksquashfs unsquashfs; do
		command -v "$c" >/dev/null || return 0 # setup skips, naming it
	done
	arch_names
	SRV=$BATS_FILE_TMPDIR/srv
	mkdir -p "$SRV/www/streams/v1"
	make_certs
	add_image fedora 40 40
	add_image fedora 41 41
	add_image alpine 3.20 3.20 squashfs
	add_image debian bookworm 12
	add_image centos 7 7
	add_image gentoo current current
	write_catalogue
}

setup() {
	require_cmd openssl openssl
	require_cmd python3 python3
	require_cmd mksquashfs squashfs-tools
	require_cmd unsquashfs squashfs-tools
	arch_names
	SRV=$BATS_TEST_TMPDIR/srv
	cp -a "$BATS_FILE_TMPDIR/srv" "$SRV"
	vz_netns_holder
	export VZ_TEST_CONF_EXTRA="TEMPLATE_SERVER=\"https://127.0.0.1:$PORT\"
TEMPLATE_SERVER_CA=\"$SRV/ca.pem\""
}

teardown() {
	[ -z "${SERVER_PID:-}" ] || kill "$SERVER_PID" 2>/dev/null || true
	vz_stop_daemon
}

make_certs() {
	(
		cd "$SRV" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
			-subj /CN=vz-test-ca 2>/dev/null &&
			openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr \
				-subj /CN=127.0.0.1 2>/dev/null &&
			printf 'subjectAltName=IP:127.0.0.1\n' >ext &&
			openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
				-out srv.pem -days 2 -extfile ext 2>/dev/null
	)
}

# add_image DIST RELEASE TITLE [squashfs]: a root file system (the busybox
# template with the distribution's os-release) as DIST:RELEASE:ARCH:default
# on the server, a root.tar.xz item (or only a squashfs one).
add_image() {
	local dist=$1 rel=$2 title=$3 ftype=${4:-root.tar.xz} rootfs=$BATS_FILE_TMPDIR/rootfs-$1-$2
	local rel_path="images/$dist/$rel/$ARCH/default/20261201_00:00/rootfs.tar.xz"
	[ "$ftype" = root.tar.xz ] || rel_path=${rel_path%.tar.xz}.squashfs
	mkdir -p "$rootfs" "$SRV/www/$(dirname "$rel_path")"
	tar -xf "$(vz_template_cache)"/busybox*.tar* -C "$rootfs"
	printf 'ID=%s\nVERSION_ID=%s\nPRETTY_NAME="%s %s"\n' "$dist" "$title" "$dist" "$title" \
		>"$rootfs/etc/os-release"
	layout "$dist" "$rootfs"
	if [ "$ftype" = root.tar.xz ]; then
		tar --numeric-owner -cJf "$SRV/www/$rel_path" -C "$rootfs" .
	else
		mksquashfs "$rootfs" "$SRV/www/$rel_path" -quiet -no-progress >/dev/null
	fi
	echo "$dist $rel $title $ftype $rel_path" >>"$SRV/images"
}

# layout DIST ROOTFS: the files by which vz tells the distribution's network
# configuration system and password hash apart, as the real ones have them
# (the programs are stand-ins: only their presence counts).
layout() {
	local r=$2
	case $1 in
	fedora)
		mkdir -p "$r/usr/sbin" "$r/etc/NetworkManager/system-connections" "$r/etc/pam.d"
		printf '#!/bin/sh\n' >"$r/usr/sbin/NetworkManager"
		chmod 0755 "$r/usr/sbin/NetworkManager"
		printf 'password sufficient pam_unix.so yescrypt shadow use_authtok\n' \
			>"$r/etc/pam.d/system-auth"
		;;
	centos)
		mkdir -p "$r/etc/sysconfig/network-scripts"
		;;
	alpine | debian)
		mkdir -p "$r/etc/network"
		printf 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n' \
			>"$r/etc/network/interfaces"
		;;
	esac
	if [ "$1" = debian ]; then
		mkdir -p "$r/lib/systemd" "$r/etc/systemd/network"
		printf '#!/bin/sh\n' >"$r/lib/systemd/systemd-networkd"
		chmod 0755 "$r/lib/systemd/systemd-networkd"
	fi
}

# The catalogue of what add_image put there; $1 (jq) may change it first.
write_catalogue() {
	local edit=${1:-.}
	printf '{"format":"index:1.0","index":{"images":{"datatype":"image-downloads","path":"streams/v1/images.json","format":"products:1.0"}}}\n' \
		>"$SRV/www/streams/v1/index.json"
	while read -r dist rel title ftype path; do
		jq -n --arg d "$dist" --arg r "$rel" --arg t "$title" --arg a "$ARCH" --arg p "$path" \
			--arg f "$ftype" \
			--arg s "$(sha256sum "$SRV/www/$path" | cut -d' ' -f1)" \
			--argjson z "$(stat -c %s "$SRV/www/$path")" \
			'{($d + ":" + $r + ":" + $a + ":default"): {arch: $a, os: $d, release: $r,
			  release_title: $t, variant: "default", versions: {"20261201_00:00": {items:
			  {($f): {ftype: $f, path: $p, sha256: $s, size: $z}}}}}}'
	done <"$SRV/images" | jq -s "{content_id: \"images\", datatype: \"image-downloads\",
		format: \"products:1.0\", products: add} | $edit" >"$SRV/www/streams/v1/images.json"
}

# The server, in the daemon's network namespace; extra arguments go to it.
start_server() {
	nsenter -t "$VZ_NETNS_PID" -n python3 "$BATS_TEST_DIRNAME/image-server.py" "$SRV/www" \
		"$PORT" "$SRV/srv.pem" "$SRV/srv.key" --log "$SRV/requests" "$@" \
		>"$SRV/server.out" 2>&1 3>&- &
	SERVER_PID=$!
	for _ in $(seq 100); do grep -q ready "$SRV/server.out" 2>/dev/null && return 0; sleep 0.05; done
	cat "$SRV/server.out" >&2
	return 1
}

cache() { ls -A "$VZ_ROOT/template/cache"; }

@test "template list --remote shows what the server offers for this machine" {
	start_server
	vz_start_daemon
	run -0 vzctl template list --remote
	[[ "$output" == *"fedora-41-$MACHINE "* ]]
	[[ "$output" == *"fedora-40-$MACHINE "* ]]
	[[ "$output" == *"alpine-3.20-$MACHINE "* ]]
	[[ "$output" == *"debian-bookworm-$MACHINE "* ]]
}

@test "download: fedora is the newest release, checked, cached under OpenVZ's name" {
	start_server
	vz_start_daemon
	run -0 vzctl template download fedora
	[[ "$output" == *"Downloading template fedora"* ]]
	[ -f "$VZ_ROOT/template/cache/fedora-41-$MACHINE.tar.xz" ]
	cmp "$VZ_ROOT/template/cache/fedora-41-$MACHINE.tar.xz" \
		"$SRV/www/images/fedora/41/$ARCH/default/20261201_00:00/rootfs.tar.xz"
	run -0 vzctl template list
	[[ "$output" == *"fedora-41-$MACHINE"* ]]
	# fedora-40 and debian-12 (the release's title) are names too.
	run -0 vzctl template download fedora-40
	[ -f "$VZ_ROOT/template/cache/fedora-40-$MACHINE.tar.xz" ]
	run -0 vzctl template download "debian-12-$MACHINE"
	[ -f "$VZ_ROOT/template/cache/debian-bookworm-$MACHINE.tar.xz" ]
	run -91 vzctl template download fedora-39
	[[ "$output" == *"has no fedora-39"*"fedora-41-$MACHINE"* ]]
	# fedora from the cache is its newest release there, no download.
	run -0 vzctl create 101 --ostemplate fedora
	[[ "$output" != *"downloading"* ]]
	grep -q '^VERSION_ID=41' "$VZ_ROOT/private/101/etc/os-release"
}

@test "create with a template not in the cache downloads it first (a squashfs-only image)" {
	start_server
	vz_start_daemon
	run -0 vzctl create 101 --ostemplate alpine
	[[ "$output" == *"not in the cache: downloading it"* ]]
	grep -q '^ID=alpine' "$VZ_ROOT/private/101/etc/os-release"
	run -0 vzctl start 101
	run -0 vzctl exec 101 cat /etc/os-release
	[[ "$output" == *"ID=alpine"* ]]
}

@test "a file that does not match the catalogue's sha256 is refused and nothing is cached" {
	local f="$SRV/www/images/fedora/41/$ARCH/default/20261201_00:00/rootfs.tar.xz"
	# Same size, one byte changed after the catalogue was written (flipped:
	# writing a fixed byte leaves the file as it was when it already has it).
	python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(1000); b = f.read(1); f.seek(1000); f.write(bytes([b[0] ^ 0xff]))' "$f"
	start_server
	vz_start_daemon
	before=$(cache)
	run -47 vzctl template download fedora-41
	[[ "$output" == *"sha256"*"refused"* ]]
	[ "$(cache)" = "$before" ]
}

@test "a download cut short goes on from where it stopped" {
	local path="/images/fedora/41/$ARCH/default/20261201_00:00/rootfs.tar.xz"
	start_server --cut "$path:200000"
	vz_start_daemon
	run -202 vzctl template download fedora-41
	# Nothing is a template yet; what came waits, hidden, for the next run.
	[ ! -e "$VZ_ROOT/template/cache/fedora-41-$MACHINE.tar.xz" ]
	[ "$(stat -c %s "$VZ_ROOT/template/cache/.fedora-41-$MACHINE.tar.xz.part")" = 200000 ]
	run -0 vzctl template download fedora-41
	[[ "$output" == *"Going on with an earlier download"* ]]
	grep -q "^$path bytes=200000-$" "$SRV/requests"
	cmp "$VZ_ROOT/template/cache/fedora-41-$MACHINE.tar.xz" "$SRV/www$path"
	[ ! -e "$VZ_ROOT/template/cache/.fedora-41-$MACHINE.tar.xz.part" ]
}

@test "hostile catalogues: a path with .., a huge size, a missing file; nothing cached" {
	start_server
	vz_start_daemon
	before=$(cache)
	write_catalogue '.products["fedora:41:'"$ARCH"':default"].versions[].items[].path = "images/../../etc/passwd"'
	run -91 vzctl template download fedora-41
	write_catalogue '.products["fedora:41:'"$ARCH"':default"].versions[].items[].size = 1099511627776'
	run -91 vzctl template download fedora-41
	# Bigger than the cache's free space (a 64 MB file system here): refused before it comes.
	mount -t tmpfs -o size=64m vz-test-cache "$VZ_ROOT/template/cache"
	write_catalogue '.products["fedora:41:'"$ARCH"':default"].versions[].items[].size = 104857600'
	run -46 vzctl template download fedora-41
	[[ "$output" == *"MB free"* ]]
	[ -z "$(cache)" ]
	umount "$VZ_ROOT/template/cache"
	write_catalogue '.products["fedora:41:'"$ARCH"':default"].versions[].items[].path = "images/none.tar.xz"'
	run -202 vzctl template download fedora-41
	[[ "$output" == *"404"* ]]
	echo 'not json' >"$SRV/www/streams/v1/images.json"
	run -47 vzctl template download fedora-41
	[[ "$output" == *"not JSON"* ]]
	[ "$(cache)" = "$before" ]
}

@test "a server whose certificate the CA did not sign is refused" {
	start_server
	export VZ_TEST_CONF_EXTRA="TEMPLATE_SERVER=\"https://127.0.0.1:$PORT\""
	vz_start_daemon
	run -202 vzctl template download fedora
	[[ "$output" == *"certificate"* ]]
}

@test "an https server's redirect is followed to https only, never down to plain http" {
	local index=/streams/v1/index.json
	cp "$SRV/www$index" "$SRV/www/streams/v1/moved.json"
	# The same files over plain http on 8080: where a downgrade would lead.
	start_server --plain 8080 --redirect "$index=http://127.0.0.1:8080$index"
	vz_start_daemon
	before=$(cache)
	run vzctl template download fedora
	[ "$status" -ne 0 ]
	[[ "${lines[1]}" == *"redirected to 'http://127.0.0.1:8080$index', refused: downloads from an https server stay on https" ]]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(cache)" = "$before" ]
	# The https request only: the plain server (same log) was never asked.
	[ "$(grep -c "^$index " "$SRV/requests")" -eq 1 ]
	kill "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null || true
	start_server --redirect "$index=https://127.0.0.1:$PORT/streams/v1/moved.json"
	run -0 vzctl template download fedora
	[ -f "$VZ_ROOT/template/cache/fedora-41-$MACHINE.tar.xz" ]
}

@test "without a server, create says how to get one" {
	export VZ_TEST_CONF_EXTRA=
	vz_start_daemon
	run -91 vzctl create 101 --ostemplate fedora
	[[ "$output" == *"TEMPLATE_SERVER"* ]]
	run -91 vzctl template download fedora
	[[ "$output" == *"no image server"* ]]
}

# A file of the CT's private area.
ct_file() { cat "$VZ_ROOT/private/$1/$2"; }

# make_ct CT TEMPLATE: created, with addresses, DNS and a host name, started.
make_ct() {
	vzctl --quiet create "$1" --ostemplate "$2" --hostname "ct$1.example.com"
	vzctl --quiet set "$1" --ipadd "198.51.100.$1" --ipadd "2001:db8::$1" \
		--nameserver 192.0.2.53 --searchdomain example.com --save
	vzctl --quiet start "$1"
	[ "$(vzctl exec "$1" hostname)" = "ct$1.example.com" ]
	ct_file "$1" etc/resolv.conf | grep -qx 'nameserver 192.0.2.53'
	ct_file "$1" etc/resolv.conf | grep -qx 'search example.com'
	# Its console: what the CT wrote there, then detached with Esc .
	vzctl exec "$1" "echo console-of-$1 >/dev/console"
	{ sleep 0.3; printf '\033.'; } | vzctl console "$1" >"$BATS_TEST_TMPDIR/console" 2>&1
	grep -q "console-of-$1" "$BATS_TEST_TMPDIR/console"
	grep -q "Detached from CT $1 console" "$BATS_TEST_TMPDIR/console"
}

@test "fedora: a NetworkManager profile of venet0, a yescrypt password" {
	start_server
	vz_start_daemon
	make_ct 101 fedora
	f=$VZ_ROOT/private/101/etc/NetworkManager/system-connections/vz-venet0.nmconnection
	base=$(sed -n 's/^UID_RANGE="\([0-9]*\):.*/\1/p' "$VZ_ROOT/conf/101.conf")
	[ "$(stat -c '%a %u' "$f")" = "600 $base" ]
	grep -qx 'interface-name=venet0' "$f"
	grep -qx 'address1=198.51.100.101/32' "$f"
	grep -qx 'address1=2001:db8::101/128' "$f"
	grep -qx 'dns=192.0.2.53;' "$f"
	[ ! -e "$VZ_ROOT/private/101/etc/sysconfig/network-scripts/ifcfg-venet0" ]
	run -0 vzctl set 101 --userpasswd root:fedora-pw
	hash=$(ct_file 101 etc/shadow | awk -F: '$1 == "root" {print $2}')
	[[ "$hash" == "\$y\$"* ]]
	# Removing the CT's addresses removes the profile.
	vzctl --quiet set 101 --ipdel all --save
	[ ! -e "$f" ]
}

@test "centos: ifcfg-venet0 and its route files" {
	start_server
	vz_start_daemon
	make_ct 102 centos-7
	d=$VZ_ROOT/private/102/etc/sysconfig/network-scripts
	grep -qx 'DEVICE=venet0' "$d/ifcfg-venet0"
	grep -qx 'IPADDR=198.51.100.102' "$d/ifcfg-venet0"
	grep -qx 'IPV6ADDR=2001:db8::102/128' "$d/ifcfg-venet0"
	grep -qx 'default via 169.254.0.1 dev venet0' "$d/route-venet0"
	grep -qx 'default via fe80::1 dev venet0' "$d/route6-venet0"
	# Only an IPv4 address left: no IPv6 route file.
	vzctl --quiet set 102 --ipdel 2001:db8::102 --save
	[ ! -e "$d/route6-venet0" ]
	run ! grep -q IPV6 "$d/ifcfg-venet0"
}

@test "alpine: the interfaces stanza brings the addresses back after ifdown; SHA-512 password" {
	start_server
	vz_start_daemon
	make_ct 103 alpine
	run -0 ct_file 103 etc/network/interfaces
	[[ "$output" == *"iface eth0 inet dhcp"* ]]
	[[ "$output" == *"iface venet0 inet manual"* ]]
	# busybox's ifupdown runs the stanza: the interface down (addresses and
	# routes gone), then up again from the CT's own configuration.
	vzctl exec 103 'mkdir -p /var/run /run && ip link set venet0 down && ip addr flush dev venet0'
	run -0 vzctl exec 103 ip -o addr show dev venet0
	[[ "$output" != *"198.51.100.103"* ]]
	run -0 vzctl exec 103 ifup -f venet0
	run -0 vzctl exec 103 ip -o addr show dev venet0
	[[ "$output" == *"198.51.100.103/32"* ]]
	[[ "$output" == *"2001:db8::103/128"* ]]
	run -0 vzctl exec 103 ip route show default
	[[ "$output" == *"default via 169.254.0.1 dev venet0"* ]]
	# The password from stdin, hashed as busybox can check it.
	echo 'alpine pw' | vzctl --quiet set 103 --userpasswd root
	hash=$(ct_file 103 etc/shadow | awk -F: '$1 == "root" {print $2}')
	[[ "$hash" == "\$6\$"* ]]
	salt=$(echo "$hash" | cut -d'$' -f3)
	[ "$(openssl passwd -6 -salt "$salt" 'alpine pw')" = "$hash" ]
}

@test "debian layout: the ifupdown block and the networkd file" {
	start_server
	vz_start_daemon
	make_ct 104 debian-12
	grep -qx 'iface venet0 inet manual' "$VZ_ROOT/private/104/etc/network/interfaces"
	grep -qx 'Address=198.51.100.104/32' \
		"$VZ_ROOT/private/104/etc/systemd/network/10-vz-venet0.network"
}

@test "an unknown distribution gets the generic files and a warning, never a failure" {
	start_server
	vz_start_daemon
	vzctl --quiet create 105 --ostemplate gentoo --hostname ct105.example.com
	vzctl --quiet set 105 --ipadd 198.51.100.105 --save
	run -0 vzctl start 105
	[[ "$output" == *"distribution 'gentoo' is not one vz knows"* ]]
	[ "$(vzctl exec 105 hostname)" = "ct105.example.com" ]
	grep -q 'ct105.example.com' "$VZ_ROOT/private/105/etc/hosts"
	[ ! -e "$VZ_ROOT/private/105/etc/network/interfaces" ]
}

# Alpine's own ifupdown-ng (Debian packages it), unpacked for this run into
# NG; skips without it.
ifupdown_ng() {
	NG=$BATS_RUN_TMPDIR/ifupdown-ng
	if [ ! -x "$NG/root/sbin/ifupdown" ]; then
		mkdir -p "$NG"
		(cd "$NG" && apt-get download ifupdown-ng >/dev/null 2>&1 &&
			dpkg -x ifupdown-ng_*.deb root) || skip "ifupdown-ng cannot be downloaded here"
		ln -sf "$NG/root/sbin/ifupdown" "$NG/ifup"
	fi
}

@test "alpine: ifupdown-ng, Alpine's ifup, configures venet0 from vz's stanza" {
	require_cmd apt-get apt
	ifupdown_ng
	start_server
	vz_start_daemon
	make_ct 106 alpine
	cp "$VZ_ROOT/private/106/etc/network/interfaces" "$BATS_TEST_TMPDIR/interfaces"
	# A venet0 of its own in a scratch network namespace, brought up by ifupdown-ng.
	# shellcheck disable=SC2016 # the inner shell's arguments
	run -0 unshare -n sh -c 'ip link add venet0 type veth peer name peer0 &&
		"$1/ifup" -l -i "$2/interfaces" -S "$2/ifstate" \
			-E "$1/root/usr/libexec/ifupdown-ng" venet0 &&
		ip -o addr show dev venet0 && ip route show default && ip -6 route show default' \
		sh "$NG" "$BATS_TEST_TMPDIR"
	[[ "$output" == *"198.51.100.106/32"* ]]
	[[ "$output" == *"2001:db8::106/128"* ]]
	[[ "$output" == *"default via 169.254.0.1 dev venet0"* ]]
	[[ "$output" == *"default via fe80::1 dev venet0"* ]]
}

# NetworkManager's nmcli (its keyfile parser offline, no daemon), unpacked for this run into NM.
nmcli_offline() {
	NM=$BATS_RUN_TMPDIR/nm
	if [ ! -x "$NM/root/usr/bin/nmcli" ]; then
		mkdir -p "$NM"
		(cd "$NM" && apt-get download network-manager libnm0 >/dev/null 2>&1 &&
			for f in ./*.deb; do dpkg -x "$f" root || exit 1; done) ||
			skip "NetworkManager cannot be downloaded here"
	fi
	LD_LIBRARY_PATH=$NM/root/usr/lib/x86_64-linux-gnu "$NM/root/usr/bin/nmcli" --offline \
		--version >/dev/null 2>&1 || skip "this nmcli has no --offline mode"
}

@test "fedora: NetworkManager's own parser reads vz's profile, addresses and routes" {
	require_cmd apt-get apt
	nmcli_offline
	start_server
	vz_start_daemon
	make_ct 107 fedora
	# nmcli --offline reads a keyfile on stdin and prints what NetworkManager made of it.
	run -0 env LD_LIBRARY_PATH="$NM/root/usr/lib/x86_64-linux-gnu" \
		"$NM/root/usr/bin/nmcli" --offline connection modify connection.autoconnect yes \
		<"$VZ_ROOT/private/107/etc/NetworkManager/system-connections/vz-venet0.nmconnection"
	[[ "$output" == *"interface-name=venet0"* ]]
	[[ "$output" == *"address1=198.51.100.107/32"* ]]
	[[ "$output" == *"address1=2001:db8::107/128"* ]]
	[[ "$output" == *"route2=0.0.0.0/0,169.254.0.1"*"route2_options=onlink=true"* ]]
	[[ "$output" == *"route1=::/0,fe80::1"*"route1_options=onlink=true"* ]]
	[[ "$output" == *"dns=192.0.2.53;"* ]]
}
