// The edge of stability after the catapult: Cohen et al. (2021), Damian et al. (2023), Cohen, Damian et al. (2025).
export { eosSharpening } from './sharpening';
export { eosFlows } from './flowsFigure';
export { eosMomentum } from './momentum';
export { eosDigits } from './digitsFigure';
