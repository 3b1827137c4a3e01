// An independent verifier of XML signatures for the tests: Apache Santuario (Debian
// libxml-security-java) canonicalizes, resolves and digests; BouncyCastle is the provider for
// GOST R 34.10-2012 and SM2, which Santuario does not know by URI. The URIs are mapped here to
// BouncyCastle's JCE names; SignatureValue layouts follow the sources named in docs/interop.md
// (GOST s||r as RFC 4491, SM2 r||s). P-256 uses Santuario's own ECDSA.
//
// Usage: java -cp xmlsec.jar:bcprov.jar:... SantuarioVerify.java FILE.xml...
// Prints "FILE: OK n" or "FILE: FAIL n: why" per ds:Signature; exits 0 only when every one verifies.
import java.io.ByteArrayInputStream;
import java.io.File;
import java.math.BigInteger;
import java.security.Key;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Base64;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.xml.security.algorithms.JCEMapper;
import org.apache.xml.security.algorithms.SignatureAlgorithm;
import org.apache.xml.security.algorithms.SignatureAlgorithmSpi;
import org.apache.xml.security.signature.XMLSignature;
import org.apache.xml.security.signature.XMLSignatureException;
import org.apache.xml.security.utils.resolver.implementations.ResolverLocalFilesystem;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

public class SantuarioVerify {
  static final String DS = "http://www.w3.org/2000/09/xmldsig#";

  /** A Santuario signature algorithm backed by a JCE Signature of BouncyCastle. */
  public abstract static class Jce extends SignatureAlgorithmSpi {
    private Signature sig;
    abstract String jceName();
    abstract String uri();
    byte[] toJce(byte[] xmlValue) { return xmlValue; }
    protected String engineGetURI() { return uri(); }
    protected String engineGetJCEAlgorithmString() { return jceName(); }
    protected String engineGetJCEProviderName() { return "BC"; }
    protected void engineUpdate(byte[] b) throws XMLSignatureException { try { sig.update(b); } catch (Exception e) { throw new XMLSignatureException(e); } }
    protected void engineUpdate(byte b) throws XMLSignatureException { try { sig.update(b); } catch (Exception e) { throw new XMLSignatureException(e); } }
    protected void engineUpdate(byte[] b, int o, int l) throws XMLSignatureException { try { sig.update(b, o, l); } catch (Exception e) { throw new XMLSignatureException(e); } }
    protected void engineInitSign(Key k) { throw new UnsupportedOperationException(); }
    protected void engineInitSign(Key k, SecureRandom r) { throw new UnsupportedOperationException(); }
    protected void engineInitSign(Key k, AlgorithmParameterSpec p) { throw new UnsupportedOperationException(); }
    protected byte[] engineSign() { throw new UnsupportedOperationException(); }
    protected void engineInitVerify(Key k) throws XMLSignatureException {
      try { sig = Signature.getInstance(jceName(), "BC"); sig.initVerify((PublicKey) k); } catch (Exception e) { throw new XMLSignatureException(e); }
    }
    protected boolean engineVerify(byte[] v) throws XMLSignatureException {
      try { return sig.verify(toJce(v)); } catch (Exception e) { throw new XMLSignatureException(e); }
    }
    protected void engineSetParameter(AlgorithmParameterSpec p) {}
    protected void engineSetHMACOutputLength(int l) {}
  }

  public static class Gost256 extends Jce {
    String jceName() { return "GOST3411-2012-256WITHECGOST3410-2012-256"; }
    String uri() { return "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256"; }
  }
  public static class Gost512 extends Jce {
    String jceName() { return "GOST3411-2012-512WITHECGOST3410-2012-512"; }
    String uri() { return "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-512"; }
  }
  /** SM3withSM2 with BouncyCastle's default distinguishing ID 1234567812345678; XML carries r||s. */
  public static class Sm2 extends Jce {
    String jceName() { return "SM3withSM2"; }
    String uri() { return "http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3"; }
    byte[] toJce(byte[] v) {
      try {
        int n = v.length / 2;
        ASN1EncodableVector rs = new ASN1EncodableVector();
        rs.add(new ASN1Integer(new BigInteger(1, java.util.Arrays.copyOfRange(v, 0, n))));
        rs.add(new ASN1Integer(new BigInteger(1, java.util.Arrays.copyOfRange(v, n, v.length))));
        return new DERSequence(rs).getEncoded();
      } catch (Exception e) { throw new RuntimeException(e); }
    }
  }
  public static class Sm2W3c extends Sm2 {
    String uri() { return "http://www.w3.org/2000/09/xmldsig#sm2-sm3"; }
  }

  // Santuario (like any DOM verifier) only resolves #Id to attributes declared as IDs.
  static void markIds(Element e) {
    if (e.hasAttributeNS(null, "Id")) e.setIdAttributeNS(null, "Id", true);
    NodeList kids = e.getChildNodes();
    for (int i = 0; i < kids.getLength(); i++)
      if (kids.item(i) instanceof Element) markIds((Element) kids.item(i));
  }

  public static void main(String[] args) throws Exception {
    Security.addProvider(new BouncyCastleProvider());
    org.apache.xml.security.Init.init();
    SignatureAlgorithm.register(new Gost256().uri(), Gost256.class);
    SignatureAlgorithm.register(new Gost512().uri(), Gost512.class);
    SignatureAlgorithm.register(new Sm2().uri(), Sm2.class);
    SignatureAlgorithm.register(new Sm2W3c().uri(), Sm2W3c.class);
    JCEMapper.register("urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256", new JCEMapper.Algorithm("", "GOST3411-2012-256"));
    JCEMapper.register("urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-512", new JCEMapper.Algorithm("", "GOST3411-2012-512"));
    JCEMapper.register("http://www.chinaport.gov.cn/2022/04/xmldsig#sm3", new JCEMapper.Algorithm("", "SM3"));
    JCEMapper.register("http://www.w3.org/2000/09/xmldsig#sm3", new JCEMapper.Algorithm("", "SM3"));

    boolean all = true;
    for (String name : args) all &= verifyFile(new File(name));
    System.exit(all ? 0 : 1);
  }

  // Prints "FILE: OK n" or "FILE: FAIL n: why" for each ds:Signature of the file.
  static boolean verifyFile(File file) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document doc = f.newDocumentBuilder().parse(file);
    markIds(doc.getDocumentElement());
    NodeList sigs = doc.getElementsByTagNameNS(DS, "Signature");
    CertificateFactory cf = CertificateFactory.getInstance("X.509", "BC");
    boolean all = sigs.getLength() > 0;
    for (int i = 0; i < sigs.getLength(); i++) {
      Element el = (Element) sigs.item(i);
      String at = file.getPath() + ": ";
      try {
        XMLSignature sig = new XMLSignature(el, file.getAbsoluteFile().toURI().toString(), false);
        sig.addResourceResolver(new ResolverLocalFilesystem());
        Element certEl = (Element) el.getElementsByTagNameNS(DS, "X509Certificate").item(0);
        byte[] der = Base64.getMimeDecoder().decode(certEl.getTextContent());
        X509Certificate cert = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der));
        boolean ok = sig.checkSignatureValue(cert.getPublicKey());
        System.out.println(at + (ok ? "OK " + (i + 1) : "FAIL " + (i + 1) + ": signature or reference does not verify"));
        all &= ok;
      } catch (Exception e) {
        System.out.println(at + "FAIL " + (i + 1) + ": " + e);
        all = false;
      }
    }
    return all;
  }
}
