/*
 * check_grpc_frame.c: Check suite for daemon/grpc_frame.c (and the
 * bounded queue in daemon/pbuf.c the data plane uses).
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "grpc_frame.h"
#include "pbuf.h"

/* Builds prefix+body for each message into one wire buffer. */
static size_t
wire(uint8_t *out, const char *const *msgs, size_t n)
{
	size_t	off = 0, i, l;

	for (i = 0; i < n; i++) {
		l = strlen(msgs[i]);
		gf_prefix_encode(out + off, (int)(i & 1), (uint32_t)l);
		memcpy(out + off + GF_PREFIX_LEN, msgs[i], l);
		off += GF_PREFIX_LEN + l;
	}
	return off;
}

/* Feeds p in chunks of at most chunk bytes; collects messages. */
static int
feed_all(struct gf_reader *r, const uint8_t *p, size_t n, size_t chunk,
    struct gf_msg *msgs, int max)
{
	size_t		off = 0, used, c;
	int		got = 0, rc;
	struct gf_msg	m;

	while (off < n) {
		c = n - off < chunk ? n - off : chunk;
		rc = gf_reader_feed(r, p + off, c, &used, &m);
		if (rc < 0)
			return rc;
		off += used;
		if (rc == GF_MSG) {
			ck_assert_int_lt(got, max);
			msgs[got++] = m;
		}
	}
	return got;
}

START_TEST(test_gf_split_everywhere)
{
	static const char *const in[] = { "hello", "", "world, again" };
	uint8_t		 buf[64];
	size_t		 n = wire(buf, in, 3), cut = (size_t)_i;
	struct gf_reader r;
	struct gf_msg	 m[3];
	size_t		 used;
	int		 got = 0, rc, i;

	ck_assert_uint_le(cut, n);
	gf_reader_init(&r, 1024);
	/* two feeds: [0, cut) and [cut, n) */
	{
		const uint8_t	*p = buf;
		size_t		 left = cut;
		int		 pass;

		for (pass = 0; pass < 2; pass++) {
			while (left > 0) {
				rc = gf_reader_feed(&r, p, left, &used,
				    &m[got]);
				ck_assert_int_ge(rc, 0);
				p += used;
				left -= used;
				if (rc == GF_MSG)
					got++;
			}
			left = n - cut;
		}
	}
	ck_assert_int_eq(got, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(m[i].len, strlen(in[i]));
		ck_assert_int_eq(m[i].compressed, i & 1);
		if (m[i].len > 0)
			ck_assert_mem_eq(m[i].data, in[i], m[i].len);
		gf_msg_free(&m[i]);
	}
	ck_assert_int_eq(gf_reader_partial(&r), 0);
	gf_reader_free(&r);
}
END_TEST

START_TEST(test_gf_byte_at_a_time_large)
{
	size_t		 len = 300000, i;
	uint8_t		*buf = malloc(len + GF_PREFIX_LEN);
	struct gf_reader r;
	struct gf_msg	 m;

	gf_prefix_encode(buf, 0, (uint32_t)len);
	for (i = 0; i < len; i++)
		buf[GF_PREFIX_LEN + i] = (uint8_t)(i * 31);
	gf_reader_init(&r, len);
	ck_assert_int_eq(feed_all(&r, buf, len + GF_PREFIX_LEN, 1, &m, 1), 1);
	ck_assert_uint_eq(m.len, len);
	ck_assert_mem_eq(m.data, buf + GF_PREFIX_LEN, len);
	gf_msg_free(&m);
	gf_reader_free(&r);
	free(buf);
}
END_TEST

START_TEST(test_gf_max_is_inclusive)
{
	uint8_t		 buf[GF_PREFIX_LEN + 100];
	struct gf_reader r;
	struct gf_msg	 m;
	size_t		 used;

	memset(buf, 'a', sizeof(buf));
	gf_prefix_encode(buf, 0, 100);
	gf_reader_init(&r, 100);
	ck_assert_int_eq(gf_reader_feed(&r, buf, sizeof(buf), &used, &m),
	    GF_MSG);
	ck_assert_uint_eq(used, sizeof(buf));
	gf_msg_free(&m);
	gf_reader_free(&r);
	gf_reader_init(&r, 99);
	ck_assert_int_eq(gf_reader_feed(&r, buf, sizeof(buf), &used, &m),
	    GF_ERR_TOO_LARGE);
	ck_assert_uint_eq(used, GF_PREFIX_LEN);	/* refused at the prefix */
	ck_assert_ptr_null(r.buf);		/* nothing allocated */
	/* sticky */
	ck_assert_int_eq(gf_reader_feed(&r, buf, 1, &used, &m),
	    GF_ERR_TOO_LARGE);
	ck_assert_uint_eq(used, 0);
	gf_reader_free(&r);
}
END_TEST

