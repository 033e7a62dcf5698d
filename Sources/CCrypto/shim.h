#ifndef ROTATOR_CCRYPTO_SHIM_H
#define ROTATOR_CCRYPTO_SHIM_H
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

/* A macro of a macro: spelt out so Swift sees a constant. */
static inline int rotator_evp_pkey_x25519(void) { return EVP_PKEY_X25519; }
#endif
