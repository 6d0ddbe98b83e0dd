#!/usr/bin/env python3
# A test image server: serves DIR over HTTPS (CERT, KEY) on 127.0.0.1:PORT,
# with byte ranges, as the image servers vz downloads templates from.
#
#   image-server.py DIR PORT CERT KEY [--cut PATH:BYTES] [--redirect PATH=URL]
#                   [--log FILE] [--plain PORT]
#
# --cut: the first GET of PATH (whole, from its start) sends BYTES of it and
# drops the connection, as a network failure would; later GETs are served.
# --redirect: a GET of PATH answers 302 to URL. --plain: DIR is served over
# plain HTTP on PORT too (what a downgrading redirect would lead to).
# Every request line goes to --log, with the Range asked for.
import http.server
import os
import ssl
import sys
import threading


def main():
    args = sys.argv[1:]
    root, port, cert, key = args[0], int(args[1]), args[2], args[3]
    cut = {}
    redirect = {}
    plain = None
    log = None
    rest = args[4:]
    while rest:
        if rest[0] == "--cut":
            path, n = rest[1].rsplit(":", 1)
            cut[path] = int(n)
        elif rest[0] == "--redirect":
            path, url = rest[1].split("=", 1)
            redirect[path] = url
        elif rest[0] == "--plain":
            plain = int(rest[1])
        elif rest[0] == "--log":
            log = rest[1]
        rest = rest[2:]

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            pass

        def do_GET(self):
            rng = self.headers.get("Range", "")
            if log:
                with open(log, "a") as f:
                    f.write("%s %s\n" % (self.path, rng))
            if self.path in redirect:
                self.send_response(302)
                self.send_header("Location", redirect[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            rel = self.path.lstrip("/")
            full = os.path.realpath(os.path.join(root, rel))
            if not full.startswith(os.path.realpath(root) + "/") or not os.path.isfile(full):
                self.send_error(404)
                return
            size = os.path.getsize(full)
            start = 0
            if rng.startswith("bytes=") and rng.endswith("-"):
                start = int(rng[6:-1])
            if start >= size and size > 0:
                self.send_error(416)
                return
            with open(full, "rb") as f:
                f.seek(start)
                data = f.read()
            if start:
                self.send_response(206)
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, size - 1, size))
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.path in cut and start == 0:
                n = cut.pop(self.path)
                self.wfile.write(data[:n])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.wfile.write(data)

    if plain:
        clear = http.server.HTTPServer(("127.0.0.1", plain), Handler)
        threading.Thread(target=clear.serve_forever, daemon=True).start()
    httpd = http.server.HTTPServer(("127.0.0.1", port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    print("ready", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
