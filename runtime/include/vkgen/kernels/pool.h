/* vkgen kernels — pool (placeholder; filled in by the kernel library work). */
#ifndef VKGEN_KERNELS_POOL_H
#define VKGEN_KERNELS_POOL_H
#include "../gpu.h"
#include "../tensor.h"
#endif
