/* t_rule: the RULE_BASED expression language (lib/rule). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "rule.h"
#include "tap.h"

static json_t *ctx;

/* Compiles as type and evaluates against ctx: 1, 0, -1 (eval error), or
 * -2 when it does not compile. */
static int
run(const char *type, const char *text)
{
	struct rule *r;
	int v;

	if (!(r = rule_compile(type, text))) {
		printf("# compile '%s': %s\n", text, err_text());
		return -2;
	}
	v = rule_check(r, ctx);
	if (v != rule_eval(r, ctx) && !(v == -1 && rule_eval(r, ctx) == 0))
		v = -3;
	rule_free(r);
	return v;
}

#define T(text)		is_int(run("MVEL", text), 1, "true: %s", text)
#define F(text)		is_int(run("MVEL", text), 0, "false: %s", text)
#define HT(text)	is_int(run("HOPE", text), 1, "HOPE true: %s", text)
#define HF(text)	is_int(run("HOPE", text), 0, "HOPE false: %s", text)
#define E(text)		is_int(run("MVEL", text), -1, "eval error: %s", text)

/* Compile must fail with exactly msg. */
static void
bad(const char *type, const char *text, const char *msg)
{
	struct rule *r;

	err_set("%s", "");
	r = rule_compile(type, text);
	ok(!r && errno == EINVAL, "rejected: %.60s", text);
	is_str(err_text(), msg, "message for: %.60s", text);
	rule_free(r);
}

/* rule_check() tells why in err_text(); rule_eval() leaves it alone. */
static void
t_eval_text(void)
{
	struct rule *r = rule_compile("MVEL", "hostname && true");

	ok(r != NULL, "a rule that fails at evaluation compiles");
	err_set("before");
	is_int(rule_eval(r, ctx), 0, "rule_eval: an evaluation error is false");
	is_str(err_text(), "before", "rule_eval leaves err_text() alone");
	errno = 0;
	is_int(rule_check(r, ctx), -1, "rule_check: an evaluation error");
	is_int(errno, EINVAL, "rule_check: errno EINVAL");
	is_str(err_text(), "operand of '&&' is not a boolean",
	    "rule_check: the text says why");
	rule_free(r);
}

static void
t_accept(void)
{
	/* drove.md §1.3's MVEL sample and the HOPE equivalent. */
	T("allocatedExecutorNodeMetadata['zone'] == 'z1'");
	F("allocatedExecutorNodeMetadata['zone'] == 'z2'");
	T("allocatedExecutorNodeMetadata.zone == \"z1\"");
	T("allocatedExecutorNodeMetadata[\"zone\"] != 'z2'");
	HT("\"/allocatedExecutorNodeMetadata/zone\" == \"z1\"");
	HF("\"/allocatedExecutorNodeMetadata/zone\" == \"z2\"");
	HT("\"/allocatedExecutorNodeMetadata/a~1b\" == 'slash'");
	HT("\"/tags/1\" == 'gpu'");
	HT("'/allocatedExecutorNodeMetadata/zone' != \"z1\"");
	/* In MVEL a "/..." string is a plain string. */
	F("\"/allocatedExecutorNodeMetadata/zone\" == 'z1'");
	T("applicationEnvironment['ENV'] == 'prod'");
	T("executorNodeId == 'e1'");
	T("hostname == 'host1.example.com'");
	T("allExecutorMetadata['e2']['zone'] == 'z2'");
	T("allExecutorMetadata.e2.zone == 'z2'");
	T("tags[0] == 'host1.example.com'");

	/* Logic and precedence. */
	T("hostname == 'h' || executorNodeId == 'e1'");
	T("executorNodeId == 'e1' && tags[1] == 'gpu'");
	F("executorNodeId == 'e1' && tags[1] == 'cpu'");
	T("true || false && false");
	F("(true || false) && false");
	T("!false");
	T("!!true");
	T("not false and true");
	T("false or true");
	T("!hostname == 'x'");
	F("!(hostname == 'host1.example.com')");
	T("!false && true");
	T("((((executorNodeId == 'e1'))))");

	/* in, regex */
	T("allocatedExecutorNodeMetadata['zone'] in ['z1', 'z2']");
	F("allocatedExecutorNodeMetadata['zone'] in ['z3']");
	F("allocatedExecutorNodeMetadata['zone'] in []");
	T("'gpu' in tags");
	F("'tpu' in tags");
	T("'zone' in allocatedExecutorNodeMetadata");
	F("'rack' in allocatedExecutorNodeMetadata");
	T("allocatedExecutorNodeMetadata['cores'] in [4, 8]");
	T("hostname ~= '^host[0-9]+\\\\.example\\\\.com$'");
	T("hostname matches 'example'");
	F("hostname matches '^example'");
	T("hostname ~= \"^h(ost|ast)1\"");

	/* Numbers. */
	T("allocatedExecutorNodeMetadata['cores'] > 2");
	T("allocatedExecutorNodeMetadata['cores'] >= 4");
	F("allocatedExecutorNodeMetadata['cores'] < 4");
	T("allocatedExecutorNodeMetadata['cores'] <= 4.0");
	T("allocatedExecutorNodeMetadata['cores'] == 4");
	T("allocatedExecutorNodeMetadata['mem'] == 2.5");
	T("allocatedExecutorNodeMetadata['mem'] > -1");
	T("allocatedExecutorNodeMetadata['n'] == 7");
	T("allocatedExecutorNodeMetadata['n'] != 8");
	T("1e3 == 1000");
	T("'b' > 'a'");
	F("'10' > '9'");
	T("allocatedExecutorNodeMetadata['ssd'] == true");
	T("allocatedExecutorNodeMetadata['ssd']");
	T("allocatedExecutorNodeMetadata['ssd'] && true");
	T("'\\u00e9t\\u00e9' == allocatedExecutorNodeMetadata['season']");
	T("'it\\'s' == \"it's\"");
}

