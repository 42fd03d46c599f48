"""Word Mover's Distance: word vectors and stop words (held by the C
library), documents as bags of words (nBOW or TF-IDF, made by the
library's tokenizer), :func:`wmd` with its bounds :func:`wcd` and
:func:`rwmd`, exact k-NN search (:func:`knn`) and classification
(:func:`knn_classify`)."""

import os
import warnings

import numpy as np

from . import _wass
from ._common import NotOptimalError, _call_with_progress, _progress
from ._wass import WassError


class EmptyDocumentWarning(UserWarning):
    """A document has no word left after filtering: its distances are +inf."""


_PRUNE = {"none": 0, "kusner": 1, "rwmd": 2, "ict": 3}


def _shipped_stopwords():
    here = os.path.dirname(os.path.abspath(__file__))
    tries = [os.path.join(here, "stopwords_en.txt")]
    d = here
    for _ in range(4):  # the source tree's share/ (from build/python/wass)
        d = os.path.dirname(d)
        tries += [os.path.join(d, "share", "stopwords_en.txt"),
                  os.path.join(d, "share", "wass", "stopwords_en.txt")]
    for t in tries:
        if os.path.exists(t):
            return t
    raise FileNotFoundError("the shipped stop-word list stopwords_en.txt was not found; give "
                            "a path or a list of words instead")


class StopWords:
    """A set of stop words (lowercase). ``StopWords(words)`` from an iterable
    of str; :meth:`load` from a text file (one word a line, '#' comments);
    :meth:`english` the list shipped with wass (share/stopwords_en.txt)."""

    __slots__ = ("_h",)

    def __init__(self, words=(), _handle=None):
        if _handle is None:
            if isinstance(words, (str, bytes)):
                raise TypeError("StopWords(words) takes an iterable of words, not one string "
                                "(use StopWords.load(path) for a file)")
            _handle = _wass.stopwords_from_list(list(words))
        self._h = _handle

    @classmethod
    def load(cls, path):
        return cls(_handle=_wass.stopwords_load(os.fspath(path)))

    @classmethod
    def english(cls):
        return cls.load(_shipped_stopwords())

    def __len__(self):
        return len(self._h)

    def __contains__(self, word):
        return word in self._h

    def __repr__(self):
        return "wass.StopWords(%d words)" % len(self)


def _stopwords(spec):
    if spec is None or spec == "none":
        return None
    if isinstance(spec, StopWords):
        return spec._h
    if isinstance(spec, _wass.StopWords):
        return spec
    if spec == "en":
        return StopWords.english()._h
    if isinstance(spec, (str, bytes, os.PathLike)):
        return StopWords.load(spec)._h
    return StopWords(spec)._h


class Bag:
    """A document as a bag of words: ``words`` (sorted distinct vocabulary
    indices), ``counts``, ``weights`` (summing to 1; nBOW or TF-IDF), and what
    the tokenizer saw: ``tokens``, ``kept``, ``short_dropped``,
    ``stop_dropped``, ``oov_dropped`` (out-of-vocabulary tokens, dropped and
    counted). ``vectors`` is the :class:`WordVectors` the indices refer to."""

    __slots__ = ("words", "counts", "weights", "tokens", "kept", "short_dropped",
                 "stop_dropped", "oov_dropped", "vectors")

    def __init__(self, vectors, d):
        self.vectors = vectors
        for k in ("words", "counts", "weights", "tokens", "kept", "short_dropped",
                  "stop_dropped", "oov_dropped"):
            setattr(self, k, d[k])

    def __len__(self):
        return len(self.words)

    @property
    def empty(self):
        return len(self.words) == 0

    @property
    def terms(self):
        """The words of the bag as strings."""
        return [self.vectors.word(int(i)) for i in self.words]

    def tfidf(self, idf):
        """A copy weighted by TF-IDF: count * idf[word], normalized to 1."""
        b = Bag(self.vectors, {k: getattr(self, k) for k in self.__slots__ if k != "vectors"})
        b.weights = _wass.bag_apply_idf(self.words, self.counts, idf)
        return b

    def _pair(self):
        return (self.words, self.weights)

    def __repr__(self):
        return "wass.Bag(%d words, %d tokens kept of %d)" % (len(self), self.kept, self.tokens)


