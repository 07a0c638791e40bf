/* vkgen kernels — resample (placeholder; filled in by the kernel library work). */
#ifndef VKGEN_KERNELS_RESAMPLE_H
#define VKGEN_KERNELS_RESAMPLE_H
#include "../gpu.h"
#include "../tensor.h"
#endif
