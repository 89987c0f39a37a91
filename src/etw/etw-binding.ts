// The tracer's side of the native ETW sink: the binding functions it needs, and the errors users
// get when ETW is not available.

import type { NativeBinding } from '../../binding.js'
import type { BackendName } from '../backend/select-backend.js'
import { TracerError, type TracerErrorCode } from '../errors.js'
import { DEFAULT_FILE_PERMISSIONS, type EtwOptions, type TracerOptions } from '../tracer-options.js'
import { providerGuid, providerTraits } from './provider-guid.js'

export type EtwBinding = NativeBinding & Required<Pick<NativeBinding, 'openEtwSink' | 'releaseEtwSink' | 'attachEtwSink' | 'setEventGate'>>

export function etwBinding(binding: NativeBinding, backend: BackendName): EtwBinding {
  if (binding.openEtwSink === undefined || binding.releaseEtwSink === undefined || binding.attachEtwSink === undefined || binding.setEventGate === undefined) {
    throw new TracerError('NATIVE_UNAVAILABLE', `ringtrace: the etw option needs the native addon; the ${backend} backend has no TraceLogging encoder`)
  }
  return binding as EtwBinding
}

/** The TracerError for each way the addon refuses an ETW sink. */
const ETW_ERRORS: Readonly<Record<string, TracerErrorCode>> = {
  ERR_RINGTRACE_UNSUPPORTED: 'ETW_UNSUPPORTED',
  ERR_RINGTRACE_IO: 'SINK_ERROR',
  // The provider is open in this process with another capture file or forceWrites.
  ERR_RINGTRACE_STATE: 'INVALID_OPTION',
}

/**
 * Opens (or joins) the provider's ETW sink; every refusal is a TracerError. A capture file is
 * created as `file` says, as the trace file is.
 */
export function openEtwSink(etw: EtwBinding, provider: string, options: EtwOptions, file: Pick<TracerOptions, 'filePermissions' | 'followSymlinks'>): number {
  try {
    return etw.openEtwSink(provider, providerGuid(provider), providerTraits(provider), options.capture ?? null, options.forceWrites ?? false,
      file.filePermissions ?? DEFAULT_FILE_PERMISSIONS, file.followSymlinks ?? false)
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    if (typeof code !== 'string' || !Object.hasOwn(ETW_ERRORS, code)) throw error
    throw new TracerError(ETW_ERRORS[code]!, `ringtrace: etw: ${(error as Error).message}`, { cause: error })
  }
}

