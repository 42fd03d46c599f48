/*
 * embed_internal.h - private: the dense L1 kernel of an embedding set
 * (embed_set.c), named so that the tests can run each instruction set's
 * version and compare them.
 */
#ifndef WASS_EMBED_INTERNAL_H
#define WASS_EMBED_INTERNAL_H

#include <stddef.h>

/* Cells summed per chunk by the dense kernel (a multiple of 8). */
#define WASS__EL_CHUNK 512

/* 1 when the CPU runs the AVX2 kernel (and this build has it), else 0. */
int wass__embed_isa(void);

/* out[q] = sum_j |row[j] - qs[q * ld + j]| for q < nq, nq = 1 or 4, ld a
 * multiple of 8; isa 0 = the baseline kernel, 1 = AVX2 (only when
 * wass__embed_isa() says 1). Returns 0, or -1 for an nq or isa it lacks. */
int wass__embed_l1_dense(int isa, const double *row, const double *qs, size_t ld, size_t nq,
                         double *out);

#endif
