// Haas et al.: the learning-rate windows of SGD under MSE and cross-entropy, and how they scale with width.
export { haas } from './figure';
