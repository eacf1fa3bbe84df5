/**
 * A "Log in with Facebook" app as teams write it: passport-facebook with its defaults, so the token
 * exchange and the profile read go to https://graph.facebook.com. Nothing in the APP part knows
 * about localgraph; the tests bring it in with environment variables and `-r` flags only.
 *
 *   node [-r global-agent/bootstrap] passport-login-app.cjs <login code> [other https URL the app calls]
 *
 * Prints one JSON line: the logged-in user, or the error passport handed back.
 */
'use strict';

// ---- APP: the code a team ships, unchanged ----------------------------------------------------
const https = require('node:https');
const { Strategy: FacebookStrategy } = require('passport-facebook');

const facebook = new FacebookStrategy(
  {
    clientID: process.env.FACEBOOK_APP_ID,
    clientSecret: process.env.FACEBOOK_APP_SECRET,
    callbackURL: 'http://localhost:3000/auth/facebook/callback',
    graphAPIVersion: 'v24.0',
    profileFields: ['id', 'displayName', 'name', 'emails'],
    enableProof: true,
  },
  (accessToken, refreshToken, profile, done) => {
    done(null, { id: profile.id, displayName: profile.displayName, name: profile.name, emails: profile.emails, provider: profile.provider, accessToken });
  },
);

/** Another service the app talks to over https (a payment API, a CRM): it must not reach localgraph. */
function callOtherService(url) {
  return new Promise((resolve) => {
    https
      .get(url, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode }));
      })
      .on('error', (e) => resolve({ error: e.message, code: e.code }));
  });
}

// ---- HARNESS: what passport.authenticate('facebook') does for GET /auth/facebook/callback?code=… --
// passport's middleware copies the strategy with Object.create and gives it these five actions.
function loginCallback(code) {
  return new Promise((resolve) => {
    const s = Object.create(facebook);
    s.success = (user, info) => resolve({ outcome: 'success', user, info });
    s.fail = (challenge, status) => resolve({ outcome: 'fail', challenge, status });
    s.error = (err) => resolve({ outcome: 'error', error: { name: err.name, message: err.message, code: err.code, oauthError: err.oauthError } });
    s.redirect = (url, status) => resolve({ outcome: 'redirect', url, status });
    s.pass = () => resolve({ outcome: 'pass' });
    s.authenticate({ method: 'GET', url: `/auth/facebook/callback?code=${encodeURIComponent(code)}`, headers: { host: 'localhost:3000' }, query: { code } }, {});
  });
}

async function main() {
  const [code, otherUrl] = process.argv.slice(2);
  const report = await loginCallback(code);
  if (otherUrl) report.other = await callOtherService(otherUrl);
  process.stdout.write(JSON.stringify(report) + '\n');
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ crashed: `${e && e.name}: ${e && e.message}` }) + '\n');
});
