/* vkgen kernels — attention (placeholder; filled in by the kernel library work). */
#ifndef VKGEN_KERNELS_ATTENTION_H
#define VKGEN_KERNELS_ATTENTION_H
#include "../gpu.h"
#include "../tensor.h"
#endif
