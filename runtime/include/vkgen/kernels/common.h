/* vkgen kernels — common (placeholder; filled in by the kernel library work). */
#ifndef VKGEN_KERNELS_COMMON_H
#define VKGEN_KERNELS_COMMON_H
#include "../gpu.h"
#include "../tensor.h"
#endif
