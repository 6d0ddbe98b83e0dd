#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turn bench/measure.py's JSON lines into the table on the terminal and the
generated part of bench/RESULTS.md.

vz runs in two legs, side by side in every row: metrics "vz.*" (this hybrid
host as it is) and "vz2.*" (the same kernel seen as a cgroup2-only host);
each row of ROWS is  operation, vz metric, vz2 metric, peer metric  with "-"
for a leg the row does not apply to.

RESULTS.md keeps whatever follows the END marker (hand-written analysis);
everything before it is rewritten on each run.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import sys

END = "<!-- bench:end — text below this line is kept across runs -->"

# The two vz legs: metric prefix and name.
LEGS = [("vz", "hybrid host"), ("vz2", "cgroup2 host")]

# Issue targets: (metric without leg prefix, limit in ms, text); plus "exec no
# slower than lxc-attach".
TARGETS = [
    ("start", 15.0, "busybox `vzctl start` until init runs < 15 ms"),
    ("exec", 5.0, "`vzctl exec CT /bin/true` < 5 ms (back to back)"),
    ("exec_cold", 5.0, "`vzctl exec CT /bin/true` < 5 ms (after idle)"),
    ("list", 50.0, "`vzlist -a` over 1000 CTs < 50 ms"),
]
# One vz case against another of the same leg: (metric, base metric, limit on
# the ratio of their medians, text).
WITHIN = [
    ("list_json", "list", 1.5, "`vzlist -a -j` within 1.5× `vzlist -a`"),
]
SLOWER_THAN = [
    ("exec", "lxc.attach", "`vzctl exec` no slower than `lxc-attach` (back to back)"),
    ("exec_cold", "lxc.attach_cold", "`vzctl exec` no slower than `lxc-attach` (after idle)"),
]


def stats(samples_ns):
    ms = sorted(s / 1e6 for s in samples_ns)
    if not ms:
        return None
    p90 = statistics.quantiles(ms, n=10, method="inclusive")[8] if len(ms) > 1 else ms[0]
    return {"median": statistics.median(ms), "min": ms[0], "p90": p90, "n": len(ms)}


def fmt(st):
    return "%.2f" % st["median"] if st else "—"


