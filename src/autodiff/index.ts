// The autodiff layer: tape, primitives with their rules, VJP/JVP sweeps and the NTK operator.
export { Tape } from './tape';
export type { Var, Node } from './tape';
export { rules } from './rules';
export type { Prim } from './rules';
export * as ops from './ops';
export { vjp, jvp, sweepCounts } from './sweeps';
export { structuredNtk, structuredNtkCost } from './structuredNtk';
export { ntkMatvec, ntkDense, ntkTopEigenvalue, ntkTopEigenvalues, ntkDenseEigenvalues } from './ntk';
export { hvp } from './sweeps';
export {
  DENSE_HESSIAN_LIMIT,
  gaussNewtonMatvec,
  hessianDense,
  hessianMatvec,
  hessianTopEigenvalue,
  hessianTopEigenvalues,
  parameterCount,
  splitParameters,
} from './hessian';
export type { HessianSpectrum } from './hessian';
export { ddForward, ddVjp, ddJvp, ddNtkMatvec } from './dd/sweeps';
export { ddRules } from './dd/rules';
export { gatherRule } from './dd/moves';
export type { DdRule, DdVjpCtx, DdJvpCtx } from './dd/rules';
export { jetRules, replayJets } from './jets';
export type { Jet, JetRule, JetCtx } from './jets';
export { curvatureGradient } from './sharpness';
export type { CurvatureGradient } from './sharpness';
