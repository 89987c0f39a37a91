# Cross build for linux-arm64 (glibc) with Debian's cross toolchain:
#   apt-get install -y g++-aarch64-linux-gnu
# Used by scripts/prebuild/linux-arm64.sh (through cmake-js) and for the C++ tests:
#   cmake -S . -B build-native-test-arm64 -DRINGTRACE_NATIVE_TESTS=ON -DRINGTRACE_ADDON=OFF \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(ringtrace_cross_triple aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${ringtrace_cross_triple}-gcc)
set(CMAKE_CXX_COMPILER ${ringtrace_cross_triple}-g++)

# Debian installs the arm64 glibc and libstdc++ there; headers and libraries must come only from
# it, never from the x64 host, while programs CMake runs at build time stay host programs.
set(CMAKE_FIND_ROOT_PATH /usr/${ringtrace_cross_triple})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
