/* t_spec: ApplicationSpec and ApplicationOperation validation (lib/spec). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "tap.h"

/* drove.md §1.3, the complete example. */
static const char example[] =
	"{\n"
	"  \"name\": \"payments-api\",\n"
	"  \"version\": \"42\",\n"
	"  \"type\": \"SERVICE\",\n"
	"  \"executable\": { \"type\": \"DOCKER\", \"url\": \"ghcr.io/example/payments-api:1.4.2\", \"dockerPullTimeout\": \"100 seconds\" },\n"
	"  \"exposedPorts\": [\n"
	"    { \"name\": \"main\",  \"port\": 8080, \"type\": \"HTTP\" },\n"
	"    { \"name\": \"admin\", \"port\": 8081, \"type\": \"HTTP\" }\n"
	"  ],\n"
	"  \"volumes\": [ { \"pathInContainer\": \"/scratch\", \"pathOnHost\": \"/mnt/scratch/payments\", \"mode\": \"READ_WRITE\" } ],\n"
	"  \"configs\": [\n"
	"    { \"type\": \"INLINE\", \"localFilename\": \"/etc/app/app.yml\", \"data\": \"cG9ydDogODA4MApsb2dMZXZlbDogREVCVUcK\" },\n"
	"    { \"type\": \"EXECUTOR_LOCAL_FILE\", \"localFilename\": \"/etc/app/host.yml\", \"filePathOnHost\": \"/etc/drove/configs/payments.yml\" },\n"
	"    { \"type\": \"CONTROLLER_HTTP_FETCH\", \"localFilename\": \"/etc/app/remote.yml\",\n"
	"      \"http\": { \"protocol\": \"HTTPS\", \"hostname\": \"config.internal\", \"port\": 443, \"path\": \"/configs/payments?env=prod\",\n"
	"                \"verb\": \"GET\", \"successCodes\": [200], \"connectionTimeout\": \"1 second\", \"operationTimeout\": \"3 seconds\",\n"
	"                \"username\": \"appuser\", \"password\": \"secret\", \"headers\": { \"X-Env\": \"prod\" }, \"insecure\": false } },\n"
	"    { \"type\": \"EXECUTOR_HTTP_FETCH\", \"localFilename\": \"/etc/app/flags.json\",\n"
	"      \"http\": { \"protocol\": \"HTTP\", \"hostname\": \"flags.internal\", \"port\": 8080, \"path\": \"/flags/payments\",\n"
	"                \"verb\": \"POST\", \"payload\": \"{\\\"app\\\":\\\"payments\\\"}\", \"authHeader\": \"Bearer abc\" } }\n"
	"  ],\n"
	"  \"logging\": { \"type\": \"LOCAL\", \"maxSize\": \"100m\", \"maxFiles\": 3, \"compress\": true },\n"
	"  \"resources\": [ { \"type\": \"CPU\", \"count\": 2 }, { \"type\": \"MEMORY\", \"sizeInMB\": 2048 } ],\n"
	"  \"placementPolicy\": {\n"
	"    \"type\": \"COMPOSITE\", \"combiner\": \"AND\",\n"
	"    \"policies\": [ { \"type\": \"MAX_N_PER_HOST\", \"max\": 2 }, { \"type\": \"MATCH_TAG\", \"tag\": \"payments-pool\" } ]\n"
	"  },\n"
	"  \"healthcheck\": {\n"
	"    \"mode\": { \"type\": \"HTTP\", \"protocol\": \"HTTP\", \"portName\": \"admin\", \"path\": \"/healthcheck\", \"verb\": \"GET\",\n"
	"              \"successCodes\": [200], \"payload\": \"\", \"connectionTimeout\": \"1 second\", \"insecure\": false },\n"
	"    \"timeout\": \"1 second\", \"interval\": \"5 seconds\", \"attempts\": 3, \"initialDelay\": \"0 seconds\"\n"
	"  },\n"
	"  \"readiness\": {\n"
	"    \"mode\": { \"type\": \"CMD\", \"command\": \"test -f /tmp/ready\", \"shellDisabled\": false },\n"
	"    \"timeout\": \"2 seconds\", \"interval\": \"3 seconds\", \"attempts\": 10, \"initialDelay\": \"5 seconds\"\n"
	"  },\n"
	"  \"tags\": { \"team\": \"payments\", \"tier\": \"critical\" },\n"
	"  \"env\": { \"JAVA_OPTS\": \"-Xmx1g\", \"ZONE\": \"\" },\n"
	"  \"args\": [ \"./entrypoint.sh\", \"--server\" ],\n"
	"  \"devices\": [ { \"type\": \"DIRECT\", \"pathOnHost\": \"/dev/fuse\", \"pathInContainer\": \"/dev/fuse\", \"permissions\": \"READ_WRITE\" } ],\n"
	"  \"exposureSpec\": { \"vhost\": \"payments.internal.example.com\", \"portName\": \"main\", \"mode\": \"ALL\" },\n"
	"  \"preShutdown\": {\n"
	"    \"hooks\": [\n"
	"      { \"type\": \"HTTP\", \"protocol\": \"HTTP\", \"portName\": \"admin\", \"path\": \"/tasks/oor\", \"verb\": \"POST\",\n"
	"        \"successCodes\": [200, 204], \"payload\": \"\", \"connectionTimeout\": \"1 second\" },\n"
	"      { \"type\": \"CMD\", \"command\": \"/app/drain.sh\" }\n"
	"    ],\n"
	"    \"waitBeforeKill\": \"10 seconds\"\n"
	"  },\n"
	"  \"userSpec\": { \"user\": \"1000\", \"group\": \"1000\" }\n"
	"}\n";

static struct spec_opts opts = { NULL, 0, 1 };	/* example has devices */

static json_t *
J(const char *s)
{
	json_t *j = js_parse(s, strlen(s));

	if (!j)
		abort();
	return j;
}

static json_t *
ex(void)
{
	return J(example);
}

/*
 * Set (val != NULL) or delete the member at a dotted path in which
 * numeric components index arrays: mod(s, "exposedPorts.1.port", v).
 */
static json_t *
mod(json_t *root, const char *path, json_t *val)
{
	char buf[256], *p, *dot;
	json_t *cur = root;

	snprintf(buf, sizeof buf, "%s", path);
	p = buf;
	while ((dot = strchr(p, '.'))) {
		*dot = '\0';
		cur = json_is_array(cur) ? json_array_get(cur, strtoul(p,
		    NULL, 10)) : json_object_get(cur, p);
		p = dot + 1;
	}
	if (json_is_array(cur)) {
		if (val)
			json_array_set_new(cur, strtoul(p, NULL, 10), val);
		else
			json_array_remove(cur, strtoul(p, NULL, 10));
	} else if (val)
		json_object_set_new(cur, p, val);
	else
		json_object_del(cur, p);
	return root;
}

