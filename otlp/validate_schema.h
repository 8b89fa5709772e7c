/* otlp/validate_schema.h: private to otlp/validate*.c (and the tests that
 * compile validate.c twice): the OTLP schema of all three signals as a
 * table the validator walks. For every message type, each known field's
 * wire type, the message type it nests, and its rules (id length, UTF-8,
 * repeated, packed, member of Metric's data oneof); plus the role a message
 * plays in the counts (resource, scope, item). */
#ifndef SLUICE_OTLP_VALIDATE_SCHEMA_H
#define SLUICE_OTLP_VALIDATE_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

enum vmsg {
	M_NONE,
	/* shared by every signal */
	M_RES,
	M_ENT,
	M_SCOPE,
	M_KV,
	M_ANY,
	M_ARRAY,
	M_KVLIST,
	/* traces */
	M_TREQ,
	M_RS,
	M_SS,
	M_SPAN,
	M_EVENT,
	M_LINK,
	M_STATUS,
	/* logs */
	M_LREQ,
	M_RL,
	M_SL,
	M_LOG,
	/* metrics */
	M_MREQ,
	M_RM,
	M_SM,
	M_METRIC,
	M_GAUGE,
	M_SUM,
	M_HIST,
	M_EHIST,
	M_SUMMARY,
	M_NDP,
	M_HDP,
	M_EHDP,
	M_BUCKETS,
	M_SDP,
	M_QUANTILE,
	M_EXEMPLAR,
	M_COUNT
};

enum vflag {
	VF_UTF8 = 1,   /* a `string`: must be valid UTF-8 */
	VF_REP = 2,    /* repeated (error paths show the index) */
	VF_DATA = 4,   /* a member of Metric's data oneof: the last one wins */
	VF_PACK8 = 8,  /* repeated fixed64/double: also LEN, a multiple of 8 */
	VF_PACKV = 16, /* repeated varint: also LEN, a run of whole varints */
};

struct vfield {
	uint8_t known;
	uint8_t wt;	  /* enum otlp_wire_type (of one element if packed) */
	uint8_t child;	  /* enum vmsg of a nested message, M_NONE for scalars */
	uint8_t idlen;	  /* required length if non-empty (ids), 0 = any */
	uint8_t flags;	  /* enum vflag */
	const char *name; /* "Span.trace_id" */
};

enum vrole {
	ROLE_NONE,
	ROLE_RESOURCE,
	ROLE_SCOPE,
	ROLE_ITEM
};

#define VSCHEMA_MAXF 17 /* field numbers 1..16 (Span has the most) */

extern const struct vfield otlp_vschema[M_COUNT][VSCHEMA_MAXF];
extern const char *const otlp_vmsg_name[M_COUNT];
extern const uint8_t otlp_vmsg_role[M_COUNT]; /* enum vrole */

#endif
