/*
 * rule: a small, bounded expression language for RULE_BASED placement.
 * A recursive-descent parser builds an array of nodes; evaluation walks
 * it against a borrowed JSON context and never allocates.
 */
#include <sys/types.h>
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "rule.h"

enum tok {
	T_EOF, T_STR, T_PATH, T_NUM, T_IDENT, T_TRUE, T_FALSE, T_NULL,
	T_LP, T_RP, T_LB, T_RB, T_DOT, T_COMMA, T_MINUS,
	T_EQ, T_NE, T_LT, T_GT, T_LE, T_GE, T_IN, T_MATCH,
	T_AND, T_OR, T_NOT
};

enum ntype {
	N_NULL, N_BOOL, N_NUM, N_STR, N_LIST, N_LOOKUP, N_KEY, N_IDX,
	N_NOT, N_AND, N_OR, N_CMP, N_IN, N_MATCH
};

struct node {
	unsigned char type;
	unsigned char op;	/* N_CMP: the T_* operator */
	int a, b, next;		/* children and next sibling, -1 for none */
	int col;
	double num;		/* N_NUM, N_BOOL, N_IDX; N_MATCH: regex index */
	const char *str;	/* N_STR, N_KEY: pool; N_LOOKUP: root key */
};

struct rule {
	struct node *nodes;
	int root;
	regex_t *re;
	int nre;
	char *pool;
};

static const char *const roots[] = {
	"allocatedExecutorNodeMetadata", "allExecutorMetadata",
	"applicationEnvironment", "executorNodeId", "hostname", "tags", NULL
};

/* Words of MVEL and Java that would mean running code. */
static const char *const refused[] = {
	"new", "import", "def", "function", "return", "if", "else", "while",
	"for", "foreach", "do", "var", "class", "this", "with", "assert",
	NULL
};

struct parser {
	const char *src;
	size_t pos;
	int hope;
	int t;			/* current token */
	size_t tpos;		/* its offset */
	double num;
	char *str;		/* T_STR: decoded, in the pool */
	size_t ilen;		/* T_IDENT: length at src + tpos */
	char *pool;
	size_t pused, psize;
	struct node *nodes;
	int nnodes;
	regex_t *re;
	int nre;
	int depth;
	int failed;
};

static int perr(struct parser *, size_t, const char *, ...)
	__attribute__((format(printf, 3, 4)));

static int
perr(struct parser *p, size_t off, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (p->failed)
		return -1;
	p->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_fail(EINVAL, "column %zu: %s", off + 1, msg);
}

