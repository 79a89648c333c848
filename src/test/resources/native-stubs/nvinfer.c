/* Stand-in for TensorRT's libnvinfer.so.10 (see README.md). */
#include <stddef.h>

/* nvinfer1::ILogger: the first virtual function is log(Severity, const char*); kERROR = 1. */
typedef void (*log_fn)(void *self, int severity, const char *msg);

/* The last logger a factory was given; a factory logs through it again, as TensorRT would. */
void *stub_logger = NULL;

static void say(void *logger, const char *msg) {
    if (logger != NULL) ((log_fn) (*(void ***) logger)[0])(logger, 1, msg);
}

int getInferLibVersion(void) { return 101501; }
int getInferLibMajorVersion(void) { return 10; }
int getInferLibMinorVersion(void) { return 15; }
int getInferLibPatchVersion(void) { return 1; }
int getInferLibBuildVersion(void) { return 29; }

void *createInferRuntime_INTERNAL(void *logger, int version) {
    say(stub_logger, "stub: the logger given before is still alive (runtime)");
    stub_logger = logger;
    say(logger, "stub: createInferRuntime returns NULL");
    return NULL;
}

void *createInferBuilder_INTERNAL(void *logger, int version) {
    say(stub_logger, "stub: the logger given before is still alive (builder)");
    stub_logger = logger;
    say(logger, "stub: createInferBuilder returns NULL");
    return NULL;
}