class WordVectors:
    """Word vectors for the Word Mover's Distance.

    :meth:`load` reads word2vec text or binary, GloVe text, the JSON of the
    wink-embeddings packages, or the library's binary cache (auto-detected),
    and by default keeps a checksummed cache ``<path>.wassvec`` for fast
    reloads. :meth:`from_arrays` builds them from a list of words and an
    (n, d) float array. ``len(wv)`` words of dimension ``wv.dim``;
    ``wv.vectors`` is a read-only (n, d) float32 view."""

    __slots__ = ("_h",)

    def __init__(self, handle):
        if not isinstance(handle, _wass.WordVecs):
            raise TypeError("use WordVectors.load(path) or WordVectors.from_arrays(words, X)")
        self._h = handle

    @classmethod
    def load(cls, path, format="auto", cache=True, cache_path=None, max_words=0, cache_dir=None):
        """Load from a file. ``format``: auto, word2vec, word2vec-binary,
        glove, wink or cache. ``cache``: read/write a binary cache, in
        ``cache_dir`` (default ``$WASS_CACHE_DIR``, else
        ``$XDG_CACHE_HOME/wass``, else ``~/.cache/wass``; ``""``: no cache),
        or exactly at ``cache_path``; never beside ``path`` unless asked.
        ``max_words``: keep the first words only (0 = all).
        Missing files raise FileNotFoundError; malformed or truncated ones
        WassError naming the line."""
        return cls(_wass.wordvec_load(os.fspath(path), format=format, use_cache=bool(cache),
                                      cache_path=None if cache_path is None
                                      else os.fspath(cache_path),
                                      max_words=int(max_words),
                                      cache_dir=None if cache_dir is None
                                      else os.fspath(cache_dir)))

    @classmethod
    def from_arrays(cls, words, vectors):
        """From words (sequence of str) and vectors ((n, d) float32/float64,
        finite). Duplicate words keep their first vector."""
        return cls(_wass.wordvec_from_arrays(list(words), vectors))

    dim = property(lambda self: self._h.dim)
    vectors = property(lambda self: self._h.vectors)
    format = property(lambda self: self._h.format)
    from_cache = property(lambda self: self._h.from_cache)
    cache_written = property(lambda self: self._h.cache_written)
    duplicates = property(lambda self: self._h.duplicates)

    def __len__(self):
        return len(self._h)

    def __contains__(self, word):
        return word in self._h

    def index(self, word):
        """Vocabulary index of a word (KeyError when absent)."""
        i = self._h.find(word)
        if i < 0:
            raise KeyError(word)
        return i

    def word(self, i):
        return self._h.word(i)

    def vector(self, word):
        return self._h.vectors[self.index(word)]

    def save_cache(self, path, source=None):
        """Write the binary cache to ``path`` (valid for the file ``source``)."""
        self._h.save_cache(os.fspath(path), None if source is None else os.fspath(source))

    def bag(self, text, stopwords=None, min_len=1, keep_non_ascii=False, idf=None):
        """The bag of a text: lowercased runs of ASCII letters and digits
        (``keep_non_ascii=True``: bytes >= 0x80 too), tokens shorter than
        ``min_len`` dropped, then ``stopwords`` (None, "en" for the shipped
        list, a path, a list or a :class:`StopWords`), then words without a
        vector (counted in ``oov_dropped``). nBOW weights, or TF-IDF with
        ``idf`` (from :meth:`idf`)."""
        b = Bag(self, _wass.bag_from_text(self._h, text, min_len=int(min_len),
                                          keep_non_ascii=bool(keep_non_ascii),
                                          stopwords=_stopwords(stopwords)))
        return b.tfidf(idf) if idf is not None else b

    def bags(self, texts, stopwords=None, min_len=1, keep_non_ascii=False, weighting="nbow",
             idf=None):
        """Bags of many texts; ``weighting="tfidf"`` fits the IDF on these
        texts unless ``idf`` is given."""
        sw = _stopwords(stopwords)
        out = [Bag(self, _wass.bag_from_text(self._h, t, min_len=int(min_len),
                                             keep_non_ascii=bool(keep_non_ascii), stopwords=sw))
               for t in texts]
        if weighting not in ("nbow", "tfidf"):
            raise WassError("unknown weighting '%s' (expected nbow or tfidf)" % weighting)
        if weighting == "tfidf" or idf is not None:
            if idf is None:
                idf = self.idf(out)
            out = [b.tfidf(idf) for b in out]
        return out

    def bag_from_counts(self, words, counts):
        """A bag from words (vocabulary indices or str) and their counts
        (repeats summed); nBOW weights."""
        idx = [self.index(w) if isinstance(w, (str, bytes)) else w for w in words]
        return Bag(self, _wass.bag_from_counts(self._h, np.asarray(idx, dtype=np.int64)
                                               if len(idx) else np.zeros(0, np.int64), counts))

    def idf(self, bags):
        """Inverse document frequencies over bags: ln((1 + N) / (1 + df)) + 1
        for every vocabulary word."""
        return _wass.idf_fit(self._h, [(b.words, b.counts) for b in bags])

    def __repr__(self):
        return "wass.WordVectors(%d words, dim %d, format %s%s)" % (
            len(self), self.dim, self.format, ", from cache" if self.from_cache else "")


