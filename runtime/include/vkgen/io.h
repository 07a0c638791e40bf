/* vkgen — file formats: safetensors, PNG, IDX, atomic output files, JSON config files.
 *
 * Readers validate everything they are given (files come from the internet): sizes,
 * offsets and counts are checked before use, and every failure is a VKG_E_INPUT or
 * VKG_E_IO with the file name and what is wrong. Writers are atomic: they write a temp
 * file in the destination folder and rename it over the target, so a failed or
 * interrupted write never leaves a partial file.
 */
#ifndef VKGEN_IO_H
#define VKGEN_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "status.h"
#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- safetensors ------------------------------------------------------------------- */

typedef struct vkg_safetensors vkg_safetensors;

typedef struct vkg_st_entry {
  const char *name;
  const char *st_dtype;  /* as in the file: "F32", "F16", "BF16", "F64", "I64", "I32", "U8", ... */
  int has_dtype;         /* st_dtype maps to a vkg_dtype */
  vkg_dtype dtype;       /* valid when has_dtype */
  size_t elem_size;
  vkg_shape shape;
  const void *data;      /* into the mapping; valid until close */
  size_t bytes;
} vkg_st_entry;

/* mmaps and validates: header length, JSON, dtypes, shapes, offsets in range, contiguous and
 * not overlapping, byte size = numel * element size. */
VKG_EXPORT vkg_status vkg_safetensors_open(vkg_ctx *ctx, const char *path, vkg_safetensors **out);
/* Same over memory the caller keeps alive (no copy); name is used in messages. */
VKG_EXPORT vkg_status vkg_safetensors_parse(vkg_ctx *ctx, const char *name, const void *data, size_t size,
                                            vkg_safetensors **out);
VKG_EXPORT void vkg_safetensors_close(vkg_safetensors *st);
VKG_EXPORT const char *vkg_safetensors_path(const vkg_safetensors *st);
VKG_EXPORT int vkg_safetensors_count(const vkg_safetensors *st);
VKG_EXPORT const vkg_st_entry *vkg_safetensors_entry(const vkg_safetensors *st, int i); /* sorted by name */
VKG_EXPORT const vkg_st_entry *vkg_safetensors_find(const vkg_safetensors *st, const char *name);
VKG_EXPORT const char *vkg_safetensors_metadata(const vkg_safetensors *st, const char *key); /* NULL if absent */
/* Converts an F32/F16/BF16/F64 entry to f32 (out holds numel floats). */
VKG_EXPORT vkg_status vkg_safetensors_read_f32(vkg_ctx *ctx, const vkg_safetensors *st, const vkg_st_entry *e,
                                               float *out);
/* Finds name and checks its shape (ndim dims; a dim < 0 matches anything); the error names
 * the tensor, the file and both shapes. */
VKG_EXPORT vkg_status vkg_safetensors_expect(vkg_ctx *ctx, const vkg_safetensors *st, const char *name, int ndim,
                                             const int64_t *dims, const vkg_st_entry **out);

typedef struct vkg_st_write_entry {
  const char *name;
  vkg_dtype dtype;
  vkg_shape shape;
  const void *data; /* numel * dtype size bytes */
} vkg_st_write_entry;

/* Writes entries (and optional metadata pairs, may be NULL/0) atomically. With append set,
 * entries of an existing file at path are kept unless replaced by name. */
VKG_EXPORT vkg_status vkg_safetensors_write(vkg_ctx *ctx, const char *path, const vkg_st_write_entry *entries,
                                            int n, const char *const *meta_kv, int nmeta, int append);

/* ---- atomic output files ----------------------------------------------------------- */

typedef struct vkg_outfile {
  FILE *f;          /* write here */
  char *path;       /* final path */
  char *tmp_path;   /* temp file beside it */
} vkg_outfile;

/* VKG_OK if path does not exist or is a regular file (or a symlink to one); an error
 * (VKG_E_INPUT) if it names a folder, device node, FIFO or socket, which the rename of an
 * output file would replace. */
VKG_EXPORT vkg_status vkg_output_target_check(vkg_ctx *ctx, const char *path);
/* Checks the target (vkg_output_target_check), creates the folder of path if needed and
 * opens a temp file beside it. */
VKG_EXPORT vkg_status vkg_outfile_open(vkg_ctx *ctx, const char *path, vkg_outfile *out);
/* Flushes, fsyncs and renames over the target. Closes in every case. */
VKG_EXPORT vkg_status vkg_outfile_commit(vkg_ctx *ctx, vkg_outfile *o);
/* Closes and removes the temp file (after an error). */
VKG_EXPORT void vkg_outfile_abort(vkg_outfile *o);
/* mkdir -p of the folder part of path. */
VKG_EXPORT vkg_status vkg_make_parent_dirs(vkg_ctx *ctx, const char *path);

/* ---- images (PNG via libpng) --------------------------------------------------------- */

typedef struct vkg_image {
  int width, height, channels; /* channels 1, 3 or 4 */
  uint8_t *pixels;             /* row-major HWC; malloc'd, free with vkg_image_free */
} vkg_image;

VKG_EXPORT vkg_status vkg_png_read(vkg_ctx *ctx, const char *path, vkg_image *out);
/* From memory (fuzzing, tests); name is used in messages. 8-bit output; gray/RGB/RGBA kept,
 * palette expanded, 16-bit stripped to 8. Refuses images over 16384 on a side. */
VKG_EXPORT vkg_status vkg_png_decode(vkg_ctx *ctx, const char *name, const void *data, size_t size,
                                     vkg_image *out);
VKG_EXPORT vkg_status vkg_png_write(vkg_ctx *ctx, const char *path, const vkg_image *img);
VKG_EXPORT void vkg_image_free(vkg_image *img);

/* ---- IDX (MNIST / Fashion-MNIST), plain or gzip'd ------------------------------------ */

typedef struct vkg_idx {
  int ndim;
  int64_t dims[VKG_MAX_DIMS];
  int type;       /* 0x08 u8 (the only one read into data as is), 0x09 i8, 0x0B i16, 0x0C i32,
                     0x0D f32, 0x0E f64 */
  void *data;     /* malloc'd, native byte order */
  size_t bytes;
} vkg_idx;

VKG_EXPORT vkg_status vkg_idx_read(vkg_ctx *ctx, const char *path, vkg_idx *out);
VKG_EXPORT vkg_status vkg_idx_parse(vkg_ctx *ctx, const char *name, const void *data, size_t size, vkg_idx *out);
VKG_EXPORT void vkg_idx_free(vkg_idx *idx);

/* ---- whole-file reading ------------------------------------------------------------- */

/* Reads a file into a malloc'd, NUL-terminated buffer; refuses files over max_bytes. */
VKG_EXPORT vkg_status vkg_read_file(vkg_ctx *ctx, const char *path, size_t max_bytes, char **data, size_t *size);

#ifdef __cplusplus
}
#endif
#endif
