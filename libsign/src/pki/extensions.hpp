// Internal: reading an X.509 Extensions list (certificates, CRLs, CRL entries), so the rules of
// RFC 5280 §4.1/§5.1 hold alike everywhere: at least one extension, each OID at most once, the
// critical flag a BOOLEAN, the value an OCTET STRING.
#pragma once

#include <sign/asn1.hpp>

#include <string>
#include <vector>

namespace sign::detail {

struct ExtensionView {
  std::string oid;
  bool critical = false;
  Bytes value;  ///< extnValue contents
};

/// The extensions of an Extensions SEQUENCE; FormatError "malformed <what>: ..." otherwise.
std::vector<ExtensionView> read_extensions(const ByteSource& src, const DerNode& extensions, const std::string& what);

/// The URIs of every fullName of a CRLDistributionPoints SEQUENCE (also freshestCRL's syntax).
std::vector<std::string> distribution_point_uris(const ByteSource& src, const DerNode& seq);

/// DER of a CRLDistributionPoints / FreshestCRL value with one fullName URI per point.
Bytes distribution_points_der(const std::vector<std::string>& uris);

}  // namespace sign::detail
