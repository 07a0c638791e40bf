/* vkgen kernels — conv (placeholder; filled in by the kernel library work). */
#ifndef VKGEN_KERNELS_CONV_H
#define VKGEN_KERNELS_CONV_H
#include "../gpu.h"
#include "../tensor.h"
#endif
