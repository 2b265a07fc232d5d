/*
 * tap_json.h: JSON for the C unit tests.
 *   P("{...}")   the parsed document (a new reference), NULL and a TAP
 *                comment when the test's own text is not JSON
 */
#ifndef DROVE_TAP_JSON_H
#define DROVE_TAP_JSON_H

#include <stdio.h>
#include <string.h>

#include "json.h"

__attribute__((unused)) static json_t *
P(const char *s)
{
	json_t *j = js_parse(s, strlen(s));

	if (!j)
		printf("# bad json in test: %s\n", s);
	return j;
}

#endif
