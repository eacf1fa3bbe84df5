/**
 * The HTML error page the real API sometimes sends instead of JSON (a 500 during an outage, a 400
 * when the request line is too long: facebook-python-business-sdk#367, nodejs-business-sdk#56).
 * Clients that parse every body as JSON fail on it with `Unexpected token <`, which is exactly
 * what a fault injection should let them meet.
 */
export const HTML_CONTENT_TYPE = 'text/html; charset="utf-8"';

export function sorryPage(): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en" id="facebook">',
    '<head>',
    '<title>Facebook | Error</title>',
    '<meta charset="utf-8">',
    '<meta http-equiv="cache-control" content="no-cache">',
    '<meta name="robots" content="noindex,nofollow">',
    '</head>',
    '<body>',
    '<div id="header"><a href="//www.facebook.com/">facebook</a></div>',
    '<div id="core">',
    '<h1 id="sorry">Sorry, something went wrong.</h1>',
    "<p>We're working on it and we'll get it fixed as soon as we can.</p>",
    '<p id="back-link"><a id="back" href="//www.facebook.com/">Go Back</a></p>',
    '<div id="footer">Facebook <span id="copyright">&copy; 2025</span> <span><a href="/help/?ref=href052">Help Center</a></span></div>',
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export function htmlHeaders(): Record<string, string> {
  return {
    'content-type': HTML_CONTENT_TYPE,
    'cache-control': 'no-cache, no-store, max-age=0',
    pragma: 'no-cache',
    expires: 'Sat, 01 Jan 2000 00:00:00 GMT',
  };
}