/* man/drove-rules.7's EXAMPLES, against our context. */
static void
t_man(void)
{
	T("allocatedExecutorNodeMetadata['zone'] == 'z1'");
	HT("\"/allocatedExecutorNodeMetadata/zone\" == \"z1\"");
	F("allocatedExecutorNodeMetadata.zone in ['z1', 'z2'] "
	    "    && allocatedExecutorNodeMetadata.cores >= 8 "
	    "    && !(hostname == 'db1.example.com')");
	T("allocatedExecutorNodeMetadata.zone in ['z1', 'z2'] "
	    "    && allocatedExecutorNodeMetadata.cores >= 4 "
	    "    && !(hostname == 'db1.example.com')");
	F("('gpu' in tags && hostname ~= '^gpu[0-9]+\\.') "
	    "    || applicationEnvironment['ENV'] != 'prod'");
	T("('gpu' in tags && hostname ~= '^host[0-9]+\\.') "
	    "    || applicationEnvironment['ENV'] != 'prod'");
	T("allocatedExecutorNodeMetadata.rack == null "
	    "    or allocatedExecutorNodeMetadata.rack == 'r7'");
}

static void
t_eval(void)
{
	/* Missing keys are null; comparisons with null are false. */
	F("allocatedExecutorNodeMetadata['rack'] == 'r1'");
	T("allocatedExecutorNodeMetadata['rack'] != 'r1'");
	T("allocatedExecutorNodeMetadata['rack'] == null");
	F("allocatedExecutorNodeMetadata['zone'] == null");
	T("allocatedExecutorNodeMetadata['zone'] != null");
	F("allocatedExecutorNodeMetadata['rack'] > 1");
	F("allocatedExecutorNodeMetadata['rack'] < 1");
	F("allocatedExecutorNodeMetadata['rack'] ~= '.*'");
	F("allocatedExecutorNodeMetadata['rack'] in ['a']");
	F("'x' in allocatedExecutorNodeMetadata['rack']");
	T("allExecutorMetadata['nope']['zone'] == null");
	T("tags[9] == null");
	T("hostname['x'] == null");
	/* Type mismatches compare false, never "true by accident". */
	F("allocatedExecutorNodeMetadata['zone'] > 3");
	F("allocatedExecutorNodeMetadata['zone'] == 3");
	F("allocatedExecutorNodeMetadata['ssd'] == 'true'");
	F("allocatedExecutorNodeMetadata['mem'] ~= '2'");
	F("tags == 'gpu'");
	/* Non-boolean results and logic on non-booleans are errors. */
	E("hostname");
	t_eval_text();
	E("allocatedExecutorNodeMetadata['rack']");
	E("hostname && true");
	E("!hostname");
	E("allocatedExecutorNodeMetadata['rack'] || true");
	T("true || hostname");
	F("false && hostname");
}

