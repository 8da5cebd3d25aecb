/** What feature modules use to document their routes; document-level pieces are imported by app.factory. */
export { ApiErrors, type ClientErrorStatus, type ErrorCase } from './api-errors.decorator';
export { ApiCount, ApiId, ApiIdParam, ApiNextCursor, ApiPoints, ApiTimestamp } from './api-fields';
export { ErrorBodyResponse, FieldProblemResponse } from './error-body.response';
export { type OnlyKeysOf } from './only-keys-of';
