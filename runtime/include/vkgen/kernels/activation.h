/* vkgen kernels — activation (placeholder; filled in by the kernel library work). */
#ifndef VKGEN_KERNELS_ACTIVATION_H
#define VKGEN_KERNELS_ACTIVATION_H
#include "../gpu.h"
#include "../tensor.h"
#endif
