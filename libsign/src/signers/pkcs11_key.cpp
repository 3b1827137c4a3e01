// PKCS#11 keys: RFC 7512 URIs (parsed by p11-kit), listing, generation on the token, signing.
// Mechanisms: CKM_ECDSA (P-256), CKM_GOSTR3410 (GOST 256), the TC26 vendor CKM_GOSTR3410_512
// (GOST 512); SM2 mechanisms are vendor-defined and configured (docs/keys.md).
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/signers.hpp>

#include "crypto/key_impl.hpp"
#include "signers/pkcs11_module.hpp"
#include "support/lazy_library.hpp"

#include <p11-kit/uri.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <random>

namespace sign {
namespace {

// p11-kit (for PKCS#11 URIs), opened on the first token key rather than linked
// (support/lazy_library.hpp): it and libffi are not loaded by commands that use no token.
const detail::LazyLibrary& p11_kit() {
  static const detail::LazyLibrary library(XSIGN_P11KIT_SONAME, "libp11-kit0", "PKCS#11 keys");
  return library;
}
#define P11_KIT_CALL(fn) LAZY_CALL(::sign::p11_kit(), fn)

using namespace detail;

constexpr std::string_view kStreebog256Oid = "1.2.643.7.1.1.2.2";
constexpr std::string_view kStreebog512Oid = "1.2.643.7.1.1.2.3";

// SM2 has no PKCS#11 standard mechanism; each Chinese vendor defines its own values.
struct Sm2Mechanisms {
  std::optional<CK_MECHANISM_TYPE> sign, keygen;
  std::optional<CK_KEY_TYPE> key_type;
  bool token_hashes = false;  // mode=message: the token computes SM3(Z || M) (ID as parameter)
};

// Vendor presets, from the vendors' published PKCS#11 headers (docs/keys.md): the mechanism
// that signs a digest e = SM3(Z || M), so that xsign computes Z with the signature's own ID.
std::string sm2_preset(const std::string& name) {
  if (name == "sansec") return "sign=0x80008104,mode=digest,keygen=0x80008001,keytype=0x80000004";  // swpkcs11.h: CKM_SM2_SIGN
  if (name == "ibm") return "sign=0x8005000B,mode=digest,keygen=0x8005000A,keytype=0x80050002";     // CKM_IBM_SM2
  return name;
}

Sm2Mechanisms parse_sm2_mechanisms(std::string spec) {
  if (spec.empty()) {
    if (const char* env = std::getenv("XSIGN_PKCS11_SM2")) spec = env;
  }
  spec = sm2_preset(spec);
  Sm2Mechanisms m;
  std::size_t pos = 0;
  while (pos < spec.size()) {
    const auto comma = std::min(spec.find(',', pos), spec.size());
    const std::string item = spec.substr(pos, comma - pos);
    pos = comma + 1;
    const auto eq = item.find('=');
    if (eq == std::string::npos) throw UsageError("SM2 PKCS#11 mechanisms: '" + item + "' is not NAME=VALUE");
    const std::string name = item.substr(0, eq), value = item.substr(eq + 1);
    if (name == "mode") {
      if (value != "digest" && value != "message") throw UsageError("SM2 PKCS#11 mode must be digest or message");
      m.token_hashes = value == "message";
      continue;
    }
    char* end = nullptr;
    const unsigned long number = std::strtoul(value.c_str(), &end, 0);
    if (value.empty() || *end) throw UsageError("SM2 PKCS#11 mechanisms: " + name + "=" + value + " is not a number");
    if (name == "sign") m.sign = number;
    else if (name == "keygen") m.keygen = number;
    else if (name == "keytype") m.key_type = number;
    else throw UsageError("SM2 PKCS#11 mechanisms: unknown item '" + name + "' (sign, mode, keygen, keytype)");
  }
  return m;
}

// ---------------------------------------------------------------------------- URIs

struct UriDeleter {
  void operator()(P11KitUri* u) const { P11_KIT_CALL(p11_kit_uri_free)(u); }
};
using UriPtr = std::unique_ptr<P11KitUri, UriDeleter>;

struct ParsedUri {
  UriPtr uri;
  std::string text;
  std::string module_path;
  std::optional<std::string> pin;  // from pin-value or pin-source
  std::optional<std::string> label;
  std::optional<Bytes> id;
  bool names_object = false;
};

ParsedUri parse_uri(const std::string& text, const Pkcs11Options& options) {
  ParsedUri p;
  p.text = text;
  p.uri.reset(P11_KIT_CALL(p11_kit_uri_new)());
  const int rc = P11_KIT_CALL(p11_kit_uri_parse)(text.c_str(), P11_KIT_URI_FOR_ANY, p.uri.get());
  if (rc != P11_KIT_URI_OK)
    throw UsageError("not a PKCS#11 URI (RFC 7512): '" + printable_text(text) + "': " + P11_KIT_CALL(p11_kit_uri_message)(rc));
  if (P11_KIT_CALL(p11_kit_uri_any_unrecognized)(p.uri.get()))
    throw UsageError("PKCS#11 URI '" + printable_text(text) + "' has attributes xsign does not know; use token, manufacturer, "
                     "serial, model, object, id, type, pin-source, pin-value, module-path");
  if (const char* m = P11_KIT_CALL(p11_kit_uri_get_module_path)(p.uri.get())) p.module_path = m;
  if (p.module_path.empty()) p.module_path = options.module;
  if (p.module_path.empty())
    if (const char* env = std::getenv("XSIGN_PKCS11_MODULE")) p.module_path = env;
  if (const char* v = P11_KIT_CALL(p11_kit_uri_get_pin_value)(p.uri.get())) p.pin = v;
  if (const char* src = P11_KIT_CALL(p11_kit_uri_get_pin_source)(p.uri.get())) {
    std::string path = src;
    if (path.rfind("file:", 0) == 0) path = path.substr(5);
    std::string pin = read_text_file(path, 4096);
    pin = pin.substr(0, pin.find_first_of("\r\n"));
    if (pin.empty()) throw PassphraseError("pin-source " + path + " is empty");
    p.pin = pin;
  }
  if (auto* a = P11_KIT_CALL(p11_kit_uri_get_attribute)(p.uri.get(), CKA_LABEL)) {
    p.label = std::string(static_cast<const char*>(a->pValue), a->ulValueLen);
    p.names_object = true;
  }
  if (auto* a = P11_KIT_CALL(p11_kit_uri_get_attribute)(p.uri.get(), CKA_ID)) {
    const auto* b = static_cast<const std::uint8_t*>(a->pValue);
    p.id = Bytes(b, b + a->ulValueLen);
    p.names_object = true;
  }
  if (auto* a = P11_KIT_CALL(p11_kit_uri_get_attribute)(p.uri.get(), CKA_CLASS)) {
    if (a->ulValueLen == sizeof(CK_OBJECT_CLASS) && *static_cast<CK_OBJECT_CLASS*>(a->pValue) != CKO_PRIVATE_KEY)
      throw UsageError("the PKCS#11 URI names a " + std::string("non-private-key object") + "; use type=private or leave type out");
  }
  return p;
}

std::string format_uri(const CK_TOKEN_INFO& token, const std::string& label, ByteView id, const std::string& module_path) {
  UriPtr u(P11_KIT_CALL(p11_kit_uri_new)());
  *P11_KIT_CALL(p11_kit_uri_get_token_info)(u.get()) = token;
  if (!label.empty()) {
    CK_ATTRIBUTE a{CKA_LABEL, const_cast<char*>(label.data()), label.size()};
    P11_KIT_CALL(p11_kit_uri_set_attribute)(u.get(), &a);
  }
  if (!id.empty()) {
    CK_ATTRIBUTE a{CKA_ID, const_cast<std::uint8_t*>(id.data()), id.size()};
    P11_KIT_CALL(p11_kit_uri_set_attribute)(u.get(), &a);
  }
  if (!label.empty() || !id.empty()) {
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE a{CKA_CLASS, &cls, sizeof cls};
    P11_KIT_CALL(p11_kit_uri_set_attribute)(u.get(), &a);
  }
  if (!module_path.empty()) P11_KIT_CALL(p11_kit_uri_set_module_path)(u.get(), module_path.c_str());
  char* out = nullptr;
  if (P11_KIT_CALL(p11_kit_uri_format)(u.get(), P11_KIT_URI_FOR_ANY, &out) != P11_KIT_URI_OK || !out)
    throw InternalError("p11-kit could not format a URI");
  std::string s = out;
  std::free(out);
  return s;
}

struct TokenMatch {
  CK_SLOT_ID slot;
  CK_TOKEN_INFO info;
};

std::vector<TokenMatch> matching_tokens(const Pkcs11Module& module, const ParsedUri& uri) {
  std::vector<TokenMatch> out;
  for (CK_SLOT_ID slot : module.slots_with_token()) {
    CK_TOKEN_INFO info = module.token_info(slot);
    if (P11_KIT_CALL(p11_kit_uri_match_token_info)(uri.uri.get(), &info)) out.push_back({slot, info});
  }
  return out;
}

// ----------------------------------------------------------------------- key objects

std::vector<CK_ATTRIBUTE> object_filter(CK_OBJECT_CLASS& cls, const std::optional<std::string>& label,
                                        const std::optional<Bytes>& id) {
  std::vector<CK_ATTRIBUTE> f{{CKA_CLASS, &cls, sizeof cls}};
  if (label) f.push_back({CKA_LABEL, const_cast<char*>(label->data()), label->size()});
  if (id) f.push_back({CKA_ID, const_cast<std::uint8_t*>(id->data()), id->size()});
  return f;
}

std::string oid_of_params(const Bytes& der) {
  try {
    return oid_from_der(der);
  } catch (const Error&) {
    return {};
  }
}

// A public point as SEC1 04||X||Y from CKA_EC_POINT (a DER OCTET STRING, or bare in old modules).
Bytes ec_point(const Bytes& attr) {
  if (!attr.empty() && attr[0] == 0x04 && attr.size() > 2) {
    // DER OCTET STRING: tag 04, length, then 04||X||Y — or a bare point that starts with 04.
    const auto src = memory_source(attr);
    try {
      const auto node = read_der_node(*src, 0, attr.size());
      if (node.tag == 0x04 && node.end() == attr.size()) {
        Bytes inner = der_content(*src, node);
        if (!inner.empty() && inner[0] == 0x04) return inner;
      }
    } catch (const Error&) {
    }
    return attr;
  }
  throw FormatError("CKA_EC_POINT is not an uncompressed point");
}

// GOST CKA_VALUE: X and Y little-endian, concatenated (PKCS#11 v2.40 §2.x, as in the SPKI).
Bytes gost_point(const Bytes& value) {
  const std::size_t n = value.size() / 2;
  Bytes p{0x04};
  p.insert(p.end(), value.rend() - n, value.rend());
  p.insert(p.end(), value.rbegin(), value.rbegin() + n);
  return p;
}

struct KeyFacts {
  std::optional<Suite> suite;
  std::optional<PublicKey> public_key;
};

KeyFacts key_facts(const Pkcs11Session& s, CK_OBJECT_HANDLE priv, const Sm2Mechanisms& sm2) {
  KeyFacts facts;
  const auto type = s.ulong_attribute(priv, CKA_KEY_TYPE);
  const auto id = s.attribute(priv, CKA_ID);
  const auto label = s.attribute(priv, CKA_LABEL);
  // The public half: the public key object with the same id (or label), else CKA_PUBLIC_KEY_INFO.
  CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
  std::vector<CK_OBJECT_HANDLE> pubs;
  if (id && !id->empty()) pubs = s.find(object_filter(cls, std::nullopt, id));
  if (pubs.empty() && label && !label->empty())
    pubs = s.find(object_filter(cls, std::string(label->begin(), label->end()), std::nullopt));
  try {
    if (!pubs.empty() && type) {
      const bool gost = *type == CKK_GOSTR3410 || *type == kCkkGostR3410_512;
      if (gost) {
        const auto params = s.attribute(pubs.front(), CKA_GOSTR3410_PARAMS);
        const auto value = s.attribute(pubs.front(), CKA_VALUE);
        const CurveDef* curve = params ? find_curve(oid_of_params(*params)) : nullptr;
        if (curve && value) facts.public_key = PublicKey(decode_spki(encode_spki(*curve, gost_point(*value))));
      } else if (*type == CKK_EC || (sm2.key_type && *type == *sm2.key_type)) {
        const auto params = s.attribute(pubs.front(), CKA_EC_PARAMS);
        const auto point = s.attribute(pubs.front(), CKA_EC_POINT);
        const CurveDef* curve = params ? find_curve(oid_of_params(*params)) : nullptr;
        if (curve && point) facts.public_key = PublicKey(decode_spki(encode_spki(*curve, ec_point(*point))));
      }
    }
    if (!facts.public_key)
      if (const auto spki = s.attribute(priv, CKA_PUBLIC_KEY_INFO); spki && !spki->empty())
        facts.public_key = PublicKey::from_der(*spki);
  } catch (const FormatError&) {
    // a key on a curve xsign does not sign with: listed without a suite
  }
  if (facts.public_key) facts.suite = facts.public_key->suite();
  return facts;
}

std::string text_of(const std::optional<Bytes>& b) { return b ? std::string(b->begin(), b->end()) : std::string(); }

// ---------------------------------------------------------------------------- signer

struct Mechanism {
  CK_MECHANISM_TYPE type;
  Signer::Input input;
  bool id_parameter = false;  // SM2 with the token hashing: the distinguishing ID is the parameter
};

std::string mechanism_name(CK_MECHANISM_TYPE m) {
  if (m == CKM_ECDSA) return "CKM_ECDSA";
  if (m == CKM_GOSTR3410) return "CKM_GOSTR3410";
  if (m == kCkmGostR3410_512) return "CKM_GOSTR3410_512 (TC26)";
  char buf[40];
  std::snprintf(buf, sizeof buf, "vendor mechanism 0x%lX", static_cast<unsigned long>(m));
  return buf;
}

Mechanism mechanism_for(Suite suite, const Sm2Mechanisms& sm2) {
  switch (suite) {
    case Suite::p256: return {CKM_ECDSA, Signer::Input::digest};
    case Suite::gost256: return {CKM_GOSTR3410, Signer::Input::digest};
    case Suite::gost512: return {kCkmGostR3410_512, Signer::Input::digest};
    case Suite::sm2:
      if (!sm2.sign)
        throw UsageError("SM2 on PKCS#11 uses vendor mechanisms: give them with --pkcs11-sm2 'sign=0x...,mode=digest' "
                         "or XSIGN_PKCS11_SM2 (values from the token vendor's pkcs11 header; docs/keys.md)");
      return {*sm2.sign, sm2.token_hashes ? Signer::Input::message : Signer::Input::digest, sm2.token_hashes};
    default: throw UsageError(std::string(suite_name(suite)) + " keys cannot sign");
  }
}

class Pkcs11Signer final : public Signer {
 public:
  Pkcs11Signer(std::unique_ptr<Pkcs11Session> session, CK_OBJECT_HANDLE key, PublicKey pub, Mechanism mech,
               std::string description, std::string reference)
      : session_(std::move(session)), key_(key), public_(std::move(pub)), mech_(mech),
        description_(std::move(description)), reference_(std::move(reference)) {}

