// One case (inputs and a builder) per primitive of the rule table, shared by the adjoint and Hessian tests.
import { RandomState } from '../../src/random/randomState';
import { Tensor, tensor } from '../../src/linalg/tensor';
import { ops, Prim, Var } from '../../src/autodiff';
import { randn } from '../util';

export type Build = (p: Var[]) => Var;

/** Inputs for every primitive, drawn from `rng`; typed over Prim, so a new primitive without a case does not compile. */
export function primitiveCases(rng: RandomState): { [P in Prim]: [Tensor[], Build][] } {
  const A = () => randn(rng, [3, 4]);
  const positive = () =>
    tensor(
      [3, 4],
      rng.standardNormalArray(12).map((x) => 0.5 + Math.abs(x)),
    );
  // Entries kept away from 0 so relu's kink is never within the finite-difference step.
  const awayFromZero = () =>
    tensor(
      [3, 4],
      rng.standardNormalArray(12).map((x) => (x >= 0 ? 0.1 + x : x - 0.1)),
    );

  // The convolution primitives added later draw from their own stream, so every older case keeps the inputs (and
  // the tests after them the random directions) it had.
  const conv = new RandomState(29);
  const cases: { [P in Prim]: [Tensor[], Build][] } = {
    add: [[[A(), A()], ([a, b]) => ops.add(a, b)]],
    sub: [[[A(), A()], ([a, b]) => ops.sub(a, b)]],
    mul: [[[A(), A()], ([a, b]) => ops.mul(a, b)]],
    neg: [[[A()], ([a]) => ops.neg(a)]],
    scale: [[[A()], ([a]) => ops.scale(a, -2.5)]],
    matmul: [
      [[randn(rng, [3, 4]), randn(rng, [4, 5])], ([a, b]) => ops.matmul(a, b, false, false)],
      [[randn(rng, [4, 3]), randn(rng, [4, 5])], ([a, b]) => ops.matmul(a, b, true, false)],
      [[randn(rng, [3, 4]), randn(rng, [5, 4])], ([a, b]) => ops.matmul(a, b, false, true)],
      [[randn(rng, [4, 3]), randn(rng, [5, 4])], ([a, b]) => ops.matmul(a, b, true, true)],
      // alpha inside the gemm (dense's NTK multiplier): with op(A) = A, where it scales g, and with op(A) = Aᵀ, where it scales B.
      [[randn(rng, [3, 4]), randn(rng, [5, 4])], ([a, b]) => ops.matmul(a, b, false, true, -0.37)],
      [[randn(rng, [4, 3]), randn(rng, [4, 5])], ([a, b]) => ops.matmul(a, b, true, false, Math.SQRT2 / Math.sqrt(3))],
    ],
    addBias: [[[A(), randn(rng, [4])], ([x, b]) => ops.addBias(x, b)]],
    sum: [[[A()], ([a]) => ops.sum(a)]],
    mean: [[[A()], ([a]) => ops.mean(a)]],
    reshape: [[[A()], ([a]) => ops.scale(ops.reshape(a, [2, 6]), 1.5)]],
    square: [[[A()], ([a]) => ops.square(a)]],
    relu: [[[awayFromZero()], ([a]) => ops.relu(a)]],
    tanh: [[[A()], ([a]) => ops.tanh(a)]],
    exp: [[[A()], ([a]) => ops.exp(a)]],
    log: [[[positive()], ([a]) => ops.log(a)]],
    softplus: [
      [
        [
          tensor(
            [3, 4],
            rng.standardNormalArray(12).map((x) => 8 * x),
          ),
        ],
        ([a]) => ops.softplus(a),
      ],
    ],
    logSumExp: [
      [
        [
          tensor(
            [3, 4],
            rng.standardNormalArray(12).map((x) => 4 * x),
          ),
        ],
        ([a]) => ops.logSumExp(a),
      ],
    ],
    // Linear gathers: each once alone and once under tanh, so the HVP test sees a non-zero second-order term through it.
    im2col: [
      [[randn(rng, [2, 2, 5, 4])], ([x]) => ops.im2col(x, 3, 3, 1, 'same')],
      [[randn(rng, [1, 2, 6, 5])], ([x]) => ops.tanh(ops.im2col(x, 3, 2, 2, 'same'))],
      [[randn(rng, [2, 1, 5, 5])], ([x]) => ops.tanh(ops.im2col(x, 2, 3, 2, 'valid'))],
    ],
    // Bilinear plus a bias: alone, and under tanh so the HVP test sees its cross term (x against W); SAME and VALID, strides 1 and 2.
    convolve: [
      [[randn(conv, [2, 2, 5, 4]), randn(conv, [3, 2, 3, 3])], ([x, W]) => ops.convolve(x, W, null, 1, 'same')],
      [[randn(conv, [2, 2, 5, 4]), randn(conv, [3, 2, 3, 3]), randn(conv, [3])], ([x, W, b]) => ops.convolve(x, W, b, 1, 'same')],
      [[randn(conv, [1, 2, 6, 5]), randn(conv, [2, 2, 3, 2]), randn(conv, [2])], ([x, W, b]) => ops.tanh(ops.convolve(x, W, b, 2, 'same'))],
      [[randn(conv, [2, 1, 5, 5]), randn(conv, [2, 1, 2, 3])], ([x, W]) => ops.tanh(ops.convolve(x, W, null, 2, 'valid'))],
    ],
    permute: [
      [[randn(rng, [2, 3, 4])], ([x]) => ops.permute(x, [2, 0, 1])],
      [[randn(rng, [2, 3, 2, 2])], ([x]) => ops.tanh(ops.permute(x, [0, 2, 3, 1]))],
    ],
    // Distinct random entries: the gap to the runner-up is far above the finite-difference step.
    maxPool2d: [
      [[randn(conv, [2, 2, 4, 6])], ([x]) => ops.maxPool2d(x, 2)],
      [[randn(conv, [1, 3, 7, 6])], ([x]) => ops.tanh(ops.maxPool2d(x, 3))],
    ],
    rowMax: [
      [[A()], ([x]) => ops.rowMax(x)],
      [[A()], ([x]) => ops.tanh(ops.rowMax(x))],
    ],
  };
  return cases;
}
