/*
 * errors.c - the error detail of a failed call (wass_error_info): filled by
 * wass__fail / wass__fail_line, reset by wass__clear.
 */
#include "common/internal.h"

#include <stdio.h>

static int vfail(wass_error_info *err, int code, long line, const char *fmt, va_list ap) {
    if (err) {
        err->code = code;
        err->line = line;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    }
    return code;
}

int wass__fail(wass_error_info *err, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(err, code, 0, fmt, ap);
    va_end(ap);
    return code;
}

int wass__fail_line(wass_error_info *err, int code, long line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(err, code, line, fmt, ap);
    va_end(ap);
    return code;
}

void wass__clear(wass_error_info *err) {
    if (err) {
        err->code = WASS_OK;
        err->line = 0;
        err->message[0] = '\0';
    }
}
