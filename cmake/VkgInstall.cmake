# Install rules: libvkgen.so (with soname), public headers, plugins, the runner,
# pkg-config file and CMake package config for out-of-tree plugins.
include(CMakePackageConfigHelpers)

install(TARGETS vkgen EXPORT vkgenTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/vkgen)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/vkgen DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        PATTERN "*.in" EXCLUDE) # version.h.in: its configured version.h is installed below
install(FILES ${PROJECT_BINARY_DIR}/include/vkgen/version.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/vkgen)
install(EXPORT vkgenTargets NAMESPACE vkgen:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/vkgen)

set(VKG_INSTALL_PLUGIN_DIR ${CMAKE_INSTALL_LIBDIR}/${VKG_PLUGIN_SUBDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/vkgenConfig.cmake.in
  ${PROJECT_BINARY_DIR}/vkgenConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/vkgen
  PATH_VARS VKG_INSTALL_PLUGIN_DIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/vkgenConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/vkgenConfig.cmake ${PROJECT_BINARY_DIR}/vkgenConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/VkgShaders.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/vkgen)

# vkgen.pc finds its prefix from its own folder (relocatable: no --define-variable needed).
file(RELATIVE_PATH VKG_PC_TO_PREFIX "/vkg_prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/vkg_prefix")
configure_file(${PROJECT_SOURCE_DIR}/cmake/vkgen.pc.in ${PROJECT_BINARY_DIR}/vkgen.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/vkgen.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
