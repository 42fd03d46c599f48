#!/usr/bin/env bash
# The Python package as a user gets it: the sdist is built, a wheel is built
# from the tarball alone, both install into fresh venvs (the Debian way,
# --system-site-packages for numpy; no network), and the module is imported
# from another directory: a smoke test, the shipped stop words, and a quick
# subset of the Python tests against the installed copy.
#   usage: test_sdist.sh SOURCE_DIR PYTHON
set -euo pipefail
src=$1
py=${2:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# sdist from a copy of the sources (setuptools writes its egg-info next to them)
mkdir "$tmp/src"
(cd "$src" && tar cf - --exclude='./build*' --exclude=./data --exclude=./.git \
    --exclude='*.egg-info' .) | (cd "$tmp/src" && tar xf -)
(cd "$tmp/src" && "$py" setup.py -q sdist -d "$tmp/dist" >"$tmp/sdist.log" 2>&1) ||
    { cat "$tmp/sdist.log" >&2; fail "sdist"; }
tarball=$(ls "$tmp"/dist/wass-*.tar.gz)
tar tzf "$tarball" > "$tmp/contents"
for f in include/wass.h include/wass/wmd.h src/libwass.map share/stopwords_en.txt \
    python/wass_py.h python/_wass.c python/wass/__init__.py; do
    grep -q "/$f\$" "$tmp/contents" || fail "$f missing from the sdist"
done

# a wheel from the tarball alone, installed into a fresh venv
"$py" -m venv --system-site-packages "$tmp/venv"
"$tmp/venv/bin/python" -m pip wheel -q --no-build-isolation --no-index --no-deps \
    -w "$tmp/wheels" "$tarball" >"$tmp/wheel.log" 2>&1 || { cat "$tmp/wheel.log" >&2; fail "wheel"; }
wheel=$(ls "$tmp"/wheels/wass-*.whl)
"$py" -m zipfile -l "$wheel" > "$tmp/wheel_contents"
grep -q "wass/stopwords_en.txt" "$tmp/wheel_contents" || fail "stop words not in the wheel"
"$tmp/venv/bin/python" -m pip install -q --no-index --no-deps "$wheel" ||
    fail "installing the wheel"

mkdir "$tmp/elsewhere"
cd "$tmp/elsewhere"
"$tmp/venv/bin/python" - <<'PY'
import os, numpy as np, wass
assert "site-packages" in wass.__file__, wass.__file__
X, Y = np.random.default_rng(0).normal(size=(50, 2)), np.random.default_rng(1).normal(size=(40, 2))
r = wass.solve(X=X, Y=Y)
assert r.optimal and r.certificate["duality_gap"] <= 1e-9
wv = wass.WordVectors.from_arrays(["cat", "sat", "sits"], np.eye(3))
assert wv.bag("the cat sat on the mat", stopwords="en").stop_dropped == 3
assert os.path.exists(os.path.join(os.path.dirname(wass.__file__), "stopwords_en.txt"))
print("installed wass", wass.__version__, "at", os.path.dirname(wass.__file__))
PY
# the installed module passes a quick part of the test suite (from this directory)
"$tmp/venv/bin/python" -m pytest -q -p no:cacheprovider "$src/tests/python/test_py_errors.py" \
    "$src/tests/python/test_py_pot_parity.py" -k "not progress" >"$tmp/pytest.log" 2>&1 ||
    { tail -30 "$tmp/pytest.log" >&2; fail "tests against the installed module"; }
grep -q "passed" "$tmp/pytest.log" || fail "no tests ran"
tail -1 "$tmp/pytest.log"
echo "install/python_sdist: sdist -> wheel -> fresh venv -> import elsewhere OK"
