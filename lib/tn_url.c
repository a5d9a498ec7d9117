/*
 * tn_url.c: WHATWG URL parsing and the UrlSafe / UrlPattern constraints
 * (see tn_url.h).
 *
 * IDNA.  A special-scheme host that, after percent-decoding, holds a
 * non-ASCII byte or an "xn--" label (any case) runs WHATWG "domain to
 * ASCII" as deployed url 2.5.8 / idna 1.1 do: UTS #46 ToASCII with
 * Transitional_Processing=false, CheckHyphens=false, CheckBidi=true,
 * CheckJoiners=true, UseSTD3ASCIIRules=false (the forbidden domain code
 * points are denied instead: idna's AsciiDenyList::URL),
 * VerifyDnsLength=false, IgnoreInvalidPunycode=false; an empty result
 * fails; a result ending in a number is parsed as IPv4.  Every later
 * check (UrlSafe names, allow/deny_domains, UrlPattern hosts) sees that
 * ASCII form.  libidn2 2.3.3 does the mapping, NFC and Punycode:
 * idn2_lookup_u8 with IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT (TR46
 * non-transitional, NFC; no IDN2_USE_STD3_ASCII_RULES; default A-label
 * round trip).  Where libidn2 and the url crate differ, this verifier
 * denies (TN_URL_UNSUPPORTED, with a reason) or checks itself:
 *  - libidn2 adds IDNA2008 label tests the url crate does not apply
 *    (hyphens in positions 3-4, leading/trailing hyphen, CONTEXTO,
 *    IDNA2008 DISALLOWED/NV8 symbols such as U+2603, code points
 *    unassigned in its Unicode 12 IDNA tables, labels over 63 and names
 *    over 255 octets): such hosts are denied (stricter, fail closed);
 *  - libidn2 accepts "xn--" labels whose decoded text UTS #46 maps (e.g.
 *    U+00A0, its disallowed_STD3_mapped set), "xn--abc-" and "xn--" and
 *    forbidden code points inside Punycode: every Punycode label of the
 *    result is decoded here and must be a fixed point of libidn2's
 *    mapping, not end in '-', and hold no '.' or forbidden code point;
 *  - libidn2's tables are Unicode 14 (TR46), the url crate's 17: the one
 *    code point mapped differently, U+1E9E ("ss" vs U+00DF), is denied;
 *  - libidn2 checks Bidi per label only (and misses RFC 5893 rule 4 and
 *    trailing-NSM cases); the url crate applies it to every label of a
 *    Bidi domain name: any host with a code point that may be R, AL or
 *    AN (maybe_rtl(): Hebrew..Arabic Extended, RTL presentation forms,
 *    SMP RTL blocks) is denied;
 *  - CheckJoiners depends on Joining_Type data of different versions:
 *    hosts holding U+200C or U+200D are denied.
 * Failures the url crate certainly shares are TN_URL_INVALID (exact, so
 * Not(UrlSafe) behaves as deployed): ill-formed UTF-8, forbidden domain
 * code points (before mapping for ASCII, after it for libidn2's output),
 * "xn--" labels that end in '-', are over 2000 characters or fail the
 * url crate's Punycode decoder (mirrored in puny_decode()), and hosts
 * that map to nothing.  Checked against the UTS #46 17.0 conformance
 * file (IdnaTestV2.txt, as shipped in rust-url's idna/tests) and every
 * code point in three contexts: no host is accepted with an ASCII form
 * other than the url crate's.
 *
 * Stricter than deployed (each marked below):
 *  - IDNA hosts in the classes above are denied;
 *  - deny_domains entries written in Unicode also match in ASCII form;
 *  - UrlSafe also applies its name checks (localhost, internal TLDs,
 *    metadata names, deny_domains, IP parsing of opaque hosts) to the host
 *    without one trailing dot, so "localhost." is blocked like "localhost";
 *  - UrlPattern path attenuation drops the deployed rule that lets a child
 *    add segments under a parent's wildcard-free path ("/api" ->
 *    "/api/v1" widens), and compares glob tokens, not only bytes.
 */
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "tn_codec.h"
#include "tn_glob.h"
#include "tn_url.h"

static const char HOST_PH[] = "__tenuo_host_wildcard__";
static const char PATH_PH[] = "__tenuo_path_wildcard__";

/* ------------------------------------------------------------ helpers */

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static int
mem_eq(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static int
str_eq(const char *a, size_t an, const char *lit)
{
	return mem_eq(a, an, lit, strlen(lit));
}

static const char *
mem_find(const char *h, size_t hn, const char *nd, size_t nn)
{
	if (nn == 0)
		return h;
	for (size_t i = 0; i + nn <= hn; i++)
		if (memcmp(h + i, nd, nn) == 0)
			return h + i;
	return NULL;
}

static int
ends_with(const char *s, size_t n, const char *suf, size_t sn)
{
	return n >= sn && (sn == 0 || memcmp(s + n - sn, suf, sn) == 0);
}

static int
starts_with(const char *s, size_t n, const char *pre, size_t pn)
{
	return n >= pn && (pn == 0 || memcmp(s, pre, pn) == 0);
}

/* ------------------------------------------------------------ parser */

struct out {
	char	*p;
	size_t	 n;
	size_t	 cap;
};

static void
out_c(struct out *o, char c)
{
	if (o->n < o->cap)
		o->p[o->n++] = c;
}

static void
out_pct(struct out *o, uint8_t b)
{
	static const char hx[] = "0123456789ABCDEF";

	out_c(o, '%');
	out_c(o, hx[b >> 4]);
	out_c(o, hx[b & 15]);
}

/* C0 control percent-encode set (bytes, so non-ASCII UTF-8 is encoded). */
static int
in_c0_set(uint8_t b)
{
	return b < 0x20 || b > 0x7e;
}

/* rust-url 2.5 PATH set: C0 controls, space " # < > ? ` { }. */
static int
in_path_set(uint8_t b)
{
	return in_c0_set(b) || b == ' ' || b == '"' || b == '#' || b == '<' ||
	    b == '>' || b == '?' || b == '`' || b == '{' || b == '}';
}

static int
forbidden_host(uint8_t b)
{
	return b == 0 || b == '\t' || b == '\n' || b == '\r' || b == ' ' ||
	    b == '#' || b == '/' || b == ':' || b == '<' || b == '>' ||
	    b == '?' || b == '@' || b == '[' || b == '\\' || b == ']' ||
	    b == '^' || b == '|';
}

static int
forbidden_domain(uint8_t b)
{
	return forbidden_host(b) || b < 0x20 || b == '%' || b == 0x7f;
}

/* WHATWG IPv4 number parser: 0 ok (*v, saturated at 2^33), -1 failure. */
static int
v4_number(const char *s, size_t n, uint64_t *v)
{
	unsigned radix = 10;
	uint64_t x = 0;

	if (n == 0)
		return -1;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		radix = 16;
		s += 2;
		n -= 2;
	} else if (n >= 2 && s[0] == '0') {
		radix = 8;
		s++;
		n--;
	}
	for (size_t i = 0; i < n; i++) {
		int d = tn_hex_digit((unsigned char)s[i]);

		if (d < 0 || (unsigned)d >= radix)
			return -1;
		if (x < (1ull << 33))
			x = x * radix + (unsigned)d;
	}
	*v = x > (1ull << 33) ? (1ull << 33) : x;
	return 0;
}

static int
ends_in_number(const char *s, size_t n)
{
	size_t end = n, start;
	uint64_t v;
	int all = 1;

	if (n > 0 && s[n - 1] == '.') {
		if (memchr(s, '.', n - 1) == NULL)
			return 0;	/* a single, empty-after-dot part */
		end = n - 1;
	}
	start = end;
	while (start > 0 && s[start - 1] != '.')
		start--;
	if (end == start)
		return 0;
	for (size_t i = start; i < end; i++)
		if (!is_digit((unsigned char)s[i]))
			all = 0;
	if (all)
		return 1;
	return v4_number(s + start, end - start, &v) == 0 && end - start >= 2 &&
	    s[start] == '0' && (s[start + 1] == 'x' || s[start + 1] == 'X');
}

static enum tn_url_status
v4_parse(const char *s, size_t n, uint8_t ip[4])
{
	uint64_t nums[4], acc;
	size_t cnt = 0, i = 0, end = n;

	if (n > 0 && s[n - 1] == '.' && memchr(s, '.', n - 1) != NULL)
		end = n - 1;
	while (i <= end) {
		size_t j = i;

		while (j < end && s[j] != '.')
			j++;
		if (cnt == 4)
			return TN_URL_INVALID;
		if (v4_number(s + i, j - i, &nums[cnt]) != 0)
			return TN_URL_INVALID;
		cnt++;
		i = j + 1;
	}
	for (size_t k = 0; k + 1 < cnt; k++)
		if (nums[k] > 255)
			return TN_URL_INVALID;
	if (nums[cnt - 1] >= (1ull << (8 * (5 - cnt))))
		return TN_URL_INVALID;
	acc = nums[cnt - 1];
	for (size_t k = 0; k + 1 < cnt; k++)
		acc += nums[k] << (8 * (3 - k));
	ip[0] = (uint8_t)(acc >> 24);
	ip[1] = (uint8_t)(acc >> 16);
	ip[2] = (uint8_t)(acc >> 8);
	ip[3] = (uint8_t)acc;
	return TN_URL_OK;
}

