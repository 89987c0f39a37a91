// Colour for terminals: on only when the stream is a TTY and NO_COLOR is unset or empty
// (https://no-color.org); otherwise every style is the identity, so plain output has no escapes.

import type { Writable } from 'node:stream'

export interface TerminalStyle {
  critical(text: string): string
  error(text: string): string
  bar(text: string): string
  dim(text: string): string
  bold(text: string): string
}

export const sgr = (open: number, close: number) => (text: string): string => `\x1b[${open}m${text}\x1b[${close}m`
const same = (text: string): string => text

export const ANSI_STYLE: TerminalStyle = {
  critical: sgr(33, 39),
  error: sgr(31, 39),
  bar: sgr(36, 39),
  dim: sgr(2, 22),
  bold: sgr(1, 22),
}

export const PLAIN_STYLE: TerminalStyle = { critical: same, error: same, bar: same, dim: same, bold: same }

export function wantsColor(stream: Writable, env: NodeJS.ProcessEnv = process.env): boolean {
  const noColor = env.NO_COLOR
  return (stream as { isTTY?: boolean }).isTTY === true && (noColor === undefined || noColor === '')
}
