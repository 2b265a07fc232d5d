/*
 * placement_policy.c: the policy compiler (see placement_int.h).  A
 * placementPolicy becomes a tree of struct pl_pnode; RULE_BASED leaves
 * share a compiled rule per (type, text) for the view's life, and its
 * verdicts per executor per env for the index's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "placement_int.h"
#include "rule.h"

static int
ptype_is(const json_t *p, const char *name)
{
	const char *t = js_str(p, "type", NULL);

	return t && !strcasecmp(t, name);
}

/* 1 if the policy names MATCH_TAG or RULE_BASED anywhere. */
static int
policy_targets(const json_t *p)
{
	json_t *sub;
	size_t i;

	if (ptype_is(p, "MATCH_TAG") || ptype_is(p, "RULE_BASED"))
		return 1;
	if (ptype_is(p, "COMPOSITE"))
		json_array_foreach(json_object_get(p, "policies"), i, sub)
			if (policy_targets(sub))
				return 1;
	return 0;
}

static int
has_tag(const struct pl_executor *e, const char *tag)
{
	int i;

	if (!strcmp(e->hostname, tag))
		return 1;
	for (i = 0; i < e->ntags; i++)
		if (!strcmp(e->tags[i], tag))
			return 1;
	return 0;
}

static void
pnode_free(struct pl_pnode *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->nsub; i++)
		pnode_free(p->sub[i]);
	free(p->sub);
	free(p->tag);
	free(p);
}

/* Rules. */

static void
verdicts_free(struct pl_rule *r)
{
	int i;

	for (i = 0; i < r->nverdicts; i++) {
		json_decref(r->verdicts[i].env);
		free(r->verdicts[i].of);
	}
	free(r->verdicts);
	r->verdicts = NULL;
	r->nverdicts = 0;
}

void
pl_rule_free(struct pl_rule *r)
{
	if (!r)
		return;
	free(r->type);
	free(r->text);
	rule_free(r->compiled);
	verdicts_free(r);
	free(r);
}

/* Verdicts are per executor index: the index's, dropped with it. */
void
pl_rules_forget_verdicts(struct pl_view *v)
{
	int i;

	for (i = 0; i < v->nrules; i++)
		verdicts_free(v->rules[i]);
}

/* The verdicts of rule r for env in this index. */
static struct pl_rule_verdicts *
rule_verdicts(struct pl_view *v, struct pl_rule *r, const json_t *env)
{
	struct pl_rule_verdicts *rv;
	int i;

	for (i = 0; i < r->nverdicts; i++)
		if (!r->reads_env || json_equal(r->verdicts[i].env, pl_rd(env)))
			return &r->verdicts[i];
	rv = realloc(r->verdicts, (r->nverdicts + 1) * sizeof *rv);
	if (!rv)
		return NULL;
	r->verdicts = rv;
	rv = &r->verdicts[r->nverdicts];
	rv->env = NULL;
	if (!(rv->of = malloc(v->nex + 1)))
		return NULL;
	memset(rv->of, -1, v->nex + 1);
	if (r->reads_env && !(rv->env = json_deep_copy(env))) {
		free(rv->of);
		return NULL;
	}
	r->nverdicts++;
	return rv;
}

static struct pl_rule *
rule_get(struct pl_view *v, const char *type, const char *text)
{
	struct pl_rule *r;
	int i;

	for (i = 0; i < v->nrules; i++)
		if (!strcasecmp(v->rules[i]->type, type) &&
		    !strcmp(v->rules[i]->text, text))
			return v->rules[i];
	if (!(r = calloc(1, sizeof *r))) {
		err_fail(ENOMEM, "out of memory");
		return NULL;
	}
	if (!(r->compiled = rule_compile(type, text))) {
		if (errno != ENOMEM)
			err_fail(EINVAL, "RULE_BASED: %.100s", err_text());
		free(r);
		return NULL;
	}
	r->reads_env = strstr(text, "applicationEnvironment") != NULL;
	if (!(r->type = strdup(type)) || !(r->text = strdup(text)) ||
	    pl_grow(&v->rules, &v->arules, v->nrules + 1,
	    sizeof *v->rules) < 0) {
		pl_rule_free(r);
		err_fail(ENOMEM, "out of memory");
		return NULL;
	}
	v->rules[v->nrules++] = r;
	return r;
}

/*
 * Compile p.  NULL with errno EINVAL or ENOMEM, err_text() saying why.
 * *per_host is set if per-host counts matter, *reads_env if a rule
 * reads the env.
 */