static enum tn_url_status
v6_parse(const char *s, size_t n, uint16_t a[8])
{
	size_t p = 0;
	int piece = 0, compress = -1;

	memset(a, 0, 8 * sizeof(a[0]));
#define C	(p < n ? (unsigned char)s[p] : 0)
#define EOFP	(p >= n)
	if (!EOFP && C == ':') {
		if (p + 1 >= n || s[p + 1] != ':')
			return TN_URL_INVALID;
		p += 2;
		piece++;
		compress = piece;
	}
	while (!EOFP) {
		unsigned value = 0, length = 0;

		if (piece == 8)
			return TN_URL_INVALID;
		if (C == ':') {
			if (compress != -1)
				return TN_URL_INVALID;
			p++;
			piece++;
			compress = piece;
			continue;
		}
		while (length < 4 && !EOFP && tn_hex_digit(C) >= 0) {
			value = value * 16 + (unsigned)tn_hex_digit(C);
			p++;
			length++;
		}
		if (!EOFP && C == '.') {
			int seen = 0;

			if (length == 0)
				return TN_URL_INVALID;
			p -= length;
			if (piece > 6)
				return TN_URL_INVALID;
			while (!EOFP) {
				int v4 = -1;

				if (seen > 0) {
					if (C == '.' && seen < 4)
						p++;
					else
						return TN_URL_INVALID;
				}
				if (EOFP || !is_digit(C))
					return TN_URL_INVALID;
				while (!EOFP && is_digit(C)) {
					int d = C - '0';

					if (v4 == -1)
						v4 = d;
					else if (v4 == 0)
						return TN_URL_INVALID;
					else
						v4 = v4 * 10 + d;
					if (v4 > 255)
						return TN_URL_INVALID;
					p++;
				}
				a[piece] = (uint16_t)(a[piece] * 0x100 + v4);
				seen++;
				if (seen == 2 || seen == 4)
					piece++;
			}
			if (seen != 4)
				return TN_URL_INVALID;
			break;
		} else if (!EOFP && C == ':') {
			p++;
			if (EOFP)
				return TN_URL_INVALID;
		} else if (!EOFP)
			return TN_URL_INVALID;
		a[piece] = (uint16_t)value;
		piece++;
	}
#undef C
#undef EOFP
	if (compress != -1) {
		int swaps = piece - compress;

		piece = 7;
		while (piece != 0 && swaps > 0) {
			uint16_t t = a[piece];

			a[piece] = a[compress + swaps - 1];
			a[compress + swaps - 1] = t;
			piece--;
			swaps--;
		}
	} else if (piece != 8)
		return TN_URL_INVALID;
	return TN_URL_OK;
}

static void
v6_serialize(const uint16_t a[8], struct out *o)
{
	static const char hx[] = "0123456789abcdef";
	int best = -1, bestlen = 1, ignore0 = 0;

	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && a[j] == 0)
			j++;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = j > i ? j : i + 1;
	}
	out_c(o, '[');
	for (int i = 0; i < 8; i++) {
		int started = 0;

		if (ignore0 && a[i] == 0)
			continue;
		ignore0 = 0;
		if (best == i) {
			if (i == 0)
				out_c(o, ':');
			out_c(o, ':');
			ignore0 = 1;
			continue;
		}
		for (int sh = 12; sh >= 0; sh -= 4) {
			unsigned d = (a[i] >> sh) & 15u;

			if (d != 0 || started || sh == 0) {
				out_c(o, hx[d]);
				started = 1;
			}
		}
		if (i != 7)
			out_c(o, ':');
	}
	out_c(o, ']');
}

/* ------------------------------------------------------------ IDNA */

/*
 * Punycode decoding (RFC 3492) with the url crate's rules (idna 1.1,
 * punycode.rs): the last '-' splits basic code points (lower-cased) from
 * deltas; a '-' only at position 0 leaves it in the deltas (an error);
 * digits a-z / A-Z / 0-9; u32 overflow, surrogates and values above
 * U+10FFFF fail.  0 ok (out[0..*outn)), -1 failure.  cap >= n suffices.
 */
static uint32_t
puny_adapt(uint32_t delta, uint32_t npoints, int first)
{
	uint32_t k = 0;

	delta /= first ? 700u : 2u;
	delta += delta / npoints;
	while (delta > ((36u - 1u) * 26u) / 2u) {
		delta /= 36u - 1u;
		k += 36u;
	}
	return k + (36u * delta) / (delta + 38u);
}

static int
puny_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0' + 26;
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	return -1;
}

static int
puny_decode(const char *s, size_t n, uint32_t *out, size_t cap, size_t *outn)
{
	size_t b = 0, in = 0, len = 0;
	uint32_t i = 0, cp = 0x80, bias = 72;
	int delim = 0;

	for (size_t j = 0; j < n; j++)
		if (s[j] == '-') {
			b = j;
			delim = 1;
		}
	if (delim) {
		if (b > cap)
			return -1;
		for (size_t j = 0; j < b; j++) {
			if ((uint8_t)s[j] >= 0x80)
				return -1;
			out[len++] = (uint32_t)lower((unsigned char)s[j]);
		}
		in = b > 0 ? b + 1 : 0;
	}
	while (in < n) {
		uint32_t oldi = i, w = 1, t;

		for (uint32_t k = 36;; k += 36) {
			int d;

			if (in >= n || (d = puny_digit((unsigned char)s[in++])) < 0)
				return -1;
			if ((uint64_t)(uint32_t)d * w > UINT32_MAX ||
			    (uint64_t)i + (uint32_t)d * w > UINT32_MAX)
				return -1;
			i += (uint32_t)d * w;
			t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
			if ((uint32_t)d < t)
				break;
			if ((uint64_t)w * (36 - t) > UINT32_MAX)
				return -1;
			w *= 36 - t;
		}
		bias = puny_adapt(i - oldi, (uint32_t)len + 1, oldi == 0);
		if ((uint64_t)cp + i / ((uint32_t)len + 1) > 0x10ffff)
			return -1;
		cp += i / ((uint32_t)len + 1);
		i %= (uint32_t)len + 1;
		if ((cp >= 0xd800 && cp <= 0xdfff) || len >= cap)
			return -1;
		memmove(out + i + 1, out + i, (len - i) * sizeof(out[0]));
		out[i] = cp;
		len++;
		i++;
	}
	*outn = len;
	return 0;
}

/* Strict UTF-8 -> code points: 0 ok, -1 ill-formed. */
static int
utf8_decode(const uint8_t *s, size_t n, uint32_t *out, size_t *outn)
{
	size_t k = 0;

	for (size_t i = 0; i < n;) {
		uint32_t c = s[i], min;
		size_t len;

		if (c < 0x80) {
			out[k++] = c;
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			c &= 0x07;
			min = 0x10000;
		} else
			return -1;
		if (n - i < len)
			return -1;
		for (size_t j = 1; j < len; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return -1;
			c = (c << 6) | (s[i + j] & 0x3fu);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return -1;
		out[k++] = c;
		i += len;
	}
	*outn = k;
	return 0;
}

static size_t
utf8_encode(const uint32_t *cp, size_t n, char *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t c = cp[i];

		if (c < 0x80)
			out[k++] = (char)c;
		else if (c < 0x800) {
			out[k++] = (char)(0xc0 | (c >> 6));
			out[k++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			out[k++] = (char)(0xe0 | (c >> 12));
			out[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[k++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[k++] = (char)(0xf0 | (c >> 18));
			out[k++] = (char)(0x80 | ((c >> 12) & 0x3f));
			out[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[k++] = (char)(0x80 | (c & 0x3f));
		}
	}
	return k;
}

static int
has_xn_prefix(const char *s, size_t n)
{
	return n >= 4 && lower((unsigned char)s[0]) == 'x' &&
	    lower((unsigned char)s[1]) == 'n' && s[2] == '-' && s[3] == '-';
}

/* Does the (percent-decoded) domain need UTS #46 processing? */
static int
needs_idna(const char *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)d[i] >= 0x80)
			return 1;
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && d[j] != '.')
			j++;
		if (has_xn_prefix(d + i, j - i))
			return 1;
		i = j + 1;
	}
	return 0;
}

/*
 * Code points whose Bidi_Class may be R, AL or AN in the url crate's
 * data: every code point its is_bidi() does not skip and that could be
 * right-to-left (a superset: the whole Hebrew..Arabic Extended blocks,
 * the RTL presentation forms and SMP RTL blocks, planes 4 and up).
 */
