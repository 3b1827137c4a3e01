// Internal: reading every certificate a file holds, whatever the container.
#pragma once

#include <sign/pki.hpp>

#include <string>
#include <vector>

namespace sign::detail {

/// Certificates of a PEM file (CERTIFICATE, PKCS7, CMS blocks), a DER certificate or a DER
/// PKCS#7 certificate bundle. `strict`: the first unusable one is a FormatError; otherwise it
/// is skipped and described in `skipped`.
std::vector<Certificate> certificates_in_file(const std::string& path, std::vector<std::string>* skipped, bool strict);

/// The same for bytes (a caIssuers download: DER, PEM, or a PKCS#7 "certs-only" bundle);
/// unusable certificates are skipped into `skipped` naming `what`.
std::vector<Certificate> certificates_in_bytes(const Bytes& data, const std::string& what, std::vector<std::string>& skipped);

}  // namespace sign::detail
