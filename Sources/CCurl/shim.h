#ifndef ROTATOR_CCURL_SHIM_H
#define ROTATOR_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot
// call; each shim fixes the type of the third argument.

typedef size_t (*rotator_curl_data_callback)(char *, size_t, size_t, void *);

static inline CURLcode rotator_curl_setopt_long(CURL *h, CURLoption o, long v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode rotator_curl_setopt_string(CURL *h, CURLoption o, const char *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode rotator_curl_setopt_pointer(CURL *h, CURLoption o, void *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode rotator_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode rotator_curl_setopt_callback(CURL *h, CURLoption o, rotator_curl_data_callback v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode rotator_curl_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode rotator_curl_getinfo_long(CURL *h, CURLINFO i, long *v) {
    return curl_easy_getinfo(h, i, v);
}
static inline CURLMcode rotator_curl_multi_poll(CURLM *m, int timeout_ms, int *numfds) {
    return curl_multi_poll(m, NULL, 0, timeout_ms, numfds);
}
/// The result of a finished transfer: CURLMsg's `data` is a union Swift reads awkwardly.
static inline CURLcode rotator_curl_msg_result(const CURLMsg *msg) {
    return msg->data.result;
}
#endif