static int
has(const json_t *errs, const char *want)
{
	json_t *e;
	size_t i;

	json_array_foreach(errs, i, e)
		if (strstr(json_string_value(e), want))
			return 1;
	return 0;
}

static void
show(const json_t *errs)
{
	char *s = js_dump(errs);

	printf("#   errors: %s\n", s ? s : "?");
	free(s);
}

/* Validate spec (consumed); expect exactly one error containing want. */
static void
expect1(json_t *spec, const char *want, const char *desc)
{
	json_t *errs = json_array();
	int n = spec_validate(spec, &opts, errs);

	if (!ok(n == 1 && json_array_size(errs) == 1 && has(errs, want),
	    "%s: '%s'", desc, want))
		show(errs);
	json_decref(errs);
	json_decref(spec);
}

/* Validate spec (consumed); expect at least an error containing each. */
static void
expect(json_t *spec, const char *w1, const char *w2, const char *desc)
{
	json_t *errs = json_array();
	int n = spec_validate(spec, &opts, errs);

	if (!ok(n > 0 && has(errs, w1) && (!w2 || has(errs, w2)), "%s",
	    desc))
		show(errs);
	json_decref(errs);
	json_decref(spec);
}

/* The number of errors in spec; consumes spec unless keep. */
static int
nerrs_keep(json_t *spec, int keep)
{
	json_t *errs = json_array();
	int n = spec_validate(spec, &opts, errs);

	if (n)
		show(errs);
	json_decref(errs);
	if (!keep)
		json_decref(spec);
	return n;
}

static int
nerrs(json_t *spec)
{
	return nerrs_keep(spec, 0);
}

static void
t_valid(void)
{
	json_t *s = ex(), *orig = ex(), *errs = json_array(), *dirs;
	struct spec_opts o = { NULL, 0, 0 };

	is_int(spec_validate(s, &opts, errs), 0,
	    "the complete example (drove.md 1.3) is valid");
	ok(json_equal(s, orig), "validation changes nothing in a valid spec");
	json_decref(errs);

	errs = json_array();
	is_int(spec_validate(s, &o, errs), 1,
	    "devices need enableRawDeviceAccess");
	ok(has(errs, "Raw device access is disabled"), "device message");
	json_decref(errs);

	o.enable_raw_device_access = 1;
	o.disable_cmdl_args = 1;
	errs = json_array();
	is_int(spec_validate(s, &o, errs), 1, "args need !disableCmdlArgs");
	ok(has(errs, "command line arguments is disabled"), "args message");
	json_decref(errs);

	o.disable_cmdl_args = 0;
	o.allowed_mount_dirs = dirs = J("[\"/data\", \"/mnt/scratch\"]");
	errs = json_array();
	is_int(spec_validate(s, &o, errs), 0,
	    "pathOnHost under an allowed mount dir");
	json_decref(errs);
	json_decref(dirs);
	o.allowed_mount_dirs = dirs = J("[\"/data\"]");
	errs = json_array();
	is_int(spec_validate(s, &o, errs), 1,
	    "pathOnHost outside the allowed mount dirs");
	ok(has(errs, "/mnt/scratch/payments is not under"), "mount message");
	json_decref(errs);
	json_decref(dirs);
	o.allowed_mount_dirs = dirs = J("[]");
	errs = json_array();
	is_int(spec_validate(s, &o, errs), 0, "empty allowedMountDirs: any");
	json_decref(errs);
	json_decref(dirs);
	json_decref(s);
	json_decref(orig);

	s = J("{\"name\":\"a\",\"version\":\"1\",\"type\":\"SERVICE\","
	    "\"executable\":{\"url\":\"x\",\"dockerPullTimeout\":\"1m\"},"
	    "\"exposedPorts\":[{\"name\":\"main\",\"port\":80,"
	    "\"type\":\"HTTP\"}],"
	    "\"resources\":[{\"type\":\"CPU\",\"count\":1},"
	    "{\"type\":\"MEMORY\",\"sizeInMB\":1}],"
	    "\"healthcheck\":{\"mode\":{\"type\":\"CMD\",\"command\":\"t\"},"
	    "\"timeout\":\"1s\",\"interval\":\"1s\",\"attempts\":1},"
	    "\"readiness\":{\"mode\":{\"type\":\"CMD\",\"command\":\"t\"},"
	    "\"timeout\":\"1s\",\"interval\":\"1s\",\"attempts\":100}}");
	is_int(nerrs(s), 0, "a minimal spec is valid (optional parts absent)");

	is_int(nerrs(mod(ex(), "executable.type", NULL)), 0,
	    "executable.type may be absent (DOCKER is the default)");
	is_int(nerrs(mod(ex(), "readiness.initialDelay", NULL)), 0,
	    "initialDelay is optional");
}

static void
t_top(void)
{
	json_t *errs = json_array(), *s = J("{}");

	spec_validate(s, &opts, errs);
	ok(has(errs, "- Application name is mandatory") &&
	    has(errs, "- Application version is mandatory") &&
	    has(errs, "- type must not be null") &&
	    has(errs, "- executable must not be null") &&
	    has(errs, "- exposedPorts must not be empty") &&
	    has(errs, "Cpu requirements are mandatory") &&
	    has(errs, "Memory requirements are mandatory") &&
	    has(errs, "- healthcheck must not be null") &&
	    has(errs, "- readiness must not be null"),
	    "an empty spec reports every missing required field");
	json_decref(errs);
	json_decref(s);
	errs = json_array();
	ok(spec_validate(NULL, &opts, errs) == 1 &&
	    has(errs, "- Application spec is mandatory"), "no spec at all");
	json_decref(errs);

	expect1(mod(ex(), "name", NULL), "- Application name is mandatory",
	    "name absent");
	expect1(mod(ex(), "name", json_string("")),
	    "- Application name is mandatory", "name empty");
	expect1(mod(ex(), "name", json_string("a b")),
	    "- Application name must match", "name pattern");
	expect1(mod(ex(), "version", NULL),
	    "- Application version is mandatory", "version absent");
	expect1(mod(ex(), "version", json_string("1.0")),
	    "- Application version must match", "version pattern");
	expect1(mod(ex(), "type", NULL), "- type must not be null",
	    "type absent");
	expect1(mod(ex(), "type", json_string("DAEMON")),
	    "- type has invalid value 'DAEMON'", "type invalid");
	expect1(mod(ex(), "executable", NULL),
	    "- executable must not be null", "executable absent");
	expect1(mod(ex(), "executable.url", json_string("")),
	    "- executable.url must not be empty", "url empty");
	expect1(mod(ex(), "executable.dockerPullTimeout", NULL),
	    "- executable.dockerPullTimeout must not be null",
	    "pull timeout absent");
	expect1(mod(ex(), "executable.dockerPullTimeout",
	    json_string("soon")),
	    "- executable.dockerPullTimeout is not a valid duration",
	    "pull timeout invalid");
	expect1(mod(ex(), "executable.type", json_string("RKT")),
	    "- executable.type has invalid value 'RKT'", "executable type");
}

