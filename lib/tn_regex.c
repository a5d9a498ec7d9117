/*
 * tn_regex.c: Rust-regex dialect on PCRE2 (see tn_regex.h).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "tn_codec.h"
#include "tn_regex.h"

enum rx_status { RX_OK = 0, RX_MALFORMED, RX_UNSUPPORTED, RX_NOMEM };

#define W_CLASS	"\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}"

struct rx {
	const uint8_t	*p;
	size_t		 n;
	size_t		 i;
	char		*out;
	size_t		 on;
	size_t		 ocap;
	const char	*why;
	/* capture names, for the duplicate check */
	size_t		 names[64][2];
	size_t		 nnames;
};

static int
rx_put(struct rx *r, const char *s, size_t n)
{
	if (n > r->ocap - r->on)
		return -1;
	memcpy(r->out + r->on, s, n);
	r->on += n;
	return 0;
}

static int
rx_puts(struct rx *r, const char *s)
{
	return rx_put(r, s, strlen(s));
}

static enum rx_status
rx_fail(struct rx *r, enum rx_status st, const char *why)
{
	r->why = why;
	return st;
}

static int
is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static int
is_punct(int c)
{
	return c > 0x20 && c < 0x7f && !is_alnum(c);
}

/* \x.., \u...., \U........ or braced forms, at r->i (after the letter). */
static enum rx_status
rx_hex(struct rx *r, int kind)
{
	unsigned long v = 0;
	size_t digits = 0, want = kind == 'x' ? 2 : kind == 'u' ? 4 : 8;
	char buf[24];
	int len;

	if (r->i < r->n && r->p[r->i] == '{') {
		r->i++;
		while (r->i < r->n && r->p[r->i] != '}') {
			int d = tn_hex_digit(r->p[r->i]);

			if (d < 0 || digits >= 8)
				return rx_fail(r, RX_MALFORMED,
				    "invalid hexadecimal escape");
			v = v * 16 + (unsigned)d;
			digits++;
			r->i++;
		}
		if (r->i >= r->n || digits == 0)
			return rx_fail(r, RX_MALFORMED,
			    "invalid hexadecimal escape");
		r->i++;
	} else {
		for (; digits < want; digits++) {
			int d = r->i < r->n ? tn_hex_digit(r->p[r->i]) : -1;

			if (d < 0)
				return rx_fail(r, RX_MALFORMED,
				    "invalid hexadecimal escape");
			v = v * 16 + (unsigned)d;
			r->i++;
		}
	}
	if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return rx_fail(r, RX_MALFORMED, "escape is not a Unicode "
		    "scalar value");
	len = 0;
	buf[len++] = '\\';
	buf[len++] = 'x';
	buf[len++] = '{';
	for (int sh = 20; sh >= 0; sh -= 4)
		buf[len++] = "0123456789ABCDEF"[(v >> sh) & 15];
	buf[len++] = '}';
	return rx_put(r, buf, (size_t)len) ? RX_NOMEM : RX_OK;
}

/* \p / \P at r->i (after the letter). */
static enum rx_status
rx_prop(struct rx *r, int neg)
{
	size_t s;

	if (rx_puts(r, neg ? "\\P" : "\\p"))
		return RX_NOMEM;
	if (r->i >= r->n)
		return rx_fail(r, RX_MALFORMED, "incomplete Unicode class");
	if (r->p[r->i] != '{') {
		if (!is_alnum(r->p[r->i]))
			return rx_fail(r, RX_MALFORMED, "invalid Unicode class");
		return rx_put(r, (const char *)r->p + r->i++, 1) ? RX_NOMEM :
		    RX_OK;
	}
	s = r->i++;
	while (r->i < r->n && r->p[r->i] != '}') {
		uint8_t c = r->p[r->i];

		if (!(is_alnum(c) || c == '_' || c == ' ' || c == '=' ||
		    c == ':' || c == '-' || c == '^' || c == '.'))
			return rx_fail(r, RX_UNSUPPORTED, "Unicode class name "
			    "not supported");
		r->i++;
	}
	if (r->i >= r->n)
		return rx_fail(r, RX_MALFORMED, "unclosed Unicode class");
	r->i++;
	return rx_put(r, (const char *)r->p + s, r->i - s) ? RX_NOMEM : RX_OK;
}

