import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadOrCreateCa } from '../../../src/proxy/ca.js';

describe('the proxy CA', () => {
  const ca = loadOrCreateCa(null);

  it('is a CA certificate whose key matches', () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.fingerprint256).toBe(ca.fingerprint256);
  });

  it('issues a leaf for the Graph hosts that verifies against it and is not itself a CA', () => {
    const leaf = ca.issueLeaf(['graph.facebook.com', 'graph.beta.facebook.com']);
    const cert = new X509Certificate(leaf.certPem);
    const root = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(false);
    expect(cert.verify(root.publicKey)).toBe(true);
    expect(cert.checkIssued(root)).toBe(true);
    expect(cert.checkHost('graph.facebook.com')).toBe('graph.facebook.com');
    expect(cert.checkHost('graph.beta.facebook.com')).toBe('graph.beta.facebook.com');
    expect(cert.checkHost('example.com')).toBeUndefined();
  });
});
