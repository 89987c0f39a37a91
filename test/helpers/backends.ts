// The backends every behavioural suite runs against. The native one must load: a test run that
// silently fell back to the TS ring would prove nothing about the addon.

import type { BackendName } from '../../src/backend/select-backend.js'

export const BACKENDS: readonly BackendName[] = ['native', 'js']
