// Strict DER reading over a ByteSource. Every length is checked against its parent before
// anything is read, so truncated, oversized or self-contradicting input is a FormatError.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sign {
namespace {

// Children of one node we are willing to list (certificates in a bag, attributes, signers).
constexpr std::size_t kMaxChildren = 100000;

class FileSource final : public ByteSource {
 public:
  explicit FileSource(const std::string& path) : path_(path) {
    // O_NONBLOCK: a FIFO without a writer must not block open(); its type is refused below.
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd_ < 0) {
      if (errno == ENOENT) throw NoInputError(path + ": no such file");
      if (errno == ELOOP) throw NoInputError(path + ": too many levels of symbolic links (a link loop?)");
      throw NoInputError(path + ": cannot open for reading (" + std::strerror(errno) + ")");
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd_);
      throw NoInputError(path + ": not a regular file (signatures and documents to verify are read from regular files)");
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
  }
  ~FileSource() override { ::close(fd_); }
  std::uint64_t size() const override { return size_; }
  void read(std::uint64_t offset, std::span<std::uint8_t> out) const override {
    if (offset > size_ || out.size() > size_ - offset)
      throw FormatError("structure runs past the end of the file (truncated?)");
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw IoError(path_ + ": read error");
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(Bytes data) : data_(std::move(data)) {}
  std::uint64_t size() const override { return data_.size(); }
  void read(std::uint64_t offset, std::span<std::uint8_t> out) const override {
    if (offset > data_.size() || out.size() > data_.size() - offset)
      throw FormatError("structure runs past the end of the data (truncated?)");
    if (out.empty()) return;  // zero-length elements: memcpy must not see a null pointer
    std::memcpy(out.data(), data_.data() + offset, out.size());
  }
  const std::uint8_t* contiguous() const override { return data_.empty() ? nullptr : data_.data(); }

 private:
  Bytes data_;
};

}  // namespace

std::shared_ptr<const ByteSource> open_file_source(const std::string& path) {
  return std::make_shared<FileSource>(path);
}

std::shared_ptr<const ByteSource> memory_source(Bytes data) {
  return std::make_shared<MemorySource>(std::move(data));
}

Bytes ByteSource::read_range(std::uint64_t offset, std::uint64_t length) const {
  if (length > kMaxDerObjectBytes)
    throw FormatError("a " + std::to_string(length) + "-byte object is larger than the " +
                      std::to_string(kMaxDerObjectBytes) + "-byte limit");
  Bytes out(static_cast<std::size_t>(length));
  read(offset, out);
  return out;
}

void ByteSource::stream_range(std::uint64_t offset, std::uint64_t length,
                              const std::function<void(ByteView)>& sink) const {
  if (offset > size() || length > size() - offset) throw FormatError("structure runs past the end of the data (truncated?)");
  if (const std::uint8_t* all = contiguous()) {
    // In memory already: views of it, in the same pieces a copy would come in.
    while (length > 0) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(length, kStreamBufferBytes));
      sink(ByteView(all + offset, n));
      offset += n;
      length -= n;
    }
    return;
  }
  // Not zero-filled, and no larger than the range: a 1 KiB document needs no 256 KiB buffer.
  const std::size_t capacity = static_cast<std::size_t>(std::min<std::uint64_t>(length, kStreamBufferBytes));
  const auto storage = std::make_unique_for_overwrite<std::uint8_t[]>(capacity);
  const std::span<std::uint8_t> buffer(storage.get(), capacity);
  while (length > 0) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(length, buffer.size()));
    read(offset, std::span(buffer.data(), n));
    sink(ByteView(buffer.data(), n));
    offset += n;
    length -= n;
  }
}

