/*
 * ctl_input.c: reading a warrant or a stack in any of the forms tenuoctl
 * accepts: base64url or standard base64 (padded or not), PEM (one block,
 * or several TENUO WARRANT blocks forming a stack root first), or raw CBOR
 * in a file; given inline, as a file path, or "-" for stdin.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "tn_codec.h"

static int
is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Appends every warrant of the stack or warrant in der to st. */
static int
stack_append(struct tn_stack *st, const uint8_t *der, size_t len,
    struct tn_error *err)
{
	struct tn_stack *part;
	int rc;

	if ((rc = tn_stack_decode(der, len, &part, err)) != TN_OK)
		return rc;
	while (part->n > 0) {
		if ((rc = tn_stack_push(st, part->w[0], err)) != TN_OK)
			break;
		part->n--;
		memmove(part->w, part->w + 1, part->n * sizeof(*part->w));
	}
	tn_stack_free(part);
	return rc;
}

static int
stack_from_pem(const char *s, size_t n, struct tn_stack **out,
    struct tn_error *err)
{
	struct tn_pem_block *blk;
	struct tn_stack *st;
	size_t nblk;
	int rc;

	rc = tn_pem_decode(s, n, TN_MAX_STACK_BYTES, &blk, &nblk, err);
	if (rc != TN_OK)
		return rc;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		rc = tn_fail(err, TN_ERR_NOMEM, "out of memory");
	for (size_t i = 0; rc == TN_OK && i < nblk; i++)
		rc = stack_append(st, blk[i].der, blk[i].len, err);
	tn_pem_blocks_free(blk, nblk);
	if (rc != TN_OK) {
		tn_stack_free(st);
		return rc;
	}
	*out = st;
	return TN_OK;
}

static int
stack_from_text(const uint8_t *p, size_t n, struct tn_stack **out,
    struct tn_error *err)
{
	uint8_t *der = NULL;
	size_t len;
	int rc;

	if (n == 0)
		return tn_fail(err, TN_ERR_MALFORMED, "empty input");
	if (p[0] >= 0x80)	/* a CBOR array: raw bytes from a file */
		return tn_stack_decode(p, n, out, err);
	if (tn_pem_is_armored((const char *)p, n))
		return stack_from_pem((const char *)p, n, out, err);
	rc = tn_b64_decode((const char *)p, n, TN_B64_ANY | TN_B64_SKIP_WS,
	    TN_MAX_STACK_BYTES, &der, &len, err);
	if (rc == TN_OK)
		rc = tn_stack_decode(der, len, out, err);
	free(der);
	return rc;
}

/*
 * Loads the warrant or stack named by arg.  Returns 0 with *out set,
 * CTL_EXIT_USAGE when the input cannot be read (reported on stderr), or a
 * negative tn_err code with err filled when it does not decode.
 */
int
ctl_stack_load(const char *opt, const char *arg, struct tn_stack **out,
    struct tn_error *err)
{
	uint8_t *buf, *p;
	size_t len, n;
	int rc;

	*out = NULL;
	tn_error_clear(err);
	if (ctl_read_arg(opt, arg, CTL_MAX_INPUT, &buf, &len) == -1)
		return CTL_EXIT_USAGE;
	p = buf;
	n = len;
	if (n == 0 || p[0] < 0x80) {	/* text: trim the blanks around it */
		while (n > 0 && is_ws(p[0]))
			p++, n--;
		while (n > 0 && is_ws(p[n - 1]))
			n--;
	}
	rc = stack_from_text(p, n, out, err);
	free(buf);
	return rc;
}
