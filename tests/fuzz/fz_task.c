/* fz_task: libFuzzer harness for the API's TaskSpec decoder
 * (lib/spec spec_validate_task), as fz_spec.h runs it. */
#include "fz_spec.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_spec(data, size, spec_validate_task);
}
