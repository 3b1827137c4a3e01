/* Baseline for the benchmarks: OpenSSL's CMS with the GOST engine signing and verifying a
 * 1 KiB document, in its own process (the engine must not share a process with SM2).
 * Usage: openssl_gost_cms KEY CERT CHAIN ROOT SECONDS   (OPENSSL_CONF loads the engine)
 * Prints: "<sign ops/s> <verify ops/s>". */
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *load(const char *path, int key) {
  FILE *f = fopen(path, "r");
  if (!f) { perror(path); exit(2); }
  void *out = key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL) : (void *)PEM_read_X509(f, NULL, NULL, NULL);
  fclose(f);
  if (!out) { ERR_print_errors_fp(stderr); exit(2); }
  return out;
}

int main(int argc, char **argv) {
  if (argc != 6) { fprintf(stderr, "usage: %s KEY CERT CHAIN ROOT SECONDS\n", argv[0]); return 2; }
  EVP_PKEY *key = load(argv[1], 1);
  X509 *cert = load(argv[2], 0), *chain = load(argv[3], 0), *root = load(argv[4], 0);
  const double seconds = atof(argv[5]);
  unsigned char data[1024];
  for (int i = 0; i < 1024; ++i) data[i] = 0x5a;
  STACK_OF(X509) *certs = sk_X509_new_null();
  sk_X509_push(certs, chain);
  X509_STORE *store = X509_STORE_new();
  X509_STORE_add_cert(store, root);

  const int flags = CMS_BINARY | CMS_DETACHED | CMS_NOSMIMECAP;
  unsigned char *der = NULL;
  int der_len = 0;
  long n = 0;
  double start = now();
  while (now() - start < seconds) {
    BIO *in = BIO_new_mem_buf(data, sizeof data);
    CMS_ContentInfo *cms = CMS_sign(cert, key, certs, in, flags);
    if (!cms) { ERR_print_errors_fp(stderr); return 1; }
    OPENSSL_free(der);
    der = NULL;
    der_len = i2d_CMS_ContentInfo(cms, &der);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    ++n;
  }
  const double sign_rate = n / (now() - start);
  n = 0;
  start = now();
  while (now() - start < seconds) {
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, der_len);
    BIO *in = BIO_new_mem_buf(data, sizeof data);
    if (!cms || CMS_verify(cms, NULL, store, in, NULL, CMS_BINARY) != 1) { ERR_print_errors_fp(stderr); return 1; }
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    ++n;
  }
  printf("%.1f %.1f\n", sign_rate, n / (now() - start));
  return 0;
}