def _doc(vectors, doc, text):
    if isinstance(doc, Bag):
        if doc.vectors is not vectors:
            raise WassError("a bag made from other word vectors was given")
        return doc
    if isinstance(doc, (str, bytes)):
        return vectors.bag(doc, **text)
    raise TypeError("a document must be a str, bytes or wass.Bag, got %s" % type(doc).__name__)


def _check_vectors(vectors):
    if not isinstance(vectors, WordVectors):
        raise TypeError("vectors must be wass.WordVectors, got %s" % type(vectors).__name__)


def _wmd_call(what, vectors, doc1, doc2, distance, normalize, stopwords, min_len,
              keep_non_ascii):
    _check_vectors(vectors)
    text = dict(stopwords=_stopwords(stopwords), min_len=min_len, keep_non_ascii=keep_non_ascii)
    a, b = _doc(vectors, doc1, text), _doc(vectors, doc2, text)
    if a.empty or b.empty:
        warnings.warn("document %s has no words left after filtering: distance +inf" %
                      ("1" if a.empty else "2"), EmptyDocumentWarning, stacklevel=3)
    return _wass.wmd(vectors._h, a._pair(), b._pair(), distance=distance,
                     normalize=bool(normalize), what=what)


def wmd(vectors, doc1, doc2, distance="euclidean", normalize=False, stopwords=None, min_len=1,
        keep_non_ascii=False, log=False):
    """Word Mover's Distance between two documents (text or :class:`Bag`):
    the exact optimal transport of their word weights, the cost being the
    distance between word vectors ("euclidean" or "cosine"; ``normalize``
    unit-normalizes the vectors first). Texts are turned into nBOW bags with
    the given stop words / min_len. An empty document gives +inf with an
    :class:`EmptyDocumentWarning`. ``log=True`` returns (value, dict with
    'wcd', 'rwmd', 'iterations', 'seconds', 'empty')."""
    d = _wmd_call("wmd", vectors, doc1, doc2, distance, normalize, stopwords, min_len,
                  keep_non_ascii)
    if d["status"] != _wass.OPTIMAL:
        raise NotOptimalError("WMD solve ended with status '%s'" % d["status_string"], d)
    return (d["distance"], d) if log else d["distance"]


