// Map element access, one element or a batch at a time. Buffer sizes are the caller's business:
// TypeScript sizes them from the map's key/value size (and possibleCpus for per-CPU maps).
#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "args.h"
#include "errors.h"
#include "modules.h"
#include "opts.h"

namespace tortie {

namespace {

Napi::Value MapInfo(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "fd");
  bpf_map_info mi;
  memset(&mi, 0, sizeof(mi));
  uint32_t len = sizeof(mi);
  int ret = bpf_obj_get_info_by_fd(I32(info[0]), &mi, &len);
  if (ret < 0) return ThrowBpfError(info.Env(), "bpf_obj_get_info_by_fd", ErrOf(ret));
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("id", mi.id);
  out.Set("name", mi.name);
  out.Set("type", mi.type);
  out.Set("keySize", mi.key_size);
  out.Set("valueSize", mi.value_size);
  out.Set("maxEntries", mi.max_entries);
  out.Set("flags", mi.map_flags);
  return out;
}

Napi::Value MapLookup(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "fd");
  REQUIRE_ARG_BYTES(1, "key");
  REQUIRE_ARG_BYTES(2, "value");
  int ret = bpf_map_lookup_elem(I32(info[0]), BytesOf(info[1]).data, BytesOf(info[2]).data);
  if (ret < 0) {
    int err = ErrOf(ret);
    if (err == ENOENT) return Napi::Boolean::New(info.Env(), false);
    return ThrowBpfError(info.Env(), "bpf_map_lookup_elem", err);
  }
  return Napi::Boolean::New(info.Env(), true);
}

Napi::Value MapUpdate(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "fd");
  REQUIRE_ARG_BYTES(1, "key");
  REQUIRE_ARG_BYTES(2, "value");
  REQUIRE_ARG_NUMBER(3, "flags");
  int ret = bpf_map_update_elem(I32(info[0]), BytesOf(info[1]).data, BytesOf(info[2]).data,
                                static_cast<uint64_t>(I64(info[3])));
  if (ret < 0) return ThrowBpfError(info.Env(), "bpf_map_update_elem", ErrOf(ret));
  return info.Env().Undefined();
}

Napi::Value MapDelete(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "fd");
  REQUIRE_ARG_BYTES(1, "key");
  int ret = bpf_map_delete_elem(I32(info[0]), BytesOf(info[1]).data);
  if (ret < 0) {
    int err = ErrOf(ret);
    if (err == ENOENT) return Napi::Boolean::New(info.Env(), false);
    return ThrowBpfError(info.Env(), "bpf_map_delete_elem", err);
  }
  return Napi::Boolean::New(info.Env(), true);
}

Napi::Value MapNextKey(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "fd");
  REQUIRE_ARG_BYTES_OR_NULL(1, "key");
  REQUIRE_ARG_NUMBER(2, "keySize");
  std::vector<uint8_t> next(U32(info[2]));
  int ret = bpf_map_get_next_key(I32(info[0]), BytesOf(info[1]).data, next.data());
  if (ret < 0) {
    int err = ErrOf(ret);
    if (err == ENOENT) return info.Env().Null();
    return ThrowBpfError(info.Env(), "bpf_map_get_next_key", err);
  }
  return CopyBytes(info.Env(), next.data(), next.size());
}

// The batch cursor: hash maps use a u32 bucket index, other maps a key. Key-sized, but never
// smaller than 8 bytes so a hash map with a tiny key still has room for the bucket index.
size_t CursorSize(size_t keySize) { return std::max<size_t>(keySize, 8); }

Napi::Value MapLookupBatch(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "fd");
  REQUIRE_ARG_BYTES_OR_NULL(1, "from");
  REQUIRE_ARG_BYTES(2, "keys");
  REQUIRE_ARG_BYTES(3, "values");
  REQUIRE_ARG_NUMBER(4, "count");
  Napi::Env env = info.Env();
  uint32_t count = U32(info[4]);
  Bytes keys = BytesOf(info[2]);
  Bytes from = BytesOf(info[1]);
  size_t cursorSize = CursorSize(count ? keys.len / count : 0);
  std::vector<uint8_t> in(cursorSize), out(cursorSize);
  if (from.data) memcpy(in.data(), from.data, std::min(from.len, cursorSize));

  auto opts = Opts<bpf_map_batch_opts>();
  int ret = bpf_map_lookup_batch(I32(info[0]), from.data ? in.data() : nullptr, out.data(), keys.data,
                                 BytesOf(info[3]).data, &count, &opts);
  bool done = false;
  if (ret < 0) {
    int err = ErrOf(ret);
    if (err != ENOENT) return ThrowBpfError(env, "bpf_map_lookup_batch", err);
    done = true;  // ENOENT: the map is exhausted; `count` still says how many were copied
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("count", count);
  result.Set("next", done ? env.Null() : Napi::Value(CopyBytes(env, out.data(), out.size())));
  return result;
}

Napi::Value MapUpdateBatch(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "fd");
  REQUIRE_ARG_BYTES(1, "keys");
  REQUIRE_ARG_BYTES(2, "values");
  REQUIRE_ARG_NUMBER(3, "count");
  REQUIRE_ARG_NUMBER(4, "elemFlags");
  uint32_t count = U32(info[3]);
  auto opts = Opts<bpf_map_batch_opts>();
  opts.elem_flags = static_cast<uint64_t>(I64(info[4]));
  int ret = bpf_map_update_batch(I32(info[0]), BytesOf(info[1]).data, BytesOf(info[2]).data, &count, &opts);
  if (ret < 0) return ThrowBpfError(info.Env(), "bpf_map_update_batch", ErrOf(ret));
  return Napi::Number::New(info.Env(), count);
}

Napi::Value MapDeleteBatch(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "fd");
  REQUIRE_ARG_BYTES(1, "keys");
  REQUIRE_ARG_NUMBER(2, "count");
  uint32_t count = U32(info[2]);
  auto opts = Opts<bpf_map_batch_opts>();
  int ret = bpf_map_delete_batch(I32(info[0]), BytesOf(info[1]).data, &count, &opts);
  if (ret < 0) return ThrowBpfError(info.Env(), "bpf_map_delete_batch", ErrOf(ret));
  return Napi::Number::New(info.Env(), count);
}

}  // namespace

void InitMap(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "mapInfo", MapInfo);
  Export(env, exports, "mapLookup", MapLookup);
  Export(env, exports, "mapUpdate", MapUpdate);
  Export(env, exports, "mapDelete", MapDelete);
  Export(env, exports, "mapNextKey", MapNextKey);
  Export(env, exports, "mapLookupBatch", MapLookupBatch);
  Export(env, exports, "mapUpdateBatch", MapUpdateBatch);
  Export(env, exports, "mapDeleteBatch", MapDeleteBatch);
}

}  // namespace tortie
