// X.501 names: our own encoder (Botan's cannot write NumericString INN/OGRN attributes the way
// Russian verifiers expect) and a tolerant decoder that keeps the exact bytes.
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/pki.hpp>

#include <botan/asn1_obj.h>
#include <botan/ber_dec.h>
#include <botan/der_enc.h>

#include <sign/asn1.hpp>

#include "support/per_thread_memo.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace sign {
namespace {

struct AttrDef {
  std::string_view key;
  std::string_view oid;
  Botan::ASN1_Tag tag;
};

// String types follow RFC 5280 (PrintableString for C and serialNumber) and the Russian
// profile (NumericString for INN/OGRN/SNILS), UTF8String otherwise.
constexpr AttrDef kAttrs[] = {
    {"C", "2.5.4.6", Botan::PRINTABLE_STRING},
    {"ST", "2.5.4.8", Botan::UTF8_STRING},
    {"L", "2.5.4.7", Botan::UTF8_STRING},
    {"street", "2.5.4.9", Botan::UTF8_STRING},
    {"O", "2.5.4.10", Botan::UTF8_STRING},
    {"OU", "2.5.4.11", Botan::UTF8_STRING},
    {"CN", "2.5.4.3", Botan::UTF8_STRING},
    {"title", "2.5.4.12", Botan::UTF8_STRING},
    {"SN", "2.5.4.4", Botan::UTF8_STRING},   // surname (FSB order No. 795 for persons)
    {"GN", "2.5.4.42", Botan::UTF8_STRING},  // givenName: first name and patronymic
    {"serialNumber", "2.5.4.5", Botan::PRINTABLE_STRING},
    {"organizationIdentifier", "2.5.4.97", Botan::UTF8_STRING},
    {"emailAddress", "1.2.840.113549.1.9.1", Botan::IA5_STRING},
    {"INN", "1.2.643.3.131.1.1", Botan::NUMERIC_STRING},
    {"INNLE", "1.2.643.100.4", Botan::NUMERIC_STRING},
    {"OGRN", "1.2.643.100.1", Botan::NUMERIC_STRING},
    {"OGRNIP", "1.2.643.100.5", Botan::NUMERIC_STRING},
    {"SNILS", "1.2.643.100.3", Botan::NUMERIC_STRING},
};

const AttrDef* by_key(std::string_view key) {
  for (const auto& a : kAttrs)
    if (a.key == key) return &a;
  return nullptr;
}

const AttrDef* by_oid(std::string_view oid) {
  for (const auto& a : kAttrs)
    if (a.oid == oid) return &a;
  return nullptr;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Russian identifiers have fixed lengths; catching a typo here beats a rejected certificate.
void check_value(std::string_view key, const std::string& value) {
  auto need_digits = [&](std::initializer_list<std::size_t> lengths) {
    if (!all_digits(value) ||
        std::find(lengths.begin(), lengths.end(), value.size()) == lengths.end())
      throw UsageError("subject attribute " + std::string(key) + "='" + value +
                       "' must be digits of the legal length");
  };
  if (key == "C" && (value.size() != 2 || !std::isupper(static_cast<unsigned char>(value[0])) ||
                     !std::isupper(static_cast<unsigned char>(value[1]))))
    throw UsageError("subject attribute C='" + value + "' must be a two-letter country code");
  if (key == "INN") need_digits({12});
  if (key == "INNLE") need_digits({10});
  if (key == "OGRN") need_digits({13});
  if (key == "OGRNIP") need_digits({15});
  if (key == "SNILS") need_digits({11});
  if (key == "USCC" && (value.size() != 18 || !std::all_of(value.begin(), value.end(), [](char c) {
                          return std::isdigit(static_cast<unsigned char>(c)) ||
                                 std::isupper(static_cast<unsigned char>(c));
                        })))
    throw UsageError("USCC='" + value + "' must be an 18-character unified social credit code");
}

Botan::ASN1_Tag tag_for(std::string_view oid) {
  if (const auto* a = by_oid(oid)) return a->tag;
  return Botan::UTF8_STRING;
}

Bytes encode(const std::vector<NameAttribute>& attrs) {
  Bytes der;
  Botan::DER_Encoder enc(der);
  enc.start_cons(Botan::SEQUENCE);
  for (const auto& a : attrs) {
    enc.start_cons(Botan::SET)
        .start_cons(Botan::SEQUENCE)
        .encode(Botan::OID(a.oid))
        .add_object(tag_for(a.oid), Botan::UNIVERSAL, a.value)
        .end_cons()
        .end_cons();
  }
  enc.end_cons();
  return der;
}

}  // namespace

DistinguishedName DistinguishedName::parse(std::string_view text) {
  if (text.empty() || text[0] != '/')
    throw UsageError("subject '" + std::string(text) +
                     "' must look like /C=CN/O=Organisation/CN=Name");
  DistinguishedName dn;
  std::size_t i = 1;
  while (i < text.size()) {
    std::string part;
    for (; i < text.size() && text[i] != '/'; ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) ++i;
      part += text[i];
    }
    ++i;
    const auto eq = part.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == part.size())
      throw UsageError("subject component '" + part + "' must be KEY=VALUE");
    const std::string key = part.substr(0, eq), value = part.substr(eq + 1);
    check_value(key, value);
    if (key == "USCC") {
      dn.attributes_.push_back({std::string(oids::organization_identifier), "NTRCN-" + value});
    } else if (const auto* a = by_key(key)) {
      dn.attributes_.push_back({std::string(a->oid), value});
    } else if (all_digits(key.substr(0, 1)) && key.find('.') != std::string::npos) {
      dn.attributes_.push_back({key, value});
    } else {
      throw UsageError("unknown subject attribute '" + key +
                       "' (known: C ST L street O OU CN title SN GN serialNumber "
                       "organizationIdentifier emailAddress INN INNLE OGRN OGRNIP SNILS USCC)");
    }
  }
  if (dn.attributes_.empty()) throw UsageError("empty subject");
  dn.der_ = encode(dn.attributes_);
  return dn;
}