static void
t_ports(void)
{
	expect(mod(mod(mod(mod(ex(), "exposureSpec", NULL), "healthcheck",
	    NULL), "preShutdown", NULL), "exposedPorts", json_array()),
	    "- exposedPorts must not be empty", NULL, "no ports");
	expect1(mod(ex(), "exposedPorts.1.port", json_integer(0)),
	    "- exposedPorts[1].port must be between 1 and 65535", "port 0");
	expect1(mod(ex(), "exposedPorts.1.port", json_integer(65536)),
	    "- exposedPorts[1].port must be between 1 and 65535",
	    "port 65536");
	expect1(mod(ex(), "exposedPorts.1.port", json_string("80")),
	    "- exposedPorts[1].port must be an integer", "port a string");
	expect1(mod(ex(), "exposedPorts.0.type", json_string("FTP")),
	    "- exposedPorts[0].type has invalid value 'FTP'", "port type");
	expect1(mod(ex(), "exposedPorts.0.type", NULL),
	    "- exposedPorts[0].type must not be null", "port type absent");
	expect(mod(ex(), "exposedPorts.0.name", json_string("m a")),
	    "- exposedPorts[0].name must match", NULL, "port name pattern");
	expect(mod(ex(), "exposedPorts.1.name", json_string("main")),
	    "Duplicate port name main in exposedPorts", NULL,
	    "duplicate port name");
	expect(mod(ex(), "exposedPorts.1.name", json_string("adm")),
	    "Port admin used in healthcheck not found in exposedPorts",
	    "Port admin used in preShutdown not found in exposedPorts",
	    "check and hook ports must exist in exposedPorts");
	expect1(mod(ex(), "exposureSpec.portName", json_string("web")),
	    "Port web used in exposureSpec not found in exposedPorts",
	    "exposure port must exist");
	expect1(mod(ex(), "exposureSpec.vhost", NULL),
	    "- exposureSpec.vhost must not be empty", "vhost absent");
}

static void
t_resources(void)
{
	expect1(mod(ex(), "resources.0", NULL),
	    "Cpu requirements are mandatory", "no CPU");
	expect1(mod(ex(), "resources.1", NULL),
	    "Memory requirements are mandatory", "no MEMORY");
	expect1(mod(ex(), "resources.0.count", json_integer(0)),
	    "- resources[0].count must be greater than or equal to 1",
	    "cpu count 0");
	expect1(mod(ex(), "resources.1.sizeInMB", json_integer(0)),
	    "- resources[1].sizeInMB must be greater than or equal to 1",
	    "memory 0");
	expect(mod(ex(), "resources.1.type", json_string("GPU")),
	    "- resources[1].type has invalid value 'GPU'",
	    "Memory requirements are mandatory", "resource type");
	expect(mod(ex(), "resources", json_array()),
	    "- resources must not be empty", "Cpu requirements are mandatory",
	    "empty resources");
}

static void
t_checks(void)
{
	expect1(mod(ex(), "healthcheck", NULL),
	    "- healthcheck must not be null", "healthcheck absent");
	expect1(mod(ex(), "readiness", NULL), "- readiness must not be null",
	    "readiness absent");
	expect1(mod(ex(), "healthcheck.mode", NULL),
	    "- healthcheck.mode must not be null", "mode absent");
	expect1(mod(ex(), "healthcheck.mode.portName", json_string("nope")),
	    "Port nope used in healthcheck not found in exposedPorts",
	    "check port unknown");
	expect1(mod(ex(), "healthcheck.mode.portName", NULL),
	    "- healthcheck.mode.portName must not be empty",
	    "check port absent");
	expect1(mod(ex(), "healthcheck.mode.protocol", NULL),
	    "- healthcheck.mode.protocol must not be null", "protocol absent");
	expect1(mod(ex(), "healthcheck.mode.path", NULL),
	    "- healthcheck.mode.path must not be empty", "path absent");
	expect1(mod(ex(), "healthcheck.mode.verb", NULL),
	    "- healthcheck.mode.verb must not be null", "verb absent");
	expect1(mod(ex(), "healthcheck.mode.successCodes", json_array()),
	    "- healthcheck.mode.successCodes must not be empty",
	    "successCodes empty");
	expect1(mod(ex(), "readiness.mode.command", NULL),
	    "- readiness.mode.command must not be empty", "command absent");
	expect1(mod(ex(), "readiness.mode.type", json_string("TCP")),
	    "- readiness.mode.type has invalid value 'TCP'", "mode type");
	expect1(mod(ex(), "healthcheck.timeout", NULL),
	    "- healthcheck.timeout must not be null", "timeout absent");
	expect1(mod(ex(), "healthcheck.interval", json_string("5 fortnights")),
	    "- healthcheck.interval is not a valid duration",
	    "interval invalid");
	expect1(mod(ex(), "healthcheck.attempts", json_integer(0)),
	    "- healthcheck.attempts must be between 1 and 100", "attempts 0");
	expect1(mod(ex(), "readiness.attempts", json_integer(101)),
	    "- readiness.attempts must be between 1 and 100", "attempts 101");
	expect1(mod(ex(), "readiness.attempts", NULL),
	    "- readiness.attempts must not be null", "attempts absent");
	expect1(mod(ex(), "readiness.initialDelay", json_string("x")),
	    "- readiness.initialDelay is not a valid duration",
	    "initialDelay invalid");
}