static int
maybe_rtl(uint32_t c)
{
	return (c >= 0x0590 && c <= 0x08ff) || (c >= 0xfb1d && c <= 0xfdff) ||
	    (c >= 0xfe70 && c <= 0xfeff) || (c >= 0x10800 && c <= 0x10fff) ||
	    (c >= 0x1e800 && c <= 0x1efff) || c >= 0x40000;
}

#define IDNA_FLAGS	(IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT)
#define IDNA_MAXCP	2000u	/* url crate: longest punycode it decodes */

/*
 * The url crate's raw-label checks on an ASCII "xn--" label (exact: a
 * failure here is a failure there): not ending in '-', at most 2000
 * punycode characters, decodable, and no '.' or forbidden domain code
 * point among the decoded basic code points.
 */
static enum tn_url_status
idna_raw_alabel(const char *l, size_t n, uint32_t *cp, const char **why)
{
	size_t cn;

	if (l[n - 1] == '-') {
		*why = "host label \"xn--...-\" has no Punycode deltas "
		    "(the url crate rejects it)";
		return TN_URL_INVALID;
	}
	if (n - 4 > IDNA_MAXCP || puny_decode(l + 4, n - 4, cp, IDNA_MAXCP,
	    &cn) != 0) {
		*why = "host label is not valid Punycode";
		return TN_URL_INVALID;
	}
	for (size_t i = 0; i < cn; i++)
		if (cp[i] == '.' || (cp[i] < 0x80 &&
		    forbidden_domain((uint8_t)cp[i]))) {
			*why = "Punycode host label decodes to a forbidden "
			    "domain code point";
			return TN_URL_INVALID;
		}
	return TN_URL_OK;
}

/*
 * Checks one label of libidn2's output, as a U-label: bidi and joiner
 * classes this verifier cannot decide exactly are refused, and a
 * Punycode label must be a fixed point of libidn2's UTS #46 mapping
 * (its decoded form holds no mapped, ignored or disallowed code point).
 */
static enum tn_url_status
idna_out_label(const char *l, size_t n, uint32_t *cp, char *u8,
    const char **why)
{
	uint8_t *res = NULL;
	size_t cn, un;
	int rc, same;

	if (!has_xn_prefix(l, n))
		return TN_URL_OK;	/* ASCII; forbidden code points later */
	if (l[n - 1] == '-') {
		*why = "host label \"xn--...-\" has no Punycode deltas "
		    "(the url crate rejects it)";
		return TN_URL_INVALID;
	}
	if (n - 4 > IDNA_MAXCP || puny_decode(l + 4, n - 4, cp, IDNA_MAXCP,
	    &cn) != 0) {
		*why = "IDNA result is not valid Punycode";
		return TN_URL_UNSUPPORTED;
	}
	for (size_t i = 0; i < cn; i++) {
		if (cp[i] == '.' || (cp[i] < 0x80 &&
		    forbidden_domain((uint8_t)cp[i]))) {
			*why = "Punycode host label decodes to a forbidden "
			    "domain code point";
			return TN_URL_INVALID;
		}
		if (maybe_rtl(cp[i])) {
			*why = "host is (or may be) a Bidi domain name; the "
			    "url crate's cross-label CheckBidi rules are not "
			    "reproduced, so it is denied";
			return TN_URL_UNSUPPORTED;
		}
		if (cp[i] == 0x200c || cp[i] == 0x200d) {
			*why = "host holds ZERO WIDTH (NON-)JOINER; CheckJoiners "
			    "is not reproduced exactly, so it is denied";
			return TN_URL_UNSUPPORTED;
		}
	}
	un = utf8_encode(cp, cn, u8);
	u8[un] = '\0';
	rc = idn2_lookup_u8((const uint8_t *)u8, &res, IDNA_FLAGS);
	if (rc == IDN2_MALLOC)
		return TN_URL_NOMEM;
	same = rc == IDN2_OK && mem_eq((const char *)res,
	    strlen((const char *)res), l, n);
	idn2_free(res);
	if (!same) {
		*why = "Punycode host label decodes to text that UTS #46 "
		    "maps or rejects";
		return TN_URL_UNSUPPORTED;
	}
	return TN_URL_OK;
}

/*
 * WHATWG "domain to ASCII" as the url crate 2.5 (idna 1.1) runs it:
 * UTS #46 ToASCII, non-transitional, CheckHyphens=false, CheckBidi=true,
 * CheckJoiners=true, UseSTD3ASCIIRules=false, VerifyDnsLength=false,
 * IgnoreInvalidPunycode=false, then the forbidden-domain-code-point
 * check and the empty-host check.  d[0..dn) is the percent-decoded host;
 * the ASCII result goes to o at start.  See the file comment for the
 * libidn2 divergences and how each is kept fail-closed.
 */
static enum tn_url_status
idna_host(const char *d, size_t dn, struct out *o, size_t start,
    const char **why)
{
	uint32_t *cp;
	char *z, *u8;
	uint8_t *res = NULL;
	size_t cn, rn;
	enum tn_url_status st = TN_URL_OK;
	int rc;

	/* cp: dn code points at most, and IDNA_MAXCP for label decoding. */
	cp = malloc((dn + IDNA_MAXCP + 1) * sizeof(*cp));
	z = malloc(dn + 1);
	u8 = malloc(4 * IDNA_MAXCP + 1);
	if (cp == NULL || z == NULL || u8 == NULL) {
		st = TN_URL_NOMEM;
		goto out;
	}
	/* (1) url: ill-formed UTF-8 becomes U+FFFD, which is disallowed. */
	if (utf8_decode((const uint8_t *)d, dn, cp, &cn) != 0) {
		*why = "host is not well-formed UTF-8 after percent-decoding";
		st = TN_URL_INVALID;
		goto out;
	}
	/*
	 * (2) ASCII survives mapping (only A-Z change), so a forbidden one
	 * stays, except '<' and '>' before a non-ASCII code point: NFC may
	 * compose them with U+0338 (checked on libidn2's output instead).
	 */
	for (size_t i = 0; i < cn; i++)
		if (cp[i] < 0x80 && forbidden_domain((uint8_t)cp[i]) &&
		    !((cp[i] == '<' || cp[i] == '>') && i + 1 < cn &&
		    cp[i + 1] >= 0x80)) {
			*why = "host holds a forbidden domain code point";
			st = TN_URL_INVALID;
			goto out;
		}
	/* (3) ASCII "xn--" labels: the url crate's exact Punycode checks. */
	for (size_t i = 0; i < dn;) {
		size_t j = i;
		int ascii = 1;

		while (j < dn && d[j] != '.')
			ascii &= (uint8_t)d[j++] < 0x80;
		if (ascii && has_xn_prefix(d + i, j - i) &&
		    (st = idna_raw_alabel(d + i, j - i, cp + dn, why)) !=
		    TN_URL_OK)
			goto out;
		i = j + 1;
	}
	/* (4) Mapped differently by libidn2's Unicode 14 tables. */
	for (size_t i = 0; i < cn; i++)
		if (cp[i] == 0x1e9e) {
			*why = "host holds U+1E9E, which UTS #46 15.1+ maps to "
			    "U+00DF but libidn2's tables map to \"ss\"";
			st = TN_URL_UNSUPPORTED;
			goto out;
		}
	/* (5) libidn2: UTS #46 mapping, NFC, per-label checks, Punycode. */
	memcpy(z, d, dn);
	z[dn] = '\0';
	rc = idn2_lookup_u8((const uint8_t *)z, &res, IDNA_FLAGS);
	if (rc == IDN2_MALLOC) {
		st = TN_URL_NOMEM;
		goto out;
	}
	if (rc != IDN2_OK) {
		*why = "libidn2 rejects the host (its IDNA2008 checks are "
		    "stricter than the url crate's UTS #46: hyphen positions, "
		    "CONTEXTO, symbols, label and name lengths)";
		st = TN_URL_UNSUPPORTED;
		goto out;
	}
	/* (6) Output checks, label by label. */
	rn = strlen((const char *)res);
	for (size_t i = 0; i < rn; i++)
		if (res[i] >= 0x80 || forbidden_domain(res[i])) {
			*why = "host maps to a forbidden domain code point";
			st = res[i] >= 0x80 ? TN_URL_UNSUPPORTED :
			    TN_URL_INVALID;
			goto out;
		}
	for (size_t i = 0; i < rn;) {
		size_t j = i;

		while (j < rn && res[j] != '.')
			j++;
		if ((st = idna_out_label((const char *)res + i, j - i, cp + dn,
		    u8, why)) != TN_URL_OK)
			goto out;
		i = j + 1;
	}
	if (rn == 0) {
		*why = "host maps to the empty string";
		st = TN_URL_INVALID;
		goto out;
	}
	if (rn > o->cap - start) {
		*why = "IDNA result too long";
		st = TN_URL_UNSUPPORTED;
		goto out;
	}
	o->n = start;
	for (size_t i = 0; i < rn; i++)
		out_c(o, (char)lower(res[i]));
out:
	idn2_free(res);
	free(cp);
	free(z);
	free(u8);
	return st;
}

