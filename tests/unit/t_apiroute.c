/* t_apiroute: the route table's shape and the matching of paths. */
#include <string.h>

#include "apiroute.h"
#include "tap.h"

static struct api_match m;

static const char *
route(const char *method, const char *path)
{
	return api_match(method, path, &m) ? m.route->pattern :
	    m.other_method ? "405" : "404";
}

int
main(void)
{
	size_t i;
	int ids_ok = 1;

	for (i = 0; i < AR_COUNT; i++)
		if (api_routes[i].id != (enum api_route_id)i ||
		    !api_routes[i].pattern)
			ids_ok = 0;
	ok(ids_ok, "every id has its route at its index");

	is_str(route("GET", "/apis/v1/ping"), "ping", "ping");
	is_str(route("HEAD", "/apis/v1/ping"), "ping", "HEAD answers as GET");
	is_str(route("POST", "/apis/v1/ping"), "405", "POST ping: 405");
	is_str(route("GET", "/apis/v1/applications/a-1/instances/old"),
	    "applications/*/instances/old", "a literal beats a wildcard");
	is_str(route("GET", "/apis/v1/applications/a-1/instances/AI-1"),
	    "applications/*/instances/*", "an instance");
	is_str(route("GET", "/apis/v1/localservices/validate/spec"), "405",
	    "GET of a POST-only literal path: 405, as JAX-RS");
	is_str(route("GET", "/apis/v1/applications/operations"), "405",
	    "GET applications/operations: 405");
	is_str(route("DELETE", "/apis/v1/tasks/a/instances/t"),
	    "tasks/*/instances/*", "DELETE a task");
	ok(m.route && m.route->id == AR_TASK_DELETE, "its id");
	is_str(route("GET", "/apis/v1/tasks/a/instances/t"),
	    "tasks/*/instances/*", "GET a task");
	ok(m.route && m.route->id == AR_TASK, "its id");
	is_str(route("GET", "/apis/v1/nothing"), "404", "unknown path");
	is_str(route("GET", "/apis/v2/ping"), "404", "another version");
	is_str(route("GET", "/apis/v1/"), "404", "no segment");
	is_str(route("GET", "/apis/v1//applications//"), "applications",
	    "empty segments are skipped");

	is_str(route("GET", "/apis/v1/logfiles/applications/a-1/AI-1/read/"
	    "output.log"), "logfiles/applications/*/*/**", "log read");
	is_str(m.rest, "read/output.log", "the rest as given");
	is_str(route("GET", "/apis/v1/logfiles/tasks/app/t1/read/../x"),
	    "logfiles/tasks/*/*/**", "a traversal reaches the handler");
	is_str(m.rest, "read/../x", "with its dots, for it to refuse");
	is_str(route("GET", "/apis/v1/logfiles/applications/a-1/AI-1"),
	    "404", "a log path without its rest");
	is_int(api_routes[AR_LOGS_APP].access, AC_LOG, "logs need LOG");
	is_int(api_routes[AR_MESSAGES].access, AC_NODE, "messages: NODE");
	is_int(api_routes[AR_INSTANCES_INTERNAL].access, AC_INST,
	    "internal/instances: INST");
	is_int(api_routes[AR_MAINT_SET].access, AC_MAINT, "maintenance: MNT");
	is_int(api_routes[AR_TASK_DELETE].access, AC_READ,
	    "task delete: R, as Drove has it");

	{
		char big[API_PATH_MAX + 16];

		memset(big, 'a', sizeof big - 1);
		memcpy(big, "/apis/v1/", 9);
		big[sizeof big - 1] = '\0';
		is_str(route("GET", big), "404", "an overlong path");
	}
	is_str(route("GET", "/apis/v1/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q"),
	    "404", "too many segments");
	return done_testing();
}
