#!/usr/bin/python3
"""Benchmark the exact solver of wass (the `wass emd` CLI) against POT
(ot.emd2), OpenCV (cv2.EMD), pyemd (FastEMD) and scipy's HiGHS LP solver.

Instances: two 2-D Gaussian clouds (fixed seed), n = m points with uniform
weights, ground costs W1 (euclidean) and W2^2 (squared euclidean). Every tool
runs in its own child process (peak memory = that child's ru_maxrss); the
anchors time their solve alone (the cost matrix is built before the clock
starts); wass reports its own solve and certificate times in --json and the
process wall time (reading files, building nothing n x m) is given too.

Costs are compared with the certified wass cost and with HiGHS where it ran;
a relative difference above 1e-7 is flagged WRONG. For cv2, whose input and
output are float32, the float64 cost of the flow it returns is checked as
well, which tells rounding apart from a suboptimal flow.

  /usr/bin/python3 bench/run.py                      # the full table
  /usr/bin/python3 bench/run.py --quick              # CI-sized
  /usr/bin/python3 bench/run.py --sizes 100 1000 --repeats 5 --out table.md
  /usr/bin/python3 bench/run.py --dotmark            # DOTmark-style images
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import dotmark  # noqa: E402

ANCHORS = ("pot", "cv2", "pyemd", "highs")
TOOL_LABEL = {"wass": "wass", "pot": "POT ot.emd2", "cv2": "OpenCV cv2.EMD",
              "pyemd": "pyemd (FastEMD)", "highs": "scipy HiGHS"}
WRONG_TOL = 1e-7


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("--sizes", type=int, nargs="+",
                    help="n = m values (default 100 250 500 1000 2000 4000; --quick: 100 250 500)")
    ap.add_argument("--quick", action="store_true",
                    help="CI-sized run: sizes 100 250 500, 2 repeats, small caps")
    ap.add_argument("--repeats", type=int, default=3,
                    help="repeats per measurement (median); 1 at n >= 2000 for slow anchors")
    ap.add_argument("--costs", nargs="+", default=["w1", "w2sq"], choices=sorted(C.COSTS))
    ap.add_argument("--tools", nargs="+", default=["wass"] + list(ANCHORS),
                    choices=["wass"] + list(ANCHORS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--highs-max", type=int, default=300, help="largest n for HiGHS")
    ap.add_argument("--pyemd-max", type=int, default=500, help="largest n for pyemd (cubic)")
    ap.add_argument("--cv2-max", type=int, default=1000, help="largest n for cv2.EMD")
    ap.add_argument("--pot-max", type=int, default=5000,
                    help="largest n for POT (dense n x m; 5000 takes 64x64 images, not 128x128)")
    ap.add_argument("--budget", type=float, default=60.0,
                    help="seconds: a tool slower than this at one size skips larger sizes")
    ap.add_argument("--timeout", type=float, default=600.0, help="per child process")
    ap.add_argument("--form", choices=["points", "dense"], default="points",
                    help="wass input: signature files + metric, or a dense cost matrix")
    ap.add_argument("--wass", help="path of the wass CLI (default $WASS_CLI or build/wass)")
    ap.add_argument("--wass-args", default="", help="extra arguments for `wass emd` (one string)")
    ap.add_argument("--dotmark", action="store_true",
                    help="DOTmark-style images instead of Gaussian clouds")
    ap.add_argument("--dotmark-res", type=int, nargs="+", default=[32, 64])
    ap.add_argument("--dotmark-classes", nargs="+", default=list(dotmark.CLASSES),
                    choices=dotmark.CLASSES)
    ap.add_argument("--workdir", default=os.path.join(C.ROOT, "build", "bench"),
                    help="where instances and the plot go")
    ap.add_argument("--out", help="also write the markdown tables to this file")
    ap.add_argument("--json", dest="json_out", help="write all raw measurements as JSON")
    ap.add_argument("--plot", help="PNG path (default WORKDIR/bench.png; 'none' = no plot)")
    args = ap.parse_args(argv)
    if args.sizes is None:
        args.sizes = [100, 250, 500] if args.quick else [100, 250, 500, 1000, 2000, 4000]
    if args.quick:
        args.repeats = min(args.repeats, 2)
        args.highs_max = min(args.highs_max, 250)
        args.pyemd_max = min(args.pyemd_max, 250)
        args.cv2_max = min(args.cv2_max, 500)
        args.dotmark_res = [32]
    return args


def cap_for(args, tool):
    return {"wass": None, "pot": args.pot_max, "cv2": args.cv2_max,
            "pyemd": args.pyemd_max, "highs": args.highs_max}[tool]


def repeats_for(args, tool, n):
    if n >= 2000 and tool != "wass":
        return 1
    if n >= 2000:
        return max(1, min(args.repeats, 3))
    return args.repeats


def measure(args, wass, inst, cost, n, tools, skip, progress, label):
    """All tools on one instance. Returns {tool: result dict}."""
    res = {}
    cpath = os.path.join(inst, "C_%s.npy" % cost)
    if args.form == "dense" and "wass" in tools and not os.path.exists(cpath):
        X, Y, _, _ = C.load_instance(inst)
        np.save(cpath, C.cost_matrix(X, Y, cost))
    extra = args.wass_args.split()
    for tool in tools:
        cap = cap_for(args, tool)
        if cap is not None and n > cap:
            res[tool] = {"tool": tool, "ok": False, "skipped": "n > %d (cap)" % cap}
            continue
        if tool in skip:
            res[tool] = {"tool": tool, "ok": False, "skipped": skip[tool]}
            continue
        progress("%s %s n=%d: %s" % (label, cost, n, tool))
        r = repeats_for(args, tool, n)
        if tool == "wass":
            if not wass:
                res[tool] = {"tool": tool, "ok": False, "skipped": "CLI not built"}
                continue
            out = C.run_wass(wass, inst, cost, r, form=args.form, extra=extra,
                             timeout=args.timeout)
        else:
            out = C.run_anchor(tool, inst, cost, r, timeout=args.timeout)
        res[tool] = out
        t = out.get("time")
        if out.get("error") == "timeout" or (t is not None and t > args.budget):
            skip[tool] = "slower than %.0f s at n=%d" % (args.budget, n)
    judge(res)
    return res


def judge(res):
    """Relative differences against wass (certified) and HiGHS; WRONG flags."""
    w = res.get("wass", {})
    h = res.get("highs", {})
    wc = w.get("cost") if w.get("ok") else None
    hc = h.get("cost") if h.get("ok") else None
    for tool, r in res.items():
        if not r.get("ok"):
            continue
        r["rel_wass"] = C.rel_diff(r["cost"], wc) if tool != "wass" else None
        r["rel_highs"] = C.rel_diff(r["cost"], hc) if tool != "highs" else None
        worst = max([x for x in (r["rel_wass"], r["rel_highs"]) if x is not None], default=None)
        r["wrong"] = worst is not None and worst > WRONG_TOL
        if tool == "cv2" and r.get("flow_cost") is not None:
            ref = wc if wc is not None else hc
            r["rel_flow"] = C.rel_diff(r["flow_cost"], ref)
            r["flow_suboptimal"] = r["rel_flow"] is not None and r["rel_flow"] > 1e-6


def notes_for(tool, r, base_kb):
    if not r.get("ok"):
        return r.get("skipped") or r.get("error") or "failed"
    notes = []
    if r.get("wrong"):
        notes.append("**WRONG**")
    if tool == "cv2" and r.get("flow_suboptimal"):
        notes.append("flow suboptimal by %.1e" % r["rel_flow"])
    if tool == "pot" and r.get("note"):
        notes.append(r["note"][:60])
    if tool == "wass" and r.get("duality_gap") is not None:
        notes.append("gap %.0e, rc %.0e" % (r["duality_gap"], r.get("min_reduced_cost") or 0.0))
    return ", ".join(notes)


def tables(args, results, label_fn, base_rss):
    """Markdown: one detail table per cost, then a ratio summary."""
    out = []
    for cost in args.costs:
        rows = []
        for key in results:
            if key[0] != cost:
                continue
            res = results[key]
            wt = res.get("wass", {}).get("time") if res.get("wass", {}).get("ok") else None
            for tool in ["wass"] + [t for t in ANCHORS if t in res]:
                r = res.get(tool)
                if r is None:
                    continue
                ok = r.get("ok")
                ratio = "-"
                if ok and wt and tool != "wass":
                    ratio = "%.1f" % (r["time"] / wt)
                piv = cert = wall = "-"
                if tool == "wass" and ok:
                    piv = str(r.get("iterations", "-"))
                    if r.get("certify") is not None and r["time"]:
                        cert = "%.0f%%" % (100.0 * r["certify"] / (r["time"] + r["certify"]))
                    wall = C.fmt_time(r.get("wall"))
                dmb = "-"
                if ok and r.get("maxrss_kb") and base_rss.get(tool):
                    dmb = "%.0f" % ((r["maxrss_kb"] - base_rss[tool]) / 1024.0)
                rows.append([label_fn(key), TOOL_LABEL[tool],
                             C.fmt_time(r.get("time")) if ok else "-", wall,
                             ratio, piv, cert,
                             C.fmt_mb(r.get("maxrss_kb")) if ok else "-", dmb,
                             "%.10g" % r["cost"] if ok and r.get("cost") is not None else "-",
                             C.fmt_g(r.get("rel_wass")) if ok else "-",
                             C.fmt_g(r.get("rel_highs")) if ok else "-",
                             notes_for(tool, r, base_rss.get(tool))])
        if not rows:
            continue
        out.append("### %s\n" % C.COSTS[cost]["label"])
        out.append(C.markdown_table(
            ["instance", "tool", "solve (median)", "wass wall", "anchor/wass", "pivots",
             "certify share", "peak MB", "+MB over import", "cost", "rel. diff vs wass",
             "rel. diff vs HiGHS", "notes"],
            rows, "ll" + "r" * 10 + "l"))
        out.append("")
    # speed-up summary
    tools = [t for t in ANCHORS if t in args.tools]
    rows = []
    for key, res in results.items():
        w = res.get("wass", {})
        if not w.get("ok"):
            continue
        row = [C.COSTS[key[0]]["label"].split()[0], label_fn(key), C.fmt_time(w["time"])]
        for t in tools:
            r = res.get(t, {})
            if r.get("ok"):
                row.append("%.1fx%s" % (r["time"] / w["time"], " (wrong)" if r.get("wrong") else ""))
            else:
                row.append("-")
        rows.append(row)
    if rows:
        out.append("### Anchor time / wass time (higher = wass faster)\n")
        out.append(C.markdown_table(["cost", "instance", "wass"] + [TOOL_LABEL[t] for t in tools],
                                    rows, "ll" + "r" * (1 + len(tools))))
        out.append("")
    return "\n".join(out)


def plot(path, args, results, xkey, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(args.costs), figsize=(6 * len(args.costs), 4.5), squeeze=False)
    for ax, cost in zip(axes[0], args.costs):
        for tool in ["wass"] + list(ANCHORS):
            pts = sorted((xkey(k), r[tool]["time"]) for k, r in results.items()
                         if k[0] == cost and r.get(tool, {}).get("ok"))
            if pts:
                ax.loglog(*zip(*pts), "o-", label=TOOL_LABEL[tool])
        ax.set_xlabel("n = m (points)")
        ax.set_ylabel("solve time (s, median)")
        ax.set_title("%s: %s" % (title, C.COSTS[cost]["label"]))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    wass = args.wass or C.find_wass()
    if "wass" in args.tools and not wass:
        print("note: the wass CLI was not found (build it with `make`); anchors only",
              file=sys.stderr)
    progress = C.Progress()
    base_rss = {t: C.baseline_rss_kb(t) for t in ANCHORS if t in args.tools}
    results = {}
    skip = {}
    if args.dotmark:
        ddir = os.path.join(args.workdir, "dotmark")
        for res_px in sorted(args.dotmark_res):
            # a tool over the budget at one resolution skips the larger ones,
            # not the other classes of the same resolution
            found = {}
            for cls in args.dotmark_classes:
                p, q = dotmark.write_pair(ddir, cls, res_px, seed=args.seed)
                inst = os.path.join(args.workdir, "instances", "dotmark_%s_%d" % (cls, res_px))
                if not os.path.exists(os.path.join(inst, "Q.npy")):
                    P, Q = np.load(p), np.load(q)
                    C.write_instance(inst, P[:, 1:], Q[:, 1:], np.ascontiguousarray(P[:, 0]),
                                     np.ascontiguousarray(Q[:, 0]))
                n = len(np.load(os.path.join(inst, "a.npy")))
                for cost in args.costs:
                    local = dict(skip.get(cost, {}))
                    results[(cost, res_px, cls)] = measure(args, wass, inst, cost, n, args.tools,
                                                           local, progress,
                                                           "%s %dx%d" % (cls, res_px, res_px))
                    found.setdefault(cost, {}).update(local)
            for cost, d in found.items():
                skip.setdefault(cost, {}).update(d)
        label_fn = lambda k: "%s %dx%d" % (k[2], k[1], k[1])  # noqa: E731
        xkey = lambda k: k[1] * k[1]  # noqa: E731
        title = "DOTmark-style images"
        header = ("DOTmark-style images (classes %s; resolutions %s; seed %d), images 0 vs 1 "
                  "of each class, pixel coordinates, zero pixels dropped"
                  % (", ".join(args.dotmark_classes), ", ".join(map(str, args.dotmark_res)),
                     args.seed))
    else:
        for n in sorted(args.sizes):
            inst = os.path.join(args.workdir, "instances", "gauss_%d_s%d" % (n, args.seed))
            if not os.path.exists(os.path.join(inst, "Q.npy")):
                C.write_instance(inst, *C.gaussian_clouds(n, n, 2, args.seed))
            for cost in args.costs:
                skip_c = skip.setdefault(cost, {})
                results[(cost, n)] = measure(args, wass, inst, cost, n, args.tools, skip_c,
                                             progress, "gauss")
        label_fn = lambda k: "n=%d" % k[1]  # noqa: E731
        xkey = lambda k: k[1]  # noqa: E731
        title = "2-D Gaussian clouds"
        header = ("2-D Gaussian clouds, n = m, uniform weights, seed %d; medians of %d repeats "
                  "(1 for anchors at n >= 2000)" % (args.seed, args.repeats))
    progress.done()

    text = ["## %s\n" % header,
            "wass: `%s` (%s form%s). Times: solve alone (anchors: cost matrix built before "
            "the clock; wass: its JSON 'seconds', certificate excluded). Peak MB: ru_maxrss "
            "of the tool's child process; '+MB over import' subtracts a child that only "
            "imports the anchor's module. WRONG: relative difference > %g vs the certified "
            "wass cost or vs HiGHS.\n"
            % (os.path.relpath(wass, C.ROOT) if wass and wass.startswith(C.ROOT) else wass,
               args.form, (", extra args: " + args.wass_args) if args.wass_args else "",
               WRONG_TOL),
            tables(args, results, label_fn, base_rss)]
    wrong = [(label_fn(k), k[0], t) for k, r in results.items() for t, x in r.items()
             if x.get("wrong")]
    if wrong:
        text.append("Wrong costs: " + "; ".join("%s %s at %s" % (TOOL_LABEL[t], c, l)
                                                for l, c, t in wrong) + "\n")
    doc = "\n".join(text)
    print(doc)
    if args.out:
        with open(args.out, "w") as f:
            f.write(doc)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"args": vars(args), "baseline_rss_kb": base_rss,
                       "results": [{"key": list(k), "tools": r} for k, r in results.items()]},
                      f, indent=1, default=str)
    if args.plot != "none":
        path = args.plot or os.path.join(args.workdir, "dotmark.png" if args.dotmark else "bench.png")
        try:
            plot(path, args, results, xkey, title)
            print("plot: %s" % path, file=sys.stderr)
        except Exception as e:  # the table matters more than the picture
            print("plot failed: %s" % e, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