/* Host parser: buf[0..n) into o; sets kind and ip. */
static enum tn_url_status
host_parse(const char *buf, size_t n, int special, struct out *o,
    enum tn_url_host_kind *kind, uint8_t ip[16], const char **why)
{
	size_t start = o->n, i, dn;
	char *dom;
	enum tn_url_status st;

	if (n > 0 && buf[0] == '[') {
		uint16_t a[8];

		if (buf[n - 1] != ']')
			return TN_URL_INVALID;
		if ((st = v6_parse(buf + 1, n - 2, a)) != TN_URL_OK)
			return st;
		for (int k = 0; k < 8; k++) {
			ip[2 * k] = (uint8_t)(a[k] >> 8);
			ip[2 * k + 1] = (uint8_t)a[k];
		}
		v6_serialize(a, o);
		*kind = TN_URL_HOST_IPV6;
		return TN_URL_OK;
	}
	if (!special) {
		for (i = 0; i < n; i++)
			if (forbidden_host((uint8_t)buf[i]))
				return TN_URL_INVALID;
		for (i = 0; i < n; i++) {
			if (in_c0_set((uint8_t)buf[i]))
				out_pct(o, (uint8_t)buf[i]);
			else
				out_c(o, buf[i]);
		}
		*kind = TN_URL_HOST_OPAQUE;
		return TN_URL_OK;
	}
	/* Percent-decode into the output area, then process in place. */
	for (i = 0; i < n; i++) {
		if (buf[i] == '%' && i + 2 < n &&
		    tn_hex_digit((unsigned char)buf[i + 1]) >= 0 &&
		    tn_hex_digit((unsigned char)buf[i + 2]) >= 0) {
			out_c(o, (char)(tn_hex_digit((unsigned char)buf[i + 1]) * 16 +
			    tn_hex_digit((unsigned char)buf[i + 2])));
			i += 2;
		} else
			out_c(o, buf[i]);
	}
	dom = o->p + start;
	dn = o->n - start;
	if (needs_idna(dom, dn)) {
		char *copy = malloc(dn + 1);

		if (copy == NULL)
			return TN_URL_NOMEM;
		memcpy(copy, dom, dn);
		st = idna_host(copy, dn, o, start, why);
		free(copy);
		if (st != TN_URL_OK)
			return st;
		dom = o->p + start;
		dn = o->n - start;
	}
	for (i = 0; i < dn; i++)
		dom[i] = (char)lower((unsigned char)dom[i]);
	for (i = 0; i < dn; i++)
		if (forbidden_domain((uint8_t)dom[i])) {
			*why = "host holds a forbidden domain code point";
			return TN_URL_INVALID;
		}
	if (ends_in_number(dom, dn)) {
		char tmp[16];

		if ((st = v4_parse(dom, dn, ip)) != TN_URL_OK)
			return st;
		o->n = start;
		for (int k = 0; k < 4; k++) {
			unsigned v = ip[k];
			int m = 0;

			if (v >= 100)
				tmp[m++] = (char)('0' + v / 100);
			if (v >= 10)
				tmp[m++] = (char)('0' + v / 10 % 10);
			tmp[m++] = (char)('0' + v % 10);
			for (int t = 0; t < m; t++)
				out_c(o, tmp[t]);
			if (k != 3)
				out_c(o, '.');
		}
		*kind = TN_URL_HOST_IPV4;
		return TN_URL_OK;
	}
	*kind = TN_URL_HOST_DOMAIN;
	return TN_URL_OK;
}

static int
special_scheme(const char *s, size_t n, int *dport)
{
	*dport = -1;
	if (str_eq(s, n, "http") || str_eq(s, n, "ws"))
		*dport = 80;
	else if (str_eq(s, n, "https") || str_eq(s, n, "wss"))
		*dport = 443;
	else if (str_eq(s, n, "ftp"))
		*dport = 21;
	else if (!str_eq(s, n, "file"))
		return 0;
	return 1;
}

static int
win_drive(const char *s, size_t n, int normalized)
{
	return n == 2 && is_alpha((unsigned char)s[0]) &&
	    (s[1] == ':' || (!normalized && s[1] == '|'));
}

static int
seg_is(const char *s, size_t n, int dots)
{
	/* dots 1: "." or "%2e"; dots 2: "..", ".%2e", "%2e.", "%2e%2e" */
	size_t i = 0;
	int k = 0;

	while (i < n) {
		if (s[i] == '.')
			i++;
		else if (i + 3 <= n && s[i] == '%' && s[i + 1] == '2' &&
		    lower((unsigned char)s[i + 2]) == 'e')
			i += 3;
		else
			return 0;
		k++;
	}
	return k == dots;
}

struct pstate {
	const char	*in;
	size_t		 n;
	struct tn_url	*u;
	struct out	 path;
	size_t		 nseg;
	int		 is_file;
};

static void
path_shorten(struct pstate *ps)
{
	struct out *o = &ps->path;
	size_t k;

	if (ps->nseg == 0)
		return;
	k = o->n;
	while (k > 0 && o->p[k - 1] != '/')
		k--;
	if (ps->is_file && ps->nseg == 1 && win_drive(o->p + k, o->n - k, 1))
		return;
	o->n = k > 0 ? k - 1 : 0;
	ps->nseg--;
}

/* Path state from in[p]: runs to '?', '#' or the end. */
static void
path_state(struct pstate *ps, size_t p)
{
	struct out *o = &ps->path;
	int special = ps->u->special;

	for (;;) {
		size_t segstart;
		int c;

		out_c(o, '/');
		segstart = o->n;
		while (p < ps->n && ps->in[p] != '/' && ps->in[p] != '?' &&
		    ps->in[p] != '#' && !(special && ps->in[p] == '\\')) {
			uint8_t b = (uint8_t)ps->in[p++];

			if (in_path_set(b))
				out_pct(o, b);
			else
				out_c(o, (char)b);
		}
		c = p < ps->n ? (unsigned char)ps->in[p] : -1;
		{
			const char *seg = o->p + segstart;
			size_t sn = o->n - segstart;
			int slash = c == '/' || (special && c == '\\');

			if (seg_is(seg, sn, 2)) {
				o->n = segstart - 1;
				path_shorten(ps);
				if (!slash) {
					out_c(o, '/');
					ps->nseg++;
				}
			} else if (seg_is(seg, sn, 1)) {
				o->n = segstart - 1;
				if (!slash) {
					out_c(o, '/');
					ps->nseg++;
				}
			} else {
				if (ps->is_file && ps->nseg == 0 &&
				    win_drive(seg, sn, 0))
					o->p[segstart + 1] = ':';
				ps->nseg++;
			}
		}
		if (c != '/' && !(special && c == '\\'))
			return;
		p++;
	}
}

