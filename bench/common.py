"""Shared helpers for the benchmark scripts of wass.

- instance generators (Gaussian point clouds with a fixed seed) and writers of
  the files the `wass` CLI reads (.npy signatures: one row per point, weight
  first, then the coordinates; or a dense cost matrix with weight vectors);
- running one tool on one instance in a child process, so that its peak
  resident memory (ru_maxrss of that child alone, via os.wait4) and its wall
  time are measured without the harness itself in the numbers;
- medians, relative differences, markdown tables.

Run as a script (``python3 bench/common.py --worker TOOL DIR COST REPEATS``) it
is the child that times one Python anchor (POT, OpenCV, pyemd, scipy HiGHS) on
an instance directory and prints one JSON line.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Ground costs the benchmarks use: name -> (metric for ot.dist, power p).
# "w1" is the euclidean distance (W1); "w2sq" the squared euclidean (W2^2).
COSTS = {
    "w1": {"metric": "euclidean", "label": "W1 (euclidean)"},
    "w2sq": {"metric": "sqeuclidean", "label": "W2^2 (sqeuclidean)"},
}


# --------------------------------------------------------------------------
# instances
# --------------------------------------------------------------------------

def gaussian_clouds(n, m, d=2, seed=0):
    """Two Gaussian clouds in R^d: X ~ N(0, I), Y ~ N(mu, S) with a shifted
    mean and an anisotropic covariance, uniform weights. Deterministic."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    A = np.eye(d) + 0.5 * rng.standard_normal((d, d))
    Y = rng.standard_normal((m, d)) @ A.T + np.full(d, 1.5)
    a = np.full(n, 1.0 / n)
    b = np.full(m, 1.0 / m)
    return X, Y, a, b


def cost_matrix(X, Y, cost):
    """Dense n x m ground cost in float64 (the same formula as ot.dist)."""
    diff = X[:, None, :] - Y[None, :, :]
    sq = np.einsum("ijk,ijk->ij", diff, diff)
    if cost == "w2sq":
        return sq
    if cost == "w1":
        return np.sqrt(sq)
    raise ValueError("unknown cost %r" % cost)


def write_signature(path, w, X):
    """A signature file: rows (weight, x_1, ..., x_d), float64 .npy."""
    np.save(path, np.hstack([np.asarray(w, float)[:, None], np.asarray(X, float)]))


def write_instance(dirpath, X, Y, a, b):
    """Store an instance as the files both wass and the anchors read:
    X.npy, Y.npy (coordinates), a.npy, b.npy (weights), P.npy, Q.npy
    (signatures: weight first)."""
    os.makedirs(dirpath, exist_ok=True)
    np.save(os.path.join(dirpath, "X.npy"), X)
    np.save(os.path.join(dirpath, "Y.npy"), Y)
    np.save(os.path.join(dirpath, "a.npy"), a)
    np.save(os.path.join(dirpath, "b.npy"), b)
    write_signature(os.path.join(dirpath, "P.npy"), a, X)
    write_signature(os.path.join(dirpath, "Q.npy"), b, Y)
    return dirpath


def load_instance(dirpath):
    ld = lambda f: np.load(os.path.join(dirpath, f))
    return ld("X.npy"), ld("Y.npy"), ld("a.npy"), ld("b.npy")


# --------------------------------------------------------------------------
# numbers and tables
# --------------------------------------------------------------------------

def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def rel_diff(x, ref):
    if x is None or ref is None:
        return None
    return abs(x - ref) / max(abs(ref), 1e-300)


def fmt_time(s):
    if s is None:
        return "-"
    if s < 1e-3:
        return "%.0f us" % (s * 1e6)
    if s < 1:
        return "%.1f ms" % (s * 1e3)
    return "%.2f s" % s


def fmt_mb(kb):
    return "-" if kb is None else "%.0f" % (kb / 1024.0)


def fmt_g(x, spec="%.2e"):
    return "-" if x is None else spec % x


