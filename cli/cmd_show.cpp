// `xsign show FILE`: any PKI object this toolkit deals with, recognised by its content (PEM or
// DER): certificate, CSR, CRL, public key, private key (never its secret), time-stamp token or
// reply, OCSP response, certificate bundle. Algorithm names instead of bare OIDs, national
// identifiers and profile fields by name; `--json` for programs. Signatures (.p7s) are
// `xsign inspect`'s.
#include "commands.hpp"
#include "output.hpp"

#include <sign/asn1.hpp>
#include <sign/cms.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/ocsp.hpp>
#include <sign/pki.hpp>
#include <sign/tsp.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <iostream>

namespace xsign {
namespace {

using json = nlohmann::ordered_json;  // fields in the order a person reads them

std::string algorithm_name(const std::string& oid) {
  for (const auto& s : sign::all_suites()) {
    if (s.signature_oid == oid) return std::string(s.name) + " (" + std::string(s.description) + ")";
  }
  sign::DigestAlgorithm d;
  if (sign::digest_from_oid(oid, d)) return std::string(sign::digest_name(d));
  return oid;
}

json key_json(const sign::PublicKey& k) {
  std::string curve = k.curve_oid();
  try {
    curve = std::string(sign::curve_info(k.curve_oid()).name);
  } catch (const sign::Error&) {
  }
  return {{"suite", sign::suite_name(k.suite())}, {"curve", curve}, {"bits", k.bits()}, {"fingerprint", k.fingerprint()}};
}

std::vector<std::string> key_usage_names(unsigned ku) {
  static const char* names[] = {"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
                                "keyAgreement",     "keyCertSign",    "cRLSign",         "encipherOnly", "decipherOnly"};
  std::vector<std::string> out;
  for (unsigned i = 0; i < 9; ++i)
    if (ku & (1u << i)) out.push_back(names[i]);
  return out;
}

std::string eku_name(const std::string& oid) {
  if (oid == "1.3.6.1.5.5.7.3.36") return "documentSigning";
  if (oid == "1.3.6.1.5.5.7.3.4") return "emailProtection";
  if (oid == "1.3.6.1.5.5.7.3.8") return "timeStamping";
  if (oid == "1.3.6.1.5.5.7.3.9") return "OCSPSigning";
  if (oid == "1.3.6.1.5.5.7.3.2") return "clientAuth";
  if (oid == "1.3.6.1.5.5.7.3.1") return "serverAuth";
  if (oid == "2.5.29.37.0") return "anyExtendedKeyUsage";
  return oid;
}

json certificate_json(const sign::Certificate& c) {
  json j{{"type", "certificate"},
         {"subject", c.subject().to_string()},
         {"issuer", c.issuer().to_string()},
         {"serial", c.serial_hex()},
         {"not_before", sign::format_time(c.not_before())},
         {"not_after", sign::format_time(c.not_after())},
         {"key", key_json(c.public_key())},
         {"signature_algorithm", algorithm_name(c.signature_algorithm_oid())},
         {"ca", c.is_ca()},
         {"sha256", c.fingerprint()}};
  if (c.path_len()) j["path_len"] = *c.path_len();
  if (c.key_usage()) j["key_usage"] = key_usage_names(*c.key_usage());
  json eku = json::array();
  for (const auto& e : c.extended_key_usage()) eku.push_back(eku_name(e));
  if (!eku.empty()) j["extended_key_usage"] = eku;
  if (!c.policies().empty()) j["policies"] = c.policies();
  if (!c.crl_urls().empty()) j["crl_urls"] = c.crl_urls();
  if (!c.ocsp_urls().empty()) j["ocsp_urls"] = c.ocsp_urls();
  json profile = json::object();
  for (const auto& f : sign::profile_fields(c)) profile[f.name] = f.value;
  if (!profile.empty()) j["profile"] = profile;
  return j;
}

json crl_json(const sign::Crl& crl) {
  json j{{"type", "crl"},
         {"issuer", crl.issuer().to_string()},
         {"this_update", sign::format_time(crl.this_update())},
         {"entries", crl.entries().size()}};
  j["next_update"] = crl.next_update() ? json(sign::format_time(*crl.next_update())) : json(nullptr);
  if (crl.crl_number()) j["crl_number"] = *crl.crl_number();
  json revoked = json::array();
  for (std::size_t i = 0; i < crl.entries().size() && i < 20; ++i) {
    const auto& e = crl.entries()[i];
    revoked.push_back({{"serial", sign::to_hex(e.serial)}, {"time", sign::format_time(e.revocation_time)},
                       {"reason", sign::reason_name(e.reason)}});
  }
  j["revoked_first_20"] = revoked;
  return j;
}

json token_json(const sign::TimeStampToken& t) {
  json j{{"type", "time-stamp token"},
         {"time", sign::format_time(t.info.gen_time)},
         {"policy", t.info.policy},
         {"serial", sign::to_hex(t.info.serial)},
         {"imprint_algorithm", algorithm_name(t.info.hash_oid)},
         {"imprint", sign::to_hex(t.info.hash)}};
  const auto sd = sign::SignedDataView::parse(sign::memory_source(t.der));
  if (!sd.signers().empty())
    if (const auto tsa = sd.find_signer_certificate(sd.signers()[0])) j["tsa"] = tsa->subject().to_string();
  return j;
}

json ocsp_json(const sign::OcspResponse& r) {
  json j{{"type", "OCSP response"}, {"response_status", r.response_status}};
  if (r.response_status != 0) return j;
  j["produced_at"] = sign::format_time(r.produced_at);
  j["signature_algorithm"] = algorithm_name(r.signature_oid);
  json answers = json::array();
  for (const auto& s : r.responses) {
    json a{{"serial", sign::to_hex(s.id.serial)}, {"status", sign::ocsp_status_name(s.status)},
           {"this_update", sign::format_time(s.this_update)}};
    if (s.next_update) a["next_update"] = sign::format_time(*s.next_update);
    if (s.revocation_time) a["revocation_time"] = sign::format_time(*s.revocation_time);
    answers.push_back(a);
  }
  j["responses"] = answers;
  return j;
}

// Recognises one DER object by trying each type, most specific first.
json describe_der(const sign::Bytes& der) {
  const std::vector<std::function<json()>> readers{
      [&] { return certificate_json(sign::Certificate::from_der(der)); },
      [&] { return crl_json(sign::Crl::from_der(der)); },
      [&] {
        const auto csr = sign::CertificateRequest::from_der(der);
        return json{{"type", "certification request"}, {"subject", csr.subject().to_string()},
                    {"key", key_json(csr.public_key())}, {"self_signature_valid", csr.verify_self_signature()}};
      },
      [&] {
        const auto r = sign::TimeStampResponse::parse(der);
        json j{{"type", "time-stamp reply"}, {"status", r.status}, {"status_text", r.status_text}};
        if (r.token) j["token"] = token_json(*r.token);
        return j;
      },
      [&] { return token_json(sign::TimeStampToken::parse(der)); },
      [&] { return ocsp_json(sign::OcspResponse::parse(der)); },
      [&] {
        const auto q = sign::TimeStampRequest::parse(der);
        json j{{"type", "time-stamp request"}, {"imprint_algorithm", algorithm_name(q.hash_oid)},
               {"imprint", sign::to_hex(q.hash)}, {"certificate_requested", q.cert_req}};
        if (!q.policy.empty()) j["policy"] = q.policy;
        if (!q.nonce.empty()) j["nonce"] = sign::to_hex(q.nonce);
        return j;
      },
      [&] {
        // A SignedData: a certificate bundle (.p7b) is shown; a signature is `inspect`'s.
        const auto sd = sign::SignedDataView::parse(sign::memory_source(der));
        if (!sd.signers().empty())
          throw sign::UsageError("this is a signature (SignedData with signers): use `xsign inspect`");
        json certs = json::array();
        for (const auto& c : sd.certificates()) certs.push_back(certificate_json(c));
        return json{{"type", "certificate bundle (PKCS #7)"}, {"certificates", certs}};
      },
      [&] { return json{{"type", "public key"}, {"key", key_json(sign::PublicKey::from_der(der))}}; },
      [&] {
        const auto k = sign::PrivateKey::from_pkcs8_der(der);
        return json{{"type", "private key (its secret is not shown)"}, {"key", key_json(k.public_key())}};
      },
  };
  for (const auto& read : readers) {
    try {
      return read();
    } catch (const sign::UsageError&) {
      throw;  // recognised, but for another command
    } catch (const sign::Error&) {
    }
  }
  throw sign::FormatError("not a certificate, CSR, CRL, key, time-stamp token or reply, or OCSP response this tool reads");
}

void print_text(const json& j, const std::string& indent = "") {
  for (const auto& [k, v] : j.items()) {
    if (v.is_object()) {
      std::cout << indent << k << ":\n";
      print_text(v, indent + "  ");
    } else if (v.is_array()) {
      if (!v.empty() && v.front().is_object()) {
        std::cout << indent << k << ":\n";
        for (std::size_t i = 0; i < v.size(); ++i) {
          std::cout << indent << "  [" << i + 1 << "]\n";
          print_text(v[i], indent + "    ");
        }
      } else {
        std::string line;
        for (const auto& item : v) line += (line.empty() ? "" : ", ") + (item.is_string() ? item.get<std::string>() : item.dump());
        std::cout << indent << k << ": " << sign::printable_text(line) << "\n";
      }
    } else {
      std::cout << indent << k << ": " << sign::printable_text(v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
    }
  }
}

struct ShowArgs {
  std::string file;
  bool json = false;
};

void show(const ShowArgs& a) {
  // Everything the file holds: PEM blocks (any label) or one DER object (or bare base64).
  std::vector<sign::Bytes> objects;
  const std::string file = input_path(a.file);
  const sign::Bytes data = sign::read_file(file);
  if (sign::looks_like_pem(data)) {
    for (auto& b : sign::pem_decode_all({reinterpret_cast<const char*>(data.data()), data.size()})) objects.push_back(std::move(b.der));
  } else {
    objects = sign::read_der_objects(file, {"CERTIFICATE"});
  }
  if (objects.empty()) throw sign::FormatError(a.file + ": holds no PEM block or DER object");
  json all = json::array();
  for (const auto& der : objects) all.push_back(describe_der(der));
  if (a.json) {
    std::cout << (all.size() == 1 ? all.front() : all).dump(2) << "\n";
    return;
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all.size() > 1) std::cout << (i ? "\n" : "") << "[" << i + 1 << "]\n";
    print_text(all[i]);
  }
}

}  // namespace

void register_show_command(CLI::App& app, Context&) {
  auto a = std::make_shared<ShowArgs>();
  auto* s = app.add_subcommand("show", "Show a certificate, CSR, CRL, key, time-stamp or OCSP response (found by content)");
  s->add_option("file", a->file, "The file (PEM, DER or bare base64); for a signature use `xsign inspect`")->required();
  s->add_flag("--json", a->json, "Machine-readable output");
  s->callback([a] { show(*a); });
}

}  // namespace xsign
