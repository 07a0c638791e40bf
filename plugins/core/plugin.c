/* The core plugin: tensors in and out of files, noise, datasets and images. */
#include "core_internal.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const vkg_node_type core_types[] = {
    {.name = "load_tensor", .doc = "Loads one tensor from a .safetensors file (uploaded once, the same every batch).",
     .flags = VKG_NODE_SOURCE, .noutputs = 1, .outputs = vkg_core_load_tensor_outputs,
     .nparams = VKG_CORE_LOAD_TENSOR_NPARAMS, .params = vkg_core_load_tensor_params,
     .create = vkg_core_load_tensor_create, .infer = vkg_core_load_tensor_infer, .start = vkg_core_load_tensor_start,
     .run = vkg_core_load_tensor_run, .destroy = vkg_core_load_tensor_destroy},
    {.name = "save_tensor",
     .doc = "Writes its input to a .safetensors file (atomically, keeping the file's other entries). Batches are "
         "concatenated along dim 0 and written after the last one.",
     .flags = VKG_NODE_SINK | VKG_NODE_ONE_PROCESS, .ninputs = 1, .inputs = vkg_core_save_tensor_inputs,
     .nparams = VKG_CORE_SAVE_TENSOR_NPARAMS, .params = vkg_core_save_tensor_params,
     .create = vkg_core_save_tensor_create, .infer = vkg_core_save_tensor_infer, .run = vkg_core_save_tensor_run,
     .destroy = vkg_core_save_tensor_destroy},
    {.name = "randn",
     .doc = "Standard normal noise from a counter-based generator: sample k of the run depends only on (seed, k, "
         "stream), not on the batch size.",
     .flags = VKG_NODE_SOURCE, .noutputs = 1, .outputs = vkg_core_randn_outputs, .nparams = VKG_CORE_RANDN_NPARAMS,
     .params = vkg_core_randn_params, .create = vkg_core_randn_create, .infer = vkg_core_randn_infer,
     .run = vkg_core_randn_run, .destroy = vkg_core_randn_destroy},
    {.name = "load_idx",
     .doc = "Streams an IDX dataset (MNIST, Fashion-MNIST; .gz ok) as f32 images in [0, 1] and i64 labels.",
     .flags = VKG_NODE_SOURCE, .noutputs = 2, .outputs = vkg_core_load_idx_outputs,
     .nparams = VKG_CORE_LOAD_IDX_NPARAMS, .params = vkg_core_load_idx_params, .create = vkg_core_load_idx_create,
     .infer = vkg_core_load_idx_infer, .run = vkg_core_load_idx_run, .destroy = vkg_core_load_idx_destroy},
    {.name = "load_images",
     .doc = "Streams a folder of PNG files (sorted by name) as f32 images in [0, 1], resized bilinearly to size.",
     .flags = VKG_NODE_SOURCE, .noutputs = 1, .outputs = vkg_core_load_images_outputs,
     .nparams = VKG_CORE_LOAD_IMAGES_NPARAMS, .params = vkg_core_load_images_params,
     .create = vkg_core_load_images_create, .infer = vkg_core_load_images_infer, .run = vkg_core_load_images_run,
     .destroy = vkg_core_load_images_destroy},
    {.name = "save_images", .doc = "Writes one PNG per sample; {index} in path is the global sample index.",
     .flags = VKG_NODE_SINK, .ninputs = 1, .inputs = vkg_core_save_images_inputs,
     .nparams = VKG_CORE_SAVE_IMAGES_NPARAMS, .params = vkg_core_save_images_params,
     .create = vkg_core_save_images_create, .infer = vkg_core_save_images_infer, .run = vkg_core_save_images_run,
     .destroy = vkg_core_save_images_destroy},
    {.name = "save_image_grid",
     .doc = "Writes the batch as one PNG grid like torchvision's make_grid + save_image (first batch only unless path "
         "has {batch}).",
     .flags = VKG_NODE_SINK, .ninputs = 1, .inputs = vkg_core_save_image_grid_inputs,
     .nparams = VKG_CORE_SAVE_IMAGE_GRID_NPARAMS, .params = vkg_core_save_image_grid_params,
     .create = vkg_core_save_image_grid_create, .infer = vkg_core_save_image_grid_infer,
     .run = vkg_core_save_image_grid_run, .destroy = vkg_core_save_image_grid_destroy},
    {.name = "concat",
     .doc = "Joins a list of tensors along an axis, e.g. images and their reconstructions side by side (axis 3).",
     .ninputs = 1, .inputs = vkg_core_concat_inputs, .noutputs = 1, .outputs = vkg_core_concat_outputs,
     .nparams = VKG_CORE_CONCAT_NPARAMS, .params = vkg_core_concat_params, .infer = vkg_core_concat_infer,
     .run = vkg_core_concat_run},
    {.name = "scale",
     .doc = "y = x * scale + shift on the device, or x mapped linearly from range `from` to range `to` (e.g. a "
         "generator's [-1, 1] to the [0, 1] inception.features expects).",
     .ninputs = 1, .inputs = vkg_core_scale_inputs, .noutputs = 1, .outputs = vkg_core_scale_outputs,
     .nparams = VKG_CORE_SCALE_NPARAMS, .params = vkg_core_scale_params, .infer = vkg_core_scale_infer,
     .run = vkg_core_scale_run},
};

static const vkg_plugin_desc core_plugin = {
    VKG_PLUGIN_ABI,
    .name = "core", .version = VKG_VERSION_STRING, .license = VKG_PROJECT_LICENSE,
    .doc = "Built-in nodes: tensors to and from files, random noise, datasets and images.",
    .ntypes = NELEM(core_types), .types = core_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &core_plugin; }
