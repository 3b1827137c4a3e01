/* The C interface of libsign: sign, co-sign and verify for programs in any language (the
 * Python package uses it through ctypes). In the style of Botan's ffi.h:
 *   - every function returns SIGN_OK (0) or a negative SIGN_ERROR_* code;
 *   - the message of the last failure on the calling thread is sign_last_error();
 *   - objects are opaque handles, created by the library and released with their _free
 *     function; strings handed out stay valid until their handle is freed;
 *   - no C++ type and no exception crosses this interface.
 * Threads: every function may be called from any thread; distinct handles may be used
 * concurrently; one handle must not be freed while another thread uses it. Key references are
 * file paths (PKCS#8, PEM or DER, encrypted or not). */
#ifndef SIGN_SIGN_H
#define SIGN_SIGN_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SIGN_C_API __attribute__((visibility("default")))
#else
#define SIGN_C_API
#endif

enum {
  SIGN_OK = 0,
  SIGN_ERROR_NULL_ARGUMENT = -1, /* a required argument was NULL */
  SIGN_ERROR_USAGE = -2,         /* an argument does not fit (unknown option, missing document, ...) */
  SIGN_ERROR_FORMAT = -3,        /* malformed input: key, certificate, policy, signature to co-sign */
  SIGN_ERROR_PASSPHRASE = -4,    /* missing or wrong passphrase */
  SIGN_ERROR_NO_INPUT = -5,      /* a file does not exist or cannot be opened */
  SIGN_ERROR_IO = -6,            /* reading or writing failed; a network peer failed */
  SIGN_ERROR_SIGNER = -7,        /* a key outside the process (PKCS#11 token, ext: command) failed */
  SIGN_ERROR_INTERNAL = -99      /* a bug: please report it */
};

/* Verdicts (ETSI EN 319 102-1), returned by sign_report_indication. */
enum { SIGN_TOTAL_PASSED = 0, SIGN_TOTAL_FAILED = 1, SIGN_INDETERMINATE = 2 };

/* The message of the last failed call on this thread ("" if none). Valid until the next call
 * on this thread. */
SIGN_C_API const char* sign_last_error(void);

/* The library version, e.g. "0.1.0". */
SIGN_C_API const char* sign_version(void);

/* Signs `document` (a file) into `signature_out` (detached unless `attached` is non-zero).
 * `key` is a key file, a "pkcs11:" URI or "ext:COMMAND" (docs/keys.md); `passphrase` (the
 * token PIN for a pkcs11: key) may be NULL for an unencrypted key, `chain` NULL for none, `tsa_url` NULL for
 * level B (else a signature time-stamp is added: level T). */
SIGN_C_API int sign_sign_file(const char* document, const char* key, const char* passphrase, const char* certificate,
                              const char* chain, const char* signature_out, int attached, const char* tsa_url);

/* Adds a signature to an existing .p7s, in place. `document` may be NULL for an attached one. */
SIGN_C_API int sign_cosign_file(const char* signature, const char* document, const char* key,
                                const char* passphrase, const char* certificate, const char* chain);

/* A verification report. */
typedef struct sign_report_st sign_report_t;

/* Verifies `signature` over `document` (NULL when attached) trusting only `trust` (a trust
 * directory or PEM bundle); `policy` may be NULL. On SIGN_OK, *report receives a handle to
 * release with sign_report_free. A forged or malformed signature is a report, not an error. */
SIGN_C_API int sign_verify_file(const char* document, const char* signature, const char* trust, const char* policy,
                                sign_report_t** report);

/* SIGN_TOTAL_PASSED, SIGN_TOTAL_FAILED or SIGN_INDETERMINATE (-1 for NULL). */
SIGN_C_API int sign_report_indication(const sign_report_t* report);

/* The report as JSON (schema in docs/verify.md) / as text for people. Owned by the report. */
SIGN_C_API const char* sign_report_json(const sign_report_t* report);
SIGN_C_API const char* sign_report_text(const sign_report_t* report);

/* Releases a report (NULL is allowed). */
SIGN_C_API void sign_report_free(sign_report_t* report);

#ifdef __cplusplus
}
#endif

#endif /* SIGN_SIGN_H */
