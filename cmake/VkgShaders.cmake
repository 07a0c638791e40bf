# vkg_compile_shaders(OUT_DIR_VAR GLSL_FILES...)
#
# Compiles each GLSL compute shader with glslangValidator (Vulkan 1.1 SPIR-V) into a C
# header <out>/spv/<name>.h that defines `static const uint32_t vkg_spv_<name>[]`, where
# <name> is the file name without .comp (dashes become underscores). A target that uses a
# shader includes "spv/<name>.h"; the shader is then embedded in that binary alone.
# Installed with vkgen so out-of-tree plugins compile their shaders the same way.
find_program(GLSLANG_VALIDATOR glslangValidator REQUIRED)

function(vkg_compile_shaders target)
  set(outdir ${CMAKE_CURRENT_BINARY_DIR}/shaders_${target})
  file(MAKE_DIRECTORY ${outdir}/spv)
  set(headers)
  foreach(src ${ARGN})
    get_filename_component(abs ${src} ABSOLUTE)
    get_filename_component(name ${src} NAME_WE)
    string(REPLACE "-" "_" sym ${name})
    set(hdr ${outdir}/spv/${name}.h)
    add_custom_command(
      OUTPUT ${hdr}
      COMMAND ${GLSLANG_VALIDATOR} --quiet -V --target-env vulkan1.1 -I${CMAKE_CURRENT_SOURCE_DIR}
              --vn vkg_spv_${sym} -o ${hdr} ${abs}
      COMMAND sed -i "s/^const uint32_t/static const uint32_t/" ${hdr}
      DEPENDS ${abs}
      IMPLICIT_DEPENDS C ${abs}
      COMMENT "glslang ${name}.comp"
      VERBATIM)
    list(APPEND headers ${hdr})
  endforeach()
  add_custom_target(${target}_spv DEPENDS ${headers})
  add_dependencies(${target} ${target}_spv)
  target_include_directories(${target} PRIVATE ${outdir})
endfunction()
