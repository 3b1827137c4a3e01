// Internal: one loaded PKCS#11 module (dlopen + C_GetFunctionList + C_Initialize), shared by
// every key that uses it, and sessions on its tokens.
#pragma once

#include <sign/crypto.hpp>

#include <p11-kit/pkcs11.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sign::detail {

// TC26 vendor values (Технический комитет 26, "PKCS#11 extensions for GOST R 34.10-2012"),
// used by Rutoken, JaCarta and the CryptoPro PKCS#11 module; 256-bit GOST uses PKCS#11's own.
inline constexpr CK_ULONG kVendorRuTeam = 0xD4321000UL;
inline constexpr CK_KEY_TYPE kCkkGostR3410_512 = kVendorRuTeam | 0x003;
inline constexpr CK_MECHANISM_TYPE kCkmGostR3410_512_KeyPairGen = kVendorRuTeam | 0x005;
inline constexpr CK_MECHANISM_TYPE kCkmGostR3410_512 = kVendorRuTeam | 0x006;
inline constexpr CK_MECHANISM_TYPE kCkmGostR3410WithGostR3411_12_256 = kVendorRuTeam | 0x008;
inline constexpr CK_MECHANISM_TYPE kCkmGostR3410WithGostR3411_12_512 = kVendorRuTeam | 0x009;

/// Name of a return value ("CKR_PIN_INCORRECT"), or its number in hex.
std::string ckr_name(CK_RV rv);

class Pkcs11Module {
 public:
  /// The module at `path`, loaded and initialized once per process while anything uses it.
  static std::shared_ptr<Pkcs11Module> load(const std::string& path);
  ~Pkcs11Module();
  Pkcs11Module(const Pkcs11Module&) = delete;
  Pkcs11Module& operator=(const Pkcs11Module&) = delete;

  CK_FUNCTION_LIST* functions() const { return f_; }
  const std::string& path() const { return path_; }
  /// Throws SignerError "PKCS#11 WHAT failed: CKR_..." unless rv is CKR_OK.
  void check(CK_RV rv, const std::string& what) const;
  std::vector<CK_SLOT_ID> slots_with_token() const;
  CK_TOKEN_INFO token_info(CK_SLOT_ID slot) const;
  std::vector<CK_MECHANISM_TYPE> mechanisms(CK_SLOT_ID slot) const;

 private:
  Pkcs11Module() = default;
  std::string path_;
  void* handle_ = nullptr;
  CK_FUNCTION_LIST* f_ = nullptr;
};

/// A token's space-padded text field, trimmed.
std::string token_text(const unsigned char* field, std::size_t size);

class Pkcs11Session {
 public:
  Pkcs11Session(std::shared_ptr<Pkcs11Module> module, CK_SLOT_ID slot, bool read_write);
  ~Pkcs11Session();
  Pkcs11Session(const Pkcs11Session&) = delete;
  Pkcs11Session& operator=(const Pkcs11Session&) = delete;

  /// Logs the user in when the token needs it (a PIN pad when it has one); the PIN comes
  /// from `pin` (asked at most once).
  void login(const CK_TOKEN_INFO& token, const std::optional<std::string>& pin_value, const PassphraseProvider& pin);
  std::vector<CK_OBJECT_HANDLE> find(std::vector<CK_ATTRIBUTE> filter) const;
  /// An attribute's value; nullopt when absent or sensitive.
  std::optional<Bytes> attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) const;
  std::optional<CK_ULONG> ulong_attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) const;
  std::optional<bool> bool_attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) const;
  /// The raw return value of C_GetAttributeValue for one attribute (tests of sensitivity).
  CK_RV probe_attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) const;

  CK_SESSION_HANDLE handle() const { return session_; }
  const Pkcs11Module& module() const { return *module_; }

 private:
  std::shared_ptr<Pkcs11Module> module_;
  CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;
};

}  // namespace sign::detail
