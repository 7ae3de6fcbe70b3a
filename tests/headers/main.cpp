// Linked with one translation unit per public header; reaching main means each
// header compiled on its own.
int main() { return 0; }
