// Portable scan kernels (and the run-time choice between them and the AVX2 ones).
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "scan.h"

namespace idm::scan {

float HalfToFloat(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400) == 0) {
        mantissa <<= 1;
        --exponent;
      }
      mantissa &= 0x3ff;
      bits = sign | (exponent << 23) | (mantissa << 13);
    }
  } else if (exponent == 31) {
    bits = sign | 0x7f800000 | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t FloatToHalf(float f) {
  // Round to nearest even, as F16C's _mm256_cvtps_ph(x, 0) does.
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  const uint32_t sign = (bits >> 16) & 0x8000;
  const int32_t exponent = int32_t((bits >> 23) & 0xff) - 127 + 15;
  uint32_t mantissa = bits & 0x7fffff;
  if (((bits >> 23) & 0xff) == 0xff) return uint16_t(sign | 0x7c00 | (mantissa ? 0x200 : 0));
  if (exponent >= 31) return uint16_t(sign | 0x7c00);
  if (exponent <= 0) {
    if (exponent < -10) return uint16_t(sign);
    mantissa |= 0x800000;
    const int shift = 14 - exponent;
    uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1);
    const uint32_t midpoint = 1u << (shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1))) ++half;
    return uint16_t(sign | half);
  }
  uint32_t half = (uint32_t(exponent) << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) ++half;  // may carry into the exponent: correct
  return uint16_t(sign | half);
}

namespace {

void DotF32(const float* q, const float* rows, size_t nrows, size_t stride, float* out) {
  for (size_t r = 0; r < nrows; ++r) {
    const float* row = rows + r * stride;
    float sum = 0;
    for (size_t i = 0; i < stride; ++i) sum += q[i] * row[i];
    out[r] = sum;
  }
}

void DotF16(const float* q, const uint16_t* rows, size_t nrows, size_t stride, float* out) {
  for (size_t r = 0; r < nrows; ++r) {
    const uint16_t* row = rows + r * stride;
    float sum = 0;
    for (size_t i = 0; i < stride; ++i) sum += q[i] * HalfToFloat(row[i]);
    out[r] = sum;
  }
}

void DotI8(const uint8_t* q, const int8_t* rows, size_t nrows, size_t stride, int32_t* out) {
  for (size_t r = 0; r < nrows; ++r) {
    const int8_t* row = rows + r * stride;
    int32_t sum = 0;
    for (size_t i = 0; i < stride; ++i) sum += int32_t(q[i]) * int32_t(row[i]);
    out[r] = sum;
  }
}

template <typename Q, typename R, typename O, void (*One)(const Q*, const R*, size_t, size_t, O*)>
void Four(const Q* q, const R* rows, size_t nrows, size_t stride, O* out) {
  for (int j = 0; j < 4; ++j) One(q + j * stride, rows, nrows, stride, out + j * nrows);
}

void ToF16(const float* in, uint16_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = FloatToHalf(in[i]);
}

void ScaleI8(const int32_t* raw, const int32_t* sums, const float* scales, int32_t offset, float qscale, size_t n,
             float* out) {
  for (size_t r = 0; r < n; ++r) out[r] = float(raw[r] - offset * sums[r]) * qscale * scales[r];
}

size_t Above(const float* scores, size_t n, float threshold, uint32_t* out) {
  size_t count = 0;
  for (size_t r = 0; r < n; ++r) {
    if (scores[r] > threshold) out[count++] = uint32_t(r);
  }
  return count;
}

float Sum(const float* data, size_t n) {
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) lanes[j] += data[i + j];
  }
  float total = 0;
  for (float lane : lanes) total += lane;
  for (; i < n; ++i) total += data[i];
  return total;
}

}  // namespace

const Kernels& GenericKernels() {
  // Same query quantisation as the AVX2 kernels, so that both give identical integer sums.
  static const Kernels kernels{"generic",
                               63,
                               64,
                               DotF32,
                               DotF16,
                               DotI8,
                               Four<float, float, float, DotF32>,
                               Four<float, uint16_t, float, DotF16>,
                               Four<uint8_t, int8_t, int32_t, DotI8>,
                               ToF16,
                               ScaleI8,
                               Above,
                               Sum};
  return kernels;
}

bool Avx2Supported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

bool VnniSupported() {
  __builtin_cpu_init();
  return Avx2Supported() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
}

namespace {

std::atomic<const Kernels*> active{nullptr};

const Kernels* Named(const std::string& name) {
  if (name == "generic") return &GenericKernels();
  if (name == "avx2") return Avx2Supported() ? &Avx2Kernels() : nullptr;
  if (name == "vnni") return VnniSupported() ? &VnniKernels() : nullptr;
  if (name == "auto") return VnniSupported() ? &VnniKernels() : Avx2Supported() ? &Avx2Kernels() : &GenericKernels();
  return nullptr;
}

}  // namespace

const Kernels& BestKernels() {
  const Kernels* kernels = active.load();
  if (kernels == nullptr) {
    const char* forced = std::getenv("IDMATCH_SCAN");
    kernels = forced != nullptr ? Named(forced) : nullptr;
    if (kernels == nullptr) kernels = Named("auto");
    active.store(kernels);
  }
  return *kernels;
}

bool SelectKernels(const char* name) {
  const Kernels* kernels = Named(name);
  if (kernels == nullptr) return false;
  active.store(kernels);
  return true;
}

}  // namespace idm::scan