static void
t_placement(void)
{
	expect1(mod(ex(), "placementPolicy", J("{\"type\":\"LOCAL\"}")),
	    "Local service placement is not allowed for apps", "LOCAL");
	expect1(mod(ex(), "placementPolicy.policies.0.max", json_integer(65)),
	    "- placementPolicy.policies[0].max must be between 1 and 64",
	    "max 65");
	expect1(mod(ex(), "placementPolicy.policies.0.max", json_integer(0)),
	    "- placementPolicy.policies[0].max must be between 1 and 64",
	    "max 0");
	expect1(mod(ex(), "placementPolicy.policies.1.tag", json_string("")),
	    "- placementPolicy.policies[1].tag must not be empty", "tag");
	expect1(mod(ex(), "placementPolicy.policies", json_array()),
	    "- placementPolicy.policies must not be empty", "no policies");
	expect1(mod(ex(), "placementPolicy.combiner", json_string("XOR")),
	    "- placementPolicy.combiner has invalid value 'XOR'", "combiner");
	expect1(mod(ex(), "placementPolicy.policies.1",
	    J("{\"type\":\"RULE_BASED\",\"ruleType\":\"LUA\",\"rule\":\"x\"}")),
	    "- placementPolicy.policies[1].ruleType has invalid value 'LUA'",
	    "ruleType");
	expect1(mod(ex(), "placementPolicy.policies.1",
	    J("{\"type\":\"RULE_BASED\",\"ruleType\":\"HOPE\"}")),
	    "- placementPolicy.policies[1].rule must not be empty", "rule");
	expect1(mod(ex(), "placementPolicy",
	    J("{\"type\":\"RULE_BASED\",\"ruleType\":\"MVEL\","
	    "\"rule\":\"Runtime.getRuntime().exec('x')\"}")),
	    "- placementPolicy rule does not parse: column 1: 'Runtime' is "
	    "not a context key; method calls and classes are not allowed",
	    "MVEL code refused");
	expect1(mod(ex(), "placementPolicy.policies.1",
	    J("{\"type\":\"RULE_BASED\",\"ruleType\":\"hope\","
	    "\"rule\":\"\\\"/allocatedExecutorNodeMetadata/zone\\\" =\"}")),
	    "- placementPolicy rule does not parse: column 39: assignment "
	    "is not allowed", "HOPE rule nested in COMPOSITE");
	expect1(mod(ex(), "placementPolicy.policies.1",
	    J("{\"type\":\"COMPOSITE\",\"policies\":[{\"type\":"
	    "\"RULE_BASED\",\"ruleType\":\"MVEL\",\"rule\":\"zone == 1\"}]}")),
	    "- placementPolicy rule does not parse: column 1: unknown "
	    "identifier 'zone'", "rule two COMPOSITEs deep");
	is_int(nerrs(mod(ex(), "placementPolicy",
	    J("{\"type\":\"RULE_BASED\",\"ruleType\":\"MVEL\","
	    "\"rule\":\"allocatedExecutorNodeMetadata['zone'] == 'z1'\"}"))),
	    0, "drove.md's MVEL sample");
	is_int(nerrs(mod(ex(), "placementPolicy.policies.1",
	    J("{\"type\":\"RULE_BASED\",\"ruleType\":\"HOPE\","
	    "\"rule\":\"\\\"/allocatedExecutorNodeMetadata/zone\\\" == "
	    "\\\"z1\\\"\"}"))), 0, "HOPE sample in COMPOSITE");
	expect1(mod(ex(), "placementPolicy.policies.1",
	    J("{\"type\":\"COMPOSITE\",\"policies\":[{\"type\":\"LOCAL\"}]}")),
	    "Local service placement is not allowed for apps",
	    "LOCAL nested in COMPOSITE");
	expect1(mod(ex(), "placementPolicy", J("{\"type\":\"BEST\"}")),
	    "- placementPolicy.type has invalid value 'BEST'", "type");
	is_int(nerrs(mod(ex(), "placementPolicy", J("{\"type\":\"ANY\"}"))),
	    0, "ANY");
	is_int(nerrs(mod(ex(), "placementPolicy",
	    J("{\"type\":\"ONE_PER_HOST\"}"))), 0, "ONE_PER_HOST");
	is_int(nerrs(mod(ex(), "placementPolicy", J("{\"type\":\"NO_TAG\"}"))),
	    0, "NO_TAG");
	is_int(nerrs(mod(ex(), "placementPolicy", NULL)), 0,
	    "placementPolicy is optional");
}

static void
t_misc(void)
{
	char big[2100];
	json_t *args;

	expect1(mod(ex(), "logging.maxFiles", json_integer(0)),
	    "- logging.maxFiles must be between 1 and 100", "maxFiles 0");
	expect1(mod(ex(), "logging.maxFiles", json_integer(101)),
	    "- logging.maxFiles must be between 1 and 100", "maxFiles 101");
	expect1(mod(ex(), "logging.maxSize", NULL),
	    "- logging.maxSize must not be empty", "maxSize absent");
	expect1(mod(ex(), "logging", J("{\"type\":\"RSYSLOG\"}")),
	    "- logging.server must not be empty", "rsyslog server");
	is_int(nerrs(mod(ex(), "logging", J("{\"type\":\"RSYSLOG\","
	    "\"server\":\"tcp://h:514\"}"))), 0, "rsyslog");
	expect1(mod(ex(), "logging", J("{\"type\":\"FILE\"}")),
	    "- logging.type has invalid value 'FILE'", "logging type");
	expect1(mod(ex(), "volumes.0.mode", NULL),
	    "- volumes[0].mode must not be null", "volume mode absent");
	expect1(mod(ex(), "volumes.0.pathInContainer", NULL),
	    "- volumes[0].pathInContainer must not be empty",
	    "volume pathInContainer");
	expect1(mod(ex(), "configs.0.data", NULL),
	    "- configs[0].data must not be empty", "inline data absent");
	expect1(mod(ex(), "configs.0.data", json_string("not base64!")),
	    "- configs[0].data must be base64 encoded", "inline data base64");
	expect1(mod(ex(), "configs.1.localFilename", NULL),
	    "- configs[1].localFilename must not be empty", "localFilename");
	expect1(mod(ex(), "configs.2.http", NULL),
	    "- configs[2].http must not be null", "http fetch spec absent");
	expect1(mod(ex(), "configs.3.http.hostname", NULL),
	    "- configs[3].http.hostname must not be empty", "http hostname");
	expect1(mod(ex(), "configs.0.type", json_string("S3")),
	    "- configs[0].type has invalid value 'S3'", "config type");
	expect1(mod(ex(), "env.ZONE", json_integer(1)),
	    "- env.ZONE must be a string", "env values are strings");
	expect1(mod(ex(), "tags", json_string("x")),
	    "- tags must be an object of strings", "tags is a map");
	expect1(mod(ex(), "userSpec.user", NULL),
	    "- userSpec.user must not be empty", "userSpec.user");
	expect1(mod(ex(), "devices.0.pathOnHost", NULL),
	    "- devices[0].pathOnHost must not be empty", "device path");
	expect1(mod(ex(), "preShutdown.waitBeforeKill", json_string("x")),
	    "- preShutdown.waitBeforeKill is not a valid duration",
	    "waitBeforeKill");

	memset(big, 'a', 2048);
	big[2048] = '\0';
	args = json_pack("[s]", big);
	is_int(nerrs(mod(ex(), "args", args)), 0, "args of 2048 chars");
	args = json_pack("[s, s]", big, "b");
	expect1(mod(ex(), "args", args),
	    "Command line arguments must not exceed 2048", "args too long");
	expect1(mod(ex(), "args", J("[1]")), "- args[0] must be a string",
	    "args are strings");
}