/* An escape at r->i (after the backslash); in_class: inside [...]. */
static enum rx_status
rx_escape(struct rx *r, int in_class)
{
	int c;
	char lit[3];

	if (r->i >= r->n)
		return rx_fail(r, RX_MALFORMED, "incomplete escape");
	c = r->p[r->i++];
	switch (c) {
	case 'd':
		return rx_puts(r, "\\p{Nd}") ? RX_NOMEM : RX_OK;
	case 'D':
		return rx_puts(r, "\\P{Nd}") ? RX_NOMEM : RX_OK;
	case 's':
		return rx_puts(r, "\\p{White_Space}") ? RX_NOMEM : RX_OK;
	case 'S':
		return rx_puts(r, "\\P{White_Space}") ? RX_NOMEM : RX_OK;
	case 'w':
		return rx_puts(r, in_class ? W_CLASS : "[" W_CLASS "]") ?
		    RX_NOMEM : RX_OK;
	case 'W':
		if (in_class)
			return rx_fail(r, RX_UNSUPPORTED, "\\W inside a class");
		return rx_puts(r, "[^" W_CLASS "]") ? RX_NOMEM : RX_OK;
	case 'p':
	case 'P':
		return rx_prop(r, c == 'P');
	case 'x':
	case 'u':
	case 'U':
		return rx_hex(r, c);
	case 'a':
		return rx_puts(r, "\\x{07}") ? RX_NOMEM : RX_OK;
	case 'f':
		return rx_puts(r, "\\x{0C}") ? RX_NOMEM : RX_OK;
	case 't':
		return rx_puts(r, "\\x{09}") ? RX_NOMEM : RX_OK;
	case 'n':
		return rx_puts(r, "\\x{0A}") ? RX_NOMEM : RX_OK;
	case 'r':
		return rx_puts(r, "\\x{0D}") ? RX_NOMEM : RX_OK;
	case 'v':
		return rx_puts(r, "\\x{0B}") ? RX_NOMEM : RX_OK;
	case 'A':
	case 'z':
	case 'b':
	case 'B':
		if (in_class)
			return rx_fail(r, RX_UNSUPPORTED, "assertion escape "
			    "inside a class");
		if (c == 'A')
			return rx_puts(r, "\\A") ? RX_NOMEM : RX_OK;
		if (c == 'z')
			return rx_puts(r, "\\z") ? RX_NOMEM : RX_OK;
		if (r->i < r->n && r->p[r->i] == '{')
			return rx_fail(r, RX_UNSUPPORTED, "\\b{...} word "
			    "boundaries are not supported");
		if (c == 'b')
			return rx_puts(r, "(?:(?<=[" W_CLASS "])(?![" W_CLASS
			    "])|(?<![" W_CLASS "])(?=[" W_CLASS "]))") ?
			    RX_NOMEM : RX_OK;
		return rx_puts(r, "(?:(?<=[" W_CLASS "])(?=[" W_CLASS
		    "])|(?<![" W_CLASS "])(?![" W_CLASS "]))") ? RX_NOMEM :
		    RX_OK;
	case '<':
	case '>':
		return rx_fail(r, RX_UNSUPPORTED, "\\< and \\> are not "
		    "supported");
	default:
		break;
	}
	if (c >= '0' && c <= '9')
		return rx_fail(r, RX_MALFORMED, "backreferences and octal "
		    "escapes are not part of the deployed dialect");
	if (is_alnum(c))
		return rx_fail(r, RX_MALFORMED, "unrecognized escape");
	if (!is_punct(c))
		return rx_fail(r, RX_UNSUPPORTED, "escape of a non-punctuation "
		    "character");
	lit[0] = '\\';
	lit[1] = (char)c;
	return rx_put(r, lit, 2) ? RX_NOMEM : RX_OK;
}

