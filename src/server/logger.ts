import pino from 'pino';

export type Logger = pino.Logger;

/**
 * pino with redaction: tokens and secrets never reach a log line, whatever path they travel in.
 */
export function createLogger(enabled: boolean): Logger {
  return pino({
    enabled,
    level: process.env.LOCALGRAPH_LOG_LEVEL ?? 'info',
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
