// `ringtrace guid <provider name> [--json]`: the ETW provider GUID a name stands for.

import { providerGuidText, providerTraits } from '../etw/provider-guid.js'
import type { Command } from './command.js'
import { UsageError } from './usage-error.js'

export const guidCommand: Command = {
  name: 'guid',
  synopsis: 'guid <provider name> [--json]                      the ETW provider GUID of a name',
  help: `Usage: ringtrace guid <provider name> [--json]

Prints the ETW provider GUID derived from the provider name (the EventSource rule: SHA-1 of
the upper-cased name, name-based GUID). ETW tools find the provider by it; most also accept
'*<name>' and derive the same GUID.

Options:
  --json       print { name, guid, traits } (traits: the provider traits blob in hex)
  -h, --help   show this help
`,
  options: {
    json: { type: 'boolean' },
  },

  async run(args, io) {
    if (args.positionals.length !== 1) {
      throw new UsageError(args.positionals.length === 0 ? 'missing <provider name>' : `expected one <provider name>, got ${args.positionals.length}`)
    }
    const name = args.positionals[0]!
    let traits: Uint8Array
    try {
      traits = providerTraits(name)
    } catch (error) {
      throw new UsageError((error as Error).message)
    }
    const guid = providerGuidText(name)
    io.stdout.write(args.values.json === true
      ? `${JSON.stringify({ name, guid, traits: Buffer.from(traits).toString('hex') })}\n`
      : `${guid}\n`)
    return 0
  },
}
