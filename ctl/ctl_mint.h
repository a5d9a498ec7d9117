/*
 * ctl_mint.h: what mint and attenuate share.
 */
#ifndef CTL_MINT_H
#define CTL_MINT_H

#include "ctl.h"

struct ctl_mint_opts {
	const char		*key;
	const char		*parent;
	int			 have_holder;
	uint8_t			 holder[TN_KEY_LEN];
	struct ctl_tools	 tools;
	uint64_t		 ttl;
	uint32_t		 max_depth;
	int			 have_issued_at;
	uint64_t		 issued_at;
	int			 have_type;
	enum tn_warrant_type	 type;
	uint8_t			 id[TN_ID_LEN];
	uint8_t			 sk[64];	/* secret: wiped by the caller */
	uint8_t			 pk[TN_KEY_LEN];
};

/* ctl_cmd_mint.c */
int	ctl_mint_parse(struct ctl_mint_opts *o, int argc, char **argv,
	    int parent);
int	ctl_mint_prepare(struct ctl_mint_opts *o, const char *cmd);
int	ctl_mint_finish(struct ctl_mint_opts *o, const struct tn_mint *m,
	    struct tn_mint_tool *mt);
int	ctl_mint_issuer_bounds(struct ctl_mint_opts *o);
int	ctl_print_b64url(const uint8_t *der, size_t len);

#endif /* CTL_MINT_H */
