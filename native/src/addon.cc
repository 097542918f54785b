// Module entry: FaissIndex, BinaryIndex, FlatStore and IvfIndex.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <memory>
#include <vector>

#include "common.h"
#include "scan.h"

namespace idm {
Napi::Function DefineFloatIndex(Napi::Env env);
Napi::Function DefineBinaryIndex(Napi::Env env);
Napi::Function DefineFlatStore(Napi::Env env);
Napi::Function DefineIvfIndex(Napi::Env env);
}  // namespace idm

namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("faissVersion", "1.7.3");
  result.Set("scanKernel", idm::scan::BestKernels().name);
  result.Set("avx2", idm::scan::Avx2Supported());
  result.Set("vnni", idm::scan::VnniSupported());
  result.Set("ompMaxThreads", omp_get_max_threads());
  return result;
}

// readBandwidth(bytes, threads, passes): sequential read bandwidth in bytes per second, the best of
// `passes` timed sums over a buffer of `bytes` (first touched and read once untimed), split over threads.
Napi::Value ReadBandwidth(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return idm::Guarded(env, [&]() -> Napi::Value {
    const size_t bytes = size_t(idm::IntegerArg(info[0], "bytes", 1 << 20, int64_t(1) << 36));
    const int threads = int(idm::IntegerArg(info[1], "threads", 1, 256));
    const int passes = info[2].IsUndefined() ? 5 : int(idm::IntegerArg(info[2], "passes", 1, 100));
    auto result = std::make_shared<double>(0);
    return idm::Task::Start(
        env, {},
        [bytes, threads, passes, result] {
          const size_t n = bytes / sizeof(float);
          std::vector<float> buffer(n, 1.0f);
          const auto& kernels = idm::scan::BestKernels();
          volatile float sink = 0;
          double best = 0;
          for (int pass = 0; pass <= passes; ++pass) {
            const auto start = std::chrono::steady_clock::now();
            float total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
            {
              const int t = omp_get_thread_num(), count = omp_get_num_threads();
              const size_t begin = n * t / count, end = n * (t + 1) / count;
              total += kernels.sum(buffer.data() + begin, end - begin);
            }
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            sink = sink + total;
            if (pass > 0) best = std::max(best, double(n * sizeof(float)) / seconds);
          }
          *result = best;
        },
        [result](Napi::Env env, const idm::Task::Kept&) -> Napi::Value { return Napi::Number::New(env, *result); });
  });
}

// setScanKernel(name): "auto", "generic", "avx2" or "vnni"; false when this CPU cannot run it.
Napi::Value SetScanKernel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return idm::Guarded(env, [&]() -> Napi::Value {
    const std::string name = idm::StringArg(info[0], "kernel name");
    return Napi::Boolean::New(env, idm::scan::SelectKernels(name.c_str()));
  });
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new idm::AddonData();
  Napi::Function floatIndex = idm::DefineFloatIndex(env);
  Napi::Function binaryIndex = idm::DefineBinaryIndex(env);
  Napi::Function flatStore = idm::DefineFlatStore(env);
  Napi::Function ivfIndex = idm::DefineIvfIndex(env);
  data->floatIndex = Napi::Persistent(floatIndex);
  data->binaryIndex = Napi::Persistent(binaryIndex);
  data->flatStore = Napi::Persistent(flatStore);
  data->ivfIndex = Napi::Persistent(ivfIndex);
  env.SetInstanceData(data);
  exports.Set("FaissIndex", floatIndex);
  exports.Set("BinaryIndex", binaryIndex);
  exports.Set("FlatStore", flatStore);
  exports.Set("IvfIndex", ivfIndex);
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("readBandwidth", Napi::Function::New(env, ReadBandwidth));
  exports.Set("setScanKernel", Napi::Function::New(env, SetScanKernel));
  return exports;
}

}  // namespace

NODE_API_MODULE(idmatch_faiss, Init)
