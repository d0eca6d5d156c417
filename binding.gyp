{
  "targets": [
    {
      "target_name": "tortie_native",
      "sources": [
        "native/src/addon.cc",
        "native/src/args.cc",
        "native/src/btf.cc",
        "native/src/errors.cc",
        "native/src/fd.cc",
        "native/src/link.cc",
        "native/src/link_watch.cc",
        "native/src/log.cc",
        "native/src/map.cc",
        "native/src/neigh_watch.cc",
        "native/src/netlink.cc",
        "native/src/netns.cc",
        "native/src/nexthop.cc",
        "native/src/object.cc",
        "native/src/prog.cc",
        "native/src/route.cc",
        "native/src/rtnl_request.cc",
        "native/src/tc.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags": ["-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
      "cflags_cc!": ["-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fvisibility=hidden"],
      "libraries": ["-lbpf", "-lelf", "-lz"]
    }
  ]
}