static void
t_reject(void)
{
	char *big;
	char buf[1200];
	size_t i;

	bad("LUA", "true", "unknown rule type 'LUA'");
	bad("MVEL", "", "rule is empty");
	bad("MVEL", "   ", "rule is empty");
	bad("MVEL", NULL, "rule is empty");
	bad("MVEL", "'z1'", "rule is not a boolean expression");
	bad("MVEL", "42", "rule is not a boolean expression");
	bad("MVEL", "hostname.startsWith('h')",
	    "column 20: method calls are not allowed");
	bad("MVEL", "System.exit(0)", "column 1: 'System' is not a context "
	    "key; method calls and classes are not allowed");
	bad("MVEL", "Runtime.getRuntime().exec('rm -rf /')", "column 1: "
	    "'Runtime' is not a context key; method calls and classes are "
	    "not allowed");
	bad("MVEL", "exec('x')", "column 1: 'exec' is not a context key; "
	    "method calls and classes are not allowed");
	bad("MVEL", "new java.io.File('/') != null",
	    "column 1: 'new' is not allowed");
	bad("MVEL", "import java.lang.System; true",
	    "column 1: 'import' is not allowed");
	bad("MVEL", "x = 1", "column 3: assignment is not allowed");
	bad("MVEL", "x == 1", "column 1: unknown identifier 'x'");
	bad("MVEL", "hostname = 'a'", "column 10: assignment is not allowed");
	bad("MVEL", "true; false",
	    "column 5: ';' is not allowed: a rule is one expression");
	bad("MVEL", "zone == 'z1'", "column 1: unknown identifier 'zone'");
	bad("MVEL", "tags[0] + 1 == 2",
	    "column 9: arithmetic is not supported");
	bad("MVEL", "hostname == 'a' ? true : false",
	    "column 17: unexpected character '?'");
	bad("MVEL", "hostname == 'a", "column 13: unterminated string");
	bad("MVEL", "(hostname == 'a'", "column 17: expected ')', found end "
	    "of rule");
	bad("MVEL", "hostname == 'a')",
	    "column 16: unexpected ')' after the expression");
	bad("MVEL", "hostname ==", "column 12: unexpected end of rule");
	bad("MVEL", "1 < 2 < 3",
	    "column 7: comparisons do not chain; use parentheses");
	bad("MVEL", "'a' && true", "column 1: operand of '&&' is not a boolean");
	bad("MVEL", "!'a'", "column 2: operand of '!' is not a boolean");
	bad("MVEL", "hostname in 'abc'",
	    "column 13: the right side of 'in' must be a list or a map");
	bad("MVEL", "hostname in [hostname]",
	    "column 14: expected a literal, found identifier");
	bad("MVEL", "['a'] == hostname",
	    "column 1: a list is allowed only after 'in'");
	bad("MVEL", "hostname ~= hostname",
	    "column 13: a regex must be a quoted string");
	bad("MVEL", "hostname ~= '('", "column 13: bad regex: Unmatched ( "
	    "or \\(");
	bad("MVEL", "hostname ~= '(a)\\\\1'",
	    "column 13: back-references are not allowed in a regex");
	bad("MVEL", "hostname ~= '(a{1,100}){1,100}'",
	    "column 13: regex too complex: over 1024 nodes once repetitions "
	    "are expanded");
	bad("MVEL", "hostname ~= 'a{1,300}'",
	    "column 13: regex repetition over 256");
	bad("MVEL", "hostname ~= 'W+++++++++++'",
	    "column 13: regex too complex: over 1024 nodes once repetitions "
	    "are expanded");
	bad("MVEL", "hostname ~= '((((((((((a+)+)+)+)+)+)+)+)+)+)+'",
	    "column 13: regex too complex: over 1024 nodes once repetitions "
	    "are expanded");
	T("hostname ~= '^[a-z]+[0-9]+\\.[[:alpha:]]+(\\.[a-z]{2,3})+$'");
	T("hostname ~= '^(host|node)[0-9]{1,4}[.]example[.]com$'");
	bad("MVEL", "tags[-1] == 'a'",
	    "column 6: a subscript must be a quoted key or an index");
	bad("MVEL", "tags.0 == 'a'",
	    "column 6: expected a key after '.', found number");
	bad("MVEL", "12abc == 1", "column 1: malformed number");
	bad("MVEL", "hostname == '\\u0000'",
	    "column 14: \\u0000 is not allowed");
	bad("MVEL", "hostname & true", "column 10: unexpected character '&'");
	bad("HOPE", "\"/zone\" == \"z1\"",
	    "column 1: unknown context key in path '/zone'");
	bad("HOPE", "\"/\" == \"z1\"",
	    "column 1: unknown context key in path '/'");

	/* Bounds. */
	big = malloc(RULE_MAX_LEN + 2);
	memset(big, ' ', RULE_MAX_LEN + 1);
	memcpy(big, "true", 4);
	big[RULE_MAX_LEN + 1] = '\0';
	bad("MVEL", big, "rule longer than 4096 bytes");
	big[RULE_MAX_LEN] = '\0';
	is_int(run("MVEL", big), 1, "exactly RULE_MAX_LEN bytes compiles");
	free(big);

	for (i = 0; i < 33; i++)
		buf[i] = '(';
	strcpy(buf + 33, "true");
	for (i = 0; i < 33; i++)
		strcat(buf, ")");
	bad("MVEL", buf, "column 34: nesting deeper than 32");
	buf[0] = ' ';
	buf[strlen(buf) - 1] = '\0';
	is_int(run("MVEL", buf), 1, "32 parentheses compile");
	memset(buf, '!', 40);
	strcpy(buf + 40, "true");
	bad("MVEL", buf, "column 33: nesting deeper than 32");
	buf[32] = '\0';
	strcat(buf, "true");
	is_int(run("MVEL", buf), 1, "32 '!' compile");

	buf[0] = '\0';
	for (i = 0; i < 130; i++)
		strcat(buf, i ? "||true" : "true");
	bad("MVEL", buf, "column 767: rule has more than 256 nodes");
	buf[0] = '\0';
	for (i = 0; i < 128; i++)
		strcat(buf, i ? "||true" : "true");
	is_int(run("MVEL", buf), 1, "255 nodes compile");

	memset(buf, 'a', 300);
	memcpy(buf, "hostname ~= '", 13);
	strcpy(buf + 270, "'");
	bad("MVEL", buf, "column 13: regex longer than 256 bytes");
	buf[0] = '\0';
	for (i = 0; i < 17; i++)
		strcat(buf, i ? "||hostname~='a'" : "hostname~='a'");
	bad("MVEL", buf, "column 251: more than 16 regexes");
}

