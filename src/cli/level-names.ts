// Event levels by name on the command line and in text output: the names of src/schema/levels.ts
// in lower case (logalways, critical, error, warning, info, verbose).

import { Level } from '../schema/levels.js'
import { UsageError } from './usage-error.js'

const NAMES = new Map<number, string>(Object.entries(Level).map(([name, level]) => [level, name.toLowerCase()]))
const LEVELS = new Map<string, number>([...NAMES].map(([level, name]) => [name, level]))

/** The level's name, or `level<n>` for a level without one (a schema may use 6 to 255). */
export function levelName(level: number): string {
  return NAMES.get(level) ?? `level${level}`
}

/** A level given by name (any case) or as a number from 0 to 255; a UsageError for anything else. */
export function parseLevel(text: string, option: string): number {
  const named = LEVELS.get(text.toLowerCase())
  if (named !== undefined) return named
  const level = /^\d{1,3}$/.test(text) ? Number(text) : NaN
  if (!(level <= 255)) {
    throw new UsageError(`${option} expects a level name (${[...LEVELS.keys()].join(', ')}) or a number from 0 to 255, got '${text}'`)
  }
  return level
}
