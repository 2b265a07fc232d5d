/* fz_rule: libFuzzer harness for lib/rule (compile as MVEL and HOPE,
 * evaluate against a fixed context, free). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char context[] =
    "{\"executorNodeId\":\"e1\",\"hostname\":\"host1.example.com\","
    "\"tags\":[\"host1.example.com\",\"gpu\",3],"
    "\"allocatedExecutorNodeMetadata\":{\"zone\":\"z1\",\"cores\":\"4\","
    "\"mem\":2.5,\"ssd\":true,\"x\":null,\"a/b\":{\"c\":[1,\"2\"]}},"
    "\"allExecutorMetadata\":{\"e2\":{\"zone\":\"z2\"}},"
    "\"applicationEnvironment\":{\"ENV\":\"prod\"}}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *ctx;
	static const char *const types[] = { "MVEL", "HOPE" };
	struct rule *r;
	char *text;
	size_t i;

	if (!ctx && !(ctx = js_parse(context, strlen(context))))
		abort();
	if (!(text = malloc(size + 1)))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (i = 0; i < 2; i++) {
		err_set("%s", "");
		if (!(r = rule_compile(types[i], text))) {
			if (!err_text()[0])
				abort();
			continue;
		}
		if (rule_eval(r, ctx) != (rule_check(r, ctx) == 1))
			abort();
		rule_free(r);
	}
	free(text);
	return 0;
}
