# Installation: the shared and static library, public headers, the xsign binary, its man page
# and docs, a CMake package (find_package(libsign CONFIG) -> sign::sign) and libsign.pc; CPack
# makes Debian packages libsign, libsign-dev and xsign from the same rules.
include(CMakePackageConfigHelpers)

install(TARGETS sign_shared EXPORT libsignTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT libsign NAMELINK_COMPONENT libsign-dev)
install(TARGETS sign_static EXPORT libsignTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT libsign-dev)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/libsign/include/sign DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT libsign-dev FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")
install(EXPORT libsignTargets NAMESPACE sign:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/libsign
        COMPONENT libsign-dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/libsignConfig.cmake.in
  ${PROJECT_BINARY_DIR}/libsignConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/libsign)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/libsignConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/libsignConfig.cmake ${PROJECT_BINARY_DIR}/libsignConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/libsign COMPONENT libsign-dev)
configure_file(${PROJECT_SOURCE_DIR}/cmake/libsign.pc.in ${PROJECT_BINARY_DIR}/libsign.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/libsign.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT libsign-dev)

if(XSIGN_BUILD_CLI)
  install(TARGETS xsign RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT xsign)
  # The man page is made from `xsign --help` by help2man, so it cannot drift from the tool.
  find_program(HELP2MAN help2man)
  if(HELP2MAN)
    add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/xsign.1
      COMMAND ${HELP2MAN} --no-info --section=1 --name "trusted electronic signatures for cross-border trade documents"
              --output=${PROJECT_BINARY_DIR}/xsign.1 $<TARGET_FILE:xsign>
      DEPENDS xsign VERBATIM)
    add_custom_target(xsign_man ALL DEPENDS ${PROJECT_BINARY_DIR}/xsign.1)
    install(FILES ${PROJECT_BINARY_DIR}/xsign.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT xsign)
  else()
    message(WARNING "help2man not found: the xsign man page will not be installed (scripts/setup.sh installs it)")
  endif()
  # A page per command (xsign-sign.1, xsign-ca-issue.1, ...) from the same help text.
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/man/xsign-sign.1
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND $<TARGET_FILE:xsign> man-pages ${PROJECT_BINARY_DIR}/man
    DEPENDS xsign VERBATIM)
  add_custom_target(xsign_command_man ALL DEPENDS ${PROJECT_BINARY_DIR}/man/xsign-sign.1)
  install(DIRECTORY ${PROJECT_BINARY_DIR}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT xsign
          FILES_MATCHING PATTERN "*.1")
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT xsign)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/certs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/xsign/certs COMPONENT xsign)
endif()

# Debian packages: `cpack -G DEB` in the build directory.
set(CPACK_PACKAGE_NAME xsign)
set(CPACK_PACKAGE_VENDOR "xsign project")
set(CPACK_PACKAGE_CONTACT "xsign maintainers <xsign@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Trusted electronic signatures for cross-border trade (SM2 and GOST)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_LIBSIGN_PACKAGE_NAME libsign0)
set(CPACK_DEBIAN_LIBSIGN_PACKAGE_SHLIBDEPS ON)
# libpq is opened with dlopen when a CA store is in PostgreSQL (libsign/src/ca/libpq.hpp).
set(CPACK_DEBIAN_LIBSIGN_PACKAGE_RECOMMENDS "libpq5")
# libxml2, libzip and p11-kit are opened with dlopen on first use (support/lazy_library.hpp), so
# dpkg-shlibdeps cannot see them: named here, for the library and for the statically linked CLI.
# libssl (opened for https:// URLs) is in libssl3, the package libcrypto's dependency names.
set(XSIGN_DLOPENED_PACKAGES "libxml2, libzip4, libp11-kit0")
set(CPACK_DEBIAN_LIBSIGN_PACKAGE_DEPENDS "${XSIGN_DLOPENED_PACKAGES}")
set(CPACK_DEBIAN_XSIGN_PACKAGE_DEPENDS "${XSIGN_DLOPENED_PACKAGES}")
set(CPACK_DEBIAN_LIBSIGN-DEV_PACKAGE_NAME libsign-dev)
set(CPACK_DEBIAN_LIBSIGN-DEV_PACKAGE_DEPENDS
    "libsign0 (= ${PROJECT_VERSION}), libbotan-2-dev, libssl-dev, libsqlite3-dev, nlohmann-json3-dev")
set(CPACK_DEBIAN_LIBSIGN-DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_XSIGN_PACKAGE_NAME xsign)
set(CPACK_DEBIAN_XSIGN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_XSIGN_PACKAGE_SECTION utils)
set(CPACK_COMPONENTS_ALL libsign libsign-dev xsign)
include(CPack)
