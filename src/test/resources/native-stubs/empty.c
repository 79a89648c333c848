/* Stand-in for libcuda.so.1 / libcudart.so.13: exports nothing the tests call. */
void anomalyedge_native_stub(void) {}
