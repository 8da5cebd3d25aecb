/** Every error the contract (API.md, "Errors") lets a client see, HTTP and WebSocket alike. */
export enum DashboardErrorType {
  Unauthorized = 'Unauthorized',
  InvalidCredentials = 'InvalidCredentials',
  SessionExpired = 'SessionExpired',
  Forbidden = 'Forbidden',
  EntityNotFound = 'EntityNotFound',
  Conflict = 'Conflict',
  ValidationError = 'ValidationError',
  MessageParseError = 'MessageParseError',
  InvalidNetworkData = 'InvalidNetworkData',
  ReferralProcessingError = 'ReferralProcessingError',
  RateLimited = 'RateLimited',
  ConnectionError = 'ConnectionError',
  ConnectionClosed = 'ConnectionClosed',
  DatabaseError = 'DatabaseError',
  InternalError = 'InternalError',
  ServiceUnavailable = 'ServiceUnavailable',
}