enum tn_url_status
tn_url_parse(const uint8_t *s, size_t n, struct tn_url *u)
{
	struct pstate ps;
	struct out ho;
	char *in, *mem;
	size_t a = 0, b = n, m = 0, p, cap, sl;
	int dport;
	enum tn_url_status st = TN_URL_OK;
	const char *why = NULL;

	memset(u, 0, sizeof(*u));
	if (n > TN_URL_MAX_LEN) {
		u->why = "URL longer than this verifier parses";
		return TN_URL_UNSUPPORTED;
	}
	while (a < b && s[a] <= 0x20)
		a++;
	while (b > a && s[b - 1] <= 0x20)
		b--;
	/* + 512: an IDNA host (at most 255 bytes from libidn2) can grow. */
	cap = 3 * (b - a) + 64 + 512;
	if ((mem = malloc((b - a) + 1 + cap * 2)) == NULL)
		return TN_URL_NOMEM;
	in = mem;
	for (size_t i = a; i < b; i++)
		if (s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			in[m++] = (char)s[i];
	/* scheme */
	if (m == 0 || !is_alpha((unsigned char)in[0]))
		goto invalid;
	for (p = 0; p < m && in[p] != ':'; p++) {
		unsigned char c = (unsigned char)in[p];

		if (!(is_alpha(c) || is_digit(c) || c == '+' || c == '-' ||
		    c == '.'))
			goto invalid;
		in[p] = (char)lower(c);
	}
	if (p == m)
		goto invalid;
	u->mem = mem;
	u->scheme = in;
	u->scheme_len = sl = p;
	u->special = special_scheme(in, sl, &dport);
	p++;
	ho.p = mem + (b - a) + 1;
	ho.n = 0;
	ho.cap = cap;
	memset(&ps, 0, sizeof(ps));
	ps.in = in;
	ps.n = m;
	ps.u = u;
	ps.path.p = ho.p + cap;
	ps.path.cap = cap;
	ps.is_file = str_eq(in, sl, "file");
	if (ps.is_file) {
		u->host_kind = TN_URL_HOST_EMPTY;
		if (p < m && (in[p] == '/' || in[p] == '\\')) {
			p++;
			if (p < m && (in[p] == '/' || in[p] == '\\')) {
				size_t hs = ++p, he = hs;

				while (he < m && in[he] != '/' &&
				    in[he] != '\\' && in[he] != '?' &&
				    in[he] != '#')
					he++;
				if (win_drive(in + hs, he - hs, 0)) {
					path_state(&ps, hs);
				} else {
					if (he > hs) {
						enum tn_url_host_kind k;

						st = host_parse(in + hs, he - hs,
						    1, &ho, &k, u->ip, &why);
						if (st != TN_URL_OK)
							goto fail;
						if (str_eq(ho.p, ho.n,
						    "localhost"))
							ho.n = 0;
						else
							u->host_kind = k;
					}
					/* path start (special) */
					if (he < m && (in[he] == '/' ||
					    in[he] == '\\'))
						he++;
					path_state(&ps, he);
				}
			} else
				path_state(&ps, p);
		} else
			path_state(&ps, p);
	} else if (u->special || (p + 1 < m && in[p] == '/' &&
	    in[p + 1] == '/')) {
		size_t ae, hs, he, at = (size_t)-1;
		int brackets = 0;

		if (u->special) {
			while (p < m && (in[p] == '/' || in[p] == '\\'))
				p++;
		} else
			p += 2;
		for (ae = p; ae < m; ae++) {
			if (in[ae] == '/' || in[ae] == '?' || in[ae] == '#' ||
			    (u->special && in[ae] == '\\'))
				break;
			if (in[ae] == '@')
				at = ae;
		}
		hs = at == (size_t)-1 ? p : at + 1;
		if (at != (size_t)-1 && hs == ae)
			goto invalid;
		for (he = hs; he < ae; he++) {
			if (in[he] == '[')
				brackets = 1;
			else if (in[he] == ']')
				brackets = 0;
			else if (in[he] == ':' && !brackets)
				break;
		}
		if (he == hs && (he < ae || u->special))
			goto invalid;
		st = host_parse(in + hs, he - hs, u->special, &ho,
		    &u->host_kind, u->ip, &why);
		if (st != TN_URL_OK)
			goto fail;
		if (he < ae) {
			uint32_t port = 0;
			size_t k;

			for (k = he + 1; k < ae; k++) {
				if (!is_digit((unsigned char)in[k]))
					goto invalid;
				port = port * 10 + (uint32_t)(in[k] - '0');
				if (port > 65535)
					goto invalid;
			}
			if (k > he + 1 && (int)port != dport) {
				u->has_port = 1;
				u->port = (uint16_t)port;
			}
		}
		/* path start */
		p = ae;
		if (u->special) {
			if (p < m && (in[p] == '/' || in[p] == '\\'))
				p++;
			path_state(&ps, p);
		} else if (p < m && in[p] == '/')
			path_state(&ps, p + 1);
	} else if (p < m && in[p] == '/') {
		/* path or authority -> path state, no host */
		path_state(&ps, p + 1);
	} else {
		/* opaque path */
		while (p < m && in[p] != '?' && in[p] != '#') {
			uint8_t c = (uint8_t)in[p++];

			if (in_c0_set(c))
				out_pct(&ps.path, c);
			else
				out_c(&ps.path, (char)c);
		}
	}
	u->host = ho.p;
	u->host_len = ho.n;
	u->path = ps.path.p;
	u->path_len = ps.path.n;
	return TN_URL_OK;
invalid:
	st = TN_URL_INVALID;
fail:
	free(mem);
	memset(u, 0, sizeof(*u));
	u->why = why;
	return st;
}

void
tn_url_free(struct tn_url *u)
{
	if (u == NULL)
		return;
	free(u->mem);
	memset(u, 0, sizeof(*u));
}

int
tn_url_port_or_default(const struct tn_url *u)
{
	int d;

	if (u->has_port)
		return u->port;
	(void)special_scheme(u->scheme, u->scheme_len, &d);
	return d;
}

/* host_str(): None for no host and for file's empty host. */
static int
host_str(const struct tn_url *u, const char **h, size_t *n)
{
	if (u->host_kind == TN_URL_HOST_NONE ||
	    u->host_kind == TN_URL_HOST_EMPTY) {
		*h = "";
		*n = 0;
		return 0;
	}
	*h = u->host;
	*n = u->host_len;
	return 1;
}

/* ------------------------------------------------------------ lowercase */

/*
 * Rust str::to_lowercase for comparison against ASCII: ASCII letters, and
 * KELVIN SIGN (the only non-ASCII character whose lower case is ASCII).
 * Other non-ASCII bytes are kept (they never equal an ASCII host).
 */
static size_t
lower_cmp(const uint8_t *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (i + 2 < n && s[i] == 0xe2 && s[i + 1] == 0x84 &&
		    s[i + 2] == 0xaa) {
			out[o++] = 'k';
			i += 2;
		} else
			out[o++] = (char)lower(s[i]);
	}
	return o;
}

/* ------------------------------------------------------------ UrlPattern */

void
tn_urlpattern_free(struct tn_urlpattern *p)
{
	if (p == NULL)
		return;
	free(p->mem);
	memset(p, 0, sizeof(*p));
}

/* Appends s with every occurrence of a replaced by b. */
static void
replace_all(struct out *o, const char *s, size_t n, const char *a,
    const char *b)
{
	size_t an = strlen(a), bn = strlen(b);

	for (size_t i = 0; i < n;) {
		if (i + an <= n && memcmp(s + i, a, an) == 0) {
			for (size_t k = 0; k < bn; k++)
				out_c(o, b[k]);
			i += an;
		} else
			out_c(o, s[i++]);
	}
}

int
tn_urlpattern_compile(const uint8_t *pat, size_t n, struct tn_urlpattern *p,
    struct tn_error *err)
{
	const char *s = (const char *)pat, *sep;
	struct out o1, o2, o3;
	struct tn_url u;
	enum tn_url_status st;
	size_t cap, hlen, plen;
	char *mem;
	int any = 0;

	memset(p, 0, sizeof(*p));
	if (n > TN_URL_MAX_LEN) {
		p->unsupported = 1;
		p->why = "pattern longer than this verifier parses";
		return TN_OK;
	}
	if (mem_find(s, n, HOST_PH, sizeof(HOST_PH) - 1) != NULL ||
	    mem_find(s, n, PATH_PH, sizeof(PATH_PH) - 1) != NULL)
		return tn_fail(err, TN_ERR_MALFORMED, "UrlPattern: pattern "
		    "contains a reserved internal sequence");
	cap = 8 * n + 256;
	if ((mem = malloc(3 * cap)) == NULL)
		return TN_ERR_NOMEM;
	o1 = (struct out){ mem, 0, cap };
	o2 = (struct out){ mem + cap, 0, cap };
	o3 = (struct out){ mem + 2 * cap, 0, cap };
	if (starts_with(s, n, "*://", 4)) {
		any = 1;
		for (size_t i = 0; i < 8; i++)
			out_c(&o1, "https://"[i]);
		for (size_t i = 4; i < n; i++)
			out_c(&o1, s[i]);
	} else {
		if ((sep = mem_find(s, n, "://", 3)) == NULL) {
			free(mem);
			return tn_fail(err, TN_ERR_MALFORMED, "UrlPattern: "
			    "missing scheme (expected 'scheme://')");
		}
		/* schemes = [prefix.to_lowercase()], kept in o3. */
		o3.n = lower_cmp(pat, (size_t)(sep - s), o3.p);
		for (size_t i = 0; i < n; i++)
			out_c(&o1, s[i]);
	}
	/* replace "*." by HOST., then "/" "*" by "/" PATH */
	replace_all(&o2, o1.p, o1.n, "*.", "__tenuo_host_wildcard__.");
	o1.n = 0;
	replace_all(&o1, o2.p, o2.n, "/*", "/__tenuo_path_wildcard__");
	st = tn_url_parse((const uint8_t *)o1.p, o1.n, &u);
	if (st == TN_URL_NOMEM) {
		free(mem);
		return TN_ERR_NOMEM;
	}
	if (st == TN_URL_UNSUPPORTED) {
		free(mem);
		memset(p, 0, sizeof(*p));
		p->unsupported = 1;
		p->why = u.why;
		return TN_OK;
	}
	if (st != TN_URL_OK) {
		free(mem);
		return tn_fail(err, TN_ERR_MALFORMED, "UrlPattern: pattern is "
		    "not a valid URL");
	}
	p->mem = mem;
	if (!any) {
		p->scheme = o3.p;
		p->scheme_len = o3.n;
	}
	/* Host (o2 reused), with the host placeholder restored. */
	o2.n = 0;
	if (u.host_kind != TN_URL_HOST_NONE) {
		const char *h;

		(void)host_str(&u, &h, &hlen);
		replace_all(&o2, h, hlen, "__tenuo_host_wildcard__.", "*.");
		p->host = o2.p;
		p->host_len = o2.n;
	}
	p->has_port = u.has_port;
	p->port = u.port;
	plen = u.path_len;
	if (!(plen == 0 || (plen == 1 && u.path[0] == '/'))) {
		o1.n = 0;
		replace_all(&o1, u.path, plen, PATH_PH, "*");
		p->path = o1.p;
		p->path_len = o1.n;
	}
	tn_url_free(&u);
	return TN_OK;
}

