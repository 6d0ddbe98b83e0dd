#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Time one benchmark case: RUNS iterations of  pre → gap → timed steps → post.

Each timed step is one command spawned directly (posix_spawn, no shell),
stdin and stdout on /dev/null, timed with perf_counter_ns from just before
the spawn to the return of waitpid. pre and post are shell snippets, not
timed. Every --metric is the sum of a range of steps ("1", "1-2") and is
appended to OUT as one JSON line:

  {"id": ..., "desc": ..., "cmd": ..., "samples_ns": [...], "error": null}

A failing step (exit status != 0) ends the case: the metric is written with
"error" set to the command and its stderr, post still runs, and this script
exits 0 so that bench/run carries on with the next case.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

MAX_TRIES = 100


def spawn_timed(argv, errfd):
    """Run argv once; return (elapsed ns, exit status)."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
        (os.POSIX_SPAWN_DUP2, errfd, 2),
    ]
    t0 = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    t1 = time.perf_counter_ns()
    return t1 - t0, os.waitstatus_to_exitcode(status)


def shell(snippet):
    """Run an untimed shell snippet; return None or an error string."""
    if not snippet:
        return None
    p = subprocess.run(["/bin/bash", "-c", snippet], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True, check=False)
    if p.returncode != 0:
        return "'%s' exited %d: %s" % (snippet, p.returncode, p.stderr.strip()[-600:])
    return None


def parse_range(spec, nsteps):
    lo, _, hi = spec.partition("-")
    lo = int(lo)
    hi = int(hi) if hi else lo
    if not 1 <= lo <= hi <= nsteps:
        sys.exit("measure.py: bad step range '%s'" % spec)
    return lo - 1, hi


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--pre", default="")
    ap.add_argument("--post", default="")
    ap.add_argument("--gap", type=float, default=0.0,
                    help="seconds to sit idle after pre, before the timed steps")
    ap.add_argument("--step", action="append", required=True,
                    help="a timed command (shell words, run without a shell)")
    ap.add_argument("--retry", type=int, action="append", default=[],
                    help="step number whose failure is retried at once, the retries "
                         "timed as part of the step (a race the user would hit too)")
    ap.add_argument("--metric", action="append", required=True,
                    help="ID=STEPS=DESCRIPTION, STEPS like 1 or 1-2")
    a = ap.parse_args()

    steps = [shlex.split(s) for s in a.step]
    metrics = []
    for m in a.metric:
        mid, rng, desc = m.split("=", 2)
        lo, hi = parse_range(rng, len(steps))
        metrics.append((mid, lo, hi, desc))

    samples = []
    retries = 0
    retry_msg = None
    error = None
    with tempfile.TemporaryFile() as errf:
        for i in range(a.warmup + a.runs):
            error = shell(a.pre)
            if error:
                break
            if a.gap > 0:
                time.sleep(a.gap)
            times = []
            for n, argv in enumerate(steps, 1):
                tries = MAX_TRIES if n in a.retry else 1
                total = 0
                for attempt in range(1, tries + 1):
                    errf.seek(0)
                    errf.truncate()
                    ns, rc = spawn_timed(argv, errf.fileno())
                    total += ns
                    if rc == 0:
                        break
                    errf.seek(0)
                    msg = errf.read().decode(errors="replace").strip()[-600:]
                    failed = "'%s' exited %d: %s" % (shlex.join(argv), rc, msg)
                    if attempt < tries and i >= a.warmup:
                        retries += 1
                        retry_msg = retry_msg or failed
                if rc != 0:
                    error = failed
                    break
                times.append(total)
            post_err = shell(a.post)
            error = error or post_err
            if error:
                break
            if i >= a.warmup:
                samples.append(times)

    with open(a.out, "a", encoding="utf-8") as out:
        for mid, lo, hi, desc in metrics:
            rec = {
                "id": mid,
                "desc": desc,
                "cmd": " ; ".join(shlex.join(s) for s in steps[lo:hi]),
                "pre": a.pre,
                "post": a.post,
                "samples_ns": [sum(t[lo:hi]) for t in samples],
                "retries": retries if any(lo < r <= hi for r in a.retry) else 0,
                "retry_msg": retry_msg if any(lo < r <= hi for r in a.retry) else None,
                "error": error,
            }
            out.write(json.dumps(rec) + "\n")
    if error:
        print("  %s: FAILED: %s" % (metrics[0][0], error), file=sys.stderr)


if __name__ == "__main__":
    main()
