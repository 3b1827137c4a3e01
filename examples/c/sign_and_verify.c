/* Sign a document and verify it through libsign's C ABI.
 * Build: cc sign_and_verify.c $(pkg-config --cflags --libs libsign)
 * Usage: sign_and_verify DOC KEY CERT TRUST OUT.p7s */
#include <sign/sign.h>

#include <stdio.h>

int main(int argc, char** argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: sign_and_verify DOC KEY CERT TRUST OUT.p7s\n");
    return 64;
  }
  if (sign_sign_file(argv[1], argv[2], NULL, argv[3], NULL, argv[5], 0, NULL) != SIGN_OK) {
    fprintf(stderr, "sign: %s\n", sign_last_error());
    return 2;
  }
  sign_report_t* report = NULL;
  if (sign_verify_file(argv[1], argv[5], argv[4], NULL, &report) != SIGN_OK) {
    fprintf(stderr, "verify: %s\n", sign_last_error());
    return 2;
  }
  fputs(sign_report_text(report), stdout);
  const int verdict = sign_report_indication(report);
  sign_report_free(report);
  return verdict == SIGN_TOTAL_PASSED ? 0 : 1;
}
