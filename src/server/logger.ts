import pino from 'pino';

export type Logger = pino.Logger;

/**
 * pino with redaction: tokens and secrets never reach a log line, whatever path they travel in.
 * Warnings and errors are always logged (an unexpected exception answered as code 2 must leave a
 * trace for whoever runs the server); `verbose` (`--log`) adds the informational lines.
 */
export function createLogger(verbose: boolean): Logger {
  return pino({
    level: process.env.LOCALGRAPH_LOG_LEVEL ?? (verbose ? 'info' : 'warn'),
    redact: {
      paths: [
        'access_token',
        '*.access_token',
        'params.access_token',
        'params.client_secret',
        'params.appsecret_proof',
        'params.payload',
        'headers.authorization',
        'req.headers.authorization',
        'secret',
        '*.secret',
      ],
      censor: '***',
    },
  });
}
