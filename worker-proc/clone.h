/*
 * clone.h: what the structured-clone encoder (clone_enc.c) and decoder
 * (clone_dec.c) of wwd-worker share: the ext types and record markers
 * of the payload format (docs/protocol.md, "Payloads") and the Error
 * names that survive a clone. Private to those files and clone.c.
 */
#ifndef CLONE_H
#define CLONE_H

/* Ext types of leaves (2 is TEXT_EXT_WTF8, see text.c). */
#define CLONE_EXT_UNDEFINED	0
#define CLONE_EXT_REF		1	/* 4-byte index into memory */
#define CLONE_EXT_DATE		3	/* 8-byte float64 time value */
#define CLONE_EXT_PORT		4	/* 4-byte index into the transfer list */
/* Record markers: the first element of an array that is a record. */
#define CLONE_REC_MIN		16
#define CLONE_REC_BOOLEAN	16	/* [m, boolean] */
#define CLONE_REC_NUMBER	17	/* [m, number] */
#define CLONE_REC_STRING	18	/* [m, string] */
#define CLONE_REC_REGEXP	19	/* [m, source, flags] */
#define CLONE_REC_ARRAY		20	/* [m, length, (key, value)...] */
#define CLONE_REC_ERROR		21	/* [m, name(, message)] */
#define CLONE_REC_MAP		22	/* [m, (key, value)...] */
#define CLONE_REC_SET		23	/* [m, value...] */
#define CLONE_REC_VIEW		24	/* [m, kind, buffer, offset, length] */
#define CLONE_REC_MAX		31

#define CLONE_ARRAY_MAX		4294967295.0	/* 2^32 - 1 */

/* The Error names that survive a clone; any other becomes "Error". */
#define CLONE_NERRORS		7
extern const char *const clone_errors[CLONE_NERRORS];

#endif
