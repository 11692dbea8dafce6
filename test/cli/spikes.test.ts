// `train --spikes`: spikes.json beside the trajectory, and the runs it refuses (one line, exit 2).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import { scratch } from './helpers';

const { run, rejects, file, cleanup } = scratch('catapult-spikes-');
const teacher = ['--model', 'mlp', '--dataset', 'synthetic', '--classes', '0,1', '--train-size', '32', '--test-size', '2'];
const sgd = ['train', '--quiet', ...teacher, '--input-dim', '6', '--width', '64', '--batch', '8', '--lr', '1.5x', '--steps', '40'];

test('train --spikes writes spikes.json: the catapult from θ_0 with its top-k share, λ against 2/η and the AGOP alignment', () => {
  const r = run([...sgd, '--out', 'run', '--spikes', '--spike-top', '4']);
  assert.is(r.code, 0, r.stderr);
  const report = JSON.parse(fs.readFileSync(file('run/spikes.json'), 'utf8'));
  const summary = JSON.parse(fs.readFileSync(file('run/summary.json'), 'utf8'));
  assert.is(report.eta, summary.eta);
  assert.is(report.top_k, 4);
  assert.is(report.rise, 1);
  assert.is(report.count, report.spikes.length);
  assert.ok(report.count >= 1);
  const s = report.spikes[0];
  assert.is(s.loss_peak, summary.peak_loss);
  // λ at the spike's start as the trajectory measured it (Lanczos for 1 pair there, for k here: rounding apart).
  const trajectory = JSON.parse(fs.readFileSync(file('run/trajectory.json'), 'utf8'));
  const lambda = trajectory.rows[s.start][trajectory.columns.indexOf('lambda')];
  assert.ok(Math.abs(s.lambda_start - lambda) <= 1e-9 * lambda, `${s.lambda_start} vs ${lambda}`);
  assert.is(s.loss_start, trajectory.rows[s.start][trajectory.columns.indexOf('loss')]);
  assert.is(s.catapult, true);
  assert.ok(s.top_k_fraction > 0.5 && s.top_k_fraction <= 1);
  assert.ok(report.agop_alignment_init > 0 && report.agop_alignment_final > 0);
  assert.match(r.stdout, /spikes \(loss > 2× its last minimum\): \d+, catapults: \d+/);
});

test('without a teacher (Gaussian data) the AGOP alignment is null', () => {
  const r = run(['train', '--quiet', '--model', 'mlp', '--samples', '16', '--lr', '1.5x', '--steps', '20', '--out', 'g', '--spikes']);
  assert.is(r.code, 0, r.stderr);
  const report = JSON.parse(fs.readFileSync(file('g/spikes.json'), 'utf8'));
  assert.is(report.agop_alignment_init, null);
  assert.ok(report.spikes.every((s: { agop_alignment_start: unknown }) => s.agop_alignment_start === null));
});

test('--spike-rise and --spike-top need --spikes', () => {
  rejects([...sgd, '--out', 'x', '--spike-top', '3'], /--spike-top needs --spikes/);
  rejects([...sgd, '--out', 'x', '--spike-rise', '2'], /--spike-rise needs --spikes/);
});

test('bad values of the spike options', () => {
  rejects([...sgd, '--out', 'x', '--spikes', '--spike-rise', '0'], /--spike-rise/);
  rejects([...sgd, '--out', 'x', '--spikes', '--spike-top', '0'], /--spike-top/);
});

test('runs the 2/η criterion does not describe are refused', () => {
  rejects([...sgd, '--out', 'x', '--spikes', '--optimizer', 'adam'], /--spikes: the catapult criterion 2\/η is that of plain GD\/SGD/);
  rejects([...sgd, '--out', 'x', '--spikes', '--momentum', '0.9'], /--spikes: the catapult criterion 2\/η is that of plain GD\/SGD/);
  rejects([...sgd, '--out', 'x', '--spikes', '--loss', 'ce'], /--spikes: the NTK criterion is that of the MSE loss, not --loss ce/);
  rejects([...sgd, '--out', 'x', '--spikes', '--precision', 'dd'], /--spikes analyses float64 runs/);
});

test.after(cleanup);
test.run();
