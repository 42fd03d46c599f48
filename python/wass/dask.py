"""wass.dask: distance matrices and WMD k-nearest-neighbour search on a Dask
cluster (any ``dask.distributed.Client``: a LocalCluster or a scheduler with
workers on many machines).

* :func:`pairwise` cuts the distance matrix into square blocks, one task a
  block; each task runs the C core (``wass_pairwise`` / ``wass_wmd_pairwise``)
  with the GIL released, so every entry is bitwise what the single-process
  :func:`wass.pairwise` gives. Symmetric problems only schedule the blocks on
  and above the diagonal (each pair solved once). The result is a numpy array,
  or a lazy ``dask.array`` (``as_dask=True``) for matrices that do not fit in
  memory.
* :func:`knn` shards the corpus, runs the pruned search (:func:`wass.knn`:
  lower bounds, exact solves only where they can matter) inside each shard
  and merges the per-shard top k exactly.

The inputs are packed into flat arrays (:func:`pack`) and
scattered to the workers once; tasks receive them as futures, never by value.
Scattered data cannot be recomputed, so it is replicated: the distributions
of :func:`pairwise`, the queries and the word vectors go to every worker, each
corpus shard of :func:`knn` to ``replicas`` workers (default 2); a task lost
with a worker is recomputed by Dask on another one.

Progress is Dask's own: ``progress=True`` shows ``distributed.progress`` (a
bar in a terminal or notebook), and the dashboard shows the tasks
(``wass-pairwise-*``, ``wass-knn-*``) as they run.

Tie rule of :func:`knn`: neighbours are ordered by (distance, corpus index),
both ascending, as in the single-process search; the merge sorts the shards'
candidates by the same key, so the result is the same neighbours with the
same (bitwise) distances, whatever the number of shards or the order in which
tasks finish.
"""

import copyreg
import math
import time
import uuid

import numpy as np

from . import KnnResult, WordVectors, _wass, _prune, _stopwords, _check_vectors
from ._pairwise import Packed, _block, _check, _options, pack

__all__ = ["pairwise", "knn", "choose_block", "pack", "Packed", "TASK_OVERHEAD"]

# Seconds of Dask's own time per task (submission, scheduling, running, the
# result's transfer), a conservative figure: bench/dask_bench.py measured
# 2-9 ms per no-op task on a LocalCluster of a loaded 2-core machine.
TASK_OVERHEAD = 0.01


# Word vectors travel to the workers as their words and float32 vectors.
def _rebuild_vectors(words, vectors):
    return WordVectors.from_arrays(words, vectors)


def _reduce_vectors(wv):
    return _rebuild_vectors, ([wv.word(i) for i in range(len(wv))], np.array(wv.vectors))


copyreg.pickle(WordVectors, _reduce_vectors)


def _subset_vectors(vectors, sets):
    """The word vectors of the words the packed bags use, and the bags with
    their word indices renumbered. The renumbering keeps the order of the
    indices (a sorted list of the used words), so every bag lists its words
    in the same order with the same float32 vectors: the same computation,
    bitwise, for a fraction of the data sent to the workers."""
    used = np.unique(np.concatenate([s.words for s in sets if s is not None]))
    if len(used) == 0:
        used = np.zeros(1, dtype=np.int64)
    if len(used) == len(vectors):
        return vectors, sets
    words = [vectors.word(int(i)) for i in used]
    sub = WordVectors.from_arrays(words, np.array(vectors.vectors[used]))
    out = []
    for s in sets:
        if s is None:
            out.append(None)
            continue
        out.append(Packed("bags", words=np.searchsorted(used, s.words).astype(np.int64),
                          weights=s.weights, off=s.off))
    return sub, out


def _client(client):
    if client is not None:
        return client
    from distributed import get_client
    try:
        return get_client()
    except ValueError:
        raise ValueError("no Dask client: pass client= or create a dask.distributed.Client "
                         "first") from None


def _threads(client):
    info = client.scheduler_info()["workers"]
    return max(1, sum(w.get("nthreads", 1) for w in info.values())), max(1, len(info))


# ---- distance matrices ------------------------------------------------------------

