/*
 * rule: the expression language of RULE_BASED placement policies.  Rules are
 * parsed and evaluated here; no user code ever runs.  Common shapes of
 * Drove's MVEL and HOPE rules parse unchanged, e.g.
 *   MVEL: allocatedExecutorNodeMetadata['zone'] == 'z1'
 *   HOPE: "/allocatedExecutorNodeMetadata/zone" == "z1"
 * man/drove-rules.7 is the grammar.
 *
 * The context of an evaluation is Drove's SchedulingInfo as a JSON object:
 *   {"executorNodeId": "<id>", "allocatedExecutorNodeMetadata": {k: v},
 *    "allExecutorMetadata": {id: {k: v}}, "applicationEnvironment": {k: v},
 *    "hostname": "<executor hostname>", "tags": ["..."]}
 *
 * rule_compile(): type is "MVEL" or "HOPE" (case-insensitive); returns an
 * owned compiled rule, or NULL with errno EINVAL / ENOMEM and err_text()
 * (err.h) saying why ("column 12: expected ')'", "rule longer than 4096
 * bytes", ...).  Size and
 * cost are bounded at compile time (length, node count, nesting depth,
 * regex size), so evaluation of any compiled rule is bounded too.
 * rule_eval(): 1 when the rule yields boolean true for ctx (borrowed), 0
 * otherwise (false, a non-boolean result, a missing key compared, or a
 * type error: Drove passes a rule only on SUCCESS with true).
 * rule_eval() leaves err_text() alone (it runs for every executor).
 * rule_check(): as rule_eval() but tells a false result (0) from an
 * evaluation error (-1 with errno EINVAL and err_text() "operand of '&&'
 * is not a boolean", "rule did not yield a boolean"), for the dry-run
 * endpoint.
 * rule_free(NULL) is a no-op.  A compiled rule is immutable: several
 * threads may evaluate it at once.
 *
 * Bounds: RULE_MAX_LEN bytes of text, RULE_MAX_NODES syntax nodes,
 * RULE_MAX_DEPTH levels of parentheses and '!', RULE_MAX_REGEXES regexes
 * of at most RULE_MAX_REGEX_LEN bytes each (POSIX ERE, no back-references,
 * interval bounds at most RULE_MAX_REPEAT, and at most RULE_MAX_REGEX_NODES
 * syntax nodes once '+' and intervals are expanded as glibc does).
 */
#ifndef DROVE_RULE_H
#define DROVE_RULE_H

#include <stddef.h>
#include "json.h"

#define RULE_MAX_LEN 4096
#define RULE_MAX_NODES 256
#define RULE_MAX_DEPTH 32
#define RULE_MAX_REGEXES 16
#define RULE_MAX_REGEX_LEN 256
#define RULE_MAX_REPEAT 256
#define RULE_MAX_REGEX_NODES 1024

struct rule;

struct rule *rule_compile(const char *type, const char *text);
int rule_eval(const struct rule *r, const json_t *ctx);
int rule_check(const struct rule *r, const json_t *ctx);
void rule_free(struct rule *r);

#endif
