/* t_json: js_drop_nulls, Drove's NON_NULL output. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tap.h"

static char *
dropped(const char *in)
{
	json_t *x = js_parse(in, strlen(in));
	char *s;

	x = js_drop_nulls(x);
	s = x ? js_dump(x) : NULL;
	json_decref(x);
	return s;
}

int
main(void)
{
	json_t *shared, *out;
	char *s;

	s = dropped("{\"a\":null,\"b\":1,\"c\":{\"d\":null,\"e\":[null,"
	    "{\"f\":null,\"g\":\"\"}]}}");
	is_str(s, "{\"b\":1,\"c\":{\"e\":[null,{\"g\":\"\"}]}}",
	    "null members go at any depth; null elements and empty "
	    "strings stay");
	free(s);
	s = dropped("[1,null]");
	is_str(s, "[1,null]", "an array's nulls stay");
	free(s);

	shared = json_pack("{s:i,s:{s:s}}", "a", 1, "b", "c", "d");
	json_incref(shared);
	out = js_drop_nulls(shared);
	ok(out == shared, "nothing to drop: the same object comes back");
	json_decref(out);
	shared = json_pack("{s:n,s:i}", "a", "b", 2);
	json_incref(shared);
	out = js_drop_nulls(shared);
	ok(out != shared && json_object_get(shared, "a") != NULL,
	    "with nulls: a copy, the original untouched");
	ok(!json_object_get(out, "a") && json_object_get(out, "b"),
	    "the copy lacks them");
	json_decref(out);
	json_decref(shared);
	ok(js_drop_nulls(NULL) == NULL, "NULL");
	return done_testing();
}
