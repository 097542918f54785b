// AVX-512 VNNI int8 kernels (vpdpbusd on 256-bit registers: 32 u8 x s8 products accumulated into int32
// lanes in one instruction, twice the int8 rate of AVX2). Compiled alone with the AVX-512 flags; only
// called after VnniSupported(). The float kernels are the AVX2 ones.
#include <immintrin.h>

#include "scan.h"

namespace idm::scan {
namespace {

inline int32_t Sum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

inline __m256i Load256(const void* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// One row at a time, as in the AVX2 kernels: a sequential stream keeps the prefetcher effective.
void DotI8(const uint8_t* q, const int8_t* rows, size_t nrows, size_t stride, int32_t* out) {
  for (size_t r = 0; r < nrows; ++r) {
    const int8_t* a = rows + r * stride;
    __m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 64 <= stride; i += 64) {
      a0 = _mm256_dpbusd_epi32(a0, Load256(q + i), Load256(a + i));
      a1 = _mm256_dpbusd_epi32(a1, Load256(q + i + 32), Load256(a + i + 32));
    }
    if (i < stride) a0 = _mm256_dpbusd_epi32(a0, Load256(q + i), Load256(a + i));
    out[r] = Sum(_mm256_add_epi32(a0, a1));
  }
}

void Dot4I8(const uint8_t* q, const int8_t* rows, size_t nrows, size_t stride, int32_t* out) {
  const uint8_t* q0 = q;
  const uint8_t* q1 = q + stride;
  const uint8_t* q2 = q + 2 * stride;
  const uint8_t* q3 = q + 3 * stride;
  size_t r = 0;
  for (; r + 2 <= nrows; r += 2) {
    const int8_t* a = rows + r * stride;
    const int8_t* b = a + stride;
    __m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256(), a2 = _mm256_setzero_si256(),
            a3 = _mm256_setzero_si256();
    __m256i b0 = _mm256_setzero_si256(), b1 = _mm256_setzero_si256(), b2 = _mm256_setzero_si256(),
            b3 = _mm256_setzero_si256();
    for (size_t i = 0; i < stride; i += 32) {
      const __m256i x = Load256(a + i), y = Load256(b + i);
      __m256i v = Load256(q0 + i);
      a0 = _mm256_dpbusd_epi32(a0, v, x);
      b0 = _mm256_dpbusd_epi32(b0, v, y);
      v = Load256(q1 + i);
      a1 = _mm256_dpbusd_epi32(a1, v, x);
      b1 = _mm256_dpbusd_epi32(b1, v, y);
      v = Load256(q2 + i);
      a2 = _mm256_dpbusd_epi32(a2, v, x);
      b2 = _mm256_dpbusd_epi32(b2, v, y);
      v = Load256(q3 + i);
      a3 = _mm256_dpbusd_epi32(a3, v, x);
      b3 = _mm256_dpbusd_epi32(b3, v, y);
    }
    out[r] = Sum(a0), out[r + 1] = Sum(b0);
    out[nrows + r] = Sum(a1), out[nrows + r + 1] = Sum(b1);
    out[2 * nrows + r] = Sum(a2), out[2 * nrows + r + 1] = Sum(b2);
    out[3 * nrows + r] = Sum(a3), out[3 * nrows + r + 1] = Sum(b3);
  }
  for (; r < nrows; ++r) {
    for (int j = 0; j < 4; ++j) DotI8(q + j * stride, rows + r * stride, 1, stride, out + j * nrows + r);
  }
}

}  // namespace

const Kernels& VnniKernels() {
  static const Kernels kernels = [] {
    Kernels k = Avx2Kernels();
    k.name = "vnni";
    k.i8QueryMax = 127;
    k.i8QueryOffset = 128;
    k.dotI8 = DotI8;
    k.dot4I8 = Dot4I8;
    return k;
  }();
  return kernels;
}

}  // namespace idm::scan
