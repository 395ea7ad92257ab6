/* layers.c with AVX-512: eight doubles to a vector.  GCC prefers 256-bit
 * vectors even when 512-bit ones exist; here they are the point.  Empty off
 * x86-64. */
#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,prefer-vector-width=512")
#define LAYERS_TABLE layers_avx512
#include "layers.c"
#endif
