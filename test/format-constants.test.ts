// docs/FORMAT.md has one source of truth in each language: src/format/*.ts and
// native/ring/ring_layout.h + native/sinks/chunk_format.h + native/recorder/ring_file.h. This test reads the C++ headers and checks that every TS constant has
// a C++ twin with the same value, so the two can never drift apart.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as ringLayout from '../src/format/ring-layout.js'
import * as recordLayout from '../src/format/record-layout.js'
import * as fileLayout from '../src/format/file-layout.js'
import * as ringFileLayout from '../src/recorder/ring-file-layout.js'

/** `kWritePosOffset` -> `WRITE_POS_OFFSET` */
function tsName(cppName: string): string {
  return cppName.slice(1).replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()
}

function nativeConstants(): Map<string, number> {
  const header = ['ring/ring_layout.h', 'sinks/chunk_format.h', 'recorder/ring_file.h']
    .map((file) => readFileSync(join(__dirname, '..', 'native', file), 'utf8')).join('\n')
  const values = new Map<string, number>()
  const pattern = /inline constexpr [\w:]+ (k\w+) = ([^;]+);/g
  for (const [, name, expression] of header.matchAll(pattern)) {
    const js = expression!
      .replace(/std::\w+\{(\d+)\}/g, '$1')
      .replace(/(0x[0-9A-Fa-f]+|\d+)u\b/g, '$1')
      .replace(/\bk\w+\b/g, (ref) => {
        const value = values.get(ref)
        if (value === undefined) throw new Error(`${name} refers to unknown ${ref}`)
        return String(value)
      })
    if (!/^[\d\sx<>*+()A-Fa-f-]+$/.test(js)) throw new Error(`cannot evaluate ${name} = ${expression}`)
    values.set(name!, Number(new Function(`return (${js}) >>> 0`)()))
  }
  return values
}

describe('format constants', () => {
  const native = nativeConstants()
  const byTsName = new Map([...native].map(([name, value]) => [tsName(name), value]))
  const tsConstants = Object.entries({ ...ringLayout, ...recordLayout, ...fileLayout, ...ringFileLayout }).filter(([, v]) => typeof v === 'number')

  it('reads the C++ header', () => {
    expect(native.get('kDataOffset')).toBe(16640)
    expect(tsConstants.length).toBeGreaterThan(30)
  })

  it.each(tsConstants)('%s is the same in TypeScript and C++', (name, value) => {
    expect(byTsName.get(name), `no C++ twin for ${name}`).toBe(value)
  })

  it('agrees on the chunk types and the file magic', () => {
    const header = readFileSync(join(__dirname, '..', 'native', 'sinks', 'chunk_format.h'), 'utf8')
    const types = Object.fromEntries([...header.matchAll(/\bk(\w+) = (\d+),/g)].map(([, name, value]) => [name, Number(value)]))
    expect(types).toEqual(fileLayout.ChunkType)
    const magic = /kFileMagic\[8\] = \{([^}]+)\}/.exec(header)![1]!.split(',').map((v) => Number(v.trim()))
    expect(magic).toEqual([...fileLayout.FILE_MAGIC])
  })

  it('agrees on the ring-file magic', () => {
    const header = readFileSync(join(__dirname, '..', 'native', 'recorder', 'ring_file.h'), 'utf8')
    const magic = /kRingFileMagic\[8\] = \{([^}]+)\}/.exec(header)![1]!.split(',').map((v) => v.trim().replace(/'/g, '')).join('')
    expect(magic).toBe(ringFileLayout.RING_FILE_MAGIC)
  })

  it('agrees on the record header word', () => {
    expect(recordLayout.recordWord0(24, 7)).toBe(3 | (7 << 16))
    expect(recordLayout.recordWord0(65536, recordLayout.LOST_ID)).toBe(((8192 | (0xffff << 16)) >>> 0))
  })
})
