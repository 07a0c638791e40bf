/* Device features, driver quirks and kernel variant choice: vkg_device_caps_derive on synthetic
 * Vulkan properties of devices this machine does not have (NVIDIA, AMD RADV, Intel iGPU, an old
 * and a new Qualcomm driver for the version-gated quirk), then the live lavapipe device. */
#include <stdlib.h>
#include <string.h>

#include "gpu/gpu_internal.h" /* white box: vkg_device_query */
#include "testutil.h"

#define SG_ALL                                                                                                  \
  (VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_VOTE_BIT | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT |         \
   VK_SUBGROUP_FEATURE_BALLOT_BIT | VK_SUBGROUP_FEATURE_SHUFFLE_BIT | VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT | \
   VK_SUBGROUP_FEATURE_CLUSTERED_BIT | VK_SUBGROUP_FEATURE_QUAD_BIT)
#define SUBGROUP_FEATS                                                                                 \
  (VKG_FEAT_SUBGROUP_BASIC | VKG_FEAT_SUBGROUP_ARITHMETIC | VKG_FEAT_SUBGROUP_BALLOT | VKG_FEAT_SUBGROUP_SHUFFLE)
#define LAVAPIPE_QUIRKS                                                                                      \
  (VKG_QUIRK_SLOW_SHARED_MEMORY | VKG_QUIRK_TEXEL_FETCH_COST | VKG_QUIRK_PUSH_DESCRIPTOR_IGNORES_ARRAY_ELEMENT | \
   VKG_QUIRK_LOOP_ITERATION_LIMIT)

static vkg_device_query base(VkPhysicalDeviceType type, uint32_t vendor, uint32_t driver_id, uint32_t api,
                             uint32_t sg, uint32_t sg_min, uint32_t sg_max, uint32_t shared) {
  vkg_device_query q;
  memset(&q, 0, sizeof q);
  q.props.deviceType = type;
  q.props.vendorID = vendor;
  q.props.apiVersion = api;
  q.props.driverVersion = 1;
  q.props.limits.maxComputeSharedMemorySize = shared;
  q.props.limits.maxComputeWorkGroupInvocations = 1024;
  q.props.limits.timestampPeriod = 1.0f;
  q.driver_id = driver_id;
  q.subgroup.subgroupSize = sg;
  q.subgroup.supportedStages = VK_SHADER_STAGE_COMPUTE_BIT;
  q.subgroup.supportedOperations = SG_ALL;
  q.subgroup_size_control = sg_min > 0;
  q.sg_control.minSubgroupSize = sg_min;
  q.sg_control.maxSubgroupSize = sg_max;
  q.sg_control.requiredSubgroupSizeStages = sg_min ? VK_SHADER_STAGE_COMPUTE_BIT : 0;
  q.shader_float16 = q.storage_buffer16 = q.shader_int64 = 1;
  q.ext_push_descriptor = 1;
  q.timestamp_bits = 64;
  return q;
}

