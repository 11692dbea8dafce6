// ReLU's branch-free forward and vjp (the dkeep kernel) against the branchy definition, bit for bit, on awkward values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Tape, ops, vjp } from '../../src/autodiff';
import { tensor } from '../../src/linalg/tensor';

const AWKWARD = [0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 1.5, -1.5, Number.MAX_VALUE, -Number.MIN_VALUE];

test('relu is x where x > 0 and +0 elsewhere (−0, NaN, −∞ included), its vjp g where x > 0 and +0 elsewhere', () => {
  const x = Float64Array.from({ length: 4 * AWKWARD.length }, (_, i) => AWKWARD[i % AWKWARD.length] * (i < 22 ? 1 : -1));
  const g = Float64Array.from(x, (_, i) => AWKWARD[(i * 7) % AWKWARD.length]);
  const tape = new Tape(),
    p = tape.param(tensor([x.length], x.slice()));
  const y = ops.relu(p);
  const [dx] = vjp(y, g);
  x.forEach((v, i) => {
    assert.ok(Object.is(y.value.data[i], v > 0 ? v : 0), `relu(${v}) = ${y.value.data[i]}`);
    assert.ok(Object.is(dx[i], v > 0 ? g[i] : 0), `relu'(${v})·${g[i]} = ${dx[i]}`);
  });
});

test.run();
