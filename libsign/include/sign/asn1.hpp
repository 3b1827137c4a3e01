// The asn1 module: PEM armour and small helpers over Botan's DER/BER codec.
#pragma once

#include <sign/crypto.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sign {

/// One PEM block: its label ("PRIVATE KEY", "CERTIFICATE", ...) and decoded DER.
struct PemBlock {
  std::string label;
  Bytes der;
};

/// Wraps DER in PEM armour with the given label (64-column base64, trailing newline).
std::string pem_encode(ByteView der, std::string_view label);

/// Every PEM block in the text, in order; text outside blocks is ignored.
/// Throws FormatError on a block with broken base64 or a missing END line.
std::vector<PemBlock> pem_decode_all(std::string_view text);

/// DER of every block whose label is one of `labels`; FormatError when there is none.
std::vector<Bytes> pem_blocks_labelled(std::string_view text, std::initializer_list<std::string_view> labels);

/// The DER objects of a file that is either PEM (blocks with one of `labels`) or one DER
/// object. Errors name the file.
std::vector<Bytes> read_der_objects(const std::string& path, std::initializer_list<std::string_view> labels);

/// True when the bytes look like PEM text rather than DER.
bool looks_like_pem(ByteView data);

}  // namespace sign