static int
host_pattern_match(const char *pat, size_t pn, const char *h, size_t hn)
{
	if (str_eq(pat, pn, "*"))
		return 1;
	if (starts_with(pat, pn, "*.", 2)) {
		const char *suf = pat + 2;
		size_t sn = pn - 2;

		return mem_eq(h, hn, suf, sn) || (hn > sn &&
		    ends_with(h, hn, suf, sn) && h[hn - sn - 1] == '.');
	}
	if (pn != hn)
		return 0;
	for (size_t i = 0; i < pn; i++)
		if (lower((unsigned char)pat[i]) != lower((unsigned char)h[i]))
			return 0;
	return 1;
}

/* 1, 0 or TN_ERR_NOMEM. */
static int
path_pattern_match(const char *pat, size_t pn, const char *path, size_t n)
{
	struct tn_glob g;
	int rc;

	if (str_eq(pat, pn, "*") || str_eq(pat, pn, "/*"))
		return 1;
	rc = tn_glob_compile((const uint8_t *)pat, pn, &g, NULL);
	if (rc == TN_ERR_NOMEM)
		return rc;
	if (rc != TN_OK)
		return mem_eq(pat, pn, path, n);
	rc = tn_glob_match(&g, (const uint8_t *)path, n);
	tn_glob_free(&g);
	return rc;
}

int
tn_urlpattern_match(const struct tn_urlpattern *p, const uint8_t *url,
    size_t n, struct tn_error *err)
{
	struct tn_url u;
	enum tn_url_status st;
	int rc = 1;

	if (p->unsupported)
		return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "UrlPattern: pattern not evaluated (fail closed): %s",
		    p->why);
	st = tn_url_parse(url, n, &u);
	if (st == TN_URL_NOMEM)
		return TN_ERR_NOMEM;
	if (st == TN_URL_UNSUPPORTED)
		return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "UrlPattern: URL denied (fail closed): %s", u.why);
	if (st != TN_URL_OK)
		return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "UrlPattern: value is not a valid URL");
	if (p->scheme != NULL && !mem_eq(p->scheme, p->scheme_len, u.scheme,
	    u.scheme_len))
		rc = 0;
	if (rc && p->host != NULL) {
		const char *h;
		size_t hn;

		(void)host_str(&u, &h, &hn);
		rc = host_pattern_match(p->host, p->host_len, h, hn);
	}
	if (rc && p->has_port) {
		int actual = u.has_port ? u.port :
		    str_eq(u.scheme, u.scheme_len, "https") ? 443 :
		    str_eq(u.scheme, u.scheme_len, "http") ? 80 : 0;

		rc = actual == p->port;
	}
	if (rc && p->path != NULL)
		rc = path_pattern_match(p->path, p->path_len, u.path,
		    u.path_len);
	tn_url_free(&u);
	return rc;
}

static int
host_subset(const char *pa, size_t pn, const char *ch, size_t cn)
{
	if (str_eq(pa, pn, "*"))
		return 1;
	if (starts_with(pa, pn, "*.", 2)) {
		const char *suf = pa + 2;
		size_t sn = pn - 2;

		if (mem_eq(ch, cn, suf, sn))
			return 1;
		/* child ends with "." suffix (covers "*.x.suffix" too) */
		return cn > sn && ends_with(ch, cn, suf, sn) &&
		    ch[cn - sn - 1] == '.';
	}
	return host_pattern_match(pa, pn, ch, cn);
}

/*
 * Path subset, stricter than deployed: the parent's tokens before its
 * final "*" must be the child's first tokens (globs compared token by
 * token), or the paths must be equal.
 */
static int
path_subset(const char *pa, size_t pn, const char *ch, size_t cn)
{
	struct tn_glob pg, cg;
	int ok = 0;

	if (str_eq(pa, pn, "*") || str_eq(pa, pn, "/*"))
		return 1;
	if (mem_eq(pa, pn, ch, cn))
		return 1;
	if (!ends_with(pa, pn, "/*", 2) || !starts_with(ch, cn, pa, pn - 1))
		return 0;
	if (tn_glob_compile((const uint8_t *)pa, pn, &pg, NULL) != TN_OK)
		return 0;
	if (tn_glob_compile((const uint8_t *)ch, cn, &cg, NULL) != TN_OK) {
		tn_glob_free(&pg);
		return 0;
	}
	if (pg.ntoks >= 1 && pg.toks[pg.ntoks - 1].kind == TN_GLOB_SEQ &&
	    cg.ntoks >= pg.ntoks - 1) {
		ok = 1;
		for (size_t i = 0; ok && i + 1 < pg.ntoks; i++)
			ok = pg.toks[i].src_len == cg.toks[i].src_len &&
			    memcmp(pa + pg.toks[i].src_off,
			    ch + cg.toks[i].src_off, pg.toks[i].src_len) == 0;
	}
	tn_glob_free(&pg);
	tn_glob_free(&cg);
	return ok;
}

int
tn_urlpattern_attenuates(const struct tn_urlpattern *pp,
    const struct tn_urlpattern *cp, struct tn_error *err)
{
	if (pp->unsupported || cp->unsupported)
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID, "UrlPattern: "
		    "pattern not evaluated (fail closed): %s",
		    pp->unsupported ? pp->why : cp->why);
	if (pp->scheme != NULL && (cp->scheme == NULL ||
	    !mem_eq(pp->scheme, pp->scheme_len, cp->scheme, cp->scheme_len)))
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "UrlPattern: child widens the scheme");
	if (pp->host != NULL && (cp->host == NULL ||
	    !host_subset(pp->host, pp->host_len, cp->host, cp->host_len)))
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "UrlPattern: child host is not within the parent's");
	if (pp->has_port && (!cp->has_port || cp->port != pp->port))
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "UrlPattern: child widens or changes the port");
	if (pp->path != NULL && (cp->path == NULL ||
	    !path_subset(pp->path, pp->path_len, cp->path, cp->path_len)))
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "UrlPattern: child path is not within the parent's");
	return TN_OK;
}

/* ------------------------------------------------------------ UrlSafe */

static const char *const metadata_hosts[] = {
	"169.254.169.254", "metadata.google.internal", "metadata.goog",
	"100.100.100.200"
};

static const char *const internal_tlds[] = {
	".internal", ".local", ".localhost", ".lan", ".corp", ".home", ".svc",
	".default"
};

static int
uflag(const struct tn_cbor_item *m, const char *k, int dflt)
{
	const struct tn_cbor_item *f = tn_cbor_map_get(m, k);

	if (f == NULL)
		return dflt;
	return f->type == TN_CBOR_TRUE;
}

/* An Option<Vec<..>> field: the array, or NULL for absent/null. */
static const struct tn_cbor_item *
ulist(const struct tn_cbor_item *m, const char *k)
{
	const struct tn_cbor_item *f = tn_cbor_map_get(m, k);

	return f != NULL && f->type == TN_CBOR_ARRAY ? f : NULL;
}

static int
domain_match(const char *h, size_t hn, const char *pat, size_t pn)
{
	if (starts_with(pat, pn, "*.", 2))
		return ends_with(h, hn, pat + 1, pn - 1) ||
		    mem_eq(h, hn, pat + 2, pn - 2);
	return mem_eq(h, hn, pat, pn);
}

/*
 * A deny_domains entry in ASCII form (after any "*."), as a host: 1 with
 * out[0..*on), 0 when it has none (an IP, invalid, or not evaluated).
 */
static int
pattern_ascii(const char *p, size_t pn, char *out, size_t cap, size_t *on)
{
	struct out o = { out, 0, cap };
	const char *why = NULL;
	size_t pre = starts_with(p, pn, "*.", 2) ? 2 : 0;

	if (!needs_idna(p + pre, pn - pre) || cap < 2)
		return 0;
	for (size_t i = 0; i < pre; i++)
		out_c(&o, p[i]);
	if (idna_host(p + pre, pn - pre, &o, pre, &why) != TN_URL_OK)
		return 0;
	*on = o.n;
	return 1;
}

