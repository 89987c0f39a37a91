// Options objects with a fixed set of keys: a key outside it is a TracerError naming the nearest
// known key, so that a misspelt option from an untyped caller is not silently ignored.

import { TracerError } from './errors.js'

/**
 * Edit distance with adjacent transpositions (optimal string alignment): 'ringDri' is one edit
 * from 'ringDir', 'flie' one from 'file'.
 */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1)
      rows[i]![j] = d
    }
  }
  return rows[a.length]![b.length]!
}

/** The known key nearest to `key` (case ignored; the first listed wins a tie). */
function nearestKey(key: string, known: readonly string[]): string {
  let best = known[0]!
  let bestDistance = Infinity
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** Throws INVALID_OPTION for the first own key of `object` not in `known`; `prefix` names the object ('etw.'). */
export function checkKnownKeys(object: object, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) {
      throw new TracerError('INVALID_OPTION', `ringtrace: unknown option ${JSON.stringify(prefix + key)}; did you mean ${prefix}${nearestKey(key, known)}?`)
    }
  }
}

