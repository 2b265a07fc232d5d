/*
 * buf: a growable byte buffer owned by its caller, always NUL-terminated.
 *
 *   struct buf b = BUF_ZERO;
 *   buf_add(&b, data, n);  buf_addf(&b, "%d", x);
 *   ... b.s, b.len ...
 *   buf_free(&b);           or  char *s = buf_detach(&b);
 *
 * Functions return 0 on success, -1 with errno=ENOMEM on failure; on failure
 * the buffer is unchanged.  buf_free() on a zeroed buffer is a no-op.
 */
#ifndef DROVE_BUF_H
#define DROVE_BUF_H

#include <stddef.h>

struct buf {
	char *s;
	size_t len, cap;
};
#define BUF_ZERO { NULL, 0, 0 }

int buf_grow(struct buf *b, size_t extra);
int buf_add(struct buf *b, const void *data, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
char *buf_detach(struct buf *b);
void buf_free(struct buf *b);

#endif