DerNode read_der_node(const ByteSource& src, std::uint64_t offset, std::uint64_t limit) {
  if (offset >= limit) throw FormatError("expected a DER element at offset " + std::to_string(offset) + ", found the end");
  std::uint8_t head[2];
  if (limit - offset < 2) throw FormatError("truncated DER element at offset " + std::to_string(offset));
  src.read(offset, head);
  DerNode node;
  node.offset = offset;
  node.tag = head[0];
  if ((head[0] & 0x1f) == 0x1f)
    throw FormatError("multi-byte DER tag at offset " + std::to_string(offset) + " is not used by CMS");
  std::uint64_t length = 0;
  std::uint64_t header = 2;
  if (head[1] < 0x80) {
    length = head[1];
  } else if (head[1] == 0x80) {
    throw FormatError("indefinite length at offset " + std::to_string(offset) + " where DER is required");
  } else {
    const std::size_t n = head[1] & 0x7f;
    if (n > 8) throw FormatError("length field of " + std::to_string(n) + " bytes at offset " + std::to_string(offset));
    if (limit - offset < 2 + n) throw FormatError("truncated DER length at offset " + std::to_string(offset));
    std::uint8_t bytes[8];
    src.read(offset + 2, std::span(bytes, n));
    if (bytes[0] == 0) throw FormatError("non-minimal DER length at offset " + std::to_string(offset));
    for (std::size_t i = 0; i < n; ++i) length = (length << 8) | bytes[i];
    if (length < 0x80) throw FormatError("non-minimal DER length at offset " + std::to_string(offset));
    header = 2 + n;
  }
  if (length > limit - offset - header)
    throw FormatError("DER element at offset " + std::to_string(offset) + " claims " + std::to_string(length) +
                      " bytes, more than its container holds");
  node.header = header;
  node.length = length;
  return node;
}

std::vector<DerNode> der_children(const ByteSource& src, const DerNode& parent) {
  if (!parent.constructed())
    throw FormatError("expected a constructed DER element at offset " + std::to_string(parent.offset));
  std::vector<DerNode> out;
  std::uint64_t pos = parent.content();
  const std::uint64_t end = parent.content() + parent.length;  // before any end-of-contents octets
  while (pos < end) {
    if (out.size() >= kMaxChildren) throw FormatError("too many elements in one DER structure");
    out.push_back(parent.ber ? read_ber_node(src, pos, end) : read_der_node(src, pos, end));
    pos = out.back().end();
  }
  return out;
}

DerNode der_child(const ByteSource& src, const DerNode& parent, std::size_t index) {
  const auto children = der_children(src, parent);
  if (index >= children.size())
    throw FormatError("the DER element at offset " + std::to_string(parent.offset) + " has " +
                      std::to_string(children.size()) + " element(s) where at least " + std::to_string(index + 1) +
                      " are required");
  return children[index];
}

Bytes der_bytes(const ByteSource& src, const DerNode& node) {
  return src.read_range(node.offset, node.end() - node.offset);
}

std::size_t der_header_size(std::uint64_t length) {
  if (length < 0x80) return 2;
  std::size_t n = 2;
  for (std::uint64_t l = length; l; l >>= 8) ++n;
  return n;
}

void append_der_header(Bytes& out, std::uint8_t tag, std::uint64_t length) {
  out.push_back(tag);
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
    return;
  }
  std::uint8_t bytes[8];
  std::size_t n = 0;
  for (std::uint64_t l = length; l; l >>= 8) bytes[n++] = static_cast<std::uint8_t>(l & 0xff);
  out.push_back(static_cast<std::uint8_t>(0x80 | n));
  while (n) out.push_back(bytes[--n]);
}

Bytes der_header(std::uint8_t tag, std::uint64_t length) {
  Bytes out;
  append_der_header(out, tag, length);
  return out;
}

// Signing builds a few dozen small TLVs per signature: each is made with one allocation
// (header and content written into a buffer of the final size).
Bytes der_tlv(std::uint8_t tag, ByteView content) { return der_tlv(tag, {content}); }

Bytes der_tlv(std::uint8_t tag, std::initializer_list<ByteView> parts) {
  std::size_t length = 0;
  for (const auto& p : parts) length += p.size();
  Bytes out;
  out.reserve(length + 10);
  append_der_header(out, tag, length);
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace sign
