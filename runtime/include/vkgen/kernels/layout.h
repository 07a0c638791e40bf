/* vkgen kernels — layout (placeholder; filled in by the kernel library work). */
#ifndef VKGEN_KERNELS_LAYOUT_H
#define VKGEN_KERNELS_LAYOUT_H
#include "../gpu.h"
#include "../tensor.h"
#endif
