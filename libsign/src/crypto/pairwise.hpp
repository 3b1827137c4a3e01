// Internal: pairwise consistency check of a private key (see pairwise.cpp).
#pragma once

#include <sign/crypto.hpp>

namespace sign::detail {

/// Throws FormatError when a public key in `pkcs8` (if any) is not the key's own, or when a
/// signature by the key does not verify with its public key. `pkcs8` may be empty (new keys).
void check_pairwise(const PrivateKey& key, ByteView pkcs8);

}  // namespace sign::detail
