#!/usr/bin/env bats
# Templates from an image server (simplestreams, as the LXC/Incus image
# servers): a local HTTPS server with its own test CA, in the daemon's
# network namespace, serving a catalogue this file builds from small root
# file systems. Download, names, checks, resumed downloads, create that
# downloads, and hostile catalogues.

load helpers

PORT=8443

setup() {
	require_cmd openssl openssl
	require_cmd python3 python3
	require_cmd mksquashfs squashfs-tools
	require_cmd unsquashfs squashfs-tools
	SRV=$BATS_TEST_TMPDIR/srv
	mkdir -p "$SRV/www/streams/v1"
	make_certs
	ARCH=$(case "$(uname -m)" in x86_64) echo amd64 ;; aarch64) echo arm64 ;; *) uname -m ;; esac)
	MACHINE=$(uname -m)
	add_image fedora 40 40
	add_image fedora 41 41
	add_image alpine 3.20 3.20 squashfs
	add_image debian bookworm 12
	write_catalogue
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
	local dist=$1 rel=$2 title=$3 ftype=${4:-root.tar.xz} rootfs=$BATS_TEST_TMPDIR/rootfs-$1-$2
	local rel_path="images/$dist/$rel/$ARCH/default/20261201_00:00/rootfs.tar.xz"
	[ "$ftype" = root.tar.xz ] || rel_path=${rel_path%.tar.xz}.squashfs
	mkdir -p "$rootfs" "$SRV/www/$(dirname "$rel_path")"
	tar -xf "$(vz_template_cache)"/busybox*.tar* -C "$rootfs"
	printf 'ID=%s\nVERSION_ID=%s\nPRETTY_NAME="%s %s"\n' "$dist" "$title" "$dist" "$title" \
		>"$rootfs/etc/os-release"
	if [ "$ftype" = root.tar.xz ]; then
		tar --numeric-owner -cJf "$SRV/www/$rel_path" -C "$rootfs" .
	else
		mksquashfs "$rootfs" "$SRV/www/$rel_path" -quiet -no-progress >/dev/null
	fi
	echo "$dist $rel $title $ftype $rel_path" >>"$SRV/images"
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
	# Same size, one byte changed after the catalogue was written.
	printf 'X' | dd of="$f" bs=1 seek=1000 conv=notrunc 2>/dev/null
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

@test "without a server, create says how to get one" {
	export VZ_TEST_CONF_EXTRA=
	vz_start_daemon
	run -91 vzctl create 101 --ostemplate fedora
	[[ "$output" == *"TEMPLATE_SERVER"* ]]
	run -91 vzctl template download fedora
	[[ "$output" == *"no image server"* ]]
}
