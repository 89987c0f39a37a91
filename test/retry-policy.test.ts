// The OTLP/HTTP retry rules on their own: which outcomes are retried, the backoff's bounds, and
// strict Retry-After parsing (anything malformed is ignored, never guessed at).

import { describe, expect, it } from 'vitest'
import { backoffDelay, isRetryableError, isRetryableStatus, parseHttpDate, parseRetryAfter, RETRY_AFTER_CAP_MS } from '../src/export/http/retry-policy.js'

const NOW = Date.UTC(2026, 2, 14, 12, 0, 0)

describe('isRetryableStatus()', () => {
  it('retries 429, 502, 503 and 504, and no other 4xx or 5xx', () => {
    const statuses = Array.from({ length: 200 }, (_, i) => 400 + i)
    expect(statuses.filter(isRetryableStatus)).toEqual([429, 502, 503, 504])
  })
})

describe('isRetryableError()', () => {
  it('retries connection failures and timeouts, not a missing host or a broken response', () => {
    const codes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE', 'ENOTFOUND', 'HPE_INVALID_CONSTANT', 'ERR_TLS_CERT_ALTNAME_INVALID', undefined]
    const retried = codes.filter((code) => isRetryableError(Object.assign(new Error('x'), { code })))
    expect(retried).toEqual(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE'])
  })
})

describe('backoffDelay()', () => {
  const options = { initialMs: 1000, maxMs: 30_000, multiplier: 2 }

  it('waits up to initialMs, then doubles the ceiling up to maxMs', () => {
    const ceilings = Array.from({ length: 8 }, (_, retry) => backoffDelay(retry, options, () => 1))
    expect(ceilings).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000])
  })

  it('draws each wait uniformly below its ceiling (full jitter)', () => {
    expect([0, 0.25, 0.5].map((r) => backoffDelay(2, options, () => r))).toEqual([0, 1000, 2000])
  })
})

describe('parseRetryAfter()', () => {
  it('reads delta-seconds', () => {
    expect(['0', '1', '7', '007'].map((v) => parseRetryAfter(v, NOW))).toEqual([0, 1000, 7000, 7000])
  })

  it('reads the three HTTP-date forms as the wait until that moment', () => {
    const dates = ['Sat, 14 Mar 2026 12:00:05 GMT', 'Saturday, 14-Mar-26 12:00:05 GMT', 'Sat Mar 14 12:00:05 2026', 'Sat Mar  1 12:00:05 2026']
    expect(dates.map((v) => parseRetryAfter(v, NOW))).toEqual([5000, 5000, 5000, 0])
  })

  it('takes a two-digit year more than 50 years ahead as the past century', () => {
    expect(parseHttpDate('Friday, 01-Jan-99 00:00:00 GMT', NOW)).toBe(Date.UTC(1999, 0, 1))
    expect(parseHttpDate('Friday, 01-Jan-50 00:00:00 GMT', NOW)).toBe(Date.UTC(2050, 0, 1))
  })

  it('waits nothing for a date in the past', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(0)
  })

  it('cuts a long wait to the cap', () => {
    expect(parseRetryAfter('86400', NOW)).toBe(RETRY_AFTER_CAP_MS)
    expect(parseRetryAfter('99999999999999999999999', NOW)).toBe(RETRY_AFTER_CAP_MS)
    expect(parseRetryAfter('Sun, 15 Mar 2026 12:00:00 GMT', NOW, 250)).toBe(250)
  })

  it('ignores anything that is not exactly delta-seconds or an HTTP-date', () => {
    const garbage = [
      '', ' ', '-1', '1.5', '1e3', '+5', '5 ', ' 5', '0x10', 'soon', '5s',
      'Sat, 14 Mar 2026 12:00:05 UTC', 'Sat, 14 Mar 2026 12:00:05', 'Sat, 4 Mar 2026 12:00:05 GMT',
      'sat, 14 mar 2026 12:00:05 gmt', 'Sat, 31 Feb 2026 12:00:05 GMT', 'Sat, 14 Mar 2026 24:00:00 GMT',
      'Sat, 14 Mar 2026 12:60:00 GMT', 'Saturday, 14-Mar-2026 12:00:05 GMT', '2026-03-14T12:00:05Z',
    ]
    expect(garbage.map((v) => [v, parseRetryAfter(v, NOW)])).toEqual(garbage.map((v) => [v, undefined]))
  })

  it('ignores an absent field', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined()
  })
})
