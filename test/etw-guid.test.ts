import { describe, expect, it } from 'vitest'
import { runCli } from '../src/cli/run.js'
import { providerGuid, providerGuidText, providerTraits } from '../src/etw/provider-guid.js'
import { Capture } from './helpers/capture.js'

describe('providerGuid()', () => {
  it('derives the published EventSource GUIDs from provider names', () => {
    expect(providerGuidText('MyCompany.MyComponent')).toBe('ce5fa4ea-ab00-5402-8b76-9f76ac858fb5')
    expect(providerGuidText('MyProvider')).toBe('b3864c38-4273-58c5-545b-8b3608343471')
  })

  it('ignores the case of the name', () => {
    expect(providerGuidText('MYPROVIDER')).toBe('b3864c38-4273-58c5-545b-8b3608343471')
    expect(providerGuidText('myprovider')).toBe('b3864c38-4273-58c5-545b-8b3608343471')
  })

  it('returns the 16 bytes in Windows memory order with the name-based version nibble', () => {
    const guid = providerGuid('MyProvider')
    expect(Buffer.from(guid).toString('hex')).toBe('384c86b37342c558545b8b3608343471')
    expect(guid[7]! >> 4).toBe(5)
  })
})

describe('providerTraits()', () => {
  it('encodes u16 size, the UTF-8 name and a NUL', () => {
    expect([...providerTraits('MyProvider')]).toEqual(
      [0x0d, 0x00, 0x4d, 0x79, 0x50, 0x72, 0x6f, 0x76, 0x69, 0x64, 0x65, 0x72, 0x00])
    expect([...providerTraits('é')]).toEqual([0x05, 0x00, 0xc3, 0xa9, 0x00])
  })

  it('refuses an empty name and a name with NUL', () => {
    expect(() => providerTraits('')).toThrow(RangeError)
    expect(() => providerTraits('a\0b')).toThrow(RangeError)
  })
})

describe('ringtrace guid', () => {
  it('prints the provider GUID of a name', async () => {
    const stdout = new Capture()
    const stderr = new Capture()
    expect(await runCli(['guid', 'MyCompany.MyComponent'], { stdout, stderr })).toBe(0)
    expect(stdout.text).toBe('ce5fa4ea-ab00-5402-8b76-9f76ac858fb5\n')
  })

  it('prints name, GUID and traits as JSON with --json', async () => {
    const stdout = new Capture()
    expect(await runCli(['guid', 'MyProvider', '--json'], { stdout, stderr: new Capture() })).toBe(0)
    expect(JSON.parse(stdout.text)).toEqual({
      name: 'MyProvider', guid: 'b3864c38-4273-58c5-545b-8b3608343471', traits: '0d004d7950726f766964657200',
    })
  })

  it('exits 2 without a name', async () => {
    const stderr = new Capture()
    expect(await runCli(['guid'], { stdout: new Capture(), stderr })).toBe(2)
    expect(stderr.text).toContain('missing <provider name>')
  })
})
