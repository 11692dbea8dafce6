// Prints the fuzz audit table for a catapult build: `node dist/test/fuzz/audit.js [--main dist/src/cli/main.js] [--cases 2000]`.
import * as path from 'path';
import { auditTable, runCampaign } from './campaign';

async function audit(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (flag: string, fallback: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : fallback);
  const mainPath = path.resolve(opt('--main', path.join(__dirname, '../../src/cli/main.js')));
  const { results, seconds } = await runCampaign(Number(opt('--cases', '2000')), mainPath);
  console.log(`${results.length} cases against ${mainPath} in ${seconds.toFixed(0)} s\n`);
  console.log(auditTable(results));
  const broken = results.filter((r) => r.breaks.length > 0);
  for (const r of broken.slice(0, Number(opt('--show', '40'))))
    console.log(
      `#${r.index} ${r.cls} ${r.what}: ${r.breaks.join(', ')} (exit ${r.code}, ${r.ms.toFixed(0)} ms, ${r.peakMb.toFixed(0)} MB) ${r.message}`,
    );
}

audit();
