/**
 * The error a fault rule answers with: the catalogue's own factory for the codes the real API
 * sends with a known text (so an injected 80003 is byte-for-byte the throttled answer), the
 * generic catalogue entry otherwise, and any field the rule overrides on top.
 */
import {
  abusiveAction,
  adsManagementRateLimited,
  appRateLimited,
  audienceIntegrityBlocked,
  catalogueError,
  customAudienceRateLimited,
  customAudienceUpdateFailed,
  invalidToken,
  pageRateLimited,
  permissionDenied,
  permissionsError,
  tokenAppNotInstalled,
  tokenExpired,
  tokenLoggedOut,
  tokenPasswordChanged,
  tokenUnengaged,
  transientError,
  unknownError,
  userCheckpointed,
  userRateLimited,
} from '../graph/errors/catalogue.js';
import { GraphError, type GraphErrorType } from '../graph/errors/graph-error.js';
import { pacificTime } from '../auth/expiry-text.js';

export interface FaultErrorSpec {
  code: number;
  subcode?: number;
  message?: string;
  type?: GraphErrorType;
  status?: number;
  is_transient?: boolean;
  user_title?: string;
  user_msg?: string;
}

export interface FaultErrorContext {
  nowMs: number;
  appId?: string;
}

function base(spec: FaultErrorSpec, c: FaultErrorContext): GraphError {
  const { code, subcode } = spec;
  switch (code) {
    case 1:
      return unknownError();
    case 2:
      return transientError();
    case 4:
      return appRateLimited();
    case 10:
      return permissionDenied();
    case 17:
      return userRateLimited();
    case 32:
      return pageRateLimited();
    case 200:
      return permissionsError();
    case 368:
      return abusiveAction();
    case 613:
      return catalogueError(613, subcode, 'Calls to this api have exceeded the rate limit.');
    case 80003:
      return customAudienceRateLimited();
    case 80004:
      return adsManagementRateLimited();
    case 2650:
      return customAudienceUpdateFailed(subcode, 'Failed to update the custom audience');
    case 100:
      if (subcode === 1713230) return audienceIntegrityBlocked();
      break;
    case 190:
      switch (subcode) {
        case 458:
          return tokenAppNotInstalled(c.appId ?? '0');
        case 459:
          return userCheckpointed();
        case 460:
          return tokenPasswordChanged();
        case 463:
          return tokenExpired(pacificTime(c.nowMs - 3600_000), pacificTime(c.nowMs));
        case 467:
          return tokenLoggedOut();
        case 493:
          return tokenUnengaged();
        case undefined:
          return invalidToken();
      }
      break;
  }
  return catalogueError(code, subcode);
}

export function faultError(spec: FaultErrorSpec, c: FaultErrorContext): GraphError {
  const b = base(spec, c);
  const overridden =
    spec.message !== undefined ||
    spec.type !== undefined ||
    spec.status !== undefined ||
    spec.is_transient !== undefined ||
    spec.user_title !== undefined ||
    spec.user_msg !== undefined ||
    (spec.subcode !== undefined && b.subcode !== spec.subcode);
  if (!overridden) return b;
  return new GraphError({
    code: b.code,
    subcode: spec.subcode ?? b.subcode,
    message: spec.message ?? b.message,
    type: spec.type ?? b.type,
    status: spec.status ?? b.status,
    isTransient: spec.is_transient ?? b.isTransient,
    userTitle: spec.user_title ?? b.userTitle,
    userMsg: spec.user_msg ?? b.userMsg,
    extra: b.extra,
    headers: b.headers,
  });
}