static struct pl_pnode *
compile(struct pl_view *v, const json_t *p, const json_t *env, int *per_host,
    int *reads_env)
{
	const char *t = js_str(p, "type", NULL), *comb, *rt, *text;
	struct pl_pnode *n;
	struct pl_rule_verdicts *rv;
	json_t *subs, *sub;
	long long max;
	size_t i;

	if (!(n = calloc(1, sizeof *n)))
		goto nomem;
	if (!p || json_is_null(p) || ptype_is(p, "ANY") ||
	    ptype_is(p, "LOCAL")) {
		n->type = PL_ANY;
		return n;
	}
	if (!json_is_object(p) || !t) {
		err_set("placement policy without a type");
		goto inval;
	}
	if (!strcasecmp(t, "ONE_PER_HOST")) {
		n->type = PL_ONE_PER_HOST;
		*per_host = 1;
	} else if (!strcasecmp(t, "MAX_N_PER_HOST")) {
		max = js_int(p, "max", -1);
		if (max < 1 || max > 64) {
			err_set("MAX_N_PER_HOST needs max between 1 and 64");
			goto inval;
		}
		n->type = PL_MAX_N_PER_HOST;
		n->max = (int)max;
		*per_host = 1;
	} else if (!strcasecmp(t, "MATCH_TAG")) {
		t = js_str(p, "tag", "");
		if (!*t) {
			err_set("MATCH_TAG needs a tag");
			goto inval;
		}
		n->type = PL_MATCH_TAG;
		if (!(n->tag = strdup(t)))
			goto nomem;
	} else if (!strcasecmp(t, "NO_TAG")) {
		n->type = PL_NO_TAG;
	} else if (!strcasecmp(t, "RULE_BASED")) {
		rt = js_str(p, "ruleType", "");
		text = js_str(p, "rule", "");
		if (!*text || (strcasecmp(rt, "MVEL") &&
		    strcasecmp(rt, "HOPE"))) {
			err_set("RULE_BASED needs ruleType MVEL or HOPE and "
			    "a rule");
			goto inval;
		}
		n->type = PL_RULE_BASED;
		if (!(n->rule = rule_get(v, rt, text))) {
			free(n);
			return NULL;
		}
		if (!(rv = rule_verdicts(v, n->rule, env)))
			goto nomem;
		n->verdict = rv->of;
		n->env = rv->env;
		if (n->rule->reads_env)
			*reads_env = 1;
	} else if (!strcasecmp(t, "COMPOSITE")) {
		comb = js_str(p, "combiner", "AND");
		subs = json_object_get(p, "policies");
		if (!json_is_array(subs) || !json_array_size(subs) ||
		    (strcasecmp(comb, "AND") && strcasecmp(comb, "OR"))) {
			err_set("COMPOSITE needs policies and a combiner AND "
			    "or OR");
			goto inval;
		}
		n->type = strcasecmp(comb, "OR") ? PL_AND : PL_OR;
		if (!(n->sub = calloc(json_array_size(subs), sizeof *n->sub)))
			goto nomem;
		json_array_foreach(subs, i, sub) {
			if (!(n->sub[n->nsub] = compile(v, sub, env, per_host,
			    reads_env))) {
				pnode_free(n);
				return NULL;
			}
			n->nsub++;
		}
	} else {
		err_set("unknown placement policy type '%s'", t);
		goto inval;
	}
	return n;
inval:
	pnode_free(n);
	errno = EINVAL;
	return NULL;
nomem:
	pnode_free(n);
	err_fail(ENOMEM, "out of memory");
	return NULL;
}

/* Evaluation. */

static json_t *
rule_ctx(struct pl_executor *e)
{
	json_t *tags;
	int i;

	if (e->rule_ctx)
		return e->rule_ctx;
	if (!(tags = json_array()))
		return NULL;
	for (i = 0; i < e->ntags; i++)
		json_array_append_new(tags, json_string(e->tags[i]));
	e->rule_ctx = json_pack("{s:s, s:O, s:{}, s:{}, s:s, s:o}",
	    "executorNodeId", e->id, "allocatedExecutorNodeMetadata",
	    e->metadata, "allExecutorMetadata", "applicationEnvironment",
	    "hostname", e->hostname, "tags", tags);
	return e->rule_ctx;
}

static int
rule_passes(struct pl_view *v, const struct pl_pnode *p, int ei)
{
	json_t *ctx, *env;
	int r;

	if (p->verdict[ei] >= 0)
		return p->verdict[ei];
	if (!(ctx = rule_ctx(&v->ex[ei])))
		return 0;	/* out of memory: not eligible */
	if (p->rule->reads_env) {
		env = p->env && json_is_object(p->env) ? pl_rd(p->env) :
		    json_object();
		if (env == p->env)
			json_incref(env);
		json_object_set_new(ctx, "applicationEnvironment", env);
	}
	r = rule_eval(p->rule->compiled, ctx) == 1;
	p->verdict[ei] = (signed char)r;
	return r;
}