def markdown_table(header, rows, align=None):
    """rows: lists of strings. align: string of 'l'/'r' per column."""
    align = align or "l" + "r" * (len(header) - 1)
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join(":---" if c == "l" else "---:" for c in align) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


class Progress:
    """One-line progress on stderr, only when stderr is a terminal."""

    def __init__(self, enabled=None):
        self.on = sys.stderr.isatty() if enabled is None else enabled
        self.t0 = time.time()

    def __call__(self, msg):
        if self.on:
            sys.stderr.write("\r\033[K[%6.1fs] %s" % (time.time() - self.t0, msg))
            sys.stderr.flush()

    def done(self):
        if self.on:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


# --------------------------------------------------------------------------
# child processes: wall time and peak memory of exactly one process
# --------------------------------------------------------------------------

GNU_TIME = "/usr/bin/time"


def run_child(argv, timeout=None, env=None):
    """Run argv; return dict(rc, stdout, stderr, wall, cpu, maxrss_kb, timed_out).

    The peak resident set size is that of the command alone, in KiB. A child
    forked from this harness keeps the harness's own peak in its ru_maxrss
    (Linux carries the pre-exec high-water mark across exec), so the command
    runs under GNU time (Debian package `time`), whose small process forks
    it; without GNU time, os.wait4's figure is used, a value that cannot
    fall below the harness's own RSS at the fork.
    """
    import tempfile

    use_time = os.access(GNU_TIME, os.X_OK)
    rss_file = None
    if use_time:
        fd, rss_file = tempfile.mkstemp(prefix="wass-rss-")
        os.close(fd)
        argv = [GNU_TIME, "-f", "%M", "-o", rss_file] + list(argv)
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                         start_new_session=True)
    timed_out = False
    try:
        out, err = _communicate_nowait(p, timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)  # the command too, not only GNU time
        timed_out = True
        out, err = b"", b""
        if p.stdout:
            out = p.stdout.read()
        if p.stderr:
            err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    maxrss = ru.ru_maxrss
    if rss_file:
        try:
            with open(rss_file) as fp:
                last = fp.read().split()
            # GNU time writes "Command exited with non-zero status N" first
            maxrss = int(last[-1]) if last else None
        except (OSError, ValueError):
            maxrss = None
        os.unlink(rss_file)
    return {
        "rc": p.returncode,
        "stdout": out.decode("utf-8", "replace"),
        "stderr": err.decode("utf-8", "replace"),
        "wall": wall,
        "cpu": ru.ru_utime + ru.ru_stime,  # the command's too: GNU time reaps it
        "maxrss_kb": maxrss,
        "timed_out": timed_out,
    }


def _communicate_nowait(p, timeout):
    """Read stdout/stderr to EOF without reaping the child (so that wait4 can
    collect its resource usage afterwards)."""
    import selectors

    sel = selectors.DefaultSelector()
    bufs = {p.stdout: [], p.stderr: []}
    for f in bufs:
        sel.register(f, selectors.EVENT_READ)
    deadline = None if timeout is None else time.monotonic() + timeout
    while sel.get_map():
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise subprocess.TimeoutExpired(p.args, timeout)
        for key, _ in sel.select(left):
            chunk = os.read(key.fileobj.fileno(), 65536)
            if chunk:
                bufs[key.fileobj].append(chunk)
            else:
                sel.unregister(key.fileobj)
    return b"".join(bufs[p.stdout]), b"".join(bufs[p.stderr])


def find_wass():
    """The CLI: $WASS_CLI, else build/wass of this repository."""
    cand = os.environ.get("WASS_CLI") or os.path.join(ROOT, "build", "wass")
    if os.path.isfile(cand) and os.access(cand, os.X_OK):
        return cand
    return shutil.which("wass")


