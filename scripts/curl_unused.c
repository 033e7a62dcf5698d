// What Debian's libcurl.a calls in the libraries it was built with and this
// function never uses: HTTP/2, scp/sftp, LDAP, RTMP, Kerberos, brotli/zstd
// decoding, cookie domains, international host names.
//
// scripts/package.sh links Debian's libcurl.a into the binary (with Debian's
// shared libssl, libcrypto and zlib) instead of loading libcurl.so.4, whose
// 26 libraries (gnutls, nettle, gmp, ldap, sasl2, krb5, rtmp, ssh2, ...)
// took most of a cold start's CPU: mapping them and looking up their symbols.
// Each of those libraries is replaced by this file's definitions, linked
// only into the deployment zip's binary (never into the debug build, where
// they would shadow the real libraries libcurl.so loads).
//
// None of them is reachable: the HTTP client asks for HTTP/1.1, offers no
// Accept-Encoding, keeps no cookies, uses no Negotiate authentication and
// allows only the http and https schemes (CURLOPT_PROTOCOLS_STR). Should one
// be called all the same, it says which and aborts: a loud crash, never a
// wrong answer. The few that curl does call (libssh2_init from
// curl_global_init) or that it lets fail cleanly (a decoder that cannot be
// created, no IDN conversion) are written out below.
#include <stdlib.h>
#include <unistd.h>

static __attribute__((noreturn, cold)) void unlinked(const char *name) {
    static const char prefix[] = "rotator: libcurl called ";
    static const char suffix[] = ", from a library the deployment zip leaves out (scripts/curl_unused.c)\n";
    size_t length = 0;
    while (name[length] != '\0') length++;
    (void)!write(2, prefix, sizeof prefix - 1);
    (void)!write(2, name, length);
    (void)!write(2, suffix, sizeof suffix - 1);
    abort();
}