START_TEST(test_gf_declared_huge_not_allocated)
{
	uint8_t		 pfx[GF_PREFIX_LEN];
	struct gf_reader r;
	struct gf_msg	 m;
	size_t		 used;

	/* 4 GiB - 1 declared, default 128 MiB cap */
	gf_prefix_encode(pfx, 0, UINT32_MAX);
	gf_reader_init(&r, GF_DEFAULT_MAX);
	ck_assert_int_eq(gf_reader_feed(&r, pfx, sizeof(pfx), &used, &m),
	    GF_ERR_TOO_LARGE);
	gf_reader_free(&r);
	/* 128 MiB declared: accepted, but only what arrives is allocated */
	gf_prefix_encode(pfx, 0, GF_DEFAULT_MAX);
	gf_reader_init(&r, GF_DEFAULT_MAX);
	ck_assert_int_eq(gf_reader_feed(&r, pfx, sizeof(pfx), &used, &m),
	    GF_NEED_MORE);
	ck_assert_int_eq(gf_reader_feed(&r, pfx, 3, &used, &m), GF_NEED_MORE);
	ck_assert_uint_le(r.cap, GF_INITIAL_ALLOC);
	ck_assert_int_eq(gf_reader_partial(&r), 1);
	gf_reader_free(&r);
}
END_TEST

START_TEST(test_gf_bad_flag)
{
	uint8_t		 buf[GF_PREFIX_LEN] = { 2, 0, 0, 0, 1 };
	struct gf_reader r;
	struct gf_msg	 m;
	size_t		 used;

	gf_reader_init(&r, 1024);
	ck_assert_int_eq(gf_reader_feed(&r, buf, sizeof(buf), &used, &m),
	    GF_ERR_MALFORMED);
	gf_reader_free(&r);
}
END_TEST

START_TEST(test_gf_prefix_encode)
{
	uint8_t	p[GF_PREFIX_LEN];

	gf_prefix_encode(p, 1, 0x01020304);
	ck_assert_uint_eq(p[0], 1);
	ck_assert_uint_eq(p[1], 1);
	ck_assert_uint_eq(p[4], 4);
}
END_TEST

START_TEST(test_pbuf_cap)
{
	struct pbuf	b;
	uint8_t		d[100], out[100];
	int		i;

	memset(d, 7, sizeof(d));
	pbuf_init(&b, 250);
	ck_assert_int_eq(pbuf_append(&b, d, 100), 0);
	ck_assert_int_eq(pbuf_append(&b, d, 100), 0);
	ck_assert_int_eq(pbuf_append(&b, d, 51), -1);	/* 251 > 250 */
	ck_assert_int_eq(pbuf_append(&b, d, 50), 0);	/* 250 exactly */
	ck_assert_uint_eq(pbuf_take(&b, out, 100), 100);
	ck_assert_int_eq(pbuf_append(&b, d, 100), 0);	/* compacts */
	ck_assert_uint_le(b.cap, 250);
	for (i = 0; i < 3; i++)
		(void)pbuf_take(&b, out, 100);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(pbuf_take(&b, out, 100), 0);
	pbuf_free(&b);
}
END_TEST

/* Frame gzip, read it back through the reader, inflate it: the same bytes. */
START_TEST(test_gf_gzip_round_trip)
{
	uint8_t plain[3000], *wire, *back;
	size_t wlen, blen, used;
	struct gf_reader r;
	struct gf_msg m;
	char why[128];

	for (size_t i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i % 7);
	ck_assert_int_eq(gf_msg_frame(plain, sizeof(plain), "gzip", &wire,
	    &wlen, why, sizeof(why)), 0);
	ck_assert_int_eq(wire[0], 1);	/* compressed flag */
	ck_assert_uint_lt(wlen, sizeof(plain));
	gf_reader_init(&r, GF_DEFAULT_MAX);
	ck_assert_int_eq(gf_reader_feed(&r, wire, wlen, &used, &m), GF_MSG);
	ck_assert_int_eq(m.compressed, 1);
	ck_assert_int_eq(gf_msg_plain(&m, "gzip", sizeof(plain), &back, &blen,
	    why, sizeof(why)), 0);
	ck_assert_uint_eq(blen, sizeof(plain));
	ck_assert_mem_eq(back, plain, sizeof(plain));
	free(back);
	/* The cap holds while inflating. */
	ck_assert_int_eq(gf_msg_plain(&m, "gzip", sizeof(plain) - 1, &back,
	    &blen, why, sizeof(why)), -1);
	ck_assert_ptr_null(back);
	ck_assert_ptr_nonnull(strstr(why, "exceeds"));
	/* A compressed message under another encoding is not inspected. */
	ck_assert_int_eq(gf_msg_plain(&m, "snappy", sizeof(plain), &back,
	    &blen, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "snappy"));
	ck_assert_int_eq(gf_msg_plain(&m, NULL, sizeof(plain), &back, &blen,
	    why, sizeof(why)), -1);
	gf_msg_free(&m);
	gf_reader_free(&r);
	free(wire);
	/* identity: framed as is, read back as is. */
	ck_assert_int_eq(gf_msg_frame(plain, 10, "identity", &wire, &wlen, why,
	    sizeof(why)), 0);
	ck_assert_uint_eq(wlen, 15);
	ck_assert_int_eq(wire[0], 0);
	gf_reader_init(&r, GF_DEFAULT_MAX);
	ck_assert_int_eq(gf_reader_feed(&r, wire, wlen, &used, &m), GF_MSG);
	ck_assert_int_eq(gf_msg_plain(&m, NULL, 10, &back, &blen, why,
	    sizeof(why)), 0);
	ck_assert_mem_eq(back, plain, 10);
	free(back);
	gf_msg_free(&m);
	gf_reader_free(&r);
	free(wire);
}
END_TEST

