/* fz_task: libFuzzer harness for the API's TaskSpec decoder
 * (lib/spec spec_validate_task): any bytes parsed as JSON, validated twice (with and
 * without the hardening options), the errors a list of strings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *mounts;
	struct spec_opts plain = SPEC_OPTS_ZERO, hard = SPEC_OPTS_ZERO;
	json_t *x, *errs;
	size_t i;
	int k, r;

	if (!mounts)
		mounts = json_pack("[s]", "/mnt/scratch");
	hard.allowed_mount_dirs = mounts;
	hard.disable_cmdl_args = 1;
	if (!(x = js_parse((const char *)data, size)))
		return 0;
	for (k = 0; k < 2; k++) {
		errs = json_array();
		r = spec_validate_task(x, k ? &hard : &plain, errs);
		if (r < 0 || (r > 0) != (json_array_size(errs) > 0))
			abort();
		for (i = 0; i < json_array_size(errs); i++)
			if (!json_is_string(json_array_get(errs, i)))
				abort();
		json_decref(errs);
	}
	json_decref(x);
	return 0;
}
