/* vkgen kernels — reduce (placeholder; filled in by the kernel library work). */
#ifndef VKGEN_KERNELS_REDUCE_H
#define VKGEN_KERNELS_REDUCE_H
#include "../gpu.h"
#include "../tensor.h"
#endif
