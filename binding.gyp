# The addon, as `npm install` builds it from source where no platform package applies (scripts/install.js), and
# as `npm run build:native` / `npm run prebuild` build it here. The platform packages' cross builds
# (scripts/cross-build.sh) use the same sources and flags.
#   Linux: OpenBLAS (headers found by scripts/blas-config.js; DESCENT_STATIC_OPENBLAS=1 links libopenblas.a).
#   macOS: Apple's Accelerate for the BLAS (not tested: no macOS machine here); no x86 SIMD tables under clang.
#   Windows: not built by node-gyp (MSVC does not take GCC's target pragmas); the win32-x64 package is.
{
  "targets": [
    {
      "target_name": "descent",
      "variables": {
        "static_openblas%": "<!(node -p \"process.env.DESCENT_STATIC_OPENBLAS === '1' ? 1 : 0\")",
        "openblas_a%": "<!(node scripts/blas-config.js static-lib)",
        "blas_include%": "<!(node scripts/blas-config.js include)"
      },
      "sources": [
        "native/binding/addon.cc",
        "native/binding/trainer_wrap.cc",
        "native/binding/csv_wrap.cc",
        "native/binding/platform.cc",
        "native/io/buffer.cc",
        "native/io/csv.cc",
        "native/engine/trainer.cc",
        "native/kernels/optimizers.cc",
        "native/kernels/dispatch.cc",
        "native/kernels/parallel.cc",
        "native/kernels/blas_fork.cc",
        "native/kernels/kernels_scalar.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math", "-fvisibility=hidden"],
      "conditions": [
        ["blas_include!=''", { "include_dirs": ["<(blas_include)"] }],
        ["target_arch=='x64' and OS!='mac'", {
          "sources": ["native/kernels/kernels_avx2.cc", "native/kernels/kernels_avx512.cc"]
        }],
        ["target_arch=='x64' and OS=='mac'", { "defines": ["DESCENT_NO_X86_TABLES"] }],
        ["target_arch=='arm64'", { "sources": ["native/kernels/kernels_neon.cc"] }],
        ["OS=='linux'", { "ldflags": ["-Wl,--version-script=<(module_root_dir)/native/binding/exports.map"] }],
        ["OS=='mac'", {
          "defines": ["DESCENT_ACCELERATE"],
          "libraries": ["-framework Accelerate"],
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
            "MACOSX_DEPLOYMENT_TARGET": "11.0",
            "OTHER_CPLUSPLUSFLAGS": ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math"]
          }
        }],
        ["OS!='mac' and static_openblas==1", {
          "libraries": [
            "<(openblas_a)",
            "-Wl,--exclude-libs,ALL",
            "-static-libstdc++",
            "-static-libgcc",
            "-lpthread",
            "-lm"
          ]
        }],
        ["OS!='mac' and static_openblas!=1", { "libraries": ["-lopenblas"] }]
      ]
    }
  ]
}
