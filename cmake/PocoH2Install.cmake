# Install rules: the library (with its SONAME links), the public headers, the
# ClassLoader module, the samples as the pocoh2-server and pocoh2-get
# commands, the CMake package (find_package(PocoH2) gives PocoH2::PocoH2 and
# PocoH2::Plugin) and pocoh2.pc.
#
# Components (one Debian/RPM package each, see packaging/PocoH2CPack.cmake):
#   runtime      libPocoH2.so.0*, libPocoH2Plugin.so
#   tools        pocoh2-server, pocoh2-get
#   development  headers, libPocoH2.so (or .a), CMake package, pocoh2.pc
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(POCOH2_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/PocoH2)
set(POCOH2_INSTALL_PLUGINDIR ${CMAKE_INSTALL_LIBDIR}/pocoh2)

install(TARGETS PocoH2 EXPORT PocoH2Targets
	LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT development
	ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development)
install(DIRECTORY include/PocoH2 DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development
	FILES_MATCHING PATTERN "*.h")

if(TARGET PocoH2Plugin)
	install(TARGETS PocoH2Plugin EXPORT PocoH2Targets
		LIBRARY DESTINATION ${POCOH2_INSTALL_PLUGINDIR} COMPONENT runtime)
endif()

function(pocoh2_install_command target command)
	# Installs an executable of the build tree under another name: the
	# build tree keeps the target's name, which scripts and tests run.
	install(TARGETS ${target} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
	set(directory "\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}")
	install(CODE "file(RENAME \"${directory}/$<TARGET_FILE_NAME:${target}>\" \"${directory}/${command}\")"
		COMPONENT tools)
endfunction()
if(TARGET HTTP2Server)
	pocoh2_install_command(HTTP2Server pocoh2-server)
endif()
if(TARGET HTTP2Get)
	pocoh2_install_command(HTTP2Get pocoh2-get)
endif()

# The CMake package. A static libPocoH2 carries its private dependencies
# (nghttp2, OpenSSL, Poco::Crypto, threads) as link dependencies, so the
# package config finds them too.
if(POCOH2_BUILD_SHARED)
	set(POCOH2_STATIC_LIBRARY OFF)
else()
	set(POCOH2_STATIC_LIBRARY ON)
endif()
get_target_property(POCOH2_LINKED PocoH2 LINK_LIBRARIES)
set(POCOH2_POCO_COMPONENTS Foundation Net NetSSL)
if("Poco::Util" IN_LIST POCOH2_LINKED)
	list(APPEND POCOH2_POCO_COMPONENTS Util)
endif()
install(EXPORT PocoH2Targets NAMESPACE PocoH2:: DESTINATION ${POCOH2_INSTALL_CMAKEDIR} COMPONENT development)
configure_package_config_file(cmake/PocoH2Config.cmake.in ${PROJECT_BINARY_DIR}/PocoH2Config.cmake
	INSTALL_DESTINATION ${POCOH2_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/PocoH2ConfigVersion.cmake
	COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/PocoH2Config.cmake ${PROJECT_BINARY_DIR}/PocoH2ConfigVersion.cmake
	DESTINATION ${POCOH2_INSTALL_CMAKEDIR} COMPONENT development)

# pkg-config. Debian's Poco has no .pc files, so its libraries are named in
# Libs; nghttp2 and OpenSSL have theirs.
set(POCOH2_PC_POCO_LIBS "")
foreach(component IN LISTS POCOH2_POCO_COMPONENTS)
	string(PREPEND POCOH2_PC_POCO_LIBS " -lPoco${component}")
endforeach()
string(STRIP "${POCOH2_PC_POCO_LIBS}" POCOH2_PC_POCO_LIBS)
configure_file(cmake/pocoh2.pc.in ${PROJECT_BINARY_DIR}/pocoh2.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/pocoh2.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT development)