START_TEST(test_lavapipe) {
  /* as Mesa 22.3 lavapipe reports itself: CPU, driver ID 13, subgroup 8, driverVersion 1 */
  vkg_device_query q = base(VK_PHYSICAL_DEVICE_TYPE_CPU, 0x10005, VK_DRIVER_ID_MESA_LLVMPIPE,
                            VK_MAKE_API_VERSION(0, 1, 3, 230), 8, 8, 8, 32768);
  vkg_device_caps c;
  vkg_device_caps_derive(&q, &c);
  ck_assert_uint_eq(c.quirks, LAVAPIPE_QUIRKS);
  ck_assert_uint_eq(c.features, VKG_FEAT_FLOAT16 | VKG_FEAT_STORAGE16 | VKG_FEAT_INT64 | SUBGROUP_FEATS |
                                    VKG_FEAT_SUBGROUP_SIZE_CONTROL | VKG_FEAT_PUSH_DESCRIPTOR | VKG_FEAT_TIMESTAMPS);
  ck_assert_uint_eq(c.driver_id, 13);
  ck_assert_uint_eq(c.subgroup_size, 8);
  ck_assert_uint_eq(c.max_shared_memory, 32768);
  ck_assert_int_eq(vkg_kernel_variant_select(&c, VKG_DEVICE_CPU), VKG_VARIANT_TEXEL);
  /* even if it called itself a GPU, the quirk keeps the texel kernels */
  ck_assert_int_eq(vkg_kernel_variant_select(&c, VKG_DEVICE_DISCRETE), VKG_VARIANT_TEXEL);
  /* a Vulkan 1.1 lavapipe has no driver ID: recognized by type and Mesa's vendor ID */
  q.driver_id = 0;
  q.props.apiVersion = VK_MAKE_API_VERSION(0, 1, 1, 0);
  vkg_device_caps_derive(&q, &c);
  ck_assert_uint_eq(c.quirks, LAVAPIPE_QUIRKS);
}
END_TEST

START_TEST(test_nvidia_discrete) {
  vkg_device_query q = base(VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, 0x10de, VK_DRIVER_ID_NVIDIA_PROPRIETARY,
                            VK_MAKE_API_VERSION(0, 1, 3, 277), 32, 32, 32, 49152);
  q.ext_cooperative_matrix_khr = q.ext_cooperative_matrix_nv = 1;
  q.props.driverVersion = (545u << 22) | (29u << 14); /* NVIDIA's own encoding */
  vkg_device_caps c;
  vkg_device_caps_derive(&q, &c);
  ck_assert_uint_eq(c.quirks, 0);
  ck_assert(c.features & VKG_FEAT_COOPMAT_KHR);
  ck_assert(c.features & VKG_FEAT_COOPMAT_NV);
  ck_assert((c.features & SUBGROUP_FEATS) == SUBGROUP_FEATS);
  ck_assert_uint_eq(c.subgroup_size, 32);
  ck_assert_uint_eq(c.driver_version, q.props.driverVersion);
  ck_assert_int_eq(vkg_kernel_variant_select(&c, VKG_DEVICE_DISCRETE), VKG_VARIANT_TILED);
}
END_TEST

START_TEST(test_amd_radv) {
  /* RADV: wave64 by default, wave32 through subgroup size control; no f16 on this one */
  vkg_device_query q = base(VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, 0x1002, VK_DRIVER_ID_MESA_RADV,
                            VK_MAKE_API_VERSION(0, 1, 3, 255), 64, 32, 64, 65536);
  q.shader_float16 = 0;
  vkg_device_caps c;
  vkg_device_caps_derive(&q, &c);
  ck_assert_uint_eq(c.quirks, 0);
  ck_assert(!(c.features & VKG_FEAT_FLOAT16));
  ck_assert(c.features & VKG_FEAT_STORAGE16);
  ck_assert(c.features & VKG_FEAT_SUBGROUP_SIZE_CONTROL);
  ck_assert(!(c.features & (VKG_FEAT_COOPMAT_KHR | VKG_FEAT_COOPMAT_NV)));
  ck_assert_uint_eq(c.subgroup_size, 64);
  ck_assert_uint_eq(c.min_subgroup_size, 32);
  ck_assert_uint_eq(c.max_subgroup_size, 64);
  ck_assert_int_eq(vkg_kernel_variant_select(&c, VKG_DEVICE_DISCRETE), VKG_VARIANT_TILED);
}
END_TEST