def wcd(vectors, doc1, doc2, distance="euclidean", normalize=False, stopwords=None, min_len=1,
        keep_non_ascii=False):
    """Word centroid distance, a lower bound of :func:`wmd`."""
    return _wmd_call("wcd", vectors, doc1, doc2, distance, normalize, stopwords, min_len,
                     keep_non_ascii)


def rwmd(vectors, doc1, doc2, distance="euclidean", normalize=False, stopwords=None, min_len=1,
         keep_non_ascii=False):
    """Relaxed WMD (each word moves to its nearest word of the other
    document; max of the two sides), a lower bound of :func:`wmd`."""
    return _wmd_call("rwmd", vectors, doc1, doc2, distance, normalize, stopwords, min_len,
                     keep_non_ascii)


class KnnResult:
    """Nearest neighbours: ``index`` (nq, k) corpus indices by (distance,
    index), -1 where fewer than k candidates; ``dist`` (nq, k); counters
    ``candidates``, ``exact_solves``, ``pruned_wcd``, ``pruned_rwmd``,
    ``pruned_ict``, ``empty_queries``, ``seconds``; ``avoided`` the share of
    candidate pairs that needed no exact solve."""

    __slots__ = ("index", "dist", "candidates", "exact_solves", "pruned_wcd", "pruned_rwmd",
                 "pruned_ict", "empty_queries", "seconds")

    def __init__(self, d):
        for k in self.__slots__:
            setattr(self, k, d[k])

    @property
    def avoided(self):
        return 1.0 - self.exact_solves / self.candidates if self.candidates else 0.0

    def __repr__(self):
        return ("wass.KnnResult(queries=%d, k=%d, exact_solves=%d of %d, avoided=%.1f%%)" %
                (self.index.shape[0], self.index.shape[1], self.exact_solves, self.candidates,
                 100 * self.avoided))


def _bags(vectors, docs, text, name):
    if isinstance(docs, (str, bytes, Bag)):
        raise TypeError("%s must be a sequence of documents" % name)
    return [_doc(vectors, d, text) for d in docs]


def _prune(prune):
    if isinstance(prune, bool) or prune is None:
        return 1 if prune or prune is None else 0
    if isinstance(prune, str):
        if prune not in _PRUNE:
            raise WassError("unknown prune mode '%s' (expected rwmd, kusner, ict or none)" %
                            prune)
        return _PRUNE[prune]
    return int(prune)


def knn(vectors, queries, corpus, k=10, method="wmd", prune="rwmd", tight=True,
        distance="euclidean", normalize=False, threads=None, exclude=None, stopwords=None,
        min_len=1, keep_non_ascii=False, progress=None):
    """Exact k nearest neighbours of each query among the corpus (documents:
    texts or :class:`Bag`) under WMD (or "wcd" / "rwmd" as the distance).
    ``prune``: "rwmd" (default: the relaxed bound of every document first,
    exact solves in increasing bound order until it reaches the k-th
    distance), "kusner" (Kusner et al.'s prefetch-and-prune: WCD order, RWMD
    skips), "ict" (like "rwmd" with the tighter ICT bound of every document)
    or "none" (brute force); with ``tight`` the ICT bound is also tried before
    each exact solve. All return the brute-force neighbours. ``exclude``: one
    corpus index per query never returned (-1 = none; leave-one-out).
    ``progress``: True (a bar on stderr) or f(fraction, stage).
    Returns a :class:`KnnResult`."""
    _check_vectors(vectors)
    text = dict(stopwords=_stopwords(stopwords), min_len=min_len, keep_non_ascii=keep_non_ascii)
    q = _bags(vectors, queries, text, "queries")
    c = _bags(vectors, corpus, text, "corpus")
    r = KnnResult(_call_with_progress(_wass.knn, progress, vectors=vectors._h,
                                      queries=[b._pair() for b in q],
                                      corpus=[b._pair() for b in c], k=int(k), method=method,
                                      prune=_prune(prune), tight=bool(tight), distance=distance,
                                      normalize=bool(normalize), threads=threads,
                                      exclude=exclude))
    if r.empty_queries:
        warnings.warn("%d queries have no words left after filtering: distances +inf" %
                      r.empty_queries, EmptyDocumentWarning, stacklevel=2)
    return r