def parse_json_output(text):
    """The last JSON object printed on stdout (the CLI prints one)."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    start = text.find("{")
    if start >= 0:
        return json.loads(text[start:])
    raise ValueError("no JSON in output: %r" % text[:200])


def jget(obj, *names, default=None):
    """Look a field up at the top level of a JSON result or one level down
    (e.g. inside "certificate"), under any of several names."""
    for nm in names:
        if nm in obj:
            return obj[nm]
    for v in obj.values():
        if isinstance(v, dict):
            for nm in names:
                if nm in v:
                    return v[nm]
    return default


def wass_argv(wass, dirpath, cost, form="points", extra=()):
    """Command line of one exact solve of an instance by the CLI.

    form "points": signature files P.npy Q.npy with the ground metric (no n x m
    matrix); form "dense": --cost C.npy --a a.npy --b b.npy (C must exist)."""
    if form == "dense":
        return [wass, "emd", "--cost", os.path.join(dirpath, "C_%s.npy" % cost),
                "--a", os.path.join(dirpath, "a.npy"), "--b", os.path.join(dirpath, "b.npy"),
                "--json"] + list(extra)
    metric = {"w1": ["--metric", "euclidean", "--p", "1"],
              "w2sq": ["--metric", "euclidean", "--p", "2"]}[cost]
    return [wass, "emd", os.path.join(dirpath, "P.npy"), os.path.join(dirpath, "Q.npy")] + \
        metric + ["--json"] + list(extra)


def run_wass(wass, dirpath, cost, repeats, form="points", extra=(), timeout=None):
    """Time the CLI `repeats` times. Returns a dict with medians of the wall
    time of the process, the solver's own 'seconds' and 'certify_seconds',
    the peak RSS (max over repeats), the cost, pivots and the certificate."""
    walls, solves, certs, rss = [], [], [], []
    res = {"tool": "wass", "ok": False}
    for _ in range(repeats):
        r = run_child(wass_argv(wass, dirpath, cost, form, extra), timeout=timeout)
        if r["timed_out"]:
            res["error"] = "timeout"
            return res
        try:
            js = parse_json_output(r["stdout"])
        except ValueError:
            js = None
        if r["rc"] != 0 or js is None:
            res["error"] = "exit %d: %s" % (r["rc"], (r["stderr"] or r["stdout"]).strip()[-300:])
            return res
        status = str(jget(js, "status", default=""))
        if status.lower() not in ("optimal", "0"):
            res["error"] = "status %s" % status
            return res
        walls.append(r["wall"])
        solves.append(jget(js, "seconds"))
        certs.append(jget(js, "certify_seconds"))
        rss.append(r["maxrss_kb"])
        res.update(
            ok=True,
            cost=jget(js, "cost"),
            iterations=jget(js, "iterations", "pivots"),
            marginal_error=jget(js, "marginal_error"),
            min_reduced_cost=jget(js, "min_reduced_cost"),
            duality_gap=jget(js, "duality_gap"),
        )
    res.update(wall=median(walls), time=median(solves), certify=median(certs),
               maxrss_kb=max(rss) if rss else None, repeats=len(walls))
    if res["time"] is None:
        res["time"] = res["wall"]
    return res


def run_anchor(tool, dirpath, cost, repeats, timeout=None):
    """Time one Python anchor in a child process (see worker())."""
    argv = [sys.executable, os.path.abspath(__file__), "--worker", tool, dirpath, cost,
            str(repeats)]
    r = run_child(argv, timeout=timeout)
    if r["timed_out"]:
        return {"tool": tool, "ok": False, "error": "timeout"}
    try:
        js = parse_json_output(r["stdout"])
    except ValueError:
        return {"tool": tool, "ok": False,
                "error": "exit %d: %s" % (r["rc"], r["stderr"].strip()[-300:])}
    js["maxrss_kb"] = r["maxrss_kb"]
    js["wall"] = r["wall"]
    return js


# --------------------------------------------------------------------------
# the child side: one anchor, one instance
# --------------------------------------------------------------------------

def _plan_cost(F, C):
    return float(np.sum(np.asarray(F, float) * C))


def worker(tool, dirpath, cost, repeats):
    import resource

    X, Y, a, b = load_instance(dirpath)
    C = cost_matrix(X, Y, cost)
    out = {"tool": tool, "ok": True}
    times = []

    if tool == "pot":
        import ot

        M = np.ascontiguousarray(C)
        for _ in range(repeats):
            t = time.perf_counter()
            val, log = ot.emd2(a, b, M, numItermax=10**9, log=True)
            times.append(time.perf_counter() - t)
        out["cost"] = float(val)
        out["note"] = "" if log.get("result_code", 1) == 1 else str(log.get("warning"))
    elif tool == "cv2":
        import cv2

        s1 = np.hstack([a[:, None], X]).astype(np.float32)
        s2 = np.hstack([b[:, None], Y]).astype(np.float32)
        for _ in range(repeats):
            t = time.perf_counter()
            if cost == "w1":
                val, _, flow = cv2.EMD(s1, s2, cv2.DIST_L2)
            else:
                val, _, flow = cv2.EMD(s1[:, :1].copy(), s2[:, :1].copy(), cv2.DIST_USER,
                                       cost=C.astype(np.float32))
            times.append(time.perf_counter() - t)
        # cv2 returns cost / total flow; the flow is float32 too. Report the
        # returned value scaled back, and separately the float64 cost of its flow
        # (tells float32 rounding apart from a suboptimal flow).
        total = float(np.sum(flow, dtype=np.float64))
        out["cost"] = float(val) * min(a.sum(), b.sum())
        out["flow_cost"] = _plan_cost(flow, C) * (min(a.sum(), b.sum()) / total)
        out["flow_marginal_error"] = float(max(np.abs(flow.sum(1) - a).max(),
                                               np.abs(flow.sum(0) - b).max()))
    elif tool == "pyemd":
        from pyemd import emd

        n, m = len(a), len(b)
        N = n + m
        D = np.zeros((N, N))
        D[:n, n:] = C
        D[n:, :n] = C.T
        if cost == "w1":
            D[:n, :n] = cost_matrix(X, X, cost)
            D[n:, n:] = cost_matrix(Y, Y, cost)
        else:
            # never cheaper than going to the other side: keeps the union
            # problem equal to the bipartite one for a non-metric cost.
            D[:n, :n] = D[n:, n:] = C.max() * 10
            np.fill_diagonal(D, 0.0)
        h1 = np.concatenate([a, np.zeros(m)])
        h2 = np.concatenate([np.zeros(n), b])
        for _ in range(repeats):
            t = time.perf_counter()
            val = emd(h1, h2, D)
            times.append(time.perf_counter() - t)
        out["cost"] = float(val)
    elif tool == "highs":
        from scipy.optimize import linprog
        from scipy.sparse import csr_matrix, vstack, kron, eye

        n, m = len(a), len(b)
        A_eq = vstack([kron(eye(n), np.ones((1, m))), kron(np.ones((1, n)), eye(m))]).tocsr()
        b_eq = np.concatenate([a, b])
        for _ in range(repeats):
            t = time.perf_counter()
            r = linprog(C.ravel(), A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            times.append(time.perf_counter() - t)
        if r.status != 0:
            out["ok"] = False
            out["error"] = r.message
        out["cost"] = float(r.fun) if r.fun is not None else None
    else:
        raise SystemExit("unknown tool %r" % tool)

    out["time"] = median(times)
    out["times"] = times
    out["repeats"] = len(times)
    out["self_maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(out))


def baseline_rss_kb(tool):
    """Peak RSS of a child that imports what the anchor imports and stops:
    the interpreter's share, to read the anchors' numbers against."""
    mod = {"pot": "ot", "cv2": "cv2", "pyemd": "pyemd", "highs": "scipy.optimize"}[tool]
    r = run_child([sys.executable, "-c", "import numpy, %s" % mod])
    return r["maxrss_kb"]


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        sys.exit("usage: common.py --worker TOOL DIR COST REPEATS")