START_TEST(test_intel_integrated) {
  /* Intel ANV without subgroup size control reported, subgroups only in compute with basic + ballot */
  vkg_device_query q = base(VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU, 0x8086, VK_DRIVER_ID_INTEL_OPEN_SOURCE_MESA,
                            VK_MAKE_API_VERSION(0, 1, 2, 0), 32, 0, 0, 65536);
  q.subgroup.supportedOperations = VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_BALLOT_BIT;
  q.ext_push_descriptor = 0;
  vkg_device_caps c;
  vkg_device_caps_derive(&q, &c);
  ck_assert_uint_eq(c.quirks, 0);
  ck_assert_uint_eq(c.features & SUBGROUP_FEATS, VKG_FEAT_SUBGROUP_BASIC | VKG_FEAT_SUBGROUP_BALLOT);
  ck_assert(!(c.features & (VKG_FEAT_SUBGROUP_SIZE_CONTROL | VKG_FEAT_PUSH_DESCRIPTOR)));
  ck_assert_uint_eq(c.min_subgroup_size, 32); /* no control: min = max = the default */
  ck_assert_uint_eq(c.max_subgroup_size, 32);
  ck_assert_int_eq(vkg_kernel_variant_select(&c, VKG_DEVICE_INTEGRATED), VKG_VARIANT_TILED);
  /* subgroups outside compute count for nothing here */
  q.subgroup.supportedStages = VK_SHADER_STAGE_FRAGMENT_BIT;
  vkg_device_caps_derive(&q, &c);
  ck_assert_uint_eq(c.features & SUBGROUP_FEATS, 0);
  /* too little shared memory for the tiled kernels: texel */
  q.props.limits.maxComputeSharedMemorySize = 4096;
  vkg_device_caps_derive(&q, &c);
  ck_assert_int_eq(vkg_kernel_variant_select(&c, VKG_DEVICE_INTEGRATED), VKG_VARIANT_TEXEL);
}
END_TEST

START_TEST(test_qualcomm_version_gate) {
  /* ncnn's bug_corrupted_online_pipeline_cache: Qualcomm before Vulkan 1.0.66 */
  vkg_device_query q = base(VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU, 0x5143, 0, VK_MAKE_API_VERSION(0, 1, 0, 61), 64,
                            0, 0, 32768);
  vkg_device_caps c;
  vkg_device_caps_derive(&q, &c);
  ck_assert_uint_eq(c.quirks, VKG_QUIRK_CORRUPT_PIPELINE_CACHE);
  q.props.apiVersion = VK_MAKE_API_VERSION(0, 1, 0, 66);
  vkg_device_caps_derive(&q, &c);
  ck_assert_uint_eq(c.quirks, 0);
  q.props.apiVersion = VK_MAKE_API_VERSION(0, 1, 1, 128);
  q.driver_id = VK_DRIVER_ID_QUALCOMM_PROPRIETARY;
  vkg_device_caps_derive(&q, &c);
  ck_assert_uint_eq(c.quirks, 0);
  /* Mesa's turnip on the same GPU is another driver: never flagged */
  q.props.apiVersion = VK_MAKE_API_VERSION(0, 1, 0, 61);
  q.driver_id = VK_DRIVER_ID_MESA_TURNIP;
  vkg_device_caps_derive(&q, &c);
  ck_assert_uint_eq(c.quirks, 0);
}
END_TEST

START_TEST(test_unknown_cpu_device) {
  /* SwiftShader: a CPU device without lavapipe's quirks still gets the texel kernels */
  vkg_device_query q = base(VK_PHYSICAL_DEVICE_TYPE_CPU, 0x1ae0, VK_DRIVER_ID_GOOGLE_SWIFTSHADER,
                            VK_MAKE_API_VERSION(0, 1, 3, 0), 4, 0, 0, 16384);
  vkg_device_caps c;
  vkg_device_caps_derive(&q, &c);
  ck_assert_uint_eq(c.quirks, 0);
  ck_assert_int_eq(vkg_kernel_variant_select(&c, VKG_DEVICE_CPU), VKG_VARIANT_TEXEL);
  ck_assert_int_eq(vkg_kernel_variant_select(NULL, VKG_DEVICE_CPU), VKG_VARIANT_TILED);
}
END_TEST