/* One compiled rule, evaluated from several threads at once. */
static void *
worker(void *arg)
{
	const struct rule *r = arg;
	long bad = 0;
	int i;

	for (i = 0; i < 20000; i++)
		if (rule_eval(r, ctx) != 1)
			bad++;
	return (void *)bad;
}

static void
t_threads(void)
{
	struct rule *r;
	pthread_t th[4];
	void *res;
	long bad = 0;
	int i;

	r = rule_compile("MVEL", "hostname ~= '^host[0-9]+[.]' && "
	    "allocatedExecutorNodeMetadata.cores in [4, 8] && 'gpu' in tags");
	ok(r != NULL, "threaded rule compiles");
	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, worker, r);
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], &res);
		bad += (long)res;
	}
	is_int(bad, 0, "4 threads x 20000 evaluations of one rule agree");
	rule_free(r);
}

int
main(void)
{
	static const char c[] =
	    "{\"executorNodeId\":\"e1\",\"hostname\":\"host1.example.com\","
	    "\"tags\":[\"host1.example.com\",\"gpu\"],"
	    "\"allocatedExecutorNodeMetadata\":{\"zone\":\"z1\",\"cores\":\"4\","
	    "\"mem\":2.5,\"n\":7,\"ssd\":true,\"a/b\":\"slash\","
	    "\"season\":\"\\u00e9t\\u00e9\"},"
	    "\"allExecutorMetadata\":{\"e2\":{\"zone\":\"z2\"}},"
	    "\"applicationEnvironment\":{\"ENV\":\"prod\"}}";

	ctx = js_parse(c, strlen(c));
	ok(ctx != NULL, "context parses");
	t_accept();
	t_man();
	t_eval();
	t_reject();
	t_threads();
	ok(rule_eval(NULL, ctx) == 0, "rule_eval(NULL) is 0");
	rule_free(NULL);
	json_decref(ctx);
	return done_testing();
}
