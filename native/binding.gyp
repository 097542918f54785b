{
  # The FAISS binding and the exact-scan kernels. Debian's libfaiss-dev ships FAISS 1.7.3 as a static
  # library; BLAS and LAPACK resolve at run time to whatever libblas.so.3 points at (OpenBLAS once
  # libopenblas0-pthread is installed), and OpenMP is GCC's libgomp.
  "targets": [
    {
      "target_name": "idmatch_faiss",
      "sources": [
        "src/addon.cc",
        "src/common.cc",
        "src/float_index.cc",
        "src/binary_index.cc",
        "src/flat_store.cc",
        "src/ivf_index.cc",
        "src/scan_generic.cc"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except",
        "scan_avx2",
        "scan_vnni"
      ],
      "cflags_cc": ["-std=c++17", "-O3", "-fopenmp", "-fexceptions", "-frtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14"],
      "defines": ["NAPI_VERSION=8"],
      "libraries": [
        "/usr/lib/x86_64-linux-gnu/libfaiss.a",
        "-lblas",
        "-llapack",
        "-fopenmp"
      ],
      "ldflags": ["-fopenmp", "-Wl,--exclude-libs,ALL"]
    },
    {
      # The AVX2 kernels live in their own static library so that only these objects are compiled with
      # -mavx2 -mfma -mf16c; the caller checks __builtin_cpu_supports("avx2") before calling them.
      "target_name": "scan_avx2",
      "type": "static_library",
      "sources": ["src/scan_avx2.cc"],
      "cflags_cc": ["-std=c++17", "-O3", "-mavx2", "-mfma", "-mf16c", "-fPIC"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++14"]
    },
    {
      # The int8 kernels for CPUs with AVX-512 VNNI (checked at run time by VnniSupported()).
      "target_name": "scan_vnni",
      "type": "static_library",
      "sources": ["src/scan_vnni.cc"],
      "cflags_cc": ["-std=c++17", "-O3", "-mavx2", "-mfma", "-mf16c", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512vnni", "-fPIC"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++14"]
    }
  ]
}
