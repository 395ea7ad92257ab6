/* layers.c with AVX2 and FMA: four doubles to a vector.  Empty off x86-64. */
#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC target("avx2,fma")
#define LAYERS_TABLE layers_avx2
#include "layers.c"
#endif
