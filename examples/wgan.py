"""GAN, WGAN and WGAN-GP on 2-D Gaussian mixtures, watched by the exact W1.

The lecture's two claims about Wasserstein GANs (Arjovsky, Chintala and
Bottou, 2017) are checked against what wass computes exactly:

  1. the critic's loss E_fake f - E_real f is a meaningful measure: its
     negative (the critic's estimate of W1) follows the exact W1 between the
     generated and the real distribution, where a standard GAN's
     discriminator loss does not;
  2. training is stable and covers the modes.

The same MLP generator (2-D Gaussian noise -> 2-D, 5 hidden ReLU layers of
128) and the same MLP critic (3 hidden ReLU layers of 64), from the same
initial weights, are trained three ways for 1,000 generator steps, batch
128, on the 8-Gaussians ring (radius 2) and the 25-Gaussians grid (spacing
2), every component with standard deviation 0.05:

  * gan: standard GAN, non-saturating loss (Goodfellow et al., 2014), one
    discriminator step per generator step, Adam (betas 0.5, 0.9; generator
    3e-4, discriminator 1e-3);
  * wgan_clip: WGAN with weight clipping at 0.01, 5 critic steps per
    generator step (100 during the first 25), RMSProp 5e-4 (the paper's
    5e-5 barely moves the generator in 1,000 steps: seed 0 ends at W1 2.86
    on the ring, further than it started);
  * wgan_gp: WGAN-GP (Gulrajani et al., 2017), 5 critic steps, Adam (betas
    0.5, 0.9; generator 1e-3, critic 2e-3), gradient penalty weight 3. The
    paper's lambda 10 with its Adam 1e-4 is far too slow for this budget
    (ring: W1 2.65 = 30 x the floor, 0/8 modes, after 1,000 steps); lambda
    10 at the steps above is less steady than 3 (ring 1.29 x the floor with
    seed 0 but 2.42 x with seed 1, Pearson 0.75; the grid diverges, W1 3.10).
    The deeper, wider generator is what brings the ring to the floor: with
    3 layers of 64 the same training ends at 2.07 x (seed 0) and 2.58 x
    (seed 1).

All learning rates decay linearly to 2 % over the last half (the same
schedule for all three). Each model runs in its own process (--jobs 2 at a
time, one torch, BLAS and wass thread each); the generator's samples for a
generator step's critic steps are drawn in one pass.

The losses and the penalty come from wass.torch (critic_loss, generator_loss,
gradient_penalty, clip_weights_). Every 100 steps:

  * the exact W1 between 2,000 generated and 2,000 real samples (wass's
    certified network simplex, wass.torch.exact_w1);
  * the critic's estimate E_real f - E_fake f on the same samples (WGANs), or
    the discriminator's loss (GAN);
  * the modes covered: a mode counts when at least 1 % of the generated
    samples lie within 3 standard deviations of its center;
  * on a training-size batch, the Pearson correlation between the critic's
    values and the exact Kantorovich-Rubinstein potential f*
    (wass.torch.exact_critic).
The monitor draws its batches from its own random generators: how often it
runs does not change the training. The reported W1 is that of the trained
generator itself after its last step (no averaging of steps or weights).

The sampling floor is the exact W1 between the fixed real evaluation sample
and an independent real sample of the same size (2,000), averaged over 5
such samples: a perfect generator ends near it, not at 0. (Seed 0: ring
0.0876, the 5 pairs 0.061-0.117; grid 0.2156, 0.177-0.271; the same values
as POT's ot.emd2.)

Targets (issue #14) and what the default run gave (seed 0; the script
prints its own met / missed lines at the end; --json has the numbers):

  * default run under 5 minutes: met, 44 s and 49 s wall in two runs (82
    and 91 s user + 2 s system CPU), both datasets, all three models,
    --jobs 2, on the shared 2-core machine at a load average of 0.8-1.5;
    184 s (118 s user CPU) with four busy processes of the same priority
    beside it (load average 5.2, up to 5.8). --quick: 4 s (the CI smoke
    test, tests/python/test_py_examples.py).
  * ring8 WGAN-GP: W1 0.148 against the floor 0.0876 = 1.69 x: met (2 x);
    8 of 8 modes: met; Pearson(estimate, exact W1) from step 100 on: 0.964,
    met. Seeds 1 and 2: 1.62 x and 1.48 x, 8/8 modes, Pearson 0.996 and
    0.995.
  * standard GAN: Pearson(discriminator loss, exact W1) = -0.35 on the ring
    and -0.31 on the grid: no such correlation. On the ring it covers 1 of
    8 modes (W1 1.02 = 11.7 x floor) where WGAN-GP covers 8: met; seeds 1
    and 2: 0/8 (W1 3.35 and 2.70).
  * critic as a W1 estimator at the end: WGAN-GP estimate / W1 = 0.18,
    corr(f, f*) on a batch -0.22. Near the floor most of the exact W1
    between two samples of 2,000 is sampling noise, which a smooth critic
    does not see: its estimate goes to 0 with the distance between the
    distributions, and f* on a batch is mostly noise (cf. Mallasto et al.
    2019); earlier in training, far above the floor, the estimate is close
    to the exact W1 (the figure). Clipped WGAN: estimate / W1 = 8.0e-06 (a
    critic with weights in +-0.01 is about 1e-5-Lipschitz: only its
    correlation could mean something), corr(f, f*) 0.12; it ends at W1
    0.394 = 4.5 x floor with 4/8 modes, and its estimate does not follow
    the exact W1 (Pearson 0.01; seeds 1 and 2: 0.88 and -0.57, 5/8 and 2/8
    modes).
  * grid25 (25 modes; 3 sigma = 0.15 is a strict test at this budget): no
    model covers a mode at the end. WGAN-GP W1 0.984 = 4.6 x floor 0.216,
    Pearson(estimate, W1) 0.78, estimate / W1 -0.004, corr(f, f*) -0.14
    (seeds 1 and 2: W1 0.974 and 0.975, Pearson 0.78 and 0.46); a slower
    generator (--lr 5e-4) ends the same (W1 0.945, 0/25). Clipped WGAN W1
    1.40, its critic constant on the samples at the end (seeds 1 and 2
    diverge: W1 7.1 and 5.3); standard GAN W1 2.40 = 11 x floor,
    Pearson(discriminator loss, W1) -0.31.

The results move with the last bit of the arithmetic (a BLAS with two
threads sums in another order and gives another trajectory): read the seeds
above, not one run, for what a setting does.

Progress goes to stderr. Run from the repository root:

    PYTHONPATH=build/python /usr/bin/python3 examples/wgan.py [--quick] [--json OUT]
    ... --datasets ring8 --models wgan_gp     # one dataset and one model

Writes wgan_ring8.png and wgan_grid25.png into --out (default build/examples/).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

MODELS = ("gan", "wgan_clip", "wgan_gp")
NAMES = {"gan": "standard GAN", "wgan_clip": "WGAN (clipping)", "wgan_gp": "WGAN-GP"}
COLORS = {"gan": "tab:red", "wgan_clip": "tab:orange", "wgan_gp": "tab:blue"}
STD = 0.05


def centers(dataset):
    if dataset == "ring8":
        ang = 2 * np.pi * np.arange(8) / 8
        return 2.0 * np.column_stack([np.cos(ang), np.sin(ang)])
    if dataset == "grid25":
        k = np.arange(25)
        return 2.0 * np.column_stack([k % 5 - 2, k // 5 - 2]).astype(float)
    raise ValueError("unknown dataset %r" % dataset)


def sample_real(dataset, n, rng):
    c = centers(dataset)
    return c[rng.integers(0, len(c), size=n)] + STD * rng.standard_normal((n, 2))


def modes_covered(dataset, x, frac=0.01, radius=3.0):
    """Modes holding at least frac of the samples within radius * STD."""
    c = centers(dataset)
    d = np.sqrt(((x[:, None, :] - c[None, :, :]) ** 2).sum(-1))
    near = d.min(axis=1) <= radius * STD
    which = d.argmin(axis=1)[near]
    counts = np.bincount(which, minlength=len(c))
    return int((counts >= frac * len(x)).sum()), len(c)


def mlp(torch, d_in, d_out, width, depth=3):
    nn = torch.nn
    layers, k = [], d_in
    for _ in range(depth):
        layers += [nn.Linear(k, width), nn.ReLU()]
        k = width
    layers.append(nn.Linear(k, d_out))
    return nn.Sequential(*layers)


def pearson(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 3 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def eval_real(dataset, args):
    """The fixed real evaluation sample of a dataset (the same for every model) and
    the sampling floor: the mean exact W1 between it and args.floor_pairs fresh,
    independent real samples of the same size."""
    import wass.torch as wt

    rng = np.random.default_rng([args.seed, len(centers(dataset))])
    real = sample_real(dataset, args.eval, rng)
    floor = [wt.exact_w1(real, sample_real(dataset, args.eval, rng), threads=args.threads)
             for _ in range(args.floor_pairs)]
    return real, float(np.mean(floor)), float(np.std(floor))


def train(dataset, model, args, seed, real_eval, floor):
    """Train one model on one dataset; returns its log (numpy arrays, floats)."""
    import torch
    import torch.nn.functional as F

    import wass.torch as wt

    torch.set_num_threads(args.threads)
    try:  # the matrices are tiny: one BLAS thread (an idle OpenBLAS worker spins on
        # a core, taking it from the parallel run); threadpoolctl comes with sklearn
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")
    except ImportError:
        pass
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    G = mlp(torch, 2, 2, args.gen_width, args.gen_depth)
    D = mlp(torch, 2, 1, args.width)
    if model == "wgan_clip":
        opt_d = torch.optim.RMSprop(D.parameters(), lr=args.clip_lr)
        opt_g = torch.optim.RMSprop(G.parameters(), lr=args.clip_lr)
    else:
        lr_g, lr_d = (args.gan_lr, args.gan_lr_d) if model == "gan" else (args.lr, args.lr_d)
        opt_d = torch.optim.Adam(D.parameters(), lr=lr_d, betas=(0.5, 0.9))
        opt_g = torch.optim.Adam(G.parameters(), lr=lr_g, betas=(0.5, 0.9))

    # the same schedule for every model: constant, then down linearly to 2 % over the
    # last half (the late small steps sharpen the modes)
    def lr_factor(step):
        if not args.decay or step < args.steps // 2:
            return 1.0
        return max(0.02, 2.0 * (1.0 - step / max(args.steps, 1)))

    sched = [torch.optim.lr_scheduler.LambdaLR(o, lr_factor) for o in (opt_d, opt_g)]

    def real_batch(n, rng=rng):
        return torch.from_numpy(sample_real(dataset, n, rng).astype(np.float32))

    # fixed evaluation samples: the exact W1 curve then moves with the generator only
    # (the real ones are the same for every model of a dataset); the monitor draws its
    # batches from its own generators, so how often it runs does not change training
    z_eval = torch.randn(args.eval, 2, generator=torch.Generator().manual_seed(seed + 1))
    mon_rng, mon_z = np.random.default_rng([seed, 1]), torch.Generator().manual_seed(seed + 2)

    def d_loss_gan(dr, df):
        return (F.binary_cross_entropy_with_logits(dr, torch.ones_like(dr))
                + F.binary_cross_entropy_with_logits(df, torch.zeros_like(df)))

    log = {k: [] for k in ("step", "w1", "estimate", "d_loss", "modes", "f_corr")}
    t0, c0, c_mon = time.perf_counter(), time.process_time(), 0.0
    for step in range(args.steps + 1):
        # the critic first, then the log: the estimate is that of a critic trained on
        # the current generator
        n_critic = 1 if model == "gan" else args.n_critic
        if model == "wgan_clip" and step < args.clip_warmup:
            n_critic = 100  # as the authors' code: a near-optimal critic to start
        # the generator is fixed during the critic's steps: the samples for all of
        # them in one pass (independent batches, as one pass per step would give,
        # with less overhead)
        n = args.batch
        reals = real_batch(n_critic * n).split(n)
        with torch.no_grad():
            fakes = G(torch.randn(n_critic * n, 2)).split(n)
        for real, fake in zip(reals, fakes):
            out = D(torch.cat([real, fake]))
            dr, df = out[:n], out[n:]
            if model == "gan":
                loss_d = d_loss_gan(dr, df)
            else:
                loss_d = wt.critic_loss(dr, df)
                if model == "wgan_gp":
                    loss_d = loss_d + wt.gradient_penalty(D, real, fake, weight=args.gp_weight)
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            if model == "wgan_clip":
                wt.clip_weights_(D, args.clip)
        if step % args.log_every == 0 or step == args.steps:
            c1 = time.process_time()
            with torch.no_grad():
                fake_eval = G(z_eval).double().numpy()
                re = torch.from_numpy(real_eval).float()
                dr, df = D(re), D(torch.from_numpy(fake_eval).float())
                estimate = float(dr.mean() - df.mean())
                dl = float(d_loss_gan(dr, df))
            w1 = wt.exact_w1(real_eval, fake_eval, threads=args.threads)
            # critic against f* on a training-size batch
            rb = real_batch(args.batch, mon_rng)
            with torch.no_grad():
                fb = G(torch.randn(args.batch, 2, generator=mon_z))
                f_nn = torch.cat([D(rb), D(fb)]).squeeze(1).double().numpy()
            f_r, f_f, _ = wt.exact_critic(rb, fb, threads=args.threads)
            fc = pearson(f_nn, np.concatenate([f_r.numpy(), f_f.numpy()]))
            modes, total = modes_covered(dataset, fake_eval)
            for k, v in (("step", step), ("w1", w1), ("estimate", estimate), ("d_loss", dl),
                         ("modes", modes), ("f_corr", fc)):
                log[k].append(v)
            c_mon += time.process_time() - c1
            print("[%s %-9s] step %5d  W1 %.4f (floor %.4f)  estimate %8.4f  D loss %.4f  "
                  "modes %2d/%d  corr(f, f*) %+.2f  %.0f s" %
                  (dataset, model, step, w1, floor, estimate, dl, modes, total, fc,
                   time.perf_counter() - t0), file=sys.stderr, flush=True)
        if step == args.steps:
            break
        df = D(G(torch.randn(args.batch, 2)))
        if model == "gan":  # non-saturating: maximize log D(G(z))
            loss_g = F.binary_cross_entropy_with_logits(df, torch.ones_like(df))
        else:
            loss_g = wt.generator_loss(df)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        for sc in sched:
            sc.step()
    out = {k: np.array(v) for k, v in log.items()}
    out.update(floor=floor, real=real_eval, fake=fake_eval, seconds=time.perf_counter() - t0,
               cpu=time.process_time() - c0, cpu_monitor=c_mon, modes_total=total)
    return out


def summary(model, r):
    """The numbers of --json for one run."""
    curve = r["d_loss"] if model == "gan" else r["estimate"]
    w1 = float(r["w1"][-1])
    est = float(r["estimate"][-1])
    return {
        "w1": w1,
        "floor": r["floor"],
        "floor_sd": r["floor_sd"],
        "w1_over_floor": w1 / r["floor"],
        "modes": int(r["modes"][-1]),
        "modes_total": int(r["modes_total"]),
        # from the second log on: at step 0 the critic has had n_critic updates from
        # its random start, and its estimate means nothing yet
        "corr": pearson(curve[1:], r["w1"][1:]),
        "corr_all": pearson(curve, r["w1"]),
        "loss": "discriminator loss" if model == "gan" else "critic estimate E_real f - E_fake f",
        "estimate_over_w1": None if model == "gan" else est / w1,
        "f_corr": float(r["f_corr"][-1]),
        "seconds": r["seconds"],
        "cpu_seconds": r["cpu"],
        "cpu_seconds_monitor": r["cpu_monitor"],
    }


def targets(report, elapsed, args):
    """The issue's targets, met or missed, from this run's numbers."""
    def mark(ok):
        return "met   " if ok else "MISSED"

    out = ["(--quick: a smoke test; the targets are about the default run)"] if args.quick else []
    if not args.quick:
        out.append("%s default run under 5 minutes: %.0f s" % (mark(elapsed < 300), elapsed))
    gp = report.get("ring8", {}).get("wgan_gp")
    if gp:
        out.append("%s ring8 WGAN-GP: W1 within 2x of the floor: %.2f x" %
                   (mark(gp["w1_over_floor"] <= 2), gp["w1_over_floor"]))
        out.append("%s ring8 WGAN-GP: 8 of 8 modes: %d" % (mark(gp["modes"] == 8), gp["modes"]))
        out.append("%s ring8 WGAN-GP: corr(estimate, exact W1) >= 0.9: %.3f" %
                   (mark(gp["corr"] >= 0.9), gp["corr"]))
    fewer = []
    for d, rep in report.items():
        if "gan" in rep and "wgan_gp" in rep:
            out.append("      %s standard GAN: corr(D loss, exact W1) = %.3f; modes %d/%d "
                       "(WGAN-GP %d)" % (d, rep["gan"]["corr"], rep["gan"]["modes"],
                                         rep["gan"]["modes_total"], rep["wgan_gp"]["modes"]))
            fewer.append(rep["gan"]["modes"] < rep["wgan_gp"]["modes"])
    if fewer:
        out.append("%s the standard GAN covers fewer modes than WGAN-GP on a dataset" %
                   mark(any(fewer)))
    for d, rep in report.items():
        for m in ("wgan_clip", "wgan_gp"):
            if m in rep:
                out.append("      %s %s: estimate / exact W1 = %.3g, corr(f, f*) = %.2f" %
                           (d, NAMES[m], rep[m]["estimate_over_w1"], rep[m]["f_corr"]))
    return out


def figure(dataset, results, args, path):
    """Top row: each model's loss and the exact W1 over training, the sampling
    floor as a line. Bottom row: real and generated samples at the end."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = [m for m in MODELS if m in results]
    k = len(models)
    fig, axes = plt.subplots(2, k, figsize=(4.6 * k, 9.4), squeeze=False,
                             gridspec_kw=dict(height_ratios=[1, 1.15]))
    for col, m in enumerate(models):
        r = results[m]
        ax = axes[0][col]
        ax.plot(r["step"], r["w1"], "k-o", ms=3, label="exact W1, generated vs real (wass)")
        ax.axhline(r["floor"], color="k", ls=":", label="sampling floor: W1 of two real samples")
        ax.set_xlabel("generator step")
        ax.set_ylabel("exact W1")
        curve = r["d_loss"] if m == "gan" else r["estimate"]
        what = "discriminator loss (BCE)" if m == "gan" else "critic estimate E_real f - E_fake f"
        if m == "wgan_gp":  # a 1-Lipschitz critic: its estimate is in W1's units
            ax2 = ax
            ax.set_ylabel("exact W1 and the critic's estimate")
        else:  # a K-Lipschitz critic (K unknown) or a discriminator: its own axis
            ax2 = ax.twinx()
            ax2.set_ylabel(what, color=COLORS[m])
        ax2.plot(r["step"], curve, "--", color=COLORS[m], label=what)
        ax.set_ylim(bottom=0)
        ax.set_title("%s\nPearson r(loss, W1) = %.2f (from step %d)"
                     % (NAMES[m], pearson(curve[1:], r["w1"][1:]), r["step"][1]), fontsize=10)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels() if ax2 is not ax else ([], [])
        ax.legend(h1 + h2, l1 + l2, loc="upper center", bbox_to_anchor=(0.5, -0.14),
                  fontsize=8, frameon=False)
        ax = axes[1][col]
        ax.scatter(r["real"][:, 0], r["real"][:, 1], s=3, c="0.6", alpha=0.5,
                   label="real (%d)" % len(r["real"]))
        ax.scatter(r["fake"][:, 0], r["fake"][:, 1], s=3, c=COLORS[m], alpha=0.5,
                   label="generated (%d)" % len(r["fake"]))
        ax.set_aspect("equal")
        lim = 2.0 + 2.0 if dataset == "ring8" else 4.0 + 2.0
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        ax.set_title("%s after %d steps\nW1 %.3f (%.1f x floor), %d/%d modes" %
                     (NAMES[m], r["step"][-1], r["w1"][-1], r["w1"][-1] / r["floor"],
                      r["modes"][-1], r["modes_total"]), fontsize=9)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8,
                  frameon=False, markerscale=3)
    fig.suptitle("%s: three ways to train the same networks, watched by the exact W1"
                 % {"ring8": "8 Gaussians on a ring", "grid25": "25 Gaussians on a grid"}[dataset])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="smoke run (tiny networks, few steps): a test, not a result")
    ap.add_argument("--steps", type=int, default=None, help="generator steps per model")
    ap.add_argument("--log-every", dest="log_every", type=int, default=None)
    ap.add_argument("--n-critic", dest="n_critic", type=int, default=5)
    ap.add_argument("--batch", type=int, default=128, help="training minibatch")
    ap.add_argument("--eval", type=int, default=2000,
                    help="generated and real samples for the exact W1")
    ap.add_argument("--floor-pairs", dest="floor_pairs", type=int, default=5)
    ap.add_argument("--width", type=int, default=64,
                    help="hidden units per layer of the critic / discriminator (3 layers)")
    ap.add_argument("--gen-width", dest="gen_width", type=int, default=128,
                    help="hidden units per layer of the generator")
    ap.add_argument("--gen-depth", dest="gen_depth", type=int, default=5,
                    help="hidden layers of the generator")
    ap.add_argument("--lr", type=float, default=1e-3, help="Adam step of the generator (wgan_gp)")
    ap.add_argument("--lr-d", dest="lr_d", type=float, default=2e-3,
                    help="Adam step of the critic (wgan_gp)")
    ap.add_argument("--gan-lr", dest="gan_lr", type=float, default=3e-4,
                    help="Adam step of the generator (gan)")
    ap.add_argument("--gan-lr-d", dest="gan_lr_d", type=float, default=1e-3,
                    help="Adam step of the discriminator (gan)")
    ap.add_argument("--clip-lr", dest="clip_lr", type=float, default=5e-4,
                    help="RMSProp step (wgan_clip; the paper: 5e-5)")
    ap.add_argument("--clip", type=float, default=0.01)
    ap.add_argument("--clip-warmup", dest="clip_warmup", type=int, default=25,
                    help="wgan_clip: first generator steps with 100 critic steps")
    ap.add_argument("--gp-weight", dest="gp_weight", type=float, default=3.0,
                    help="gradient penalty weight lambda (the paper's 10 is less steady at "
                    "these steps)")
    ap.add_argument("--no-decay", dest="decay", action="store_false",
                    help="constant learning rates (default: linear decay over the last half)")
    ap.add_argument("--datasets", default="ring8,grid25")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2, help="runs in parallel (processes)")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch and wass threads per run (default: the cores / --jobs)")
    ap.add_argument("--json", default=None, help="write the summary here")
    ap.add_argument("--out", default=os.path.join("build", "examples"), help="figure folder")
    args = ap.parse_args(argv)
    if args.quick:
        args.steps = args.steps or 30
        args.log_every = args.log_every or 10
        args.width, args.gen_width, args.batch, args.eval, args.floor_pairs = 32, 32, 64, 256, 2
        args.clip_warmup = 2
    args.steps = args.steps or 1000
    args.log_every = args.log_every or 100
    datasets = [d for d in args.datasets.split(",") if d]
    models = [m for m in args.models.split(",") if m]
    for d in datasets:
        centers(d)
    for m in models:
        if m not in MODELS:
            ap.error("unknown model %r" % m)

    t0 = time.perf_counter()
    # one seed: the three models start from the same networks, and a dataset's
    # runs do not depend on which other datasets are asked for
    # (the costliest first: WGAN-GP, then the clipped WGAN, then the GAN)
    n_jobs = len(models) * len(datasets)
    args.jobs = max(1, min(args.jobs, n_jobs))
    if args.threads is None:
        args.threads = max(1, (os.cpu_count() or 1) // args.jobs)
    if args.jobs > 1:
        import multiprocessing as mp

        pool = mp.get_context("fork").Pool(args.jobs)
        starmap = pool.starmap
    else:
        pool, starmap = None, lambda f, xs: [f(*x) for x in xs]
    try:
        evals = dict(zip(datasets, starmap(eval_real, [(d, args) for d in datasets])))
        jobs = [(d, m, args, args.seed, evals[d][0], evals[d][1])
                for m in reversed(models) for d in datasets]
        runs = starmap(train, jobs)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    results = {d: dict.fromkeys(models) for d in datasets}
    for (d, m, *_), r in zip(jobs, runs):
        r["floor_sd"] = evals[d][2]
        results[d][m] = r

    report = {d: {m: summary(m, r) for m, r in results[d].items()} for d in datasets}
    os.makedirs(args.out, exist_ok=True)
    for d in datasets:
        figure(d, results[d], args, os.path.join(args.out, "wgan_%s.png" % d))
    elapsed = time.perf_counter() - t0
    for d in datasets:
        for m, s in report[d].items():
            print("%-6s %-16s W1 %.4f = %.2f x floor %.4f; modes %d/%d; corr(%s, exact W1) "
                  "= %.3f; estimate / W1 %s; corr(f, f*) %.2f; %.0f s (CPU %.0f s, monitor "
                  "%.0f s)" %
                  (d, NAMES[m], s["w1"], s["w1_over_floor"], s["floor"], s["modes"],
                   s["modes_total"], "D loss" if m == "gan" else "estimate", s["corr"],
                   "-" if s["estimate_over_w1"] is None else "%.3g" % s["estimate_over_w1"],
                   s["f_corr"], s["seconds"], s["cpu_seconds"], s["cpu_seconds_monitor"]))
    print("total %.1f s (%d runs, %d in parallel)" % (elapsed, len(jobs), args.jobs))
    for line in targets(report, elapsed, args):
        print(line)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(dict(report, seconds=elapsed, steps=args.steps), fh, indent=1)
    return results, report


if __name__ == "__main__":
    main()
