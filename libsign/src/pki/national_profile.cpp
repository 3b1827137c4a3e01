// National qualified-certificate profiles: the Russian one of FSB order No. 795 and the
// Chinese GM/T 0015 private extensions. Values are read leniently (a Chinese TSA certificate
// carries raw ASCII where GM/T 0015 has a string type): they are shown, never trusted for a
// decision other than "present or not".
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/pki.hpp>

#include "pki/certificate_impl.hpp"

#include <algorithm>

namespace sign {
namespace {

// Contents of a DER string TLV, or nullopt when the bytes are not one.
std::optional<std::string> der_string(ByteView value) {
  try {
    const auto src = memory_source(Bytes(value.begin(), value.end()));
    const DerNode n = read_der_node(*src, 0, src->size());
    if (n.end() != src->size()) return std::nullopt;
    switch (n.tag) {
      case 0x0c: case 0x12: case 0x13: case 0x14: case 0x16: case 0x1a: {
        const Bytes b = der_content(*src, n);
        return std::string(b.begin(), b.end());
      }
      default: return std::nullopt;
    }
  } catch (const FormatError&) {
    return std::nullopt;
  }
}

// A value as text: a DER string's contents, raw printable ASCII as it is, anything else in hex.
std::string shown(const Bytes& value) {
  if (auto s = der_string(value)) return printable_text(*s);
  if (!value.empty() && std::all_of(value.begin(), value.end(), [](std::uint8_t c) { return c >= 0x20 && c < 0x7f; }))
    return std::string(value.begin(), value.end());
  return to_hex(value);
}

// issuerSignTool ::= SEQUENCE { signTool, cATool, signToolCert, cAToolCert UTF8String }
std::string issuer_sign_tool(const Bytes& value) {
  try {
    const auto src = memory_source(value);
    std::string out;
    for (const auto& part : der_children(*src, read_der_node(*src, 0, src->size()))) {
      const auto s = der_string(der_bytes(*src, part));
      out += (out.empty() ? "" : "; ") + (s ? printable_text(*s) : to_hex(der_bytes(*src, part)));
    }
    return out;
  } catch (const FormatError&) {
    return shown(value);
  }
}

constexpr std::pair<std::string_view, std::string_view> kClasses[] = {
    {"1.2.643.100.113.1", "KC1"}, {"1.2.643.100.113.2", "KC2"}, {"1.2.643.100.113.3", "KC3"},
    {"1.2.643.100.113.4", "KV1"}, {"1.2.643.100.113.5", "KV2"}, {"1.2.643.100.113.6", "KA1"},
};

constexpr std::pair<std::string_view, std::string_view> kGmt0015[] = {
    {"1.2.156.10260.4.1.1", "IdentifyCode"},         {"1.2.156.10260.4.1.2", "InsuranceNumber"},
    {"1.2.156.10260.4.1.3", "ICRegistrationNumber"}, {"1.2.156.10260.4.1.4", "OrganizationCode"},
    {"1.2.156.10260.4.1.5", "TaxationNumber"},
};

std::string classes_of(const Certificate& cert) {
  std::string out;
  const auto policies = cert.policies();  // a copy: one vector for both iterators
  for (const auto& [oid, name] : kClasses)
    if (std::find(policies.begin(), policies.end(), oid) != policies.end())
      out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

std::vector<ProfileField> read_profile_fields(const Certificate& cert) {
  std::vector<ProfileField> out;
  if (auto v = cert.extension("1.2.643.100.111")) out.push_back({"subjectSignTool", shown(*v)});
  if (auto v = cert.extension("1.2.643.100.112")) out.push_back({"issuerSignTool", issuer_sign_tool(*v)});
  if (auto c = classes_of(cert); !c.empty()) out.push_back({"class", c});
  for (const auto& [oid, name] : kGmt0015)
    if (auto v = cert.extension(oid)) out.push_back({std::string(name), shown(*v)});
  return out;
}

}  // namespace

std::vector<ProfileField> profile_fields(const Certificate& cert) {
  // Every report shows the signer's fields: read once per certificate and kept with it.
  const auto& impl = *cert.impl_;
  std::call_once(impl.profile_once, [&] { impl.profile = read_profile_fields(cert); });
  return impl.profile;
}

std::vector<std::string> missing_ru_qualified_fields(const Certificate& cert) {
  std::vector<std::string> missing;
  if (!cert.extension("1.2.643.100.111")) missing.push_back("subjectSignTool (1.2.643.100.111)");
  if (!cert.extension("1.2.643.100.112")) missing.push_back("issuerSignTool (1.2.643.100.112)");
  if (classes_of(cert).empty()) missing.push_back("a KC1/KC2/KC3 class policy (1.2.643.100.113.x)");
  const auto& s = cert.subject();
  const bool snils = !s.get("1.2.643.100.3").empty(), ogrn = !s.get("1.2.643.100.1").empty(),
             ogrnip = !s.get("1.2.643.100.5").empty();
  const bool inn = !s.get("1.2.643.3.131.1.1").empty() || !s.get("1.2.643.100.4").empty();
  if (!snils && !ogrn && !ogrnip) missing.push_back("the subject's SNILS, OGRN or OGRNIP");
  if (ogrn && !inn) missing.push_back("the organisation's INNLE (or INN) beside its OGRN");
  if (s.get("2.5.4.3").empty()) missing.push_back("the subject's commonName");
  return missing;
}

}  // namespace sign
