/* Fuzz target: JSON config parsing and every typed getter on every key. */
#include <stdint.h>
#include <stdlib.h>

#include <vkgen/context.h>
#include <vkgen/json.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vkg_ctx *ctx = vkg_ctx_create(NULL);
  if (!ctx) return 0;
  json_t *o = NULL;
  if (vkg_json_parse(ctx, "fuzz.json", (const char *)data, size, &o) == VKG_OK) {
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
      for (int req = 0; req < 2; req++) {
        int64_t i = 0;
        double d = 0;
        int b = 0;
        const char *s = NULL;
        int64_t *iv = NULL;
        const char **sv = NULL;
        int n = 0;
        (void)vkg_json_int(ctx, o, "fuzz.json", key, req, &i);
        (void)vkg_json_float(ctx, o, "fuzz.json", key, req, &d);
        (void)vkg_json_bool(ctx, o, "fuzz.json", key, req, &b);
        (void)vkg_json_string(ctx, o, "fuzz.json", key, req, &s);
        if (vkg_json_int_array(ctx, o, "fuzz.json", key, req, &iv, &n) == VKG_OK) free(iv);
        if (vkg_json_string_array(ctx, o, "fuzz.json", key, req, &sv, &n) == VKG_OK) free(sv);
      }
    }
    int64_t i = 0;
    (void)vkg_json_int(ctx, o, "fuzz.json", "absent", 1, &i);
    json_decref(o);
  } else if (o) {
    abort();
  }
  vkg_ctx_destroy(ctx);
  return 0;
}
