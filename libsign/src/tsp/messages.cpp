// RFC 3161 messages: TimeStampReq, TSTInfo, TimeStampResp.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/tsp.hpp>

#include "crypto/key_impl.hpp"

#include <botan/rng.h>

namespace sign {
namespace {

[[noreturn]] void bad(const std::string& what) { throw FormatError("malformed time-stamp message: " + what); }

void expect(const DerNode& n, std::uint8_t tag, const char* what) {
  if (n.tag != tag) bad(std::string(what) + " has the wrong type");
}

std::vector<DerNode> top(const ByteSource& src, std::uint8_t tag, const char* what) {
  const DerNode root = read_der_node(src, 0, src.size());
  if (root.end() != src.size()) bad(std::string("trailing bytes after ") + what);
  expect(root, tag, what);
  return der_children(src, root);
}

// MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
void read_imprint(const ByteSource& src, const DerNode& node, std::string& oid, Bytes& hash) {
  expect(node, 0x30, "messageImprint");
  const auto parts = der_children(src, node);
  if (parts.size() != 2) bad("messageImprint must have two fields");
  expect(parts[0], 0x30, "hash algorithm");
  const auto alg = der_children(src, parts[0]);
  if (alg.empty()) bad("empty hash algorithm");
  oid = oid_from_der(der_bytes(src, alg[0]));
  expect(parts[1], 0x04, "hashed message");
  hash = der_content(src, parts[1]);
}

Bytes imprint(const std::string& oid, const Bytes& hash) {
  return sequence({algorithm_der(oid), der_tlv(0x04, hash)});
}

Bytes unsigned_integer(const Bytes& content) {
  Bytes v = content;
  while (v.size() > 1 && v[0] == 0) v.erase(v.begin());
  return v;
}

}  // namespace

TimeStampRequest TimeStampRequest::for_digest(DigestAlgorithm alg, ByteView digest, bool cert_req) {
  TimeStampRequest r;
  r.hash_oid = std::string(digest_oid(alg));
  r.hash.assign(digest.begin(), digest.end());
  r.nonce.resize(8);
  detail::system_rng().randomize(r.nonce.data(), r.nonce.size());
  // A positive INTEGER whose first byte is not zero: the nonce reads back as the same bytes
  // (a leading zero would be dropped by the encoding and the reply would seem to answer
  // another request, once in 128 requests).
  r.nonce[0] = static_cast<std::uint8_t>((r.nonce[0] & 0x7f) | 0x01);
  r.cert_req = cert_req;
  return r;
}

Bytes TimeStampRequest::encode() const {
  Bytes content = integer_der(Bytes{1});
  const Bytes mi = imprint(hash_oid, hash);
  content.insert(content.end(), mi.begin(), mi.end());
  if (!policy.empty()) {
    const Bytes p = oid_der(policy);
    content.insert(content.end(), p.begin(), p.end());
  }
  if (!nonce.empty()) {
    const Bytes n = integer_der(nonce);
    content.insert(content.end(), n.begin(), n.end());
  }
  if (cert_req) content.insert(content.end(), {0x01, 0x01, 0xff});
  return der_tlv(0x30, content);
}

TimeStampRequest TimeStampRequest::parse(ByteView der) {
  const auto src = memory_source(Bytes(der.begin(), der.end()));
  const auto f = top(*src, 0x30, "TimeStampReq");
  if (f.size() < 2) bad("TimeStampReq is too short");
  expect(f[0], 0x02, "version");
  if (der_content(*src, f[0]) != Bytes{1}) bad("unsupported TimeStampReq version");
  TimeStampRequest r;
  read_imprint(*src, f[1], r.hash_oid, r.hash);
  for (std::size_t i = 2; i < f.size(); ++i) {
    if (f[i].tag == 0x06) r.policy = oid_from_der(der_bytes(*src, f[i]));
    else if (f[i].tag == 0x02) r.nonce = unsigned_integer(der_content(*src, f[i]));
    else if (f[i].tag == 0x01) r.cert_req = der_content(*src, f[i]) != Bytes{0};
    else if (f[i].tag == 0xa0) bad("request extensions are not supported");
    else bad("unexpected field in TimeStampReq");
  }
  return r;
}

TimeStampToken TimeStampToken::parse(ByteView der) {
  TimeStampToken t;
  t.der.assign(der.begin(), der.end());
  const auto sd = SignedDataView::parse(memory_source(t.der));
  if (sd.econtent_type() != oids::tst_info) bad("the token does not hold a TSTInfo");
  const auto content = sd.attached_content();
  if (!content) bad("the token has no TSTInfo content");
  const Bytes tst = content->source->read_range(0, content->source->size());
  const auto src = memory_source(tst);
  const auto f = top(*src, 0x30, "TSTInfo");
  if (f.size() < 5) bad("TSTInfo is too short");
  expect(f[0], 0x02, "TSTInfo version");
  expect(f[1], 0x06, "TSA policy");
  t.info.policy = oid_from_der(der_bytes(*src, f[1]));
  read_imprint(*src, f[2], t.info.hash_oid, t.info.hash);
  expect(f[3], 0x02, "serial number");
  t.info.serial = unsigned_integer(der_content(*src, f[3]));
  expect(f[4], 0x18, "genTime");
  t.info.gen_time = decode_der_time(der_bytes(*src, f[4]));
  for (std::size_t i = 5; i < f.size(); ++i) {
    if (f[i].tag == 0x30) {  // accuracy
      for (const auto& a : der_children(*src, f[i])) {
        if (a.tag == 0x02) {
          const Bytes s = der_content(*src, a);
          unsigned v = 0;
          for (auto b : s) v = (v << 8) | b;
          t.info.accuracy_seconds = v;
        }
      }
    } else if (f[i].tag == 0x02) {
      t.info.nonce = unsigned_integer(der_content(*src, f[i]));
    }
  }
  return t;
}

TimeStampResponse TimeStampResponse::parse(ByteView der) {
  const auto src = memory_source(Bytes(der.begin(), der.end()));
  const auto f = top(*src, 0x30, "TimeStampResp");
  if (f.empty()) bad("empty TimeStampResp");
  expect(f[0], 0x30, "PKIStatusInfo");
  const auto status = der_children(*src, f[0]);
  if (status.empty()) bad("empty PKIStatusInfo");
  expect(status[0], 0x02, "status");
  TimeStampResponse r;
  const Bytes s = der_content(*src, status[0]);
  r.status = s.size() == 1 ? s[0] : 99;
  for (std::size_t i = 1; i < status.size(); ++i) {
    if (status[i].tag != 0x30) continue;
    for (const auto& text : der_children(*src, status[i])) {
      const Bytes t = der_content(*src, text);
      r.status_text += std::string(t.begin(), t.end());
    }
  }
  if (f.size() > 1) r.token = TimeStampToken::parse(der_bytes(*src, f[1]));
  return r;
}

}  // namespace sign
