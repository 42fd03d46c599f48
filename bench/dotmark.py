"""DOTmark-style image histograms for benchmarking exact transport.

After the benchmark of Schrieber, Schuhmacher and Gottschlich ("DOTmark - A
Benchmark for Discrete Optimal Transport", IEEE Access 2017): images on an
R x R grid whose pixel intensities are the masses, pixel centres (column,
row) in grid units the support. The classes generated here:

  whitenoise   i.i.d. uniform intensities
  grf_smooth   Gaussian random field, power spectrum |k|^-4, shifted positive
  grf_rough    Gaussian random field, power spectrum |k|^-1, shifted positive
  loggrf       exp of a smooth Gaussian random field (log-normal field)
  cauchy       mixture of a few bivariate Cauchy densities

Fields are drawn by filtering white noise in Fourier space; every image is a
deterministic function of (class, resolution, index, seed).

As a script it writes signature files (.npy, one row per pixel: weight, x, y;
weights normalized to total 1) that `wass emd P.npy Q.npy` reads:

  python3 bench/dotmark.py --out build/bench/dotmark --res 32 64 --count 2
"""
import argparse
import os
import sys

import numpy as np

CLASSES = ("whitenoise", "grf_smooth", "grf_rough", "loggrf", "cauchy")


def _rng(cls, res, index, seed):
    key = CLASSES.index(cls)
    return np.random.default_rng([seed, key, res, index])


def _grf(rng, res, exponent):
    """Zero-mean unit-variance Gaussian random field with power spectrum
    ~ |k|^-exponent on a periodic res x res grid."""
    noise = rng.standard_normal((res, res))
    kx = np.fft.fftfreq(res)[:, None]
    ky = np.fft.fftfreq(res)[None, :]
    k = np.sqrt(kx * kx + ky * ky)
    k[0, 0] = 1.0
    amp = k ** (-exponent / 2.0)
    amp[0, 0] = 0.0  # no mean component
    field = np.real(np.fft.ifft2(np.fft.fft2(noise) * amp))
    field -= field.mean()
    sd = field.std()
    return field / sd if sd > 0 else field


def image(cls, res, index=0, seed=0):
    """One res x res nonnegative image (float64, total mass 1)."""
    if cls not in CLASSES:
        raise ValueError("unknown class %r (one of %s)" % (cls, ", ".join(CLASSES)))
    rng = _rng(cls, res, index, seed)
    if cls == "whitenoise":
        img = rng.uniform(0.0, 1.0, (res, res))
    elif cls == "grf_smooth":
        f = _grf(rng, res, 4.0)
        img = f - f.min()
    elif cls == "grf_rough":
        f = _grf(rng, res, 1.0)
        img = f - f.min()
    elif cls == "loggrf":
        img = np.exp(_grf(rng, res, 4.0))
    else:  # cauchy
        yy, xx = np.mgrid[0:res, 0:res].astype(float) + 0.5
        img = np.zeros((res, res))
        for _ in range(int(rng.integers(2, 6))):
            cx, cy = rng.uniform(0.2, 0.8, 2) * res
            s = rng.uniform(0.03, 0.15) * res
            w = rng.uniform(0.5, 1.5)
            img += w * s / (2 * np.pi * (((xx - cx) ** 2 + (yy - cy) ** 2 + s * s) ** 1.5))
    img = np.asarray(img, float)
    return img / img.sum()


def signature(img, drop_zero=True):
    """(n, 3) array of rows (weight, x, y): x = column, y = row (pixel units)."""
    res_y, res_x = img.shape
    yy, xx = np.mgrid[0:res_y, 0:res_x]
    sig = np.column_stack([img.ravel(), xx.ravel().astype(float), yy.ravel().astype(float)])
    if drop_zero:
        sig = sig[sig[:, 0] > 0]
    return sig


def write_pair(outdir, cls, res, seed=0, drop_zero=True):
    """Write images 0 and 1 of a class as signature files; return the paths."""
    os.makedirs(outdir, exist_ok=True)
    paths = []
    for idx in (0, 1):
        p = os.path.join(outdir, "%s_%d_%d.npy" % (cls, res, idx))
        if not os.path.exists(p):
            np.save(p, signature(image(cls, res, idx, seed), drop_zero))
        paths.append(p)
    return paths


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="build/bench/dotmark", help="output folder")
    ap.add_argument("--res", type=int, nargs="+", default=[32, 64, 128, 256])
    ap.add_argument("--classes", nargs="+", default=list(CLASSES), choices=CLASSES)
    ap.add_argument("--count", type=int, default=2, help="images per class and resolution")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep-zero", action="store_true", help="keep zero-mass pixels")
    ap.add_argument("--png", action="store_true", help="also save a preview PNG per image")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    for cls in args.classes:
        for res in args.res:
            for idx in range(args.count):
                img = image(cls, res, idx, args.seed)
                path = os.path.join(args.out, "%s_%d_%d.npy" % (cls, res, idx))
                np.save(path, signature(img, not args.keep_zero))
                if args.png:
                    import matplotlib

                    matplotlib.use("Agg")
                    import matplotlib.pyplot as plt

                    plt.imsave(path[:-4] + ".png", img, cmap="gray")
                print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
