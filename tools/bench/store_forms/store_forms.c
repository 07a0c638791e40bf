/* Store-form microbenchmark for lavapipe (issue 18): times shaders that write an M x N float
 * matrix in the texel GEMM's C-store pattern (store.comp, one SPIR-V file per form), and
 * reports GB/s of stores (wall clock and per CPU-second of the process, which includes the
 * lavapipe worker threads). Build and run with run.sh next to this file. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vulkan/vulkan.h>

#define CHECK(x)                                                                                                       \
  do {                                                                                                                 \
    VkResult r_ = (x);                                                                                                 \
    if (r_ != VK_SUCCESS) {                                                                                            \
      fprintf(stderr, "%s:%d: %s failed (%d)\n", __FILE__, __LINE__, #x, r_);                                          \
      exit(1);                                                                                                         \
    }                                                                                                                  \
  } while (0)

static double now(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint32_t *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint32_t *buf = malloc((size_t)len);
  if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
    exit(1);
  fclose(f);
  *n = (size_t)len;
  return buf;
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: %s SPV FORM(0 scalar,1 vec4,2 image) M N RM RN4 [SECONDS]\n", argv[0]);
    return 2;
  }
  const char *spv = argv[1];
  int form = atoi(argv[2]);
  uint32_t M = (uint32_t)atoi(argv[3]), N = (uint32_t)atoi(argv[4]);
  uint32_t spec[2] = {(uint32_t)atoi(argv[5]), (uint32_t)atoi(argv[6])};
  double secs = argc > 7 ? atof(argv[7]) : 1.5;
  VkDeviceSize bytes = (VkDeviceSize)M * N * 4;

  VkApplicationInfo app = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO, .apiVersion = VK_API_VERSION_1_1};
  VkInstanceCreateInfo ici = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, .pApplicationInfo = &app};
  VkInstance inst;
  CHECK(vkCreateInstance(&ici, NULL, &inst));
  uint32_t npd = 1;
  VkPhysicalDevice pd;
  VkResult er = vkEnumeratePhysicalDevices(inst, &npd, &pd);
  if ((er != VK_SUCCESS && er != VK_INCOMPLETE) || npd == 0)
    return 1;
  float prio = 1.0f;
  VkDeviceQueueCreateInfo qci = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                 .queueCount = 1,
                                 .pQueuePriorities = &prio}; /* family 0: lavapipe's only, compute capable */
  VkDeviceCreateInfo dci = {
      .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, .queueCreateInfoCount = 1, .pQueueCreateInfos = &qci};
  VkDevice dev;
  CHECK(vkCreateDevice(pd, &dci, NULL, &dev));
  VkQueue q;
  vkGetDeviceQueue(dev, 0, 0, &q);

  VkBufferCreateInfo bci = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                            .size = bytes,
                            .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_STORAGE_TEXEL_BUFFER_BIT};
  VkBuffer buf;
  CHECK(vkCreateBuffer(dev, &bci, NULL, &buf));
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(dev, buf, &req);
  VkPhysicalDeviceMemoryProperties mp;
  vkGetPhysicalDeviceMemoryProperties(pd, &mp);
  uint32_t mt = 0;
  while (mt < mp.memoryTypeCount &&
         !((req.memoryTypeBits >> mt & 1) && (mp.memoryTypes[mt].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)))
    ++mt;
  VkMemoryAllocateInfo mai = {
      .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, .allocationSize = req.size, .memoryTypeIndex = mt};
  VkDeviceMemory mem;
  CHECK(vkAllocateMemory(dev, &mai, NULL, &mem));
  CHECK(vkBindBufferMemory(dev, buf, mem, 0));
  VkBufferView view = VK_NULL_HANDLE;
  VkDescriptorType dt = form == 2 ? VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  if (form == 2) {
    VkBufferViewCreateInfo vci = {.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO,
                                  .buffer = buf,
                                  .format = VK_FORMAT_R32G32B32A32_SFLOAT,
                                  .range = bytes};
    CHECK(vkCreateBufferView(dev, &vci, NULL, &view));
  }

  VkDescriptorSetLayoutBinding lb = {
      .binding = 0, .descriptorType = dt, .descriptorCount = 1, .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT};
  VkDescriptorSetLayoutCreateInfo dlci = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO, .bindingCount = 1, .pBindings = &lb};
  VkDescriptorSetLayout dsl;
  CHECK(vkCreateDescriptorSetLayout(dev, &dlci, NULL, &dsl));
  VkPushConstantRange pcr = {VK_SHADER_STAGE_COMPUTE_BIT, 0, 8};
  VkPipelineLayoutCreateInfo plci = {.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                     .setLayoutCount = 1,
                                     .pSetLayouts = &dsl,
                                     .pushConstantRangeCount = 1,
                                     .pPushConstantRanges = &pcr};
  VkPipelineLayout pl;
  CHECK(vkCreatePipelineLayout(dev, &plci, NULL, &pl));
  size_t code_len;
  uint32_t *code = read_file(spv, &code_len);
  VkShaderModuleCreateInfo smci = {
      .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, .codeSize = code_len, .pCode = code};
  VkShaderModule sm;
  CHECK(vkCreateShaderModule(dev, &smci, NULL, &sm));
  VkSpecializationMapEntry me[2] = {{0, 0, 4}, {1, 4, 4}};
  VkSpecializationInfo si = {2, me, sizeof spec, spec};
  VkComputePipelineCreateInfo cpci = {.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
                                      .stage = {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                                                .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                                                .module = sm,
                                                .pName = "main",
                                                .pSpecializationInfo = &si},
                                      .layout = pl};
  VkPipeline pipe;
  CHECK(vkCreateComputePipelines(dev, VK_NULL_HANDLE, 1, &cpci, NULL, &pipe));

  VkDescriptorPoolSize ps = {dt, 1};
  VkDescriptorPoolCreateInfo dpci = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO, .maxSets = 1, .poolSizeCount = 1, .pPoolSizes = &ps};
  VkDescriptorPool dp;
  CHECK(vkCreateDescriptorPool(dev, &dpci, NULL, &dp));
  VkDescriptorSetAllocateInfo dsai = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                      .descriptorPool = dp,
                                      .descriptorSetCount = 1,
                                      .pSetLayouts = &dsl};
  VkDescriptorSet set;
  CHECK(vkAllocateDescriptorSets(dev, &dsai, &set));
  VkDescriptorBufferInfo dbi = {buf, 0, bytes};
  VkWriteDescriptorSet w = {.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                            .dstSet = set,
                            .descriptorCount = 1,
                            .descriptorType = dt,
                            .pBufferInfo = &dbi,
                            .pTexelBufferView = &view};
  vkUpdateDescriptorSets(dev, 1, &w, 0, NULL);

  VkCommandPoolCreateInfo cpi = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  VkCommandPool cp;
  CHECK(vkCreateCommandPool(dev, &cpi, NULL, &cp));
  VkCommandBufferAllocateInfo cbai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                      .commandPool = cp,
                                      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                      .commandBufferCount = 1};
  VkCommandBuffer cb;
  CHECK(vkAllocateCommandBuffers(dev, &cbai, &cb));
  const int per_submit = 8;
  VkCommandBufferBeginInfo cbbi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  CHECK(vkBeginCommandBuffer(cb, &cbbi));
  vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, pipe);
  vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, pl, 0, 1, &set, 0, NULL);
  uint32_t push[2] = {M, N};
  vkCmdPushConstants(cb, pl, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof push, push);
  uint32_t cols_per_group = 64 * spec[1] * 4;
  for (int i = 0; i < per_submit; ++i)
    vkCmdDispatch(cb, (M + spec[0] - 1) / spec[0], (N + cols_per_group - 1) / cols_per_group, 1);
  CHECK(vkEndCommandBuffer(cb));
  VkSubmitInfo sub = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1, .pCommandBuffers = &cb};

  CHECK(vkQueueSubmit(q, 1, &sub, VK_NULL_HANDLE)); /* warm-up (and the check below) */
  CHECK(vkQueueWaitIdle(q));
  float *c;
  CHECK(vkMapMemory(dev, mem, 0, bytes, 0, (void **)&c));
  long bad = 0;
  for (uint32_t m = 0; m < M; ++m)
    for (uint32_t n = 0; n < N; ++n) {
      float want = n % 4 == 0 ? (float)m : (float)(n - 1);
      if (c[(size_t)m * N + n] != want)
        ++bad;
    }
  int reps = 0;
  double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID), w1;
  do {
    CHECK(vkQueueSubmit(q, 1, &sub, VK_NULL_HANDLE));
    CHECK(vkQueueWaitIdle(q));
    ++reps;
    w1 = now(CLOCK_MONOTONIC);
  } while (w1 - w0 < secs);
  double c1 = now(CLOCK_PROCESS_CPUTIME_ID);
  double gb = (double)bytes * per_submit * reps / 1e9;
  static const char *names[] = {"scalar-ssbo", "vec4-ssbo", "imagestore"};
  printf("%-12s M=%u N=%u block %ux%u: %7.3f ms/dispatch  %6.2f GB/s wall  %6.2f GB/cpu-s  bad=%ld\n", names[form % 3],
         M, N, spec[0], spec[1] * 4, (w1 - w0) * 1e3 / (per_submit * reps), gb / (w1 - w0), gb / (c1 - c0), bad);
  return bad != 0;
}
