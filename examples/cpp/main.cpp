// Sign a document and verify it with libsign's facade (C++20).
// Usage: sign_and_verify DOC KEY CERT TRUST OUT.p7s
#include <sign/facade.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: sign_and_verify DOC KEY CERT TRUST OUT.p7s\n";
    return 64;
  }
  try {
    sign::facade::sign_file(argv[1], {.key = argv[2], .certificate = argv[3]}, argv[5]);
    const auto v = sign::facade::verify_file(argv[1], argv[5], {.trust = argv[4]});
    std::cout << v.text;
    return v.indication == sign::Indication::total_passed ? 0 : 1;
  } catch (const sign::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
}
