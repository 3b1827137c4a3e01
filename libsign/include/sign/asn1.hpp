// The asn1 module: PEM armour and small helpers over Botan's DER/BER codec.
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <sign/crypto.hpp>

#include <chrono>

#include <functional>
#include <memory>
#include <mutex>
#include <span>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sign {

/// A UTC time in whole seconds. 64-bit seconds cover every time X.509 and CMS can express
/// (GeneralizedTime years 0000-9999, and RFC 5280's no-expiry 99991231235959Z) with no
/// overflow; a nanosecond clock would end in 2262 and wrap silently.
using TimePoint = std::chrono::sys_seconds;

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

/// The DER objects of a file that is PEM (blocks with one of `labels`), one DER object, or
/// one object in bare base64 (no armour, as Windows tools export). Errors name the file.
std::vector<Bytes> read_der_objects(const std::string& path, std::initializer_list<std::string_view> labels);

/// True when the bytes look like PEM text rather than DER.
bool looks_like_pem(ByteView data);

// ---------------------------------------------------------------------------------------------
// Strict DER reading over a random-access source, so that a multi-gigabyte eContent is located
// and streamed, never loaded.

/// Random-access bytes: a file (read with pread) or memory.
class ByteSource {
 public:
  ByteSource() = default;
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;
  virtual ~ByteSource() = default;
  virtual std::uint64_t size() const = 0;
  /// Reads exactly `out.size()` bytes at `offset`; throws FormatError past the end.
  virtual void read(std::uint64_t offset, std::span<std::uint8_t> out) const = 0;
  /// All of the source's bytes when they are in memory already (streaming then hands out views
  /// instead of copies), else nullptr.
  virtual const std::uint8_t* contiguous() const { return nullptr; }
  /// Bytes [offset, offset + length) in memory; length is limited to protect memory.
  Bytes read_range(std::uint64_t offset, std::uint64_t length) const;
  /// Streams [offset, offset + length) in chunks.
  void stream_range(std::uint64_t offset, std::uint64_t length,
                    const std::function<void(ByteView)>& sink) const;

 private:
  friend struct BerLengthMemo;
  // Content lengths of indefinite-length BER elements already measured, by offset: each is
  // found once by walking to its end-of-contents octets, not once per enclosing element.
  // Made on the first indefinite length met (DER sources never pay for it).
  mutable std::once_flag ber_once_;
  mutable std::shared_ptr<void> ber_lengths_;
};

/// ByteSource over a file; throws NoInputError / IoError naming it.
std::shared_ptr<const ByteSource> open_file_source(const std::string& path);
/// ByteSource over bytes held in memory.
std::shared_ptr<const ByteSource> memory_source(Bytes data);

/// Largest DER object (other than streamed content) read into memory.
inline constexpr std::uint64_t kMaxDerObjectBytes = 64u * 1024u * 1024u;

/// One DER (or BER) TLV: where it is and what it says.
struct DerNode {
  std::uint8_t tag = 0;        ///< identifier octet (class, constructed bit, number < 31)
  std::uint64_t offset = 0;    ///< of the identifier octet
  std::uint64_t header = 0;    ///< identifier + length octets
  std::uint64_t length = 0;    ///< content length (without end-of-contents octets)
  bool ber = false;            ///< read by the BER reader: its children are read as BER too
  bool indefinite = false;     ///< BER indefinite length: two end-of-contents octets follow
  std::uint64_t content() const { return offset + header; }
  std::uint64_t end() const { return offset + header + length + (indefinite ? 2 : 0); }
  bool constructed() const { return (tag & 0x20) != 0; }
};

/// Reads the TLV header at `offset`, which must end by `limit`. Strict DER: single-octet
/// tags, definite minimal lengths; indefinite lengths and overlong encodings are FormatError.
DerNode read_der_node(const ByteSource& src, std::uint64_t offset, std::uint64_t limit);

/// Reads the TLV at `offset` as BER (X.690 §8): indefinite lengths on constructed elements
/// and non-minimal length octets are accepted. An indefinite element is measured by walking
/// its children to the end-of-contents octets (nesting bounded, results memoised in `src`).
/// The node and, through der_children, its descendants are marked `ber`.
DerNode read_ber_node(const ByteSource& src, std::uint64_t offset, std::uint64_t limit);

