#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with node's test runner.
// Node 20's `--test` takes no globs, so the files are listed here. Extra arguments
// (file filters) narrow the set: `npm test -- stream` runs only files whose path contains "stream".
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path, out)
    else if (name.endsWith('.test.js')) out.push(path)
  }
  return out
}

const filters = process.argv.slice(2)
const files = walk('dist', []).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort()
const result = spawnSync(process.execPath, ['--import', './scripts/fast-check-seed.js', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' })
process.exit(result.status ?? 1)
