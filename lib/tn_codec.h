/*
 * tn_codec.h: the text and transport encodings a warrant travels in: hex,
 * base64 (RFC 4648, both alphabets), Tenuo's PEM armor and gzip.
 *
 * Decoders are strict and bounded.  They read only s[0..n) (no NUL
 * terminator is needed or looked for), check the decoded size against the
 * caller's cap before allocating anything, and accept exactly one spelling
 * of each value: no stray characters, no non-canonical trailing bits, no
 * data after the end.  On failure every output is left NULL or zero and
 * the return is a negative enum tn_err; err (optional) gets the cause and,
 * for malformed input, the byte offset where it was found.
 *
 * Return codes used here:
 *   TN_OK              success
 *   TN_ERR_MALFORMED   the input cannot be decoded, or decodes to more
 *                      than the caller's cap
 *   TN_ERR_NOMEM       an allocation failed
 *   TN_ERR_INVALID_ARG caller misuse: NULL where a pointer is required,
 *                      unknown flag bits, a size that cannot be represented
 *
 * Pure library code: no I/O, no globals, no logging.
 */
#ifndef TN_CODEC_H
#define TN_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "tn_err.h"

/* ------------------------------------------------------------------ hex */

/*
 * Decodes the hex digits s[0..n) (upper or lower case, even length, no
 * whitespace, no "0x") into out[0..outcap).  n / 2 must not exceed outcap.
 * On success *outlen = n / 2.  On failure *outlen = 0 and out[0..outcap)
 * holds no decoded bytes (it is zeroed up to the decoded length).
 * Returns TN_OK, TN_ERR_MALFORMED (odd length, a non-hex digit, output
 * larger than outcap) or TN_ERR_INVALID_ARG (s, out or outlen NULL where
 * needed).
 */
/* The value of one hex digit (either case), or -1. */
int	tn_hex_digit(int c);

int	tn_hex_decode(const char *s, size_t n, uint8_t *out, size_t outcap,
	    size_t *outlen, struct tn_error *err)
	    __attribute__((warn_unused_result));

/* Writes 2n lowercase hex digits and a NUL to out (room for 2n + 1). */
void	tn_hex_encode(const uint8_t *in, size_t n, char *out);

/* --------------------------------------------------------------- base64 */

#define TN_B64_STD	0x01u	/* alphabet A-Z a-z 0-9 + / (RFC 4648 §4) */
#define TN_B64_URL	0x02u	/* alphabet A-Z a-z 0-9 - _ (RFC 4648 §5) */
#define TN_B64_ANY	(TN_B64_STD | TN_B64_URL) /* decode: either, unmixed */
#define TN_B64_PAD	0x04u	/* encode: write '=' padding */
#define TN_B64_SKIP_WS	0x08u	/* decode: skip space, tab, CR and LF */

/*
 * Decodes base64 s[0..n).  flags: TN_B64_STD, TN_B64_URL or TN_B64_ANY
 * (either alphabet, but one input may not use both), optionally with
 * TN_B64_SKIP_WS; TN_B64_PAD is accepted and has no effect.
 *
 * Padding is accepted when it is absent or exactly right for the length
 * ("Zg==" and "Zg", never "Zg=" or "Zg==="); nothing but '=' (and skipped
 * whitespace) may follow the first '='.  Rejected: characters outside the
 * chosen alphabet, whitespace without TN_B64_SKIP_WS, a data length of
 * 1 mod 4, non-zero unused bits in the last symbol (as Rust's base64
 * crate does), and a decoded length above max_out (checked before any
 * allocation).
 *
 * On success *out is a malloc'd buffer of *outlen bytes (never NULL, even
 * for an empty result; the caller frees it).  On failure *out = NULL and
 * *outlen = 0.  Returns TN_OK, TN_ERR_MALFORMED, TN_ERR_NOMEM or
 * TN_ERR_INVALID_ARG (NULL out/outlen, s NULL with n > 0, no alphabet or
 * unknown bits in flags).
 */
int	tn_b64_decode(const char *s, size_t n, unsigned flags, size_t max_out,
	    uint8_t **out, size_t *outlen, struct tn_error *err)
	    __attribute__((warn_unused_result));

/*
 * Encodes in[0..n) as base64.  flags: exactly one of TN_B64_STD and
 * TN_B64_URL, optionally with TN_B64_PAD.  On success *out is a malloc'd
 * NUL-terminated string (the caller frees it) and *outlen, if outlen is
 * non-NULL, its length without the NUL.  On failure *out = NULL and
 * *outlen = 0.  Returns TN_OK, TN_ERR_NOMEM or TN_ERR_INVALID_ARG (NULL
 * out, in NULL with n > 0, bad flags, n too large to encode).
 */
int	tn_b64_encode(const uint8_t *in, size_t n, unsigned flags, char **out,
	    size_t *outlen, struct tn_error *err)
	    __attribute__((warn_unused_result));

