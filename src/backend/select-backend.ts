// Chooses the backend: the native addon when it loads, else the TS ring; forced by the
// `backend` option or the RINGTRACE_BACKEND environment variable.

import type { BindingTestHooks, NativeBinding } from '../../binding.js'
import { loadNative } from '../binding.js'
import { TracerError } from '../errors.js'
import { JsBackend } from './js-backend.js'

export type BackendName = 'native' | 'js'
export type BackendRequest = 'auto' | BackendName

let jsBackend: JsBackend | undefined
let warned = false

export function selectBackend(requested: BackendRequest | undefined): { name: BackendName; binding: NativeBinding } {
  const fromEnv = process.env.RINGTRACE_BACKEND
  const request = requested ?? (fromEnv === undefined || fromEnv === '' ? 'auto' : fromEnv)
  if (request !== 'auto' && request !== 'native' && request !== 'js') {
    throw new TracerError('INVALID_OPTION', `ringtrace: backend must be 'auto', 'native' or 'js' (option or RINGTRACE_BACKEND), got ${JSON.stringify(request)}`)
  }
  if (request !== 'js') {
    const native = loadNative()
    if (native.binding !== undefined) return { name: 'native', binding: native.binding }
    if (request === 'native') {
      throw new TracerError('NATIVE_UNAVAILABLE', `ringtrace: the native backend did not load (${native.error.message.split('\n')[0]}); 'npx ringtrace doctor' says why; 'npm rebuild ringtrace' builds it (cmake and a C++20 compiler needed), or use backend 'js'`, { cause: native.error })
    }
    if (!warned) {
      warned = true
      process.emitWarning(`ringtrace: the native backend did not load (${native.error.message.split('\n')[0]}), so tracing uses the TS ring. 'npx ringtrace doctor' says why; 'npm rebuild ringtrace' builds the native backend (cmake and a C++20 compiler needed). Set RINGTRACE_BACKEND=js to choose the TS ring without this warning.`, { code: 'RINGTRACE_TS_BACKEND' })
    }
  }
  return { name: 'js', binding: jsBackend ??= new JsBackend() }
}

/** The test hooks of a backend (binding.d.ts): the native addon's, or the TS backend's. */
export function testHooksOf(backend: BackendName): BindingTestHooks {
  if (backend === 'js') return jsBackend ??= new JsBackend()
  const native = loadNative()
  if (native.binding === undefined) throw native.error
  return native.binding
}
