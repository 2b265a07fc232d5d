/* fz_route: libFuzzer harness for the request router (lib/apiroute
 * api_match): input "METHOD PATH", any bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apiroute.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct api_match m;
	char *in, *path;
	int i;

	if (!(in = malloc(size + 1)))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	path = strchr(in, ' ');
	if (path)
		*path++ = '\0';
	else
		path = in;
	if (api_match(in, path, &m)) {
		if (!m.route || m.route != &api_routes[m.route->id] ||
		    m.nseg < 1 || m.nseg > API_MAX_SEGS)
			abort();
		for (i = 0; i < m.nseg; i++)
			if (!*m.seg[i] || strchr(m.seg[i], '/'))
				abort();
		if (m.rest && (m.rest < path || m.rest > path + strlen(path)))
			abort();
	} else if (m.route) {
		abort();
	}
	free(in);
	return 0;
}
