# Helpers every tests/<area>/CMakeLists.txt uses, so tests look alike.
#
# sluice_check_test(NAME SOURCES a.c b.c LIBS lib1 lib2 [TIMEOUT s] [LABELS l])
#   A Check unit/integration test binary, registered with ctest.
#   Exit code 77 is a skip (a missing kernel feature), never a silent pass.
# sluice_script_test(NAME COMMAND cmd args... [TIMEOUT s] [LABELS l] [SERIAL])
#   A test driven by a script (node, bash) against the built binaries.
#   SERIAL: runs alone (load tests that would starve their neighbours).
# sluice_fuzz_target(NAME SOURCES f.c LIBS libs [SECONDS s])
#   A libFuzzer target; built and run only in the SLUICE_FUZZ build, where
#   ctest runs it for a bounded time (label "fuzz").
set(SLUICE_FUZZ_SECONDS 10 CACHE STRING "seconds each fuzz target runs under ctest (32 targets: ~3.4 min on 2 cores)")

function(sluice_check_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(SLUICE_FUZZ)
    return()
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CHECK Threads::Threads)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} SKIP_RETURN_CODE 77
    LABELS "unit;${T_LABELS}"
    ENVIRONMENT "CK_DEFAULT_TIMEOUT=${T_TIMEOUT};SLUICE_BUILD_DIR=${CMAKE_BINARY_DIR};SLUICE_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()

function(sluice_script_test name)
  cmake_parse_arguments(T "SERIAL" "TIMEOUT" "COMMAND;LABELS" ${ARGN})
  if(SLUICE_FUZZ)
    return()
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND ${T_COMMAND})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} SKIP_RETURN_CODE 77
    LABELS "script;${T_LABELS}"
    ENVIRONMENT "SLUICE_BUILD_DIR=${CMAKE_BINARY_DIR};SLUICE_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
  if(T_SERIAL)
    set_tests_properties(${name} PROPERTIES RUN_SERIAL TRUE)
  endif()
endfunction()

function(sluice_fuzz_target name)
  cmake_parse_arguments(T "" "SECONDS" "SOURCES;LIBS" ${ARGN})
  if(NOT SLUICE_FUZZ)
    return()
  endif()
  if(NOT T_SECONDS)
    set(T_SECONDS ${SLUICE_FUZZ_SECONDS})
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set(corpus ${CMAKE_BINARY_DIR}/corpus/${name})
  file(MAKE_DIRECTORY ${corpus})
  add_test(NAME ${name}
    COMMAND ${name} -max_total_time=${T_SECONDS} -timeout=10 -rss_limit_mb=2048
            -print_final_stats=1 ${corpus})
  math(EXPR limit "${T_SECONDS} + 120")
  set_tests_properties(${name} PROPERTIES TIMEOUT ${limit} LABELS fuzz)
endfunction()
