/* fz_query: libFuzzer harness for the query argument decoders
 * (lib/apiroute api_count, api_bool; lib/model inst_state_parse): the
 * input split as a query string, a=b&c=d, each value decoded every way. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apiroute.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *arg, *save = NULL, *v;
	enum inst_state st;
	long long n;

	if (!(in = malloc(size + 1)))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	for (arg = strtok_r(in, "&", &save); arg;
	    arg = strtok_r(NULL, "&", &save)) {
		v = strchr(arg, '=');
		v = v ? v + 1 : arg;
		n = -7;
		if (api_count(v, &n) == 0 && n < 0)
			abort();
		if (api_bool(v) != (strlen(v) == 4 &&
		    !strncasecmp(v, "true", 4)))
			abort();
		if (inst_state_parse(v, &st) == 0 &&
		    strcmp(inst_state_name(st), v))
			abort();
	}
	free(in);
	return 0;
}
