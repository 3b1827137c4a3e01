// Parsed certificates. Botan parses the structure for every suite; the public key goes
// through our crypto module (Botan misreads SM2 and GOST-256 keys), and name constraints are
// read from the raw extension so that directory names keep their exact bytes.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/pki.hpp>

#include "io/file_context.hpp"
#include "pki/certificate_file.hpp"
#include "pki/certificate_impl.hpp"
#include "pki/extensions.hpp"
#include "pki/signature.hpp"

#include <algorithm>
#include <mutex>
#include <set>
#include <unordered_map>

namespace sign {

namespace {

// Certificates are parsed here with the asn1 module's strict DER reader rather than Botan's
// X509_Certificate: Botan checks self-signed certificates' signatures while parsing (it
// cannot for SM2, and its GOST group handling grows memory on every parse of a GOST root).

[[noreturn]] void bad(const std::string& what) { throw FormatError("malformed certificate: " + what); }

void expect(const DerNode& n, std::uint8_t tag, const char* what) {
  if (n.tag != tag) bad(std::string(what) + " has the wrong type");
}

// Each parser gets the extension's extnValue contents.
unsigned small_unsigned(const ByteSource& src, const DerNode& n, const char* what);

void parse_basic_constraints(const ByteSource& src, const DerNode& seq, Certificate::Impl& impl) {
  expect(seq, 0x30, "basicConstraints");
  for (const auto& f : der_children(src, seq)) {
    const Bytes v = der_content(src, f);
    if (f.tag == 0x01) {
      if (v.size() != 1) bad("basicConstraints cA is not a BOOLEAN");
      impl.is_ca = v[0] != 0;
    } else if (f.tag == 0x02) {
      impl.path_len = small_unsigned(src, f, "pathLenConstraint");
    } else {
      bad("unexpected field in basicConstraints");
    }
  }
  if (!impl.is_ca) impl.path_len.reset();
}

void parse_key_usage(const Bytes& bits, Certificate::Impl& impl) {
  if (bits.empty()) bad("empty keyUsage");
  unsigned usage = 0;
  for (std::size_t i = 1; i < bits.size() && i < 3; ++i)
    for (int b = 0; b < 8; ++b)
      if (bits[i] & (0x80 >> b)) usage |= 1u << ((i - 1) * 8 + static_cast<std::size_t>(b));
  impl.key_usage = usage;
}

void parse_oid_list(const ByteSource& src, const DerNode& seq, std::vector<std::string>& out, bool policies) {
  expect(seq, 0x30, policies ? "certificatePolicies" : "extendedKeyUsage");
  for (const auto& f : der_children(src, seq)) {
    if (policies) {
      expect(f, 0x30, "PolicyInformation");
      const auto parts = der_children(src, f);
      if (parts.empty()) bad("empty PolicyInformation");
      const std::string id = oid_from_der(der_bytes(src, parts[0]));
      // RFC 5280 §4.2.1.4: a policy OID appears at most once.
      if (std::find(out.begin(), out.end(), id) != out.end()) bad("certificate policy " + id + " listed twice");
      out.push_back(id);
    } else {
      out.push_back(oid_from_der(der_bytes(src, f)));
    }
  }
}

// A small non-negative INTEGER (SkipCerts and pathLenConstraint).
unsigned small_unsigned(const ByteSource& src, const DerNode& n, const char* what) {
  const Bytes v = der_content(src, n);
  if (v.empty() || v.size() > 4 || (v[0] & 0x80)) bad(std::string(what) + " is not a small non-negative integer");
  unsigned out = 0;
  for (auto b : v) out = (out << 8) | b;
  return out;
}

// PolicyMappings ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE { issuerDomainPolicy, subjectDomainPolicy }
void parse_policy_mappings(const ByteSource& src, const DerNode& seq, Certificate::Impl& impl) {
  expect(seq, 0x30, "policyMappings");
  for (const auto& m : der_children(src, seq)) {
    expect(m, 0x30, "PolicyMapping");
    const auto parts = der_children(src, m);
    if (parts.size() != 2) bad("a policy mapping has two policies");
    impl.policy_mappings.push_back({oid_from_der(der_bytes(src, parts[0])), oid_from_der(der_bytes(src, parts[1]))});
  }
  if (impl.policy_mappings.empty()) bad("empty policyMappings");
}

// PolicyConstraints ::= SEQUENCE { requireExplicitPolicy [0] SkipCerts OPTIONAL, inhibitPolicyMapping [1] ... }
void parse_policy_constraints(const ByteSource& src, const DerNode& seq, Certificate::Impl& impl) {
  expect(seq, 0x30, "policyConstraints");
  const auto parts = der_children(src, seq);
  if (parts.empty()) bad("empty policyConstraints");  // RFC 5280 §4.2.1.11: MUST NOT be empty
  for (const auto& f : parts) {
    if (f.tag == 0x80) impl.require_explicit_policy = small_unsigned(src, f, "requireExplicitPolicy");
    else if (f.tag == 0x81) impl.inhibit_policy_mapping = small_unsigned(src, f, "inhibitPolicyMapping");
    else bad("unexpected field in policyConstraints");
  }
}

void parse_aia(const ByteSource& src, const DerNode& seq, Certificate::Impl& impl) {
  for (const auto& ad : der_children(src, seq)) {
    const auto parts = der_children(src, ad);
    if (parts.size() != 2) continue;
    const std::string method = oid_from_der(der_bytes(src, parts[0]));
    if (parts[1].tag != 0x86) continue;  // uniformResourceIdentifier only
    const Bytes uri = der_content(src, parts[1]);
    if (method == "1.3.6.1.5.5.7.48.1") impl.ocsp_urls.emplace_back(uri.begin(), uri.end());
    if (method == "1.3.6.1.5.5.7.48.2") impl.ca_issuers_urls.emplace_back(uri.begin(), uri.end());
  }
}

void read_subtrees(const ByteSource& src, const DerNode& list, std::vector<DistinguishedName>& out, bool& unprocessed) {
  for (const auto& subtree : der_children(src, list)) {
    const auto parts = der_children(src, subtree);
    if (parts.empty()) bad("empty GeneralSubtree");
    // Only directoryName [4] is meaningful for our profiles; other name forms are noted so that
    // a critical nameConstraints we cannot enforce fails closed (RFC 5280 §4.2.1.10).
    if (parts[0].tag == 0xa4) {
      const auto inner = der_children(src, parts[0]);
      if (inner.size() != 1) bad("directoryName subtree must hold one Name");
      out.push_back(DistinguishedName::from_der(der_bytes(src, inner[0])));
    } else {
      unprocessed = true;
    }
  }
}

void parse_name_constraints(const ByteSource& src, const DerNode& seq, Certificate::Impl& impl) {
  for (const auto& f : der_children(src, seq)) {
    if (f.tag == 0xa0) read_subtrees(src, f, impl.permitted, impl.name_constraints_unprocessed);
    else if (f.tag == 0xa1) read_subtrees(src, f, impl.excluded, impl.name_constraints_unprocessed);
  }
}

// CRLDistributionPoints: the URIs of every fullName.
void parse_crl_distribution_points(const ByteSource& src, const DerNode& seq, Certificate::Impl& impl) {
  for (auto& uri : detail::distribution_point_uris(src, seq)) impl.crl_urls.push_back(std::move(uri));
}

// Extensions this module reads, or whose meaning it may safely ignore when critical
// (subjectAltName / issuerAltName only name; the Russian sign-tool extensions only describe).
bool understood(const std::string& oid) {
  static const std::set<std::string, std::less<>> kKnown = {
      "2.5.29.19", "2.5.29.15", "2.5.29.37", "2.5.29.32", "2.5.29.14", "2.5.29.35", "2.5.29.31",
      "1.3.6.1.5.5.7.1.1", "2.5.29.30", "2.5.29.33", "2.5.29.36", "2.5.29.54", "2.5.29.17", "2.5.29.18",
      "1.3.6.1.5.5.7.48.1.5", "1.2.643.100.111", "1.2.643.100.112",
  };
  return kKnown.count(oid) != 0;
}

// Parses the value of an extension we understand. Extensions we do not know are never parsed
// (real CA certificates carry non-DER values in private extensions); if one is critical, path
// validation refuses the certificate.
void parse_extension(const std::string& oid, const Bytes& value, Certificate::Impl& impl) {
  if (oid == "1.2.643.100.111" || oid == "1.2.643.100.112" || oid == "2.5.29.17" || oid == "2.5.29.18" ||
      oid == "1.3.6.1.5.5.7.48.1.5")
    return;  // descriptive: read on demand by whoever shows them
  const auto src = memory_source(value);
  const DerNode root = read_der_node(*src, 0, src->size());
  if (root.end() != src->size()) bad("trailing bytes in extension " + oid);
  if (oid == "2.5.29.19") parse_basic_constraints(*src, root, impl);
  else if (oid == "2.5.29.15") {
    expect(root, 0x03, "keyUsage");
    parse_key_usage(der_content(*src, root), impl);
  } else if (oid == "2.5.29.37") parse_oid_list(*src, root, impl.eku, false);
  else if (oid == "2.5.29.32") {
    parse_oid_list(*src, root, impl.policies, true);
    impl.has_policies = true;
  } else if (oid == "2.5.29.14") {
    expect(root, 0x04, "subjectKeyIdentifier");
    impl.ski = der_content(*src, root);
  } else if (oid == "2.5.29.35") {
    expect(root, 0x30, "authorityKeyIdentifier");
    for (const auto& f : der_children(*src, root))
      if (f.tag == 0x80) impl.aki = der_content(*src, f);
  } else if (oid == "2.5.29.31") parse_crl_distribution_points(*src, root, impl);
  else if (oid == "1.3.6.1.5.5.7.1.1") parse_aia(*src, root, impl);
  else if (oid == "2.5.29.30") parse_name_constraints(*src, root, impl);
  else if (oid == "2.5.29.33") parse_policy_mappings(*src, root, impl);
  else if (oid == "2.5.29.36") parse_policy_constraints(*src, root, impl);
  else if (oid == "2.5.29.54") {
    expect(root, 0x02, "inhibitAnyPolicy");
    impl.inhibit_any_policy = small_unsigned(*src, root, "inhibitAnyPolicy");
  }
}

// The contents of a constructed node that must not be empty (an empty SEQUENCE where a field is
// required is a format error, never an out-of-range access).
std::vector<DerNode> non_empty_children(const ByteSource& src, const DerNode& n, const char* what) {
  auto out = der_children(src, n);
  if (out.empty()) bad(std::string("empty ") + what);
  return out;
}

std::shared_ptr<const Certificate::Impl> parse(ByteView der) {
  auto impl = std::make_shared<Certificate::Impl>();
  impl->der.assign(der.begin(), der.end());
  const auto src = memory_source(impl->der);
  const DerNode root = read_der_node(*src, 0, src->size());
  if (root.end() != src->size()) bad("trailing bytes after the certificate");
  expect(root, 0x30, "Certificate");
  const auto top = der_children(*src, root);
  if (top.size() != 3) bad("a certificate has three parts");
  expect(top[0], 0x30, "TBSCertificate");
  impl->tbs = der_bytes(*src, top[0]);
  expect(top[1], 0x30, "signatureAlgorithm");
  impl->sig_alg_oid = oid_from_der(der_bytes(*src, der_child(*src, top[1], 0)));
  expect(top[2], 0x03, "signature");
  impl->signature = der_content(*src, top[2]);
  if (impl->signature.empty() || impl->signature[0] != 0) bad("signature BIT STRING with unused bits");
  impl->signature.erase(impl->signature.begin());

  const auto f = der_children(*src, top[0]);
  std::size_t i = 0;
  if (i < f.size() && f[i].tag == 0xa0) ++i;  // version
  if (f.size() < i + 6) bad("TBSCertificate is too short");
  expect(f[i], 0x02, "serialNumber");
  impl->serial = der_content(*src, f[i]);
  while (impl->serial.size() > 1 && impl->serial[0] == 0) impl->serial.erase(impl->serial.begin());
  expect(f[i + 1], 0x30, "signature algorithm (TBS)");
  // RFC 5280 §4.1.1.2: the outer signatureAlgorithm MUST equal the signature field of the TBS,
  // which is the one the signature covers.
  if (der_bytes(*src, f[i + 1]) != der_bytes(*src, top[1]))
    bad("the signature algorithm outside the TBSCertificate differs from the one inside it");
  impl->issuer = DistinguishedName::from_der(der_bytes(*src, f[i + 2]));
  expect(f[i + 3], 0x30, "validity");
  const auto validity = der_children(*src, f[i + 3]);
  if (validity.size() != 2) bad("validity must have two times");
  impl->not_before = decode_der_time(der_bytes(*src, validity[0]));
  impl->not_after = decode_der_time(der_bytes(*src, validity[1]));
  impl->subject = DistinguishedName::from_der(der_bytes(*src, f[i + 4]));
  impl->public_key = PublicKey::from_der(der_bytes(*src, f[i + 5]));
  for (std::size_t k = i + 6; k < f.size(); ++k) {
    if (f[k].tag != 0xa3) continue;  // issuer/subject unique IDs are ignored
    const auto wrapper = non_empty_children(*src, f[k], "extensions [3]");
    if (wrapper.size() != 1) bad("extensions [3] must hold one SEQUENCE");
    for (const auto& ext : detail::read_extensions(*src, wrapper[0], "certificate")) {
      impl->extensions.emplace_back(ext.oid, ext.value);
      if (!understood(ext.oid)) {
        if (ext.critical) impl->unknown_critical.push_back(ext.oid);
        continue;
      }
      parse_extension(ext.oid, ext.value, *impl);
      if (ext.oid == "2.5.29.30" && ext.critical && impl->name_constraints_unprocessed)
        impl->unknown_critical.push_back(ext.oid + " (name forms other than directoryName)");
    }
  }
  return impl;
}

}  // namespace

Certificate::Certificate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Certificate Certificate::from_der(ByteView der) {
  // The same CA and signer certificates arrive with every document a verifier or a server
  // handles; parsed certificates are immutable, so they are shared (bounded cache).
  static std::mutex mutex;
  // Never destroyed on purpose: parsed keys hold Botan objects, whose allocator is torn down
  // at exit before our statics would be.
  static auto& cache = *new std::unordered_map<std::string, std::shared_ptr<const Impl>>;
  constexpr std::size_t kMaxEntries = 4096;
  // Keyed by the DER itself: hashing it with std::hash and comparing it on a hit costs a
  // fraction of the SHA-256 a digest key would (which was most of a cached parse).
  const std::string key(reinterpret_cast<const char*>(der.data()), der.size());
  {
    std::lock_guard lock(mutex);
    if (const auto it = cache.find(key); it != cache.end()) return Certificate(it->second);
  }
  auto impl = parse(der);
  std::lock_guard lock(mutex);
  if (cache.size() >= kMaxEntries) cache.clear();
  cache.emplace(key, impl);
  return Certificate(std::move(impl));
}

Certificate Certificate::from_pem(std::string_view pem) {
  return from_der(pem_blocks_labelled(pem, {"CERTIFICATE"}).front());
}

std::vector<Certificate> Certificate::load_all(const std::string& path) {
  std::vector<std::string> skipped;
  auto out = detail::with_file_context(path, [&] { return detail::certificates_in_file(path, &skipped, true); });
  return out;
}

std::vector<Certificate> Certificate::load_usable(const std::string& path, std::vector<std::string>& skipped) {
  return detail::certificates_in_file(path, &skipped, false);
}

Certificate Certificate::load(const std::string& path) {
  auto all = load_all(path);
  if (all.empty()) throw FormatError(path + ": holds no certificate");
  return all.front();
}

const Bytes& Certificate::der() const { return impl_->der; }
std::optional<Bytes> Certificate::extension(std::string_view oid) const {
  for (const auto& [id, value] : impl_->extensions)
    if (id == oid) return value;
  return std::nullopt;
}
std::string Certificate::pem() const { return pem_encode(impl_->der, "CERTIFICATE"); }
const DistinguishedName& Certificate::subject() const { return impl_->subject; }
const DistinguishedName& Certificate::issuer() const { return impl_->issuer; }
const Bytes& Certificate::serial() const { return impl_->serial; }
std::string Certificate::serial_hex() const {
  std::call_once(impl_->serial_hex_once, [&] { impl_->serial_hex = to_hex(impl_->serial); });
  return impl_->serial_hex;
}
TimePoint Certificate::not_before() const { return impl_->not_before; }
TimePoint Certificate::not_after() const { return impl_->not_after; }
const PublicKey& Certificate::public_key() const { return *impl_->public_key; }
std::optional<Suite> Certificate::signature_suite() const {
  return detail::suite_for_signature_oid(impl_->sig_alg_oid);
}
std::string Certificate::signature_algorithm_oid() const { return impl_->sig_alg_oid; }
bool Certificate::is_ca() const { return impl_->is_ca; }
std::optional<unsigned> Certificate::path_len() const { return impl_->path_len; }
std::optional<unsigned> Certificate::key_usage() const { return impl_->key_usage; }
std::vector<std::string> Certificate::extended_key_usage() const { return impl_->eku; }
bool Certificate::key_usage_allows_signing() const {
  return !impl_->key_usage || (*impl_->key_usage & (kDigitalSignature | kNonRepudiation)) != 0;
}
bool Certificate::extended_key_usage_allows_documents() const {
  const auto& eku = impl_->eku;
  return eku.empty() || std::any_of(eku.begin(), eku.end(), [](const std::string& e) {
           return e == oids::eku_document_signing || e == oids::eku_email_protection || e == "2.5.29.37.0";
         });
}
std::vector<std::string> Certificate::policies() const { return impl_->policies; }
const Bytes& Certificate::subject_key_id() const { return impl_->ski; }
const Bytes& Certificate::authority_key_id() const { return impl_->aki; }
std::vector<std::string> Certificate::crl_urls() const { return impl_->crl_urls; }
std::vector<std::string> Certificate::ocsp_urls() const { return impl_->ocsp_urls; }
std::vector<std::string> Certificate::ca_issuers_urls() const { return impl_->ca_issuers_urls; }
const std::vector<DistinguishedName>& Certificate::permitted_subtrees() const { return impl_->permitted; }
const std::vector<DistinguishedName>& Certificate::excluded_subtrees() const { return impl_->excluded; }
bool Certificate::has_policies_extension() const { return impl_->has_policies; }
const std::vector<PolicyMapping>& Certificate::policy_mappings() const { return impl_->policy_mappings; }
std::optional<unsigned> Certificate::require_explicit_policy() const { return impl_->require_explicit_policy; }
std::optional<unsigned> Certificate::inhibit_policy_mapping() const { return impl_->inhibit_policy_mapping; }
std::optional<unsigned> Certificate::inhibit_any_policy() const { return impl_->inhibit_any_policy; }
const std::vector<std::string>& Certificate::unknown_critical_extensions() const { return impl_->unknown_critical; }
bool Certificate::is_self_issued() const {
  std::call_once(impl_->self_issued_once, [&] { impl_->self_issued = impl_->subject == impl_->issuer; });
  return impl_->self_issued;
}

std::string Certificate::fingerprint() const {
  std::call_once(impl_->fingerprint_once, [&] { impl_->fingerprint = to_hex(digest(DigestAlgorithm::sha256)); });
  return impl_->fingerprint;
}

const Bytes& Certificate::digest(DigestAlgorithm alg) const {
  std::lock_guard lock(impl_->derived_mutex);
  auto it = impl_->digests.find(alg);
  if (it == impl_->digests.end()) it = impl_->digests.emplace(alg, digest_bytes(alg, impl_->der)).first;
  return it->second;
}

bool Certificate::verify_signature(const PublicKey& issuer_key) const {
  return detail::verify_tbs_cached(issuer_key, impl_->sig_alg_oid, impl_->tbs, impl_->signature);
}

}  // namespace sign
