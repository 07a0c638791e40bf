/* vkgen kernels — gemm (placeholder; filled in by the kernel library work). */
#ifndef VKGEN_KERNELS_GEMM_H
#define VKGEN_KERNELS_GEMM_H
#include "../gpu.h"
#include "../tensor.h"
#endif
