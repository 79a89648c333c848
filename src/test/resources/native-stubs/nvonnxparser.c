/* Stand-in for TensorRT's libnvonnxparser.so.10 (see README.md). */
#include <stddef.h>

int getNvOnnxParserVersion(void) { return 101501; }
void *createNvOnnxParser_INTERNAL(void *network, void *logger, int version) { return NULL; }