/* The static part: PL_PASS, PL_FAIL, or PL_DEPENDS on per-host counts. */
static enum pl_verdict
static_verdict(struct pl_view *v, const struct pl_pnode *p, int ei)
{
	enum pl_verdict r, s;
	int i;

	switch (p->type) {
	case PL_ANY:
		return PL_PASS;
	case PL_ONE_PER_HOST:
	case PL_MAX_N_PER_HOST:
		return PL_DEPENDS;
	case PL_MATCH_TAG:
		return has_tag(&v->ex[ei], p->tag) ? PL_PASS : PL_FAIL;
	case PL_NO_TAG:
		return v->ex[ei].untagged ? PL_PASS : PL_FAIL;
	case PL_RULE_BASED:
		return rule_passes(v, p, ei) ? PL_PASS : PL_FAIL;
	case PL_AND:
		r = PL_PASS;
		for (i = 0; i < p->nsub; i++) {
			if ((s = static_verdict(v, p->sub[i], ei)) == PL_FAIL)
				return PL_FAIL;
			if (s == PL_DEPENDS)
				r = PL_DEPENDS;
		}
		return r;
	default:
		r = PL_FAIL;
		for (i = 0; i < p->nsub; i++) {
			if ((s = static_verdict(v, p->sub[i], ei)) == PL_PASS)
				return PL_PASS;
			if (s == PL_DEPENDS)
				r = PL_DEPENDS;
		}
		return r;
	}
}

/*
 * 1 if executor ei passes p for app (-1: per-host limits pass); label
 * (PL_LABEL bytes, or NULL) says what excluded it.
 */
int
pl_policy_eval(struct pl_view *v, const struct pl_pnode *p, int ei, int app,
    char *label)
{
	char sub_label[PL_LABEL];
	size_t n;
	int i, r;

	switch (p->type) {
	case PL_ANY:
		return 1;
	case PL_ONE_PER_HOST:
		if (label)
			snprintf(label, PL_LABEL, "ONE_PER_HOST");
		return app < 0 || pl_count(&v->ex[ei], app) == 0;
	case PL_MAX_N_PER_HOST:
		if (label)
			snprintf(label, PL_LABEL, "MAX_N_PER_HOST(%d)",
			    p->max);
		return app < 0 || pl_count(&v->ex[ei], app) < p->max;
	case PL_MATCH_TAG:
		if (label)
			snprintf(label, PL_LABEL, "MATCH_TAG(%s)", p->tag);
		return has_tag(&v->ex[ei], p->tag);
	case PL_NO_TAG:
		if (label)
			snprintf(label, PL_LABEL, "NO_TAG");
		return v->ex[ei].untagged;
	case PL_RULE_BASED:
		if (label)
			snprintf(label, PL_LABEL, "RULE_BASED(%s)",
			    p->rule->text);
		return rule_passes(v, p, ei);
	case PL_AND:
		for (i = 0; i < p->nsub; i++)
			if (!pl_policy_eval(v, p->sub[i], ei, app, label))
				return 0;
		return 1;
	default:
		if (label)
			label[0] = '\0';
		for (i = 0; i < p->nsub; i++) {
			r = pl_policy_eval(v, p->sub[i], ei, app,
			    label ? sub_label : NULL);
			if (r)
				return 1;
			if (label) {
				n = strlen(label);
				snprintf(label + n, PL_LABEL - n, "%s%s",
				    n ? " OR " : "(", sub_label);
			}
		}
		if (label && (n = strlen(label)) + 1 < PL_LABEL)
			strcat(label, ")");
		return 0;
	}
}

/* 1 if executor ei, not excluded by pol's static part, passes for app. */
int
pl_policy_passes(struct pl_view *v, const struct pl_policy *pol, int ei,
    int app)
{
	return !pol->per_host || pol->verdict[ei] == PL_PASS ||
	    pl_policy_eval(v, pol->root, ei, app, NULL);
}

/* 1 if p names tag in a MATCH_TAG. */
static int
names_tag(const struct pl_pnode *p, const char *tag)
{
	int i;

	if (p->type == PL_MATCH_TAG)
		return !strcmp(p->tag, tag);
	for (i = 0; i < p->nsub; i++)
		if (names_tag(p->sub[i], tag))
			return 1;
	return 0;
}

