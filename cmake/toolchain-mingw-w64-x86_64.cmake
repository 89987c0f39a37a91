# Cross-compiles the addon for win32-x64 on Linux with mingw-w64 (Debian: g++-mingw-w64-x86-64).
# scripts/prebuild/win32-x64.sh passes it to cmake-js as CMAKE_TOOLCHAIN_FILE.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)

set(mingw_triplet x86_64-w64-mingw32)
# The -posix flavour: the default (win32 threads) libstdc++ has no std::mutex or std::thread,
# which napi.h and the collector need.
set(CMAKE_CXX_COMPILER ${mingw_triplet}-g++-posix)
# Makes the import library for node.exe (CMakeLists.txt).
set(CMAKE_DLLTOOL ${mingw_triplet}-dlltool)

set(CMAKE_FIND_ROOT_PATH /usr/${mingw_triplet})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