namespace {

// The dotted form of an attribute type: our strict decoder, Botan for what it refuses.
// (No memo of its own: a distinct name is decoded once per thread by from_der.)
std::string attribute_type(const Botan::BER_Object& type) {
  try {
    if (type.length() > 127) throw FormatError("long object identifier");
    Bytes tlv{0x06, static_cast<std::uint8_t>(type.length())};
    tlv.insert(tlv.end(), type.bits(), type.bits() + type.length());
    return oid_from_der(tlv);
  } catch (const FormatError&) {
    // What our strict decoder refuses (a non-minimal arc) Botan still reads, as before.
    Botan::OID oid;
    Botan::BER_Decoder(Botan::DER_Encoder().add_object(Botan::OBJECT_ID, Botan::UNIVERSAL, type.bits(), type.length())
                           .get_contents())
        .decode(oid);
    return oid.to_string();
  }
}

}  // namespace

DistinguishedName DistinguishedName::from_der(ByteView der) {
  // The same few names (a signer's issuer, its CA's) are parsed for every signature a verifier
  // handles: each DER is decoded once per thread.
  thread_local detail::PerThreadMemo<DistinguishedName> parsed;
  const std::string_view key(reinterpret_cast<const char*>(der.data()), der.size());
  return parsed.get(key, [&] { return decode(der); });
}

DistinguishedName DistinguishedName::decode(ByteView der) {
  DistinguishedName dn;
  try {
    Botan::BER_Decoder outer(der.data(), der.size());
    Botan::BER_Decoder seq = outer.start_cons(Botan::SEQUENCE);
    while (seq.more_items()) {
      Botan::BER_Decoder set = seq.start_cons(Botan::SET);
      while (set.more_items()) {
        Botan::BER_Decoder atv = set.start_cons(Botan::SEQUENCE);
        const Botan::BER_Object type = atv.get_next_object();
        type.assert_is_a(Botan::OBJECT_ID, Botan::UNIVERSAL, "attribute type");
        const Botan::BER_Object value = atv.get_next_object();
        atv.end_cons();
        dn.attributes_.push_back(
            {attribute_type(type), std::string(reinterpret_cast<const char*>(value.bits()), value.length())});
      }
      set.end_cons();
    }
    seq.end_cons();
    outer.verify_end();
  } catch (const Botan::Exception& e) {
    throw FormatError(std::string("malformed distinguished name: ") + e.what());
  }
  dn.der_.assign(der.begin(), der.end());
  return dn;
}

std::string DistinguishedName::get(std::string_view oid) const {
  for (const auto& a : attributes_)
    if (a.oid == oid) return a.value;
  return {};
}

std::string DistinguishedName::to_string() const {
  // Reports name every certificate of a path, for every validation: each name's text is made
  // once per thread (by its DER, which determines it).
  thread_local detail::PerThreadMemo<std::string> made;
  if (der_.empty()) return text();
  return made.get(std::string_view(reinterpret_cast<const char*>(der_.data()), der_.size()), [&] { return text(); });
}

std::string DistinguishedName::text() const {
  std::string out;
  for (const auto& a : attributes_) {
    if (!out.empty()) out += ", ";
    const auto* def = by_oid(a.oid);
    // Values are attacker-chosen: escaped so that a name can never carry a line break, a
    // terminal escape or invalid UTF-8 into a report, a log or JSON.
    out += (def ? std::string(def->key) : a.oid) + "=" + printable_text(a.value);
  }
  return out;
}

namespace {

// ASCII only, whatever the process locale: RFC 5280 folds ASCII case, and the C library's
// isspace/tolower are calls through the locale's tables.
constexpr bool ascii_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
constexpr int ascii_lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

// The characters of a value compared as RFC 5280 §7.1 allows (leading and trailing whitespace
// dropped, inner runs as one space, ASCII case folded), one at a time without building a
// string: path building compares names thousands of times per second.
class NormalisedChars {
 public:
  explicit NormalisedChars(std::string_view s) : s_(s) {}
  /// The next character, or -1 at the end.
  int next() {
    if (pending_ >= 0) return std::exchange(pending_, -1);
    bool space = false;
    while (i_ < s_.size() && ascii_space(static_cast<unsigned char>(s_[i_]))) {
      space = true;
      ++i_;
    }
    if (i_ == s_.size()) return -1;
    const int c = ascii_lower(static_cast<unsigned char>(s_[i_++]));
    if (space && started_) {
      pending_ = c;
      return ' ';
    }
    started_ = true;
    return c;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
  bool started_ = false;
  int pending_ = -1;
};

bool equal_normalised(std::string_view a, std::string_view b) {
  if (a == b) return true;  // the usual case, without decoding and folding
  NormalisedChars x(a), y(b);
  for (;;) {
    const int c = x.next();
    if (c != y.next()) return false;
    if (c < 0) return true;
  }
}

}  // namespace

bool DistinguishedName::operator==(const DistinguishedName& other) const {
  if (der_ == other.der_) return true;
  if (attributes_.size() != other.attributes_.size()) return false;
  // Last attribute first: names under one CA share their country and organisation and differ
  // in the CN at the end, so a mismatch is found without folding the common part.
  for (std::size_t i = attributes_.size(); i-- > 0;) {
    if (attributes_[i].oid != other.attributes_[i].oid || !equal_normalised(attributes_[i].value, other.attributes_[i].value))
      return false;
  }
  return true;
}

}  // namespace sign
