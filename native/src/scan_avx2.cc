// AVX2 + FMA + F16C scan kernels. This translation unit alone is compiled with -mavx2 -mfma -mf16c;
// nothing here may run before the caller has checked Avx2Supported().
//
// Register blocking: single-query kernels take one row at a time (memory-bound: keep the stream
// sequential); four-query kernels take two rows x four queries, so each row is loaded and converted
// once for four queries (compute-bound, and the block is in L2 after the first group).
#include <immintrin.h>

#include "scan.h"

namespace idm::scan {
namespace {

inline float Sum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline int32_t Sum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

inline __m256 LoadHalf(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline __m256i Load256(const void* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// 32 products u8 x s8, summed in pairs (vpmaddubsw: cannot saturate with 7-bit queries), then in
// fours into int32 lanes (vpmaddwd by ones).
inline __m256i DotStep(__m256i q, __m256i x, __m256i ones) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(q, x), ones);
}

// Single-query kernels take one row at a time: reading two rows in alternation (offsets 0, 512, 32,
// 544, ...) defeats the hardware prefetcher and halved the bandwidth of a scan from memory (8 against
// 20 GB/s on one core, measured); two accumulators per row hide the add latency instead.
void DotF32(const float* q, const float* rows, size_t nrows, size_t stride, float* out) {
  for (size_t r = 0; r < nrows; ++r) {
    const float* a = rows + r * stride;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    for (size_t i = 0; i < stride; i += 16) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(a + i), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), _mm256_loadu_ps(a + i + 8), a1);
    }
    out[r] = Sum(_mm256_add_ps(a0, a1));
  }
}

void DotF16(const float* q, const uint16_t* rows, size_t nrows, size_t stride, float* out) {
  for (size_t r = 0; r < nrows; ++r) {
    const uint16_t* a = rows + r * stride;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    for (size_t i = 0; i < stride; i += 16) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), LoadHalf(a + i), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), LoadHalf(a + i + 8), a1);
    }
    out[r] = Sum(_mm256_add_ps(a0, a1));
  }
}

// int8 rows times unsigned 7-bit queries, 64 dimensions per step (stride is a multiple of 32).
void DotI8(const uint8_t* q, const int8_t* rows, size_t nrows, size_t stride, int32_t* out) {
  const __m256i ones = _mm256_set1_epi16(1);
  for (size_t r = 0; r < nrows; ++r) {
    const int8_t* a = rows + r * stride;
    __m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 64 <= stride; i += 64) {
      a0 = _mm256_add_epi32(a0, DotStep(Load256(q + i), Load256(a + i), ones));
      a1 = _mm256_add_epi32(a1, DotStep(Load256(q + i + 32), Load256(a + i + 32), ones));
    }
    if (i < stride) a0 = _mm256_add_epi32(a0, DotStep(Load256(q + i), Load256(a + i), ones));
    out[r] = Sum(_mm256_add_epi32(a0, a1));
  }
}

// Four queries, two rows per step: 8 accumulators.
template <typename Row, __m256 (*Load)(const Row*)>
void Dot4Float(const float* q, const Row* rows, size_t nrows, size_t stride, float* out) {
  const float* q0 = q;
  const float* q1 = q + stride;
  const float* q2 = q + 2 * stride;
  const float* q3 = q + 3 * stride;
  size_t r = 0;
  for (; r + 2 <= nrows; r += 2) {
    const Row* a = rows + r * stride;
    const Row* b = a + stride;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
    for (size_t i = 0; i < stride; i += 8) {
      const __m256 x = Load(a + i), y = Load(b + i);
      __m256 v = _mm256_loadu_ps(q0 + i);
      a0 = _mm256_fmadd_ps(v, x, a0);
      b0 = _mm256_fmadd_ps(v, y, b0);
      v = _mm256_loadu_ps(q1 + i);
      a1 = _mm256_fmadd_ps(v, x, a1);
      b1 = _mm256_fmadd_ps(v, y, b1);
      v = _mm256_loadu_ps(q2 + i);
      a2 = _mm256_fmadd_ps(v, x, a2);
      b2 = _mm256_fmadd_ps(v, y, b2);
      v = _mm256_loadu_ps(q3 + i);
      a3 = _mm256_fmadd_ps(v, x, a3);
      b3 = _mm256_fmadd_ps(v, y, b3);
    }
    out[r] = Sum(a0), out[r + 1] = Sum(b0);
    out[nrows + r] = Sum(a1), out[nrows + r + 1] = Sum(b1);
    out[2 * nrows + r] = Sum(a2), out[2 * nrows + r + 1] = Sum(b2);
    out[3 * nrows + r] = Sum(a3), out[3 * nrows + r + 1] = Sum(b3);
  }
  for (; r < nrows; ++r) {
    const Row* a = rows + r * stride;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    for (size_t i = 0; i < stride; i += 8) {
      const __m256 x = Load(a + i);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q0 + i), x, a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q1 + i), x, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(q2 + i), x, a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(q3 + i), x, a3);
    }
    out[r] = Sum(a0), out[nrows + r] = Sum(a1), out[2 * nrows + r] = Sum(a2), out[3 * nrows + r] = Sum(a3);
  }
}

