{
  "targets": [
    {
      "target_name": "descent",
      "variables": {
        "static_openblas%": "<!(node -p \"process.env.DESCENT_STATIC_OPENBLAS === '1' ? 1 : 0\")",
        "openblas_a%": "<!(node -p \"process.env.DESCENT_OPENBLAS_A || '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.a'\")"
      },
      "sources": [
        "native/binding/addon.cc",
        "native/binding/trainer_wrap.cc",
        "native/binding/csv_wrap.cc",
        "native/io/buffer.cc",
        "native/io/csv.cc",
        "native/engine/trainer.cc",
        "native/kernels/optimizers.cc",
        "native/kernels/dispatch.cc",
        "native/kernels/parallel.cc",
        "native/kernels/blas_fork.cc",
        "native/kernels/kernels_scalar.cc",
        "native/kernels/kernels_avx2.cc",
        "native/kernels/kernels_avx512.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "/usr/include/x86_64-linux-gnu/openblas-pthread"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math", "-fvisibility=hidden"],
      "ldflags": ["-Wl,--version-script=<(module_root_dir)/native/binding/exports.map"],
      "conditions": [
        ["static_openblas==1", {
          "libraries": [
            "<(openblas_a)",
            "-Wl,--exclude-libs,ALL",
            "-static-libstdc++",
            "-static-libgcc",
            "-lpthread",
            "-lm"
          ]
        }, {
          "libraries": ["-lopenblas"]
        }]
      ]
    }
  ]
}
