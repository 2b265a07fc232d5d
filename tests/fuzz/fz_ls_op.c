/* fz_ls_op: libFuzzer harness for the API's LocalServiceOperation (every type)
 * decoder (lib/spec spec_validate_ls_op), as fz_spec.h runs it. */
#include "fz_spec.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_spec(data, size, spec_validate_ls_op);
}
