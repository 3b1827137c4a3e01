#include "crypto/curves.hpp"

#include <sign/error.hpp>

#include <botan/bigint.h>

#include <map>
#include <memory>
#include <functional>
#include <iterator>
#include <mutex>

namespace sign::detail {
namespace {

// Parameters from RFC 4357 (CryptoPro), RFC 7836 (TC26), GM/T 0003.5 (SM2) and SEC 2 (P-256).
// Aliases (e.g. CryptoPro-A = XchA = TC26-256-B) are listed under each OID they are known by.
constexpr std::string_view kCryptoProA_p = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97";
constexpr std::string_view kCryptoProA_a = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94";
constexpr std::string_view kCryptoProA_b = "A6";
constexpr std::string_view kCryptoProA_x = "1";
constexpr std::string_view kCryptoProA_y = "8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14";
constexpr std::string_view kCryptoProA_q = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893";

constexpr std::string_view kCryptoProB_p = "8000000000000000000000000000000000000000000000000000000000000C99";
constexpr std::string_view kCryptoProB_a = "8000000000000000000000000000000000000000000000000000000000000C96";
constexpr std::string_view kCryptoProB_b = "3E1AF419A269A5F866A7D3C25C3DF80AE979259373FF2B182F49D4CE7E1BBC8B";
constexpr std::string_view kCryptoProB_x = "1";
constexpr std::string_view kCryptoProB_y = "3FA8124359F96680B83D1C3EB2C070E5C545C9858D03ECFB744BF8D717717EFC";
constexpr std::string_view kCryptoProB_q = "800000000000000000000000000000015F700CFFF1A624E5E497161BCC8A198F";

constexpr std::string_view kCryptoProC_p = "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B";
constexpr std::string_view kCryptoProC_a = "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598";
constexpr std::string_view kCryptoProC_b = "805A";
constexpr std::string_view kCryptoProC_x = "0";
constexpr std::string_view kCryptoProC_y = "41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67";
constexpr std::string_view kCryptoProC_q = "9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9";

#define XSIGN_CURVE(P) kCryptoPro##P##_p, kCryptoPro##P##_a, kCryptoPro##P##_b, \
                       kCryptoPro##P##_x, kCryptoPro##P##_y, kCryptoPro##P##_q, "1"

const CurveDef kCurves_[] = {
    {{"1.2.156.10197.1.301", "sm2p256v1", Suite::sm2, 256, false},
     "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF",
     "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC",
     "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93",
     "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7",
     "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0",
     "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", "1", false},

    {{"1.2.643.2.2.35.1", "id-GostR3410-2001-CryptoPro-A-ParamSet", Suite::gost256, 256, false},
     XSIGN_CURVE(A), true},
    {{"1.2.643.2.2.35.2", "id-GostR3410-2001-CryptoPro-B-ParamSet", Suite::gost256, 256, false},
     XSIGN_CURVE(B), true},
    {{"1.2.643.2.2.35.3", "id-GostR3410-2001-CryptoPro-C-ParamSet", Suite::gost256, 256, false},
     XSIGN_CURVE(C), true},
    {{"1.2.643.2.2.36.0", "id-GostR3410-2001-CryptoPro-XchA-ParamSet", Suite::gost256, 256, false},
     XSIGN_CURVE(A), true},
    {{"1.2.643.2.2.36.1", "id-GostR3410-2001-CryptoPro-XchB-ParamSet", Suite::gost256, 256, false},
     XSIGN_CURVE(C), true},
    {{"1.2.643.7.1.2.1.1.1", "id-tc26-gost-3410-2012-256-paramSetA", Suite::gost256, 255, false},
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
     "C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335",
     "295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513",
     "91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28",
     "32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C",
     "400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67", "4", false},
    {{"1.2.643.7.1.2.1.1.2", "id-tc26-gost-3410-2012-256-paramSetB", Suite::gost256, 256, false},
     XSIGN_CURVE(A), false},
    {{"1.2.643.7.1.2.1.1.3", "id-tc26-gost-3410-2012-256-paramSetC", Suite::gost256, 256, false},
     XSIGN_CURVE(B), false},
    {{"1.2.643.7.1.2.1.1.4", "id-tc26-gost-3410-2012-256-paramSetD", Suite::gost256, 256, false},
     XSIGN_CURVE(C), false},
    // RFC 7091 / RFC 5832 worked-example curve: lets the standard's example verify, never generated.
    {{"1.2.643.2.2.35.0", "id-GostR3410-2001-TestParamSet", Suite::gost256, 256, true},
     "8000000000000000000000000000000000000000000000000000000000000431", "7",
     "5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E", "2",
     "08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8",
     "8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3", "1", true},

    {{"1.2.643.7.1.2.1.2.1", "id-tc26-gost-3410-12-512-paramSetA", Suite::gost512, 512, false},
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4",
     "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265"
     "EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
     "3",
     "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF16"
     "26BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4",
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
     "27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275", "1", true},
    {{"1.2.643.7.1.2.1.2.2", "id-tc26-gost-3410-12-512-paramSetB", Suite::gost512, 512, false},
     "8000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000006F",
     "8000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000006C",
     "687D1B459DC841457E3E06CF6F5E2517B97C7D614AF138BCBF85DC806C4B289F"
     "3E965D2DB1416D217F8B276FAD1AB69C50F78BEE1FA3106EFB8CCBC7C5140116",
     "2",
     "1A8F7EDA389B094C2C071E3647A8940F3C123B697578C213BE6DD9E6C8EC7335"
     "DCB228FD1EDF4A39152CBCAAF8C0398828041055F94CEEEC7E21340780FE41BD",
     "8000000000000000000000000000000000000000000000000000000000000001"
     "49A1EC142565A545ACFDB77BD9D40CFA8B996712101BEA0EC6346C54374F25BD", "1", true},
    {{"1.2.643.7.1.2.1.2.3", "id-tc26-gost-3410-2012-512-paramSetC", Suite::gost512, 510, false},
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
     "DC9203E514A721875485A529D2C722FB187BC8980EB866644DE41C68E1430645"
     "46E861C0E2C9EDD92ADE71F46FCF50FF2AD97F951FDA9F2A2EB6546F39689BD3",
     "B4C4EE28CEBC6C2C8AC12952CF37F16AC7EFB6A9F69F4B57FFDA2E4F0DE5ADE0"
     "38CBC2FFF719D2C18DE0284B8BFEF3B52B8CC7A5F5BF0A3C8D2319A5312557E1",
     "E2E31EDFC23DE7BDEBE241CE593EF5DE2295B7A9CBAEF021D385F7074CEA043A"
     "A27272A7AE602BF2A7B9033DB9ED3610C6FB85487EAE97AAC5BC7928C1950148",
     "F5CE40D95B5EB899ABBCCFF5911CB8577939804D6527378B8C108C3D2090FF9B"
     "E18E2D33E3021ED2EF32D85822423B6304F726AA854BAE07D0396E9A9ADDC40F",
     "3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
     "C98CDBA46506AB004C33A9FF5147502CC8EDA9E7A769A12694623CEF47F023ED", "4", false},

    {{"1.2.840.10045.3.1.7", "prime256v1 (NIST P-256)", Suite::p256, 256, false},
     "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
     "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC",
     "5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B",
     "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296",
     "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5",
     "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", "1", false},
};
#undef XSIGN_CURVE

Botan::BigInt big(std::string_view hex) {
  return Botan::BigInt("0x" + std::string(hex));
}

}  // namespace

std::span<const CurveDef> curve_table() { return kCurves_; }

const CurveDef* find_curve(std::string_view oid) {
  for (const auto& c : kCurves_)
    if (c.info.oid == oid) return &c;
  return nullptr;
}

namespace {

// One T per curve, built on first use and then read without a lock by every thread. Never
// destroyed on purpose: Botan's locked-memory pool is torn down at exit before our statics
// would be, and freeing group data after it crashes. A curve outside the table (worked examples
// in tests) gets its own entry under a lock.
template <typename T, typename Make>
const T& per_curve(const CurveDef& curve, Make make) {
  constexpr std::size_t kCurves = std::size(kCurves_);
  static std::once_flag once[kCurves];
  static T* built[kCurves] = {};
  const std::less<const CurveDef*> before;
  const bool in_table = !before(&curve, std::begin(kCurves_)) && before(&curve, std::end(kCurves_));
  if (!in_table) {
    static std::mutex mutex;
    static auto& extra = *new std::map<const CurveDef*, std::unique_ptr<T>>;
    std::lock_guard lock(mutex);
    auto& slot = extra[&curve];
    if (!slot) slot = std::make_unique<T>(make());
    return *slot;
  }
  const auto index = static_cast<std::size_t>(&curve - kCurves_);
  std::call_once(once[index], [&] { built[index] = new T(make()); });
  return *built[index];
}

}  // namespace

const Botan::EC_Group& botan_group(const CurveDef& curve) {
  // No OID is given to Botan: its own OID table maps some GOST OIDs to other curves.
  return per_curve<Botan::EC_Group>(curve, [&] {
    return Botan::EC_Group(big(curve.p), big(curve.a), big(curve.b), big(curve.x), big(curve.y), big(curve.q),
                           big(curve.cofactor));
  });
}

const CurveArithmetic& curve_arithmetic(const CurveDef& curve) {
  return per_curve<CurveArithmetic>(curve, [&] {
    return CurveArithmetic{Botan::CurveGFp(big(curve.p), big(curve.a), big(curve.b)), big(curve.q)};
  });
}

std::size_t field_bytes(const CurveDef& curve) { return (curve.p.size() + 1) / 2; }

}  // namespace sign::detail