def _pairs(n, m, b, symmetric):
    """Number of pairs solved and of tasks for blocks of side b."""
    nb, mb = -(-n // b), -(-m // b)
    if symmetric:
        return n * (n + 1) // 2, nb * (nb + 1) // 2
    return n * m, nb * mb


def choose_block(n, m, symmetric, seconds_per_pair, threads, overhead=TASK_OVERHEAD,
                 target=0.5):
    """Side of the square blocks of an n x m matrix for ``threads`` worker
    threads when a pair takes ``seconds_per_pair``, so that scheduling costs
    under 10 % of the work: each task at least 10 x ``overhead`` long (the
    workers' share), and the scheduler, which hands out the tasks one after
    the other at ``overhead`` each, busy for at most 10 % of the ideal wall
    time (its share; this grows the blocks with the number of threads).
    When the scheduler's share would leave threads without a task, blocks
    shrink (down to the workers' bound) until every thread has one. Within
    that, tasks of about ``target`` seconds, but never so few that a thread
    gets fewer than 4 (load balance, cheap recomputation)."""
    t = max(float(seconds_per_pair), 1e-7)
    side = max(n, m)
    work = _pairs(n, m, 1, symmetric)[0] * t
    b = max(1, math.ceil(math.sqrt(10 * overhead / t)))
    while b < side and _pairs(n, m, b, symmetric)[1] * overhead > 0.1 * work / threads:
        b += max(1, b // 8)
    b_worker = max(1, math.ceil(math.sqrt(10 * overhead / t)))
    while b > b_worker and _pairs(n, m, b, symmetric)[1] < threads:
        b = max(b_worker, b - max(1, b // 8))  # every thread busy comes first
    goal = math.ceil(math.sqrt(target / t))
    while b < min(goal, side):
        nxt = min(goal, side, b + max(1, b // 8))
        if _pairs(n, m, nxt, symmetric)[1] < 4 * threads:
            break
        b = nxt
    return max(1, min(b, side))


def _sample_seconds(A, B, kw, vectors, count=8):
    """Median seconds of one pair, from a few pairs spread over the matrix."""
    n, m = len(A), len(B) if B is not None else len(A)
    kw = dict(kw, threads=1)
    times = []
    symmetric = B is None
    for t in range(min(count, n * m)):
        i, j = (t * 7919) % n, (t * 104729 + 1) % m
        if symmetric:  # a pair the symmetric block solves (not mirrored, not i = j)
            i, j = min(i, j), max(i, j)
            if i == j:
                j = (j + 1) % m
                i, j = min(i, j), max(i, j)
        t0 = time.perf_counter()
        _block(A, B, (i, i + 1, j, j + 1), kw, vectors)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _tiles(n, m, b, symmetric):
    for i0 in range(0, n, b):
        for j0 in range(i0 if symmetric else 0, m, b):
            yield i0, min(i0 + b, n), j0, min(j0 + b, m)


def _pairwise_task(A, B, vectors, tile, kw, strict, M=None):
    if M is not None:
        kw = dict(kw, M=M)
    values, status = _block(A, B, tile, kw, vectors)
    _check(values, status, tile, strict)
    return values


def pairwise(distributions, other=None, M=None, vectors=None, client=None, block=None,
             as_dask=False, method="emd", metric="euclidean", p=1, q=2, reg=None, mass=None,
             mass_tol=None, max_iter=None, certify=True, algorithm=None, tol=None,
             eps_scaling=None, tau=None, distance="euclidean", normalize=False,
             threads_per_task=1, progress=False, strict=True, subset_vectors=True):
    """The distance matrix of :func:`wass.pairwise` (same arguments and
    results, bitwise), computed on a Dask cluster in square blocks of side
    ``block`` (None: chosen from the time of a few pairs measured here, see
    :func:`choose_block`), one task a block.

    ``client``: a ``dask.distributed.Client`` (None: the current one).
    ``as_dask=True`` returns a lazy ``dask.array`` with one chunk a block
    (below the diagonal of a symmetric matrix: the transposed block above it,
    not solved again), to be computed or stored chunk by chunk.
    ``threads_per_task``: C threads inside each task (1: Dask's worker threads
    give the parallelism). ``progress=True``: Dask's progress bar.
    ``subset_vectors``: documents only send the vectors of the words they
    use (renumbered in the same order: the same results, bitwise).

    Bad input raises in the task that meets it and surfaces here with the
    message naming the distribution ("A[17]: ..."); the other tasks are
    cancelled."""
    kw = _options(method, metric, p, q, reg, mass, mass_tol, max_iter, certify, algorithm, tol,
                  eps_scaling, tau, threads_per_task, distance, normalize)
    A = pack(distributions, M=M, vectors=vectors)
    B = None if other is None else pack(other, M=M, vectors=vectors)
    if A.kind == "bags" and vectors is None:
        from ._pairwise import _vectors_of
        vectors = _vectors_of(distributions, other)
    if A.kind == "bags" and subset_vectors:
        _check_vectors(vectors)
        vectors, (A, B) = _subset_vectors(vectors, [A, B])
    n = len(A)
    m = n if B is None else len(B)
    symmetric = B is None
    client = _client(client)
    Mc = None if A.kind != "histograms" else np.ascontiguousarray(M, dtype=np.float64)
    if block is None:
        threads, _ = _threads(client)
        skw = kw if Mc is None else dict(kw, M=Mc)
        block = choose_block(n, m, symmetric, _sample_seconds(A, B, skw, vectors), threads)
    block = int(block)
    if block < 1:
        raise ValueError("block must be at least 1")
    fA = client.scatter(A, broadcast=True, hash=False)
    fB = None if B is None else client.scatter(B, broadcast=True, hash=False)
    fV = None if vectors is None else client.scatter(vectors, broadcast=True, hash=False)
    fM = None if Mc is None else client.scatter(Mc, broadcast=True, hash=False)
    tiles = list(_tiles(n, m, block, symmetric))
    token = uuid.uuid4().hex[:8]

    def key(t):
        return "wass-pairwise-%s-%d-%d" % (token, t[0] // block, t[2] // block)

    if as_dask:
        return _as_dask(fA, fB, fV, fM, kw, tiles, key, n, m, block, symmetric, strict)

    from distributed import as_completed
    futures = [client.submit(_pairwise_task, fA, fB, fV, t, kw, strict, fM, key=key(t),
                             pure=False) for t in tiles]
    where = {f.key: t for f, t in zip(futures, tiles)}
    if progress:
        from distributed import progress as dask_progress
        dask_progress(futures)
    D = np.empty((n, m))
    placed = set()
    try:
        for fut, values in as_completed(futures, with_results=True):
            i0, i1, j0, j1 = t = where[fut.key]
            if t in placed:  # cannot happen: each block is one future
                raise RuntimeError("block %s delivered twice" % (t,))
            placed.add(t)
            D[i0:i1, j0:j1] = values
            if symmetric and i0 != j0:
                D[j0:j1, i0:i1] = values.T
            fut.release()
    except BaseException:
        client.cancel(futures)
        raise
    if len(placed) != len(tiles):
        raise RuntimeError("%d of %d blocks missing" % (len(tiles) - len(placed), len(tiles)))
    return D


def _as_dask(fA, fB, fV, fM, kw, tiles, key, n, m, block, symmetric, strict):
    import dask
    import dask.array as da
    task = dask.delayed(_pairwise_task, pure=True)
    got = {}
    for t in tiles:
        got[(t[0] // block, t[2] // block)] = da.from_delayed(
            task(fA, fB, fV, t, kw, strict, fM, dask_key_name=key(t)),
            shape=(t[1] - t[0], t[3] - t[2]), dtype=np.float64)
    rows = []
    for bi in range(-(-n // block)):
        row = []
        for bj in range(-(-m // block)):
            row.append(got[(bj, bi)].T if symmetric and bj < bi else got[(bi, bj)])
        rows.append(row)
    return da.block(rows)


# ---- k nearest neighbours -----------------------------------------------------------

_FAR = np.iinfo(np.int64).max


def _pairs_of(P, lo, hi):
    o = P.off
    return [(P.words[o[t]:o[t + 1]], P.weights[o[t]:o[t + 1]]) for t in range(lo, hi)]


def _knn_task(vectors, Q, shard, lo, qlo, qhi, exclude, k, opts):
    """Top k of queries qlo..qhi-1 within one shard (corpus lo..), global
    indices (-1 where the shard has fewer than k documents)."""
    ex = None
    if exclude is not None:
        e = np.asarray(exclude[qlo:qhi], dtype=np.int64) - lo
        ex = np.where((e >= 0) & (e < len(shard)), e, -1)
    d = _wass.knn(vectors._h, _pairs_of(Q, qlo, qhi), _pairs_of(shard, 0, len(shard)), k=k,
                  exclude=ex, **opts)
    idx = np.asarray(d["index"], dtype=np.int64)
    d["index"] = np.where(idx >= 0, idx + lo, -1)
    return {key: d[key] for key in ("index", "dist", "candidates", "exact_solves", "pruned_wcd",
                                    "pruned_rwmd", "pruned_ict", "empty_queries")}


def _merge(a, b, k):
    """Exact top k of two candidate lists by (distance, index)."""
    idx = np.concatenate([a[0], b[0]], axis=1)
    dist = np.concatenate([a[1], b[1]], axis=1)
    order = np.lexsort((np.where(idx >= 0, idx, _FAR), dist), axis=-1)[:, :k]
    return np.take_along_axis(idx, order, 1), np.take_along_axis(dist, order, 1)


def knn(vectors, queries, corpus, k=10, client=None, shards=None, query_block=None,
        replicas=2, method="wmd", prune="rwmd", tight=True, distance="euclidean",
        normalize=False, exclude=None, threads_per_task=1, stopwords=None, min_len=1,
        keep_non_ascii=False, progress=False, subset_vectors=True):
    """The k nearest neighbours of :func:`wass.knn` (same neighbours, same
    distances bitwise, ties by corpus index) on a Dask cluster.

    The corpus is cut into ``shards`` contiguous shards (None: one per
    worker), each scattered to ``replicas`` workers (None: all); the queries
    into blocks of ``query_block`` (None: enough tasks for every thread).
    Each task runs the pruned search of one query block in one shard (its
    lower bounds prune within the shard); the client merges the shards' top
    k by (distance, index). ``exclude`` as in :func:`wass.knn` (global corpus
    indices). ``subset_vectors`` as in :func:`pairwise`. Returns a
    :class:`wass.KnnResult` whose counters add up over the shards. Each shard
    finds its own k-th distance, so more shards mean more exact solves in
    all (the price of splitting the corpus; ``shards=1`` prunes best when the
    corpus fits on every worker)."""
    _check_vectors(vectors)
    text = dict(stopwords=_stopwords(stopwords), min_len=min_len, keep_non_ascii=keep_non_ascii)
    Q = pack(queries, vectors=vectors, **text)
    C = pack(corpus, vectors=vectors, **text)
    if subset_vectors:
        vectors, (Q, C) = _subset_vectors(vectors, [Q, C])
    nq, nc = len(Q), len(C)
    if k < 1:
        raise _wass.WassError("k = %d must be at least 1" % k)
    client = _client(client)
    threads, workers = _threads(client)
    if shards is None:
        shards = workers
    shards = max(1, min(int(shards), nc))
    if query_block is None:
        query_block = max(1, -(-nq * shards // (4 * threads)))
    query_block = max(1, int(query_block))
    if exclude is not None:
        exclude = np.asarray(exclude, dtype=np.int64)
        if exclude.shape != (nq,):
            raise ValueError("exclude must have one entry per query (%d), got shape %s" %
                             (nq, exclude.shape))
    opts = dict(method=method, prune=_prune(prune), tight=bool(tight), distance=distance,
                normalize=bool(normalize), threads=threads_per_task)
    t0 = time.perf_counter()
    fV = client.scatter(vectors, broadcast=True, hash=False)
    fQ = client.scatter(Q, broadcast=True, hash=False)
    bounds = [(s * nc // shards, (s + 1) * nc // shards) for s in range(shards)]
    parts = [C.slice(lo, hi) for lo, hi in bounds]
    fC = client.scatter(parts, hash=False)
    if replicas is None or replicas >= workers:
        client.replicate(fC)
    elif replicas > 1:
        client.replicate(fC, n=int(replicas))
    fX = None if exclude is None else client.scatter(exclude, broadcast=True, hash=False)
    token = uuid.uuid4().hex[:8]
    futures, where = [], {}
    for s, (lo, hi) in enumerate(bounds):
        for qlo in range(0, nq, query_block):
            qhi = min(qlo + query_block, nq)
            f = client.submit(_knn_task, fV, fQ, fC[s], lo, qlo, qhi, fX, int(k), opts,
                              key="wass-knn-%s-%d-%d" % (token, qlo // query_block, s),
                              pure=False)
            futures.append(f)
            where[f.key] = (s, qlo, qhi)
    if progress:
        from distributed import progress as dask_progress
        dask_progress(futures)
    from distributed import as_completed
    idx = np.full((nq, k), -1, dtype=np.int64)
    dist = np.full((nq, k), np.inf)
    counters = dict(candidates=0, exact_solves=0, pruned_wcd=0, pruned_rwmd=0, pruned_ict=0)
    empty = 0
    seen = set()
    try:
        for fut, r in as_completed(futures, with_results=True):
            s, qlo, qhi = where[fut.key]
            if (s, qlo) in seen:
                raise RuntimeError("task %s delivered twice" % fut.key)
            seen.add((s, qlo))
            idx[qlo:qhi], dist[qlo:qhi] = _merge((idx[qlo:qhi], dist[qlo:qhi]),
                                                 (r["index"], r["dist"]), k)
            for c in counters:
                counters[c] += int(r[c])
            if s == 0:
                empty += int(r["empty_queries"])
            fut.release()
    except BaseException:
        client.cancel(futures)
        raise
    if len(seen) != len(futures):
        raise RuntimeError("%d of %d tasks missing" % (len(futures) - len(seen), len(futures)))
    d = dict(counters, index=idx, dist=dist, empty_queries=empty,
             seconds=time.perf_counter() - t0)
    return KnnResult(d)
