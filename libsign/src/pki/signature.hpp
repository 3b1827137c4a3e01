// Signatures on certificates, CSRs and CRLs, made and checked through crypto suites for every
// suite alike (Botan cannot sign or check SM2 certificates; INTEROP-NOTES.md).
#pragma once

#include <sign/crypto.hpp>

#include <botan/asn1_obj.h>
#include <botan/bigint.h>

#include <optional>
#include <string>

namespace sign::detail {

/// AlgorithmIdentifier written for a suite's signatures (parameters absent).
Botan::AlgorithmIdentifier signature_algorithm(Suite suite);

/// Suite for a signature algorithm OID; GOST key OIDs (RFC 4490 style) are accepted too.
std::optional<Suite> suite_for_signature_oid(std::string_view oid);

/// Signs to-be-signed bytes with the key's suite.
Bytes sign_tbs(const PrivateKey& key, ByteView tbs);

/// Checks a signature over to-be-signed bytes; false when the algorithm does not match the key.
bool verify_tbs(const PublicKey& key, std::string_view sig_alg_oid, ByteView tbs, ByteView signature);

/// verify_tbs with a process-wide memo of outcomes (certificates and CRLs are checked again and
/// again for every document a server or a batch verifies; a verified CA certificate stays
/// verified). Keyed by SHA-256 of key, algorithm, data and signature; bounded in size.
bool verify_tbs_cached(const PublicKey& key, std::string_view sig_alg_oid, ByteView tbs, ByteView signature);

/// DER of a whole signed object: SEQUENCE { tbs, algorithm, BIT STRING signature }.
Bytes assemble_signed(ByteView tbs, const Botan::AlgorithmIdentifier& alg, ByteView signature);

/// A Name's DER from Botan's X509_DN, whose get_bits() may omit the outer SEQUENCE.
Bytes name_der(const std::vector<std::uint8_t>& dn_bits);

/// Encodes a big-endian unsigned byte string as a DER INTEGER value holder.
Botan::BigInt to_bigint(ByteView be);

}  // namespace sign::detail