/*
 * Deployed check_domain_allowed: some pattern matches host.  With deny
 * set (deny_domains), stricter than deployed: an entry written in
 * Unicode or with "xn--" labels also matches in its UTS #46 ASCII form
 * (deployed compares it as written, so it never matches a URL host).
 */
static int
domain_listed(const char *h, size_t hn, const struct tn_cbor_item *list,
    int deny)
{
	const struct tn_cbor_item *it = list + 1;
	char buf[512], abuf[512];

	for (uint32_t i = 0; i < list->count; i++, it = tn_cbor_next(it)) {
		size_t pn, an;

		if (it->v.s.n >= sizeof(buf))
			continue;	/* longer than any host we accept */
		pn = lower_cmp(it->v.s.p, it->v.s.n, buf);
		if (domain_match(h, hn, buf, pn))
			return 1;
		if (deny && pattern_ascii((const char *)it->v.s.p, it->v.s.n,
		    abuf, sizeof(abuf), &an) && domain_match(h, hn, abuf, an))
			return 1;
	}
	return 0;
}

/* Rust u32::from_str_radix: optional '+', then digits of radix. */
static int
parse_u32(const char *s, size_t n, unsigned radix, uint32_t *out)
{
	uint64_t v = 0;

	if (n > 0 && s[0] == '+') {
		s++;
		n--;
	}
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int d = tn_hex_digit((unsigned char)s[i]);

		if (d < 0 || (unsigned)d >= radix)
			return -1;
		v = v * radix + (unsigned)d;
		if (v > 0xffffffffu)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* Rust Ipv4Addr::from_str (strict dotted quad, no leading zeros). */
static int
std_v4(const char *s, size_t n, uint8_t ip[4])
{
	size_t i = 0;

	for (int k = 0; k < 4; k++) {
		unsigned v = 0, len = 0;

		if (k > 0) {
			if (i >= n || s[i] != '.')
				return -1;
			i++;
		}
		while (i < n && is_digit((unsigned char)s[i]) && len < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
			len++;
		}
		if (len == 0 || len > 3 || v > 255 || (len > 1 &&
		    s[i - len] == '0'))
			return -1;
		ip[k] = (uint8_t)v;
	}
	return i == n ? 0 : -1;
}

/* Rust Ipv6Addr::from_str; the WHATWG parser accepts the same forms. */
static int
std_v6(const char *s, size_t n, uint8_t ip[16])
{
	uint16_t a[8];

	for (size_t i = 0; i < n; i++)
		if (!(tn_hex_digit((unsigned char)s[i]) >= 0 || s[i] == ':' ||
		    s[i] == '.'))
			return -1;
	if (v6_parse(s, n, a) != TN_URL_OK)
		return -1;
	for (int k = 0; k < 8; k++) {
		ip[2 * k] = (uint8_t)(a[k] >> 8);
		ip[2 * k + 1] = (uint8_t)a[k];
	}
	return 0;
}

/* Deployed UrlSafe::parse_ip: 4 (v4 in ip[0..4)), 6, or 0 (not an IP). */
static int
safe_parse_ip(const char *h, size_t n, uint8_t ip[16])
{
	uint32_t v;
	size_t dots = 0;
	int all_digits = 1;

	while (n > 0 && h[0] == '[') {
		h++;
		n--;
	}
	while (n > 0 && h[n - 1] == ']')
		n--;
	if (std_v4(h, n, ip) == 0)
		return 4;
	if (std_v6(h, n, ip) == 0)
		return 6;
	for (size_t i = 0; i < n; i++)
		if (!is_digit((unsigned char)h[i]))
			all_digits = 0;
	if (all_digits && parse_u32(h, n, 10, &v) == 0)
		goto v4;
	if (n >= 2 && h[0] == '0' && lower((unsigned char)h[1]) == 'x' &&
	    parse_u32(h + 2, n - 2, 16, &v) == 0)
		goto v4;
	for (size_t i = 0; i < n; i++)
		dots += h[i] == '.';
	if (n > 0 && h[0] == '0' && dots == 3) {
		const char *part[4];
		size_t plen[4], k = 0, st = 0;
		int numeric = 1, lead = 0, octal = 1, same = 1;

		for (size_t i = 0; i <= n; i++) {
			if (i == n || h[i] == '.') {
				part[k] = h + st;
				plen[k++] = i - st;
				st = i + 1;
			}
		}
		for (k = 0; k < 4; k++) {
			if (plen[k] == 0)
				numeric = 0;
			for (size_t i = 0; i < plen[k]; i++) {
				if (!is_digit((unsigned char)part[k][i]))
					numeric = 0;
				if (part[k][i] > '7')
					octal = 0;
			}
			if (plen[k] > 1 && part[k][0] == '0')
				lead = 1;
		}
		if (!numeric || !lead)
			return 0;
		if (!octal)
			return 0;
		for (k = 0; k < 4; k++) {
			uint32_t ov, dv;
			int oct = plen[k] > 1 && part[k][0] == '0';

			if (parse_u32(part[k], plen[k], oct ? 8 : 10, &ov) != 0 ||
			    ov > 255)
				return 0;
			if (parse_u32(part[k], plen[k], 10, &dv) != 0 ||
			    dv > 255 || dv != ov)
				same = 0;
			ip[k] = (uint8_t)ov;
		}
		return same ? 4 : 0;
	}
	return 0;
v4:
	ip[0] = (uint8_t)(v >> 24);
	ip[1] = (uint8_t)(v >> 16);
	ip[2] = (uint8_t)(v >> 8);
	ip[3] = (uint8_t)v;
	return 4;
}

/* Deployed check_ip_safe. */
static int
ip_safe(const struct tn_cbor_item *m, int fam, const uint8_t *in)
{
	uint8_t ip[16];
	int v4 = fam == 4;

	memcpy(ip, in, v4 ? 4 : 16);
	if (!v4) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
		    0, 0xff, 0xff };
		static const uint8_t zero[12] = { 0 };

		if (memcmp(ip, mapped, 12) == 0 || (memcmp(ip, zero, 12) ==
		    0 && !(ip[12] == 0 && ip[13] == 0 && ip[14] == 0 &&
		    ip[15] <= 1))) {
			memmove(ip, ip + 12, 4);
			v4 = 1;
		}
	}
	if (uflag(m, "block_loopback", 1)) {
		if (v4 && ip[0] == 127)
			return 0;
		if (!v4) {
			static const uint8_t one[16] = { [15] = 1 };

			if (memcmp(ip, one, 16) == 0)
				return 0;
		}
	}
	if (uflag(m, "block_private", 1)) {
		if (v4 && (ip[0] == 10 || (ip[0] == 172 && ip[1] >= 16 &&
		    ip[1] <= 31) || (ip[0] == 192 && ip[1] == 168)))
			return 0;
		if (!v4 && ((ip[0] & 0xfe) == 0xfc || (ip[0] == 0xfe &&
		    (ip[1] & 0xc0) == 0x80)))
			return 0;
	}
	if (uflag(m, "block_reserved", 1) && v4) {
		if (ip[0] == 0 || (ip[0] >= 224 && ip[0] <= 239) ||
		    (ip[0] == 255 && ip[1] == 255 && ip[2] == 255 &&
		    ip[3] == 255))
			return 0;
	}
	if (uflag(m, "block_metadata", 1) && v4 && ip[0] == 169 &&
	    ip[1] == 254)
		return 0;
	return 1;
}

static int
ambiguous_ip(const char *h, size_t n)
{
	size_t k = 0, st = 0;
	int lead = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i == n || h[i] == '.') {
			size_t len = i - st;

			if (len == 0)
				return 0;
			for (size_t j = st; j < i; j++)
				if (!is_digit((unsigned char)h[j]))
					return 0;
			if (len > 1 && h[st] == '0')
				lead = 1;
			k++;
			st = i + 1;
		}
	}
	return k == 4 && lead;
}

/* Name-based blocks on one spelling of the host: 1 blocked. */
static int
name_blocked(const struct tn_cbor_item *m, const char *h, size_t n)
{
	if (uflag(m, "block_loopback", 1) && (str_eq(h, n, "localhost") ||
	    str_eq(h, n, "localhost.localdomain")))
		return 1;
	if (uflag(m, "block_internal_tlds", 0)) {
		for (size_t i = 0; i < sizeof(internal_tlds) /
		    sizeof(internal_tlds[0]); i++) {
			const char *t = internal_tlds[i];
			size_t tn = strlen(t);

			if (ends_with(h, n, t, tn) || mem_eq(h, n, t + 1,
			    tn - 1))
				return 1;
		}
	}
	if (uflag(m, "block_metadata", 1)) {
		for (size_t i = 0; i < sizeof(metadata_hosts) /
		    sizeof(metadata_hosts[0]); i++)
			if (str_eq(h, n, metadata_hosts[i]))
				return 1;
	}
	return 0;
}

