#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "json.h"

json_t *
js_parse(const char *data, size_t len)
{
	json_error_t je;
	json_t *j;

	j = json_loadb(data, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!j)
		err_fail(json_error_code(&je) == json_error_out_of_memory ?
		    ENOMEM : EINVAL, "%s at line %d column %d", je.text,
		    je.line, je.column);
	return j;
}

char *
js_dump(const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

	if (!s)
		err_fail(ENOMEM, "out of memory");
	return s;
}

int
js_print_line(FILE *f, const json_t *j)
{
	char *s = js_dump(j);
	int r;

	if (!s)
		return -1;
	r = fprintf(f, "%s\n", s);
	free(s);
	return r < 0 ? -1 : 0;
}

const char *
js_str(const json_t *obj, const char *key, const char *def)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : def;
}

long long
js_int(const json_t *obj, const char *key, long long def)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

int
js_bool(const json_t *obj, const char *key, int def)
{
	json_t *v = json_object_get(obj, key);

	return json_is_boolean(v) ? json_is_true(v) : def;
}

json_t *
js_get(const json_t *obj, const char *dotted)
{
	char key[256];
	const char *p = dotted, *dot;
	json_t *cur = NULL;
	int first = 1;

	while (*p) {
		size_t n;

		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof key)
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		cur = json_object_get(first ? obj : cur, key);
		first = 0;
		if (!cur)
			return NULL;
		p = dot ? dot + 1 : p + n;
	}
	return cur;
}

static int
has_null_member(const json_t *x)
{
	const json_t *v;
	const char *k;
	size_t i;

	if (json_is_object(x)) {
		json_object_foreach((json_t *)(uintptr_t)x, k, v)
			if (json_is_null(v) || has_null_member(v))
				return 1;
	} else if (json_is_array(x)) {
		json_array_foreach(x, i, v)
			if (has_null_member(v))
				return 1;
	}
	return 0;
}

/* Removes null members from x (a private copy) in place. */
static void
drop_nulls_in(json_t *x)
{
	json_t *v;
	const char *k;
	void *tmp;
	size_t i;

	if (json_is_object(x)) {
		json_object_foreach_safe(x, tmp, k, v) {
			if (json_is_null(v))
				json_object_del(x, k);
			else
				drop_nulls_in(v);
		}
	} else if (json_is_array(x)) {
		json_array_foreach(x, i, v)
			drop_nulls_in(v);
	}
}

json_t *
js_drop_nulls(json_t *x)
{
	json_t *copy;

	if (!x || !has_null_member(x))
		return x;
	copy = json_deep_copy(x);
	json_decref(x);
	if (copy)
		drop_nulls_in(copy);
	return copy;
}

long long
js_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
