import { openDatabase } from '../db/connect.js';
import {
  assertFlagKey,
  clearFlag,
  FLAG_KEYS,
  parseFlagValue,
  readFlags,
  setFlag,
} from '../db/flags-repository.js';
import { loadConfig } from '../infra/config.js';
import { parseCommandLine } from './command-line.js';

const USAGE = `Usage: npm run flags -- <command>

  show                    the flags in force (stored values over env defaults)
  set <flag> <value>      change a flag for calls that start from now on
  clear <flag>            go back to the env default

Flags: ${FLAG_KEYS.join(', ')}
Rolling Whisper out: set stt-provider whisper, then whisper-rollout-percent 10, 50, 100.`;

async function main(): Promise<number> {
  const { positionals, values } = parseCommandLine(
    {
      allowPositionals: true,
      options: { by: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    },
    USAGE,
  );
  const [command, key, value] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }

  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    if (command === 'set' && key && value !== undefined) {
      const parsed = parseFlagValue(key, value);
      assertFlagKey(key);
      await setFlag(database.db, key, parsed, values.by);
    } else if (command === 'clear' && key) {
      assertFlagKey(key);
      await clearFlag(database.db, key);
    } else if (command !== 'show') {
      console.error(USAGE);
      return 2;
    }
    const flags = await readFlags(database.db, config.flagDefaults);
    console.log(JSON.stringify(flags, null, 2));
    return 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
