// The tracer's side of the native ETW sink: the binding functions it needs, and the errors users
// get when ETW is not available.

import type { NativeBinding } from '../../binding.js'
import type { BackendName } from '../backend/select-backend.js'
import { TracerError } from '../errors.js'
import { DEFAULT_FILE_PERMISSIONS, type EtwOptions, type TracerOptions } from '../tracer-options.js'
import { providerGuid, providerTraits } from './provider-guid.js'

export type EtwBinding = NativeBinding & Required<Pick<NativeBinding, 'openEtwSink' | 'attachEtwSink' | 'setEventGate'>>

export function etwBinding(binding: NativeBinding, backend: BackendName): EtwBinding {
  if (binding.openEtwSink === undefined || binding.attachEtwSink === undefined || binding.setEventGate === undefined) {
    throw new TracerError('NATIVE_UNAVAILABLE', `ringtrace: the etw option needs the native addon; the ${backend} backend has no TraceLogging encoder`)
  }
  return binding as EtwBinding
}

/**
 * Opens (or joins) the provider's ETW sink; live ETW where it does not exist is a TracerError. A
 * capture file is created as `file` says, as the trace file is.
 */
export function openEtwSink(etw: EtwBinding, provider: string, options: EtwOptions, file: Pick<TracerOptions, 'filePermissions' | 'followSymlinks'>): number {
  try {
    return etw.openEtwSink(provider, providerGuid(provider), providerTraits(provider), options.capture ?? null, options.forceWrites ?? false,
      file.filePermissions ?? DEFAULT_FILE_PERMISSIONS, file.followSymlinks ?? false)
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_RINGTRACE_UNSUPPORTED') throw error
    throw new TracerError('ETW_UNSUPPORTED', `ringtrace: etw: ${(error as Error).message}`, { cause: error })
  }
}

