/**
 * A test guard, not part of any recipe: `node -r ./loopback-only.cjs …`. Name lookups of anything
 * but `localhost` fail at once, so a client that goes around localgraph's proxy (and would look up
 * graph.facebook.com to connect to it directly) fails fast with a clear error, and nothing leaves
 * the machine. Connections to IP literals (the proxy at 127.0.0.1) need no lookup and pass.
 */
'use strict';
const dns = require('node:dns');
const net = require('node:net');

const lookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options;
    options = {};
  }
  if (hostname === 'localhost' || net.isIP(hostname)) return lookup.call(this, hostname, options, callback);
  process.stderr.write(`loopback-only: refused a direct lookup of ${hostname}\n`);
  const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (refused by the test's loopback-only guard: this request went around the proxy)`), {
    code: 'ENOTFOUND',
    hostname,
  });
  process.nextTick(callback, err);
};
