/*
 * tn_shlex.h: the Shlex extension constraint (type 128) as deployed
 * tenuo-core evaluates it in Rust (constraints.rs Shlex::matches): a
 * conservative pre-filter, not a shell parser.
 *
 * A command is allowed when it is a non-empty string holding none of the
 * shell-dangerous characters (NUL, LF, CR, VT, FF, BEL, BS, DEL, $, `, |,
 * &, ;, <, >, (, )), its first whitespace-separated token (Unicode
 * White_Space, as Rust split_whitespace) contains no "..", and that token
 * or its basename (after the last '/') equals an allowed entry literally.
 * Quoting is not interpreted: `ls "a;b"` is denied.
 *
 * Stricter than deployed: the other C0 control characters (0x01-0x06,
 * 0x0E-0x1F) are denied too; deployed lets them through.
 */
#ifndef TN_SHLEX_H
#define TN_SHLEX_H

#include <stddef.h>
#include <stdint.h>

#include "tn_cbor.h"

/* 1 if cmd[0..n) is allowed by the text array allow, else 0. */
int	tn_shlex_match(const struct tn_cbor_item *allow, const uint8_t *cmd,
	    size_t n);

/* 1 if every entry of child is (byte-equal to) an entry of parent. */
int	tn_shlex_subset(const struct tn_cbor_item *parent,
	    const struct tn_cbor_item *child);

#endif /* TN_SHLEX_H */
