{
  "variables": {
    "posixkit_variant%": ""
  },
  "targets": [
    {
      "target_name": "posixkit",
      "sources": [
        "../native/addon.cc",
        "../native/args.cc",
        "../native/errors.cc",
        "../native/process.cc",
        "../native/fork.cc",
        "../native/signal.cc",
        "../native/signal_calls.cc",
        "../native/signal_threads.cc",
        "../native/select.cc",
        "../native/socket.cc",
        "../native/socket_addr.cc",
        "../native/socket_msg.cc",
        "../native/socket_netdb.cc",
        "../native/socket_consts.cc",
        "../native/socket_consts_inet.cc",
        "../native/socket_consts_linux.cc",
        "../native/mman.cc",
        "../native/mman_file.cc",
        "../native/file.cc",
        "../native/os_args.cc",
        "../native/ids.cc",
        "../native/sched.cc",
        "../native/resource.cc",
        "../native/sysinfo.cc",
        "../native/wait.cc",
        "../native/fdio.cc",
        "../native/fdcopy.cc",
        "../native/eventfd.cc",
        "../native/tty.cc",
        "../native/spawn.cc",
        "../native/fcntl.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
        "_GNU_SOURCE"
      ],
      "cflags": [
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        "-fvisibility=hidden",
        "-O2"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-fno-exceptions",
        "-fno-rtti"
      ],
      "conditions": [
        [
          "OS!='linux'",
          {
            "type": "none"
          }
        ],
        [
          "posixkit_variant=='test' or posixkit_variant=='asan'",
          {
            "sources": [
              "../native/test_hooks.cc",
              "../native/fork_hazard.cc"
            ],
            "defines": [
              "POSIXKIT_TEST_HOOKS"
            ]
          }
        ],
        [
          "posixkit_variant=='asan'",
          {
            "cflags": [
              "-fsanitize=address,undefined",
              "-fno-sanitize=vptr",
              "-fno-sanitize-recover=undefined",
              "-fno-omit-frame-pointer",
              "-g",
              "-O1"
            ],
            "ldflags": [
              "-fsanitize=address,undefined"
            ]
          },
          {
            "cflags!": [
              "-fno-omit-frame-pointer"
            ]
          }
        ]
      ]
    }
  ]
}
