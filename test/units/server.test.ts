/** The unit tests of group 'server' (see groups.ts), in one process. */
import { runGroup } from './groups.js'

await runGroup('server')
