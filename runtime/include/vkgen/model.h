/* vkgen — model folders: config.json + weights (.safetensors), loaded onto the device.
 *
 * A model is a folder holding config.json (with `_class_name`) and weights whose tensor
 * names and layouts are those of the PyTorch reference implementation's state_dict
 * (diffusers: diffusion_pytorch_model.safetensors; others: model.safetensors). Sizes are
 * read from the config and the weight shapes, never assumed. Every failure names the
 * folder, the file and the tensor: "models/x/model.safetensors: tensor 'main.0.weight':
 * expected shape [100, 512, 4, 4], got [100, 256, 4, 4]".
 */
#ifndef VKGEN_MODEL_H
#define VKGEN_MODEL_H

#include <jansson.h>

#include "io.h"
#include "status.h"
#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vkg_model vkg_model;

/* Opens folder/config.json and the first weights file of weight_files (NULL-terminated list
 * of names tried in order; NULL means {"diffusion_pytorch_model.safetensors",
 * "model.safetensors"}). expected_class: when not NULL, config `_class_name` must equal it
 * (else an error naming both). No GPU work. */
VKG_EXPORT vkg_status vkg_model_open(vkg_ctx *ctx, const char *folder, const char *const *weight_files,
                                     const char *expected_class, vkg_model **out);
VKG_EXPORT void vkg_model_close(vkg_model *m);

VKG_EXPORT const char *vkg_model_folder(const vkg_model *m);
VKG_EXPORT const char *vkg_model_config_path(const vkg_model *m);  /* folder/config.json */
VKG_EXPORT const char *vkg_model_weights_path(const vkg_model *m);
VKG_EXPORT const json_t *vkg_model_config(const vkg_model *m);
VKG_EXPORT const char *vkg_model_class(const vkg_model *m);        /* `_class_name` or "" */
VKG_EXPORT const vkg_safetensors *vkg_model_weights(const vkg_model *m);

/* The weight entry of a printf-formatted name, or NULL (no error) when absent. */
VKG_EXPORT const vkg_st_entry *vkg_model_find(const vkg_model *m, const char *fmt, ...) VKG_PRINTF(2, 3);

/* Uploads a weight as an f32 device tensor (F16/BF16/F64 converted). ndim/dims give the
 * expected shape (dims[i] < 0 matches anything; ndim < 0 skips the check). A missing tensor
 * or a shape mismatch is VKG_E_INPUT naming tensor, file and both shapes. Records the name as
 * used (see vkg_model_unused). */
VKG_EXPORT vkg_status vkg_model_load(vkg_ctx *ctx, vkg_model *m, int ndim, const int64_t *dims, vkg_tensor **out,
                                     const char *fmt, ...) VKG_PRINTF(6, 7);
/* Same, but an absent tensor gives *out = NULL and VKG_OK. */
VKG_EXPORT vkg_status vkg_model_load_opt(vkg_ctx *ctx, vkg_model *m, int ndim, const int64_t *dims,
                                         vkg_tensor **out, const char *fmt, ...) VKG_PRINTF(6, 7);
/* Host copy as f32 (malloc'd; free()). Same shape check. For weights folded on the host
 * (BatchNorm running stats, masks). */
VKG_EXPORT vkg_status vkg_model_read(vkg_ctx *ctx, vkg_model *m, int ndim, const int64_t *dims, float **out,
                                     vkg_shape *shape, const char *fmt, ...) VKG_PRINTF(7, 8);

/* Marks a tensor as consumed without loading it (e.g. num_batches_tracked). */
VKG_EXPORT void vkg_model_mark_used(vkg_model *m, const char *name);
/* Number of weight tensors never loaded or marked (ignoring *.num_batches_tracked); the first
 * few names go to vkg_warn so a user sees weights the model did not use. */
VKG_EXPORT int vkg_model_unused(vkg_ctx *ctx, const vkg_model *m, int warn);

/* Config getters with the config path in messages (see json.h for semantics). */
VKG_EXPORT vkg_status vkg_model_cfg_int(vkg_ctx *ctx, const vkg_model *m, const char *key, int required,
                                        int64_t *out);
VKG_EXPORT vkg_status vkg_model_cfg_float(vkg_ctx *ctx, const vkg_model *m, const char *key, int required,
                                          double *out);
VKG_EXPORT vkg_status vkg_model_cfg_bool(vkg_ctx *ctx, const vkg_model *m, const char *key, int required, int *out);
VKG_EXPORT vkg_status vkg_model_cfg_string(vkg_ctx *ctx, const vkg_model *m, const char *key, int required,
                                           const char **out);

#ifdef __cplusplus
}
#endif
#endif
