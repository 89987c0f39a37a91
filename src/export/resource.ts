// The OTLP resource of an export: who sends (service, process, host) and with what SDK.

import { hostname } from 'node:os'
import { packageVersion } from '../package-version.js'
import type { ResolvedExport } from './export-options.js'
import type { ExportAttribute, ExportResource, ExportScope } from './model.js'

function attributeOf(key: string, value: string | number | boolean): ExportAttribute {
  if (typeof value === 'string') return { key, type: 'str', value }
  if (typeof value === 'boolean') return { key, type: 'bool', value }
  return Number.isSafeInteger(value) ? { key, type: 'i64', value: BigInt(value) } : { key, type: 'f64', value }
}

/**
 * The configured attributes, then what ringtrace knows, which they cannot override except
 * service.name. The runtime is this process's: a file does not record the traced one's.
 */
export function exportResource(config: ResolvedExport): ExportResource {
  const known: Record<string, string | number> = {
    'service.name': config.serviceName,
    'process.pid': config.origin?.pid ?? process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'host.name': config.origin?.hostname ?? hostname(),
    'telemetry.sdk.name': 'ringtrace',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': packageVersion(),
  }
  const merged = { ...config.resourceAttributes, ...known }
  return { attributes: Object.entries(merged).map(([key, value]) => attributeOf(key, value)) }
}

/** Everything a tracer exports comes from one scope: its provider, at ringtrace's version. */
export function exportScope(provider: string): ExportScope {
  return { name: provider, version: packageVersion() }
}