class ClassifyResult:
    """kNN classification: ``predicted`` labels of the test documents, ``k``
    used (chosen by cross-validation unless given), ``cv_error`` (dict k ->
    CV error for the k tried), ``test_error`` (None without test labels),
    ``neighbors`` (:class:`KnnResult` of the test documents), and
    ``exact_solves`` / ``candidates`` / ``seconds`` over CV and test.

    When several k were scored at once (``k=[1, 3, ...]``): ``k`` is the
    tuple of them, ``predicted`` and ``test_error`` are dicts k -> labels /
    error, and ``cv_error`` is empty."""

    __slots__ = ("predicted", "k", "cv_error", "test_error", "neighbors", "exact_solves",
                 "candidates", "seconds")

    def __repr__(self):
        return "wass.ClassifyResult(k=%d, test_error=%r)" % (self.k, self.test_error)


def knn_classify(vectors, train, train_labels, test, test_labels=None, k=None, k_max=19,
                 folds=5, seed=0, method="wmd", prune="rwmd", tight=True,
                 distance="euclidean", normalize=False, threads=None, stopwords=None,
                 min_len=1, keep_non_ascii=False, tie="nearest", progress=None):
    """kNN classification of the test documents by majority vote of their k
    nearest training documents. ``k=None`` chooses k among 1, 3, .., k_max
    by ``folds``-fold cross-validation on the training set (seeded). ``k``
    may also be a sequence (e.g. ``range(1, 20)``): one search for the
    largest k scores them all, and the result holds the predictions and
    test errors of each. Labels may be any hashable values.

    ``tie``: how a tied vote is decided. "nearest" (default): the tied label
    whose first neighbour is nearest (neighbours ordered by distance, then
    corpus index). "lowest": the smallest tied label in sorted order, as
    ``np.argmax`` over the counts of ``np.unique`` labels (scikit-learn's
    rule); needs an explicit ``k``. ``progress``: True (a bar on stderr) or
    f(fraction, stage). Returns a :class:`ClassifyResult`."""
    _check_vectors(vectors)
    if tie not in ("nearest", "lowest"):
        raise ValueError("tie must be 'nearest' or 'lowest', got %r" % (tie,))
    ks = None
    if k is not None and not isinstance(k, (int, np.integer)):
        ks = tuple(int(x) for x in k)
        if not ks or min(ks) < 1:
            raise ValueError("k must hold integers >= 1, got %r" % (k,))
    elif tie == "lowest":
        if k is None:
            raise ValueError("tie='lowest' needs an explicit k (the cross-validation of k=None "
                             "votes nearest-first)")
        ks = (int(k),)
    if ks is not None:
        return _classify_many(vectors, train, train_labels, test, test_labels, ks, tie,
                              dict(method=method, prune=prune, tight=tight, distance=distance,
                                   normalize=normalize, threads=threads, stopwords=stopwords,
                                   min_len=min_len, keep_non_ascii=keep_non_ascii,
                                   progress=progress), single=isinstance(k, (int, np.integer)))
    text = dict(stopwords=_stopwords(stopwords), min_len=min_len, keep_non_ascii=keep_non_ascii)
    tr = _bags(vectors, train, text, "train")
    te = _bags(vectors, test, text, "test")
    train_labels = list(train_labels)
    if len(train_labels) != len(tr):
        raise ValueError("train_labels must have one entry per training document (%d), got %d"
                         % (len(tr), len(train_labels)))
    names = sorted(set(train_labels), key=repr)
    code = {l: i for i, l in enumerate(names)}
    ytr = np.array([code[l] for l in train_labels], dtype=np.int64)
    yte = None
    if test_labels is not None:
        test_labels = list(test_labels)
        if len(test_labels) != len(te):
            raise ValueError("test_labels must have one entry per test document (%d), got %d"
                             % (len(te), len(test_labels)))
        extra = {l: len(names) + i for i, l in enumerate(
            sorted(set(test_labels) - set(code), key=repr))}
        yte = np.array([code.get(l, extra.get(l)) for l in test_labels], dtype=np.int64)
    cb, close = _progress(progress)
    try:
        d = _wass.knn_classify(vectors._h, [b._pair() for b in tr], ytr, [b._pair() for b in te],
                               yte, k=0 if k is None else int(k), k_max=int(k_max),
                               folds=int(folds), seed=int(seed), method=method, prune=_prune(prune),
                               tight=bool(tight), distance=distance, normalize=bool(normalize),
                               threads=threads, progress=cb)
    finally:
        close()
    r = ClassifyResult()
    r.predicted = [names[i] for i in d["predicted"]]
    r.k = d["k"]
    r.cv_error = {i + 1: float(e) for i, e in enumerate(d["cv_error"]) if not np.isnan(e)}
    r.test_error = None if test_labels is None else float(d["test_error"])
    r.neighbors = KnnResult(d)
    r.exact_solves = d["total_exact_solves"]
    r.candidates = d["total_candidates"]
    r.seconds = d["total_seconds"]
    return r