  Suite suite() const override { return public_.suite(); }
  PublicKey public_key() const override { return public_; }
  Input input() const override { return mech_.input; }
  std::string_view backend() const override { return "pkcs11"; }
  std::string description() const override { return description_; }
  std::string reference() const override { return reference_; }

  Bytes sign(ByteView tbs, const SignOptions& options) const override {
    // One operation at a time per session (PKCS#11 §5.6); the lock makes a shared key safe.
    std::lock_guard lock(mutex_);
    auto* f = session_->module().functions();
    std::string id = options.sm2_id;
    CK_MECHANISM m{mech_.type, nullptr, 0};
    if (mech_.id_parameter) m = {mech_.type, id.data(), id.size()};
    Bytes data(tbs.begin(), tbs.end());
    session_->module().check(f->C_SignInit(session_->handle(), &m, key_), "C_SignInit with " + mechanism_name(mech_.type));
    CK_ULONG len = 0;
    session_->module().check(f->C_Sign(session_->handle(), data.data(), data.size(), nullptr, &len), "C_Sign");
    Bytes sig(len);
    session_->module().check(f->C_Sign(session_->handle(), data.data(), data.size(), sig.data(), &len), "C_Sign");
    sig.resize(len);
    return sig;
  }

 private:
  std::unique_ptr<Pkcs11Session> session_;
  CK_OBJECT_HANDLE key_;
  PublicKey public_;
  Mechanism mech_;
  std::string description_, reference_;
  mutable std::mutex mutex_;
};

std::string describe(const CK_TOKEN_INFO& token, const std::string& label, ByteView id) {
  std::string d = "PKCS#11 token '" + printable_text(token_text(token.label, sizeof token.label)) + "' key";
  if (!label.empty()) d += " '" + printable_text(label) + "'";
  if (!id.empty()) d += " id " + to_hex(id);
  return d;
}

}  // namespace

// ------------------------------------------------------------------------- public API

std::vector<Pkcs11Token> pkcs11_tokens(const Pkcs11Options& options) {
  const ParsedUri uri = parse_uri("pkcs11:", options);
  auto module = Pkcs11Module::load(uri.module_path);
  const Sm2Mechanisms sm2 = parse_sm2_mechanisms(options.sm2_mechanisms);
  std::vector<Pkcs11Token> out;
  for (const auto& [slot, info] : matching_tokens(*module, uri)) {
    Pkcs11Token t;
    t.slot = slot;
    t.label = token_text(info.label, sizeof info.label);
    t.manufacturer = token_text(info.manufacturerID, sizeof info.manufacturerID);
    t.model = token_text(info.model, sizeof info.model);
    t.serial = token_text(info.serialNumber, sizeof info.serialNumber);
    t.login_required = info.flags & CKF_LOGIN_REQUIRED;
    t.initialized = info.flags & CKF_TOKEN_INITIALIZED;
    t.uri = format_uri(info, {}, {}, {});
    const auto mechs = module->mechanisms(slot);
    auto has = [&](CK_MECHANISM_TYPE m) { return std::find(mechs.begin(), mechs.end(), m) != mechs.end(); };
    if (sm2.sign && has(*sm2.sign)) t.signing_suites.push_back("sm2");
    if (has(CKM_GOSTR3410)) t.signing_suites.push_back("gost256");
    if (has(kCkmGostR3410_512)) t.signing_suites.push_back("gost512");
    if (has(CKM_ECDSA)) t.signing_suites.push_back("p256");
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<Pkcs11KeyInfo> pkcs11_keys(const std::string& uri_text, const Pkcs11Options& options) {
  const ParsedUri uri = parse_uri(uri_text.empty() ? "pkcs11:" : uri_text, options);
  auto module = Pkcs11Module::load(uri.module_path);
  const Sm2Mechanisms sm2 = parse_sm2_mechanisms(options.sm2_mechanisms);
  std::vector<Pkcs11KeyInfo> out;
  for (const auto& [slot, info] : matching_tokens(*module, uri)) {
    if (!(info.flags & CKF_TOKEN_INITIALIZED)) continue;
    Pkcs11Session s(module, slot, false);
    s.login(info, uri.pin, options.pin);
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    for (CK_OBJECT_HANDLE h : s.find(object_filter(cls, uri.label, uri.id))) {
      Pkcs11KeyInfo k;
      k.token_label = token_text(info.label, sizeof info.label);
      k.label = text_of(s.attribute(h, CKA_LABEL));
      const Bytes id = s.attribute(h, CKA_ID).value_or(Bytes{});
      k.id_hex = to_hex(id);
      const KeyFacts facts = key_facts(s, h, sm2);
      k.suite = facts.suite;
      k.public_key = facts.public_key;
      k.sensitive = s.bool_attribute(h, CKA_SENSITIVE).value_or(false);
      k.extractable = s.bool_attribute(h, CKA_EXTRACTABLE).value_or(true);
      k.uri = format_uri(info, k.label, id, {});
      out.push_back(std::move(k));
    }
  }
  return out;
}

std::shared_ptr<const Signer> open_pkcs11_key(const std::string& uri_text, const Pkcs11Options& options) {
  const ParsedUri uri = parse_uri(uri_text, options);
  if (!uri.names_object) throw UsageError("the PKCS#11 URI must name a key (object=LABEL or id=%..); see `xsign key list`");
  auto module = Pkcs11Module::load(uri.module_path);
  const Sm2Mechanisms sm2 = parse_sm2_mechanisms(options.sm2_mechanisms);
  const auto tokens = matching_tokens(*module, uri);
  if (tokens.empty()) throw NoInputError("no token matches " + printable_text(uri_text) + " in " + module->path());
  std::vector<std::pair<const TokenMatch*, CK_OBJECT_HANDLE>> found;
  std::unique_ptr<Pkcs11Session> chosen;
  for (const auto& t : tokens) {
    auto s = std::make_unique<Pkcs11Session>(module, t.slot, false);
    s->login(t.info, uri.pin, options.pin);
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    const auto handles = s->find(object_filter(cls, uri.label, uri.id));
    for (auto h : handles) found.emplace_back(&t, h);
    if (!handles.empty()) chosen = std::move(s);
  }
  if (found.empty()) throw NoInputError("no private key matches " + printable_text(uri_text) + " (see `xsign key list`)");
  if (found.size() > 1)
    throw UsageError(std::to_string(found.size()) + " private keys match " + printable_text(uri_text) +
                     "; add id= or token= to choose one (see `xsign key list`)");
  const auto& [token, handle] = found.front();
  const KeyFacts facts = key_facts(*chosen, handle, sm2);
  if (!facts.public_key)
    throw FormatError("the token holds no public key xsign can read for " + printable_text(uri_text) +
                      " (no public key object with the same id, no CKA_PUBLIC_KEY_INFO), or it is on a curve xsign does not sign with");
  const Mechanism mech = mechanism_for(*facts.suite, sm2);
  const auto mechs = module->mechanisms(token->slot);
  if (std::find(mechs.begin(), mechs.end(), mech.type) == mechs.end())
    throw UsageError("token '" + token_text(token->info.label, sizeof token->info.label) + "' does not offer " +
                     mechanism_name(mech.type) + " for " + std::string(suite_name(*facts.suite)) + " signatures");
  const std::string label = text_of(chosen->attribute(handle, CKA_LABEL));
  const Bytes id = chosen->attribute(handle, CKA_ID).value_or(Bytes{});
  return std::make_shared<Pkcs11Signer>(std::move(chosen), handle, *facts.public_key, mech,
                                        describe(token->info, label, id), format_uri(token->info, label, id, module->path()));
}

Pkcs11KeyInfo pkcs11_generate_key(const std::string& uri_text, Suite suite, const Pkcs11Options& options,
                                  std::string_view curve_oid) {
  const ParsedUri uri = parse_uri(uri_text, options);
  if (!uri.label) throw UsageError("name the new key with object=LABEL in the URI, e.g. 'pkcs11:token=CA;object=issuing-2026'");
  auto module = Pkcs11Module::load(uri.module_path);
  const Sm2Mechanisms sm2 = parse_sm2_mechanisms(options.sm2_mechanisms);
  const auto tokens = matching_tokens(*module, uri);
  if (tokens.size() != 1)
    throw UsageError(std::to_string(tokens.size()) + " tokens match " + printable_text(uri_text) + "; name one with token=LABEL");
  const auto& token = tokens.front();
  if (suite_info(suite).verify_only) throw UsageError(std::string(suite_name(suite)) + " is for verification only");
  const std::string_view oid_text = curve_oid.empty() ? suite_info(suite).default_curve_oid : curve_oid;
  const CurveDef* curve = find_curve(oid_text);
  if (!curve || curve->info.suite != suite || curve->info.test_only)
    throw UsageError("parameter set " + std::string(oid_text) + " is not one of suite " + std::string(suite_name(suite)) + "'s");

  Pkcs11Session s(module, token.slot, true);
  s.login(token.info, uri.pin, options.pin);
  Bytes id = uri.id.value_or(Bytes{});
  if (id.empty()) {
    std::random_device rd;
    for (int i = 0; i < 16; ++i) id.push_back(static_cast<std::uint8_t>(rd()));
  }
  for (CK_OBJECT_CLASS cls : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY}) {
    CK_OBJECT_CLASS c = cls;
    if (!s.find(object_filter(c, uri.label, std::nullopt)).empty() || !s.find(object_filter(c, std::nullopt, id)).empty())
      throw UsageError("token '" + token_text(token.info.label, sizeof token.info.label) + "' has a key labelled '" +
                       printable_text(*uri.label) + "' or with that id already; choose another object= (keys are never replaced)");
  }

  const Bytes curve_params = oid_der(curve->info.oid);
  const Bytes digest_params = oid_der(suite == Suite::gost512 ? kStreebog512Oid : kStreebog256Oid);
  CK_MECHANISM mech{};
  CK_KEY_TYPE key_type = CKK_EC;
  std::vector<CK_ATTRIBUTE> pub_extra;
  switch (suite) {
    case Suite::p256:
      mech.mechanism = CKM_EC_KEY_PAIR_GEN;
      pub_extra.push_back({CKA_EC_PARAMS, const_cast<std::uint8_t*>(curve_params.data()), curve_params.size()});
      break;
    case Suite::sm2:
      if (!sm2.keygen)
        throw UsageError("SM2 key generation on PKCS#11 is vendor-defined: give keygen=0x... (and keytype=0x...) with "
                         "--pkcs11-sm2 or XSIGN_PKCS11_SM2 (docs/keys.md)");
      mech.mechanism = *sm2.keygen;
      key_type = sm2.key_type.value_or(CKK_EC);
      pub_extra.push_back({CKA_EC_PARAMS, const_cast<std::uint8_t*>(curve_params.data()), curve_params.size()});
      break;
    case Suite::gost256:
    case Suite::gost512:
      mech.mechanism = suite == Suite::gost256 ? CKM_GOSTR3410_KEY_PAIR_GEN : kCkmGostR3410_512_KeyPairGen;
      key_type = suite == Suite::gost256 ? CKK_GOSTR3410 : kCkkGostR3410_512;
      pub_extra.push_back({CKA_GOSTR3410_PARAMS, const_cast<std::uint8_t*>(curve_params.data()), curve_params.size()});
      pub_extra.push_back({CKA_GOSTR3411_PARAMS, const_cast<std::uint8_t*>(digest_params.data()), digest_params.size()});
      break;
    default: throw UsageError("no key generation for " + std::string(suite_name(suite)));
  }
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  std::string label = *uri.label;
  std::vector<CK_ATTRIBUTE> pub_t{{CKA_TOKEN, &yes, 1}, {CKA_VERIFY, &yes, 1}, {CKA_PRIVATE, &no, 1},
                                  {CKA_LABEL, label.data(), label.size()}, {CKA_ID, id.data(), id.size()},
                                  {CKA_KEY_TYPE, &key_type, sizeof key_type}};
  pub_t.insert(pub_t.end(), pub_extra.begin(), pub_extra.end());
  std::vector<CK_ATTRIBUTE> priv_t{{CKA_TOKEN, &yes, 1},     {CKA_PRIVATE, &yes, 1},
                                   {CKA_SENSITIVE, &yes, 1}, {CKA_EXTRACTABLE, &no, 1},
                                   {CKA_SIGN, &yes, 1},      {CKA_LABEL, label.data(), label.size()},
                                   {CKA_ID, id.data(), id.size()}, {CKA_KEY_TYPE, &key_type, sizeof key_type}};
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  module->check(module->functions()->C_GenerateKeyPair(s.handle(), &mech, pub_t.data(), pub_t.size(), priv_t.data(),
                                                       priv_t.size(), &pub, &priv),
                "C_GenerateKeyPair (" + std::string(suite_name(suite)) + ")");
  // A token that ignored the template gets its new key destroyed rather than trusted.
  if (s.bool_attribute(priv, CKA_EXTRACTABLE).value_or(true) || !s.bool_attribute(priv, CKA_SENSITIVE).value_or(false)) {
    module->functions()->C_DestroyObject(s.handle(), priv);
    module->functions()->C_DestroyObject(s.handle(), pub);
    throw SignerError("the token made the key extractable or not sensitive despite the request; the key was destroyed");
  }
  Pkcs11KeyInfo k;
  k.token_label = token_text(token.info.label, sizeof token.info.label);
  k.label = label;
  k.id_hex = to_hex(id);
  const KeyFacts facts = key_facts(s, priv, sm2);
  k.suite = facts.suite;
  k.public_key = facts.public_key;
  k.sensitive = true;
  k.extractable = false;
  k.uri = format_uri(token.info, label, id, {});
  return k;
}

}  // namespace sign
