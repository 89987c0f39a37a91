// The addon's N-API imports name the module NODE.EXE (its import library is made from
// node-api-headers' node_api.def, see CMakeLists.txt). A plain import would make the loader look
// for a file of that name, which fails when node.exe is renamed; the imports are delay-loaded
// instead, and this hook answers the load with the executable that is running us, the module
// that exports N-API. GetModuleHandle takes no reference, so nothing is leaked or freed.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <delayimp.h>

namespace {

FARPROC WINAPI load_host_for_node_exe(unsigned notification, PDelayLoadInfo info) {
  if (notification != dliNotePreLoadLibrary || lstrcmpiA(info->szDll, "node.exe") != 0) {
    return nullptr;
  }
  return reinterpret_cast<FARPROC>(GetModuleHandleW(nullptr));
}

}  // namespace

// The delay-load helper reads this variable; defining it keeps the CRT's empty one out.
PfnDliHook __pfnDliNotifyHook2 = load_host_for_node_exe;
