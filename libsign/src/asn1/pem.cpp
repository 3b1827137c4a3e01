#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>

#include "io/file_context.hpp"

#include <botan/base64.h>
#include <botan/exceptn.h>

#include <cctype>
#include <optional>

namespace sign {

std::string pem_encode(ByteView der, std::string_view label) {
  const std::string b64 = Botan::base64_encode(der.data(), der.size());
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  out += "-----END " + std::string(label) + "-----\n";
  return out;
}

std::vector<PemBlock> pem_decode_all(std::string_view text) {
  static constexpr std::string_view kBegin = "-----BEGIN ";
  static constexpr std::string_view kDashes = "-----";
  std::vector<PemBlock> blocks;
  std::size_t pos = 0;
  while ((pos = text.find(kBegin, pos)) != std::string_view::npos) {
    const std::size_t label_start = pos + kBegin.size();
    const std::size_t label_end = text.find(kDashes, label_start);
    if (label_end == std::string_view::npos) throw FormatError("PEM BEGIN line is not terminated");
    PemBlock block;
    block.label = std::string(text.substr(label_start, label_end - label_start));
    const std::string end_line = "-----END " + block.label + "-----";
    const std::size_t body_start = label_end + kDashes.size();
    const std::size_t body_end = text.find(end_line, body_start);
    if (body_end == std::string_view::npos)
      throw FormatError("PEM block '" + block.label + "' has no END line (file truncated?)");
    std::string b64;
    for (char c : text.substr(body_start, body_end - body_start)) {
      if (c == ':') throw FormatError("PEM block '" + block.label +
                                      "' has headers (legacy encrypted PEM is not supported)");
      if (c != '\n' && c != '\r' && c != ' ' && c != '\t') b64 += c;
    }
    try {
      const auto der = Botan::base64_decode(b64);
      block.der.assign(der.begin(), der.end());
    } catch (const Botan::Exception&) {
      throw FormatError("PEM block '" + block.label + "' has invalid base64");
    }
    blocks.push_back(std::move(block));
    pos = body_end + end_line.size();
  }
  return blocks;
}

std::vector<Bytes> pem_blocks_labelled(std::string_view text, std::initializer_list<std::string_view> labels) {
  std::vector<Bytes> out;
  for (auto& block : pem_decode_all(text))
    for (auto label : labels)
      if (block.label == label) out.push_back(std::move(block.der));
  if (out.empty()) throw FormatError("no PEM block '" + std::string(*labels.begin()) + "' found");
  return out;
}

namespace {

// Base64 without PEM armour, as Windows tools and web pages export certificates and bundles:
// the whole file is base64 (and whitespace) and decodes to a DER SEQUENCE.
std::optional<Bytes> bare_base64(ByteView data) {
  if (data.empty() || data[0] == 0x30 || data.size() > kMaxDerObjectBytes) return std::nullopt;
  std::string b64;
  for (const std::uint8_t c : data) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    if (!std::isalnum(c) && c != '+' && c != '/' && c != '=') return std::nullopt;
    b64 += static_cast<char>(c);
  }
  try {
    const auto der = Botan::base64_decode(b64);
    if (der.empty() || der[0] != 0x30) return std::nullopt;
    return Bytes(der.begin(), der.end());
  } catch (const Botan::Exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::vector<Bytes> read_der_objects(const std::string& path, std::initializer_list<std::string_view> labels) {
  Bytes data = read_file(path);
  if (auto der = bare_base64(data)) return {std::move(*der)};
  if (!looks_like_pem(data)) return {std::move(data)};
  return detail::with_file_context(path, [&] {
    return pem_blocks_labelled({reinterpret_cast<const char*>(data.data()), data.size()}, labels);
  });
}

bool looks_like_pem(ByteView data) {
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  return text.find("-----BEGIN ") != std::string_view::npos;
}

}  // namespace sign
