#!/bin/bash
# time_emd_vs_pot.sh - CPU time of wass_emd against POT's ot.emd (LEMON
# network simplex) on the same Gaussian clouds, one thread, same cost.
# Run from the repository root after `make` (needs build/libwass.a):
#   bash tests/reference/time_emd_vs_pot.sh [SIZES...]   (default 1000 2000 4000)
# Not a test: timings depend on the machine and its load.
set -e
PY=${WASS_PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -Iinclude "$here/time_emd.c" build/libwass.a -lm -fopenmp -o "$tmp/time_emd"
sizes=${*:-1000 2000 4000}
for cfg in "2 euclidean 0" "2 sqeuclidean 1" "10 euclidean 0" "10 sqeuclidean 1"; do
    set -- $cfg
    for n in $sizes; do
        reps=3
        [ "$n" -ge 4000 ] && reps=1
        "$PY" "$here/time_emd_vs_pot.py" "$n" "$1" "$2" "$tmp/case.bin" "$reps"
        "$tmp/time_emd" "$tmp/case.bin" "$3" "$reps"
    done
done
