/**
 * Modules loaded when a feature is used rather than at every start: the server itself, a
 * sub-command, HTTPS, accounts, the QR code. A start then pays (in CPU, on a Raspberry Pi or a
 * phone) only for what its config and command line ask for.
 */
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TVS_ERR_INSTALL_INCOMPLETE } from './errors.js'

/** The installation: the folder holding dist/ and package.json. */
const PACKAGE_ROOT = dirname(dirname(fileURLToPath(import.meta.url)))

/**
 * Runs `load` (an `import()`). A file of the installation or a package it needs that cannot be
 * found (a broken install, or one replaced while the command ran) is a coded error saying so and
 * how to fix it, not an unexpected error with a stack trace; any other failure passes unchanged.
 * @example const { serve } = await lazyImport(() => import('./cli/serve.js'))
 */
export async function lazyImport<T> (load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error
    // A package's require() adds its require stack on the lines after the first.
    const [reason = ''] = (error as Error).message.split('\n')
    throw new TVS_ERR_INSTALL_INCOMPLETE(reason, PACKAGE_ROOT, { cause: error })
  }
}
