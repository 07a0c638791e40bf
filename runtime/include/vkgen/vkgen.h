/* vkgen — umbrella header for applications and plugins. */
#ifndef VKGEN_VKGEN_H
#define VKGEN_VKGEN_H

#include "status.h"
#include "context.h"
#include "tensor.h"
#include "gpu.h"
#include "io.h"
#include "plugin.h"
#include "registry.h"
#include "graph.h"
#include "kernels.h"
#include "model.h"
#include <vkgen/version.h> /* generated into the build tree */

#endif
