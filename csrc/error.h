/*
 * error.h - how the core reports a failure without Lua: functions that can
 * fail on input they do not control (files, formats) return -1 and leave a
 * sentence in an lg_err the caller passed in.
 */
#ifndef LGAN_ERROR_H
#define LGAN_ERROR_H

typedef struct lg_err {
  char msg[256];
} lg_err;

/* Formats into e->msg (printf-style) and returns -1, for "return
 * lg_fail(e, ...)". */
int lg_fail(lg_err *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
