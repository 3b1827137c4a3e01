// Loading PKCS#11 modules and talking to their tokens.
#include "signers/pkcs11_module.hpp"

#include <sign/error.hpp>

#include <cstring>
#include <map>
#include <mutex>

#include <dlfcn.h>

namespace sign::detail {
namespace {

std::mutex registry_mutex;
std::map<std::string, std::weak_ptr<Pkcs11Module>>& registry() {
  static std::map<std::string, std::weak_ptr<Pkcs11Module>> modules;
  return modules;
}

}  // namespace

std::string ckr_name(CK_RV rv) {
  static const std::map<CK_RV, const char*> names = {
      {CKR_OK, "CKR_OK"},
      {CKR_CANCEL, "CKR_CANCEL"},
      {CKR_HOST_MEMORY, "CKR_HOST_MEMORY"},
      {CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID"},
      {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
      {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"},
      {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"},
      {CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE"},
      {CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID"},
      {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID"},
      {CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE"},
      {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
      {CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED"},
      {CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED"},
      {CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID"},
      {CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT"},
      {CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"},
      {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
      {CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"},
      {CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE"},
      {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
      {CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE"},
      {CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED"},
      {CKR_PIN_LOCKED, "CKR_PIN_LOCKED"},
      {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
      {CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY"},
      {CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE"},
      {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT"},
      {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
      {CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED"},
      {CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED"},
      {CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN"},
      {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
      {CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED"},
      {CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID"},
      {CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL"},
      {CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"},
      {CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED"},
  };
  const auto it = names.find(rv);
  if (it != names.end()) return it->second;
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%lX", static_cast<unsigned long>(rv));
  return buf;
}

std::shared_ptr<Pkcs11Module> Pkcs11Module::load(const std::string& path) {
  if (path.empty())
    throw UsageError("no PKCS#11 module: give --pkcs11-module PATH, module-path= in the URI, or set XSIGN_PKCS11_MODULE");
  std::lock_guard lock(registry_mutex);
  if (auto existing = registry()[path].lock()) return existing;
  std::shared_ptr<Pkcs11Module> m(new Pkcs11Module);
  m->path_ = path;
  m->handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!m->handle_) {
    const char* why = ::dlerror();
    throw NoInputError("cannot load PKCS#11 module " + path + ": " + (why ? why : "unknown reason"));
  }
  using GetFunctionList = CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR);
  auto get = reinterpret_cast<GetFunctionList>(::dlsym(m->handle_, "C_GetFunctionList"));
  if (!get) throw FormatError(path + " is not a PKCS#11 module (no C_GetFunctionList)");
  m->check(get(&m->f_), "C_GetFunctionList");
  // The module makes its own locks: libsign calls it from several threads (xsign serve).
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  const CK_RV rv = m->f_->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    m->f_ = nullptr;  // nothing to finalize
    throw SignerError("PKCS#11 module " + path + " did not initialize: " + ckr_name(rv));
  }
  registry()[path] = m;
  return m;
}

Pkcs11Module::~Pkcs11Module() {
  if (f_) f_->C_Finalize(nullptr);
  if (handle_) ::dlclose(handle_);
}

void Pkcs11Module::check(CK_RV rv, const std::string& what) const {
  if (rv == CKR_OK) return;
  std::string hint;
  if (rv == CKR_PIN_INCORRECT) hint = " (wrong PIN; the token may lock after a few tries)";
  if (rv == CKR_PIN_LOCKED) hint = " (the PIN is locked; unlock it with the token's SO PIN)";
  if (rv == CKR_MECHANISM_INVALID) hint = " (the token does not offer this mechanism; see `xsign key list`)";
  const std::string message = "PKCS#11 " + what + " failed: " + ckr_name(rv) + hint + " [" + path_ + "]";
  if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE) throw PassphraseError(message);
  throw SignerError(message);
}

std::vector<CK_SLOT_ID> Pkcs11Module::slots_with_token() const {
  CK_ULONG n = 0;
  check(f_->C_GetSlotList(CK_TRUE, nullptr, &n), "C_GetSlotList");
  std::vector<CK_SLOT_ID> slots(n);
  if (n) check(f_->C_GetSlotList(CK_TRUE, slots.data(), &n), "C_GetSlotList");
  slots.resize(n);
  return slots;
}

CK_TOKEN_INFO Pkcs11Module::token_info(CK_SLOT_ID slot) const {
  CK_TOKEN_INFO info{};
  check(f_->C_GetTokenInfo(slot, &info), "C_GetTokenInfo");
  return info;
}

std::vector<CK_MECHANISM_TYPE> Pkcs11Module::mechanisms(CK_SLOT_ID slot) const {
  CK_ULONG n = 0;
  check(f_->C_GetMechanismList(slot, nullptr, &n), "C_GetMechanismList");
  std::vector<CK_MECHANISM_TYPE> out(n);
  if (n) check(f_->C_GetMechanismList(slot, out.data(), &n), "C_GetMechanismList");
  out.resize(n);
  return out;
}

std::string token_text(const unsigned char* field, std::size_t size) {
  std::string s(reinterpret_cast<const char*>(field), size);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

Pkcs11Session::Pkcs11Session(std::shared_ptr<Pkcs11Module> module, CK_SLOT_ID slot, bool read_write)
    : module_(std::move(module)) {
  CK_FLAGS flags = CKF_SERIAL_SESSION | (read_write ? CKF_RW_SESSION : 0);
  module_->check(module_->functions()->C_OpenSession(slot, flags, nullptr, nullptr, &session_), "C_OpenSession");
}

Pkcs11Session::~Pkcs11Session() {
  if (session_ != CK_INVALID_HANDLE) module_->functions()->C_CloseSession(session_);
}

void Pkcs11Session::login(const CK_TOKEN_INFO& token, const std::optional<std::string>& pin_value,
                          const PassphraseProvider& pin) {
  if (!(token.flags & CKF_LOGIN_REQUIRED)) return;
  CK_RV rv;
  if (pin_value) {
    std::string p = *pin_value;
    rv = module_->functions()->C_Login(session_, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size());
    std::fill(p.begin(), p.end(), '\0');
  } else if (token.flags & CKF_PROTECTED_AUTHENTICATION_PATH) {
    rv = module_->functions()->C_Login(session_, CKU_USER, nullptr, 0);  // the PIN pad asks
  } else {
    if (!pin)
      throw PassphraseError("token '" + token_text(token.label, sizeof token.label) +
                            "' needs a PIN: give pin-source= in the URI, --pass-file, --pass-fd or --pass-env");
    std::string p = pin();
    rv = module_->functions()->C_Login(session_, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size());
    std::fill(p.begin(), p.end(), '\0');
  }
  if (rv == CKR_USER_ALREADY_LOGGED_IN) return;
  module_->check(rv, "C_Login to token '" + token_text(token.label, sizeof token.label) + "'");
}

std::vector<CK_OBJECT_HANDLE> Pkcs11Session::find(std::vector<CK_ATTRIBUTE> filter) const {
  auto* f = module_->functions();
  module_->check(f->C_FindObjectsInit(session_, filter.data(), filter.size()), "C_FindObjectsInit");
  std::vector<CK_OBJECT_HANDLE> out;
  CK_OBJECT_HANDLE batch[64];
  CK_ULONG n = 0;
  CK_RV rv;
  while ((rv = f->C_FindObjects(session_, batch, 64, &n)) == CKR_OK && n > 0) out.insert(out.end(), batch, batch + n);
  f->C_FindObjectsFinal(session_);
  module_->check(rv, "C_FindObjects");
  return out;
}

CK_RV Pkcs11Session::probe_attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) const {
  CK_ATTRIBUTE a{type, nullptr, 0};
  return module_->functions()->C_GetAttributeValue(session_, object, &a, 1);
}

std::optional<Bytes> Pkcs11Session::attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) const {
  CK_ATTRIBUTE a{type, nullptr, 0};
  if (module_->functions()->C_GetAttributeValue(session_, object, &a, 1) != CKR_OK ||
      a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
    return std::nullopt;
  Bytes value(a.ulValueLen);
  a.pValue = value.data();
  if (module_->functions()->C_GetAttributeValue(session_, object, &a, 1) != CKR_OK) return std::nullopt;
  value.resize(a.ulValueLen);
  return value;
}

std::optional<CK_ULONG> Pkcs11Session::ulong_attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) const {
  CK_ULONG v = 0;
  CK_ATTRIBUTE a{type, &v, sizeof v};
  if (module_->functions()->C_GetAttributeValue(session_, object, &a, 1) != CKR_OK) return std::nullopt;
  return v;
}

std::optional<bool> Pkcs11Session::bool_attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) const {
  CK_BBOOL v = CK_FALSE;
  CK_ATTRIBUTE a{type, &v, sizeof v};
  if (module_->functions()->C_GetAttributeValue(session_, object, &a, 1) != CKR_OK) return std::nullopt;
  return v == CK_TRUE;
}

}  // namespace sign::detail
