// Network namespaces and interface names, for the calling thread. setns() is per thread, and
// every binding call runs on the JS thread, so later calls (netlink included) see the new netns.
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <string>

#include "args.h"
#include "errors.h"
#include "modules.h"

namespace tortie {

namespace {

Napi::Value NetnsOpen(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_STRING(0, "path");
  std::string path = Str(info[0]);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ThrowBpfError(info.Env(), "open", LastErrno(), nullptr, path.c_str());
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value NetnsSet(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "fd");
  if (setns(I32(info[0]), CLONE_NEWNET) < 0) return ThrowBpfError(info.Env(), "setns", LastErrno());
  return info.Env().Undefined();
}

Napi::Value IfNameToIndex(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_STRING(0, "name");
  return Napi::Number::New(info.Env(), if_nametoindex(Str(info[0]).c_str()));
}

Napi::Value IfIndexToName(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "ifindex");
  char name[IF_NAMESIZE] = {0};
  const char *got = if_indextoname(U32(info[0]), name);
  return Napi::String::New(info.Env(), got ? got : "");
}

}  // namespace

void InitNetns(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "netnsOpen", NetnsOpen);
  Export(env, exports, "netnsSet", NetnsSet);
  Export(env, exports, "ifNameToIndex", IfNameToIndex);
  Export(env, exports, "ifIndexToName", IfIndexToName);
}

}  // namespace tortie
