/**
 * Runs the compiled `ilp` CLI as a child process. The CLI is found relative to this file, so the tests work
 * from dist/ and from any other out dir.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'

export const CLI = fileURLToPath(new URL('../src/cli/index.js', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `ilp ...args` to completion (bounded by `timeoutMs`). */
export function runCli(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 15_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ILP_')))
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...base, ...env }, stdio: 'pipe' })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`ilp ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

export interface RunningNode {
  readonly child: ChildProcess
  readonly adminUrl: string
  readonly httpUrl: string | undefined
  /** Everything the node wrote to stderr so far. */
  stderr(): string
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>
  /** SIGKILL (kill -9) and wait for exit. */
  kill(): Promise<void>
}

export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const path = join(dir, 'node.yaml')
  writeFileSync(path, stringify(config))
  return path
}

export interface StartOptions {
  /** Working directory of the node (where a config-less node keeps ./data). */
  readonly cwd?: string
  /** ILP_* variables for the node (others from this process are dropped). */
  readonly env?: Record<string, string>
  readonly timeoutMs?: number
}

/** Starts `ilp node [--config PATH]` and waits for its banner (admin URL and listeners). */
export function startCliNode(configPath: string | undefined, options: StartOptions = {}): Promise<RunningNode> {
  const timeoutMs = options.timeoutMs ?? 15_000
  return new Promise((resolve, reject) => {
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ILP_'))), ...options.env }
    const args = configPath === undefined ? ['node'] : ['node', '--config', configPath]
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'], ...(options.cwd !== undefined && { cwd: options.cwd }) })
    let stderr = ''
    let started = false
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`node did not start in ${timeoutMs} ms:\n${stderr}`))
    }, timeoutMs)
    const early = (code: number | null) => {
      clearTimeout(timer)
      reject(new Error(`node exited with ${code} before starting:\n${stderr}`))
    }
    child.on('exit', early)
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString()
      if (started) return
      const adminUrl = /admin API: (\S+)/.exec(stderr)?.[1]
      if (adminUrl === undefined || !/store:/.test(stderr)) return
      started = true
      clearTimeout(timer)
      child.removeListener('exit', early)
      resolve({
        child,
        adminUrl,
        httpUrl: /http listener: (\S+)/.exec(stderr)?.[1],
        stderr: () => stderr,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
          return exited
        },
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
          await exited
        },
      })
    })
  })
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
