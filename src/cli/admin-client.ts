/**
 * The client side of the admin API for CLI commands: `--admin URL --token T`, else ILP_ADMIN_URL /
 * ILP_ADMIN_TOKEN. Failures become CliError with one line a person can act on.
 */
import type { Command } from 'commander'

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:7770'
/** An admin call that takes longer than this is reported, not waited on forever. */
export const ADMIN_REQUEST_TIMEOUT_MS = 15_000

export class CliError extends Error {
  override readonly name = 'CliError'
  readonly code = 'CLI_FAILED'
}

export interface AdminOptions {
  admin?: string
  token?: string
}

export interface AdminClient {
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>
}

/** Adds `--admin` and `--token` to a client command. */
export function withAdminOptions(command: Command): Command {
  return command
    .option('--admin <url>', `admin API of the running node (env ILP_ADMIN_URL, default ${DEFAULT_ADMIN_URL})`)
    .option('--token <token>', 'admin bearer token (env ILP_ADMIN_TOKEN)')
}

export function adminClient(options: AdminOptions, env: NodeJS.ProcessEnv = process.env): AdminClient {
  const base = (options.admin ?? env.ILP_ADMIN_URL ?? DEFAULT_ADMIN_URL).replace(/\/+$/, '')
  const token = options.token ?? env.ILP_ADMIN_TOKEN
  if (!token) throw new CliError('no admin token: pass --token or set ILP_ADMIN_TOKEN (printed by `ilp node` at start)')
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      let response: Response
      try {
        response = await fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
          ...(body !== undefined && { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(ADMIN_REQUEST_TIMEOUT_MS),
        })
      } catch (cause) {
        const inner = (cause as { cause?: { code?: string; message?: string } }).cause
        const reason = inner?.code ?? inner?.message ?? (cause as Error).message
        throw new CliError(`cannot reach the node's admin API at ${base} (${reason}); is \`ilp node\` running?`)
      }
      const text = await response.text()
      const json = text.length > 0 ? safeJson(text) : undefined
      if (!response.ok) throw new CliError(problemLine(response.status, json, text))
      return json as T
    },
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function problemLine(status: number, json: unknown, text: string): string {
  if (json !== null && typeof json === 'object' && 'detail' in json) return `${status}: ${String((json as { detail: unknown }).detail)}`
  return `${status}: ${text.slice(0, 200) || 'no body'}`
}

/** Runs a command action and turns any failure into `error: <one line>` on stderr and exit code 1. */
export function action<A extends unknown[]>(run: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args)
    } catch (e) {
      process.stderr.write(`error: ${(e as Error).message}\n`)
      process.exitCode = 1
    }
  }
}

/** Prints rows as aligned columns (first row is the header). */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  for (const row of rows) process.stdout.write(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ') + '\n')
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n')
}