static const struct {
	const char *name;
	const char *set;
} posix[] = {
	{ "alnum", "0-9A-Za-z" }, { "alpha", "A-Za-z" },
	{ "ascii", "\\x{00}-\\x{7F}" }, { "blank", "\\x{09}\\x{20}" },
	{ "cntrl", "\\x{00}-\\x{1F}\\x{7F}" }, { "digit", "0-9" },
	{ "graph", "!-~" }, { "lower", "a-z" }, { "print", " -~" },
	{ "punct", "!-/:-@\\[-`{-~" },
	{ "space", "\\x{09}-\\x{0D}\\x{20}" }, { "upper", "A-Z" },
	{ "word", "0-9A-Za-z_" }, { "xdigit", "0-9A-Fa-f" },
};

/* A class at r->i (after '['). */
static enum rx_status
rx_class(struct rx *r)
{
	enum rx_status st;
	int first = 1;

	if (rx_puts(r, "["))
		return RX_NOMEM;
	if (r->i < r->n && r->p[r->i] == '^') {
		r->i++;
		if (rx_puts(r, "^"))
			return RX_NOMEM;
	}
	for (;;) {
		uint8_t c;

		if (r->i >= r->n)
			return rx_fail(r, RX_MALFORMED, "unclosed character "
			    "class");
		c = r->p[r->i];
		if (c == ']' && !first) {
			r->i++;
			return rx_puts(r, "]") ? RX_NOMEM : RX_OK;
		}
		first = 0;
		if (c == '[') {
			size_t k;

			if (r->i + 1 < r->n && r->p[r->i + 1] == ':') {
				for (k = 0; k < sizeof(posix) / sizeof(posix[0]);
				    k++) {
					size_t ln = strlen(posix[k].name);

					if (r->i + 4 + ln <= r->n &&
					    memcmp(r->p + r->i + 2,
					    posix[k].name, ln) == 0 &&
					    memcmp(r->p + r->i + 2 + ln, ":]",
					    2) == 0)
						break;
				}
				if (k == sizeof(posix) / sizeof(posix[0]))
					return rx_fail(r, RX_UNSUPPORTED,
					    "POSIX class not supported");
				r->i += 4 + strlen(posix[k].name);
				if (rx_puts(r, posix[k].set))
					return RX_NOMEM;
				continue;
			}
			return rx_fail(r, RX_UNSUPPORTED, "nested character "
			    "classes are not supported");
		}
		if ((c == '&' || c == '-' || c == '~') && r->i + 1 < r->n &&
		    r->p[r->i + 1] == c)
			return rx_fail(r, RX_UNSUPPORTED, "character class set "
			    "operations are not supported");
		if (c == '\\') {
			r->i++;
			if ((st = rx_escape(r, 1)) != RX_OK)
				return st;
			continue;
		}
		if (c == '^' || c == ']') {
			char e[2] = { '\\', (char)c };

			r->i++;
			if (rx_put(r, e, 2))
				return RX_NOMEM;
			continue;
		}
		r->i++;
		if (rx_put(r, (const char *)&c, 1))
			return RX_NOMEM;
	}
}

/* Rust capture name: [_A-Za-z][_0-9A-Za-z.\[\]]* up to '>'. */
static enum rx_status
rx_name(struct rx *r)
{
	size_t s = r->i;

	while (r->i < r->n && r->p[r->i] != '>') {
		uint8_t c = r->p[r->i];

		if (!(is_alnum(c) || c == '_' || c == '.' || c == '[' ||
		    c == ']') || (r->i == s && c >= '0' && c <= '9'))
			return rx_fail(r, RX_MALFORMED, "invalid capture "
			    "group name");
		r->i++;
	}
	if (r->i >= r->n || r->i == s)
		return rx_fail(r, RX_MALFORMED, "invalid capture group name");
	for (size_t k = 0; k < r->nnames; k++)
		if (r->names[k][1] == r->i - s && memcmp(r->p + r->names[k][0],
		    r->p + s, r->i - s) == 0)
			return rx_fail(r, RX_MALFORMED, "duplicate capture "
			    "group name");
	if (r->nnames == sizeof(r->names) / sizeof(r->names[0]))
		return rx_fail(r, RX_UNSUPPORTED, "too many named groups");
	r->names[r->nnames][0] = s;
	r->names[r->nnames++][1] = r->i - s;
	r->i++;
	return RX_OK;
}

