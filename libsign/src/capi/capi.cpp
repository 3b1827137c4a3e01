// The C ABI over the facade. Every entry point converts every exception into an error code
// and a thread-local message: nothing C++ crosses the boundary.
#include <sign/error.hpp>
#include <sign/facade.hpp>
#include <sign/sign.h>

#include <new>
#include <string>

struct sign_report_st {
  sign::facade::Verification verification;
};

namespace {

thread_local std::string last_error;

std::string str(const char* s) { return s ? std::string(s) : std::string(); }

template <typename Fn>
int guarded(Fn&& fn) noexcept {
  try {
    last_error.clear();
    fn();
    return SIGN_OK;
  } catch (const sign::PassphraseError& e) {
    last_error = e.what();
    return SIGN_ERROR_PASSPHRASE;
  } catch (const sign::UsageError& e) {
    last_error = e.what();
    return SIGN_ERROR_USAGE;
  } catch (const sign::FormatError& e) {
    last_error = e.what();
    return SIGN_ERROR_FORMAT;
  } catch (const sign::NoInputError& e) {
    last_error = e.what();
    return SIGN_ERROR_NO_INPUT;
  } catch (const sign::IoError& e) {
    last_error = e.what();
    return SIGN_ERROR_IO;
  } catch (const sign::SignerError& e) {
    last_error = e.what();
    return SIGN_ERROR_SIGNER;
  } catch (const std::bad_alloc&) {
    last_error = "out of memory";
    return SIGN_ERROR_INTERNAL;
  } catch (const std::exception& e) {
    last_error = std::string("internal error: ") + e.what();
    return SIGN_ERROR_INTERNAL;
  } catch (...) {
    last_error = "internal error";
    return SIGN_ERROR_INTERNAL;
  }
}

int null_argument(const char* name) {
  last_error = std::string("required argument '") + name + "' is NULL";
  return SIGN_ERROR_NULL_ARGUMENT;
}

sign::facade::SignerRef signer_of(const char* key, const char* passphrase, const char* certificate, const char* chain) {
  sign::facade::SignerRef r;
  r.key = key;
  r.passphrase = str(passphrase);
  r.certificate = certificate;
  r.chain = str(chain);
  return r;
}

}  // namespace

extern "C" {

const char* sign_last_error(void) { return last_error.c_str(); }

const char* sign_version(void) { return XSIGN_VERSION; }

int sign_sign_file(const char* document, const char* key, const char* passphrase, const char* certificate,
                   const char* chain, const char* signature_out, int attached, const char* tsa_url) {
  if (!document) return null_argument("document");
  if (!key) return null_argument("key");
  if (!certificate) return null_argument("certificate");
  if (!signature_out) return null_argument("signature_out");
  return guarded([&] {
    sign::facade::SignSettings s;
    s.attached = attached != 0;
    s.tsa_url = str(tsa_url);
    sign::facade::sign_file(document, signer_of(key, passphrase, certificate, chain), signature_out, s);
  });
}

int sign_cosign_file(const char* signature, const char* document, const char* key, const char* passphrase,
                     const char* certificate, const char* chain) {
  if (!signature) return null_argument("signature");
  if (!key) return null_argument("key");
  if (!certificate) return null_argument("certificate");
  return guarded([&] {
    sign::facade::cosign_file(signature, str(document), signer_of(key, passphrase, certificate, chain));
  });
}

int sign_verify_file(const char* document, const char* signature, const char* trust, const char* policy,
                     sign_report_t** report) {
  if (!signature) return null_argument("signature");
  if (!trust) return null_argument("trust");
  if (!report) return null_argument("report");
  *report = nullptr;
  return guarded([&] {
    sign::facade::VerifySettings s;
    s.trust = trust;
    s.policy = str(policy);
    auto r = std::make_unique<sign_report_st>();
    r->verification = sign::facade::verify_file(str(document), signature, s);
    *report = r.release();
  });
}

int sign_report_indication(const sign_report_t* report) {
  if (!report) return -1;
  switch (report->verification.indication) {
    case sign::Indication::total_passed: return SIGN_TOTAL_PASSED;
    case sign::Indication::total_failed: return SIGN_TOTAL_FAILED;
    case sign::Indication::indeterminate: return SIGN_INDETERMINATE;
  }
  return SIGN_INDETERMINATE;
}

const char* sign_report_json(const sign_report_t* report) { return report ? report->verification.json.c_str() : ""; }

const char* sign_report_text(const sign_report_t* report) { return report ? report->verification.text.c_str() : ""; }

void sign_report_free(sign_report_t* report) { delete report; }

}  // extern "C"
