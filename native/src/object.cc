// bpf_object lifecycle: open, inspect, configure (.rodata, reused maps), load, hand out fds, close.
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "args.h"
#include "errors.h"
#include "log.h"
#include "modules.h"

namespace tortie {

namespace {

// What the JS handle points at. `obj` is null once closed; the finalizer closes it if JS didn't.
struct ObjectHolder {
  bpf_object *obj;
};

// Marks our Externals so a foreign External can't be mistaken for a bpf_object.
const napi_type_tag kObjectTag = {0x74727469655f6f62ULL, 0x6a6563745f763031ULL};

ObjectHolder *HolderOf(const Napi::Value &v) {
  if (!v.IsExternal()) return nullptr;
  auto ext = v.As<Napi::External<ObjectHolder>>();
  return ext.CheckTypeTag(&kObjectTag) ? ext.Data() : nullptr;
}

// Type-checks argument `i` as an ObjectHandle and binds `h` to its holder (open or closed).
#define REQUIRE_ARG_HANDLE(i, h)                                                          \
  ObjectHolder *h = HolderOf(info[i]);                                                    \
  if (!h) return ArgTypeError(info[i], "obj", "bpf object handle");

// ...and requires it to be still open.
#define REQUIRE_OPEN_HANDLE(i, h)                                                         \
  REQUIRE_ARG_HANDLE(i, h)                                                                \
  if (!h->obj) return ThrowBpfError(info.Env(), "bpf_object", EBADF, nullptr, "object is closed");

bool EndsWith(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

// libbpf names the .rodata map "<object name prefix>.rodata".
bpf_map *FindRodata(bpf_object *obj) {
  bpf_map *map;
  bpf_object__for_each_map(map, obj) {
    if (bpf_map__is_internal(map) && EndsWith(bpf_map__name(map), ".rodata")) return map;
  }
  return nullptr;
}

Napi::Value ObjectOpen(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_STRING(0, "path");
  std::string path = Str(info[0]);
  LogCapture log;  // open failures (bad ELF, BTF) are only explained in libbpf's output
  bpf_object *obj = bpf_object__open_file(path.c_str(), nullptr);
  if (!obj) {
    int err = LastErrno();
    auto lines = log.Lines();
    return ThrowBpfError(info.Env(), "bpf_object__open_file", err, &lines, path.c_str());
  }
  auto handle = Napi::External<ObjectHolder>::New(info.Env(), new ObjectHolder{obj}, [](Napi::Env, ObjectHolder *h) {
    if (h->obj) bpf_object__close(h->obj);
    delete h;
  });
  handle.TypeTag(&kObjectTag);
  return handle;
}

Napi::Value ObjectMaps(const Napi::CallbackInfo &info) {
  REQUIRE_OPEN_HANDLE(0, h);
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  bpf_map *map;
  uint32_t i = 0;
  bpf_object__for_each_map(map, h->obj) {
    Napi::Object m = Napi::Object::New(env);
    m.Set("name", bpf_map__name(map));
    m.Set("type", static_cast<double>(bpf_map__type(map)));
    m.Set("keySize", bpf_map__key_size(map));
    m.Set("valueSize", bpf_map__value_size(map));
    m.Set("maxEntries", bpf_map__max_entries(map));
    m.Set("flags", static_cast<double>(bpf_map__map_flags(map)));
    m.Set("internal", bpf_map__is_internal(map));
    out.Set(i++, m);
  }
  return out;
}

Napi::Value ObjectPrograms(const Napi::CallbackInfo &info) {
  REQUIRE_OPEN_HANDLE(0, h);
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  bpf_program *prog;
  uint32_t i = 0;
  bpf_object__for_each_program(prog, h->obj) {
    Napi::Object p = Napi::Object::New(env);
    p.Set("name", bpf_program__name(prog));
    p.Set("section", bpf_program__section_name(prog));
    p.Set("type", static_cast<double>(bpf_program__type(prog)));
    out.Set(i++, p);
  }
  return out;
}

Napi::Value ObjectSetRodata(const Napi::CallbackInfo &info) {
  REQUIRE_OPEN_HANDLE(0, h);
  REQUIRE_ARG_BYTES(1, "data");
  bpf_map *map = FindRodata(h->obj);
  if (!map) return ThrowBpfError(info.Env(), "bpf_map__set_initial_value", ENOENT, nullptr, "object has no .rodata");
  Bytes data = BytesOf(info[1]);
  int ret = bpf_map__set_initial_value(map, data.data, data.len);
  if (ret < 0) return ThrowBpfError(info.Env(), "bpf_map__set_initial_value", ErrOf(ret));
  return info.Env().Undefined();
}

Napi::Value ObjectReuseMap(const Napi::CallbackInfo &info) {
  REQUIRE_OPEN_HANDLE(0, h);
  REQUIRE_ARG_STRING(1, "mapName");
  REQUIRE_ARG_NUMBER(2, "fd");
  std::string name = Str(info[1]);
  bpf_map *map = bpf_object__find_map_by_name(h->obj, name.c_str());
  if (!map) return ThrowBpfError(info.Env(), "bpf_object__find_map_by_name", ENOENT, nullptr, name.c_str());
  int ret = bpf_map__reuse_fd(map, I32(info[2]));
  if (ret < 0) return ThrowBpfError(info.Env(), "bpf_map__reuse_fd", ErrOf(ret), nullptr, name.c_str());
  return info.Env().Undefined();
}

Napi::Value ObjectLoad(const Napi::CallbackInfo &info) {
  REQUIRE_OPEN_HANDLE(0, h);
  LogCapture log;  // on failure libbpf prints the verifier log at warn level
  int ret = bpf_object__load(h->obj);
  if (ret < 0) {
    int err = ErrOf(ret);
    auto lines = log.Lines();
    return ThrowBpfError(info.Env(), "bpf_object__load", err, &lines);
  }
  return info.Env().Undefined();
}

// The caller owns the returned fd; libbpf keeps its own until bpf_object__close.
Napi::Value DupFd(Napi::Env env, int fd, const char *op, const std::string &name) {
  if (fd < 0) return ThrowBpfError(env, op, EBADF, nullptr, (name + " is not loaded").c_str());
  int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return ThrowBpfError(env, "fcntl(F_DUPFD_CLOEXEC)", LastErrno());
  return Napi::Number::New(env, dup);
}

Napi::Value ObjectMapFd(const Napi::CallbackInfo &info) {
  REQUIRE_OPEN_HANDLE(0, h);
  REQUIRE_ARG_STRING(1, "mapName");
  std::string name = Str(info[1]);
  bpf_map *map = bpf_object__find_map_by_name(h->obj, name.c_str());
  if (!map) return ThrowBpfError(info.Env(), "bpf_object__find_map_by_name", ENOENT, nullptr, name.c_str());
  return DupFd(info.Env(), bpf_map__fd(map), "bpf_map__fd", name);
}

Napi::Value ObjectProgramFd(const Napi::CallbackInfo &info) {
  REQUIRE_OPEN_HANDLE(0, h);
  REQUIRE_ARG_STRING(1, "progName");
  std::string name = Str(info[1]);
  bpf_program *prog = bpf_object__find_program_by_name(h->obj, name.c_str());
  if (!prog) return ThrowBpfError(info.Env(), "bpf_object__find_program_by_name", ENOENT, nullptr, name.c_str());
  return DupFd(info.Env(), bpf_program__fd(prog), "bpf_program__fd", name);
}

Napi::Value ObjectClose(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_HANDLE(0, h);
  if (h->obj) {
    bpf_object__close(h->obj);
    h->obj = nullptr;
  }
  return info.Env().Undefined();
}

}  // namespace

void InitObject(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "objectOpen", ObjectOpen);
  Export(env, exports, "objectMaps", ObjectMaps);
  Export(env, exports, "objectPrograms", ObjectPrograms);
  Export(env, exports, "objectSetRodata", ObjectSetRodata);
  Export(env, exports, "objectReuseMap", ObjectReuseMap);
  Export(env, exports, "objectLoad", ObjectLoad);
  Export(env, exports, "objectMapFd", ObjectMapFd);
  Export(env, exports, "objectProgramFd", ObjectProgramFd);
  Export(env, exports, "objectClose", ObjectClose);
}

}  // namespace tortie