/* Wraps out[at..on) in (?: ... ). */
static int
rx_wrap(struct rx *r, size_t at)
{
	if (r->ocap - r->on < 4)
		return -1;
	memmove(r->out + at + 3, r->out + at, r->on - at);
	memcpy(r->out + at, "(?:", 3);
	r->on += 3;
	r->out[r->on++] = ')';
	return 0;
}

static enum rx_status
rx_translate(struct rx *r)
{
	size_t gstart[TN_REGEX_MAX_NEST + 1];
	int gm[TN_REGEX_MAX_NEST + 1], mflag = 0;
	size_t depth = 0, atom = (size_t)-1;
	int quantified = 0;
	enum rx_status st;

	while (r->i < r->n) {
		uint8_t c = r->p[r->i];
		size_t here = r->on;

		switch (c) {
		case '(':
			r->i++;
			if (depth >= TN_REGEX_MAX_NEST)
				return rx_fail(r, RX_UNSUPPORTED, "groups "
				    "nested too deeply");
			if (r->i < r->n && r->p[r->i] == '*')
				return rx_fail(r, RX_MALFORMED, "(*VERB) and "
				    "dangling repetitions are not part of the "
				    "deployed dialect");
			if (r->i < r->n && r->p[r->i] == '?') {
				size_t fs;
				int neg = 0, seen = 0, colon = 0;
				char used[8] = { 0 };

				r->i++;
				if (r->i + 1 < r->n && r->p[r->i] == 'P' &&
				    r->p[r->i + 1] == '<') {
					r->i += 2;
					if ((st = rx_name(r)) != RX_OK)
						return st;
					goto group;
				}
				if (r->i + 1 < r->n && r->p[r->i] == '<' &&
				    r->p[r->i + 1] != '=' &&
				    r->p[r->i + 1] != '!') {
					r->i++;
					if ((st = rx_name(r)) != RX_OK)
						return st;
					goto group;
				}
				if (r->i < r->n && r->p[r->i] == ':') {
					r->i++;
					goto group;
				}
				fs = r->i;
				gm[depth] = mflag;
				while (r->i < r->n && r->p[r->i] != ')' &&
				    r->p[r->i] != ':') {
					uint8_t f = r->p[r->i];
					const char *fl = "imsUxuR";
					const char *pos;

					if (f == '-') {
						if (neg)
							return rx_fail(r,
							    RX_MALFORMED,
							    "repeated flag "
							    "negation");
						neg = 1;
						seen = 0;
						r->i++;
						continue;
					}
					if (f == 0 || (pos = strchr(fl, f)) ==
					    NULL)
						return rx_fail(r, RX_MALFORMED,
						    "lookaround, atomic groups, "
						    "recursion, conditionals "
						    "and callouts are not part "
						    "of the deployed dialect");
					if (used[pos - fl])
						return rx_fail(r, RX_MALFORMED,
						    "duplicate flag");
					used[pos - fl] = 1;
					if (f == 'm')
						mflag = !neg;
					if (f == 'x' || f == 'u' || f == 'R')
						return rx_fail(r,
						    RX_UNSUPPORTED, "flags x, u "
						    "and R are not supported");
					seen = 1;
					r->i++;
				}
				if (r->i >= r->n)
					return rx_fail(r, RX_MALFORMED,
					    "unclosed group");
				if (r->i == fs || (neg && !seen))
					return rx_fail(r, RX_MALFORMED,
					    "empty or dangling flag group");
				colon = r->p[r->i] == ':';
				if (rx_puts(r, "(?") || rx_put(r,
				    (const char *)r->p + fs, r->i - fs + 1))
					return RX_NOMEM;
				r->i++;
				if (!colon) {
					/* applies to the rest of the group */
					atom = (size_t)-1;
					quantified = 0;
					break;
				}
				/* (?flags:...) restores mflag at its ')' */
				gstart[depth++] = here;
				atom = (size_t)-1;
				break;
			}
group:
			if (rx_puts(r, "(?:"))
				return RX_NOMEM;
			gm[depth] = mflag;
			gstart[depth++] = here;
			atom = (size_t)-1;
			break;
		case ')':
			r->i++;
			if (depth == 0)
				return rx_fail(r, RX_MALFORMED, "unopened "
				    "group");
			if (rx_puts(r, ")"))
				return RX_NOMEM;
			atom = gstart[--depth];
			mflag = gm[depth];
			quantified = 0;
			break;
		case '$':
			/* Rust $: end of text, or before \n in (?m). */
			r->i++;
			if (rx_puts(r, mflag ? "$" : "\\z"))
				return RX_NOMEM;
			atom = here;
			quantified = 0;
			break;
		case '|':
			r->i++;
			if (rx_puts(r, "|"))
				return RX_NOMEM;
			atom = (size_t)-1;
			break;
		case '*':
		case '+':
		case '?':
		case '{': {
			size_t qs = r->i;

			if (atom == (size_t)-1)
				return rx_fail(r, RX_MALFORMED, "repetition "
				    "operator missing expression");
			r->i++;
			if (c == '{') {
				unsigned long lo = 0, hi = 0;
				size_t d = 0, e = 0;
				int comma = 0;

				while (r->i < r->n && r->p[r->i] >= '0' &&
				    r->p[r->i] <= '9' && d < 9) {
					lo = lo * 10 + (r->p[r->i++] - '0');
					d++;
				}
				if (r->i < r->n && r->p[r->i] == ',') {
					comma = 1;
					r->i++;
					while (r->i < r->n &&
					    r->p[r->i] >= '0' &&
					    r->p[r->i] <= '9' && e < 9) {
						hi = hi * 10 +
						    (r->p[r->i++] - '0');
						e++;
					}
				}
				if (r->i >= r->n || r->p[r->i] != '}')
					return rx_fail(r, d == 0 && comma ?
					    RX_UNSUPPORTED : RX_MALFORMED,
					    "invalid counted repetition");
				if (d == 0)
					return rx_fail(r, comma ?
					    RX_UNSUPPORTED : RX_MALFORMED,
					    "invalid counted repetition");
				r->i++;
				if (comma && e > 0 && hi < lo)
					return rx_fail(r, RX_MALFORMED,
					    "invalid repetition range");
				if (lo > TN_REGEX_MAX_REPEAT ||
				    hi > TN_REGEX_MAX_REPEAT)
					return rx_fail(r, RX_UNSUPPORTED,
					    "repetition count too large");
			}
			if (quantified && rx_wrap(r, atom))
				return RX_NOMEM;
			if (rx_put(r, (const char *)r->p + qs, r->i - qs))
				return RX_NOMEM;
			if (r->i < r->n && r->p[r->i] == '?') {
				r->i++;
				if (rx_puts(r, "?"))
					return RX_NOMEM;
			}
			quantified = 1;
			continue;
		}
		case '[':
			r->i++;
			if ((st = rx_class(r)) != RX_OK)
				return st;
			atom = here;
			quantified = 0;
			break;
		case '\\':
			r->i++;
			if ((st = rx_escape(r, 0)) != RX_OK)
				return st;
			atom = here;
			quantified = 0;
			break;
		default: {
			size_t len = 1;

			if (c >= 0xc0)
				len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
			if (len > r->n - r->i)
				return rx_fail(r, RX_MALFORMED, "invalid "
				    "UTF-8");
			if (rx_put(r, (const char *)r->p + r->i, len))
				return RX_NOMEM;
			r->i += len;
			atom = here;
			quantified = 0;
			break;
		}
		}
	}
	if (depth != 0)
		return rx_fail(r, RX_MALFORMED, "unclosed group");
	return RX_OK;
}

