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

}  // namespace sign::detail
