/**
 * The certificate authority behind proxy mode. Generated on first start and kept (key and
 * certificate, PEM) in the data folder so a client trusts it once; with `--ephemeral` it lives in
 * memory for the life of the process. It signs one leaf certificate naming every Graph host, so
 * a TLS client that checks names (all of them) accepts the in-process server as graph.facebook.com.
 *
 * Keys come from node:crypto (native, milliseconds); node-forge only builds and signs the X.509
 * structures, which node:crypto cannot create.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

export interface KeyAndCert {
  keyPem: string;
  certPem: string;
}

export interface CertificateAuthority extends KeyAndCert {
  /** SHA-256 fingerprint of the CA certificate, `AB:CD:…`, for the banner and docs. */
  fingerprint256: string;
  /** Where the CA is kept, or null when it lives in memory. */
  dir: string | null;
  /** A leaf certificate for these DNS names, signed by this CA. */
  issueLeaf(dnsNames: readonly string[]): KeyAndCert;
}

const CA_KEY_FILE = 'ca-key.pem';
const CA_CERT_FILE = 'ca.pem';
const DAY_MS = 24 * 60 * 60 * 1000;

function rsaKeyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

/** A positive serial number of 16 random bytes (RFC 5280 allows up to 20 octets). */
function serialNumber(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
}

/**
 * Validity is checked by the client against its own wall clock, never localgraph's movable test
 * clock; so real time is right here. A day of back-dating absorbs clock skew between machines.
 */
function validity(cert: forge.pki.Certificate, days: number): void {
  const now = Date.now();
  cert.validity.notBefore = new Date(now - DAY_MS);
  cert.validity.notAfter = new Date(now + days * DAY_MS);
}

function createCa(): KeyAndCert {
  const keys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serialNumber();
  validity(cert, 3650);
  const name = [
    { name: 'commonName', value: 'localgraph proxy CA' },
    { name: 'organizationName', value: 'localgraph (local testing only)' },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  // basicConstraints critical, keyUsage and both key identifiers: strict verifiers (Python 3.13's
  // VERIFY_X509_STRICT, OpenSSL 3) refuse a CA without them.
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privatePem), forge.md.sha256.create());
  return { keyPem: keys.privatePem, certPem: forge.pki.certificateToPem(cert) };
}

function issueLeafWith(ca: KeyAndCert, dnsNames: readonly string[]): KeyAndCert {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serialNumber();
  // Under 398 days: the longest leaf lifetime Apple's and Chrome's verifiers accept.
  validity(cert, 390);
  cert.setSubject([{ name: 'commonName', value: dnsNames[0] ?? 'localgraph' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: dnsNames.map((value) => ({ type: 2, value })) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { keyPem: keys.privatePem, certPem: forge.pki.certificateToPem(cert) };
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** A stored CA that is unreadable or expired is replaced rather than served broken. */
function usable(pair: KeyAndCert): boolean {
  try {
    const x = new X509Certificate(pair.certPem);
    return Date.parse(x.validTo) > Date.now() + DAY_MS && x.checkPrivateKey(createPrivateKey(pair.keyPem));
  } catch {
    return false;
  }
}


/**
 * Loads the CA from `dir` (creating it on first start), or makes one in memory when `dir` is
 * null. The key file is written owner-only: it can mint certificates the client now trusts.
 */
export function loadOrCreateCa(dir: string | null): CertificateAuthority {
  let pair: KeyAndCert | undefined;
  if (dir) {
    const keyPem = readIfPresent(path.join(dir, CA_KEY_FILE));
    const certPem = readIfPresent(path.join(dir, CA_CERT_FILE));
    if (keyPem && certPem && usable({ keyPem, certPem })) pair = { keyPem, certPem };
  }
  if (!pair) {
    pair = createCa();
    if (dir) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, CA_KEY_FILE), pair.keyPem, { mode: 0o600 });
      fs.writeFileSync(path.join(dir, CA_CERT_FILE), pair.certPem);
    }
  }
  const ca = pair;
  return {
    ...ca,
    dir,
    fingerprint256: new X509Certificate(ca.certPem).fingerprint256,
    issueLeaf: (dnsNames) => issueLeafWith(ca, dnsNames),
  };
}
