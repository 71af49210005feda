{
  "targets": [
    {
      "target_name": "posixkit",
      "sources": [
        "native/addon.cc",
        "native/errors.cc",
        "native/process.cc",
        "native/fork.cc",
        "native/fork_hazard.cc",
        "native/signal.cc",
        "native/signal_calls.cc",
        "native/select.cc",
        "native/socket.cc",
        "native/socket_addr.cc",
        "native/socket_msg.cc",
        "native/socket_consts.cc",
        "native/mman.cc",
        "native/file.cc",
        "native/fcntl.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "_GNU_SOURCE"
      ],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-fvisibility=hidden", "-O2"],
      "cflags_cc": ["-std=c++17", "-fno-exceptions", "-fno-rtti"],
      "cflags!": ["-fno-omit-frame-pointer"],
      "conditions": [["OS!='linux'", { "type": "none" }]]
    }
  ]
}
