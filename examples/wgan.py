"""Wasserstein GANs on a 2-D mixture of 8 Gaussians, watched by the exact W1.

Two variants are trained on the CPU:

  * WGAN with weight clipping (Arjovsky, Chintala and Bottou, 2017): n_critic
    critic steps per generator step (100 for the first 25 generator steps and
    every 500, as in the authors' code), RMSProp with lr 5e-5, weights clipped
    to [-0.01, 0.01];
  * WGAN-GP (Gulrajani et al., 2017): Adam (lr 1e-4, betas 0.5, 0.9), gradient
    penalty lambda = 10.

At every logged step the critic's estimate E_real f - E_fake f is compared
with the exact W1 between a generated and a real minibatch (512 points each),
computed by wass's network simplex. The clipped critic is K-Lipschitz for some
unknown K, so its estimate tracks W1 only up to a constant factor: we report
the Pearson correlation over the logged steps and plot the estimate rescaled
by the least-squares factor. Run from the repository root:

    PYTHONPATH=build/python /usr/bin/python3 examples/wgan.py [--steps N]

Writes wgan.png into --out (default build/examples/).
"""
import argparse
import os
import time

import numpy as np


def sample_real(n, rng, radius=2.0, std=0.02):
    k = rng.integers(0, 8, size=n)
    ang = 2 * np.pi * k / 8
    centers = radius * np.column_stack([np.cos(ang), np.sin(ang)])
    return centers + std * rng.standard_normal((n, 2))