static int
has_rule(const struct pl_pnode *p)
{
	int i;

	if (p->type == PL_RULE_BASED)
		return 1;
	for (i = 0; i < p->nsub; i++)
		if (has_rule(p->sub[i]))
			return 1;
	return 0;
}

/*
 * 1 if e has a tag (besides its hostname) that p does not ask for by a
 * MATCH_TAG, any tag if p has a rule (a rule on metadata does not ask for
 * tagged capacity): best fit and spread place there last, keeping tagged
 * executors for the policies that can only go there.
 */
static int
spare_tags(const struct pl_executor *e, const struct pl_pnode *p)
{
	int i, rule = has_rule(p);

	for (i = 0; i < e->ntags; i++)
		if (strcmp(e->tags[i], e->hostname) &&
		    (rule || !names_tag(p, e->tags[i])))
			return 1;
	return 0;
}

/* Compiled effective policies. */

void
pl_policy_free(struct pl_policy *pol)
{
	if (!pol)
		return;
	json_decref(pol->json);
	json_decref(pol->env);
	pnode_free(pol->root);
	free(pol->verdict);
	free(pol->failed.why);
	free(pol->excluded);
	free(pol);
}

/* drove.md §1.2: a policy naming no MATCH_TAG/RULE_BASED is ANDed with
 * NO_TAG.  Takes root; NULL on ENOMEM. */
static struct pl_pnode *
and_no_tag(struct pl_pnode *root)
{
	struct pl_pnode *n;

	if (!(n = calloc(1, sizeof *n)) ||
	    !(n->sub = calloc(2, sizeof *n->sub))) {
		free(n);
		pnode_free(root);
		return NULL;
	}
	n->type = PL_AND;
	n->sub[0] = root;
	n->nsub = 1;
	if (!(n->sub[1] = calloc(1, sizeof *n->sub[1]))) {
		pnode_free(n);
		return NULL;
	}
	n->sub[1]->type = PL_NO_TAG;
	n->nsub = 2;
	return n;
}

/*
 * The compiled effective policy for (policy, env), compiled on first use
 * in this index.  NULL with errno EINVAL or ENOMEM, err_text() saying why.
 */
struct pl_policy *
pl_policy_get(struct pl_view *v, const json_t *policy, const json_t *env)
{
	struct pl_index *ix = &v->ix;
	struct pl_policy *pol;
	struct pl_pnode *root;
	char *tier;
	uint64_t h;
	int i, per_host = 0, reads_env = 0;

	if (!policy)
		policy = json_null();
	if (!env || !json_is_object(env))
		env = v->empty_env;
	h = pl_jhash(policy);
	for (i = 0; i < ix->npols; i++) {
		pol = ix->pols[i];
		if (pol->hash == h && json_equal(pol->json, pl_rd(policy)) &&
		    (!pol->env || json_equal(pol->env, pl_rd(env))))
			return pol;
	}
	if (!(root = compile(v, policy, env, &per_host, &reads_env)))
		return NULL;
	if (!policy_targets(policy) && !(root = and_no_tag(root)))
		goto nomem;
	if (!(pol = calloc(1, sizeof *pol))) {
		pnode_free(root);
		goto nomem;
	}
	pol->root = root;
	pol->hash = h;
	pol->per_host = per_host;
	pol->failed.app = -1;
	if (!(pol->json = json_deep_copy(policy)) ||
	    (reads_env && !(pol->env = json_deep_copy(env))) ||
	    !(pol->verdict = malloc(v->nex + 1)) ||
	    pl_grow(&ix->pols, &ix->apols, ix->npols + 1,
	    sizeof *ix->pols) < 0) {
		pl_policy_free(pol);
		goto nomem;
	}
	for (i = 0; i < v->nex; i++)
		pol->verdict[i] = (signed char)(v->ex[i].active ?
		    static_verdict(v, root, i) : PL_FAIL);
	if (!(tier = malloc(v->nex + 1))) {
		pl_policy_free(pol);
		goto nomem;
	}
	for (i = 0; i < v->nex; i++)
		tier[i] = (char)(pol->verdict[i] != PL_FAIL &&
		    spare_tags(&v->ex[i], root));
	pol->c = pl_class_get(v, pol->verdict, tier);
	free(tier);
	if (!pol->c) {
		pl_policy_free(pol);
		pl_index_drop(v);	/* a class half made */
		goto nomem;
	}
	ix->pols[ix->npols++] = pol;
	return pol;
nomem:
	err_fail(ENOMEM, "out of memory");
	return NULL;
}