START_TEST(test_names) {
  for (int b = 0; b < VKG_FEAT_COUNT; b++) ck_assert_ptr_nonnull(vkg_device_feature_name(1u << b));
  for (int b = 0; b < VKG_QUIRK_COUNT; b++) ck_assert_ptr_nonnull(vkg_device_quirk_name(1u << b));
  ck_assert_ptr_null(vkg_device_feature_name(1u << VKG_FEAT_COUNT));
  ck_assert_ptr_null(vkg_device_quirk_name(1u << VKG_QUIRK_COUNT));
  ck_assert_ptr_null(vkg_device_feature_name(3));
  ck_assert_str_eq(vkg_device_quirk_name(VKG_QUIRK_PUSH_DESCRIPTOR_IGNORES_ARRAY_ELEMENT),
                   "push_descriptor_ignores_array_element");
  ck_assert_str_eq(vkg_kernel_variant_name(VKG_VARIANT_TEXEL), "cpu (texel)");
}
END_TEST

START_TEST(test_live_device) {
  vkg_ctx *ctx = vkg_test_ctx();
  const vkg_device_info *info = vkg_ctx_device_info(ctx);
  ck_assert_ptr_nonnull(info);
  const vkg_device_caps *c = &info->caps;
  ck_assert_uint_eq(c->subgroup_size, info->subgroup_size);
  ck_assert_uint_eq(c->max_shared_memory, info->max_shared_memory);
  ck_assert_int_eq(info->has_float16, (c->features & (VKG_FEAT_FLOAT16 | VKG_FEAT_STORAGE16)) ==
                                          (VKG_FEAT_FLOAT16 | VKG_FEAT_STORAGE16));
  const char *old = getenv("VKGEN_KERNEL_VARIANT");
  char *saved = old ? strdup(old) : NULL;
  unsetenv("VKGEN_KERNEL_VARIANT");
  if (strstr(info->driver, "llvmpipe")) { /* lavapipe, as on CI */
    ck_assert_uint_eq(c->driver_id, VK_DRIVER_ID_MESA_LLVMPIPE);
    ck_assert_uint_eq(c->quirks, LAVAPIPE_QUIRKS);
    ck_assert(c->features & VKG_FEAT_SUBGROUP_BASIC);
    ck_assert_int_eq(vkg_kernel_variant_get(ctx), VKG_VARIANT_TEXEL);
  }
  ck_assert_int_eq(vkg_kernel_variant_get(ctx), vkg_kernel_variant_select(c, info->kind));
  /* the override, both ways */
  setenv("VKGEN_KERNEL_VARIANT", "gpu", 1);
  ck_assert_int_eq(vkg_kernel_variant_get(ctx), VKG_VARIANT_TILED);
  setenv("VKGEN_KERNEL_VARIANT", "cpu", 1);
  ck_assert_int_eq(vkg_kernel_variant_get(ctx), VKG_VARIANT_TEXEL);
  if (saved) setenv("VKGEN_KERNEL_VARIANT", saved, 1);
  else unsetenv("VKGEN_KERNEL_VARIANT");
  free(saved);
  /* vkg_list_devices reports the same caps without opening a device */
  vkg_device_info *all = NULL;
  int n = 0, def = -1;
  VKG_CHECK_OK(ctx, vkg_list_devices(ctx, &all, &n, &def));
  ck_assert_int_gt(n, info->index);
  ck_assert(memcmp(&all[info->index].caps, c, sizeof *c) == 0);
  free(all);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("gpu_caps");
  TCase *tc = tcase_create("caps");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_lavapipe);
  tcase_add_test(tc, test_nvidia_discrete);
  tcase_add_test(tc, test_amd_radv);
  tcase_add_test(tc, test_intel_integrated);
  tcase_add_test(tc, test_qualcomm_version_gate);
  tcase_add_test(tc, test_unknown_cpu_device);
  tcase_add_test(tc, test_names);
  tcase_add_test(tc, test_live_device);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
