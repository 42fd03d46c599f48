# lib.sh - helpers shared by the CLI tests (sourced, not run by ctest).
# Each test script is run as `bash test_x.sh /path/to/wass` with WASS_PYTHON set.
set -u
W=${1:?usage: $0 /path/to/wass}
PY=${WASS_PYTHON:-/usr/bin/python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/wass_cli_test.XXXXXX")
trap 'rm -rf "$T"' EXIT
FAILS=0
CHECKS=0

fail() {
    FAILS=$((FAILS + 1))
    echo "FAIL: $*" >&2
}

# run ARGS...: runs wass, stdout -> $T/out, stderr -> $T/err, exit code -> $RC
run() {
    "$W" "$@" >"$T/out" 2>"$T/err"
    RC=$?
}

# expect_ok ARGS...: exit 0
expect_ok() {
    CHECKS=$((CHECKS + 1))
    run "$@"
    if [[ $RC -ne 0 ]]; then
        fail "wass $* exited $RC: $(cat "$T/err")"
        return 1
    fi
    return 0
}

# expect_fail CODE TEXT ARGS...: exit CODE, TEXT on stderr, nothing on stdout
expect_fail() {
    local code=$1 text=$2
    shift 2
    CHECKS=$((CHECKS + 1))
    run "$@"
    if [[ $RC -ne $code ]]; then
        fail "wass $* exited $RC, want $code (stderr: $(cat "$T/err"))"
    elif ! grep -qF -- "$text" "$T/err"; then
        fail "wass $*: stderr lacks '$text': $(cat "$T/err")"
    elif [[ -s $T/out ]]; then
        fail "wass $*: printed on stdout on failure: $(cat "$T/out")"
    fi
}

# close GOT WANT TOL [WHAT]: |got - want| <= tol * max(1, |want|)
close() {
    CHECKS=$((CHECKS + 1))
    if ! awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN {
            if (g !~ /^[-+]?[0-9.]+([eE][-+]?[0-9]+)?$/ || w == "") exit 1
            d = g - w; if (d < 0) d = -d; a = w < 0 ? -w : w; if (a < 1) a = 1
            exit !(d <= t * a) }'; then
        fail "${4:-value}: got '$1', want $2 (tol $3)"
    fi
}

finish() {
    echo "$(basename "$0"): $CHECKS checks, $FAILS failed"
    [[ $FAILS -eq 0 ]]
    exit $?
}
