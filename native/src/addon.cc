// Registration only: every function lives in the file named after its area.
#include <napi.h>

#include "log.h"
#include "modules.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tortie::InstallLibbpfPrint();
  tortie::InitObject(env, exports);
  tortie::InitFd(env, exports);
  tortie::InitMap(env, exports);
  tortie::InitLink(env, exports);
  tortie::InitTc(env, exports);
  tortie::InitProg(env, exports);
  tortie::InitNetns(env, exports);
  tortie::InitBtf(env, exports);
  tortie::InitNetlink(env, exports);
  tortie::InitRoute(env, exports);
  tortie::InitNexthop(env, exports);
  tortie::InitNeighWatch(env, exports);
  tortie::InitLinkWatch(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(tortie_native, Init)