/* Translates into a malloc'd buffer (NUL-terminated) in r->out. */
static enum rx_status
rx_run(const uint8_t *pat, size_t n, struct rx *r)
{
	enum rx_status st;

	memset(r, 0, sizeof(*r));
	r->p = pat;
	r->n = n;
	if (n > TN_REGEX_MAX_LEN)
		return rx_fail(r, RX_UNSUPPORTED, "pattern too long");
	r->ocap = 128 * n + 512;	/* \\b expands to 219 bytes */
	if ((r->out = malloc(r->ocap + 1)) == NULL)
		return RX_NOMEM;
	st = rx_translate(r);
	if (st != RX_OK) {
		free(r->out);
		r->out = NULL;
		return st;
	}
	r->out[r->on] = '\0';
	return RX_OK;
}

int
tn_regex_validate(const uint8_t *pat, size_t n, struct tn_error *err)
{
	struct rx r;
	enum rx_status st = rx_run(pat, n, &r);

	free(r.out);
	if (st == RX_NOMEM)
		return TN_ERR_NOMEM;
	if (st == RX_MALFORMED)
		return tn_fail(err, TN_ERR_MALFORMED, "Regex: %s", r.why);
	return TN_OK;
}

void
tn_regex_free(struct tn_regex *re)
{
	if (re == NULL)
		return;
	pcre2_code_free((pcre2_code *)re->code);
	memset(re, 0, sizeof(*re));
}

