"""wass.dask on a LocalCluster of 2 worker processes (127.0.0.1, no
dashboard): results identical (bitwise) to the single-process computation for
point clouds, histograms and WMD bags, a worker killed in the middle of a run,
and bad input named by its index."""

import os
import signal
import threading
import time

import numpy as np
import pytest

import wass

distributed = pytest.importorskip("distributed")
wdask = pytest.importorskip("wass.dask")


def make_cluster():
    # loopback only; no dashboard (the scheduler's small HTTP server on a free port)
    return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                    host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                    scheduler_kwargs={"dashboard": False})


@pytest.fixture(scope="module")
def client():
    with make_cluster() as cluster, distributed.Client(cluster, timeout=30) as c:
        yield c


def clouds(count, seed, lo=4, hi=20, d=2):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(int(rng.integers(lo, hi)), d)) for _ in range(count)]


@pytest.fixture(scope="module")
def vocab():
    rng = np.random.default_rng(3)
    words = ["w%d" % i for i in range(60)]
    wv = wass.WordVectors.from_arrays(words, rng.normal(size=(60, 5)))
    docs = [" ".join(rng.choice(words, size=int(rng.integers(1, 10)))) for _ in range(70)]
    return wv, wv.bags(docs)


def test_clouds_identical(client):
    cs = clouds(30, seed=1)
    ref = wass.pairwise(cs)
    for block in (None, 7, 30):
        np.testing.assert_array_equal(wdask.pairwise(cs, client=client, block=block), ref)
    np.testing.assert_array_equal(wdask.pairwise(cs[:8], client=client, block=1), ref[:8, :8])
    lazy = wdask.pairwise(cs, client=client, block=8, as_dask=True)
    assert lazy.chunks == ((8, 8, 8, 6), (8, 8, 8, 6))
    np.testing.assert_array_equal(lazy.compute(), ref)
    # rectangular, another metric, Sinkhorn
    A, B = cs[:11], clouds(9, seed=2)
    np.testing.assert_array_equal(wdask.pairwise(A, B, client=client, block=4, metric="sqeuclidean"),
                                  wass.pairwise(A, B, metric="sqeuclidean"))
    np.testing.assert_array_equal(
        wdask.pairwise(A[:6], client=client, block=4, method="sinkhorn", reg=0.5),
        wass.pairwise(A[:6], method="sinkhorn", reg=0.5))
    assert np.array_equal(np.diag(ref), np.zeros(30))
    assert ref[3, 5] == wass.solve(X=cs[3], Y=cs[5], plan=False).cost


def test_histograms_identical(client):
    rng = np.random.default_rng(4)
    H = rng.random((25, 12))
    H /= H.sum(1, keepdims=True)
    P = rng.normal(size=(12, 2))
    M = np.sqrt(((P[:, None] - P[None]) ** 2).sum(-1))
    D = wdask.pairwise(H, M=M, client=client, block=6)
    np.testing.assert_array_equal(D, wass.pairwise(H, M=M))
    assert D[2, 9] == wass.emd2(H[2], H[9], M)


def test_wmd_identical(client, vocab):
    wv, bags = vocab
    np.testing.assert_array_equal(wdask.pairwise(bags[:20], client=client, block=6),
                                  wass.pairwise(bags[:20]))
    np.testing.assert_array_equal(wdask.pairwise(bags[:5], bags[5:30], client=client, block=4),
                                  wass.pairwise(bags[:5], bags[5:30]))
    np.testing.assert_array_equal(
        wdask.pairwise(bags[:6], client=client, block=4, distance="cosine",
                       subset_vectors=False), wass.pairwise(bags[:6], distance="cosine"))


