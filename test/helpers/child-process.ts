// Runs node with arguments in a child process and collects what it printed.

import { spawn } from 'node:child_process'

export interface ChildResult {
  code: number | null
  stdout: string
  stderr: string
}

/** `env`: variables added to (or, undefined, removed from) this process's environment. */
export function runChild(args: string[], env: Record<string, string | undefined> = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}
