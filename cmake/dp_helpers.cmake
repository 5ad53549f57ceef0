# Shared build helpers: every target of the project goes through these so
# that warnings, sanitizers and include roots are set in one place.

set(DP_WARNINGS -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND DP_WARNINGS -Wshadow=local)
endif()
if(DP_WERROR)
  # GCC 12 reports -Wrestrict and -Wmaybe-uninitialized false positives from
  # inside libstdc++ (std::string, std::optional) at -O2; they stay warnings.
  list(APPEND DP_WARNINGS -Werror)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND DP_WARNINGS -Wno-error=restrict -Wno-error=maybe-uninitialized)
  endif()
endif()

if(DP_SANITIZE)
  if(DP_SANITIZE MATCHES "thread" AND DP_SANITIZE MATCHES "address")
    message(FATAL_ERROR "DP_SANITIZE: thread cannot be combined with address")
  endif()
  add_compile_options(-fsanitize=${DP_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${DP_SANITIZE})
endif()

function(dp_target_defaults target)
  target_compile_options(${target} PRIVATE ${DP_WARNINGS})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR})
endfunction()

# dp_add_library(name SOURCES ... DEPS ...)
function(dp_add_library name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${A_SOURCES})
  dp_target_defaults(${name})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC dp_headers ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# dp_add_test(name SOURCES ... DEPS ... [LABELS ...])
function(dp_add_test name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  dp_target_defaults(${name})
  target_link_libraries(${name} PRIVATE ${A_DEPS} GTest::gtest GTest::gtest_main)
  include(GoogleTest)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60)
  if(A_LABELS)
    # Not through gtest_discover_tests(PROPERTIES LABELS ...): it flattens a
    # list, so a second label ("storage;concurrency") became a property name
    # and `ctest -L concurrency` found nothing. Set them once the discovered
    # tests (${name}_TESTS) are included.
    set(labels_file ${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake)
    file(WRITE ${labels_file}
         "if(DEFINED ${name}_TESTS)\n  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${A_LABELS}\")\nendif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_file})
  endif()
endfunction()

# dp_add_bench(name SOURCES ... DEPS ...)
function(dp_add_bench name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  dp_target_defaults(${name})
  target_link_libraries(${name} PRIVATE ${A_DEPS} benchmark::benchmark)
endfunction()

# dp_add_tool(name SOURCES ... DEPS ...)
function(dp_add_tool name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  dp_target_defaults(${name})
  target_link_libraries(${name} PRIVATE ${A_DEPS})
endfunction()
