// Each source file registers its own functions on the exports object; addon.cc calls these.
#pragma once

#include <napi.h>

namespace tortie {

void InitObject(Napi::Env env, Napi::Object exports);
void InitFd(Napi::Env env, Napi::Object exports);
void InitMap(Napi::Env env, Napi::Object exports);
void InitLink(Napi::Env env, Napi::Object exports);
void InitTc(Napi::Env env, Napi::Object exports);
void InitProg(Napi::Env env, Napi::Object exports);
void InitNetns(Napi::Env env, Napi::Object exports);
void InitBtf(Napi::Env env, Napi::Object exports);
void InitNetlink(Napi::Env env, Napi::Object exports);
void InitRoute(Napi::Env env, Napi::Object exports);
void InitNexthop(Napi::Env env, Napi::Object exports);
void InitNeighWatch(Napi::Env env, Napi::Object exports);
void InitLinkWatch(Napi::Env env, Napi::Object exports);

inline void Export(Napi::Env env, Napi::Object exports, const char *name, Napi::Function::Callback fn) {
  exports.Set(name, Napi::Function::New(env, fn, name));
}

}  // namespace tortie
