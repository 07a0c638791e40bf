/* vkgen kernels — norm (placeholder; filled in by the kernel library work). */
#ifndef VKGEN_KERNELS_NORM_H
#define VKGEN_KERNELS_NORM_H
#include "../gpu.h"
#include "../tensor.h"
#endif