static void
lower_all(json_t *j, const char *const *keys)
{
	const char *k;
	json_t *v;
	size_t i;
	int n;

	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			lower_all(v, keys);
		return;
	}
	json_object_foreach(j, k, v) {
		if (json_is_string(v))
			for (n = 0; keys[n]; n++)
				if (!strcmp(k, keys[n])) {
					char s[64];
					size_t c;

					snprintf(s, sizeof s, "%s",
					    json_string_value(v));
					for (c = 0; s[c]; c++)
						s[c] = (char)tolower(
						    (unsigned char)s[c]);
					json_string_set(v, s);
				}
		lower_all(v, keys);
	}
}

static void
t_case(void)
{
	static const char *const enums[] = {
		"type", "mode", "protocol", "verb", "combiner",
		"permissions", "ruleType", NULL
	};
	json_t *s = ex(), *orig = ex(), *errs = json_array();
	char *d;

	lower_all(s, enums);
	d = js_dump(s);
	ok(d && strstr(d, "\"type\":\"composite\"") &&
	    strstr(d, "\"mode\":\"read_write\""), "enums lower-cased");
	free(d);
	is_int(spec_validate(s, &opts, errs), 0,
	    "enum values are accepted case-insensitively");
	ok(json_equal(s, orig), "and normalised to upper case in place");
	json_decref(errs);
	json_decref(s);
	json_decref(orig);

	s = mod(ex(), "type", json_string("Service"));
	is_int(nerrs_keep(s, 1), 0, "mixed case type accepted");
	is_str(js_str(s, "type", ""), "SERVICE", "type normalised");
	json_decref(s);
}

static int
op_errs(const char *op, const char *want, int count)
{
	json_t *j = J(op), *errs = json_array();
	int n = spec_validate_op(j, &opts, errs), r;

	r = n == count && (!want || has(errs, want));
	if (!r)
		show(errs);
	json_decref(errs);
	json_decref(j);
	return r;
}

static void
t_ops(void)
{
	json_t *op, *errs = json_array();
	char *s;

	op = json_pack("{s:s, s:o, s:i, s:{s:s, s:i, s:s}}", "type", "create",
	    "spec", ex(), "instances", 3, "opSpec", "timeout", "5m",
	    "parallelism", 2, "failureStrategy", "rollback");
	is_int(spec_validate_op(op, &opts, errs), 0, "CREATE is valid");
	s = js_dump(op);
	ok(s && strstr(s, "\"type\":\"CREATE\"") &&
	    strstr(s, "\"failureStrategy\":\"ROLLBACK\""),
	    "op type and failureStrategy normalised");
	free(s);
	json_decref(op);
	json_decref(errs);

	ok(op_errs("{\"type\":\"CREATE\"}", "- Application spec is mandatory",
	    1), "CREATE without spec");
	op = json_pack("{s:s, s:o, s:i}", "type", "CREATE", "spec", ex(),
	    "instances", 2049);
	errs = json_array();
	ok(spec_validate_op(op, &opts, errs) == 1 &&
	    has(errs, "- instances must be between 0 and 2048"),
	    "CREATE instances 2049");
	json_decref(errs);
	json_decref(op);
	op = json_pack("{s:s, s:o}", "type", "CREATE", "spec",
	    mod(ex(), "name", NULL));
	errs = json_array();
	ok(spec_validate_op(op, &opts, errs) == 1 &&
	    has(errs, "- Application name is mandatory"),
	    "CREATE reports spec errors; instances defaults to 0");
	json_decref(errs);
	json_decref(op);

	ok(op_errs("{\"type\":\"SCALE\",\"appId\":\"a-1\","
	    "\"requiredInstances\":5}", NULL, 0), "SCALE is valid");
	ok(op_errs("{\"type\":\"SCALE\",\"requiredInstances\":5}",
	    "- appId must not be empty", 1), "SCALE without appId");
	ok(op_errs("{\"type\":\"SCALE\",\"appId\":\"a-1\"}",
	    "- requiredInstances must not be null", 1),
	    "SCALE without requiredInstances");
	ok(op_errs("{\"type\":\"SCALE\",\"appId\":\"a\","
	    "\"requiredInstances\":-1}",
	    "- requiredInstances must be between 0 and 2048", 1),
	    "SCALE -1");
	ok(op_errs("{\"type\":\"SCALE\",\"appId\":\"a\","
	    "\"requiredInstances\":2049}",
	    "- requiredInstances must be between 0 and 2048", 1),
	    "SCALE 2049");
	ok(op_errs("{\"type\":\"SCALE\",\"appId\":\"a\","
	    "\"requiredInstances\":1,\"opSpec\":{\"timeout\":\"x\","
	    "\"parallelism\":0,\"failureStrategy\":\"RETRY\"}}",
	    "- opSpec.parallelism must be between 1 and 512", 3),
	    "bad opSpec: three errors");
	ok(op_errs("{\"type\":\"SCALE\",\"appId\":\"a\","
	    "\"requiredInstances\":1,\"opSpec\":{\"timeout\":\"1m\","
	    "\"parallelism\":513,\"failureStrategy\":\"STOP\"}}",
	    "- opSpec.parallelism must be between 1 and 512", 1),
	    "parallelism 513");
	ok(op_errs("{\"type\":\"BOUNCE\",\"appId\":\"a\"}",
	    "- type has invalid value 'BOUNCE'", 1), "unknown op type");
	ok(op_errs("{\"appId\":\"a\"}", "- type must not be null", 1),
	    "op without type");
	ok(op_errs("[]", "- Operation must be a JSON object", 1),
	    "op not an object");
	ok(op_errs("{\"type\":\"START_INSTANCES\",\"appId\":\"a\","
	    "\"instances\":1025}", "- instances must be between 0 and 1024",
	    1), "START_INSTANCES 1025");
	ok(op_errs("{\"type\":\"STOP_INSTANCES\",\"appId\":\"a\"}",
	    "- instanceIds must not be empty", 1), "STOP_INSTANCES ids");
	ok(op_errs("{\"type\":\"suspend\",\"appId\":\"a\"}", NULL, 0),
	    "SUSPEND");
	ok(op_errs("{\"type\":\"DESTROY\"}", "- appId must not be empty", 1),
	    "DESTROY without appId");
	ok(op_errs("{\"type\":\"RECOVER\",\"appId\":\"a\"}", NULL, 0),
	    "RECOVER");

	errs = json_array();
	op = J("{\"timeout\":\"5m\",\"parallelism\":1,"
	    "\"failureStrategy\":\"stop\"}");
	is_int(spec_validate_opspec(op, errs), 0, "opSpec alone");
	is_str(js_str(op, "failureStrategy", ""), "STOP",
	    "opSpec normalised");
	json_decref(op);
	json_decref(errs);
}