/*
 * A read message is framed in its own block (base: prefix then bytes, as
 * received); gf_msg_view() lends an uncompressed one without a copy and
 * inflates a compressed one; a pbuf adopts the block as it is.
 */
START_TEST(test_gf_framed_in_place_view_adopt)
{
	uint8_t			 plain[3000], *wire, *owned, out[4000];
	const uint8_t		*p;
	size_t			 wlen, n, used, off = 0, c;
	struct gf_reader	 r;
	struct gf_msg		 m;
	struct pbuf		 b;
	char			 why[128];
	int			 rv = GF_NEED_MORE;

	for (size_t i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i * 13);
	ck_assert_int_eq(gf_msg_frame(plain, sizeof(plain), NULL, &wire,
	    &wlen, why, sizeof(why)), 0);
	gf_reader_init(&r, sizeof(plain));
	while (rv == GF_NEED_MORE && off < wlen) {	/* odd chunks */
		c = wlen - off < 333 ? wlen - off : 333;
		rv = gf_reader_feed(&r, wire + off, c, &used, &m);
		off += used;
	}
	ck_assert_int_eq(rv, GF_MSG);
	ck_assert_ptr_eq(m.data, m.base + GF_PREFIX_LEN);
	ck_assert_mem_eq(m.base, wire, wlen);
	ck_assert_int_eq(gf_msg_view(&m, NULL, sizeof(plain), &p, &n, &owned,
	    why, sizeof(why)), 0);
	ck_assert_ptr_eq(p, m.data);		/* no copy */
	ck_assert_ptr_null(owned);
	ck_assert_uint_eq(n, sizeof(plain));
	ck_assert_int_eq(gf_msg_view(&m, NULL, sizeof(plain) - 1, &p, &n,
	    &owned, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "exceeds"));
	pbuf_init(&b, 16);
	pbuf_adopt(&b, m.base, GF_PREFIX_LEN + m.len);
	memset(&m, 0, sizeof(m));
	ck_assert_uint_eq(b.len, wlen);
	ck_assert_uint_eq(pbuf_take(&b, out, sizeof(out)), wlen);
	ck_assert_mem_eq(out, wire, wlen);
	ck_assert_int_eq(pbuf_append(&b, plain, 1), 0);	/* still usable */
	pbuf_free(&b);
	gf_msg_free(&m);			/* emptied: a no-op */
	gf_reader_free(&r);
	free(wire);
	/* compressed: inflated into *owned */
	ck_assert_int_eq(gf_msg_frame(plain, sizeof(plain), "gzip", &wire,
	    &wlen, why, sizeof(why)), 0);
	gf_reader_init(&r, sizeof(plain));
	ck_assert_int_eq(gf_reader_feed(&r, wire, wlen, &used, &m), GF_MSG);
	ck_assert_int_eq(gf_msg_view(&m, "gzip", sizeof(plain), &p, &n,
	    &owned, why, sizeof(why)), 0);
	ck_assert_ptr_eq(p, owned);
	ck_assert_uint_eq(n, sizeof(plain));
	ck_assert_mem_eq(p, plain, sizeof(plain));
	free(owned);
	gf_msg_free(&m);
	gf_reader_free(&r);
	free(wire);
}
END_TEST

static Suite *
frame_suite(void)
{
	Suite	*s = suite_create("grpc_frame");
	TCase	*tc;

	tc = tcase_create("valid");
	/* every cut point of a 3-message wire buffer (32 bytes) */
	tcase_add_loop_test(tc, test_gf_split_everywhere, 0, 33);
	tcase_add_test(tc, test_gf_byte_at_a_time_large);
	tcase_add_test(tc, test_gf_prefix_encode);
	tcase_add_test(tc, test_gf_gzip_round_trip);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_gf_max_is_inclusive);
	tcase_add_test(tc, test_gf_declared_huge_not_allocated);
	tcase_add_test(tc, test_pbuf_cap);
	tcase_add_test(tc, test_gf_framed_in_place_view_adopt);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_gf_bad_flag);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(frame_suite());
	int	 nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
