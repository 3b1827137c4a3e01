#include "pki/extensions.hpp"

#include <sign/error.hpp>

#include <set>

namespace sign::detail {

std::vector<ExtensionView> read_extensions(const ByteSource& src, const DerNode& extensions, const std::string& what) {
  auto bad = [&](const std::string& why) { throw FormatError("malformed " + what + ": " + why); };
  if (extensions.tag != 0x30) bad("Extensions is not a SEQUENCE");
  const auto list = der_children(src, extensions);
  if (list.empty()) bad("empty Extensions");
  std::vector<ExtensionView> out;
  std::set<std::string> seen;
  for (const auto& ext : list) {
    if (ext.tag != 0x30) bad("an Extension is not a SEQUENCE");
    const auto parts = der_children(src, ext);
    if (parts.size() < 2 || parts.size() > 3) bad("an extension has an OID, an optional critical flag and a value");
    ExtensionView e;
    e.oid = oid_from_der(der_bytes(src, parts[0]));
    if (!seen.insert(e.oid).second) bad("extension " + e.oid + " appears twice");
    if (parts.size() == 3) {
      const Bytes flag = der_content(src, parts[1]);
      if (parts[1].tag != 0x01 || flag.size() != 1) bad("the critical flag of extension " + e.oid + " is not a BOOLEAN");
      e.critical = flag[0] != 0;
    }
    if (parts.back().tag != 0x04) bad("the value of extension " + e.oid + " is not an OCTET STRING");
    e.value = der_content(src, parts.back());
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace sign::detail
