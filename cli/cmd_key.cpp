// `xsign key gen|list|pub|info|sign|verify`.
#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "passphrase.hpp"

#include <sign/asn1.hpp>
#include <sign/crypto.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/signers.hpp>

#include <nlohmann/json.hpp>

#include <iostream>

namespace xsign {
namespace {

struct KeyArgs {
  std::string suite;
  std::string param_set;
  std::string input;
  std::string out;
  std::string key;
  std::string pub;
  std::string sig;
  std::string sm2_id = "1234567812345678";
  std::string pkcs11;  ///< key gen on a token: its URI
  bool json = false;
  PassphraseOptions pass;
};

// A key file may hold a private key (possibly encrypted) or only a public key.
struct LoadedKey {
  std::optional<sign::PrivateKey> priv;
  sign::PublicKey pub;
  bool encrypted = false;
};

sign::Pkcs11Options pkcs11_options(const PassphraseOptions& pass, const std::string& what) {
  sign::Pkcs11Options o;
  o.module = pass.pkcs11_module;
  o.sm2_mechanisms = pass.pkcs11_sm2;
  o.pin = passphrase_for_reading(pass, what);
  return o;
}

LoadedKey load_any_key(const std::string& path, const PassphraseOptions& pass) {
  if (sign::is_key_reference(path)) {
    auto priv = open_key(path, pass);
    return {priv, priv.public_key(), false};
  }
  const auto data = sign::read_file(path);
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  if (sign::looks_like_pem(data) && text.find("PRIVATE KEY-----") == std::string_view::npos) {
    return {std::nullopt, sign::PublicKey::load(path), false};
  }
  if (!sign::looks_like_pem(data)) {
    // DER: a SubjectPublicKeyInfo or a PKCS#8 key; try the private form first.
    try {
      auto priv = sign::PrivateKey::load(path, nullptr);
      return {priv, priv.public_key(), false};
    } catch (const sign::FormatError&) {
      return {std::nullopt, sign::PublicKey::load(path), false};
    }
  }
  auto priv = sign::PrivateKey::load(path, passphrase_for_reading(pass, path));
  return {priv, priv.public_key(), sign::is_encrypted_private_key_pem(text)};
}

sign::SignOptions sign_options(const KeyArgs& a) {
  sign::SignOptions o;
  o.sm2_id = a.sm2_id;
  return o;
}

void print_token_key(const sign::Pkcs11KeyInfo& k) {
  std::cout << k.uri << "\n"
            << "  suite:       " << (k.suite ? std::string(sign::suite_name(*k.suite)) : "(not one xsign signs with)") << "\n"
            << "  label:       " << sign::printable_text(k.label) << "\n"
            << "  id:          " << k.id_hex << "\n"
            << "  protection:  " << (k.sensitive ? "sensitive" : "NOT sensitive") << ", "
            << (k.extractable ? "EXTRACTABLE" : "never leaves the token") << "\n";
  if (k.public_key) std::cout << "  fingerprint: SHA256:" << k.public_key->fingerprint() << "\n";
}

nlohmann::json token_key_json(const sign::Pkcs11KeyInfo& k) {
  return {{"uri", k.uri},
          {"token", k.token_label},
          {"label", k.label},
          {"id", k.id_hex},
          {"suite", k.suite ? nlohmann::json(std::string(sign::suite_name(*k.suite))) : nlohmann::json(nullptr)},
          {"sensitive", k.sensitive},
          {"extractable", k.extractable},
          {"fingerprint_sha256", k.public_key ? nlohmann::json(k.public_key->fingerprint()) : nlohmann::json(nullptr)}};
}

void key_gen_on_token(const KeyArgs& a, sign::Suite suite) {
  const auto k = sign::pkcs11_generate_key(a.pkcs11, suite, pkcs11_options(a.pass, a.pkcs11), a.param_set);
  if (a.json) std::cout << token_key_json(k).dump(2) << "\n";
  else {
    std::cerr << "xsign: generated " << a.suite << " key on the token (the private key never leaves it)\n";
    print_token_key(k);
  }
  if (!a.out.empty() && k.public_key) write_output(a.out, k.public_key->to_pem());
}

void key_list(const KeyArgs& a) {
  const auto options = pkcs11_options(a.pass, a.pkcs11.empty() ? "pkcs11:" : a.pkcs11);
  const auto tokens = sign::pkcs11_tokens(options);
  const auto keys = sign::pkcs11_keys(a.pkcs11, options);
  if (a.json) {
    nlohmann::json out{{"tokens", nlohmann::json::array()}, {"keys", nlohmann::json::array()}};
    for (const auto& t : tokens)
      out["tokens"].push_back({{"uri", t.uri}, {"label", t.label}, {"manufacturer", t.manufacturer}, {"model", t.model},
                               {"serial", t.serial}, {"login_required", t.login_required}, {"initialized", t.initialized},
                               {"signing_suites", t.signing_suites}});
    for (const auto& k : keys) out["keys"].push_back(token_key_json(k));
    std::cout << out.dump(2) << "\n";
    return;
  }
  for (const auto& t : tokens) {
    std::string suites;
    for (const auto& s : t.signing_suites) suites += (suites.empty() ? "" : ", ") + s;
    std::cout << "token " << sign::printable_text(t.label) << " (" << sign::printable_text(t.manufacturer) << " "
              << sign::printable_text(t.model) << ", serial " << sign::printable_text(t.serial) << ")"
              << (t.initialized ? "" : " not initialized") << "\n  " << t.uri << "\n  signs: "
              << (suites.empty() ? "(no mechanism xsign uses)" : suites) << "\n";
  }
  if (tokens.empty()) std::cout << "(no token present)\n";
  for (const auto& k : keys) print_token_key(k);
}

void key_gen(const KeyArgs& a) {
  const sign::Suite suite = sign::parse_suite(a.suite);
  if (!a.pkcs11.empty()) return key_gen_on_token(a, suite);
  std::string pass;
  if (!a.pass.no_encrypt)
    pass = passphrase_for_writing(a.pass, a.out.empty() || a.out == "-" ? "the new key" : a.out);
  const auto key = sign::PrivateKey::generate(suite, a.param_set);
  const std::string pem = a.pass.no_encrypt ? key.to_pem() : key.to_encrypted_pem(pass);
  write_output(a.out, pem, sign::FileMode::private_0600);
  std::cerr << "xsign: generated " << a.suite << " key on " << sign::curve_info(key.curve_oid()).name
            << ", fingerprint SHA256:" << key.public_key().fingerprint() << "\n";
}

void key_pub(const KeyArgs& a) {
  const auto loaded = load_any_key(a.input, a.pass);
  write_output(a.out, loaded.pub.to_pem());
}

void key_info(const KeyArgs& a) {
  const auto loaded = load_any_key(a.input, a.pass);
  const auto& s = sign::suite_info(loaded.pub.suite());
  const auto& curve = sign::curve_info(loaded.pub.curve_oid());
  const std::string kind = !loaded.priv              ? "public key"
                           : !loaded.priv->exportable() ? "private key (" + loaded.priv->description() + ")"
                           : loaded.encrypted           ? "private key (encrypted PKCS#8)"
                                                        : "private key (unencrypted PKCS#8)";
  if (a.json) {
    nlohmann::json out{{"file", a.input},
                       {"type", loaded.priv ? "private" : "public"},
                       {"encrypted", loaded.encrypted},
                       {"backend", loaded.priv ? loaded.priv->backend() : std::string("file")},
                       {"suite", s.name},
                       {"domain", s.domain},
                       {"parameter_set", {{"oid", curve.oid}, {"name", curve.name}}},
                       {"bits", curve.order_bits},
                       {"key_oid", s.key_oid},
                       {"signature_oid", s.signature_oid},
                       {"digest", {{"name", sign::digest_name(s.digest)}, {"oid", sign::digest_oid(s.digest)}}},
                       {"fingerprint_sha256", loaded.pub.fingerprint()}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << "file:          " << a.input << "\n"
            << "type:          " << kind << "\n"
            << "suite:         " << s.name << " (" << s.domain << ") " << s.description << "\n"
            << "parameter set: " << curve.name << " (" << curve.oid << ")\n"
            << "bits:          " << curve.order_bits << "\n"
            << "key OID:       " << s.key_oid << "\n"
            << "signature OID: " << s.signature_oid << "\n"
            << "digest:        " << sign::digest_name(s.digest) << " (" << sign::digest_oid(s.digest)
            << ")\n"
            << "fingerprint:   SHA256:" << loaded.pub.fingerprint() << "\n";
}

void key_sign(const KeyArgs& a) {
  std::optional<sign::PublicKey> pub;
  if (!a.pub.empty()) pub = sign::PublicKey::load(a.pub);
  const auto key = open_key(a.key, a.pass, pub);
  auto signer = key.signing_stream(sign_options(a));
  InputStream in(a.input);
  sign::for_each_chunk(in.get(), [&](sign::ByteView chunk) { signer->update(chunk); }, a.input);
  write_output(a.out, signer->sign(), true);
}

int key_verify(const KeyArgs& a) {
  const auto loaded = load_any_key(a.pub, a.pass);
  const auto sig = sign::read_file(a.sig, 1024 * 1024);
  auto verifier = loaded.pub.verifier(sign_options(a));
  InputStream in(a.input);
  sign::for_each_chunk(in.get(), [&](sign::ByteView chunk) { verifier->update(chunk); }, a.input);
  const bool ok = verifier->verify(sig);
  if (a.json) {
    std::cout << nlohmann::json{{"file", a.input}, {"valid", ok}}.dump() << "\n";
  } else {
    std::cout << (ok ? "signature valid" : "signature INVALID") << "\n";
  }
  return ok ? kExitOk : kExitFailed;
}

}  // namespace

void register_key_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<KeyArgs>();
  auto* key = app.add_subcommand("key", "Generate, inspect and use private keys");
  key->require_subcommand(1);

  auto* gen = key->add_subcommand("gen", "Generate a private key (encrypted PKCS#8 PEM)");
  gen->add_option("--suite", args->suite, "sm2 | gost256 | gost512 | p256")->required();
  gen->add_option("--param-set", args->param_set,
                  "Curve / GOST parameter set OID (default per suite; see `xsign version`)");
  gen->add_option("--out", args->out, "Write the key to FILE (mode 0600); stdout when absent")
      ->type_name("FILE");
  gen->add_option("--pkcs11", args->pkcs11,
                  "Generate on a PKCS#11 token instead: URI with token= and object=LABEL (the key is never extractable); "
                  "--out then receives the public key")
      ->type_name("URI");
  gen->add_flag("--json", args->json, "Machine-readable output (with --pkcs11)");
  add_passphrase_options(*gen, args->pass, true);
  add_key_source_options(*gen, args->pass);
  gen->callback([args] { key_gen(*args); });

  auto* list = key->add_subcommand("list", "List PKCS#11 tokens and the keys on them");
  list->add_option("uri", args->pkcs11, "Only tokens and keys matching this pkcs11: URI")->type_name("URI");
  list->add_flag("--json", args->json, "Machine-readable output");
  add_passphrase_options(*list, args->pass, false);
  add_key_source_options(*list, args->pass);
  list->callback([args] { key_list(*args); });

  auto* pub = key->add_subcommand("pub", "Write the public key (SubjectPublicKeyInfo PEM)");
  pub->add_option("key", args->input, "Private or public key file (PEM or DER), or a pkcs11: URI")->required();
  pub->add_option("--out", args->out, "Output file; stdout when absent")->type_name("FILE");
  add_passphrase_options(*pub, args->pass, false);
  add_key_source_options(*pub, args->pass);
  pub->callback([args] { key_pub(*args); });

  auto* info = key->add_subcommand("info", "Show a key's suite, parameter set and fingerprint");
  info->add_option("key", args->input, "Private or public key file (PEM or DER), or a pkcs11: URI")->required();
  info->add_flag("--json", args->json, "Machine-readable output");
  add_passphrase_options(*info, args->pass, false);
  add_key_source_options(*info, args->pass);
  info->callback([args] { key_info(*args); });

  auto* sign_cmd = key->add_subcommand(
      "sign", "Raw signature over a file (no CMS): DER (r,s) for sm2/p256, s||r for GOST");
  sign_cmd->add_option("file", args->input, "File to sign ('-' for stdin)")->required();
  sign_cmd->add_option("--key", args->key, "Private key: a file, a pkcs11: URI, or ext:COMMAND")->required();
  sign_cmd->add_option("--pub", args->pub, "Public key of an ext: key")->type_name("FILE");
  sign_cmd->add_option("--sm2-id", args->sm2_id, "SM2 distinguishing ID")
      ->capture_default_str();
  sign_cmd->add_option("--out", args->out, "Signature file; stdout (not a terminal) when absent")
      ->type_name("FILE");
  add_passphrase_options(*sign_cmd, args->pass, false);
  add_key_source_options(*sign_cmd, args->pass);
  sign_cmd->callback([args] { key_sign(*args); });

  auto* verify = key->add_subcommand("verify", "Check a raw signature over a file");
  verify->add_option("file", args->input, "Signed file ('-' for stdin)")->required();
  verify->add_option("--pub", args->pub, "Public (or private) key file")->required();
  verify->add_option("--sig", args->sig, "Signature file")->required();
  verify->add_option("--sm2-id", args->sm2_id, "SM2 distinguishing ID")->capture_default_str();
  verify->add_flag("--json", args->json, "Machine-readable output");
  add_passphrase_options(*verify, args->pass, false);
  verify->callback([args, &ctx] { ctx.exit_code = key_verify(*args); });
}

}  // namespace xsign