/// True when the element and everything inside it is in definite, minimal-length form
/// (the DER length rules; what RFC 5652 requires of signed attributes).
bool is_der_encoded(const ByteSource& src, const DerNode& node);

/// The same value in definite-length form: indefinite lengths made definite, lengths minimal,
/// constructed OCTET STRINGs and character strings joined into one primitive. Element order is
/// kept. DER input comes back unchanged. FormatError on input that is not BER.
Bytes ber_to_der(ByteView ber);

/// Where the bytes of an OCTET STRING are: one range for the primitive form, one per segment
/// for BER's constructed form (nested segments flattened, in order).
struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};
std::vector<ByteRange> octet_string_ranges(const ByteSource& src, const DerNode& node);

/// A source that reads the given ranges of another as one contiguous run of bytes.
std::shared_ptr<const ByteSource> ranges_source(std::shared_ptr<const ByteSource> inner, std::vector<ByteRange> ranges);

/// The children of a constructed node, in order (bounded count).
std::vector<DerNode> der_children(const ByteSource& src, const DerNode& parent);

/// Child `index` of a constructed node; FormatError (never an out-of-range access) when the
/// node has fewer children, e.g. an empty SEQUENCE where a field is required.
DerNode der_child(const ByteSource& src, const DerNode& parent, std::size_t index);

/// Whole TLV bytes of a node (bounded by kMaxDerObjectBytes).
Bytes der_bytes(const ByteSource& src, const DerNode& node);

/// Encodes a TLV header (identifier octet + definite length).
Bytes der_header(std::uint8_t tag, std::uint64_t length);
/// Appends that header to `out`; its size is der_header_size(length).
void append_der_header(Bytes& out, std::uint8_t tag, std::uint64_t length);
std::size_t der_header_size(std::uint64_t length);

/// Encodes a whole TLV.
Bytes der_tlv(std::uint8_t tag, ByteView content);
/// Encodes a whole TLV whose content is the concatenation of `parts` (one allocation).
Bytes der_tlv(std::uint8_t tag, std::initializer_list<ByteView> parts);

// DER building blocks shared by cms, tsp and ocsp.
/// DER of an OBJECT IDENTIFIER.
Bytes oid_der(std::string_view dotted);
/// Dotted form of an OID TLV; FormatError if it is not one.
std::string oid_from_der(ByteView tlv);
/// AlgorithmIdentifier with absent parameters, or NULL parameters (the GOST engine's habit).
Bytes algorithm_der(std::string_view dotted, bool null_params = false);
/// DER INTEGER of a non-negative big-endian byte string.
Bytes integer_der(ByteView be);
/// SET OF: elements sorted by their encodings (X.690 §11.6), then wrapped with `tag`.
Bytes set_of(std::vector<Bytes> elements, std::uint8_t tag = 0x31);
/// The same TLV appended to `out`; its size is set_in_order_size(elements) (order does not
/// change a SET's length).
void append_set_of(Bytes& out, const std::vector<Bytes>& elements, std::uint8_t tag = 0x31);
/// SET OF with the elements in the given order (for signers and certificates).
Bytes set_in_order(const std::vector<Bytes>& elements, std::uint8_t tag);
/// The same TLV appended to `out`; its size is set_in_order_size(elements).
void append_set_in_order(Bytes& out, const std::vector<Bytes>& elements, std::uint8_t tag);
std::size_t set_in_order_size(const std::vector<Bytes>& elements);
/// The same for elements held elsewhere (certificates a SignedData refers to, not copies).
void append_set_in_order(Bytes& out, const std::vector<ByteView>& elements, std::uint8_t tag);
std::size_t set_in_order_size(const std::vector<ByteView>& elements);
/// SEQUENCE of the concatenated parts.
Bytes sequence(std::initializer_list<ByteView> parts);

/// Contents of a primitive node (bounded).
Bytes der_content(const ByteSource& src, const DerNode& node);
/// Parses GeneralizedTime or UTCTime TLV.
TimePoint decode_der_time(ByteView tlv);
/// GeneralizedTime TLV (RFC 3161, RFC 6960 always use it).
Bytes generalized_time_der(TimePoint t);
/// Time TLV as certificates, CRLs and signing-time carry it (RFC 5280 §4.1.2.5, RFC 5652
/// §11.3): UTCTime for 1950-2049, GeneralizedTime otherwise (99991231235959Z included).
Bytes x509_time_der(TimePoint t);

}  // namespace sign