int
tn_regex_compile(const uint8_t *pat, size_t n, struct tn_regex *re,
    struct tn_error *err)
{
	pcre2_compile_context *cc;
	struct rx r;
	enum rx_status st;
	PCRE2_SIZE off;
	int ec;

	memset(re, 0, sizeof(*re));
	st = rx_run(pat, n, &r);
	if (st == RX_NOMEM)
		return TN_ERR_NOMEM;
	if (st == RX_MALFORMED)
		return tn_fail(err, TN_ERR_MALFORMED, "Regex: %s", r.why);
	if (st == RX_UNSUPPORTED) {
		re->unsupported = 1;
		return tn_fail(err, TN_OK, "Regex: %s", r.why);
	}
	if ((cc = pcre2_compile_context_create(NULL)) == NULL) {
		free(r.out);
		return TN_ERR_NOMEM;
	}
	(void)pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	(void)pcre2_set_parens_nest_limit(cc, 4 * TN_REGEX_MAX_NEST);
	re->code = pcre2_compile((PCRE2_SPTR)r.out, r.on, PCRE2_UTF |
	    PCRE2_UCP | PCRE2_ALT_CIRCUMFLEX |
	    PCRE2_NEVER_BACKSLASH_C | PCRE2_NO_AUTO_CAPTURE, &ec, &off, cc);
	pcre2_compile_context_free(cc);
	free(r.out);
	if (re->code == NULL) {
		re->unsupported = 1;
		if (ec == PCRE2_ERROR_HEAPLIMIT || ec == PCRE2_ERROR_NOMEMORY)
			return TN_ERR_NOMEM;
		return tn_fail(err, TN_OK, "Regex: pattern not supported by "
		    "this verifier's regex engine");
	}
	tn_error_clear(err);
	return TN_OK;
}

int
tn_regex_match(const struct tn_regex *re, const uint8_t *s, size_t n,
    struct tn_error *err)
{
	pcre2_match_context *mc;
	pcre2_match_data *md;
	size_t sz = 0;
	int *ws, rc;
	size_t wsn;

	if (re->unsupported || re->code == NULL)
		return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "Regex: pattern uses a construct this verifier does not "
		    "support");
	(void)pcre2_pattern_info((const pcre2_code *)re->code,
	    PCRE2_INFO_SIZE, &sz);
	wsn = 2 * sz + 1000;
	if (wsn > (1u << 20))
		wsn = 1u << 20;
	if ((ws = malloc(wsn * sizeof(*ws))) == NULL)
		return TN_ERR_NOMEM;
	md = pcre2_match_data_create(1, NULL);
	mc = pcre2_match_context_create(NULL);
	if (md == NULL || mc == NULL) {
		pcre2_match_data_free(md);
		pcre2_match_context_free(mc);
		free(ws);
		return TN_ERR_NOMEM;
	}
	(void)pcre2_set_match_limit(mc, TN_REGEX_MATCH_LIMIT);
	(void)pcre2_set_depth_limit(mc, TN_REGEX_DEPTH_LIMIT);
	(void)pcre2_set_heap_limit(mc, TN_REGEX_HEAP_LIMIT_KIB);
	rc = pcre2_dfa_match((const pcre2_code *)re->code, (PCRE2_SPTR)s, n,
	    0, PCRE2_DFA_SHORTEST, md, mc, ws, wsn);
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	free(ws);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc == PCRE2_ERROR_NOMEMORY)
		return TN_ERR_NOMEM;
	if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)
		return 0;	/* not a string: deployed never gets here */
	return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
	    "Regex: match limit reached; denied");
}