int
tn_urlsafe_check(const struct tn_cbor_item *m, const uint8_t *url, size_t n,
    struct tn_error *err)
{
	const struct tn_cbor_item *schemes, *ports, *allow, *deny, *it;
	struct tn_url u;
	enum tn_url_status st;
	const char *h;
	char *host = NULL, sbuf[64];
	size_t hn, hl = 0, hl2;
	uint8_t ip[16];
	int fam, ok = 0, port, found;

	if (memchr(url, 0, n) != NULL)
		return 0;
	st = tn_url_parse(url, n, &u);
	if (st == TN_URL_NOMEM)
		return TN_ERR_NOMEM;
	if (st == TN_URL_UNSUPPORTED)
		return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "UrlSafe: URL denied (fail closed): %s", u.why);
	if (st != TN_URL_OK)
		return 0;
	/* Scheme (default ["http", "https"]). */
	schemes = tn_cbor_map_get(m, "schemes");
	found = 0;
	if (schemes == NULL)
		found = str_eq(u.scheme, u.scheme_len, "http") ||
		    str_eq(u.scheme, u.scheme_len, "https");
	else {
		it = schemes + 1;
		for (uint32_t i = 0; i < schemes->count && !found; i++) {
			if (it->v.s.n < sizeof(sbuf))
				found = mem_eq(sbuf, lower_cmp(it->v.s.p,
				    it->v.s.n, sbuf), u.scheme, u.scheme_len);
			it = tn_cbor_next(it);
		}
	}
	if (!found || !host_str(&u, &h, &hn) || hn == 0)
		goto done;
	/* urlencoding_decode(host).to_lowercase() */
	if ((host = malloc(hn + 1)) == NULL) {
		tn_url_free(&u);
		return TN_ERR_NOMEM;
	}
	for (size_t i = 0; i < hn; i++) {
		size_t k;
		int hi, lo;

		if (h[i] != '%') {
			host[hl++] = h[i];
			continue;
		}
		/* '%' then the next two characters, consumed either way. */
		k = hn - i - 1 < 2 ? hn - i - 1 : 2;
		hi = k == 2 ? (h[i + 1] == '+' ? 0 :
		    tn_hex_digit((unsigned char)h[i + 1])) : -1;
		lo = k == 2 ? tn_hex_digit((unsigned char)h[i + 2]) : -1;
		if (hi >= 0 && lo >= 0)
			host[hl++] = (char)(hi * 16 + lo);
		else {
			host[hl++] = '%';
			for (size_t j = 1; j <= k; j++)
				host[hl++] = h[i + j];
		}
		i += k;
	}
	for (size_t i = 0; i < hl; i++) {
		if ((uint8_t)host[i] >= 0x80) {
			free(host);
			tn_url_free(&u);
			return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
			    "UrlSafe: decoded host is not ASCII; this verifier "
			    "denies it");
		}
		host[i] = (char)lower((unsigned char)host[i]);
	}
	/* Stricter than deployed: also check without one trailing dot. */
	hl2 = hl > 1 && host[hl - 1] == '.' ? hl - 1 : hl;
	/* Ports. */
	if ((ports = ulist(m, "allow_ports")) != NULL &&
	    (port = tn_url_port_or_default(&u)) >= 0) {
		found = 0;
		it = ports + 1;
		for (uint32_t i = 0; i < ports->count; i++) {
			if (it->v.u == (uint64_t)port)
				found = 1;
			it = tn_cbor_next(it);
		}
		if (!found)
			goto done;
	}
	if (name_blocked(m, host, hl) || name_blocked(m, host, hl2))
		goto done;
	fam = safe_parse_ip(host, hl, ip);
	if (fam == 0 && hl2 != hl)
		fam = safe_parse_ip(host, hl2, ip);
	if (fam != 0) {
		if (!ip_safe(m, fam, ip))
			goto done;
	} else {
		if (ambiguous_ip(host, hl) || ambiguous_ip(host, hl2))
			goto done;
		if ((allow = ulist(m, "allow_domains")) != NULL &&
		    !domain_listed(host, hl, allow, 0))
			goto done;
	}
	if ((deny = ulist(m, "deny_domains")) != NULL &&
	    (domain_listed(host, hl, deny, 1) ||
	    domain_listed(host, hl2, deny, 1)))
		goto done;
	ok = 1;
done:
	free(host);
	tn_url_free(&u);
	return ok;
}

static int
text_in_ci(const struct tn_cbor_item *list, const uint8_t *s, size_t n)
{
	const struct tn_cbor_item *it = list + 1;
	char a[256], b[256];
	size_t an;

	if (n >= sizeof(a))
		return 0;
	an = lower_cmp(s, n, a);
	for (uint32_t i = 0; i < list->count; i++, it = tn_cbor_next(it))
		if (it->v.s.n < sizeof(b) && mem_eq(a, an, b,
		    lower_cmp(it->v.s.p, it->v.s.n, b)))
			return 1;
	return 0;
}

int
tn_urlsafe_attenuates(const struct tn_cbor_item *p,
    const struct tn_cbor_item *c, struct tn_error *err)
{
	static const char *const flags[] = { "block_private",
	    "block_loopback", "block_metadata", "block_reserved",
	    "block_internal_tlds" };
	const struct tn_cbor_item *ps = tn_cbor_map_get(p, "schemes");
	const struct tn_cbor_item *cs = tn_cbor_map_get(c, "schemes");
	const struct tn_cbor_item *pl, *cl, *it, *jt;

	/* Child schemes within the parent's (both default to http/https). */
	if (cs == NULL) {
		if (ps != NULL && (!text_in_ci(ps, (const uint8_t *)"http", 4) ||
		    !text_in_ci(ps, (const uint8_t *)"https", 5)))
			return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
			    "UrlSafe: child scheme not in the parent's schemes");
	} else {
		it = cs + 1;
		for (uint32_t i = 0; i < cs->count; i++, it = tn_cbor_next(it)) {
			int in = ps != NULL ? text_in_ci(ps, it->v.s.p,
			    it->v.s.n) : 0;
			char b[16];

			if (ps == NULL && it->v.s.n < sizeof(b)) {
				size_t bn = lower_cmp(it->v.s.p, it->v.s.n, b);

				in = str_eq(b, bn, "http") ||
				    str_eq(b, bn, "https");
			}
			if (!in)
				return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
				    "UrlSafe: child scheme not in the parent's "
				    "schemes");
		}
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		int d = i < 4;

		if (uflag(p, flags[i], d) && !uflag(c, flags[i], d))
			return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
			    "UrlSafe: child cannot disable %s", flags[i]);
	}
	if ((pl = ulist(p, "allow_ports")) != NULL) {
		if ((cl = ulist(c, "allow_ports")) == NULL)
			return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
			    "UrlSafe: child must keep a port allowlist");
		it = cl + 1;
		for (uint32_t i = 0; i < cl->count; i++, it = tn_cbor_next(it)) {
			int in = 0;

			jt = pl + 1;
			for (uint32_t j = 0; j < pl->count; j++,
			    jt = tn_cbor_next(jt))
				in |= jt->v.u == it->v.u;
			if (!in)
				return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
				    "UrlSafe: child allows a port the parent "
				    "does not");
		}
	}
	if ((pl = ulist(p, "allow_domains")) != NULL) {
		if ((cl = ulist(c, "allow_domains")) == NULL)
			return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
			    "UrlSafe: child must keep a domain allowlist");
		it = cl + 1;
		for (uint32_t i = 0; i < cl->count; i++, it = tn_cbor_next(it)) {
			char cd[512], pd[512];
			size_t cn, pn;
			int in = 0;

			if (it->v.s.n >= sizeof(cd))
				return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
				    "UrlSafe: child domain too long");
			cn = lower_cmp(it->v.s.p, it->v.s.n, cd);
			jt = pl + 1;
			for (uint32_t j = 0; j < pl->count && !in; j++,
			    jt = tn_cbor_next(jt)) {
				if (jt->v.s.n >= sizeof(pd))
					continue;
				pn = lower_cmp(jt->v.s.p, jt->v.s.n, pd);
				in = mem_eq(pd, pn, cd, cn) ||
				    (starts_with(pd, pn, "*.", 2) &&
				    ends_with(cd, cn, pd + 1, pn - 1));
			}
			if (!in)
				return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
				    "UrlSafe: child domain not covered by the "
				    "parent's allowlist");
		}
	}
	if ((pl = ulist(p, "deny_domains")) != NULL) {
		if ((cl = ulist(c, "deny_domains")) == NULL)
			return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
			    "UrlSafe: child must keep the parent's deny_domains");
		it = pl + 1;
		for (uint32_t i = 0; i < pl->count; i++, it = tn_cbor_next(it))
			if (!text_in_ci(cl, it->v.s.p, it->v.s.n))
				return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
				    "UrlSafe: child drops a denied domain");
	}
	return TN_OK;
}
