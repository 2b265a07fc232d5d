/* fz_app: libFuzzer harness for the API's ApplicationSpec decoder
 * (lib/spec spec_validate), as fz_spec.h runs it. */
#include "fz_spec.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_spec(data, size, spec_validate);
}
