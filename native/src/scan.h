// Dot-product kernels for the exact scan of a FlatStore. Each computes the dot products of one or four
// queries with a block of consecutive rows; selection (top-k) happens in the caller.
//
// Row layouts (stride = dimension rounded up to 32, zero padded):
//   f32: float rows, stride floats each;
//   f16: IEEE half rows (uint16_t), stride halves each;
//   i8:  int8 rows in [-127, 127], stride bytes each, dequantised as row * rowScale.
// int8 scans take the query as unsigned bytes: quantised to [-i8QueryMax, i8QueryMax] and shifted by
// i8QueryOffset, so that the u8 x s8 multiply instructions apply; the kernel returns the raw sum
// q_u . x and the caller subtracts i8QueryOffset * sum(x).
#pragma once

#include <cstddef>
#include <cstdint>

namespace idm::scan {

struct Kernels {
  const char* name;
  int i8QueryMax;
  int i8QueryOffset;
  // out[r] = q . row_r for r < nrows
  void (*dotF32)(const float* q, const float* rows, size_t nrows, size_t stride, float* out);
  void (*dotF16)(const float* q, const uint16_t* rows, size_t nrows, size_t stride, float* out);
  void (*dotI8)(const uint8_t* q, const int8_t* rows, size_t nrows, size_t stride, int32_t* out);
  // four queries at once (q: 4 rows of stride), out: 4 x nrows, query-major
  void (*dot4F32)(const float* q, const float* rows, size_t nrows, size_t stride, float* out);
  void (*dot4F16)(const float* q, const uint16_t* rows, size_t nrows, size_t stride, float* out);
  void (*dot4I8)(const uint8_t* q, const int8_t* rows, size_t nrows, size_t stride, int32_t* out);
  void (*toF16)(const float* in, uint16_t* out, size_t n);
  // out[r] = qscale * scales[r] * (raw[r] - offset * sums[r]): int8 sums to approximate dot products.
  void (*scaleI8)(const int32_t* raw, const int32_t* sums, const float* scales, int32_t offset, float qscale,
                  size_t n, float* out);
  // Writes the positions r with scores[r] > threshold to out; returns how many (the top-k filter: after
  // the first blocks almost no score passes, so this is a vector compare and a rare branch).
  size_t (*above)(const float* scores, size_t n, float threshold, uint32_t* out);
  // Sum of n floats: the cheapest full read of memory, for measuring read bandwidth.
  float (*sum)(const float* data, size_t n);
};

// Portable kernels, always available.
const Kernels& GenericKernels();
// AVX2 + FMA + F16C kernels, compiled in their own translation unit; only call when Avx2Supported().
// Their int8 kernel (vpmaddubsw) needs 7-bit queries so that no pair of products saturates int16.
const Kernels& Avx2Kernels();
bool Avx2Supported();
// The AVX2 kernels with the int8 dot products done by AVX-512 VNNI (vpdpbusd on 256-bit registers,
// 8-bit queries); only call when VnniSupported().
const Kernels& VnniKernels();
bool VnniSupported();
// The kernels in use: the best this CPU has, unless IDMATCH_SCAN (generic, avx2, vnni) or
// SelectKernels() chose others.
const Kernels& BestKernels();
// Chooses the kernels for the rest of the process: "auto", "generic", "avx2" or "vnni". Returns false
// (and changes nothing) for an unknown name or one this CPU cannot run.
bool SelectKernels(const char* name);

float HalfToFloat(uint16_t h);
uint16_t FloatToHalf(float f);

}  // namespace idm::scan
