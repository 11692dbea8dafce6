// The CI fuzz suite: 2,000 seeded mutations of npz, IDX, CIFAR-10 and golden files through the CLI, each bounded in exit code, output, memory and time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'path';
import { BREAKS, LIMITS, auditTable, runCampaign } from './campaign';
import { FUZZ_CLASSES } from './bases';

const CASES = 2000;

test(`${CASES} mutated inputs: exit 0/1/2 with one line and no stack trace, under ${LIMITS.peakMb} MB and ${LIMITS.caseSeconds} s each, no forged golden passing`, async () => {
  const { results, seconds } = await runCampaign(CASES, path.join(__dirname, '../../src/cli/main.js'));
  console.log(`fuzz: ${results.length} cases in ${seconds.toFixed(0)} s\n${auditTable(results)}`);
  assert.is(results.length, CASES, 'every case reported once');
  for (const cls of FUZZ_CLASSES) assert.ok(results.filter((r) => r.cls === cls).length >= 300, `${cls}: at least 300 cases`);
  // Controls (unmutated inputs, reformatted goldens) must pass, or the suite would count a broken reader as robust.
  assert.ok(results.filter((r) => r.message === '' && r.code === 0).length > 50, 'some cases pass');
  const broken = results.filter((r) => r.breaks.length > 0);
  const listing = broken
    .slice(0, 20)
    .map(
      (r) =>
        `#${r.index} ${r.cls} ${r.what}: ${r.breaks.join(', ')} (exit ${r.code}, ${r.ms.toFixed(0)} ms, ${r.peakMb.toFixed(0)} MB) ${r.message}`,
    )
    .join('\n');
  assert.is(broken.length, 0, `${broken.length} cases broke a limit (${BREAKS.join(', ')}):\n${listing}`);
});

test.run();
