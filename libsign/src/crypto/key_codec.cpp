// SubjectPublicKeyInfo and PKCS#8 in the exact form OpenSSL (with the GOST engine) writes:
//  - SM2, P-256: id-ecPublicKey with a named curve, uncompressed point; RFC 5915 ECPrivateKey.
//  - GOST: key OID with SEQUENCE{paramSet [, digestParamSet]}, public key an OCTET STRING of
//    little-endian X||Y, private key an OCTET STRING of the little-endian scalar.
// Decoding is lenient where real-world producers differ (see INTEROP-NOTES.md).
#include <sign/error.hpp>

#include "crypto/key_impl.hpp"

#include <botan/asn1_obj.h>
#include <botan/ber_dec.h>
#include <botan/der_enc.h>

#include <algorithm>

namespace sign::detail {
namespace {

Botan::OID to_oid(std::string_view s) { return Botan::OID(std::string(s)); }

bool is_gost_key_oid(const std::string& oid) {
  return oid == oid::gost256_key || oid == oid::gost512_key || oid == oid::gost2001_key;
}

// The curve family a GOST key OID allows: 2001 keys live on the 256-bit (CryptoPro) curves.
Suite gost_suite_for(const std::string& key_oid) {
  return key_oid == oid::gost512_key ? Suite::gost512 : Suite::gost256;
}

std::vector<std::uint8_t> gost_key_params(const CurveDef& curve) {
  std::vector<std::uint8_t> params;
  Botan::DER_Encoder enc(params);
  enc.start_cons(Botan::SEQUENCE).encode(to_oid(curve.info.oid));
  if (curve.writes_digest_param)
    enc.encode(to_oid(digest_oid(suite_info(curve.info.suite).digest)));
  enc.end_cons();
  return params;
}

Botan::AlgorithmIdentifier key_algorithm(const CurveDef& curve, bool gost2001 = false) {
  if (gost2001) {
    // RFC 4491: GostR3410-2001-PublicKeyParameters { publicKeyParamSet, digestParamSet }.
    std::vector<std::uint8_t> params;
    Botan::DER_Encoder(params)
        .start_cons(Botan::SEQUENCE)
        .encode(to_oid(curve.info.oid))
        .encode(to_oid("1.2.643.2.2.30.1"))
        .end_cons();
    return Botan::AlgorithmIdentifier(to_oid(oid::gost2001_key), params);
  }
  if (curve.info.suite == Suite::gost256 || curve.info.suite == Suite::gost512)
    return Botan::AlgorithmIdentifier(to_oid(suite_info(curve.info.suite).key_oid),
                                      gost_key_params(curve));
  std::vector<std::uint8_t> named_curve;
  Botan::DER_Encoder(named_curve).encode(to_oid(curve.info.oid));
  return Botan::AlgorithmIdentifier(to_oid(oid::ec_public_key), named_curve);
}

bool is_gost(const CurveDef& curve) {
  return curve.info.suite == Suite::gost256 || curve.info.suite == Suite::gost512;
}

// Reverses a fixed-width coordinate between big-endian (SEC1, Botan) and little-endian (GOST).
template <typename Out, typename In>
Out reversed(const In& in, std::size_t offset, std::size_t len) {
  Out out(in.begin() + static_cast<std::ptrdiff_t>(offset),
          in.begin() + static_cast<std::ptrdiff_t>(offset + len));
  std::reverse(out.begin(), out.end());
  return out;
}

// Resolves the curve named by an AlgorithmIdentifier's parameters for the given key OID.
const CurveDef& curve_from_params(const std::string& key_oid,
                                  const std::vector<std::uint8_t>& params) {
  Botan::OID curve_oid;
  Botan::BER_Decoder dec(params);
  if (is_gost_key_oid(key_oid)) {
    // SEQUENCE { publicKeyParamSet, digestParamSet OPTIONAL, encryptionParamSet OPTIONAL }
    auto seq = dec.start_cons(Botan::SEQUENCE);
    seq.decode(curve_oid);
    while (seq.more_items()) {
      Botan::OID extra;
      seq.decode(extra);
    }
    seq.end_cons();
  } else {
    dec.decode(curve_oid);  // namedCurve; explicit parameters are not accepted
  }
  dec.verify_end();
  const std::string name = curve_oid.to_string();
  const CurveDef* curve = find_curve(name);
  if (!curve) throw FormatError("unsupported curve or parameter set " + name);

  const bool ok = is_gost_key_oid(key_oid)
                      ? curve->info.suite == gost_suite_for(key_oid)
                      : (key_oid == oid::ec_public_key || key_oid == oid::sm2_botan_key) &&
                            !is_gost(*curve);
  if (!ok)
    throw FormatError("curve " + name + " does not belong to key algorithm " + key_oid);
  return *curve;
}

std::shared_ptr<const PublicKeyImpl> make_public(const CurveDef& curve, ByteView sec1_point, bool gost2001 = false) {
  if (curve.info.suite == Suite::p256) return make_p256_public(sec1_point);
  return make_botan_public(curve, sec1_point, gost2001);
}

// GOST R 34.10-2001 keys are on the CryptoPro parameter sets only (RFC 4357 §10).
bool is_2001_param_set(std::string_view curve_oid) {
  return curve_oid.starts_with("1.2.643.2.2.35.") || curve_oid.starts_with("1.2.643.2.2.36.");
}

}  // namespace

Bytes encode_spki(const CurveDef& curve, ByteView sec1_point, bool gost2001) {
  std::vector<std::uint8_t> key_bits;
  if (is_gost(curve)) {
    const std::size_t n = field_bytes(curve);
    if (sec1_point.size() != 1 + 2 * n || sec1_point[0] != 0x04)
      throw InternalError("GOST public point must be uncompressed");
    Bytes le;
    const Bytes point(sec1_point.begin(), sec1_point.end());
    auto x = reversed<Bytes>(point, 1, n);
    auto y = reversed<Bytes>(point, 1 + n, n);
    le.insert(le.end(), x.begin(), x.end());
    le.insert(le.end(), y.begin(), y.end());
    Botan::DER_Encoder(key_bits).encode(le, Botan::OCTET_STRING);
  } else {
    key_bits.assign(sec1_point.begin(), sec1_point.end());
  }
  Bytes spki;
  Botan::DER_Encoder(spki)
      .start_cons(Botan::SEQUENCE)
      .encode(key_algorithm(curve, gost2001))
      .encode(key_bits, Botan::BIT_STRING)
      .end_cons();
  return spki;
}

std::shared_ptr<const PublicKeyImpl> decode_spki(ByteView der) {
  Botan::AlgorithmIdentifier alg;
  std::vector<std::uint8_t> key_bits;
  try {
    Botan::BER_Decoder(der.data(), der.size())
        .start_cons(Botan::SEQUENCE)
        .decode(alg)
        .decode(key_bits, Botan::BIT_STRING)
        .end_cons()
        .verify_end();
  } catch (const Botan::Exception& e) {
    throw FormatError(std::string("not a SubjectPublicKeyInfo: ") + e.what());
  }
  const std::string key_oid = alg.get_oid().to_string();
  if (!is_gost_key_oid(key_oid) && key_oid != oid::ec_public_key && key_oid != oid::sm2_botan_key)
    throw FormatError("unsupported public key algorithm " + key_oid);

  const CurveDef* curve = nullptr;
  try {
    curve = &curve_from_params(key_oid, alg.get_parameters());
  } catch (const Botan::Exception& e) {
    throw FormatError("malformed public key parameters: " + std::string(e.what()));
  }

  if (!is_gost(*curve)) return make_public(*curve, key_bits);

  std::vector<std::uint8_t> le;
  try {
    Botan::BER_Decoder(key_bits).decode(le, Botan::OCTET_STRING).verify_end();
  } catch (const Botan::Exception& e) {
    throw FormatError("malformed GOST public key value: " + std::string(e.what()));
  }
  const std::size_t n = field_bytes(*curve);
  if (le.size() != 2 * n)
    throw FormatError("GOST public key has " + std::to_string(le.size()) + " bytes, expected " +
                      std::to_string(2 * n));
  Bytes sec1{0x04};
  auto x = reversed<Bytes>(le, 0, n);
  auto y = reversed<Bytes>(le, n, n);
  sec1.insert(sec1.end(), x.begin(), x.end());
  sec1.insert(sec1.end(), y.begin(), y.end());
  const bool gost2001 = key_oid == oid::gost2001_key;
  if (gost2001 && !is_2001_param_set(curve->info.oid))
    throw FormatError("GOST R 34.10-2001 key on parameter set " + std::string(curve->info.oid) +
                      ", which is not a CryptoPro 2001 parameter set");
  return make_public(*curve, sec1, gost2001);
}

Botan::secure_vector<std::uint8_t> encode_pkcs8(const CurveDef& curve,
                                                const Botan::secure_vector<std::uint8_t>& scalar_be,
                                                ByteView sec1_point) {
  Botan::secure_vector<std::uint8_t> private_key;
  if (is_gost(curve)) {
    private_key = reversed<Botan::secure_vector<std::uint8_t>>(scalar_be, 0, scalar_be.size());
  } else {
    // RFC 5915 ECPrivateKey without [0] parameters, with [1] publicKey, as OpenSSL writes it.
    const std::vector<std::uint8_t> point(sec1_point.begin(), sec1_point.end());
    private_key = Botan::DER_Encoder()
                      .start_cons(Botan::SEQUENCE)
                      .encode(static_cast<std::size_t>(1))
                      .encode(scalar_be, Botan::OCTET_STRING)
                      .start_cons(Botan::ASN1_Tag(1), Botan::CONTEXT_SPECIFIC)
                      .encode(point, Botan::BIT_STRING)
                      .end_cons()
                      .end_cons()
                      .get_contents();
  }
  return Botan::DER_Encoder()
      .start_cons(Botan::SEQUENCE)
      .encode(static_cast<std::size_t>(0))
      .encode(key_algorithm(curve))
      .encode(private_key, Botan::OCTET_STRING)
      .end_cons()
      .get_contents();
}

std::shared_ptr<const PrivateKeyImpl> decode_pkcs8(ByteView der) {
  std::size_t version = 0;
  Botan::AlgorithmIdentifier alg;
  Botan::secure_vector<std::uint8_t> private_key;
  try {
    Botan::BER_Decoder(der.data(), der.size())
        .start_cons(Botan::SEQUENCE)
        .decode(version)
        .decode(alg)
        .decode(private_key, Botan::OCTET_STRING)
        .discard_remaining()  // optional attributes / public key (PKCS#8 v2)
        .end_cons()
        .verify_end();
  } catch (const Botan::Exception& e) {
    throw FormatError(std::string("not a PKCS#8 private key: ") + e.what());
  }
  if (version > 1) throw FormatError("unsupported PKCS#8 version " + std::to_string(version));
  const std::string key_oid = alg.get_oid().to_string();
  if (key_oid == oid::gost2001_key)
    throw FormatError("GOST R 34.10-2001 private keys are not accepted: signing with them ended on 2019-12-31 "
                      "(xsign verifies 2001 signatures of archives; sign with a GOST R 34.10-2012 key)");
  if (!is_gost_key_oid(key_oid) && key_oid != oid::ec_public_key && key_oid != oid::sm2_botan_key)
    throw FormatError("unsupported private key algorithm " + key_oid);

  const CurveDef* curve = nullptr;
  try {
    curve = &curve_from_params(key_oid, alg.get_parameters());
  } catch (const Botan::Exception& e) {
    throw FormatError("malformed private key parameters: " + std::string(e.what()));
  }
  if (curve->info.test_only)
    throw FormatError("private keys on the test curve " + std::string(curve->info.name) +
                      " are refused");
  if (curve->info.suite == Suite::p256) return make_p256_private_from_pkcs8(der);

  const std::size_t n = field_bytes(*curve);
  Botan::secure_vector<std::uint8_t> scalar_be;
  try {
    if (is_gost(*curve)) {
      // OpenSSL's GOST engine writes the raw little-endian scalar; older producers wrap it
      // in an OCTET STRING (little-endian) or write a big-endian INTEGER.
      if (private_key.size() == n) {
        scalar_be = reversed<Botan::secure_vector<std::uint8_t>>(private_key, 0, n);
      } else {
        Botan::BER_Decoder dec(private_key);
        const Botan::BER_Object obj = dec.get_next_object();
        dec.verify_end();
        if (obj.is_a(Botan::OCTET_STRING, Botan::UNIVERSAL) && obj.length() == n) {
          scalar_be.assign(obj.bits(), obj.bits() + n);
          std::reverse(scalar_be.begin(), scalar_be.end());
        } else if (obj.is_a(Botan::INTEGER, Botan::UNIVERSAL)) {
          Botan::BigInt x;
          Botan::BER_Decoder(private_key).decode(x);
          if (x.bytes() > n) throw FormatError("GOST private key value is too large");
          scalar_be = Botan::BigInt::encode_1363(x, n);
        } else {
          throw FormatError("GOST private key value has an unknown form");
        }
      }
    } else {
      std::size_t ec_version = 0;
      Botan::BER_Decoder(private_key)
          .start_cons(Botan::SEQUENCE)
          .decode(ec_version)
          .decode(scalar_be, Botan::OCTET_STRING)
          .discard_remaining()
          .end_cons()
          .verify_end();
      if (ec_version != 1) throw FormatError("unsupported ECPrivateKey version");
      if (scalar_be.size() > n) throw FormatError("EC private key value is too large");
      scalar_be.insert(scalar_be.begin(), n - scalar_be.size(), 0);
    }
  } catch (const Botan::Exception& e) {
    throw FormatError("malformed private key value: " + std::string(e.what()));
  }
  return make_botan_private(*curve, scalar_be);
}

}  // namespace sign::detail
