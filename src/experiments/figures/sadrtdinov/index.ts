// Sadrtdinov et al.: large-learning-rate regimes of scale-invariant networks.
export { sadrtdinov } from './figure';
