/*
 * fuzz_msg.c: every message decoder in ipc/msg.c. The first input byte
 * picks the decoder, the rest is the body. A body that decodes must
 * re-encode, the re-encoded frame must decode again, and encoding that
 * gives the same bytes: decode and encode are inverse on what decodes.
 */
#include <string.h>

#include "frame.h"
#include "fuzz.h"
#include "msg.h"

/* Decode body, encode into out (a whole frame); 0 if it decoded. */
typedef int	 codec_fn(const uint8_t *, size_t, struct ipc_buf *);

#define WITH_PORT(lname)						\
static int								\
codec_##lname(const uint8_t *p, size_t n, struct ipc_buf *out)		\
{									\
	static struct ipc_##lname m;					\
	const char *why = NULL;						\
									\
	if (ipc_##lname##_decode(p, n, &m, &why) < 0) {			\
		FUZZ_ASSERT(why != NULL, #lname ": no reason");		\
		return -1;						\
	}								\
	FUZZ_ASSERT(ipc_##lname##_encode(out, 7, &m) == 0,		\
	    #lname ": decoded but does not encode");			\
	return 0;							\
}
#define NO_PORT(lname)							\
static int								\
codec_##lname(const uint8_t *p, size_t n, struct ipc_buf *out)		\
{									\
	static struct ipc_##lname m;					\
	const char *why = NULL;						\
									\
	if (ipc_##lname##_decode(p, n, &m, &why) < 0) {			\
		FUZZ_ASSERT(why != NULL, #lname ": no reason");		\
		return -1;						\
	}								\
	FUZZ_ASSERT(ipc_##lname##_encode(out, &m) == 0,			\
	    #lname ": decoded but does not encode");			\
	return 0;							\
}

NO_PORT(hello)
NO_PORT(error)
WITH_PORT(create)
WITH_PORT(started)
WITH_PORT(exit)
WITH_PORT(init)
NO_PORT(closing)
WITH_PORT(post)
WITH_PORT(fault)
WITH_PORT(console)

static int
codec_empty(const uint8_t *p, size_t n, struct ipc_buf *out)
{
	const char	*why = NULL;

	if (ipc_empty_decode(p, n, &why) < 0) {
		FUZZ_ASSERT(why != NULL, "empty: no reason");
		return -1;
	}
	FUZZ_ASSERT(ipc_empty_encode(out, IPC_CLOSE, 7) == 0, "empty");
	return 0;
}

static codec_fn *const codecs[] = {
	codec_hello, codec_error, codec_create, codec_started, codec_exit,
	codec_init, codec_closing, codec_post, codec_fault, codec_console,
	codec_empty
};
#define NCODECS	(sizeof codecs / sizeof codecs[0])

/* The body of the one frame in b. */
static void
body_of(struct ipc_buf *b, struct ipc_frame *f)
{
	const char	*why;

	FUZZ_ASSERT(ipc_frame_next(b, IPC_FRAME_MAX, f, &why) == 1,
	    "an encoder wrote a frame the reader does not cut");
	FUZZ_ASSERT(ipc_buf_used(b) == 0, "an encoder wrote extra bytes");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_buf		 one, two;
	struct ipc_frame	 f1, f2;
	codec_fn		*codec;

	if (size < 1)
		return 0;
	codec = codecs[data[0] % NCODECS];
	ipc_buf_init(&one);
	ipc_buf_init(&two);
	if (codec(data + 1, size - 1, &one) == 0) {
		body_of(&one, &f1);
		FUZZ_ASSERT(codec(f1.body, f1.len, &two) == 0,
		    "codec %u: an encoded body does not decode",
		    data[0] % (unsigned)NCODECS);
		body_of(&two, &f2);
		FUZZ_ASSERT(f1.len == f2.len &&
		    memcmp(f1.body, f2.body, f1.len) == 0,
		    "codec %u: encode(decode(x)) is not stable",
		    data[0] % (unsigned)NCODECS);
	}
	ipc_buf_clear(&one);
	ipc_buf_clear(&two);
	return 0;
}
