#!/usr/bin/env bash
# The shared library exports only the public API: every defined dynamic
# symbol starts with "wass_" and none with the internal prefix "wass__".
set -euo pipefail
lib=$1
syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}')
[ -n "$syms" ] || { echo "no exported symbols in $lib" >&2; exit 1; }
bad=$(printf '%s\n' "$syms" | grep -v '^wass_' || true)
internal=$(printf '%s\n' "$syms" | grep '^wass__' || true)
count=$(printf '%s\n' "$syms" | wc -l)
if [ -n "$bad$internal" ]; then
    echo "symbols exported by $lib outside the public API:" >&2
    printf '%s\n' $bad $internal >&2
    exit 1
fi
echo "$count exported symbols, all public wass_*"
