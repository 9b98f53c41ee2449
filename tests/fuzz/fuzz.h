/*
 * fuzz.h: what every fuzz target in tests/fuzz shares. A target is one
 * LLVMFuzzerTestOneInput; it links either with libFuzzer (the clang
 * build, WWD_FUZZ) or with replay.c, which feeds it the files of the
 * seed and regression corpora (every build). FUZZ_ASSERT aborts with a
 * message, which both libFuzzer and ctest report as a failure.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_ASSERT(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond);\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif
