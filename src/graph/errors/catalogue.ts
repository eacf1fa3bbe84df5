/**
 * Every error code localgraph answers with, in one place. Messages are the real API's texts
 * where one was observed (sources in spec/graph-api-core.md §1 and the seeds' error tables);
 * `docs/errors.md` lists the same codes and a test keeps the two in step.
 *
 * Handlers never build GraphErrors by hand: they call these factories, so a code's text,
 * type and HTTP status are decided once.
 */
import { GraphError } from './graph-error.js';

const RATE_LIMIT_DOC = 'https://developers.facebook.com/docs/graph-api/overview/rate-limiting';
const GRAPH_DOC = 'https://developers.facebook.com/docs/graph-api';

/** Codes and their one-line description, as the seeds' "Error Codes" tables name them. */
export const CATALOGUE: Record<number, string> = {
  1: 'An unknown error occurred',
  2: 'Service temporarily unavailable',
  4: 'Application request limit reached',
  10: 'Application does not have permission for this action',
  12: 'Deprecated field or edge',
  15: 'This method must be called with an app access token',
  17: 'User request limit reached',
  32: 'Page request limit reached',
  100: 'Invalid parameter',
  101: 'Invalid application ID',
  102: 'Session key invalid or no longer valid',
  104: 'Incorrect signature',
  105: 'The number of parameters exceeded the maximum for this operation',
  110: 'Invalid user id',
  190: 'Invalid OAuth 2.0 Access Token',
  194: 'Missing a required parameter',
  200: 'Permissions error',
  210: 'User not visible',
  230: 'Permissions disallow message to user',
  240: 'Desktop applications cannot call this function for other users',
  270: 'This Ads API request is not allowed for apps with development access level',
  294: 'Managing advertisements requires the extended permission ads_management',
  368: 'The action attempted has been deemed abusive or is otherwise disallowed',
  457: 'The session has an invalid origin',
  458: 'The session is invalid because the application is not installed',
  452: 'Session key invalid. This could be because the session key has an incorrect format, or because the user has revoked this session',
  459: 'The session is invalid because the user has been checkpointed',
  483: 'The session is invalid because the user is in consent app blocking',
  613: 'Calls to this api have exceeded the rate limit.',
  803: 'Some of the aliases you requested do not exist',
  2500: 'Error parsing graph query',
  2635: 'You are calling a deprecated version of the Ads API',
  2650: 'Failed to update the custom audience',
  2654: 'Failed to create custom audience',
  2900: 'Too many test accounts',
  2902: 'Cannot remove test account from this app',
  2903: 'Cannot delete this test account',
  2904: 'Cannot delete the OG Test User',
  3914: 'Cannot remove the last admin of the business',
  3919: 'There was an unexpected technical issue. Please try again.',
  80003: 'There have been too many calls to this ad-account (custom audience)',
  80004: 'There have been too many calls to this ad-account (ads management)',
  80006: 'There have been too many messenger api calls to this Page account',
};

/** A generic error for any catalogue code, used by fault injection and tests. */
export function catalogueError(code: number, subcode?: number, message?: string): GraphError {
  const known = CATALOGUE[code];
  const text = message ?? (known ? `(#${code}) ${known}` : `(#${code}) An error occurred`);
  const transient = code === 1 || code === 2 || code === 4 || code === 17 || code === 613 || code === 32;
  return new GraphError({ code, subcode, message: text, isTransient: transient ? true : undefined });
}

// ---- generic and server-side ----

export const unknownError = (): GraphError =>
  new GraphError({ code: 1, message: 'An unknown error has occurred.', isTransient: false });

export const reduceData = (): GraphError =>
  new GraphError({ code: 1, message: "Please reduce the amount of data you're asking for, then retry your request" });

export const transientError = (): GraphError =>
  new GraphError({ code: 2, message: 'An unexpected error has occurred. Please retry your request later.', isTransient: true });

// ---- parameters and paths ----

export const invalidParameter = (detail?: string): GraphError =>
  new GraphError({ code: 100, message: detail ? `(#100) ${detail}` : '(#100) Invalid parameter' });

export const missingParameter = (name: string): GraphError =>
  new GraphError({ code: 100, message: `(#100) The parameter ${name} is required` });

export const nonexistingField = (field: string, nodeType: string): GraphError =>
  new GraphError({ code: 100, message: `(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})` });

export const unknownFields = (names: string[]): GraphError =>
  new GraphError({ code: 100, message: `(#100) Unknown fields: ${names.join(',')}.` });

export const unsupportedRequest = (method: string, id: string): GraphError =>
  new GraphError({
    code: 100,
    subcode: 33,
    type: 'GraphMethodException',
    message:
      `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, ` +
      `or does not support this operation. Please read the Graph API documentation at ${GRAPH_DOC}`,
  });

export const unknownPath = (path: string): GraphError =>
  new GraphError({ code: 2500, message: `Unknown path components: ${path}` });

export const parseError = (detail: string): GraphError =>
  new GraphError({ code: 2500, message: `Syntax error "${detail}"` });

export const aliasesNotFound = (aliases: string[]): GraphError =>
  new GraphError({ code: 803, message: `(#803) Some of the aliases you requested do not exist: ${aliases.join(',')}` });

export const tooManyParameters = (detail?: string): GraphError =>
  new GraphError({ code: 105, message: `(#105) ${detail ?? 'The number of parameters exceeded the maximum for this operation'}` });

export const requestTooLarge = (): GraphError => reduceData();

// ---- tokens ----

export const tokenRequired = (): GraphError =>
  new GraphError({ code: 104, message: 'An access token is required to request this resource.' });

export const activeTokenForMe = (): GraphError =>
  new GraphError({ code: 2500, message: 'An active access token must be used to query information about the current user.' });

export const cannotParseToken = (): GraphError =>
  new GraphError({ code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });

export const invalidToken = (): GraphError => new GraphError({ code: 190, message: 'Invalid OAuth access token.' });

export const tokenAppNotInstalled = (appId: string): GraphError =>
  new GraphError({
    code: 190,
    subcode: 458,
    message: `Error validating access token: The user has not authorized application ${appId}.`,
  });

export const tokenPasswordChanged = (): GraphError =>
  new GraphError({
    code: 190,
    subcode: 460,
    message:
      'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
  });

export const tokenExpired = (expiredAt: string, now: string): GraphError =>
  new GraphError({
    code: 190,
    subcode: 463,
    message: `Error validating access token: Session has expired on ${expiredAt}. The current time is ${now}.`,
  });

export const tokenLoggedOut = (): GraphError =>
  new GraphError({
    code: 190,
    subcode: 467,
    message: 'Error validating access token: This may be because the user logged out or may be due to a system error.',
  });

export const userCheckpointed = (): GraphError =>
  new GraphError({
    code: 190,
    subcode: 459,
    message: 'Error validating access token: You cannot access the app till you log in to www.facebook.com and follow the instructions given.',
    extra: { error_data: { url: 'https://www.facebook.com/checkpoint/' } },
  });

export const invalidAppsecretProof = (): GraphError =>
  new GraphError({ code: 100, type: 'GraphMethodException', message: 'Invalid appsecret_proof provided in the API argument' });

export const appsecretProofRequired = (): GraphError =>
  new GraphError({ code: 100, type: 'GraphMethodException', message: 'API calls from the server require an appsecret_proof argument' });

export const invalidApplication = (): GraphError =>
  new GraphError({ code: 101, message: 'Error validating application. Invalid application ID.' });

export const invalidClientSecret = (): GraphError =>
  // Observed as code 1 (php-graph-sdk#538); a client mistake, so 400 rather than code 1's usual 500.
  new GraphError({ code: 1, message: 'Error validating client secret.', status: 400 });

export const debugTokenCaller = (): GraphError =>
  new GraphError({
    code: 100,
    message: '(#100) You must provide an app access token, or a user access token that is an owner or developer of the app',
  });

// ---- permissions ----

export const permissionsError = (detail?: string): GraphError =>
  new GraphError({ code: 200, message: detail ? `(#200) ${detail}` : '(#200) Permissions error' });

export const permissionDenied = (): GraphError =>
  new GraphError({ code: 10, message: '(#10) Application does not have permission for this action' });

export const userNotVisible = (): GraphError => new GraphError({ code: 210, message: '(#210) User not visible' });

export const desktopAppsOtherUsers = (): GraphError =>
  new GraphError({ code: 240, message: '(#240) Desktop applications cannot call this function for other users' });

export const adsManagementRequired = (): GraphError =>
  new GraphError({ code: 294, message: '(#294) Managing advertisements requires the extended permission ads_management' });

export const deprecatedField = (field: string, version: string): GraphError =>
  new GraphError({ code: 12, message: `(#12) ${field} field is deprecated for versions ${version} and higher` });

export const deprecatedAdsVersion = (latest: string): GraphError =>
  new GraphError({
    code: 2635,
    message: `(#2635) You are calling a deprecated version of the Ads API. Please update to the latest version: ${latest}.`,
  });

// ---- rate limits ----

export const appRateLimited = (): GraphError =>
  new GraphError({ code: 4, message: '(#4) Application request limit reached', isTransient: true });

export const userRateLimited = (): GraphError =>
  new GraphError({ code: 17, message: '(#17) User request limit reached', isTransient: true });

export const customRateLimited = (): GraphError =>
  new GraphError({ code: 613, message: 'Calls to this api have exceeded the rate limit.', isTransient: true });

export const customAudienceRateLimited = (): GraphError =>
  new GraphError({
    code: 80003,
    subcode: 2446079,
    message: `(#80003) There have been too many calls to this ad-account. Wait a bit and try again. For more info, please refer to ${RATE_LIMIT_DOC}#custom-audience.`,
  });

export const adsManagementRateLimited = (): GraphError =>
  new GraphError({
    code: 80004,
    subcode: 2446079,
    message: `(#80004) There have been too many calls to this ad-account. Wait a bit and try again. For more info, please refer to ${RATE_LIMIT_DOC}#ads-management.`,
  });

// ---- test users and business ----

export const tooManyTestAccounts = (): GraphError =>
  new GraphError({ code: 2900, message: '(#2900) Too many test accounts' });

export const cannotDeleteTestAccount = (): GraphError =>
  new GraphError({ code: 2903, message: '(#2903) Cannot delete this test account' });

export const cannotDeleteOgTestUser = (): GraphError =>
  new GraphError({ code: 2904, message: '(#2904) Cannot delete the OG Test User' });

export const abusiveAction = (): GraphError =>
  new GraphError({ code: 368, message: '(#368) The action attempted has been deemed abusive or is otherwise disallowed' });

// ---- custom audiences ----

export const customAudienceUpdateFailed = (subcode: number | undefined, message: string, userTitle?: string, userMsg?: string): GraphError =>
  new GraphError({ code: 2650, subcode, message: `(#2650) ${message}`, userTitle, userMsg });

// ---- the `fields` parameter ----

/**
 * The real parse error echoes the query after a 0-based offset, e.g.
 * `Syntax error "Expected end of string instead of "}"." at character 5: id,na}me`, a shape
 * `parseError` cannot express. `what` is the sentence inside the quotes, full stop included.
 */
export const fieldsSyntaxError = (what: string, position: number, input: string): GraphError =>
  new GraphError({ code: 2500, message: `Syntax error "${what}" at character ${position}: ${input}` });

// ---- apps, oauth, test users, rate limits and faults (auth/, apps/, ratelimit/, faults/) ----

/** Test-user management with a user token (observed text, mogli#48). */
export const appSecretSignedSessionRequired = (): GraphError =>
  new GraphError({ code: 15, message: '(#15) The method you are calling must be called with an app secret signed session' });

export const missingClientId = (): GraphError => new GraphError({ code: 101, message: 'Missing client_id parameter.' });

export const fbExchangeTokenMissing = (): GraphError =>
  new GraphError({ code: 1, message: 'fb_exchange_token parameter not specified', status: 400 });

export const invalidVerificationCode = (): GraphError =>
  new GraphError({ code: 100, message: 'Invalid verification code format.' });

export const cannotRemoveTestAccount = (): GraphError =>
  new GraphError({ code: 2902, message: '(#2902) Cannot remove test account from this app' });

export const pageRateLimited = (): GraphError =>
  new GraphError({ code: 32, message: '(#32) Page request limit reached', isTransient: true });

/** 190/493 (hello.js#548): data access lapsed after 90 days without the person using the app. */
export const tokenUnengaged = (): GraphError =>
  new GraphError({
    code: 190,
    subcode: 493,
    message: "The access token is invalid since the user hasn't engaged the app in longer than 90 days.",
  });

/** An integrity-restricted customer-file audience refusing membership edits (seed 002). */
export const audienceIntegrityBlocked = (): GraphError =>
  new GraphError({
    code: 100,
    subcode: 1713230,
    message: 'Invalid parameter',
    userTitle: 'Audience Upload Blocked',
    userMsg:
      'Before updating user memberships, you must resolve integrity restrictions on this Data File Custom Audience. Go to Audience Manager to appeal the restrictions or create a new audience with updated data',
  });
// ---- the User node and pages (users/, pages/) ----

/** An enum parameter outside its values (the Marketing API's wording for enum params). */
export const invalidEnumValue = (param: string, values: readonly string[]): GraphError =>
  new GraphError({ code: 100, message: `(#100) ${param} must be one of the following values: ${values.join(', ')}` });

/** Messaging edges without `pages_messaging` ("Requires pages_messaging permission to manage the object"). */
export const messagingPermissionRequired = (): GraphError =>
  new GraphError({ code: 230, message: '(#230) Requires pages_messaging permission to manage the object' });

/** Another caller reading or writing a checkpointed person (the person's own token gets 190/459). */
export const personCheckpointed = (): GraphError =>
  new GraphError({ code: 459, message: '(#459) The session is invalid because the user has been checkpointed' });

export const consentAppBlocking = (): GraphError =>
  new GraphError({ code: 483, message: '(#483) The session is invalid because the user is in consent app blocking' });

/** A write with a token that carries no session (a client token `APP_ID|CLIENT_TOKEN`). */
export const sessionKeyInvalid = (): GraphError => new GraphError({ code: 102, message: 'Session key invalid or no longer valid' });

export const sessionKeyRevoked = (): GraphError =>
  new GraphError({
    code: 452,
    message: '(#452) Session key invalid. This could be because the session key has an incorrect format, or because the user has revoked this session',
  });

/** The seed's own text for 3914. */
export const lastBusinessAdmin = (): GraphError =>
  new GraphError({
    code: 3914,
    message:
      "(#3914) It looks like you're trying to remove the last admin from this Business Manager. At least one admin is required in Business Manager.",
  });

/** A read-after-write whose read failed: the write happened, `original_response` says what it answered. */
export const readAfterWriteFailed = (read: GraphError, original: unknown): GraphError =>
  new GraphError({
    code: read.code,
    subcode: read.subcode,
    type: 'FacebookApiException',
    message: read.message,
    status: read.status,
    extra: { original_response: original },
  });

export const verificationCodeMismatch = (): GraphError =>
  new GraphError({
    code: 100,
    subcode: 36008,
    message:
      'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
  });

export const authorizationCodeUsed = (): GraphError =>
  new GraphError({ code: 100, subcode: 36009, message: 'This authorization code has been used.' });

// ---- custom audiences and ad accounts (audiences/, adaccounts/) ----

/**
 * Ads endpoints answered the custom-audience edges' permission errors with HTTP 400 in the
 * recordings (grp-v9: 200/1870047), not the 403 other 2xx codes get.
 */
const ADS_STATUS = 400;

/** A token without `ads_management` (the wording of the observed "Requires extended permission: …"). */
export const adsPermissionRequired = (permission: string): GraphError =>
  new GraphError({ code: 200, status: ADS_STATUS, message: `(#200) Requires extended permission: ${permission}` });

/** The person behind the token is not assigned to the ad account (nor a system user of its business). */
export const adAccountAccessDenied = (actId: string): GraphError =>
  new GraphError({
    code: 200,
    status: ADS_STATUS,
    message: `(#200) The user does not have permission to manage ad account ${actId}: an admin of the account must assign them to it first`,
  });

/** v10.0 answered both cases with 294 (seed 004's error table). */
export const adsManagementRequiredV10 = (): GraphError =>
  new GraphError({ code: 294, status: ADS_STATUS, message: '(#294) Managing advertisements requires an access token with the extended permission for ads_management' });

/** Observed wording (facebook-nodejs-business-sdk#16). */
export const audiencePayloadMissing = (): GraphError => new GraphError({ code: 100, message: '(#100) Missing required parameter: payload' });

/** Observed wording (facebook-java-business-sdk#114); `types` is the accepted list. */
export const rawPiiTypeInvalid = (types: string): GraphError =>
  new GraphError({ code: 100, message: `(#100) Raw PII type is invalid, it should be one of ${types}` });

/** Observed prefix (facebook-ruby-business-sdk#63); the detail after the colon is localgraph's. */
export const audienceDataMismatch = (detail: string): GraphError =>
  new GraphError({ code: 100, message: `(#100) Data is missing or does not match schema: ${detail}` });

export const lookalikeValueNotAllowed = (): GraphError =>
  new GraphError({
    code: 100,
    message: '(#100) LOOKALIKE_VALUE can only be sent to a value-based custom audience (created with is_value_based=true)',
  });

export const lookalikeValueRequired = (): GraphError =>
  new GraphError({ code: 100, message: '(#100) A value-based custom audience needs a LOOKALIKE_VALUE column in schema' });

/** Observed text (facebook-python-business-sdk#433). */
export const audienceDataSourceLocked = (locked: string, attempted: string): GraphError =>
  new GraphError({
    code: 2650,
    message: `(#2650) Failed to update the custom audience: This audience was created from data source ${locked}, which does not support data source ${attempted}.`,
  });

export const notCustomerFileAudience = (subtype: string): GraphError =>
  new GraphError({
    code: 2650,
    message: `(#2650) Failed to update the custom audience: only customer file custom audiences (subtype CUSTOM) take user lists; this audience's subtype is ${subtype}.`,
  });

/** Observed body (grp-v9 DELETE /users, HTTP 400). */
export const audienceSizeTooLow = (): GraphError =>
  new GraphError({
    code: 200,
    subcode: 1870047,
    status: ADS_STATUS,
    message: 'Permissions error',
    isTransient: false,
    userTitle: 'Audience Size too Low',
    userMsg: 'You cannot remove users from this audience because it will result in a low audience size.',
  });

/** The /usersreplace errors: code 2650 with the subcodes and titles of the guide. */
const replaceError = (subcode: number, title: string, detail: string): GraphError =>
  new GraphError({ code: 2650, subcode, message: `(#2650) Failed to update the custom audience: ${detail}`, userTitle: title, userMsg: detail });

export const replaceAudienceTooLarge = (): GraphError =>
  replaceError(1870144, 'DFCA Size Not Supported For Replace', 'Replace is not available for audiences of 100 million people or more.');

export const audienceUpdateInProgress = (): GraphError =>
  replaceError(
    1870145,
    'Audience Update In Progress',
    'This audience is being updated. Wait until its operation_status is Normal (200) before starting a replace or sending more users.',
  );

export const replaceFirstBatchMissing = (): GraphError =>
  replaceError(1870147, 'Invalid Upload Batch for Replace', 'The first batch_seq was not detected. You must start your batch_seq at integer 1.');

export const replaceSomethingWrong = (detail: string): GraphError => replaceError(1870148, 'Something Went Wrong', detail);

export const replaceSessionTimedOut = (): GraphError =>
  replaceError(
    1870158,
    'Replace Session Timed Out',
    'The 90-minute window of this replace session has ended; the audience was replaced with what was uploaded so far.',
  );

export const replaceSessionFinished = (): GraphError =>
  replaceError(1870159, 'Replace Session Finished', 'A batch with last_batch_flag=true already ended this replace session.');

/** A session id another audience of the same ad account already uses ("unique in the same ad account"). */
export const sessionIdInUse = (sessionId: string): GraphError =>
  new GraphError({
    code: 100,
    message: `(#100) session_id ${sessionId} is already used by another custom audience of this ad account; session ids must be unique within an ad account`,
  });

export const audienceCreateFailed = (detail: string): GraphError =>
  new GraphError({ code: 2654, message: `(#2654) Failed to create custom audience: ${detail}` });

/** Observed since 2018 (facebook-php-business-sdk#457). */
export const missingCustomerFileSource = (): GraphError =>
  new GraphError({ code: 100, message: '(#100) Missing parameter(s): customer_file_source' });

/** DELETE /act_{id}/assigned_users (seed 000): the two codes only fault injection produces. */
export const assignedUsersTechnicalIssue = (): GraphError =>
  new GraphError({ code: 3919, message: '(#3919) There was an unexpected technical issue. Please try again.', isTransient: true });

export const sessionInvalidOrigin = (): GraphError => new GraphError({ code: 457, message: '(#457) The session has an invalid origin' });
