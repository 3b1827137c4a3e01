// The crypto module: algorithm suites, streaming digests, keys, signing and verification.
// It is the only part of libsign that talks to Botan or OpenSSL primitives.
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sign {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// ---------------------------------------------------------------------------------------------
// Suites and digests

/// A signature suite: one name each, everywhere (CLI, API, JSON).
enum class Suite {
  sm2,
  gost256,
  gost512,
  p256,
  /// GOST R 34.10-2001 with GOST R 34.11-94: verification only, for archived signatures and
  /// the CA certificates still published (signing with it ended 2019-12-31, FSB).
  gost2001,
};

/// A message digest algorithm.
enum class DigestAlgorithm {
  sm3,
  streebog256,
  streebog512,
  sha256,
  sha1,  ///< only where protocols demand it (OCSP CertID); never for signatures
  gost94,  ///< GOST R 34.11-94 (CryptoPro parameters), of GOST R 34.10-2001 signatures only
};

/// Static facts about a suite: its name, domain and the OIDs it writes.
struct SuiteInfo {
  Suite suite;
  std::string_view name;            ///< "sm2", "gost256", ...
  std::string_view domain;          ///< "CN", "RU" or "international"
  std::string_view description;     ///< one line for humans
  std::string_view key_oid;         ///< SubjectPublicKeyInfo algorithm OID
  std::string_view signature_oid;   ///< signature-with-digest OID (certificates, CMS)
  DigestAlgorithm digest;           ///< the suite's digest
  std::string_view default_curve_oid;  ///< curve / parameter set of newly generated keys
  bool verify_only = false;         ///< never used to create keys or signatures
};

/// Facts about one suite.
const SuiteInfo& suite_info(Suite suite);

/// Every suite, in the order they are documented.
std::span<const SuiteInfo> all_suites();

/// Parses a suite name ("sm2", "gost256", "gost512", "p256"); throws UsageError listing valid names.
Suite parse_suite(std::string_view name);

/// The suite's name as written everywhere.
std::string_view suite_name(Suite suite);

/// Human name of a digest ("SM3", "Streebog-256", ...).
std::string_view digest_name(DigestAlgorithm alg);

/// OID of a digest algorithm.
std::string_view digest_oid(DigestAlgorithm alg);

/// Output length in bytes.
std::size_t digest_size(DigestAlgorithm alg);

/// Finds a digest by OID; returns false when the OID is not a digest we implement.
bool digest_from_oid(std::string_view oid, DigestAlgorithm& out);

/// A curve or parameter set a suite can use.
struct CurveInfo {
  std::string_view oid;
  std::string_view name;      ///< e.g. "id-GostR3410-2001-CryptoPro-A-ParamSet"
  Suite suite;
  std::size_t order_bits;
  bool test_only;             ///< published test curve: verifiable, never generated
};

/// Curves supported for a suite (including aliases that name the same curve).
std::vector<CurveInfo> curves_for(Suite suite);

/// Looks up a curve by OID; throws FormatError when unknown.
const CurveInfo& curve_info(std::string_view oid);

/// Streaming message digest: feed any number of chunks, then finish once.
class Digest {
 public:
  explicit Digest(DigestAlgorithm alg);
  ~Digest();
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;

  /// Adds bytes to the running digest.
  void update(ByteView data);
  /// Returns the digest and resets the object for reuse.
  Bytes finish();
  DigestAlgorithm algorithm() const { return alg_; }

 private:
  struct Impl;
  DigestAlgorithm alg_;
  std::unique_ptr<Impl> impl_;
};

/// Buffer size used when streaming documents (large enough to keep hashing at full speed).
inline constexpr std::size_t kStreamBufferBytes = 256 * 1024;

/// Digest of everything readable from a stream, in constant memory.
Bytes digest_stream(DigestAlgorithm alg, std::istream& in);

/// Digest of an in-memory buffer.
Bytes digest_bytes(DigestAlgorithm alg, ByteView data);

// ---------------------------------------------------------------------------------------------
// Keys

/// Options that change how a signature is computed.
struct SignOptions {
  /// SM2 distinguishing ID (GM/T 0009 default). Ignored by other suites.
  std::string sm2_id = "1234567812345678";
};

class PublicKeyImpl;
class PrivateKeyImpl;

/// Incremental verification: feed the signed message, then check the signature once.
class Verifier {
 public:
  virtual ~Verifier() = default;
  /// Adds message bytes.
  virtual void update(ByteView data) = 0;
  /// True when the signature (in the suite's CMS/X.509 encoding) matches the message fed so far.
  virtual bool verify(ByteView signature) = 0;
  /// True when verify() leaves the object ready for the next message (one-shot calls reuse it).
  virtual bool reusable() const { return false; }
};

/// Incremental signing: feed the message, then produce the signature once.
class SigningStream {
 public:
  virtual ~SigningStream() = default;
  /// Adds message bytes.
  virtual void update(ByteView data) = 0;
  /// The signature in the suite's encoding: DER (r,s) for SM2 and P-256, s||r for GOST.
  virtual Bytes sign() = 0;
  /// True when sign() leaves the object ready for the next message (one-shot calls reuse it).
  virtual bool reusable() const { return false; }
};

/// A public key of one of our suites. Cheap to copy (shared immutable state).
class PublicKey {
 public:
  /// Parses a DER SubjectPublicKeyInfo; throws FormatError naming what is wrong.
  static PublicKey from_der(ByteView spki);
  /// Parses a PEM "PUBLIC KEY" block.
  static PublicKey from_pem(std::string_view pem);
  /// Loads a PEM or DER public key file.
  static PublicKey load(const std::string& path);

  Suite suite() const;
  /// OID of the curve / GOST parameter set the key lives on.
  std::string curve_oid() const;
  /// Key size in bits (order of the curve's base point).
  std::size_t bits() const;
  /// DER SubjectPublicKeyInfo exactly as OpenSSL writes it for this key.
  Bytes to_der() const;
  /// PEM "PUBLIC KEY".
  std::string to_pem() const;
  /// SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex.
  std::string fingerprint() const;
  /// Raw public point, uncompressed SEC1 form (04||X||Y), for display and comparisons.
  Bytes point() const;

  /// Starts an incremental verification of a message signed by this key.
  std::unique_ptr<Verifier> verifier(const SignOptions& options = {}) const;
  /// One-shot verification of a whole message.
  bool verify(ByteView message, ByteView signature, const SignOptions& options = {}) const;

  bool operator==(const PublicKey& other) const;

  explicit PublicKey(std::shared_ptr<const PublicKeyImpl> impl);
  const PublicKeyImpl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const PublicKeyImpl> impl_;
};

/// Supplies a passphrase when an encrypted key is opened; called at most once, only if needed.
using PassphraseProvider = std::function<std::string()>;

/// A private key that signs wherever it lives: a PKCS#8 file (inside PrivateKey), a PKCS#11
/// token (open_pkcs11_key), an external command (external_signer), or an application's own
/// (a cloud KMS, a remote signing service): implement this and wrap it with
/// PrivateKey::from_signer, and every libsign API that takes a PrivateKey uses it.
class Signer {
 public:
  /// What sign() is handed.
  enum class Input {
    message,  ///< the whole to-be-signed bytes (signed attributes, TBSCertificate, ...)
    digest,   ///< their digest in the suite's algorithm; for SM2 e = SM3(Z || M) (GM/T 0009)
  };
  virtual ~Signer() = default;
  virtual Suite suite() const = 0;
  virtual PublicKey public_key() const = 0;
  virtual Input input() const = 0;
  /// Signs; the result is the suite's encoding (DER (r,s) for SM2/P-256, s||r for GOST) or
  /// one of the raw forms tools print (r||s for SM2/P-256, CryptoAPI's reversed GOST), which
  /// PrivateKey normalizes. May be called from several threads at once.
  virtual Bytes sign(ByteView to_be_signed, const SignOptions& options) const = 0;
  /// Where the key lives, for messages and logs ("PKCS#11 token 'CA' key 'root'").
  virtual std::string description() const = 0;
  /// Short backend name: "pkcs11", "external", or the application's own.
  virtual std::string_view backend() const = 0;
  /// A reference that opens this key again (sign::open_private_key), without secrets; empty
  /// when there is none (an application's own signer).
  virtual std::string reference() const { return {}; }
};

/// A private key of one of our suites. Cheap to copy (shared immutable state).
class PrivateKey {
 public:
  /// Generates a fresh key; curve_oid empty means the suite's default parameter set.
  static PrivateKey generate(Suite suite, std::string_view curve_oid = {});
  /// Parses an unencrypted PKCS#8 PrivateKeyInfo (OpenSSL's encoding for every suite).
  static PrivateKey from_pkcs8_der(ByteView der);
  /// Parses PEM: "PRIVATE KEY" or "ENCRYPTED PRIVATE KEY" (asks `passphrase` for the latter).
  static PrivateKey from_pem(std::string_view pem, const PassphraseProvider& passphrase);
  /// Loads a key file (PEM or DER, encrypted or not); errors name the file.
  static PrivateKey load(const std::string& path, const PassphraseProvider& passphrase);
  /// A key held by a Signer (token, external command, the application's own). Every signature
  /// it returns is checked with its public key before use: a device or command that signs
  /// with another key, in another encoding, or not at all is an error, never a bad signature.
  static PrivateKey from_signer(std::shared_ptr<const Signer> signer);

  Suite suite() const;
  std::string curve_oid() const;
  PublicKey public_key() const;

  /// "file" for PKCS#8 keys, else the Signer's backend ("pkcs11", "external", ...).
  std::string backend() const;
  /// Where the key lives, for messages ("PKCS#8 key", "PKCS#11 token 'CA' key 'root'", ...).
  std::string description() const;
  /// False for keys that live outside this process (tokens, external signers): they cannot be
  /// written to a file, and to_pkcs8_der / to_pem / to_encrypted_pem throw UsageError.
  bool exportable() const;

  /// Unencrypted PKCS#8 DER. Handle with care: it is the secret.
  Bytes to_pkcs8_der() const;
  /// Unencrypted PEM "PRIVATE KEY" (only when the user asked for no encryption).
  std::string to_pem() const;
  /// PKCS#8 encrypted with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC): PEM "ENCRYPTED PRIVATE KEY".
  std::string to_encrypted_pem(std::string_view passphrase,
                               std::size_t pbkdf2_iterations = kDefaultPbkdf2Iterations) const;

  /// Starts an incremental signature over a message.
  std::unique_ptr<SigningStream> signing_stream(const SignOptions& options = {}) const;
  /// One-shot signature over a whole message.
  Bytes sign(ByteView message, const SignOptions& options = {}) const;

  /// PBKDF2 iterations for newly encrypted keys (OWASP 2023 guidance for HMAC-SHA256).
  static constexpr std::size_t kDefaultPbkdf2Iterations = 600000;
  /// Largest PBKDF2 iteration count an encrypted key file may ask for (about 10 s here):
  /// the count is chosen by whoever wrote the file.
  static constexpr std::size_t kMaxPbkdf2Iterations = 10000000;

  explicit PrivateKey(std::shared_ptr<const PrivateKeyImpl> impl);
  const PrivateKeyImpl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const PrivateKeyImpl> impl_;
};

/// What a device that signs digests is handed for `message`: its digest in the key's suite,
/// for SM2 e = SM3(Z || M) with Z from the public key and options.sm2_id (GM/T 0009).
Bytes digest_to_sign(const PublicKey& key, ByteView message, const SignOptions& options = {});

/// True when the PEM text holds an encrypted private key.
bool is_encrypted_private_key_pem(std::string_view pem);

// ---------------------------------------------------------------------------------------------
// Versions

/// Library versions in use (libsign, Botan, OpenSSL), for `xsign version`.
struct LibraryVersions {
  std::string libsign;
  std::string botan;
  std::string openssl;
};
LibraryVersions library_versions();

/// Lowercase hex of bytes.
std::string to_hex(ByteView data);
/// Parses hex (case-insensitive, no separators); throws FormatError.
Bytes from_hex(std::string_view hex);

}  // namespace sign