static void
t_mask(void)
{
	json_t *s = ex(), *m = spec_masked(s);

	is_str(js_get(m, "name") ? js_str(m, "name", "") : "", "payments-api",
	    "masked copy keeps the spec");
	is_str(js_str(json_array_get(json_object_get(m, "configs"), 0),
	    "data", "?"), "", "INLINE data masked");
	is_str(js_str(js_get(json_array_get(json_object_get(m, "configs"),
	    2), "http"), "password", "?"), "***", "HTTP password masked");
	is_str(js_str(json_array_get(json_object_get(s, "configs"), 0),
	    "data", "?"), "cG9ydDogODA4MApsb2dMZXZlbDogREVCVUcK",
	    "original untouched");
	json_decref(m);
	json_decref(s);
}

/* drove.md §2.1, the example. */
static const char task_example[] =
	"{\"sourceAppName\":\"TEST_APP\",\"taskId\":\"T0012\","
	"\"executable\":{\"type\":\"DOCKER\","
	"\"url\":\"ghcr.io/appform-io/test-task\","
	"\"dockerPullTimeout\":\"100 seconds\"},"
	"\"resources\":[{\"type\":\"CPU\",\"count\":1},"
	"{\"type\":\"MEMORY\",\"sizeInMB\":128}],"
	"\"placementPolicy\":{\"type\":\"ANY\"},"
	"\"env\":{\"ITERATIONS\":\"10\"},\"args\":[],\"tags\":{},"
	"\"logging\":{\"type\":\"LOCAL\",\"maxSize\":\"100m\",\"maxFiles\":3,"
	"\"compress\":true}}";

/*
 * Validate spec (consumed) with validate and o; true if it has exactly n
 * errors and, if want is set, one of them contains want.
 */
static int
errs_of(int (*validate)(json_t *, const struct spec_opts *, json_t *),
    json_t *spec, const struct spec_opts *o, const char *want, int n)
{
	json_t *errs = json_array();
	int got = validate(spec, o, errs), r;

	r = got == n && (int)json_array_size(errs) == n &&
	    (!want || has(errs, want));
	if (!r)
		show(errs);
	json_decref(errs);
	json_decref(spec);
	return r;
}

#define task_errs(spec, o, want, n) \
	errs_of(spec_validate_task, (spec), (o), (want), (n))
#define ls_errs(spec, o, want, n) \
	errs_of(spec_validate_local_service, (spec), (o), (want), (n))

static json_t *
tex(void)
{
	return J(task_example);
}

