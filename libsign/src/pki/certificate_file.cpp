// Certificate files as CAs publish them: PEM bundles, single DER certificates, and PKCS#7
// certificate bundles (.p7b, "PKCS7" PEM; often BER). A trust store built from a national list
// holds certificates xsign cannot use (other algorithms, damaged entries): those are skipped
// by name, so that one bad entry does not take the whole store down.
#include "pki/certificate_file.hpp"

#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>

namespace sign::detail {
namespace {

constexpr std::string_view kSignedDataOid = "1.2.840.113549.1.7.2";
constexpr std::string_view kGmSignedDataOid = "1.2.156.10197.6.1.4.2.2";

// The certificates [0] of a ContentInfo(SignedData), or nullopt when `der` is not one.
std::optional<std::vector<Bytes>> bundle_certificates(const Bytes& der) {
  const auto src = memory_source(der);
  const DerNode ci = read_ber_node(*src, 0, src->size());
  if (ci.tag != 0x30) return std::nullopt;
  const auto parts = der_children(*src, ci);
  if (parts.size() != 2 || parts[0].tag != 0x06) return std::nullopt;
  const std::string type = oid_from_der(der_bytes(*src, parts[0]));
  if (type != kSignedDataOid && type != kGmSignedDataOid) return std::nullopt;
  const auto sd = der_children(*src, der_child(*src, parts[1], 0));
  std::vector<Bytes> out;
  for (std::size_t i = 3; i < sd.size(); ++i)
    if (sd[i].tag == 0xa0) {
      for (const auto& c : der_children(*src, sd[i]))
        if (c.tag == 0x30) out.push_back(ber_to_der(der_bytes(*src, c)));
      break;
    }
  return out;
}

}  // namespace

std::vector<Certificate> certificates_in_file(const std::string& path, std::vector<std::string>* skipped, bool strict) {
  std::vector<Bytes> objects;
  try {
    objects = read_der_objects(path, {"CERTIFICATE", "PKCS7", "CMS"});
  } catch (const FormatError& e) {
    if (strict) throw;
    skipped->push_back(std::string(e.what()) + " (file skipped)");
    return {};
  }
  std::vector<Certificate> out;
  std::size_t index = 0;
  auto take = [&](const Bytes& der) {
    ++index;
    try {
      out.push_back(Certificate::from_der(der));
    } catch (const FormatError& e) {
      if (strict) throw FormatError("certificate " + std::to_string(index) + ": " + e.what());
      skipped->push_back(path + ": certificate " + std::to_string(index) + " skipped: " + e.what());
    }
  };
  for (const auto& object : objects) {
    std::optional<std::vector<Bytes>> bundle;
    try {
      bundle = bundle_certificates(object);
    } catch (const FormatError&) {
      // Not a bundle: read as a certificate below, which says what is wrong with it.
    }
    if (bundle) {
      for (const auto& der : *bundle) take(der);
    } else {
      take(object);
    }
  }
  return out;
}

std::vector<Certificate> certificates_in_bytes(const Bytes& data, const std::string& what, std::vector<std::string>& skipped) {
  std::vector<Bytes> objects;
  if (looks_like_pem(data)) {
    const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    objects = pem_blocks_labelled(text, {"CERTIFICATE", "PKCS7", "CMS"});
  } else {
    objects.push_back(data);
  }
  std::vector<Certificate> out;
  for (const auto& object : objects) {
    std::optional<std::vector<Bytes>> bundle;
    try {
      bundle = bundle_certificates(object);
    } catch (const FormatError&) {
    }
    for (const auto& der : bundle ? *bundle : std::vector<Bytes>{object}) {
      try {
        out.push_back(Certificate::from_der(der));
      } catch (const FormatError& e) {
        skipped.push_back(what + ": a certificate was skipped: " + e.what());
      }
    }
  }
  return out;
}

}  // namespace sign::detail
