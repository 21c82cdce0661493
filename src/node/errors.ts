/**
 * Errors of the node's control plane (admin API, account changes), each with a stable `code`, and their
 * rendering as RFC 9457 problem details (`application/problem+json`).
 */
export type NodeErrorCode =
  | 'ACCOUNT_NOT_FOUND'
  | 'ACCOUNT_EXISTS'
  | 'ACCOUNT_READ_ONLY'
  | 'ACCOUNT_INVALID'
  | 'ROUTE_NOT_FOUND'
  | 'ROUTE_INVALID'
  | 'RATES_INVALID'
  | 'UNAUTHORIZED'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'INTERNAL'

const STATUS: Readonly<Record<NodeErrorCode, number>> = {
  ACCOUNT_NOT_FOUND: 404,
  ACCOUNT_EXISTS: 409,
  ACCOUNT_READ_ONLY: 409,
  ACCOUNT_INVALID: 400,
  ROUTE_NOT_FOUND: 404,
  ROUTE_INVALID: 400,
  RATES_INVALID: 400,
  UNAUTHORIZED: 401,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  INTERNAL: 500,
}

const TITLE: Readonly<Record<NodeErrorCode, string>> = {
  ACCOUNT_NOT_FOUND: 'Unknown account',
  ACCOUNT_EXISTS: 'Account already exists',
  ACCOUNT_READ_ONLY: 'Account is defined in the config file',
  ACCOUNT_INVALID: 'Invalid account',
  ROUTE_NOT_FOUND: 'Unknown route',
  ROUTE_INVALID: 'Invalid route',
  RATES_INVALID: 'Invalid rates',
  UNAUTHORIZED: 'Missing or wrong bearer token',
  BAD_REQUEST: 'Bad request',
  NOT_FOUND: 'Not found',
  INTERNAL: 'Internal error',
}

export class NodeError extends Error {
  override readonly name = 'NodeError'
  readonly code: NodeErrorCode
  /** The request field at fault, e.g. `max_balance` (400s). */
  readonly field?: string
  constructor(code: NodeErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.code = code
    if (options.field !== undefined) this.field = options.field
  }
  get status(): number {
    return STATUS[this.code]
  }
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: NodeErrorCode
  field?: string
}

export function toProblem(error: NodeError): Problem {
  return {
    type: `urn:ilp-node:problem:${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLE[error.code],
    status: STATUS[error.code],
    detail: error.message,
    code: error.code,
    ...(error.field !== undefined && { field: error.field }),
  }
}
