#include "args.h"

#include <cstring>

namespace tortie {

Napi::Value ArgTypeError(const Napi::Value &got, const char *name, const char *expected) {
  Napi::Env env = got.Env();
  if (env.IsExceptionPending()) return env.Undefined();
  const char *kind = got.IsNull()        ? "null"
                     : got.IsUndefined() ? "undefined"
                     : got.IsNumber()    ? "number"
                     : got.IsString()    ? "string"
                     : got.IsBoolean()   ? "boolean"
                     : got.IsTypedArray() ? "another typed array"
                     : got.IsExternal()  ? "external"
                                         : "object";
  std::string message = std::string("Expected ") + expected + " for " + name + " but received " + kind;
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Uint8Array CopyBytes(Napi::Env env, const void *data, size_t len) {
  Napi::Uint8Array out = Napi::Uint8Array::New(env, len);
  if (len) memcpy(out.Data(), data, len);
  return out;
}

}  // namespace tortie
