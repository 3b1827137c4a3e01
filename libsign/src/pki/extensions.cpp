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

std::vector<std::string> distribution_point_uris(const ByteSource& src, const DerNode& seq) {
  std::vector<std::string> out;
  for (const auto& point : der_children(src, seq))
    for (const auto& field : der_children(src, point)) {
      if (field.tag != 0xa0) continue;  // distributionPoint
      for (const auto& name : der_children(src, field)) {
        if (name.tag != 0xa0) continue;  // fullName
        for (const auto& gn : der_children(src, name))
          if (gn.tag == 0x86) {
            const Bytes uri = der_content(src, gn);
            out.emplace_back(uri.begin(), uri.end());
          }
      }
    }
  return out;
}

Bytes distribution_points_der(const std::vector<std::string>& uris) {
  std::vector<Bytes> points;
  for (const auto& u : uris) {
    const Bytes uri = der_tlv(0x86, ByteView(reinterpret_cast<const std::uint8_t*>(u.data()), u.size()));
    points.push_back(sequence({der_tlv(0xa0, der_tlv(0xa0, uri))}));
  }
  Bytes content;
  for (const auto& p : points) content.insert(content.end(), p.begin(), p.end());
  return der_tlv(0x30, content);
}

}  // namespace sign::detail
