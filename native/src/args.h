// Argument type checks for the binding functions. Only types are checked here: value ranges,
// buffer sizes and flags are validated in TypeScript (src/native/index.ts and its callers).
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace tortie {

// Throws a TypeError like `Expected number for fd but received string` and returns undefined.
Napi::Value ArgTypeError(const Napi::Value &got, const char *name, const char *expected);

inline bool IsNumber(const Napi::Value &v) { return v.IsNumber(); }
inline bool IsString(const Napi::Value &v) { return v.IsString(); }
inline bool IsBool(const Napi::Value &v) { return v.IsBoolean(); }
inline bool IsObject(const Napi::Value &v) { return v.IsObject(); }
inline bool IsBytes(const Napi::Value &v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array;
}
inline bool IsBytesOrNull(const Napi::Value &v) { return v.IsNull() || IsBytes(v); }

#define REQUIRE_VALUE(value, check, name, expected) \
  if (!::tortie::check(value)) return ::tortie::ArgTypeError((value), (name), (expected))

#define REQUIRE_ARG_NUMBER(i, name) REQUIRE_VALUE(info[i], IsNumber, name, "number")
#define REQUIRE_ARG_STRING(i, name) REQUIRE_VALUE(info[i], IsString, name, "string")
#define REQUIRE_ARG_BOOL(i, name) REQUIRE_VALUE(info[i], IsBool, name, "boolean")
#define REQUIRE_ARG_OBJECT(i, name) REQUIRE_VALUE(info[i], IsObject, name, "object")
#define REQUIRE_ARG_BYTES(i, name) REQUIRE_VALUE(info[i], IsBytes, name, "Uint8Array")
#define REQUIRE_ARG_BYTES_OR_NULL(i, name) REQUIRE_VALUE(info[i], IsBytesOrNull, name, "Uint8Array or null")

// A view of a Uint8Array's bytes (byteOffset applied). Valid for the duration of the call.
struct Bytes {
  uint8_t *data;
  size_t len;
};

inline Bytes BytesOf(const Napi::Value &v) {
  if (v.IsNull() || v.IsUndefined()) return {nullptr, 0};
  auto a = v.As<Napi::Uint8Array>();
  return {a.Data(), a.ByteLength()};
}

// A new Uint8Array holding a copy of `len` bytes.
Napi::Uint8Array CopyBytes(Napi::Env env, const void *data, size_t len);

inline int32_t I32(const Napi::Value &v) { return v.As<Napi::Number>().Int32Value(); }
inline uint32_t U32(const Napi::Value &v) { return v.As<Napi::Number>().Uint32Value(); }
inline int64_t I64(const Napi::Value &v) { return v.As<Napi::Number>().Int64Value(); }
inline std::string Str(const Napi::Value &v) { return v.As<Napi::String>().Utf8Value(); }

}  // namespace tortie
