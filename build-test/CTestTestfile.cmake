# CMake generated Testfile for 
# Source directory: /work/main
# Build directory: /work/main/build-test
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(kernel_tests "/work/main/build-test/kernel_tests")
set_tests_properties(kernel_tests PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;56;add_test;/work/main/CMakeLists.txt;0;")
