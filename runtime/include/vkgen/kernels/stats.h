/* vkgen kernels — stats (placeholder; filled in by the kernel library work). */
#ifndef VKGEN_KERNELS_STATS_H
#define VKGEN_KERNELS_STATS_H
#include "../gpu.h"
#include "../tensor.h"
#endif