static char *
pool_put(struct parser *p, const char *s, size_t n)
{
	char *d;

	if (p->pused + n + 1 > p->psize)
		return NULL;	/* cannot happen: the pool is 2 * len + 2 */
	d = p->pool + p->pused;
	memcpy(d, s, n);
	d[n] = '\0';
	p->pused += n + 1;
	return d;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A quoted string at p->pos (the quote); decoded into the pool. */
static int
lex_string(struct parser *p)
{
	const char *s = p->src;
	char q = s[p->pos];
	size_t i = p->pos + 1, start = p->pos;
	char *d = p->pool + p->pused;
	size_t n = 0;
	unsigned u;
	int k, h;

	for (;;) {
		char c = s[i];

		if (c == '\0')
			return perr(p, start, "unterminated string");
		if (c == q)
			break;
		if (c != '\\') {
			d[n++] = c;
			i++;
			continue;
		}
		c = s[i + 1];
		switch (c) {
		case 'n': d[n++] = '\n'; i += 2; continue;
		case 't': d[n++] = '\t'; i += 2; continue;
		case 'r': d[n++] = '\r'; i += 2; continue;
		case '\\': case '\'': case '"': case '/':
			d[n++] = c;
			i += 2;
			continue;
		case 'u':
			u = 0;
			for (k = 0; k < 4; k++) {
				if ((h = hexval((unsigned char)s[i + 2 + k])) < 0)
					return perr(p, i, "bad \\u escape");
				u = u * 16 + (unsigned)h;
			}
			if (u == 0 || (u >= 0xd800 && u <= 0xdfff))
				return perr(p, i, "\\u%04x is not allowed", u);
			if (u < 0x80) {
				d[n++] = (char)u;
			} else if (u < 0x800) {
				d[n++] = (char)(0xc0 | (u >> 6));
				d[n++] = (char)(0x80 | (u & 0x3f));
			} else {
				d[n++] = (char)(0xe0 | (u >> 12));
				d[n++] = (char)(0x80 | ((u >> 6) & 0x3f));
				d[n++] = (char)(0x80 | (u & 0x3f));
			}
			i += 6;
			continue;
		case '\0':
			return perr(p, start, "unterminated string");
		default:
			/* Kept as written, so regexes read naturally. */
			d[n++] = '\\';
			d[n++] = c;
			i += 2;
			continue;
		}
	}
	d[n] = '\0';
	p->str = d;
	p->pused += n + 1;
	p->pos = i + 1;
	p->t = T_STR;
	if (p->hope && q == '"' && d[0] == '/')
		p->t = T_PATH;
	return 0;
}

static int
lex_number(struct parser *p)
{
	const char *s = p->src;
	size_t i = p->pos;
	char buf[64];

	while (isdigit((unsigned char)s[i]))
		i++;
	if (s[i] == '.') {
		if (!isdigit((unsigned char)s[i + 1]))
			return perr(p, p->pos, "malformed number");
		for (i++; isdigit((unsigned char)s[i]); i++)
			;
	}
	if (s[i] == 'e' || s[i] == 'E') {
		size_t j = i + 1;

		if (s[j] == '+' || s[j] == '-')
			j++;
		if (!isdigit((unsigned char)s[j]))
			return perr(p, p->pos, "malformed number");
		for (i = j; isdigit((unsigned char)s[i]); i++)
			;
	}
	if (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.')
		return perr(p, p->pos, "malformed number");
	if (i - p->pos >= sizeof buf)
		return perr(p, p->pos, "number too long");
	memcpy(buf, s + p->pos, i - p->pos);
	buf[i - p->pos] = '\0';
	p->num = strtod(buf, NULL);
	p->pos = i;
	p->t = T_NUM;
	return 0;
}

static int
isident(int c, int first)
{
	return isalpha(c) || c == '_' || c == '$' || (!first && isdigit(c));
}

static int
word_is(const struct parser *p, const char *w)
{
	return strlen(w) == p->ilen && !memcmp(p->src + p->tpos, w, p->ilen);
}

/* The next token; raw: identifiers stay identifiers (after '.'). */
static int
lex(struct parser *p, int raw)
{
	static const struct { const char *s; int t; } ops[] = {
		{ "==", T_EQ }, { "!=", T_NE }, { "<=", T_LE }, { ">=", T_GE },
		{ "&&", T_AND }, { "||", T_OR }, { "~=", T_MATCH },
		{ "<", T_LT }, { ">", T_GT }, { "!", T_NOT }, { "(", T_LP },
		{ ")", T_RP }, { "[", T_LB }, { "]", T_RB }, { ".", T_DOT },
		{ ",", T_COMMA }, { "-", T_MINUS },
	};
	static const struct { const char *s; int t; } kws[] = {
		{ "true", T_TRUE }, { "false", T_FALSE }, { "null", T_NULL },
		{ "and", T_AND }, { "or", T_OR }, { "not", T_NOT },
		{ "in", T_IN }, { "matches", T_MATCH },
	};
	const char *s = p->src;
	unsigned char c;
	size_t i;

	if (p->failed)
		return -1;
	while (isspace((unsigned char)s[p->pos]))
		p->pos++;
	p->tpos = p->pos;
	c = (unsigned char)s[p->pos];
	if (c == '\0') {
		p->t = T_EOF;
		return 0;
	}
	if (c == '\'' || c == '"')
		return lex_string(p);
	if (isdigit(c))
		return lex_number(p);
	if (isident(c, 1)) {
		while (isident((unsigned char)s[p->pos], 0))
			p->pos++;
		p->ilen = p->pos - p->tpos;
		p->t = T_IDENT;
		if (raw)
			return 0;
		for (i = 0; i < sizeof kws / sizeof kws[0]; i++)
			if (word_is(p, kws[i].s)) {
				p->t = kws[i].t;
				return 0;
			}
		for (i = 0; refused[i]; i++)
			if (word_is(p, refused[i]))
				return perr(p, p->tpos, "'%s' is not allowed",
				    refused[i]);
		return 0;
	}
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		size_t n = strlen(ops[i].s);

		if (!strncmp(s + p->pos, ops[i].s, n)) {
			p->pos += n;
			p->t = ops[i].t;
			return 0;
		}
	}
	if (c == '=')
		return perr(p, p->pos, "assignment is not allowed");
	if (c == ';')
		return perr(p, p->pos,
		    "';' is not allowed: a rule is one expression");
	if (strchr("+*/%", c))
		return perr(p, p->pos, "arithmetic is not supported");
	if (c >= 0x20 && c < 0x7f)
		return perr(p, p->pos, "unexpected character '%c'", c);
	return perr(p, p->pos, "unexpected byte 0x%02x", c);
}

static const char *
tokname(int t)
{
	static const char *const names[] = {
		"end of rule", "string", "path", "number", "identifier",
		"'true'", "'false'", "'null'", "'('", "')'", "'['", "']'",
		"'.'", "','", "'-'", "'=='", "'!='", "'<'", "'>'", "'<='",
		"'>='", "'in'", "'~='", "'&&'", "'||'", "'!'"
	};

	return names[t];
}

static int
expect(struct parser *p, int t, const char *what)
{
	if (p->failed)
		return -1;
	if (p->t != t)
		return perr(p, p->tpos, "expected %s, found %s", what,
		    tokname(p->t));
	return lex(p, 0);
}

static int
mk(struct parser *p, int type, int a, int b, size_t col)
{
	struct node *n;

	if (p->failed)
		return -1;
	if (p->nnodes >= RULE_MAX_NODES)
		return perr(p, col, "rule has more than %d nodes",
		    RULE_MAX_NODES);
	n = &p->nodes[p->nnodes];
	memset(n, 0, sizeof *n);
	n->type = (unsigned char)type;
	n->a = a;
	n->b = b;
	n->next = -1;
	n->col = (int)col;
	return p->nnodes++;
}

static int
isliteral(const struct parser *p, int i)
{
	int t = p->nodes[i].type;

	return t == N_NULL || t == N_BOOL || t == N_NUM || t == N_STR ||
	    t == N_LIST;
}

/* Operands of && || ! must be able to be boolean. */
static int
boolish(struct parser *p, int i, const char *op)
{
	if (i < 0)
		return -1;
	if (isliteral(p, i) && p->nodes[i].type != N_BOOL)
		return perr(p, (size_t)p->nodes[i].col,
		    "operand of '%s' is not a boolean", op);
	return 0;
}

static int
root_key(const char *s, size_t n, const char **out)
{
	int i;

	for (i = 0; roots[i]; i++)
		if (strlen(roots[i]) == n && !memcmp(roots[i], s, n)) {
			*out = roots[i];
			return 0;
		}
	return -1;
}

static void
chain(struct parser *p, int *first, int *last, int n)
{
	if (*last < 0)
		*first = n;
	else
		p->nodes[*last].next = n;
	*last = n;
}

/* HOPE's "/a/b~1c" JSON pointer, already decoded from its quotes. */
static int
parse_path(struct parser *p)
{
	size_t col = p->tpos;
	char *s = p->str + 1, *e, *seg, *d;
	const char *root;
	int n, k, first = -1, last = -1;

	e = strchr(s, '/');
	if (!e)
		e = s + strlen(s);
	if (root_key(s, (size_t)(e - s), &root) < 0)
		return perr(p, col, "unknown context key in path '%s'",
		    p->str);
	if ((n = mk(p, N_LOOKUP, -1, -1, col)) < 0)
		return -1;
	p->nodes[n].str = root;
	while (*e == '/') {
		s = e + 1;
		e = strchr(s, '/');
		if (!e)
			e = s + strlen(s);
		/* Decoding only shrinks, so reuse the token's pool bytes. */
		seg = d = s - 1;
		for (; s < e; s++) {
			if (*s == '~' && s[1] == '1') {
				*d++ = '/';
				s++;
			} else if (*s == '~' && s[1] == '0') {
				*d++ = '~';
				s++;
			} else {
				*d++ = *s;
			}
		}
		*d = '\0';
		if ((k = mk(p, N_KEY, -1, -1, col)) < 0)
			return -1;
		p->nodes[k].str = seg;
		chain(p, &first, &last, k);
	}
	p->nodes[n].a = first;
	if (lex(p, 0) < 0)
		return -1;
	return n;
}

static int
parse_lookup(struct parser *p)
{
	size_t col = p->tpos;
	const char *root;
	int n, k, first = -1, last = -1;

	if (root_key(p->src + p->tpos, p->ilen, &root) < 0) {
		int len = p->ilen > 40 ? 40 : (int)p->ilen;
		const char *w = p->src + p->tpos;

		if (lex(p, 0) < 0)
			return -1;
		if (p->t == T_LP || p->t == T_DOT)
			return perr(p, col, "'%.*s' is not a context key; "
			    "method calls and classes are not allowed", len, w);
		return perr(p, col, "unknown identifier '%.*s'", len, w);
	}
	if ((n = mk(p, N_LOOKUP, -1, -1, col)) < 0)
		return -1;
	p->nodes[n].str = root;
	if (lex(p, 0) < 0)
		return -1;
	for (;;) {
		if (p->t == T_LP)
			return perr(p, p->tpos,
			    "method calls are not allowed");
		if (p->t == T_DOT) {
			if (lex(p, 1) < 0)
				return -1;
			if (p->t != T_IDENT)
				return perr(p, p->tpos,
				    "expected a key after '.', found %s",
				    tokname(p->t));
			if ((k = mk(p, N_KEY, -1, -1, p->tpos)) < 0)
				return -1;
			p->nodes[k].str = pool_put(p, p->src + p->tpos,
			    p->ilen);
		} else if (p->t == T_LB) {
			if (lex(p, 0) < 0)
				return -1;
			if (p->t == T_STR) {
				if ((k = mk(p, N_KEY, -1, -1, p->tpos)) < 0)
					return -1;
				p->nodes[k].str = p->str;
			} else if (p->t == T_NUM && p->num >= 0 &&
			    p->num < 1e9 && p->num == (double)(long)p->num) {
				if ((k = mk(p, N_IDX, -1, -1, p->tpos)) < 0)
					return -1;
				p->nodes[k].num = p->num;
			} else {
				return perr(p, p->tpos, "a subscript must be "
				    "a quoted key or an index");
			}
			if (lex(p, 0) < 0 || expect(p, T_RB, "']'") < 0)
				return -1;
			chain(p, &first, &last, k);
			continue;
		} else {
			break;
		}
		chain(p, &first, &last, k);
		if (lex(p, 0) < 0)
			return -1;
	}
	p->nodes[n].a = first;
	return n;
}

static int parse_or(struct parser *);

static int
parse_literal(struct parser *p)
{
	size_t col = p->tpos;
	int n = -1, neg = 0;

	if (p->t == T_MINUS) {
		neg = 1;
		if (lex(p, 0) < 0)
			return -1;
		if (p->t != T_NUM)
			return perr(p, col, "arithmetic is not supported");
	}
	switch (p->t) {
	case T_NUM:
		if ((n = mk(p, N_NUM, -1, -1, col)) < 0)
			return -1;
		p->nodes[n].num = neg ? -p->num : p->num;
		break;
	case T_STR:
		if ((n = mk(p, N_STR, -1, -1, col)) < 0)
			return -1;
		p->nodes[n].str = p->str;
		break;
	case T_TRUE:
	case T_FALSE:
		if ((n = mk(p, N_BOOL, -1, -1, col)) < 0)
			return -1;
		p->nodes[n].num = p->t == T_TRUE;
		break;
	case T_NULL:
		if ((n = mk(p, N_NULL, -1, -1, col)) < 0)
			return -1;
		break;
	default:
		return perr(p, col, "expected a literal, found %s",
		    tokname(p->t));
	}
	if (lex(p, 0) < 0)
		return -1;
	return n;
}

static int
parse_list(struct parser *p)
{
	int n, k, first = -1, last = -1;

	if ((n = mk(p, N_LIST, -1, -1, p->tpos)) < 0 || lex(p, 0) < 0)
		return -1;
	while (p->t != T_RB) {
		if (first >= 0 && expect(p, T_COMMA, "',' or ']'") < 0)
			return -1;
		if ((k = parse_literal(p)) < 0)
			return -1;
		chain(p, &first, &last, k);
	}
	p->nodes[n].a = first;
	if (lex(p, 0) < 0)
		return -1;
	return n;
}

static int
parse_primary(struct parser *p)
{
	size_t col = p->tpos;
	int n;

	switch (p->t) {
	case T_LP:
		if (lex(p, 0) < 0 || (n = parse_or(p)) < 0 ||
		    expect(p, T_RP, "')'") < 0)
			return -1;
		return n;
	case T_IDENT:
		return parse_lookup(p);
	case T_PATH:
		return parse_path(p);
	case T_LB:
		return perr(p, col, "a list is allowed only after 'in'");
	case T_EOF:
		return perr(p, col, "unexpected end of rule");
	default:
		return parse_literal(p);
	}
}

static int
iscmp(int t)
{
	return t == T_EQ || t == T_NE || t == T_LT || t == T_GT ||
	    t == T_LE || t == T_GE || t == T_IN || t == T_MATCH;
}

/* Refuse what glibc's regcomp would make slow or large: back-references,
 * intervals over RULE_MAX_REPEAT, and patterns whose syntax tree grows
 * past RULE_MAX_REGEX_NODES once
 * '+' and intervals are expanded (glibc copies the repeated subtree, so
 * "(a+)+" or "a{9}{9}" multiply). */
static int
regex_safe(struct parser *p, const char *re, size_t col)
{
	unsigned long sum[RULE_MAX_REGEX_LEN + 2], last[RULE_MAX_REGEX_LEN + 2];
	unsigned long k, m;
	const char *s;
	char *end;
	int d = 0;

	sum[0] = last[0] = 0;
	for (s = re; *s; s++) {
		k = 0;		/* >0: the last atom is repeated k times */
		switch (*s) {
		case '\\':
			if (s[1] >= '1' && s[1] <= '9')
				return perr(p, col, "back-references are not "
				    "allowed in a regex");
			if (s[1])
				s++;
			last[d] = 1;
			break;
		case '[':
			s++;
			if (*s == '^')
				s++;
			if (*s == ']')
				s++;
			while (*s && *s != ']') {
				if (*s == '[' && (s[1] == ':' || s[1] == '.' ||
				    s[1] == '=')) {
					const char *e = strchr(s + 2, s[1]);

					if (e && e[1] == ']')
						s = e + 1;
				}
				s++;
			}
			if (!*s)
				s--;
			last[d] = 1;
			break;
		case '(':
			d++;
			sum[d] = last[d] = 0;
			continue;
		case ')':
			if (d == 0) {
				last[d] = 1;
				break;
			}
			d--;
			last[d] = sum[d + 1] + 1;
			break;
		case '|':
			last[d] = 0;
			continue;
		case '*':
		case '?':
			continue;
		case '+':
			k = 2;
			break;
		case '{':
			if (!isdigit((unsigned char)s[1])) {
				last[d] = 1;
				break;
			}
			k = m = strtoul(s + 1, &end, 10);
			if (*end == ',')
				k = isdigit((unsigned char)end[1]) ?
				    strtoul(end + 1, &end, 10) : m + 1;
			if (k > RULE_MAX_REPEAT)
				return perr(p, col, "regex repetition over %d",
				    RULE_MAX_REPEAT);
			if (k < 1)
				k = 1;
			s = *end == '}' ? end : end - 1;
			break;
		default:
			last[d] = 1;
			break;
		}
		if (k) {
			sum[d] += last[d] * (k - 1);
			last[d] *= k;
		} else {
			sum[d] += last[d];
		}
		if (sum[d] > RULE_MAX_REGEX_NODES ||
		    last[d] > RULE_MAX_REGEX_NODES)
			return perr(p, col, "regex too complex: over %d nodes "
			    "once repetitions are expanded",
			    RULE_MAX_REGEX_NODES);
	}
	return 0;
}

static int
parse_cmp(struct parser *p)
{
	int a, b, n, op;
	size_t col;

	if ((a = parse_primary(p)) < 0)
		return -1;
	if (!iscmp(p->t))
		return a;
	op = p->t;
	col = p->tpos;
	if (lex(p, 0) < 0)
		return -1;
	if (op == T_MATCH) {
		char buf[160];
		int rc;

		if (p->t != T_STR)
			return perr(p, p->tpos, "a regex must be a quoted "
			    "string");
		if (strlen(p->str) > RULE_MAX_REGEX_LEN)
			return perr(p, p->tpos, "regex longer than %d bytes",
			    RULE_MAX_REGEX_LEN);
		if (p->nre >= RULE_MAX_REGEXES)
			return perr(p, p->tpos, "more than %d regexes",
			    RULE_MAX_REGEXES);
		if (regex_safe(p, p->str, p->tpos) < 0)
			return -1;
		rc = regcomp(&p->re[p->nre], p->str, REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			regerror(rc, &p->re[p->nre], buf, sizeof buf);
			return perr(p, p->tpos, "bad regex: %s", buf);
		}
		p->nre++;
		if ((n = mk(p, N_MATCH, a, -1, col)) < 0)
			return -1;
		p->nodes[n].num = p->nre - 1;
		if (lex(p, 0) < 0)
			return -1;
	} else if (op == T_IN) {
		if (p->t == T_LB)
			b = parse_list(p);
		else if ((b = parse_primary(p)) >= 0 && isliteral(p, b))
			return perr(p, (size_t)p->nodes[b].col, "the right "
			    "side of 'in' must be a list or a map");
		if (b < 0 || (n = mk(p, N_IN, a, b, col)) < 0)
			return -1;
	} else {
		if ((b = parse_primary(p)) < 0 ||
		    (n = mk(p, N_CMP, a, b, col)) < 0)
			return -1;
		p->nodes[n].op = (unsigned char)op;
	}
	if (iscmp(p->t))
		return perr(p, p->tpos, "comparisons do not chain; "
		    "use parentheses");
	return n;
}

static int
parse_not(struct parser *p)
{
	size_t col = p->tpos;
	int a, n;

	if (p->t != T_NOT)
		return parse_cmp(p);
	if (++p->depth > RULE_MAX_DEPTH)
		return perr(p, col, "nesting deeper than %d", RULE_MAX_DEPTH);
	if (lex(p, 0) < 0 || (a = parse_not(p)) < 0 ||
	    boolish(p, a, "!") < 0 || (n = mk(p, N_NOT, a, -1, col)) < 0)
		return -1;
	p->depth--;
	return n;
}

static int
parse_and(struct parser *p)
{
	int a, b;
	size_t col;

	if ((a = parse_not(p)) < 0)
		return -1;
	while (p->t == T_AND) {
		col = p->tpos;
		if (lex(p, 0) < 0 || (b = parse_not(p)) < 0 ||
		    boolish(p, a, "&&") < 0 || boolish(p, b, "&&") < 0 ||
		    (a = mk(p, N_AND, a, b, col)) < 0)
			return -1;
	}
	return a;
}

static int
parse_or(struct parser *p)
{
	int a, b;
	size_t col;

	if (++p->depth > RULE_MAX_DEPTH)
		return perr(p, p->tpos, "nesting deeper than %d",
		    RULE_MAX_DEPTH);
	if ((a = parse_and(p)) < 0)
		return -1;
	while (p->t == T_OR) {
		col = p->tpos;
		if (lex(p, 0) < 0 || (b = parse_and(p)) < 0 ||
		    boolish(p, a, "||") < 0 || boolish(p, b, "||") < 0 ||
		    (a = mk(p, N_OR, a, b, col)) < 0)
			return -1;
	}
	p->depth--;
	return a;
}

struct rule *
rule_compile(const char *type, const char *text)
{
	struct parser p;
	struct rule *r;
	size_t len;
	int root, i;

	if (!type || (strcasecmp(type, "MVEL") != 0 &&
	    strcasecmp(type, "HOPE") != 0)) {
		err_fail(EINVAL, "unknown rule type '%.40s'",
		    type ? type : "(null)");
		return NULL;
	}
	len = text ? strnlen(text, RULE_MAX_LEN + 1) : 0;
	if (len > RULE_MAX_LEN) {
		err_fail(EINVAL, "rule longer than %d bytes", RULE_MAX_LEN);
		return NULL;
	}
	memset(&p, 0, sizeof p);
	p.src = text ? text : "";
	p.depth = -1;	/* the top level is not nesting */
	p.hope = !strcasecmp(type, "HOPE");
	p.psize = 2 * len + 2;
	p.pool = malloc(p.psize);
	p.nodes = malloc(RULE_MAX_NODES * sizeof *p.nodes);
	p.re = malloc(RULE_MAX_REGEXES * sizeof *p.re);
	if (!p.pool || !p.nodes || !p.re) {
		err_fail(ENOMEM, "out of memory");
		goto fail;
	}
	if (lex(&p, 0) < 0)
		goto bad;
	if (p.t == T_EOF) {
		err_set("rule is empty");
		goto bad;
	}
	if ((root = parse_or(&p)) < 0)
		goto bad;
	if (p.t != T_EOF) {
		perr(&p, p.tpos, "unexpected %s after the expression",
		    tokname(p.t));
		goto bad;
	}
	if (isliteral(&p, root) && p.nodes[root].type != N_BOOL) {
		err_set("rule is not a boolean expression");
		goto bad;
	}
	if (!(r = malloc(sizeof *r))) {
		err_fail(ENOMEM, "out of memory");
		goto fail;
	}
	r->nodes = p.nodes;
	r->root = root;
	r->re = p.re;
	r->nre = p.nre;
	r->pool = p.pool;
	return r;
bad:
	errno = EINVAL;
fail:
	for (i = 0; i < p.nre; i++)
		regfree(&p.re[i]);
	free(p.pool);
	free(p.nodes);
	free(p.re);
	return NULL;
}

void
rule_free(struct rule *r)
{
	int i;

	if (!r)
		return;
	for (i = 0; i < r->nre; i++)
		regfree(&r->re[i]);
	free(r->re);
	free(r->nodes);
	free(r->pool);
	free(r);
}

enum vtype { V_ERR, V_NULL, V_BOOL, V_NUM, V_STR, V_ARR, V_OBJ, V_LIST };

struct val {
	enum vtype t;
	int b;
	double n;
	const char *s;		/* V_STR; V_ERR: the message */
	const json_t *j;	/* V_ARR, V_OBJ */
	int first;		/* V_LIST: first element node */
};

static struct val
verr(const char *msg)
{
	struct val v = { V_ERR, 0, 0, msg, NULL, -1 };

	return v;
}

static struct val
vbool(int b)
{
	struct val v = { V_BOOL, !!b, 0, NULL, NULL, -1 };

	return v;
}

static struct val
from_json(const json_t *j)
{
	struct val v = { V_NULL, 0, 0, NULL, NULL, -1 };

	if (json_is_string(j)) {
		v.t = V_STR;
		v.s = json_string_value(j);
	} else if (json_is_number(j)) {
		v.t = V_NUM;
		v.n = json_number_value(j);
	} else if (json_is_boolean(j)) {
		v.t = V_BOOL;
		v.b = json_is_true(j);
	} else if (json_is_array(j)) {
		v.t = V_ARR;
		v.j = j;
	} else if (json_is_object(j)) {
		v.t = V_OBJ;
		v.j = j;
	}
	return v;
}

static struct val
from_node(const struct node *n)
{
	struct val v = { V_NULL, 0, 0, NULL, NULL, -1 };

	switch (n->type) {
	case N_BOOL:
		v.t = V_BOOL;
		v.b = n->num != 0;
		break;
	case N_NUM:
		v.t = V_NUM;
		v.n = n->num;
		break;
	case N_STR:
		v.t = V_STR;
		v.s = n->str;
		break;
	case N_LIST:
		v.t = V_LIST;
		v.first = n->a;
		break;
	default:
		break;
	}
	return v;
}

/* A whole string that reads as a decimal number. */
static int
numeric(const char *s, double *out)
{
	const char *q = s;

	if (*q == '-' || *q == '+')
		q++;
	if (!isdigit((unsigned char)*q))
		return 0;
	while (isdigit((unsigned char)*q))
		q++;
	if (*q == '.')
		for (q++; isdigit((unsigned char)*q); q++)
			;
	if (*q == 'e' || *q == 'E') {
		q++;
		if (*q == '-' || *q == '+')
			q++;
		if (!isdigit((unsigned char)*q))
			return 0;
		while (isdigit((unsigned char)*q))
			q++;
	}
	if (*q)
		return 0;
	*out = strtod(s, NULL);
	return 1;
}

/* <0, 0, >0, or 2 when a and b are not ordered. */
static int
order(struct val a, struct val b)
{
	double x, y;

	if (a.t == V_NUM && b.t == V_NUM) {
		x = a.n;
		y = b.n;
	} else if (a.t == V_NUM && b.t == V_STR) {
		x = a.n;
		if (!numeric(b.s, &y))
			return 2;
	} else if (a.t == V_STR && b.t == V_NUM) {
		y = b.n;
		if (!numeric(a.s, &x))
			return 2;
	} else if (a.t == V_STR && b.t == V_STR) {
		int c = strcmp(a.s, b.s);

		return c < 0 ? -1 : c > 0;
	} else {
		return 2;
	}
	if (x != x || y != y)
		return 2;
	return x < y ? -1 : x > y;
}

static int
equal(struct val a, struct val b)
{
	if (a.t == V_NULL || b.t == V_NULL)
		return a.t == b.t;
	if (a.t == V_BOOL || b.t == V_BOOL)
		return a.t == b.t && a.b == b.b;
	if ((a.t == V_ARR || a.t == V_OBJ) && a.t == b.t)
		return json_equal(a.j, b.j);
	return order(a, b) == 0;
}

static struct val ev(const struct rule *, int, const json_t *);

static struct val
ev_lookup(const struct rule *r, const struct node *n, const json_t *ctx)
{
	const json_t *j = json_object_get(ctx, n->str);
	const struct node *k;
	int i;

	for (i = n->a; i >= 0 && j; i = k->next) {
		k = &r->nodes[i];
		if (json_is_object(j) && k->type == N_KEY) {
			j = json_object_get(j, k->str);
		} else if (json_is_array(j)) {
			double x = k->num;

			if (k->type == N_KEY && !numeric(k->str, &x))
				return from_json(NULL);
			j = x >= 0 && x < 1e9 && x == (double)(size_t)x ?
			    json_array_get(j, (size_t)x) : NULL;
		} else {
			j = NULL;
		}
	}
	return from_json(j);
}

static struct val
ev_in(const struct rule *r, struct val a, struct val b)
{
	const json_t *e;
	size_t i;
	int k;

	switch (b.t) {
	case V_LIST:
		for (k = b.first; k >= 0; k = r->nodes[k].next)
			if (equal(a, from_node(&r->nodes[k])))
				return vbool(1);
		return vbool(0);
	case V_ARR:
		json_array_foreach(b.j, i, e)
			if (equal(a, from_json(e)))
				return vbool(1);
		return vbool(0);
	case V_OBJ:
		return vbool(a.t == V_STR && json_object_get(b.j, a.s));
	default:
		return vbool(0);
	}
}

static struct val
ev(const struct rule *r, int i, const json_t *ctx)
{
	const struct node *n = &r->nodes[i];
	struct val a, b;
	int c;

	switch (n->type) {
	case N_LOOKUP:
		return ev_lookup(r, n, ctx);
	case N_NOT:
		a = ev(r, n->a, ctx);
		if (a.t == V_ERR)
			return a;
		if (a.t != V_BOOL)
			return verr("operand of '!' is not a boolean");
		return vbool(!a.b);
	case N_AND:
	case N_OR:
		a = ev(r, n->a, ctx);
		if (a.t == V_ERR)
			return a;
		if (a.t != V_BOOL)
			return verr(n->type == N_AND ?
			    "operand of '&&' is not a boolean" :
			    "operand of '||' is not a boolean");
		if (a.b == (n->type == N_OR))
			return a;
		b = ev(r, n->b, ctx);
		if (b.t == V_ERR)
			return b;
		if (b.t != V_BOOL)
			return verr(n->type == N_AND ?
			    "operand of '&&' is not a boolean" :
			    "operand of '||' is not a boolean");
		return b;
	case N_CMP:
		a = ev(r, n->a, ctx);
		b = ev(r, n->b, ctx);
		if (a.t == V_ERR)
			return a;
		if (b.t == V_ERR)
			return b;
		if (n->op == T_EQ)
			return vbool(equal(a, b));
		if (n->op == T_NE)
			return vbool(!equal(a, b));
		if ((c = order(a, b)) == 2)
			return vbool(0);
		switch (n->op) {
		case T_LT: return vbool(c < 0);
		case T_GT: return vbool(c > 0);
		case T_LE: return vbool(c <= 0);
		default: return vbool(c >= 0);
		}
	case N_IN:
		a = ev(r, n->a, ctx);
		if (a.t == V_ERR)
			return a;
		b = ev(r, n->b, ctx);
		if (b.t == V_ERR)
			return b;
		return ev_in(r, a, b);
	case N_MATCH:
		a = ev(r, n->a, ctx);
		if (a.t == V_ERR)
			return a;
		return vbool(a.t == V_STR &&
		    regexec(&r->re[(int)n->num], a.s, 0, NULL, 0) == 0);
	default:
		return from_node(n);
	}
}

/* 1 true, 0 false, -1 an error (*why says which). */
static int
check(const struct rule *r, const json_t *ctx, const char **why)
{
	struct val v;

	if (!r || !json_is_object(ctx)) {
		*why = "the context is not an object";
		return -1;
	}
	v = ev(r, r->root, ctx);
	if (v.t == V_ERR) {
		*why = v.s;
		return -1;
	}
	if (v.t != V_BOOL) {
		*why = "rule did not yield a boolean";
		return -1;
	}
	return v.b;
}

int
rule_check(const struct rule *r, const json_t *ctx)
{
	const char *why = "";
	int v = check(r, ctx, &why);

	return v < 0 ? err_fail(EINVAL, "%s", why) : v;
}

/* No text: placement evaluates rules for every executor. */
int
rule_eval(const struct rule *r, const json_t *ctx)
{
	const char *why;

	return check(r, ctx, &why) == 1;
}
