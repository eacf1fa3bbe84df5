import { describe, expect, it } from 'vitest';
import { isGraphHost, parseHostPort } from '../../../src/proxy/hosts.js';

describe('which hosts the proxy serves', () => {
  it('serves the Graph hosts in any case, with or without a trailing dot', () => {
    expect(isGraphHost('graph.facebook.com')).toBe(true);
    expect(isGraphHost('GRAPH.Facebook.com.')).toBe(true);
    expect(isGraphHost('graph-video.facebook.com')).toBe(true);
  });

  it('does not serve look-alikes or other hosts', () => {
    expect(isGraphHost('graph.facebook.com.evil.example')).toBe(false);
    expect(isGraphHost('facebook.com.example')).toBe(false);
    expect(isGraphHost('example.com')).toBe(false);
  });
});

describe('parseHostPort (CONNECT targets and absolute-form hosts)', () => {
  it('reads host:port, a default port, and bracketed IPv6', () => {
    expect(parseHostPort('graph.facebook.com:443', 80)).toEqual({ host: 'graph.facebook.com', port: 443 });
    expect(parseHostPort('graph.facebook.com', 80)).toEqual({ host: 'graph.facebook.com', port: 80 });
    expect(parseHostPort('[::1]:8443', 443)).toEqual({ host: '::1', port: 8443 });
  });

  it('rejects what is not a host', () => {
    expect(parseHostPort('graph.facebook.com:99999', 443)).toBeUndefined();
    expect(parseHostPort('/v21.0/me', 443)).toBeUndefined();
    expect(parseHostPort('', 443)).toBeUndefined();
  });
});
