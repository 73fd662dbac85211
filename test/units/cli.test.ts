/** The unit tests of group 'cli' (see groups.ts), in one process. */
import { runGroup } from './groups.js'

await runGroup('cli')