/* ------------------------------------------------------------------ PEM */

#define TN_PEM_BEGIN_WARRANT	"-----BEGIN TENUO WARRANT-----"
#define TN_PEM_END_WARRANT	"-----END TENUO WARRANT-----"
#define TN_PEM_BEGIN_CHAIN	"-----BEGIN TENUO WARRANT CHAIN-----"
#define TN_PEM_END_CHAIN	"-----END TENUO WARRANT CHAIN-----"

struct tn_pem_block {
	int	 is_chain;	/* 1: WARRANT CHAIN block, 0: WARRANT block */
	uint8_t	*der;		/* owned; the decoded body */
	size_t	 len;		/* > 0 */
};

/*
 * Decodes every Tenuo PEM block in s[0..n), in input order.
 *
 * Grammar: the text is a sequence of blocks separated by whitespace
 * (space, tab, CR, LF); any other text outside a block is refused.  A
 * block is a BEGIN line, body lines, and an END line with the same label.
 * Marker lines may carry leading and trailing blanks, nothing else, and
 * end in LF or CRLF; the last END line may also end the input.  Labels
 * are "TENUO WARRANT" and "TENUO WARRANT CHAIN".  The body is base64 in
 * either alphabet (deployed Tenuo writes url-safe, unpadded, 64
 * characters a line), whitespace skipped; it must not be empty.
 * A line starting "-----BEGIN " inside a block (nesting), an unknown
 * label, an END label that differs from its BEGIN, or a missing END line
 * is refused.  The decoded bodies together may not exceed max_out bytes.
 *
 * On success *blocks is a malloc'd array of *nblocks >= 1 blocks; free it
 * with tn_pem_blocks_free(*blocks, *nblocks).  On failure *blocks = NULL
 * and *nblocks = 0.  Returns TN_OK, TN_ERR_MALFORMED (including text with
 * no block at all), TN_ERR_NOMEM or TN_ERR_INVALID_ARG.
 */
int	tn_pem_decode(const char *s, size_t n, size_t max_out,
	    struct tn_pem_block **blocks, size_t *nblocks, struct tn_error *err)
	    __attribute__((warn_unused_result));

/* Frees the array and every block's body; b may be NULL. */
void	tn_pem_blocks_free(struct tn_pem_block *b, size_t n);

/*
 * Armors der[0..len) as one block, the way deployed Tenuo writes it: the
 * BEGIN line, url-safe unpadded base64 in lines of 64 characters, the END
 * line, each line ending in LF.  On success *out is a malloc'd
 * NUL-terminated string (the caller frees it); on failure *out = NULL.
 * Returns TN_OK, TN_ERR_NOMEM or TN_ERR_INVALID_ARG (NULL der or out,
 * len 0, len too large to encode).
 */
int	tn_pem_encode(const uint8_t *der, size_t len, int is_chain, char **out,
	    struct tn_error *err) __attribute__((warn_unused_result));

/*
 * 1 if s[0..n) has a line that is, apart from leading blanks, a Tenuo
 * BEGIN marker (either label), else 0.  Says nothing about validity.
 */
int	tn_pem_is_armored(const char *s, size_t n);

/* ----------------------------------------------------------------- gzip */

/*
 * Inflates exactly one gzip member (RFC 1952) spanning all of in[0..n).
 * Refused as TN_ERR_MALFORMED: other formats (zlib, raw deflate), a
 * corrupt stream, a bad CRC or length trailer, truncated input, bytes
 * after the member (a second member included), and output of more than
 * max_out bytes.  The cap is enforced while inflating: decompression stops
 * at the first byte past max_out and no buffer larger than max_out bytes
 * is ever allocated, so a zip bomb costs at most max_out bytes.
 *
 * On success *out is a malloc'd buffer of *outlen bytes (never NULL; the
 * caller frees it).  On failure *out = NULL and *outlen = 0.  Returns
 * TN_OK, TN_ERR_MALFORMED, TN_ERR_NOMEM or TN_ERR_INVALID_ARG.
 */
int	tn_gzip_inflate(const uint8_t *in, size_t n, size_t max_out,
	    uint8_t **out, size_t *outlen, struct tn_error *err)
	    __attribute__((warn_unused_result));

/*
 * Compresses in[0..n) as one gzip member at level (0..9, or -1 for zlib's
 * default).  For tests and tools.  On success *out is a malloc'd buffer of
 * *outlen bytes (the caller frees it); on failure *out = NULL and
 * *outlen = 0.  Returns TN_OK, TN_ERR_NOMEM or TN_ERR_INVALID_ARG.
 */
int	tn_gzip_deflate(const uint8_t *in, size_t n, int level, uint8_t **out,
	    size_t *outlen, struct tn_error *err)
	    __attribute__((warn_unused_result));

#endif /* TN_CODEC_H */