def fmt_spread(st):
    return "%.2f / %.2f" % (st["min"], st["p90"]) if st else "—"


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--rows", required=True)
    ap.add_argument("--errors", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--build", default="")
    ap.add_argument("--attach", action="append", default=[],
                    help="LANG:TITLE:FILE, a file to quote in RESULTS.md")
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--warmup", type=int, required=True)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--elapsed", type=int, default=0)
    ap.add_argument("--meta", action="append", default=[])
    ap.add_argument("--note", action="append", default=[],
                    help="how a peer was run, for RESULTS.md")
    a = ap.parse_args()

    recs = {}
    with open(a.results, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            old = recs.get(r["id"])
            if old:  # the same case, another round
                old["samples_ns"] += r["samples_ns"]
                old["retries"] = old.get("retries", 0) + r.get("retries", 0)
                old["retry_msg"] = old.get("retry_msg") or r.get("retry_msg")
                old["error"] = old["error"] or r["error"]
            else:
                recs[r["id"]] = r
    for r in recs.values():
        r["st"] = None if r["error"] else stats(r["samples_ns"])
    rows = []
    with open(a.rows, encoding="utf-8") as f:
        for line in f:
            op, vz, vz2, peer = line.rstrip("\n").split("\t")
            rows.append((op, vz, vz2, peer))
    errors = []
    with open(a.errors, encoding="utf-8") as f:
        for line in f:
            peer, msg = line.rstrip("\n").split("\t", 1)
            errors.append((peer, msg))

    def tidy(s):
        if a.build:  # before $TMP: the binaries may be a snapshot inside it
            s = s.replace(a.build + "/", "$BUILD/")
        return s.replace(a.tmp, "$TMP")

    def peer_name(mid):
        r = recs.get(mid)
        return r["desc"] if r else mid

    def st_of(mid):
        return recs.get(mid, {}).get("st") if mid != "-" else None

    def cell(mid):
        """Median of a metric, or why there is none."""
        if mid == "-":
            return ""
        if mid not in recs:
            return "not run"
        if recs[mid]["error"]:
            return "failed"
        return fmt(recs[mid]["st"])

    def ratio(v, p):
        return "%.2f" % (v["median"] / p["median"]) if v and p else "—"

    # ---- table
    head = ["operation", "vz hybrid ms", "min / p90", "vz cgroup2 ms", "min / p90",
            "peer", "peer ms", "min / p90", "hybrid/peer", "cgroup2/peer"]
    table = []
    for op, vz, vz2, peer in rows:
        v, v2, p = st_of(vz), st_of(vz2), st_of(peer)
        table.append([op, cell(vz), fmt_spread(v) if vz != "-" else "",
                      cell(vz2), fmt_spread(v2) if vz2 != "-" else "",
                      peer_name(peer), cell(peer), fmt_spread(p),
                      ratio(v, p) if vz != "-" else "", ratio(v2, p) if vz2 != "-" else ""])

    widths = [max(len(str(r[i])) for r in [head] + table) for i in range(len(head))]
    print()
    for r in [head] + table:
        print("  ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)).rstrip())
    floor = recs.get("host.true", {}).get("st")
    if floor:
        print("\nharness floor (spawn + wait of /bin/true): %.2f ms median" % floor["median"])

    # ---- targets: one column pair per leg
    def verdict(ok):
        return "met" if ok else "**missed**"

    tlines = []
    for mid, limit, text in TARGETS:
        if mid == "list":
            d = recs.get("vz.list", {}).get("desc")
            if d:
                text = "`vzlist -a` < 50 ms: " + d
        cells = []
        for leg, _ in LEGS:
            st = st_of("%s.%s" % (leg, mid))
            cells += (["%.2f ms" % st["median"], verdict(st["median"] < limit)] if st
                      else ["—", "not measured"])
        tlines.append("| %s | %s |" % (text, " | ".join(cells)))
    for mid, bid, limit, text in WITHIN:
        d = recs.get("vz.%s" % mid, {}).get("desc")
        cells = []
        for leg, _ in LEGS:
            st, base = st_of("%s.%s" % (leg, mid)), st_of("%s.%s" % (leg, bid))
            cells += (["%.2f vs %.2f ms (%s×)" % (st["median"], base["median"], ratio(st, base)),
                       verdict(st["median"] <= limit * base["median"])] if st and base
                      else ["—", "not measured"])
        tlines.append("| %s%s | %s |" % (text, ": " + d if d else "", " | ".join(cells)))
    for vid, pid, text in SLOWER_THAN:
        la = st_of(pid)
        if not la:
            continue
        cells = []
        for leg, _ in LEGS:
            ve = st_of("%s.%s" % (leg, vid))
            cells += (["%.2f vs %.2f ms" % (ve["median"], la["median"]),
                       verdict(ve["median"] <= la["median"])] if ve else ["—", "not measured"])
        tlines.append("| %s | %s |" % (text, " | ".join(cells)))
    for mid, name in (("crun.start", "crun run -d"), ("lxc.start", "lxc-start -d + lxc-wait")):
        st = st_of(mid)
        if not st:
            continue
        cells = []
        for leg, _ in LEGS:
            vs = st_of(leg + ".start")
            cells += ["%.2f ms" % vs["median"] if vs else "—", "vz/peer " + ratio(vs, st)]
        tlines.append("| for reference: vz start vs %s, %.2f ms (issue: crun ~10 ms, "
                      "lxc-start ~20-30 ms) | %s |" % (name, st["median"], " | ".join(cells)))
    thead = "| target | " + " | ".join("vz, %s | verdict" % name for _, name in LEGS) + " |"
    print()
    for t in [thead] + tlines:
        print(t.replace("**", ""))

    # ---- RESULTS.md
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    md = []
    md.append("# vz benchmark results\n")
    md.append("<!-- Generated by `bench/run BUILD_DIR` (`make bench`); the part above the "
              "bench:end marker is rewritten on every run. -->\n")
    md.append("- Date: %s" % now)
    md.append("- Host: kernel %s, %d CPUs (%s)" % (platform.release(), os.cpu_count() or 0,
                                                   cpu_model()))
    for m in a.meta:
        md.append("- %s" % m)
    md.append("- %d timed runs per case, in %d rounds that each time both vz legs and then "
              "every peer "
              "(%d untimed warm-up run(s) per case and round); the full run took %d s"
              % (a.runs, a.rounds, a.warmup, a.elapsed))
    md.append("- Times are wall clock in ms from just before `posix_spawn` of the command to "
              "the return of `waitpid` (python3 `perf_counter_ns`), stdout to /dev/null. "
              "Setup and teardown between runs (`pre`/`post` below) are not timed.")
    if floor:
        md.append("- Harness floor (spawn and wait of `/bin/true` on the host): %.2f ms median, "
                  "included in every number below" % floor["median"])
    md.append("")
    md.append("## Targets (from the issue)\n")
    md.append("Medians; each target is judged for both vz legs (see 'How vz and the peers "
              "were run').\n")
    md.append(thead)
    md.append("|---|" + "---|---|" * len(LEGS))
    md.extend(tlines)
    md.append("")
    md.append("## Results\n")
    md.append("Medians in ms. **vz hybrid**: vzd sees this host as it is (cgroup v1 + "
              "cgroup2); **vz cgroup2**: a second vzd sees the same kernel as a cgroup2-only "
              "host (private mount namespace, CT processes cloned into their group). Ratios "
              "are each leg's median / the peer's median from the same run (< 1: vz is "
              "faster); an empty cell means the row does not apply to that leg.\n")
    md.append("| " + " | ".join(head) + " |")
    md.append("|" + "---|" * len(head))
    for r in table:
        md.append("| " + " | ".join(str(c) for c in r) + " |")
    md.append("")
    if a.note:
        md.append("## How vz and the peers were run\n")
        for n in a.note:
            md.append("- " + n)
        md.append("")
    md.append("## What exactly was run\n")
    md.append("`$TMP` is the run's temp dir; `$BUILD` binaries are vz's. Steps of one metric "
              "are timed back to back and summed.\n")
    for mid, r in recs.items():
        md.append("- `%s` — %s" % (mid, r["desc"]))
        md.append("  - timed: `%s`" % tidy(r["cmd"]))
        if r["pre"]:
            md.append("  - before each run: `%s`" % tidy(r["pre"]))
        if r["post"]:
            md.append("  - after each run: `%s`" % tidy(r["post"]))
        if r.get("retries"):
            md.append("  - the last step failed and was retried at once %d time(s) in %d runs "
                      "(retries are in the timing); first failure: `%s`"
                      % (r["retries"], len(r["samples_ns"]), tidy(r["retry_msg"] or "")))
        if r["error"]:
            md.append("  - **failed**: `%s`" % tidy(r["error"]))
    md.append("")
    for att in a.attach:
        lang, title, path = att.split(":", 2)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            body = tidy(f.read()).rstrip()
        md.append("%s:\n" % title)
        md.append("```%s\n%s\n```\n" % (lang, body))
    if errors:
        md.append("## Legs and peers that could not run\n")
        for peer, msg in errors:
            md.append("- %s: `%s`" % (peer, tidy(msg)))
        md.append("")

    kept = ""
    if a.out != "-" and os.path.exists(a.out):
        with open(a.out, encoding="utf-8") as f:
            old = f.read()
        if END in old:
            kept = old.split(END, 1)[1]
    text = "\n".join(md) + "\n" + END + (kept if kept else "\n")
    if a.out == "-":
        return
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, a.out)
    print("\nwrote %s" % a.out, file=sys.stderr)


if __name__ == "__main__":
    main()