def test_knn_identical(client, vocab):
    wv, bags = vocab
    queries, corpus = bags[:12], bags[12:]
    ref = wass.knn(wv, queries, corpus, k=5)
    for shards, qb in ((1, None), (2, 5), (7, 3), (58, None)):
        r = wdask.knn(wv, queries, corpus, k=5, client=client, shards=shards, query_block=qb)
        np.testing.assert_array_equal(r.index, ref.index)
        np.testing.assert_array_equal(r.dist, ref.dist)  # bitwise
        assert r.candidates == ref.candidates
    # all the word vectors sent, or only those of the words used: the same bits
    few = corpus[:15]
    ref = wass.knn(wv, queries[:4], few, k=4)
    for sub in (True, False):
        r = wdask.knn(wv, queries[:4], few, k=4, client=client, shards=2, subset_vectors=sub)
        np.testing.assert_array_equal(r.index, ref.index)
        np.testing.assert_array_equal(r.dist, ref.dist)
    used = np.unique(np.concatenate([b.words for b in queries[:4] + few]))
    assert len(used) < len(wv)  # the subset is a real one
    # ties: a corpus of repeated documents orders equal distances by index
    rep = [corpus[0], corpus[1]] * 5
    ref = wass.knn(wv, queries[:3], rep, k=6)
    r = wdask.knn(wv, queries[:3], rep, k=6, client=client, shards=3)
    np.testing.assert_array_equal(r.index, ref.index)
    np.testing.assert_array_equal(r.dist, ref.dist)
    # leave-one-out over the corpus itself
    ex = np.arange(10)
    ref = wass.knn(wv, corpus[:10], corpus, k=3, exclude=ex)
    r = wdask.knn(wv, corpus[:10], corpus, k=3, exclude=ex, client=client, shards=4)
    np.testing.assert_array_equal(r.index, ref.index)
    np.testing.assert_array_equal(r.dist, ref.dist)


def test_bad_input_names_the_index(client, vocab):
    cs = clouds(20, seed=5)
    cs[13] = cs[13].copy()
    cs[13][1, 0] = np.inf
    with pytest.raises(wass.WassError, match=r"A\[13\]"):
        wdask.pairwise(cs, client=client, block=4)
    rng = np.random.default_rng(6)
    H = rng.random((10, 5))
    H[7] = -H[7]
    with pytest.raises(wass.WassError, match=r"B\[7\].*negative"):
        wdask.pairwise(np.abs(H[:3]), H, M=np.ones((5, 5)) - np.eye(5), client=client,
                       block=3, mass="normalize")
    wv, bags = vocab
    packed = wdask.pack(bags[:8])
    packed.weights = packed.weights.copy()
    packed.weights[packed.off[5]] = np.nan
    with pytest.raises(wass.WassError, match=r"A\[5\]"):
        wdask.pairwise(packed, client=client, vectors=wv, block=2)


def test_worker_killed_mid_run():
    cs = clouds(48, seed=7, lo=25, hi=40)
    ref = wass.pairwise(cs)
    with make_cluster() as cluster, distributed.Client(cluster, timeout=30) as c:
        pids = c.run(os.getpid)
        state = {"running": True, "killed_while_running": False, "remaining": None}

        def remaining(dask_scheduler):
            return sum(1 for k in dask_scheduler.tasks if str(k).startswith("wass-pairwise"))

        def killer():
            for _ in range(600):  # at most ~30 s
                if not state["running"]:
                    return
                left = c.run_on_scheduler(remaining)
                if 0 < left <= state.get("total", 10**9) * 3 // 4:
                    state["remaining"] = left
                    state["killed_while_running"] = state["running"]
                    os.kill(next(iter(pids.values())), signal.SIGKILL)
                    return
                time.sleep(0.05)

        block = 4
        state["total"] = len(list(wdask._tiles(48, 48, block, True)))
        t = threading.Thread(target=killer)
        t.start()
        try:
            D = wdask.pairwise(cs, client=c, block=block)
        finally:
            state["running"] = False
            t.join()
        assert state["killed_while_running"], "the worker was not killed during the run"
        assert 0 < state["remaining"] < state["total"]
        np.testing.assert_array_equal(D, ref)  # complete and identical
        # the killed worker's process is gone (its nanny starts a new one)
        assert next(iter(pids.values())) not in c.run(os.getpid).values()