#define UNLINKED(name) \
    void name(void); \
    void name(void) { unlinked(#name); }

// curl_global_init starts libssh2 (and curl_global_cleanup stops it): both
// succeed and do nothing, as scp and sftp are never allowed.
int libssh2_init(int flags);
int libssh2_init(int flags) { (void)flags; return 0; }
void libssh2_exit(void);
void libssh2_exit(void) {}

// No IDN library: curl leaves a non-ASCII host name as it is, which then
// fails to resolve (CURLE_COULDNT_RESOLVE_HOST), a clean error.
const char *idn2_check_version(const char *version);
const char *idn2_check_version(const char *version) { (void)version; return NULL; }
int idn2_lookup_ul(const char *src, char **lookupname, int flags);
int idn2_lookup_ul(const char *src, char **lookupname, int flags) {
    (void)src; (void)flags;
    *lookupname = NULL;
    return -1;
}
void idn2_free(void *pointer);
void idn2_free(void *pointer) { free(pointer); }

// Decoders that cannot be created: curl fails the transfer with an error.
void *BrotliDecoderCreateInstance(void *alloc, void *release, void *opaque);
void *BrotliDecoderCreateInstance(void *alloc, void *release, void *opaque) {
    (void)alloc; (void)release; (void)opaque;
    return NULL;
}
void *ZSTD_createDStream(void);
void *ZSTD_createDStream(void) { return NULL; }

// No public suffix list: cookies would be checked without one (none are kept).
const void *psl_builtin(void);
const void *psl_builtin(void) { return NULL; }
const void *psl_latest(const char *fname);
const void *psl_latest(const char *fname) { (void)fname; return NULL; }

// GSS-API's name type, a data symbol; read only by Negotiate authentication.
void *GSS_C_NT_HOSTBASED_SERVICE = NULL;

// libssh2 (scp://, sftp://)
UNLINKED(libssh2_agent_connect)
UNLINKED(libssh2_agent_disconnect)
UNLINKED(libssh2_agent_free)
UNLINKED(libssh2_agent_get_identity)
UNLINKED(libssh2_agent_init)
UNLINKED(libssh2_agent_list_identities)
UNLINKED(libssh2_agent_userauth)
UNLINKED(libssh2_channel_free)
UNLINKED(libssh2_channel_read_ex)
UNLINKED(libssh2_channel_send_eof)
UNLINKED(libssh2_channel_wait_closed)
UNLINKED(libssh2_channel_wait_eof)
UNLINKED(libssh2_channel_write_ex)
UNLINKED(libssh2_hostkey_hash)
UNLINKED(libssh2_knownhost_add)
UNLINKED(libssh2_knownhost_checkp)
UNLINKED(libssh2_knownhost_del)
UNLINKED(libssh2_knownhost_free)
UNLINKED(libssh2_knownhost_get)
UNLINKED(libssh2_knownhost_init)
UNLINKED(libssh2_knownhost_readfile)
UNLINKED(libssh2_knownhost_writefile)
UNLINKED(libssh2_scp_recv2)
UNLINKED(libssh2_scp_send64)
UNLINKED(libssh2_session_abstract)
UNLINKED(libssh2_session_block_directions)
UNLINKED(libssh2_session_callback_set)
UNLINKED(libssh2_session_disconnect_ex)
UNLINKED(libssh2_session_flag)
UNLINKED(libssh2_session_free)
UNLINKED(libssh2_session_handshake)
UNLINKED(libssh2_session_hostkey)
UNLINKED(libssh2_session_init_ex)
UNLINKED(libssh2_session_last_errno)
UNLINKED(libssh2_session_last_error)
UNLINKED(libssh2_session_method_pref)
UNLINKED(libssh2_session_set_blocking)
UNLINKED(libssh2_sftp_close_handle)
UNLINKED(libssh2_sftp_init)
UNLINKED(libssh2_sftp_last_error)
UNLINKED(libssh2_sftp_mkdir_ex)
UNLINKED(libssh2_sftp_open_ex)
UNLINKED(libssh2_sftp_read)
UNLINKED(libssh2_sftp_readdir_ex)
UNLINKED(libssh2_sftp_rename_ex)
UNLINKED(libssh2_sftp_rmdir_ex)
UNLINKED(libssh2_sftp_seek64)
UNLINKED(libssh2_sftp_shutdown)
UNLINKED(libssh2_sftp_stat_ex)
UNLINKED(libssh2_sftp_statvfs)
UNLINKED(libssh2_sftp_symlink_ex)
UNLINKED(libssh2_sftp_unlink_ex)
UNLINKED(libssh2_sftp_write)
UNLINKED(libssh2_userauth_authenticated)
UNLINKED(libssh2_userauth_keyboard_interactive_ex)
UNLINKED(libssh2_userauth_list)
UNLINKED(libssh2_userauth_password_ex)
UNLINKED(libssh2_userauth_publickey_fromfile_ex)
UNLINKED(libssh2_version)
// nghttp2 (HTTP/2)
UNLINKED(nghttp2_http2_strerror)
UNLINKED(nghttp2_is_fatal)
UNLINKED(nghttp2_option_del)
UNLINKED(nghttp2_option_new)
UNLINKED(nghttp2_option_set_no_rfc9113_leading_and_trailing_ws_validation)
UNLINKED(nghttp2_pack_settings_payload)
UNLINKED(nghttp2_priority_spec_init)
UNLINKED(nghttp2_session_callbacks_del)
UNLINKED(nghttp2_session_callbacks_new)
UNLINKED(nghttp2_session_callbacks_set_error_callback)
UNLINKED(nghttp2_session_callbacks_set_on_begin_headers_callback)
UNLINKED(nghttp2_session_callbacks_set_on_data_chunk_recv_callback)
UNLINKED(nghttp2_session_callbacks_set_on_frame_recv_callback)
UNLINKED(nghttp2_session_callbacks_set_on_header_callback)
UNLINKED(nghttp2_session_callbacks_set_on_stream_close_callback)
UNLINKED(nghttp2_session_callbacks_set_send_callback)
UNLINKED(nghttp2_session_check_request_allowed)
UNLINKED(nghttp2_session_client_new2)
UNLINKED(nghttp2_session_del)
UNLINKED(nghttp2_session_get_remote_settings)
UNLINKED(nghttp2_session_get_remote_window_size)
UNLINKED(nghttp2_session_get_stream_remote_window_size)
UNLINKED(nghttp2_session_get_stream_user_data)
UNLINKED(nghttp2_session_mem_recv)
UNLINKED(nghttp2_session_resume_data)
UNLINKED(nghttp2_session_send)
UNLINKED(nghttp2_session_set_local_window_size)
UNLINKED(nghttp2_session_set_stream_user_data)
UNLINKED(nghttp2_session_upgrade2)
UNLINKED(nghttp2_session_want_read)
UNLINKED(nghttp2_session_want_write)
UNLINKED(nghttp2_strerror)
UNLINKED(nghttp2_submit_ping)
UNLINKED(nghttp2_submit_priority)
UNLINKED(nghttp2_submit_request)
UNLINKED(nghttp2_submit_rst_stream)
UNLINKED(nghttp2_submit_settings)
UNLINKED(nghttp2_version)
// OpenLDAP (ldap://)
UNLINKED(ldap_abandon_ext)
UNLINKED(ldap_err2string)
UNLINKED(ldap_free_urldesc)
UNLINKED(ldap_get_attribute_ber)
UNLINKED(ldap_get_dn_ber)
UNLINKED(ldap_get_option)
UNLINKED(ldap_init_fd)
UNLINKED(ldap_memfree)
UNLINKED(ldap_msgfree)
UNLINKED(ldap_msgtype)
UNLINKED(ldap_parse_result)
UNLINKED(ldap_parse_sasl_bind_result)
UNLINKED(ldap_pvt_url_scheme2proto)
UNLINKED(ldap_result)
UNLINKED(ldap_sasl_bind)
UNLINKED(ldap_search_ext)
UNLINKED(ldap_set_option)
UNLINKED(ldap_start_tls)
UNLINKED(ldap_unbind_ext)
UNLINKED(ldap_url_parse)
// OpenLDAP lber (ldap://)
UNLINKED(ber_bvfree)
UNLINKED(ber_free)
UNLINKED(ber_memfree)
UNLINKED(ber_sockbuf_add_io)
// librtmp (rtmp://)
UNLINKED(RTMP_Alloc)
UNLINKED(RTMP_Close)
UNLINKED(RTMP_Connect1)
UNLINKED(RTMP_ConnectStream)
UNLINKED(RTMP_Free)
UNLINKED(RTMP_Init)
UNLINKED(RTMP_Read)
UNLINKED(RTMP_SetBufferMS)
UNLINKED(RTMP_SetupURL)
UNLINKED(RTMP_Write)
// GSS-API / Kerberos (Negotiate auth)
UNLINKED(gss_delete_sec_context)
UNLINKED(gss_display_name)
UNLINKED(gss_display_status)
UNLINKED(gss_import_name)
UNLINKED(gss_init_sec_context)
UNLINKED(gss_inquire_context)
UNLINKED(gss_release_buffer)
UNLINKED(gss_release_name)
UNLINKED(gss_unwrap)
UNLINKED(gss_wrap)
// brotli (Content-Encoding: br)
UNLINKED(BrotliDecoderDecompressStream)
UNLINKED(BrotliDecoderDestroyInstance)
UNLINKED(BrotliDecoderGetErrorCode)
// zstd (Content-Encoding: zstd)
UNLINKED(ZSTD_decompressStream)
UNLINKED(ZSTD_freeDStream)
UNLINKED(ZSTD_isError)
// libpsl (cookie domains)
UNLINKED(psl_free)
UNLINKED(psl_is_cookie_domain_acceptable)
// libidn2 (international host names)
