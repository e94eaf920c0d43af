/*
 * error.c - the core's one way to report a failure.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int lg_fail(lg_err *e, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return -1;
}
