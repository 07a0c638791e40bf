/* core plugin: node tables and callbacks shared with plugin.c, and host image helpers.
 * Each node type lives in its own file; plugin.c assembles the descriptor from the
 * tables declared here (the sizes in the declarations are checked by the definitions). */
#ifndef VKG_CORE_INTERNAL_H
#define VKG_CORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <vkgen/context.h>
#include <vkgen/gpu.h>
#include <vkgen/io.h>
#include <vkgen/kernels/random.h>
#include <vkgen/plugin.h>
#include <vkgen/status.h>
#include <vkgen/tensor.h>
#include <vkgen/version.h>

#define VKG_CORE_CALLBACKS(n)                                                                      \
  vkg_status vkg_core_##n##_create(vkg_node *node, void **state);                                  \
  vkg_status vkg_core_##n##_infer(vkg_node *node, void *state, const vkg_tensor_info *in,          \
                                  vkg_tensor_info *out);                                           \
  vkg_status vkg_core_##n##_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out); \
  void vkg_core_##n##_destroy(void *state)

/* scale (no create/destroy: params are read where needed) */
#define VKG_CORE_SCALE_NPARAMS 4
extern const vkg_port_desc vkg_core_scale_inputs[1];
extern const vkg_port_desc vkg_core_scale_outputs[1];
extern const vkg_param_desc vkg_core_scale_params[VKG_CORE_SCALE_NPARAMS];
vkg_status vkg_core_scale_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out);
vkg_status vkg_core_scale_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out);

/* concat (no create/destroy: its only param is read where needed) */
#define VKG_CORE_CONCAT_NPARAMS 1
extern const vkg_port_desc vkg_core_concat_inputs[1];
extern const vkg_port_desc vkg_core_concat_outputs[1];
extern const vkg_param_desc vkg_core_concat_params[VKG_CORE_CONCAT_NPARAMS];
vkg_status vkg_core_concat_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out);
vkg_status vkg_core_concat_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out);

/* load_tensor */
#define VKG_CORE_LOAD_TENSOR_NPARAMS 2
extern const vkg_port_desc vkg_core_load_tensor_outputs[1];
extern const vkg_param_desc vkg_core_load_tensor_params[VKG_CORE_LOAD_TENSOR_NPARAMS];
VKG_CORE_CALLBACKS(load_tensor);
vkg_status vkg_core_load_tensor_start(vkg_node *node, void *state);

/* save_tensor */
#define VKG_CORE_SAVE_TENSOR_NPARAMS 2
extern const vkg_port_desc vkg_core_save_tensor_inputs[1];
extern const vkg_param_desc vkg_core_save_tensor_params[VKG_CORE_SAVE_TENSOR_NPARAMS];
VKG_CORE_CALLBACKS(save_tensor);

/* randn */
#define VKG_CORE_RANDN_NPARAMS 3
extern const vkg_port_desc vkg_core_randn_outputs[1];
extern const vkg_param_desc vkg_core_randn_params[VKG_CORE_RANDN_NPARAMS];
VKG_CORE_CALLBACKS(randn);

/* load_idx */
#define VKG_CORE_LOAD_IDX_NPARAMS 5
extern const vkg_port_desc vkg_core_load_idx_outputs[2];
extern const vkg_param_desc vkg_core_load_idx_params[VKG_CORE_LOAD_IDX_NPARAMS];
VKG_CORE_CALLBACKS(load_idx);

/* load_images */
#define VKG_CORE_LOAD_IMAGES_NPARAMS 5
extern const vkg_port_desc vkg_core_load_images_outputs[1];
extern const vkg_param_desc vkg_core_load_images_params[VKG_CORE_LOAD_IMAGES_NPARAMS];
VKG_CORE_CALLBACKS(load_images);

/* save_images */
#define VKG_CORE_SAVE_IMAGES_NPARAMS 2
extern const vkg_port_desc vkg_core_save_images_inputs[1];
extern const vkg_param_desc vkg_core_save_images_params[VKG_CORE_SAVE_IMAGES_NPARAMS];
VKG_CORE_CALLBACKS(save_images);

/* save_image_grid */
#define VKG_CORE_SAVE_IMAGE_GRID_NPARAMS 5
extern const vkg_port_desc vkg_core_save_image_grid_inputs[1];
extern const vkg_param_desc vkg_core_save_image_grid_params[VKG_CORE_SAVE_IMAGE_GRID_NPARAMS];
VKG_CORE_CALLBACKS(save_image_grid);

/* ---- host helpers (image_util.c) ------------------------------------------------------- */

/* Checks an images input: f32 [B, C, H, W] with C in {1, 3, 4}. */
vkg_status vkg_core_check_images(vkg_node *node, int input, const vkg_tensor_info *info);
/* Reads the `range` param ([lo, hi], lo < hi). */
vkg_status vkg_core_get_range(vkg_node *node, double *lo, double *hi);
/* Like torchvision's save_image: v = (x - lo) / (hi - lo); byte = clamp(v * 255 + 0.5, 0, 255).
 * NaN becomes 0. */
uint8_t vkg_core_to_byte(float x, double lo, double hi);
/* Downloads an images tensor to a malloc'd float buffer (NCHW). */
vkg_status vkg_core_download_f32(vkg_node *node, const vkg_tensor *t, float **out);
/* Sample b of NCHW floats → HWC bytes in img (allocated here; free with vkg_image_free). */
vkg_status vkg_core_sample_to_image(vkg_node *node, const float *x, int64_t c, int64_t h, int64_t w,
                                    double lo, double hi, vkg_image *img);
/* Replaces every "{key}" in pattern with value; malloc'd result (NULL when out of memory). */
char *vkg_core_subst(const char *pattern, const char *key, int64_t value);
/* Bilinear resize of one HWC byte image to size x size floats in [0, 1], CHW, with
 * align_corners=False sampling (torch.nn.functional.interpolate, antialias=False). */
void vkg_core_resize_bilinear(const vkg_image *img, int channels, int size, float *out_chw);

#endif
