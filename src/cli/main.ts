#!/usr/bin/env node
// The `ringtrace` command. All logic is in runCli so tests can drive it with fake streams.

import { runCli } from './run.js'

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`ringtrace: internal error: ${error instanceof Error ? error.stack : String(error)}\n`)
    process.exitCode = 1
  },
)
