// BER reading (X.690 §8) for what RFC 5652 lets producers write in BER: ViPNet, CryptoPro and
// BouncyCastle's streaming encoders use indefinite lengths and constructed OCTET STRINGs for
// the content. Everything is bounded: nesting depth, segment counts, and each indefinite
// element is measured once (memoised in its source), so a hostile file cannot make the
// walk quadratic or recursive without end.
#include <sign/asn1.hpp>
#include <sign/error.hpp>

#include <algorithm>
#include <map>
#include <mutex>

namespace sign {

// The memo behind ByteSource::ber_lengths_: content length of each indefinite element by offset.
struct BerLengthMemo {
  std::mutex mutex;
  std::map<std::uint64_t, std::uint64_t> lengths;

  static BerLengthMemo& of(const ByteSource& src) {
    std::call_once(src.ber_once_, [&] { src.ber_lengths_ = std::make_shared<BerLengthMemo>(); });
    return *static_cast<BerLengthMemo*>(src.ber_lengths_.get());
  }
};

namespace {

// Deeper than any CMS structure (a countersigned time-stamped SignerInfo is about 15 levels).
constexpr int kMaxBerDepth = 48;
// Segments of one constructed OCTET STRING (a 4 GiB document in 1 KiB segments is 4M).
constexpr std::size_t kMaxSegments = 16u * 1024u * 1024u;

[[noreturn]] void bad(const std::string& what, std::uint64_t offset) {
  throw FormatError(what + " at offset " + std::to_string(offset));
}

DerNode read_ber(const ByteSource& src, std::uint64_t offset, std::uint64_t limit, int depth);

// Walks the children of an indefinite-length element from `pos` to its end-of-contents
// octets; returns the content length (without them).
std::uint64_t measure_indefinite(const ByteSource& src, std::uint64_t start, std::uint64_t limit, int depth) {
  std::uint64_t pos = start;
  while (true) {
    if (limit - pos < 2) bad("indefinite-length element without end-of-contents octets (truncated?)", start);
    std::uint8_t eoc[2];
    src.read(pos, eoc);
    if (eoc[0] == 0 && eoc[1] == 0) return pos - start;
    pos = read_ber(src, pos, limit, depth + 1).end();
  }
}

DerNode read_ber(const ByteSource& src, std::uint64_t offset, std::uint64_t limit, int depth) {
  if (depth > kMaxBerDepth) bad("BER elements nested more than " + std::to_string(kMaxBerDepth) + " deep", offset);
  if (offset >= limit) bad("expected a BER element, found the end", offset);
  if (limit - offset < 2) bad("truncated BER element", offset);
  std::uint8_t head[2];
  src.read(offset, head);
  DerNode node;
  node.offset = offset;
  node.tag = head[0];
  node.ber = true;
  if ((head[0] & 0x1f) == 0x1f) bad("multi-byte tag (not used by CMS)", offset);
  if (head[0] == 0) bad("end-of-contents octets where an element was expected", offset);
  if (head[1] < 0x80) {
    node.header = 2;
    node.length = head[1];
  } else if (head[1] == 0x80) {
    if (!node.constructed()) bad("indefinite length on a primitive element", offset);
    node.header = 2;
    node.indefinite = true;
    auto& memo = BerLengthMemo::of(src);
    std::optional<std::uint64_t> known;
    {
      std::lock_guard lock(memo.mutex);
      if (auto it = memo.lengths.find(offset); it != memo.lengths.end()) known = it->second;
    }
    if (!known) {
      known = measure_indefinite(src, offset + 2, limit, depth);
      std::lock_guard lock(memo.mutex);
      memo.lengths.emplace(offset, *known);
    }
    // Measured once, perhaps inside a larger container: it must also fit this one.
    if (*known > limit - offset - 2 || limit - offset - 2 - *known < 2)
      bad("indefinite-length element runs past its container", offset);
    node.length = *known;
    return node;
  } else {
    // Long form; BER allows leading zero octets and the long form for short lengths.
    const std::size_t n = head[1] & 0x7f;
    if (n > 8) bad("length field of " + std::to_string(n) + " bytes", offset);
    if (limit - offset < 2 + n) bad("truncated BER length", offset);
    std::uint8_t bytes[8];
    src.read(offset + 2, std::span(bytes, n));
    for (std::size_t i = 0; i < n; ++i) node.length = (node.length << 8) | bytes[i];
    node.header = 2 + n;
  }
  if (node.length > limit - offset - node.header)
    bad("BER element claims " + std::to_string(node.length) + " bytes, more than its container holds", offset);
  return node;
}

// The same check over bytes in memory, without reading through the source or listing
// children: every signature and certificate a validation parses is asked this. The elements
// of [p, p + size) sit at nesting `level`; `single`: exactly one element. Mirrors
// read_der_node's rules (one-byte tags, definite minimal lengths that fit), der_children's
// bound on elements per structure and der_subtree's depth limit.
bool der_bytes_subtree(const std::uint8_t* p, std::uint64_t size, int level, bool single) {
  constexpr std::uint64_t kMaxElements = 100000;
  std::uint64_t pos = 0, count = 0;
  while (pos < size) {
    if (level > kMaxBerDepth || ++count > kMaxElements || (single && count > 1) || size - pos < 2) return false;
    const std::uint8_t tag = p[pos], first = p[pos + 1];
    if ((tag & 0x1f) == 0x1f || first == 0x80) return false;
    std::uint64_t length = first, header = 2;
    if (first > 0x80) {
      const std::size_t n = first & 0x7f;
      if (n > 8 || size - pos < 2 + n || p[pos + 2] == 0) return false;
      length = 0;
      for (std::size_t i = 0; i < n; ++i) length = (length << 8) | p[pos + 2 + i];
      if (length < 0x80) return false;
      header = 2 + n;
    }
    if (length > size - pos - header) return false;
    if ((tag & 0x20) && !der_bytes_subtree(p + pos + header, length, level + 1, false)) return false;
    pos += header + length;
  }
  return !single || count == 1;
}

bool der_subtree(const ByteSource& src, const DerNode& node, int depth) {
  if (node.indefinite || depth > kMaxBerDepth) return false;
  if (const std::uint8_t* all = src.contiguous(); all && node.end() <= src.size())
    return der_bytes_subtree(all + node.offset, node.end() - node.offset, depth, true);
  try {
    // The strict reader refuses non-minimal and indefinite lengths.
    const DerNode strict = read_der_node(src, node.offset, node.end());
    if (strict.end() != node.end()) return false;
    if (!strict.constructed()) return true;
    for (const auto& child : der_children(src, strict))
      if (!der_subtree(src, child, depth + 1)) return false;
    return true;
  } catch (const FormatError&) {
    return false;
  }
}

void collect_ranges(const ByteSource& src, const DerNode& node, int depth, std::vector<ByteRange>& out) {
  if (depth > kMaxBerDepth) bad("constructed OCTET STRING nested too deeply", node.offset);
  if (node.tag == 0x04) {
    if (out.size() >= kMaxSegments) bad("constructed OCTET STRING of more than " + std::to_string(kMaxSegments) + " segments", node.offset);
    if (node.length) out.push_back({node.content(), node.length});
    return;
  }
  if (node.tag != 0x24) bad("an OCTET STRING segment has another type", node.offset);
  // Walk the segments without listing them all first (der_children bounds the count).
  std::uint64_t pos = node.content();
  const std::uint64_t end = node.content() + node.length;
  while (pos < end) {
    const DerNode seg = read_ber(src, pos, end, depth + 1);
    collect_ranges(src, seg, depth + 1, out);
    pos = seg.end();
  }
}

// X.690 §8.21: the string types that BER may split into segments.
bool is_string_tag(std::uint8_t number) {
  switch (number) {
    case 4: case 12: case 18: case 19: case 20: case 21: case 22: case 25: case 26: case 27: case 28: case 30:
      return true;
    default:
      return false;
  }
}

void append(Bytes& out, ByteView b) { out.insert(out.end(), b.begin(), b.end()); }

Bytes to_der(const ByteSource& src, const DerNode& node, int depth) {
  if (depth > kMaxBerDepth) bad("BER elements nested too deeply", node.offset);
  const std::uint8_t number = node.tag & 0x1f;
  const bool universal = (node.tag & 0xc0) == 0;
  if (!node.constructed()) return der_tlv(node.tag, src.read_range(node.content(), node.length));
  if (universal && is_string_tag(number)) {
    // A constructed string: its segments joined into the primitive form.
    Bytes joined;
    for (const auto& child : der_children(src, node)) {
      if ((child.tag & 0x1f) != number) bad("a string segment has another type", child.offset);
      const Bytes part = to_der(src, child, depth + 1);
      const auto inner = memory_source(part);
      const DerNode p = read_der_node(*inner, 0, inner->size());
      append(joined, ByteView(part).subspan(static_cast<std::size_t>(p.header)));
    }
    if (joined.size() > kMaxDerObjectBytes) bad("joined string larger than the limit", node.offset);
    return der_tlv(static_cast<std::uint8_t>(node.tag & ~0x20), joined);
  }
  Bytes content;
  for (const auto& child : der_children(src, node)) {
    append(content, to_der(src, child, depth + 1));
    if (content.size() > kMaxDerObjectBytes) bad("re-encoded element larger than the limit", node.offset);
  }
  return der_tlv(node.tag, content);
}

}  // namespace

DerNode read_ber_node(const ByteSource& src, std::uint64_t offset, std::uint64_t limit) {
  return read_ber(src, offset, limit, 0);
}

bool is_der_encoded(const ByteSource& src, const DerNode& node) { return der_subtree(src, node, 0); }

Bytes ber_to_der(ByteView ber) {
  const auto src = memory_source(Bytes(ber.begin(), ber.end()));
  const DerNode root = read_ber_node(*src, 0, src->size());
  if (root.end() != src->size()) bad("trailing bytes after a BER element", root.end());
  if (is_der_encoded(*src, root)) return Bytes(ber.begin(), ber.end());
  return to_der(*src, root, 0);
}

std::vector<ByteRange> octet_string_ranges(const ByteSource& src, const DerNode& node) {
  std::vector<ByteRange> out;
  if (node.tag != 0x04 && !(node.tag == 0x24 && node.ber))
    bad(node.tag == 0x24 ? "constructed OCTET STRING where DER is required" : "expected an OCTET STRING", node.offset);
  collect_ranges(src, node, 0, out);
  return out;
}

namespace {

// Reads a list of ranges of another source as one run: the content of a segmented eContent.
class RangesSource final : public ByteSource {
 public:
  RangesSource(std::shared_ptr<const ByteSource> inner, std::vector<ByteRange> ranges)
      : inner_(std::move(inner)), ranges_(std::move(ranges)) {
    starts_.reserve(ranges_.size());
    for (const auto& r : ranges_) {
      starts_.push_back(size_);
      size_ += r.length;
    }
  }
  std::uint64_t size() const override { return size_; }
  void read(std::uint64_t offset, std::span<std::uint8_t> out) const override {
    if (offset > size_ || out.size() > size_ - offset) throw FormatError("read past the end of the content");
    if (out.empty()) return;
    // The range that holds `offset`: the last one starting at or before it.
    const auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
    std::size_t i = static_cast<std::size_t>(it - starts_.begin()) - 1;
    std::size_t done = 0;
    while (done < out.size()) {
      const std::uint64_t within = offset + done - starts_[i];
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(ranges_[i].length - within, out.size() - done));
      inner_->read(ranges_[i].offset + within, out.subspan(done, n));
      done += n;
      ++i;
    }
  }

 private:
  std::shared_ptr<const ByteSource> inner_;
  std::vector<ByteRange> ranges_;
  std::vector<std::uint64_t> starts_;
  std::uint64_t size_ = 0;
};

}  // namespace

std::shared_ptr<const ByteSource> ranges_source(std::shared_ptr<const ByteSource> inner, std::vector<ByteRange> ranges) {
  return std::make_shared<RangesSource>(std::move(inner), std::move(ranges));
}

}  // namespace sign
