# The version: CMake's project version plus `git describe` when the tree is a git checkout.
set(P2PD_VERSION "${PROJECT_VERSION}")
set(P2PD_GIT_DESCRIBE "")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty --tags
                  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_VARIABLE P2PD_GIT_DESCRIBE OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET)
endif()
if(P2PD_GIT_DESCRIBE)
  set(P2PD_VERSION_FULL "${P2PD_VERSION}+${P2PD_GIT_DESCRIBE}")
else()
  set(P2PD_VERSION_FULL "${P2PD_VERSION}")
endif()
if(P2PD_SANITIZE)
  set(P2PD_BUILD_FLAVOR "asan+ubsan")
else()
  set(P2PD_BUILD_FLAVOR "${CMAKE_BUILD_TYPE}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/version.hpp.in ${PROJECT_BINARY_DIR}/generated/p2pd/version.hpp @ONLY)
