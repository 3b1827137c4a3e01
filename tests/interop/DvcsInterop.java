// RFC 3029 DVCS with BouncyCastle's org.bouncycastle.dvcs classes (Debian libbcpkix-java), as an
// implementation independent of xsign:
//   response FILE             parse a DVCS response, print its fields, check its CMS signature
//   vsd-request SIGNED OUT    build a vsd request for an attached CMS signature file
//   vpkc-request CERT OUT     build a vpkc request for a certificate (PEM or DER)
import java.io.FileInputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.Security;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.dvcs.DVCSCertInfo;
import org.bouncycastle.asn1.dvcs.TargetEtcChain;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.dvcs.DVCSRequest;
import org.bouncycastle.dvcs.DVCSResponse;
import org.bouncycastle.dvcs.VPKCRequestBuilder;
import org.bouncycastle.dvcs.VSDRequestBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.util.encoders.Hex;

public class DvcsInterop {
  public static void main(String[] args) throws Exception {
    Security.addProvider(new BouncyCastleProvider());
    switch (args[0]) {
      case "response": response(args[1]); break;
      case "vsd-request": vsdRequest(args[1], args[2]); break;
      case "vpkc-request": vpkcRequest(args[1], args[2]); break;
      default: throw new IllegalArgumentException(args[0]);
    }
  }

  static void response(String file) throws Exception {
    ContentInfo ci = ContentInfo.getInstance(Files.readAllBytes(Paths.get(file)));
    // A signed response: BouncyCastle takes the SignedData and refuses other content types.
    DVCSResponse response = new DVCSResponse(new CMSSignedData(ci));
    org.bouncycastle.asn1.dvcs.DVCSResponse r =
        org.bouncycastle.asn1.dvcs.DVCSResponse.getInstance(response.getContent());
    DVCSCertInfo info = r.getCertInfo();
    if (info == null) {
      System.out.println("error status=" + r.getErrorNotice().getTransactionStatus().getStatus());
      System.out.println("error text=" + r.getErrorNotice().getTransactionStatus().getStatusString().getStringAtUTF8(0));
    } else {
      System.out.println("service=" + info.getDvReqInfo().getService().getValue());
      if (info.getDvReqInfo().getNonce() != null) System.out.println("nonce=" + info.getDvReqInfo().getNonce());
      System.out.println("status=" + info.getDvStatus().getStatus());
      System.out.println("status text=" + info.getDvStatus().getStatusString().getStringAtUTF8(0));
      System.out.println("imprint algorithm=" + info.getMessageImprint().getAlgorithmId().getAlgorithm());
      System.out.println("imprint=" + Hex.toHexString(info.getMessageImprint().getDigest()));
      System.out.println("serial=" + info.getSerialNumber().getValue().toString(16));
      System.out.println("time=" + info.getResponseTime().getGenTime().getTimeString());
      if (info.getCerts() != null)
        for (TargetEtcChain c : info.getCerts())
          System.out.println("target=" + c.getTarget().getValue() .getClass().getSimpleName() + " chain=" +
                             (c.getChain() == null ? 0 : c.getChain().length));
      if (info.getExtensions() != null)
        for (Object oid : java.util.Collections.list(info.getExtensions().oids()))
          System.out.println("extension=" + oid);
    }
    // The CMS signature over the response, checked with BouncyCastle's own GOST / SM2 / ECDSA.
    CMSSignedData sd = new CMSSignedData(ci);
    SignerInformation si = sd.getSignerInfos().getSigners().iterator().next();
    X509CertificateHolder cert = (X509CertificateHolder) sd.getCertificates().getMatches(si.getSID()).iterator().next();
    boolean ok = si.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(cert));
    System.out.println("signature=" + (ok ? "valid" : "INVALID") + " by " + cert.getSubject());
  }

  static void vsdRequest(String signed, String out) throws Exception {
    VSDRequestBuilder b = new VSDRequestBuilder();
    b.setNonce(BigInteger.valueOf(4242));
    DVCSRequest req = b.build(new CMSSignedData(Files.readAllBytes(Paths.get(signed))));
    Files.write(Paths.get(out), new ContentInfo(req.getContentType(), req.getContent()).getEncoded("DER"));
  }

  static void vpkcRequest(String certFile, String out) throws Exception {
    X509Certificate cert;
    try (FileInputStream in = new FileInputStream(certFile)) {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509", "BC").generateCertificate(in);
    }
    VPKCRequestBuilder b = new VPKCRequestBuilder();
    b.setNonce(BigInteger.valueOf(77));
    b.addTargetChain(new X509CertificateHolder(cert.getEncoded()));
    DVCSRequest req = b.build();
    Files.write(Paths.get(out), new ContentInfo(req.getContentType(), req.getContent()).getEncoded("DER"));
  }
}