static void
t_task(void)
{
	struct spec_opts o = { NULL, 0, 0 };
	json_t *s, *orig, *errs, *dirs;

	s = tex();
	orig = tex();
	errs = json_array();
	is_int(spec_validate_task(s, &o, errs), 0,
	    "task: the example of drove.md 2.1 is valid");
	ok(json_equal(s, orig), "task: validation changes nothing in it");
	json_decref(errs);
	json_decref(s);
	json_decref(orig);

	errs = json_array();
	s = J("{}");
	spec_validate_task(s, &o, errs);
	ok(has(errs, "- Source Application name is mandatory") &&
	    has(errs, "- Task ID is mandatory") &&
	    has(errs, "- executable must not be null") &&
	    has(errs, "Cpu requirements are mandatory") &&
	    has(errs, "Memory requirements are mandatory") &&
	    !has(errs, "exposedPorts") && !has(errs, "healthcheck") &&
	    !has(errs, "readiness"),
	    "task: an empty spec reports the task's required fields only");
	json_decref(errs);
	json_decref(s);
	ok(task_errs(J("[]"), &o, "- Task spec is mandatory", 1),
	    "task: not an object");

	ok(task_errs(mod(tex(), "sourceAppName", json_string("")), &o,
	    "- Source Application name is mandatory", 1),
	    "task: sourceAppName empty");
	ok(task_errs(mod(tex(), "taskId", NULL), &o, "- Task ID is mandatory",
	    1), "task: taskId absent");
	ok(task_errs(mod(tex(), "taskId", json_string("T/1")), &o,
	    "- Only characters, numbers, hyphen and underscore is allowed",
	    1), "task: taskId regex");
	ok(task_errs(mod(tex(), "sourceAppName", json_string("a b")), &o,
	    "- Only characters, numbers, hyphen and underscore is allowed",
	    1), "task: sourceAppName regex");
	ok(task_errs(mod(tex(), "executable.url", NULL), &o,
	    "- executable.url must not be empty", 1), "task: executable.url");
	ok(task_errs(mod(tex(), "resources.0", NULL), &o,
	    "Cpu requirements are mandatory", 1), "task: no CPU");
	ok(task_errs(mod(tex(), "resources.1", NULL), &o,
	    "Memory requirements are mandatory", 1), "task: no MEMORY");
	ok(task_errs(mod(tex(), "resources", NULL), &o,
	    "- resources must not be empty", 3), "task: no resources");
	ok(task_errs(mod(tex(), "placementPolicy",
	    J("{\"type\":\"LOCAL\",\"hostLevel\":true}")), &o,
	    "Local service placement is not allowed for tasks", 1),
	    "task: LOCAL placement");
	ok(task_errs(mod(tex(), "placementPolicy",
	    J("{\"type\":\"COMPOSITE\",\"policies\":[{\"type\":\"ANY\"},"
	    "{\"type\":\"LOCAL\"}]}")), &o,
	    "Local service placement is not allowed for tasks", 1),
	    "task: LOCAL nested in COMPOSITE");
	ok(task_errs(mod(tex(), "placementPolicy",
	    J("{\"type\":\"MAX_N_PER_HOST\",\"max\":65}")), &o,
	    "- placementPolicy.max must be between 1 and 64", 1),
	    "task: placement checked as in an app");
	ok(task_errs(mod(tex(), "logging.maxFiles", json_integer(0)), &o,
	    "- logging.maxFiles must be between 1 and 100", 1),
	    "task: logging");
	ok(task_errs(mod(tex(), "configs", J("[{\"type\":\"INLINE\","
	    "\"localFilename\":\"/f\",\"data\":\"%%%\"}]")), &o,
	    "- configs[0].data must be base64 encoded", 1), "task: configs");
	ok(task_errs(mod(tex(), "env", J("{\"A\":1}")), &o,
	    "- env.A must be a string", 1), "task: env");
	ok(task_errs(mod(tex(), "tags", J("[]")), &o,
	    "- tags must be an object of strings", 1), "task: tags");
	ok(task_errs(mod(tex(), "userSpec", J("{}")), &o,
	    "- userSpec.user must not be empty", 1), "task: userSpec");

	/* Fields a task does not have are ignored, as unknown fields are. */
	ok(task_errs(mod(mod(tex(), "exposedPorts", J("[{}]")),
	    "healthcheck", J("7")), &o, NULL, 0),
	    "task: app-only fields are ignored");

	/* Enum values in any case, rewritten upper-case. */
	s = mod(mod(tex(), "placementPolicy", J("{\"type\":\"any\"}")),
	    "resources.0.type", json_string("cpu"));
	errs = json_array();
	is_int(spec_validate_task(s, &o, errs), 0,
	    "task: enum values in any case");
	is_str(js_str(json_object_get(s, "placementPolicy"), "type", ""),
	    "ANY", "task: placement type upper-cased");
	is_str(js_str(json_array_get(json_object_get(s, "resources"), 0),
	    "type", ""), "CPU", "task: resource type upper-cased");
	json_decref(errs);
	json_decref(s);

	/* The cluster's options, as for apps. */
	ok(task_errs(mod(tex(), "devices", J("[{\"type\":\"DIRECT\","
	    "\"pathOnHost\":\"/dev/fuse\"}]")), &o,
	    "Raw device access is disabled on this cluster", 1),
	    "task: devices need enableRawDeviceAccess");
	o.enable_raw_device_access = 1;
	ok(task_errs(mod(tex(), "devices", J("[{\"type\":\"DIRECT\","
	    "\"pathOnHost\":\"/dev/fuse\"}]")), &o, NULL, 0),
	    "task: devices with enableRawDeviceAccess");
	o.disable_cmdl_args = 1;
	ok(task_errs(tex(), &o, NULL, 0), "task: empty args with "
	    "disableCmdlArgs");
	ok(task_errs(mod(tex(), "args", J("[\"-v\"]")), &o,
	    "Passing command line arguments is disabled on this cluster", 1),
	    "task: args with disableCmdlArgs");
	o.disable_cmdl_args = 0;
	{
		char big[SPEC_MAX_ARGS_LEN + 2];

		memset(big, 'x', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		ok(task_errs(mod(tex(), "args", json_pack("[s]", big)), &o,
		    "Command line arguments must not exceed 2048", 1),
		    "task: args over 2048 characters");
		big[SPEC_MAX_ARGS_LEN] = '\0';
		ok(task_errs(mod(tex(), "args", json_pack("[s]", big)), &o,
		    NULL, 0), "task: args of 2048 characters");
	}
	o.allowed_mount_dirs = dirs = J("[\"/data\"]");
	ok(task_errs(mod(tex(), "volumes", J("[{\"pathInContainer\":\"/d\","
	    "\"pathOnHost\":\"/data/t\",\"mode\":\"read_only\"}]")), &o, NULL,
	    0), "task: volume under an allowed mount dir");
	ok(task_errs(mod(tex(), "volumes", J("[{\"pathInContainer\":\"/d\","
	    "\"pathOnHost\":\"/etc\",\"mode\":\"READ_ONLY\"}]")), &o,
	    "Volume mount path /etc is not under any of the allowed mount "
	    "directories", 1), "task: volume outside the allowed mount dirs");
	json_decref(dirs);
}

/* drove.md §1.3's example as a LocalServiceSpec: LOCAL placement. */
static json_t *
ls(void)
{
	return mod(mod(ex(), "placementPolicy",
	    J("{\"type\":\"local\",\"hostLevel\":true}")), "type",
	    json_string("LOCAL_SERVICE"));
}


static void
t_local_service(void)
{
	struct spec_opts o = { NULL, 0, 0 };
	json_t *s = ls(), *errs = json_array(), *dirs;

	is_int(spec_validate_local_service(s, &opts, errs), 0,
	    "local service: the example with LOCAL placement is valid");
	is_str(js_str(js_get(s, "placementPolicy"), "type", ""), "LOCAL",
	    "local service: placement type upper-cased");
	json_decref(errs);
	json_decref(s);

	ok(ls_errs(mod(ls(), "placementPolicy.hostLevel", NULL), &opts, NULL,
	    0), "local service: hostLevel may be left out");
	ok(ls_errs(mod(ls(), "placementPolicy", J("{\"type\":\"ANY\"}")),
	    &opts, "Only local placement is allowed for local services", 1),
	    "local service: ANY placement refused");
	ok(ls_errs(mod(ls(), "placementPolicy",
	    J("{\"type\":\"COMPOSITE\",\"policies\":[{\"type\":\"LOCAL\"}]}")),
	    &opts, "Only local placement is allowed for local services", 1),
	    "local service: LOCAL inside COMPOSITE refused");
	ok(ls_errs(mod(ls(), "placementPolicy", NULL), &opts,
	    "Only local placement is allowed for local services", 1),
	    "local service: placement is required");
	ok(ls_errs(mod(ls(), "placementPolicy.type", json_string("NEAR")),
	    &opts, "- placementPolicy.type has invalid value 'NEAR'", 1),
	    "local service: unknown placement type");
	ok(ls_errs(mod(ls(), "placementPolicy.hostLevel", json_string("yes")),
	    &opts, "- placementPolicy.hostLevel must be a boolean", 1),
	    "local service: hostLevel must be a boolean");
	ok(ls_errs(mod(ls(), "exposedPorts", NULL), &opts,
	    "- exposedPorts must not be empty", 3),
	    "local service: exposedPorts required (checks lose their port)");
	ok(ls_errs(mod(mod(mod(ls(), "exposedPorts", json_array()),
	    "healthcheck.mode", J("{\"type\":\"CMD\",\"command\":\"true\"}")),
	    "preShutdown.hooks.0", NULL), &opts,
	    "- exposedPorts must not be empty", 1),
	    "local service: empty exposedPorts refused");
	/* Drove's LocalServiceSpec has no exposureSpec and its mapper
	 * ignores unknown members: one, even a broken one, changes nothing. */
	ok(ls_errs(mod(ls(), "exposureSpec", J("{\"portName\":\"nope\"}")),
	    &opts, NULL, 0), "local service: exposureSpec is ignored");
	ok(ls_errs(mod(ls(), "name", json_string("")), &opts,
	    "- Local service name is mandatory", 1),
	    "local service: name required");
	ok(ls_errs(mod(ls(), "version", json_string("1.0")), &opts,
	    "- Local service version must match [a-zA-Z0-9_-]+", 1),
	    "local service: version pattern");
	ok(ls_errs(J("[]"), &opts, "- Local service spec is mandatory", 1),
	    "local service: not an object");
	ok(ls_errs(mod(ls(), "resources.1", NULL), &opts,
	    "Memory requirements are mandatory", 1),
	    "local service: memory required");
	ok(ls_errs(ls(), &o, "Raw device access is disabled on this cluster",
	    1), "local service: devices need enableRawDeviceAccess");
	o.enable_raw_device_access = 1;
	o.disable_cmdl_args = 1;
	ok(ls_errs(ls(), &o, "Passing command line arguments is disabled", 1),
	    "local service: disableCmdlArgs");
	o.disable_cmdl_args = 0;
	dirs = J("[\"/var/lib\"]");
	o.allowed_mount_dirs = dirs;
	ok(ls_errs(ls(), &o, "Volume mount path /mnt/scratch/payments is not "
	    "under any of the allowed mount directories", 1),
	    "local service: volume whitelist");
	json_decref(dirs);
	ok(ls_errs(mod(ls(), "healthcheck.mode.portName", json_string("x")),
	    &opts, "Port x used in healthcheck not found in exposedPorts", 1),
	    "local service: check port must exist");
}

/* A task or local-service operation body: its error count, errors in
 * *errs (new array, the caller's). */
static int
body_errs(int (*validate)(json_t *, const struct spec_opts *, json_t *),
    const char *body, json_t **errs)
{
	struct spec_opts o = SPEC_OPTS_ZERO;
	json_t *op = json_loads(body, 0, NULL);
	int n;

	*errs = json_array();
	n = op ? validate(op, &o, *errs) : -2;
	json_decref(op);
	return n;
}

static void
t_task_ls_ops(void)
{
	json_t *e;
	char *spec = NULL;
	json_t *ts;

	is_int(body_errs(spec_validate_task_op, "{\"type\":\"KILL\","
	    "\"sourceAppName\":\"a\",\"taskId\":\"t\"}", &e), 0, "KILL");
	json_decref(e);
	is_int(body_errs(spec_validate_task_op, "{\"type\":\"kill\","
	    "\"sourceAppName\":\"a\"}", &e), 1, "KILL without taskId");
	ok(has(e, "- taskId must not be empty"), "its message");
	json_decref(e);
	is_int(body_errs(spec_validate_task_op, "{\"type\":\"RUN\"}", &e), 1,
	    "unknown type");
	ok(has(e, "- type has invalid value 'RUN' (one of CREATE, KILL)"),
	    "names the types");
	json_decref(e);
	is_int(body_errs(spec_validate_task_op, "{\"type\":\"CREATE\"}", &e),
	    1, "CREATE without spec");
	ok(has(e, "- spec must not be null"), "its message");
	json_decref(e);
	is_int(body_errs(spec_validate_task_op, "[1]", &e), 1, "not an object");
	json_decref(e);
	ts = json_pack("{s:s,s:{s:s,s:s}}", "type", "CREATE", "spec",
	    "sourceAppName", "a", "taskId", "");
	spec = json_dumps(ts, 0);
	json_decref(ts);
	ok(body_errs(spec_validate_task_op, spec, &e) > 0 &&
	    has(e, "- Task ID is mandatory"), "CREATE checks its TaskSpec");
	json_decref(e);
	free(spec);

	is_int(body_errs(spec_validate_ls_op, "{\"type\":\"STOP\","
	    "\"serviceId\":\"s-1\"}", &e), 0, "STOP is DEACTIVATE");
	json_decref(e);
	is_int(body_errs(spec_validate_ls_op, "{\"type\":\"ACTIVATE\"}", &e),
	    1, "ACTIVATE without serviceId");
	ok(has(e, "- serviceId must not be empty"), "its message");
	json_decref(e);
	is_int(body_errs(spec_validate_ls_op, "{\"type\":\"UPDATE_INSTANCE_"
	    "COUNT\",\"serviceId\":\"s-1\",\"instancesPerHost\":0}", &e), 1,
	    "instancesPerHost 0");
	ok(has(e, "- instancesPerHost must be between 1 and 256"), "range");
	json_decref(e);
	is_int(body_errs(spec_validate_ls_op, "{\"type\":\"STOP_INSTANCES\","
	    "\"serviceId\":\"s-1\",\"instanceIds\":[]}", &e), 1,
	    "STOP_INSTANCES needs ids");
	json_decref(e);
	is_int(body_errs(spec_validate_ls_op, "{\"type\":\"REPLACE_INSTANCES\","
	    "\"serviceId\":\"s-1\",\"instanceIds\":[],\"stopFirst\":\"y\"}",
	    &e), 1, "REPLACE_INSTANCES: ids may be empty, stopFirst a boolean");
	ok(has(e, "- stopFirst must be a boolean"), "its message");
	json_decref(e);
	is_int(body_errs(spec_validate_ls_op, "{\"type\":\"RESTART\","
	    "\"serviceId\":\"s-1\",\"clusterOpSpec\":{\"timeout\":\"x\","
	    "\"parallelism\":1,\"failureStrategy\":\"STOP\"}}", &e), 1,
	    "RESTART checks its clusterOpSpec");
	ok(has(e, "- clusterOpSpec.timeout is not a valid duration"),
	    "named by its key");
	json_decref(e);
	is_int(body_errs(spec_validate_ls_op, "{\"type\":\"CREATE\","
	    "\"instancesPerHost\":1}", &e), 1, "CREATE without spec");
	json_decref(e);
	is_int(body_errs(spec_validate_ls_op, "{\"type\":\"PAUSE\"}", &e), 1,
	    "unknown type");
	json_decref(e);
}

int
main(void)
{
	t_valid();
	t_top();
	t_ports();
	t_resources();
	t_checks();
	t_placement();
	t_misc();
	t_case();
	t_ops();
	t_mask();
	t_task();
	t_local_service();
	t_task_ls_ops();
	return done_testing();
}
