/* layers.c for every CPU: the instruction set the compiler assumes (SSE2 on x86-64). */
#define LAYERS_TABLE layers_base
#include "layers.c"
