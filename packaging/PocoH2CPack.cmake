# CPack: one .deb and one .rpm per install component (cmake/PocoH2Install.cmake).
#   libpocoh2-0     runtime: libPocoH2.so.0*, the ClassLoader module
#   pocoh2-tools    the pocoh2-server and pocoh2-get commands
#   libpocoh2-dev   headers, libPocoH2.so (or .a), CMake package, pocoh2.pc
# Build them from a build configured with -DCMAKE_INSTALL_PREFIX=/usr (so
# that GNUInstallDirs picks Debian's multiarch library directory):
#   cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr
#   cmake --build build-release && (cd build-release && cpack -G "DEB;RPM")
# The Debian dependencies are Debian 12's package names; the RPM's are found
# by rpmbuild from the shared libraries' needs (AutoReq).

set(CPACK_PACKAGE_NAME pocoh2)
set(CPACK_PACKAGE_VENDOR "poco-h2")
set(CPACK_PACKAGE_CONTACT "poco-h2 maintainers <pocoh2@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "HTTP/2 server and client for Poco C++ applications")
set(CPACK_PACKAGE_DESCRIPTION
	"poco-h2 gives Poco applications an HTTP/2 server (a drop-in for Poco::Net::HTTPServer, h2 and h2c)\nand client over libnghttp2 and OpenSSL.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_GENERATOR DEB RPM)
set(CPACK_COMPONENTS_ALL runtime tools development)
if(NOT TARGET HTTP2Server)
	list(REMOVE_ITEM CPACK_COMPONENTS_ALL tools)
endif()
set(CPACK_STRIP_FILES ON)

set(CPACK_COMPONENT_RUNTIME_DISPLAY_NAME "poco-h2 shared library and ClassLoader module")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "libPocoH2.so.${PROJECT_VERSION_MAJOR} and the Poco ClassLoader module libPocoH2Plugin.so, which makes Poco::URIStreamOpener fetch https:// over HTTP/2.")
set(CPACK_COMPONENT_TOOLS_DISPLAY_NAME "poco-h2 commands")
set(CPACK_COMPONENT_TOOLS_DESCRIPTION "pocoh2-server, a sample HTTP/2 server, and pocoh2-get, a small HTTP/2 client.")
set(CPACK_COMPONENT_TOOLS_DEPENDS runtime)
set(CPACK_COMPONENT_DEVELOPMENT_DISPLAY_NAME "poco-h2 development files")
set(CPACK_COMPONENT_DEVELOPMENT_DESCRIPTION "Headers, the CMake package (find_package(PocoH2)) and pocoh2.pc.")
set(CPACK_COMPONENT_DEVELOPMENT_DEPENDS runtime)

# Debian
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(pocoh2_version "${PROJECT_VERSION}-1")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libpocoh2-${PROJECT_VERSION_MAJOR})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS
	"libpocofoundation80, libpoconet80, libpoconetssl80, libpococrypto80, libpocoutil80, libnghttp2-14 (>= 1.52), libssl3 (>= 3.0), libc6, libstdc++6")
set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME pocoh2-tools)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION net)
set(CPACK_DEBIAN_TOOLS_PACKAGE_DEPENDS
	"libpocoh2-${PROJECT_VERSION_MAJOR} (= ${pocoh2_version}), libpocofoundation80, libpoconet80, libpoconetssl80, libpocoutil80, libc6, libstdc++6")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME libpocoh2-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS
	"libpocoh2-${PROJECT_VERSION_MAJOR} (= ${pocoh2_version}), libpoco-dev, libnghttp2-dev, libssl-dev, pkg-config")
# shlibs for libPocoH2.so.0, and ldconfig in postinst/postrm (the module has no
# SONAME: CPack warns and leaves it out of shlibs).
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")

# RPM (rpmbuild from Debian's rpm package works too)
set(CPACK_RPM_COMPONENT_INSTALL ON)
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_RELEASE 1)
set(CPACK_RPM_RUNTIME_PACKAGE_NAME libpocoh2${PROJECT_VERSION_MAJOR})
set(CPACK_RPM_TOOLS_PACKAGE_NAME pocoh2-tools)
set(CPACK_RPM_DEVELOPMENT_PACKAGE_NAME libpocoh2-devel)
set(CPACK_RPM_TOOLS_PACKAGE_REQUIRES "libpocoh2${PROJECT_VERSION_MAJOR} = ${PROJECT_VERSION}")
set(CPACK_RPM_DEVELOPMENT_PACKAGE_REQUIRES "libpocoh2${PROJECT_VERSION_MAJOR} = ${PROJECT_VERSION}")
# Directories the distribution owns: not listed as ours.
list(APPEND CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
	/usr/${CMAKE_INSTALL_LIBDIR} /usr/${CMAKE_INSTALL_LIBDIR}/cmake /usr/${CMAKE_INSTALL_LIBDIR}/pkgconfig
	/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE})

include(CPack)
