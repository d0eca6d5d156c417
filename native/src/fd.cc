// Plain fds and the bpf filesystem: close, pin, get, plus the possible-CPU count for per-CPU maps.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <string>

#include "args.h"
#include "errors.h"
#include "modules.h"

namespace tortie {

namespace {

Napi::Value Close(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "fd");
  if (close(I32(info[0])) < 0) return ThrowBpfError(info.Env(), "close", LastErrno());
  return info.Env().Undefined();
}

Napi::Value ObjPin(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "fd");
  REQUIRE_ARG_STRING(1, "path");
  std::string path = Str(info[1]);
  int ret = bpf_obj_pin(I32(info[0]), path.c_str());
  if (ret < 0) return ThrowBpfError(info.Env(), "bpf_obj_pin", ErrOf(ret), nullptr, path.c_str());
  return info.Env().Undefined();
}

Napi::Value ObjGet(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_STRING(0, "path");
  std::string path = Str(info[0]);
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) return ThrowBpfError(info.Env(), "bpf_obj_get", ErrOf(fd), nullptr, path.c_str());
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value PossibleCpus(const Napi::CallbackInfo &info) {
  int n = libbpf_num_possible_cpus();
  if (n < 0) return ThrowBpfError(info.Env(), "libbpf_num_possible_cpus", ErrOf(n));
  return Napi::Number::New(info.Env(), n);
}

}  // namespace

void InitFd(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "close", Close);
  Export(env, exports, "objPin", ObjPin);
  Export(env, exports, "objGet", ObjGet);
  Export(env, exports, "possibleCpus", PossibleCpus);
}

}  // namespace tortie