inline __m256 LoadF32(const float* p) { return _mm256_loadu_ps(p); }

void Dot4F32(const float* q, const float* rows, size_t nrows, size_t stride, float* out) {
  Dot4Float<float, LoadF32>(q, rows, nrows, stride, out);
}
void Dot4F16(const float* q, const uint16_t* rows, size_t nrows, size_t stride, float* out) {
  Dot4Float<uint16_t, LoadHalf>(q, rows, nrows, stride, out);
}

void Dot4I8(const uint8_t* q, const int8_t* rows, size_t nrows, size_t stride, int32_t* out) {
  const __m256i ones = _mm256_set1_epi16(1);
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
      a0 = _mm256_add_epi32(a0, DotStep(v, x, ones));
      b0 = _mm256_add_epi32(b0, DotStep(v, y, ones));
      v = Load256(q1 + i);
      a1 = _mm256_add_epi32(a1, DotStep(v, x, ones));
      b1 = _mm256_add_epi32(b1, DotStep(v, y, ones));
      v = Load256(q2 + i);
      a2 = _mm256_add_epi32(a2, DotStep(v, x, ones));
      b2 = _mm256_add_epi32(b2, DotStep(v, y, ones));
      v = Load256(q3 + i);
      a3 = _mm256_add_epi32(a3, DotStep(v, x, ones));
      b3 = _mm256_add_epi32(b3, DotStep(v, y, ones));
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

void ToF16(const float* in, uint16_t* out, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < n; ++i) out[i] = FloatToHalf(in[i]);
}

void ScaleI8(const int32_t* raw, const int32_t* sums, const float* scales, int32_t offset, float qscale, size_t n,
             float* out) {
  const __m256i off = _mm256_set1_epi32(offset);
  const __m256 qs = _mm256_set1_ps(qscale);
  size_t r = 0;
  for (; r + 8 <= n; r += 8) {
    const __m256i exact = _mm256_sub_epi32(Load256(raw + r), _mm256_mullo_epi32(off, Load256(sums + r)));
    _mm256_storeu_ps(out + r, _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(exact), qs), _mm256_loadu_ps(scales + r)));
  }
  for (; r < n; ++r) out[r] = float(raw[r] - offset * sums[r]) * qscale * scales[r];
}

size_t Above(const float* scores, size_t n, float threshold, uint32_t* out) {
  const __m256 t = _mm256_set1_ps(threshold);
  size_t count = 0, r = 0;
  for (; r + 8 <= n; r += 8) {
    unsigned mask = unsigned(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(scores + r), t, _CMP_GT_OQ)));
    while (mask) {
      out[count++] = uint32_t(r + __builtin_ctz(mask));
      mask &= mask - 1;
    }
  }
  for (; r < n; ++r) {
    if (scores[r] > threshold) out[count++] = uint32_t(r);
  }
  return count;
}

// Four independent accumulators so that the adds never wait on each other: memory is the only limit.
float SumF32(const float* data, size_t n) {
  __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps(), c = _mm256_setzero_ps(), d = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a = _mm256_add_ps(a, _mm256_loadu_ps(data + i));
    b = _mm256_add_ps(b, _mm256_loadu_ps(data + i + 8));
    c = _mm256_add_ps(c, _mm256_loadu_ps(data + i + 16));
    d = _mm256_add_ps(d, _mm256_loadu_ps(data + i + 24));
  }
  float total = Sum(_mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d)));
  for (; i < n; ++i) total += data[i];
  return total;
}

}  // namespace

const Kernels& Avx2Kernels() {
  static const Kernels kernels{"avx2", 63, 64, DotF32, DotF16, DotI8, Dot4F32, Dot4F16, Dot4I8, ToF16, ScaleI8, Above, SumF32};
  return kernels;
}

}  // namespace idm::scan
