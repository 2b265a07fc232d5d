/*
 * json: a thin layer over jansson.  Ownership follows jansson: *_new and
 * json_object_set_new() steal the reference they are given, getters borrow,
 * and the scope that built a root releases it with one json_decref().
 * Functions here that return json_t * return a NEW reference (caller owns)
 * unless they say "borrowed".
 *
 * Output is compact, keys in insertion order; never build JSON with printf.
 */
#ifndef DROVE_JSON_H
#define DROVE_JSON_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/* Parse a whole document from bytes; NULL with errno EINVAL (ENOMEM) and
 * err_text() "<jansson's text> at line L column C" on error. */
json_t *js_parse(const char *data, size_t len);

/* Compact serialisation; malloc'd string or NULL on ENOMEM. */
char *js_dump(const json_t *j);

/* Print one compact document and a newline on f (NDJSON); 0 or -1. */
int js_print_line(FILE *f, const json_t *j);

/* Borrowed getters: the member if present and of that type, else the
 * default.  js_get() walks a dotted path ("server.port"). */
const char *js_str(const json_t *obj, const char *key, const char *def);
long long js_int(const json_t *obj, const char *key, long long def);
int js_bool(const json_t *obj, const char *key, int def);
json_t *js_get(const json_t *obj, const char *dotted);

/*
 * What Drove's JSON mapper writes for x (NON_NULL): members whose value is
 * null are left out, at any depth (null array elements stay).  Takes x
 * and returns it as it is when it has no null member, else a copy
 * without them (x released); NULL on ENOMEM (x released too) or for NULL.
 * x is only read, so records shared with other threads may be passed.
 */
json_t *js_drop_nulls(json_t *x);

/* The current time in epoch milliseconds, as Drove's Date fields are. */
long long js_now_ms(void);

#endif
