#ifndef ROTATOR_CMARIADB_TLS_PEER_H
#define ROTATOR_CMARIADB_TLS_PEER_H
#include <mysql.h>
#include <ma_pvio.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/*
 * Connector/C 3.3 has no API for the server's certificate, so the preflight
 * check reads it from the session's OpenSSL handle (Debian's and Amazon
 * Linux's libmariadb are built with OpenSSL). Everything is copied into the
 * caller's buffers; no OpenSSL object outlives the call.
 */
/* ma_pvio.h declares the TLS handle as void; this is its layout in ma_tls.h
   (MARIADB_TLS), which cannot be included on its own. */
struct rotator_mariadb_tls {
    void *data;
    MARIADB_PVIO *pvio;
    void *ssl;
};

static inline const char *rotator_mysql_tls_version(MYSQL *mysql) {
    const char *version = NULL;
    if (mariadb_get_infov(mysql, MARIADB_CONNECTION_TLS_VERSION, &version))
        return NULL;
    return version;
}

static inline void rotator_copy_bio(BIO *bio, char *buffer, size_t size) {
    int length = BIO_read(bio, buffer, (int)size - 1);
    buffer[length > 0 ? length : 0] = '\0';
}

/* 1 with subject, issuer (RFC 2253), notAfter and whole days left filled in; 0 without a certificate. */
static inline int rotator_mysql_peer_certificate(MYSQL *mysql, char *subject, char *issuer, char *not_after,
                                                  size_t size, int *days_left) {
    if (!mysql->net.pvio || !mysql->net.pvio->ctls)
        return 0;
    struct rotator_mariadb_tls *tls = (struct rotator_mariadb_tls *)mysql->net.pvio->ctls;
    if (!tls->ssl)
        return 0;
    X509 *certificate = SSL_get1_peer_certificate((SSL *)tls->ssl);
    if (!certificate)
        return 0;
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio) {
        X509_free(certificate);
        return 0;
    }
    X509_NAME_print_ex(bio, X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
    rotator_copy_bio(bio, subject, size);
    X509_NAME_print_ex(bio, X509_get_issuer_name(certificate), 0, XN_FLAG_RFC2253);
    rotator_copy_bio(bio, issuer, size);
    ASN1_TIME_print(bio, X509_get0_notAfter(certificate));
    rotator_copy_bio(bio, not_after, size);
    int days = 0, seconds = 0;
    *days_left = ASN1_TIME_diff(&days, &seconds, NULL, X509_get0_notAfter(certificate)) ? days : -1;
    BIO_free(bio);
    X509_free(certificate);
    return 1;
}

#endif