def _label_order(labels):
    """Distinct labels in sorted order (as np.unique), by repr when they do
    not compare."""
    try:
        return sorted(set(labels))
    except TypeError:
        return sorted(set(labels), key=repr)


def _vote(codes, tie, nlabels):
    """Majority label of one query's neighbour codes (nearest first)."""
    counts = np.bincount(codes, minlength=nlabels)
    best = counts.max()
    if tie == "lowest":
        return int(np.argmax(counts))
    tied = counts == best
    for c in codes:  # the first neighbour of a tied label
        if tied[c]:
            return int(c)
    raise AssertionError("unreachable")


def _classify_many(vectors, train, train_labels, test, test_labels, ks, tie, kw, single):
    """Score several k from one kNN search of the test documents."""
    if isinstance(train, (str, bytes, Bag)):
        raise TypeError("train must be a sequence of documents")
    train = list(train)
    tr_labels = list(train_labels)
    if len(tr_labels) != len(train):
        raise ValueError("train_labels must have one entry per training document (%d), got %d"
                         % (len(train), len(tr_labels)))
    names = _label_order(tr_labels)
    code = {l: i for i, l in enumerate(names)}
    ytr = np.array([code[l] for l in tr_labels], dtype=np.int64)
    res = knn(vectors, test, train, k=max(ks), **kw)
    r = ClassifyResult()
    r.neighbors = res
    r.exact_solves, r.candidates, r.seconds = res.exact_solves, res.candidates, res.seconds
    r.cv_error = {}
    r.predicted, r.test_error = {}, {}
    if test_labels is not None:
        test_labels = list(test_labels)
        if len(test_labels) != res.index.shape[0]:
            raise ValueError("test_labels must have one entry per test document (%d), got %d"
                             % (res.index.shape[0], len(test_labels)))
    for kk in ks:
        pred = []
        for row in res.index:
            nb = row[:kk]
            nb = nb[nb >= 0]
            pred.append(names[_vote(ytr[nb], tie, len(names))] if len(nb) else None)
        r.predicted[kk] = pred
        r.test_error[kk] = (None if test_labels is None else
                            float(np.mean([p != t for p, t in zip(pred, test_labels)])))
    r.k = ks
    if single:
        r.k, r.predicted, r.test_error = ks[0], r.predicted[ks[0]], r.test_error[ks[0]]
    return r
