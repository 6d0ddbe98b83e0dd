#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Floor for start and exec on this host: move one fresh process into a
cgroup in every mounted hierarchy (v1 and cgroup2), as vz, crun and LXC all
must do for a CT's init and for every exec'd process.

On v1 the first write to cgroup.procs takes cgroup_threadgroup_rwsem for
writing, which waits for an RCU grace period unless one just passed; that
wait, not the write, is what this measures. Appends one metric, in
measure.py's format, to OUT. The cgroups are NAME under each hierarchy's
root; the caller removes them. --hierarchy (repeatable) picks the hierarchy
roots instead, e.g. only the cgroup2 one: what a cgroup2-only host pays when a
process is moved into its group instead of cloned into it.
"""

import argparse
import json
import os
import subprocess
import time


def hierarchies():
    """Mounted cgroup hierarchies: {mount point: fstype}, in mount order."""
    out = {}
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fstype = right.split()[0]
            if fstype in ("cgroup", "cgroup2"):
                out[left.split()[4]] = fstype
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--gap", type=float, default=0.0,
                    help="seconds to sit idle before each timed move")
    ap.add_argument("--id", default="floor.cgattach")
    ap.add_argument("--hierarchy", action="append", default=[],
                    help="a hierarchy root to use (default: every mounted one)")
    a = ap.parse_args()

    mounted = hierarchies()
    roots = a.hierarchy or list(mounted)
    if not a.hierarchy:
        what = "all %d cgroup hierarchies" % len(roots)
    elif [mounted.get(h) for h in roots] == ["cgroup2"]:
        what = "the cgroup2 hierarchy only"
    else:
        what = "the cgroup hierarchies " + ", ".join(roots)
    dirs = []
    for h in roots:
        d = os.path.join(h, a.name)
        os.makedirs(d, exist_ok=True)
        # A v1 cpuset takes no task until it has cpus and mems.
        for knob in ("cpuset.cpus", "cpuset.mems"):
            p = os.path.join(d, knob)
            if os.path.exists(p) and not open(p, encoding="ascii").read().strip():
                with open(os.path.join(h, knob), encoding="ascii") as src:
                    val = src.read().strip()
                with open(p, "w", encoding="ascii") as dst:
                    dst.write(val)
        dirs.append(d)

    samples, error = [], None
    for i in range(a.warmup + a.runs):
        p = subprocess.Popen(["sleep", "60"])
        if a.gap > 0:
            time.sleep(a.gap)
        try:
            pid = str(p.pid).encode()
            t0 = time.perf_counter_ns()
            for d in dirs:
                fd = os.open(os.path.join(d, "cgroup.procs"), os.O_WRONLY | os.O_CLOEXEC)
                try:
                    os.write(fd, pid)
                finally:
                    os.close(fd)
            t1 = time.perf_counter_ns()
        except OSError as e:
            error = "write to '%s': %s" % (d, e)
            break
        finally:
            p.kill()
            p.wait()
        if i >= a.warmup:
            samples.append(t1 - t0)

    rec = {
        "id": a.id,
        "desc": "move a fresh process into %s%s (floor)"
                % (what, ", after %d ms idle" % (a.gap * 1000) if a.gap else ""),
        "cmd": "write PID to cgroup.procs in " + ", ".join(dirs),
        "pre": "", "post": "", "samples_ns": samples, "error": error,
    }
    with open(a.out, "a", encoding="utf-8") as out:
        out.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()
