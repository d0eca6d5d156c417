// Struct layouts from an object's BTF, so TypeScript codecs can be checked against the C ABI.
#include <bpf/btf.h>

#include <cerrno>
#include <memory>
#include <string>

#include "args.h"
#include "errors.h"
#include "modules.h"

namespace tortie {

namespace {

Napi::Value BtfStruct(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_STRING(0, "objPath");
  REQUIRE_ARG_STRING(1, "structName");
  Napi::Env env = info.Env();
  std::string path = Str(info[0]), name = Str(info[1]);
  std::unique_ptr<btf, void (*)(btf *)> b(btf__parse(path.c_str(), nullptr), btf__free);
  if (!b) return ThrowBpfError(env, "btf__parse", LastErrno(), nullptr, path.c_str());

  int id = btf__find_by_name_kind(b.get(), name.c_str(), BTF_KIND_STRUCT);
  if (id < 0) {
    int err = ErrOf(id);
    if (err == ENOENT) return env.Null();
    return ThrowBpfError(env, "btf__find_by_name_kind", err, nullptr, name.c_str());
  }
  const btf_type *t = btf__type_by_id(b.get(), id);
  const btf_member *m = btf_members(t);
  uint16_t n = btf_vlen(t);
  Napi::Array members = Napi::Array::New(env, n);
  for (uint16_t i = 0; i < n; i++, m++) {
    long long size = btf__resolve_size(b.get(), m->type);
    if (size < 0) return ThrowBpfError(env, "btf__resolve_size", ErrOf(static_cast<int>(size)), nullptr, name.c_str());
    Napi::Object member = Napi::Object::New(env);
    member.Set("name", btf__name_by_offset(b.get(), m->name_off));
    member.Set("bitOffset", btf_member_bit_offset(t, i));
    member.Set("size", static_cast<double>(size));
    members.Set(i, member);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("name", name);
  out.Set("size", t->size);
  out.Set("members", members);
  return out;
}

}  // namespace

void InitBtf(Napi::Env env, Napi::Object exports) { Export(env, exports, "btfStruct", BtfStruct); }

}  // namespace tortie
