import { chmodSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateKeyPair, randomBytes, sign } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

/** PEM material for the simulator's MQTT broker: a throw-away CA and a server certificate it signed. */
export interface Certificates {
  /** The CA certificate clients must trust (BMW's broker uses a public CA; ours is private, so clients get this). */
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface CertificateOptions {
  /** How long the certificates stay valid. */
  validDays?: number;
  /**
   * Wall-clock epoch ms the validity is counted from. Deliberately not an injected Clock: the TLS peers check the
   * dates against the real time, whatever simulated time the simulator runs on.
   */
  now?: number;
}

const DAY_MS = 86_400_000;

/**
 * A CA and a server certificate for `localhost` / `127.0.0.1`. node-forge assembles the X.509 structures, because
 * node:crypto cannot create certificates; node:crypto does the slow parts natively. Measured on the 2-core CI box:
 * one 2048-bit RSA key takes 70–800 ms (prime search), forge's JS signing 50–90 ms per certificate; generating both
 * keys in parallel on the thread pool and signing natively keeps the whole call at a few hundred ms.
 */
export async function generateCertificates(options: CertificateOptions = {}): Promise<Certificates> {
  const now = options.now ?? Date.now();
  // An hour of slack backwards so a peer whose clock runs slightly behind still accepts the certificate.
  const notBefore = new Date(now - 3_600_000);
  const notAfter = new Date(now + (options.validDays ?? 3) * DAY_MS);

  const [caKeys, serverKeys] = await Promise.all([rsaKeyPair(), rsaKeyPair()]);
  const caSubject = [
    { name: 'commonName', value: 'CarData Simulator Test CA' },
    { name: 'organizationName', value: 'node-red-contrib-bmw-cardata' },
  ];
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serialNumber();
  ca.validity.notBefore = notBefore;
  ca.validity.notAfter = notAfter;
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signNatively(ca, caKeys.privateKeyPem);

  const server = forge.pki.createCertificate();
  server.publicKey = serverKeys.publicKey;
  server.serialNumber = serialNumber();
  server.validity.notBefore = notBefore;
  server.validity.notAfter = notAfter;
  server.setSubject([{ name: 'commonName', value: 'localhost' }]);
  server.setIssuer(caSubject);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    // Both names, so clients that connect to 127.0.0.1 (mosquitto_sub) and to localhost (servername) verify.
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  signNatively(server, caKeys.privateKeyPem);

  return {
    caPem: forge.pki.certificateToPem(ca),
    certPem: forge.pki.certificateToPem(server),
    keyPem: serverKeys.privateKeyPem,
  };
}

/** Write the CA certificate as `<dir>/ca.pem` (world-readable: it is public material) and return its absolute path. */
export function writeCaFile(dir: string, certificates: Pick<Certificates, 'caPem'>): string {
  const file = resolve(dir, 'ca.pem');
  writeFileSync(file, certificates.caPem, { mode: 0o644 });
  // writeFileSync's mode only applies to a new file (and passes through the umask); make it exact either way.
  chmodSync(file, 0o644);
  return file;
}

const generateRsa = promisify(generateKeyPair);

async function rsaKeyPair(): Promise<{ publicKey: forge.pki.rsa.PublicKey; privateKeyPem: string }> {
  const pair = await generateRsa('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKey: forge.pki.publicKeyFromPem(pair.publicKey), privateKeyPem: pair.privateKey };
}

/**
 * sha256WithRSAEncryption over the DER TBSCertificate. forge's own `cert.sign` fills in the algorithm fields and
 * caches the TBSCertificate; its JS RSA is what we skip, by handing it a key that signs nothing and then putting the
 * native PKCS#1 v1.5 signature in place.
 */
function signNatively(cert: forge.pki.Certificate, privateKeyPem: string): void {
  const placeholder = { sign: () => '' } as unknown as forge.pki.rsa.PrivateKey;
  cert.sign(placeholder, forge.md.sha256.create());
  const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  cert.signature = sign('sha256', tbs, privateKeyPem).toString('binary');
}

/** A random positive serial: RFC 5280 wants it unique per CA and positive (leading bit clear). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}
