/* vkgen kernels — elementwise (placeholder; filled in by the kernel library work). */
#ifndef VKGEN_KERNELS_ELEMENTWISE_H
#define VKGEN_KERNELS_ELEMENTWISE_H
#include "../gpu.h"
#include "../tensor.h"
#endif
