/* The Inception Score accumulator's layout, shared by is_math.c (the math) and is_state.c
 * (saving and merging it). */
#ifndef VKG_IS_ACC_INTERNAL_H
#define VKG_IS_ACC_INTERNAL_H

#include <stdint.h>

struct vkg_is_acc {
  int64_t classes, samples; /* samples 0: unknown, rows are kept */
  int splits;
  int64_t seen;
  double *psum;        /* [splits, classes]: sum of p over the split's rows */
  double *plogp;       /* [splits]: sum of p log p */
  int64_t *count;      /* [splits] */
  double *row;         /* [classes] scratch */
  float *kept;         /* unknown N: every row's logits */
  int64_t kept_cap;    /* rows */
  int bad;             /* a non-finite logit was seen */
  int64_t *seg;        /* unknown N: [nseg, 2] (first global row, rows) of each add, in kept order */
  int64_t nseg, seg_cap;
};

#endif
