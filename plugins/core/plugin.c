/* The core plugin: tensors in and out of files, noise, datasets and images. */
#include "core_internal.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const vkg_node_type core_types[] = {
    {"load_tensor", "Loads one tensor from a .safetensors file (uploaded once, the same every batch).",
     VKG_NODE_SOURCE, 0, NULL, 1, vkg_core_load_tensor_outputs, VKG_CORE_LOAD_TENSOR_NPARAMS,
     vkg_core_load_tensor_params, vkg_core_load_tensor_create, vkg_core_load_tensor_infer,
     vkg_core_load_tensor_start, vkg_core_load_tensor_run, NULL, vkg_core_load_tensor_destroy, NULL, NULL},
    {"save_tensor",
     "Writes its input to a .safetensors file (atomically, keeping the file's other entries). Batches are "
     "concatenated along dim 0 and written after the last one.",
     VKG_NODE_SINK | VKG_NODE_ONE_PROCESS, 1, vkg_core_save_tensor_inputs, 0, NULL, VKG_CORE_SAVE_TENSOR_NPARAMS,
     vkg_core_save_tensor_params, vkg_core_save_tensor_create, vkg_core_save_tensor_infer, NULL,
     vkg_core_save_tensor_run, NULL, vkg_core_save_tensor_destroy, NULL, NULL},
    {"randn",
     "Standard normal noise from a counter-based generator: sample k of the run depends only on (seed, k, "
     "stream), not on the batch size.",
     VKG_NODE_SOURCE, 0, NULL, 1, vkg_core_randn_outputs, VKG_CORE_RANDN_NPARAMS, vkg_core_randn_params,
     vkg_core_randn_create, vkg_core_randn_infer, NULL, vkg_core_randn_run, NULL, vkg_core_randn_destroy, NULL, NULL},
    {"load_idx",
     "Streams an IDX dataset (MNIST, Fashion-MNIST; .gz ok) as f32 images in [0, 1] and i64 labels.",
     VKG_NODE_SOURCE, 0, NULL, 2, vkg_core_load_idx_outputs, VKG_CORE_LOAD_IDX_NPARAMS,
     vkg_core_load_idx_params, vkg_core_load_idx_create, vkg_core_load_idx_infer, NULL, vkg_core_load_idx_run,
     NULL, vkg_core_load_idx_destroy, NULL, NULL},
    {"load_images",
     "Streams a folder of PNG files (sorted by name) as f32 images in [0, 1], resized bilinearly to size.",
     VKG_NODE_SOURCE, 0, NULL, 1, vkg_core_load_images_outputs, VKG_CORE_LOAD_IMAGES_NPARAMS,
     vkg_core_load_images_params, vkg_core_load_images_create, vkg_core_load_images_infer, NULL,
     vkg_core_load_images_run, NULL, vkg_core_load_images_destroy, NULL, NULL},
    {"save_images", "Writes one PNG per sample; {index} in path is the global sample index.", VKG_NODE_SINK, 1,
     vkg_core_save_images_inputs, 0, NULL, VKG_CORE_SAVE_IMAGES_NPARAMS, vkg_core_save_images_params,
     vkg_core_save_images_create, vkg_core_save_images_infer, NULL, vkg_core_save_images_run, NULL,
     vkg_core_save_images_destroy, NULL, NULL},
    {"save_image_grid",
     "Writes the batch as one PNG grid like torchvision's make_grid + save_image (first batch only unless path "
     "has {batch}).",
     VKG_NODE_SINK, 1, vkg_core_save_image_grid_inputs, 0, NULL, VKG_CORE_SAVE_IMAGE_GRID_NPARAMS,
     vkg_core_save_image_grid_params, vkg_core_save_image_grid_create, vkg_core_save_image_grid_infer, NULL,
     vkg_core_save_image_grid_run, NULL, vkg_core_save_image_grid_destroy, NULL, NULL},
    {"concat",
     "Joins two tensors along an axis, e.g. images and their reconstructions side by side (axis 3).", 0, 2,
     vkg_core_concat_inputs, 1, vkg_core_concat_outputs, VKG_CORE_CONCAT_NPARAMS, vkg_core_concat_params, NULL,
     vkg_core_concat_infer, NULL, vkg_core_concat_run, NULL, NULL, NULL, NULL},
    {"scale",
     "y = x * scale + shift on the device, or x mapped linearly from range `from` to range `to` (e.g. a "
     "generator's [-1, 1] to the [0, 1] inception.features expects).",
     0, 1, vkg_core_scale_inputs, 1, vkg_core_scale_outputs, VKG_CORE_SCALE_NPARAMS, vkg_core_scale_params, NULL,
     vkg_core_scale_infer, NULL, vkg_core_scale_run, NULL, NULL, NULL, NULL},
};

static const vkg_plugin_desc core_plugin = {
    VKG_ABI_VERSION, "core", VKG_VERSION_STRING,
    "Built-in nodes: tensors to and from files, random noise, datasets and images.", NELEM(core_types),
    core_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &core_plugin; }
