// SHA256_Init/Update/Final: the digest without OpenSSL 3's per-call algorithm fetch (the
// one-shot SHA256() and EVP_Digest look the algorithm up on every call). Deprecated in 3.0,
// kept by OpenSSL; the same SHA-NI code underneath.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
