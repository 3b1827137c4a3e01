// Curve and parameter-set registry (internal). Botan 2.19 misnames or lacks several GOST
// parameter sets (INTEROP-NOTES.md), so every GOST curve is built from explicit parameters
// and its OID is tracked here rather than inside Botan.
#pragma once

#include <sign/crypto.hpp>

#include <botan/ec_group.h>

#include <string_view>

namespace sign::detail {

/// Domain parameters of one curve, hex big-endian as printed in the standards (RFC 4357, 7836, GM/T 0003.5).
struct CurveDef {
  CurveInfo info;
  std::string_view p, a, b, x, y, q, cofactor;
  /// GOST only: whether OpenSSL's GOST engine writes digestParamSet in the key parameters.
  bool writes_digest_param;
};

/// Every curve we know, in documentation order.
std::span<const CurveDef> curve_table();

/// Curve by OID, or nullptr.
const CurveDef* find_curve(std::string_view oid);

/// Botan group for a curve; built once and cached (thread-safe). Building one precomputes
/// multiples of the base point (about 35 million instructions for a 256-bit curve, more than the
/// rest of a short `xsign verify`): only signing and Botan's own verification need it.
const Botan::EC_Group& botan_group(const CurveDef& curve);

/// The field arithmetic and the group order, without the base-point tables: enough to decode a
/// public point and check that it lies on the curve and in the prime-order subgroup.
struct CurveArithmetic {
  Botan::CurveGFp curve;
  Botan::BigInt order;
};
const CurveArithmetic& curve_arithmetic(const CurveDef& curve);

/// Byte length of field elements / scalars on this curve.
std::size_t field_bytes(const CurveDef& curve);

/// OIDs used throughout the crypto module.
namespace oid {
inline constexpr std::string_view ec_public_key = "1.2.840.10045.2.1";
inline constexpr std::string_view sm2_curve = "1.2.156.10197.1.301";
inline constexpr std::string_view sm2_botan_key = "1.2.156.10197.1.301.1";  // Botan's own, read only
inline constexpr std::string_view p256_curve = "1.2.840.10045.3.1.7";
inline constexpr std::string_view gost256_key = "1.2.643.7.1.1.1.1";
inline constexpr std::string_view gost512_key = "1.2.643.7.1.1.1.2";
inline constexpr std::string_view gost2001_key = "1.2.643.2.2.19";
inline constexpr std::string_view pbes2 = "1.2.840.113549.1.5.13";
}  // namespace oid

}  // namespace sign::detail