def mlp(torch, d_in, d_out, width):
    nn = torch.nn
    return nn.Sequential(nn.Linear(d_in, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                         nn.Linear(width, width), nn.ReLU(), nn.Linear(width, d_out))


def train(variant, args, torch, wass, seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    G = mlp(torch, 2, 2, args.width)
    D = mlp(torch, 2, 1, args.width)
    if variant == "clip":
        opt_d = torch.optim.RMSprop(D.parameters(), lr=args.clip_lr)
        opt_g = torch.optim.RMSprop(G.parameters(), lr=args.clip_lr)
    else:
        opt_d = torch.optim.Adam(D.parameters(), lr=args.gp_lr, betas=(0.5, 0.9))
        opt_g = torch.optim.Adam(G.parameters(), lr=args.gp_lr, betas=(0.5, 0.9))

    def real_batch(n):
        return torch.from_numpy(sample_real(n, rng).astype(np.float32))

    def noise(n):
        return torch.randn(n, 2)

    log_steps, est, exact = [], [], []
    exact_seconds = 0.0
    for step in range(args.steps + 1):
        # Critic iterations. As in the reference WGAN code, the clipped critic
        # is trained close to optimality at the start and now and then (100
        # iterations for the first 25 generator steps and every 500).
        n_critic = args.n_critic
        if variant == "clip" and args.warmup and (step < 25 or step % 500 == 0):
            n_critic = 100
        for _ in range(n_critic):
            real = real_batch(args.batch)
            with torch.no_grad():
                fake = G(noise(args.batch))
            loss_d = D(fake).mean() - D(real).mean()
            if variant == "gp":
                alpha = torch.rand(args.batch, 1)
                mid = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
                (grad,) = torch.autograd.grad(D(mid).sum(), mid, create_graph=True)
                loss_d = loss_d + args.gp_lambda * ((grad.norm(dim=1) - 1) ** 2).mean()
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            if variant == "clip":
                with torch.no_grad():
                    for prm in D.parameters():
                        prm.clamp_(-args.clip, args.clip)
        # Log after the critic has caught up with the current generator: its
        # estimate E_real f - E_fake f beside the exact W1 of the same batches.
        if step % args.log_every == 0 or step == args.steps:
            with torch.no_grad():
                real = real_batch(args.eval_batch)
                fake = G(noise(args.eval_batch))
                e = float(D(real).mean() - D(fake).mean())
            t0 = time.perf_counter()
            w1 = wass.wasserstein(fake.numpy(), real.numpy(), metric="euclidean", p=1,
                                  threads=1)
            exact_seconds += time.perf_counter() - t0
            log_steps.append(step)
            est.append(e)
            exact.append(w1)
        if step == args.steps:
            break
        loss_g = -D(G(noise(args.batch))).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
    with torch.no_grad():
        final_fake = G(noise(args.eval_batch)).numpy()
    return {
        "steps": np.array(log_steps),
        "estimate": np.array(est),
        "exact": np.array(exact),
        "fake": final_fake,
        "real": sample_real(args.eval_batch, rng),
        "exact_seconds": exact_seconds,
    }


def summarize(name, r):
    est, w = r["estimate"], r["exact"]
    if len(w) > 2 and np.std(est) > 0 and np.std(w) > 0:
        corr = float(np.corrcoef(est, w)[0, 1])
    else:
        corr = float("nan")
    scale = float(np.dot(est, w) / np.dot(est, est)) if np.dot(est, est) > 0 else float("nan")
    r["corr"], r["scale"] = corr, scale
    print("%-22s exact W1 %.3f -> %.3f over %d logged steps; critic estimate %.3g -> %.3g; "
          "correlation(estimate, exact W1) = %.3f; rescale factor %.3g; exact W1 time %.2f s" %
          (name, w[0], w[-1], len(w), est[0], est[-1], corr, scale, r["exact_seconds"]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=2000, help="generator steps per variant")
    ap.add_argument("--n-critic", dest="n_critic", type=int, default=5)
    ap.add_argument("--batch", type=int, default=128, help="training minibatch")
    ap.add_argument("--eval-batch", dest="eval_batch", type=int, default=512,
                    help="minibatch size for the exact W1 (generated and real)")
    ap.add_argument("--log-every", dest="log_every", type=int, default=50)
    ap.add_argument("--width", type=int, default=128, help="hidden units per layer")
    ap.add_argument("--no-warmup", dest="warmup", action="store_false",
                    help="clipped WGAN: no 100-iteration critic phases (first 25 steps and "
                         "every 500)")
    ap.add_argument("--clip", type=float, default=0.01)
    ap.add_argument("--clip-lr", dest="clip_lr", type=float, default=5e-5)
    ap.add_argument("--gp-lr", dest="gp_lr", type=float, default=1e-4)
    ap.add_argument("--gp-lambda", dest="gp_lambda", type=float, default=10.0)
    ap.add_argument("--variants", default="clip,gp", help="comma list of clip, gp")
    ap.add_argument("--seed", type=int, default=0)
    # one thread: these networks are small, and a second torch thread costs more in
    # synchronisation than it gains (measured: 5x the CPU time for the same run)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--out", default=os.path.join("build", "examples"), help="output folder")
    args = ap.parse_args(argv)

    import torch
    import wass

    torch.set_num_threads(args.threads)
    names = {"clip": "WGAN (weight clipping)", "gp": "WGAN-GP"}
    variants = [v for v in args.variants.split(",") if v]
    for v in variants:
        if v not in names:
            ap.error("unknown variant %r" % v)
    results = {}
    t0 = time.perf_counter()
    for k, v in enumerate(variants):
        results[v] = train(v, args, torch, wass, args.seed + k)
        summarize(names[v], results[v])

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(variants), 2, figsize=(11, 4.2 * len(variants)), squeeze=False)
    for row, v in enumerate(variants):
        r = results[v]
        ax = axes[row][0]
        ax.plot(r["steps"], r["exact"], label="exact W1 of minibatches (wass)")
        ax.plot(r["steps"], r["scale"] * r["estimate"], "--",
                label="critic estimate x %.3g" % r["scale"])
        ax.set_xlabel("generator step")
        ax.set_title("%s: correlation %.3f" % (names[v], r["corr"]))
        ax.legend()
        ax = axes[row][1]
        ax.scatter(r["real"][:, 0], r["real"][:, 1], s=4, alpha=0.5, label="real")
        ax.scatter(r["fake"][:, 0], r["fake"][:, 1], s=4, alpha=0.5, label="generated")
        ax.set_aspect("equal")
        ax.set_title("%s after %d steps" % (names[v], args.steps))
        ax.legend(loc="upper right")
    fig.tight_layout()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "wgan.png")
    fig.savefig(path, dpi=100)
    print("total %.1f s; wrote %s" % (time.perf_counter() - t0, path))
    return results


if __name__ == "__main__":
    main()
