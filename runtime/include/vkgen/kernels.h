/* vkgen — the kernel library: GPU compute kernels that model plugins compose.
 *
 * Every kernel records into the context's stream (gpu.h) and returns a status; shapes are
 * checked and a mismatch is a VKG_E_INPUT naming the kernel and both shapes. Each has a
 * plain C reference (tests/ref) that its test compares against. Variants are picked per
 * device when the pipeline is created (texel-buffer register-blocked kernels on CPU
 * devices such as lavapipe, shared-memory tiles on GPUs).
 */
#ifndef VKGEN_KERNELS_H
#define VKGEN_KERNELS_H

#include "kernels/common.h"
#include "kernels/gemm.h"
#include "kernels/conv.h"
#include "kernels/winograd.h"
#include "kernels/norm.h"
#include "kernels/attention.h"
#include "kernels/activation.h"
#include "kernels/elementwise.h"
#include "kernels/layout.h"
#include "kernels/resample.h"
#include "kernels/pool.h"
#include "kernels/reduce.h"
#include "kernels/random.h"
#include "kernels/sequence.h"
#include "kernels/stats.h"

#endif
